"""Graduating: a traced function or model as PyTorch or JAX source, the same numbers (issue 27).

Without the frameworks: the exported text parses, writes one line per node with the labels in
comments, passes ruff, carries no user string outside comments; primitives that cannot be
exported are refused by name; ``nn.load_state`` checks what it reads. With torch (CPU) and jax
installed (``pip install ".[export]"``; skipped with that message otherwise): for random graphs
over every rule of ``ops.OPS``, the demo MLP and the Digits MLP, the exported function's
values and gradients (the framework's autograd) on a batch of 100 equal ``Compiled.batch``'s to
1e-12, in float64; one SGD step in PyTorch gives the parameters our step gives. Ours are checked
against finite differences elsewhere (test_rules, test_properties, test_trust_fuzz).
"""

from __future__ import annotations

import ast
import importlib.util
import math
import random
import re
import subprocess
import sys

import pytest

import autodiff
import nn
from autodiff import Value, ops

np = pytest.importorskip("numpy")

FRAMEWORKS = ("torch", "jax")
SKIP = 'not installed by make test; pip install ".[export]" to run the exported code'
EXPONENTS = [2.0, 3.0, -1.0, 0.5, 1.5, 0.0, -2.0]


def positive(a):
    # into the domain of log, sqrt, a divisor and a base: |a| + 0.5
    return abs(a) + 0.5


