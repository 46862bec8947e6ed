"""A batch's plan as straight-line numpy code (autodiff.batched_code), and Compiled.batch_grad.

The code is one more interpreter of the rules' definitions: its numbers are checked against a
sample at a time (tests/test_batched.py runs every batch through it), here against
``batch_vjp`` bit for bit where they must agree, and its text against what it may contain.
"""

from __future__ import annotations

import ast
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
from autodiff import Value

from .test_batched import agree, batched, one_at_a_time, random_case
from .test_trust_fuzz import programs

np = pytest.importorskip("numpy")


def bits(a) -> list[bytes]:
    return [x.tobytes() for x in np.asarray(a, dtype=float).ravel()]


def demo_tape():
    # nn.fit's tape for the demo: the model and the hinge loss at each target value, then the output
    model = nn.MLP(2, [16, 16, 1], seed=3)

    def forward(*xs):
        out = model(list(xs))
        return [nn.hinge([out], [t]) for t in (-1, 1)] + [out]

    return autodiff.compile(forward, [0.5, -0.5], model.parameters())


def reads_inputs_directly():
    # ops that read an input row themselves (not through a layer), a constant, an input used twice
    w = [Value(0.7, label="w0"), Value(-1.3, label="w1"), Value(0.25, label="b")]

    def f(x0, x1):
        y = x0 * x0 * w[0] + (x1 - 3.0) * w[1]
        return [autodiff.sum([y.tanh(), x0 * w[2], (x1 * x1 + 1.0).log()]), (y * w[2]).relu()]

    return autodiff.compile(f, [0.5, 0.5], w)


def wide_and_narrow_nary():
    # logsumexp and dot of few inputs (written out) and of many (the interpreter's call)
    w = [Value(0.1 * (k - 10), label=f"w{k}") for k in range(21)]

    def f(x0, x1):
        few = autodiff.logsumexp([x0 * w[0], x1 * w[1], w[2]])
        many = autodiff.logsumexp([(x0 + k) * w[k] for k in range(20)])
        dot_few = autodiff.dot(w[:2], [x0, x1], w[20])
        dot_many = autodiff.dot(w[:20], [x0 * k + x1 for k in range(20)], w[20])
        return [few, many, dot_few, dot_many]

    return autodiff.compile(f, [0.5, 0.5], w)


def samples(n_inputs: int, n: int = 9, seed: int = 0):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, size=(n, n_inputs))


def layer_over_an_input_and_a_node():
    # a layer whose inputs are rows 1 and 2: the last input and the first node (which depends on a parameter)
    w = [Value(0.6, label="w0"), Value(-0.4, label="w1"), Value(1.5, label="w2"), Value(0.1, label="b")]

    def f(x0, x1):
        return autodiff.dot(w[:2], [x1, x0 * w[2]], w[3]).tanh()

    return autodiff.compile(f, [0.5, 0.5], w)


TAPES = {
    "demo": demo_tape,
    "reads inputs directly": reads_inputs_directly,
    "nary": wide_and_narrow_nary,
    "a layer over an input and a node": layer_over_an_input_and_a_node,
}


@pytest.mark.parametrize("make", TAPES.values(), ids=TAPES.keys())
def test_batch_grad_is_batch_vjps_backward_bit_for_bit(make):
    c = make()
    X = samples(c.n_inputs)
    seeds = np.random.default_rng(1).normal(size=(len(X), c.n_outputs))
    values, backward = c.batch_vjp(X, params=[p.data for p in c.params])
    into = [0.0] * len(c.params)
    backward(seeds, into)
    got_values, grads = c.batch_grad(X, seeds, params=[p.data for p in c.params])
    assert bits(got_values) == bits(values)
    assert isinstance(grads, np.ndarray) and grads.dtype == np.float64 and grads.shape == (len(c.params),)
    assert bits(grads) == bits(into)
    assert np.any(grads != 0.0)


@pytest.mark.parametrize("make", TAPES.values(), ids=TAPES.keys())
def test_batch_grad_equals_finite_differences_of_the_seeded_sum(make):
    c = make()
    X = samples(c.n_inputs, n=4, seed=2)
    seeds = np.random.default_rng(3).normal(size=(len(X), c.n_outputs))
    p0 = np.array([p.data for p in c.params])
    _, grads = c.batch_grad(X, seeds, params=p0)

    def total(p):
        return float((np.asarray(c.batch(X, params=p).value).reshape(len(X), -1) * seeds).sum())

    for k in range(len(p0)):
        h = 1e-6 * max(1.0, abs(p0[k]))
        up, down = p0.copy(), p0.copy()
        up[k] += h
        down[k] -= h
        numeric = (total(up) - total(down)) / (2 * h)
        assert abs(numeric - grads[k]) <= 1e-6 * max(1.0, abs(numeric)), (k, numeric, grads[k])


def test_batch_grad_changes_none_of_its_arguments():
    c = reads_inputs_directly()
    X, seeds, p = samples(2), np.ones((9, 2)), np.array([0.7, -1.3, 0.25])
    held = (X.copy(), seeds.copy(), p.copy())
    c.batch_grad(X, seeds, params=p)
    assert all(np.array_equal(a, b) for a, b in zip((X, seeds, p), held))


def test_batch_grad_raises_eagers_error_naming_the_sample():
    w = Value(1.0, label="w")
    c = autodiff.compile(lambda x: (x * w).log(), [1.0], [w])
    with pytest.raises(ValueError, match=r"^sample 2: .*log: input must be > 0") as info:
        c.batch_grad([[1.0], [2.0], [-3.0], [4.0]], np.ones(4))
    assert info.value.sample == 2
    with pytest.raises(ValueError, match=r"seeds must have shape \(4,\) or \(4, 1\)"):
        c.batch_grad([[1.0], [2.0], [3.0], [4.0]], np.ones(3))
    with pytest.raises(ValueError, match="seed 0 of sample 1 must be finite"):
        c.batch_grad([[1.0], [2.0]], np.array([1.0, math.nan]))


def test_batch_grad_refuses_a_sum_over_the_batch_that_overflows():
    p = Value(1.0, label="p")
    c = autodiff.compile(lambda x: x * p, [1.0], [p])
    with pytest.raises(FloatingPointError, match="parameter 'p' summed over the batch is inf"):
        c.batch_grad([[1e308], [1e308]], np.ones(2))


def test_the_code_writes_layers_as_matrix_products_and_rules_as_numpy():
    text = demo_tape().batch_source()
    assert text.startswith("def forward(V, U, B):") and "\ndef backward(G, GU, V, saved):" in text
    forward, backward = text.split("\ndef backward")
    assert forward.count(" > 0.0") == 3  # relu's comparison, once for its value and its derivative
    assert re.search(r"\n    G\[\d+:\d+\] = g\n", backward)  # the sum's local derivative 1.0: g as it is
    assert "np.negative(g, out=" in backward  # 1 - t * f: -1.0 times g
    assert forward.count("np.matmul(") == 3  # one per layer
    assert backward.count("np.matmul(") == 3  # each layer's inputs' grads, written into their rows
    assert forward.count("np.where(") == 3  # relu's value, twice in the model, once in the loss
    assert forward.count(".astype(np.float64)") == 3  # relu's derivative, where(up, 1.0, 0.0)
    assert backward.count(" += ") == 1 + 3 * 2  # the output's two uses; the weights' and biases' grads
    assert "GROUP" not in text  # every group of the demo written out, none the interpreter's call


def test_a_long_nary_group_is_the_interpreters_call_and_a_short_one_is_written():
    text = wide_and_narrow_nary().batch_source()
    assert len(re.findall(r"= GROUP\d+\.forward\(", text)) == 1  # the logsumexp of 20
    assert "np.maximum(" in text and "np.log(" in text  # the logsumexp of 3, written out
    assert text.split("\ndef backward")[0].count("np.matmul(") == 2  # each dot, parameters as weights, is a layer


def test_the_written_words_compute_as_the_arrays_interpreter_bit_for_bit():
    # logsumexp of 3 is written out (np.maximum twice, np.exp, np.log): its value and input grads are what its
    # definition gives run on numpy arrays (autodiff.arrays), bit for bit
    from autodiff import fused

    c = autodiff.compile(lambda a, b, d: autodiff.logsumexp([a, b, d * 2.0]), [0.1, 0.2, 0.3])
    assert "GROUP" not in c.batch_source() and c.batch_source().count("np.maximum(") == 2
    X = samples(3, n=7, seed=9) * 5.0
    r = c.batch(X)
    value, local = fused.logsumexp(X[:, 0], X[:, 1], X[:, 2] * 2.0)
    assert bits(r.value) == bits(value)
    assert bits(r.input_grads[:, :2]) == bits(np.stack(local[:2], axis=1))
    assert bits(r.input_grads[:, 2]) == bits(local[2] * 2.0)