# how the random graphs apply each op of the table, kept inside its domain (an op's guard is a node too)
APPLY = {
    "+": lambda r, a, b: a + b,
    "-": lambda r, a, b: a - b,
    "*": lambda r, a, b: a * b,
    "/": lambda r, a, b: a / positive(b),
    "neg": lambda r, a: -a,
    "**n": lambda r, a: positive(a) ** r.choice(EXPONENTS) if r.random() < 0.5 else a ** r.choice([2, 3]),
    "**": lambda r, a, b: positive(a) ** (b.tanh() * 2.0),
    "exp": lambda r, a: (a.tanh() * 3.0).exp(),
    "log": lambda r, a: positive(a).log(),
    "sqrt": lambda r, a: positive(a).sqrt(),
    "tanh": lambda r, a: a.tanh(),
    "sigmoid": lambda r, a: a.sigmoid(),
    "relu": lambda r, a: a.relu(),
    "abs": lambda r, a: abs(a),
    "sum": lambda r, *xs: autodiff.sum(xs),
    "dot": lambda r, *xs: autodiff.dot(xs[: len(xs) // 2], xs[len(xs) // 2 : 2 * (len(xs) // 2)], xs[-1]),
    "logsumexp": lambda r, *xs: autodiff.logsumexp(xs),
}


def test_the_random_graphs_apply_every_rule_of_the_table():
    assert set(APPLY) == set(ops.OPS), "a new rule needs a line in APPLY, so the export is tested on it"


def random_function(op: str, seed: int):
    """(f, n_inputs, params): a graph of a few random ops, ``op`` first, over inputs, 2 parameters and constants."""
    r = random.Random(f"{op}-{seed}")
    n_in = r.randint(1, 3)
    params = [Value(r.uniform(-1, 1), label=f"w{k}") for k in range(2)]
    chosen = [op] + [r.choice(sorted(APPLY)) for _ in range(r.randint(2, 6))]
    arity = {name: ops.OPS[name].arity for name in APPLY}
    plan = []
    for k, name in enumerate(chosen):
        least, most = arity[name]
        n = r.randint(max(least, 1), 4) if most is None else least
        if name == "dot":
            n = 2 * r.randint(1, 3) + 1
        plan.append((name, [r.randrange(-1, n_in + 2 + k) for _ in range(n)], r.uniform(-2, 2), r.random()))
    outputs = 2 if seed % 3 == 2 else 1

    def f(*xs):
        nodes = list(xs) + params
        for name, args, constant, choice in plan:
            vals = [nodes[a] if a >= 0 else Value(constant) for a in args]  # a Value f did not make: a constant
            nodes.append(APPLY[name](random.Random(choice), *vals))
            nodes[-1].label = f"n{len(nodes) - 1}" if choice < 0.3 else ""
        total = autodiff.sum(nodes[n_in + 2 :])  # every op reaches the output
        return total if outputs == 1 else [total, nodes[-1]]

    return f, n_in, params


def compiled(op: str, seed: int):
    f, n_in, params = random_function(op, seed)
    return autodiff.compile(f, [0.3] * n_in, params, name=f"{op.replace('*', 'pow')}_{seed}")


CASES = [(op, seed) for op in ops.OPS for seed in range(3)]
IDS = [f"{op}-{seed}" for op, seed in CASES]


# --- the text, without the frameworks -------------------------------------------------------------


def assigned(text: str) -> list[str]:
    return re.findall(r"^    (v\d+) = ", text, re.M)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize(("op", "seed"), CASES, ids=IDS)
def test_the_text_parses_and_writes_every_node_once_with_its_label(op, seed, framework):
    c = compiled(op, seed)
    exported = c.export(framework)
    text = str(exported)
    assert text == exported.source
    tree = ast.parse(text)
    assert [n.name for n in tree.body if isinstance(n, ast.FunctionDef)] == ["forward"]
    assert "jnp." not in text if framework == "torch" else "torch." not in text
    tape = c._tape
    live, todo = set(), list(c._outputs)  # the nodes an output depends on
    while todo:
        i = todo.pop()
        if i not in live:
            live.add(i)
            todo += tape[i][2]
    variable = set()  # an input or a parameter reaches them (the others are constants, written inline)
    for i, (kind, _, parents) in enumerate(tape):
        if kind in ("x", "p") or variable.intersection(parents):
            variable.add(i)
    nodes = len(live & variable)
    names = assigned(text)
    assert names == [f"v{k}" for k in range(nodes)], "one numbered line per node (constants are written inline)"
    for label in {c._labels[i] for i in live & variable} - {""}:
        assert re.search(rf"# (\w+, )?{re.escape(repr(label))}$", text, re.M), f"label {label!r} not in a comment"


def test_the_body_is_one_line_per_node_in_the_order_written():
    w, b = Value(-1.2, label="w"), Value(0.1, label="b")
    c = autodiff.compile(lambda x: (x * w + b).tanh(), [0.5], [w, b])
    text = c.export("torch").source
    body = text.split('gives the gradients."""\n')[1]
    assert body == (
        "    v0 = x[:, 0]  # 'x0'\n"
        "    v1 = p[0]  # 'w'\n"
        "    v2 = p[1]  # 'b'\n"
        "    v3 = v0 * v1\n"
        "    v4 = v3 + v2\n"
        "    v5 = torch.tanh(v4)  # tanh\n"
        "    return v5\n"
    )


def test_a_node_no_output_depends_on_is_not_written():
    w = Value(2.0, label="w")

    def f(x):
        (x * 3.0).exp()  # computed while tracing, used by nothing
        return (x * w).relu()

    text = autodiff.compile(f, [1.0], [w]).export("torch").source
    assert "from a trace of f: 7 nodes," in text  # x, w, 3.0, x*3, exp, x*w, relu: 7 traced, 4 written
    body = text.split('gives the gradients."""\n')[1]
    assert body == (
        "    v0 = x[:, 0]  # 'x0'\n"
        "    v1 = p[0]  # 'w'\n"
        "    v2 = v0 * v1\n"
        "    v3 = torch.where(v2 > 0.0, v2, 0.0)  # relu\n"
        "    return v3\n"
    )


def test_every_definition_is_interpreted_not_looked_up():
    # sigmoid's definition (e**-|a| form) and logsumexp's (the max shift) come out as written in rules.py
    c = autodiff.compile(lambda x, y: x.sigmoid() + autodiff.logsumexp([x, y, 2.0]), [0.1, 0.2])
    text = c.export("jax").source
    assert "jnp.exp(jnp.where(v0 >= 0.0, -v0, v0))" in text
    assert "jnp.maximum(v0, v1)" in text and "> 2.0" in text  # a constant is folded by where (torch.maximum
    # takes tensors only)
    assert "sigmoid" in text and "logsumexp" in text
    assert "1.0 - " not in text  # the derivatives, (s * (1 - s)), are not written: autograd gives them


def test_a_choice_between_two_numbers_keeps_the_inputs_float_type():
    # torch.where(c, 1.0, 0.0) would be float32 (torch's default); one side becomes an array of x's dtype
    from autodiff import export

    program = export.TensorProgram("t", [], module="torch")
    a = program.sym("v0", 100)
    assert export.WORDS.where(export.WORDS.gt(a, 0.0), 1.0, 0.0).text == (
        "torch.where(v0 > 0.0, torch.asarray(1.0, dtype=x.dtype), 0.0)"
    )
    assert export.WORDS.where(export.WORDS.gt(a, 0.0), a, 0.0).text == "torch.where(v0 > 0.0, v0, 0.0)"
    assert export.WORDS.where(False, a, 0.0) == 0.0  # a condition on constants


def ruff(*paths):
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed (pip install ruff, or the test extra)")
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select", "E,F,W,I,B,UP,A"]
        + ["--line-length", "120", "--target-version", "py310", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_exported_source_passes_ruff(tmp_path):
    paths = []
    for framework in FRAMEWORKS:
        for op, seed in CASES:
            path = tmp_path / f"{framework}_{len(paths)}.py"
            compiled(op, seed).export(framework).save(path)
            paths.append(path)
        for model, nin in ((nn.MLP(2, [16, 16, 1], seed=0), 2), (nn.MLP(64, [32, 10], seed=0), 64)):
            path = tmp_path / f"{framework}_model_{nin}.py"
            nn.export(model, framework).save(path)
            paths.append(path)
    done = ruff(*paths)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
    assert "All checks passed" in done.stdout
    bad = tmp_path / "bad.py"  # the check can fail: a planted unused import
    bad.write_text("import os\n", encoding="utf-8")
    assert ruff(bad).returncode != 0


def test_long_nodes_are_wrapped_and_still_lint_clean(tmp_path):
    c = autodiff.compile(lambda *xs: autodiff.sum([x * x for x in xs]).log(), [1.0] * 200)
    c.export("torch").save(tmp_path / "long.py")
    text = (tmp_path / "long.py").read_text(encoding="utf-8")
    assert max(map(len, text.splitlines())) <= 120
    ast.parse(text)
    done = ruff(tmp_path / "long.py")
    assert done.returncode == 0, done.stdout[-2000:]


def test_labels_reach_only_comments():
    x = Value(1.0, label="x")
    w = Value(2.0, label='w"""\nimport os  # ')
    c = autodiff.compile(lambda x: (x * w).tanh(), [1.0], [w])
    text = c.export("torch").source
    tree = ast.parse(text)
    assert not any(isinstance(n, (ast.Import, ast.ImportFrom)) and n.names[0].name == "os" for n in ast.walk(tree))
    assert '# \'w"""\\nimport os  # \'' in text
    assert x.data == 1.0


def test_an_unknown_framework_is_refused_with_the_choices():
    c = autodiff.compile(lambda x: x * 2.0, [1.0])
    with pytest.raises(ValueError, match=r"framework must be one of 'torch', 'jax'; got 'tensorflow'"):
        c.export("tensorflow")


def test_save_writes_the_text(tmp_path):
    c = autodiff.compile(lambda x: x.exp(), [1.0])
    c.export("jax").save(tmp_path / "f.py")
    assert (tmp_path / "f.py").read_text(encoding="utf-8") == c.export("jax").source
    with pytest.raises(TypeError, match="path must be a str"):
        c.export("jax").save(3)


# --- user primitives --------------------------------------------------------------------------------


@autodiff.primitive("softplus_export")
def softplus(x):
    # log(1 + e**x), d/dx = sigmoid(x): written once, with autodiff's elementary functions
    return autodiff.log(1.0 + autodiff.exp(x)), (autodiff.sigmoid(x),)


@autodiff.primitive("softplus_math")
def softplus_math(x):
    return math.log1p(math.exp(x)), (1.0 / (1.0 + math.exp(-x)),)


@autodiff.primitive("step_branch")
def step_branch(x):
    if x > 0.0:  # a branch on the value: frozen by any trace
        return x, (1.0,)
    return 0.0 * x, (0.0,)


def test_a_primitive_written_once_exports_through_its_definition():
    c = autodiff.compile(lambda x: softplus(x * 2.0), [0.3])
    body = c.export("torch").source.split('gives the gradients."""\n')[1]
    assert "    t2_0 = torch.exp(v1)\n    v2 = torch.log(1.0 + t2_0)  # softplus_export\n" in body


@autodiff.primitive("nonzero_or_one")
def nonzero_or_one(x):
    return (x or 1.0), (1.0,)  # truth of a value: a branch too


@pytest.mark.parametrize(
    ("prim", "why"),
    [
        (softplus_math, "TypeError: must be real number"),
        (step_branch, "'>' not supported between instances of 'Tensor' and 'float'"),
        (nonzero_or_one, "a branch on a value (if, and, or, not"),
    ],
)
def test_a_primitive_that_cannot_be_written_as_tensors_is_refused_by_name(prim, why):
    c = autodiff.compile(lambda x: prim(x) + 1.0, [0.3])
    for framework, title in (("torch", "PyTorch"), ("jax", "JAX")):
        with pytest.raises(TypeError) as e:
            c.export(framework)
        message = str(e.value)
        assert f"primitive {prim.name!r} cannot be written as {title} code" in message
        assert why in message and "autodiff.exp" in message


# --- nn.export and nn.load_state, without the frameworks ---------------------------------------------


def test_nn_export_writes_each_parameter_with_its_name_and_exact_value():
    model = nn.MLP(2, [3, 1], seed=1)
    text = nn.export(model, "torch").source
    rows = re.findall(r"^    \('(\w+)', (\S+)\),", text, re.M)
    assert [name for name, _ in rows] == [n.replace(".", "_") for n, _ in model.named_parameters()]
    assert [float(v) for _, v in rows] == [p.data for p in model.parameters()]
    tree = ast.parse(text)
    assert [n.name for n in tree.body if isinstance(n, ast.ClassDef)] == ["Model"]
    jax_text = nn.export(model, "jax").source
    assert "def parameters():" in jax_text and "class Model" not in jax_text


def test_nn_export_refuses_a_parameter_that_is_not_finite():
    model = nn.MLP(2, [2, 1], seed=0)
    model.parameters()[3].data = math.nan
    with pytest.raises(ValueError, match=r"parameter 'L0\.N1\.w0' is nan, not a finite float; nothing was exported"):
        nn.export(model)


def test_nn_export_asks_for_n_inputs_where_the_model_cannot_say():
    class Scale(nn.Module):
        def __init__(self):
            self.a = Value(2.0, label="a")

        def named_parameters(self):
            return [("a", self.a)]

        def __call__(self, xs):
            return xs[0] * self.a

    with pytest.raises(TypeError, match="cannot tell how many inputs Scale takes; pass n_inputs="):
        nn.export(Scale())
    assert "('a', 2.0)," in nn.export(Scale(), n_inputs=1).source


def state_of(model):
    return {name.replace(".", "_"): p.data for name, p in model.named_parameters()}


def test_load_state_reads_numbers_and_0d_arrays_back():
    model, other = nn.MLP(2, [3, 1], seed=1), nn.MLP(2, [3, 1], seed=2)
    state = {k: np.array(v) if i % 2 else v for i, (k, v) in enumerate(state_of(other).items())}
    assert nn.load_state(model, state) is model
    assert [p.data for p in model.parameters()] == [p.data for p in other.parameters()]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda s: s.pop("L0_N0_w1"), ValueError, r"missing \['L0_N0_w1'\], unexpected \[\]"),
        (lambda s: s.update(extra=1.0), ValueError, r"missing \[\], unexpected \['extra'\]"),
        (lambda s: s.update(L0_N0_b=np.zeros(2)), ValueError, r"'L0_N0_b' has shape \(2,\); each parameter is one"),
        (lambda s: s.update(L1_N0_b=math.inf), ValueError, r"'L1_N0_b' is inf; parameters must be finite"),
        (lambda s: s.update(L1_N0_b=np.array(math.nan)), ValueError, r"'L1_N0_b' is nan; parameters must be finite"),
        (lambda s: s.update(L0_N0_w0="0.5"), TypeError, r"'L0_N0_w0' is str '0.5', not a number"),
        (lambda s: s.update(L0_N0_w0=True), TypeError, r"'L0_N0_w0' is bool True, not a number"),
    ],
)
def test_load_state_checks_names_shapes_and_numbers_before_changing_anything(change, error, message):
    model = nn.MLP(2, [3, 1], seed=1)
    before = [p.data for p in model.parameters()]
    state = state_of(nn.MLP(2, [3, 1], seed=2))
    change(state)
    with pytest.raises(error, match=message):
        nn.load_state(model, state)
    assert [p.data for p in model.parameters()] == before