def test_a_condition_on_constants_is_decided_when_the_code_is_written():
    words = autodiff.batched_code.WORDS
    assert words.where(True, 1.5, 2.5) == 1.5 and words.where(False, 1.5, 2.5) == 2.5


@pytest.mark.parametrize("n, written", [(16, True), (17, False)])
def test_an_op_of_at_most_sixteen_inputs_is_written_out(n, written):
    c = autodiff.compile(lambda *xs: autodiff.logsumexp(list(xs)), [0.1] * n)
    assert ("GROUP" not in c.batch_source()) == written
    X = samples(n, n=3, seed=n)
    r = c.batch(X)
    for i, row in enumerate(X.tolist()):
        out, back = c.vjp(*row)
        assert abs(r.value[i] - out) <= 1e-12 * max(1.0, abs(out))
        assert np.allclose(r.input_grads[i], back(1.0, []), rtol=1e-12, atol=1e-15)


HOSTILE = ["'); import os; os.system('echo x') #", "\n\nimport os", "__import__('os')", "V[0] = 1", "\\x00"]

ENGINE_NAMES = re.compile(
    r"^(np|V|U|B|G|GU|g|saved|Failed|CHECKS|INF|NAN|[atdIXBW]\d+(_\d+)?|BA\d+|w\d+|s\d+|GROUP\d+)$"
)


def test_no_label_reaches_the_code_and_it_names_only_the_engines_names():
    w = [Value(0.5, label=HOSTILE[k % len(HOSTILE)]) for k in range(4)]

    def f(x0, x1):
        a = (x0 * w[0] + x1 * w[1]).tanh()
        a.label = HOSTILE[0]
        return autodiff.dot(w[2:], [a, x1]).relu() + abs(x0) ** 3 + (x1 * x1 + 1.0).sqrt() / 2.0

    text = autodiff.compile(f, [0.5, 0.5], w).batch_source()
    tree = ast.parse(text)
    assert not any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in ast.walk(tree))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert names and all(ENGINE_NAMES.match(name) for name in names), names
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    numpy = {"where", "matmul", "multiply", "negative", "tanh", "sqrt", "abs", "exp", "log", "maximum", "add", "at"}
    methods = {"sum", "T", "reshape", "all", "astype", "float64", "forward", "backward"}
    assert attributes <= numpy | methods, attributes
    for label in HOSTILE:
        assert label not in text


def test_a_domain_check_in_the_code_sends_the_batch_to_eager_for_its_error():
    c = autodiff.compile(lambda x: (x - 1.0).sqrt(), [2.0])
    assert "raise Failed(CHECKS[0])" in c.batch_source()
    with pytest.raises(ValueError, match=r"^sample 1: .*sqrt: input must be >= 0"):
        c.batch([[2.0], [0.5]])


# -- backward writes a row's first grad and adds the next: no row is read before it is written ------------


def fill_empty_with_nan(mp):
    """np.empty that fills with NaN: a row of G read before the code writes it poisons the numbers."""
    real_full = np.full
    mp.setattr(np, "empty", lambda shape, *args, **kwargs: real_full(shape, np.nan))


@pytest.fixture
def nan_filled_empty(monkeypatch):
    fill_empty_with_nan(monkeypatch)


def no_replay(c, monkeypatch):
    # a batch that alarms (a NaN read from an unwritten row) would be replayed a sample at a time: forbid it
    def replay(*args):
        raise AssertionError("the batch was replayed a sample at a time")

    monkeypatch.setattr(c, "_one_by_one", replay)


@settings(max_examples=120, deadline=None)
@given(program=programs(), data=st.data())
def test_random_graphs_give_eagers_grads_with_g_uninitialised(program, data):
    case = random_case(program, data, max_rows=5)
    if case is None:
        return
    c, rows = case
    one = one_at_a_time(c, rows)
    with pytest.MonkeyPatch.context() as mp:
        fill_empty_with_nan(mp)
        many = batched(c, rows)
    assert agree(one, many), (one, many, program, rows)