def test_load_state_wants_a_mapping():
    with pytest.raises(TypeError, match="expects a mapping of name -> value"):
        nn.load_state(nn.MLP(1, [1]), [("L0_N0_w0", 1.0)])


def test_load_state_refuses_a_0d_array_that_is_not_a_real_number_by_name():
    model = nn.MLP(1, [1], seed=0)
    state = {**state_of(model), "L0_N0_b": np.array("half")}
    with pytest.raises(TypeError, match=r"'L0_N0_b' is ndarray, not a real number \(could not convert"):
        nn.load_state(model, state)
    assert [p.data for p in model.parameters()] == [p.data for p in nn.MLP(1, [1], seed=0).parameters()]


def test_nn_export_refuses_what_is_not_a_model():
    with pytest.raises(TypeError, match="nn.export: expects an nn model \\(a Module\\), got function"):
        nn.export(lambda x: x)


@pytest.mark.parametrize("n_inputs", [0, -1, 1.0, True, "2"])
def test_nn_export_refuses_n_inputs_that_is_not_a_positive_int(n_inputs):
    with pytest.raises(ValueError, match=f"n_inputs must be an int >= 1, got {re.escape(repr(n_inputs))}"):
        nn.export(nn.MLP(2, [1], seed=0), n_inputs=n_inputs)