def test_an_unused_input_an_unreached_node_and_a_repeated_output(nan_filled_empty, monkeypatch):
    w = Value(0.5, label="w")

    def f(x0, x1, x2):
        (x2 * w).exp()  # made, but no output depends on it
        y = x0 * x1 * w
        return [y, y, x0 + 1.0]  # y twice: its grad is the sum of two seeds

    c = autodiff.compile(f, [0.5, 0.5, 0.5], [w])
    no_replay(c, monkeypatch)
    X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    seeds = np.array([[1.0, 2.0, 1.0], [0.5, 0.5, 0.0]])
    r = c.batch(X, seed=seeds)
    y_seed = seeds[:, 0] + seeds[:, 1]
    assert r.input_grads[:, 2].tolist() == [0.0, 0.0]
    assert r.input_grads[:, 0].tolist() == (y_seed * X[:, 1] * 0.5 + seeds[:, 2]).tolist()
    assert r.param_grads == (float((y_seed * X[:, 0] * X[:, 1]).sum()),)
    _, grads = c.batch_grad(X, seeds)
    assert grads.tolist() == list(r.param_grads)


def test_a_row_read_by_two_groups_and_a_shared_weight_with_g_uninitialised(nan_filled_empty, monkeypatch):
    w = [Value(0.3, label="w"), Value(-0.7, label="v")]

    def f(x0, x1):
        a = x0 * w[0]
        b = (a + x1).tanh() * a  # a read by two groups of different levels
        c2 = autodiff.dot([w[0], w[0]], [a, b], w[1])  # a weight twice in one node
        return autodiff.logsumexp([a * k + b for k in range(20)]) + c2

    c = autodiff.compile(f, [0.5, 0.5], w)
    no_replay(c, monkeypatch)
    X = samples(2, n=6, seed=5)
    r = c.batch(X)
    for i, row in enumerate(X.tolist()):
        out, back = c.vjp(*row)
        assert abs(r.value[i] - out) <= 1e-12 * max(1.0, abs(out))
        gx = back(1.0, [0.0, 0.0])
        assert np.allclose(r.input_grads[i], gx, rtol=1e-12, atol=1e-12)


def test_a_group_whose_rows_hold_a_grad_in_part_adds_into_zeros(nan_filled_empty, monkeypatch):
    # a = x0 w and b = x1 w are one group, and so are exp(a) and exp(b); a has a later use (exp(a) * a), b not:
    # backward reaches the exp group with a's row holding a grad and b's none
    w = Value(0.8, label="w")

    def f(x0, x1):
        a, b = x0 * w, x1 * w
        return a.exp() * a + b.exp()

    c = autodiff.compile(f, [0.5, 0.5], [w])
    assert re.search(r"G\[3:4\] = 0\.0\n\s*G\[2:4\] \+= ", c.batch_source())  # b's row zeroed, then both added
    no_replay(c, monkeypatch)
    X = samples(2, n=5, seed=6)
    r = c.batch(X)
    a, b = X[:, 0] * 0.8, X[:, 1] * 0.8
    da, db = np.exp(a) * a + np.exp(a), np.exp(b)
    assert np.allclose(r.input_grads, np.stack([da * 0.8, db * 0.8], axis=1), rtol=1e-13, atol=0.0)
    assert math.isclose(r.param_grads[0], float((da * X[:, 0] + db * X[:, 1]).sum()), rel_tol=1e-13)


def test_a_row_the_interpreters_call_adds_into_is_added_to_by_the_ops_after_it(nan_filled_empty, monkeypatch):
    # a = x0 w is read by the logsumexp of 20 (the interpreter's call) and by the products a * k below it:
    # backward reaches a first through the call, then adds the products' terms
    w = Value(0.3, label="w")

    def f(x0, x1):
        a = x0 * w
        return autodiff.logsumexp([a] + [a * float(k) + x1 for k in range(1, 20)])

    c = autodiff.compile(f, [0.5, 0.5], [w])
    assert "GROUP" in c.batch_source()
    no_replay(c, monkeypatch)
    X = samples(2, n=4, seed=8)
    r = c.batch(X)
    for i, row in enumerate(X.tolist()):
        out, back = c.vjp(*row)
        grads = [0.0]
        assert np.allclose(r.input_grads[i], back(1.0, grads), rtol=1e-12, atol=0.0)
    _, grads = c.batch_grad(X, np.ones(len(X)))
    assert grads.tolist() == list(r.param_grads)