def test_nn_export_refuses_a_module_that_cannot_be_called():
    class Weights(nn.Module):
        def named_parameters(self):
            return [("a", Value(1.0))]

    with pytest.raises(TypeError, match="nn.export: Weights cannot be called on inputs; define __call__"):
        nn.export(Weights(), n_inputs=1)


def test_torch_names_are_python_names_distinct_and_in_order():
    # a name that is no identifier (or a keyword, or taken) becomes p<k>, then p<k>_ ... until it is free
    names = ["L0.N0.w0", "p2", "2x", "class", "p3", "L0_N0_w0", ""]
    assert nn.exporting.torch_names(names) == ["L0_N0_w0", "p2", "p2_", "p3", "p4", "p5", "p6"]


def test_nn_export_writes_each_odd_name_once_with_ours_in_a_comment():
    class Odd(nn.Module):
        def __init__(self):
            self.ps = [Value(0.5), Value(-2.0), Value(3.0)]

        def named_parameters(self):
            return list(zip(["p1", "2nd", "p1!"], self.ps))

        def __call__(self, xs):
            return autodiff.sum([p * x for p, x in zip(self.ps, xs)])

    text = nn.export(Odd(), n_inputs=3).source
    assert re.findall(r"^    \('(\w+)', (\S+)\),(.*)$", text, re.M) == [
        ("p1", "0.5", ""),
        ("p1_", "-2.0", "  # '2nd'"),
        ("p2", "3.0", "  # 'p1!'"),
    ]
    ast.parse(text)


# --- the same numbers, in the frameworks -------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason=f"torch: {SKIP}")


@pytest.fixture(scope="module")
def jax():
    jax = pytest.importorskip("jax", reason=f"jax: {SKIP}")
    jax.config.update("jax_enable_x64", True)  # float64, as stepgrad computes
    return jax


def close(theirs, ours, what):
    # equal to 1e-12, relative to each number, or to the largest of the array where terms cancel to ~0
    theirs, ours = np.asarray(theirs, dtype=float), np.asarray(ours, dtype=float)
    scale = max(1e-300, float(np.max(np.abs(ours), initial=0.0)))
    np.testing.assert_allclose(theirs, ours, rtol=1e-12, atol=1e-12 * scale, err_msg=what)


def batch_of(n_in: int, seed: int = 0):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, size=(100, n_in))


def in_torch(torch, c, X):
    """Value, input grads (per sample) and parameter grads (summed) of the exported function, by torch."""
    forward = c.export("torch").load().forward
    x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    p = [torch.tensor(v.data, dtype=torch.float64, requires_grad=True) for v in c.params]
    out = forward(x, p)
    out.sum().backward()
    zero = np.zeros(X.shape)
    gx = zero if x.grad is None else x.grad.numpy()
    return out.detach().numpy(), gx, [0.0 if q.grad is None else float(q.grad) for q in p]


def in_jax(jax, c, X):
    import jax.numpy as jnp

    forward = c.export("jax").load().forward
    p = [jnp.asarray(v.data, dtype=jnp.float64) for v in c.params]  # a pytree of 0-d arrays
    x = jnp.asarray(X, dtype=jnp.float64)
    value = forward(x, p)
    gx, gp = jax.grad(lambda x, p: forward(x, p).sum(), argnums=(0, 1))(x, p)
    return np.asarray(value), np.asarray(gx), [float(g) for g in gp]


def check_same(theirs, c, X):
    ours = c.batch(X)
    value, gx, gp = theirs
    assert value.shape == ours.value.shape
    close(value, ours.value, "values")
    close(gx, ours.input_grads, "input gradients")
    close(gp, ours.param_grads, "parameter gradients")


@pytest.mark.parametrize(("op", "seed"), CASES, ids=IDS)
def test_random_graphs_give_our_values_and_gradients_in_torch(torch, op, seed):
    c = compiled(op, seed)
    X = batch_of(c.n_inputs, seed)
    check_same(in_torch(torch, c, X), c, X)


@pytest.mark.parametrize(("op", "seed"), CASES, ids=IDS)
def test_random_graphs_give_our_values_and_gradients_in_jax(jax, op, seed):
    c = compiled(op, seed)
    X = batch_of(c.n_inputs, seed)
    check_same(in_jax(jax, c, X), c, X)


def test_a_user_primitive_gives_our_numbers(torch, jax):
    c = autodiff.compile(lambda x, y: softplus(x * y) * softplus(-x), [0.3, 0.4])
    X = batch_of(2, 5)
    check_same(in_torch(torch, c, X), c, X)
    check_same(in_jax(jax, c, X), c, X)
    forward = c.export("jax").load().forward  # the parameters as one 1-D array work too
    close(forward(jax.numpy.asarray(X), jax.numpy.asarray([v.data for v in c.params])), c.batch(X).value, "values")


def demo_mlp():
    return nn.MLP(2, [16, 16, 1], seed=0)  # python -m autodiff demo's


def digits_mlp():
    return nn.MLP(64, [32, 10], seed=0)  # notebooks/11_digits.ipynb's


def digits_batch():
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn (the test extra) ships the digits")
    return datasets.load_digits().data[:100] / 16.0


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("which", ["demo", "digits"])
def test_the_demo_and_digits_mlps_give_our_numbers(framework, which, request):
    request.getfixturevalue(framework)
    model = demo_mlp() if which == "demo" else digits_mlp()
    X = nn.moons(100, noise=0.1, seed=0)[0] if which == "demo" else digits_batch()
    X = np.asarray(X, dtype=float)
    c = autodiff.compile(lambda *xs: model(list(xs)), list(X[0]), model.parameters())
    run = in_torch if framework == "torch" else in_jax
    check_same(run(request.getfixturevalue(framework), c, X), c, X)


def test_nn_export_continues_in_pytorch_where_stepgrad_stopped(torch):
    model = demo_mlp()
    X, y01 = nn.moons(100, noise=0.1, seed=0)
    y = [2.0 * t - 1.0 for t in y01]
    nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=3, progress=False)
    tmodel = nn.export(model, "torch").load().Model()
    names = [n.replace(".", "_") for n, _ in model.named_parameters()]
    assert [n for n, _ in tmodel.named_parameters()] == names
    assert [q.item() for q in tmodel.parameters()] == [p.data for p in model.parameters()]
    # one SGD step on the mean hinge loss, ours and PyTorch's
    model.zero_grad()
    loss = autodiff.sum([(1.0 - yi * model(xi)).relu() for xi, yi in zip(X, y)]) / len(X)
    loss.backward()
    nn.SGD(model.parameters(), lr=0.1).step()
    out = tmodel(torch.tensor(X, dtype=torch.float64))
    tloss = torch.relu(1.0 - torch.tensor(y, dtype=torch.float64) * out).mean()
    close(tloss.item(), loss.data, "loss")
    tloss.backward()
    torch.optim.SGD(tmodel.parameters(), lr=0.1).step()
    close([q.item() for q in tmodel.parameters()], [p.data for p in model.parameters()], "parameters after a step")
    # and back: PyTorch's weights into a fresh model
    fresh = nn.load_state(demo_mlp(), tmodel.state_dict())
    assert [p.data for p in fresh.parameters()] == [q.item() for q in tmodel.parameters()]


def test_nn_export_for_jax_gives_our_outputs(jax):
    model = nn.MLP(3, [4, 2], seed=3)
    mod = nn.export(model, "jax").load()
    X = batch_of(3, 1)
    out = np.asarray(mod.forward(jax.numpy.asarray(X), mod.parameters()))
    assert out.shape == (100, 2)
    close(out, [[v.data for v in model(list(row))] for row in X], "outputs")


def test_without_the_frameworks_the_value_tests_skip_saying_what_to_install():
    hide = (
        "import sys; sys.modules['torch'] = None; sys.modules['jax'] = None; import pytest; "
        "sys.exit(pytest.main(['-q', '-rs', '-p', 'no:cacheprovider', 'tests/test_export.py', '-k', "
        "'torch or jax or mlps', '--deselect', 'tests/test_export.py::"
        "test_without_the_frameworks_the_value_tests_skip_saying_what_to_install']))"
    )
    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", hide], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"\d+ passed, \d+ skipped", done.stdout) and " failed" not in done.stdout, done.stdout[-2000:]
    assert 'torch: not installed by make test; pip install ".[export]" to run the exported code' in done.stdout
    assert 'jax: not installed by make test; pip install ".[export]" to run the exported code' in done.stdout
