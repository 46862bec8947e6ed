"""Compiled mode: the generated tape gives exactly what eager backprop gives."""

from __future__ import annotations

import io
import math
import re
import sys
import tokenize

import pytest
from hypothesis import assume, given, settings

import autodiff
import nn
from autodiff import TraceError, Value

from .test_properties import as_function, expressions, points
from .test_rules import CASES, POINTS


def eager(f, xs, params=()):
    leaves = [Value(x) for x in xs]
    for p in params:
        p.grad = 0.0
    out = f(*leaves)
    out.backward()
    return out.data, [v.grad for v in leaves], [p.grad for p in params]


@pytest.mark.parametrize("op, point", POINTS, ids=[f"{op}{pt}" for op, pt in POINTS])
def test_every_rule_compiles_to_the_same_floats(op, point):
    f = CASES[op][0]
    c = autodiff.compile(f, list(point))
    r = c(*point)
    value, grads, _ = eager(f, point)
    assert r.value == value
    assert list(r.input_grads) == grads


# the inline text of each op against its float rule: tests/test_interpreters.py


def test_shared_nodes_and_diamonds():
    def f(a, b):
        c = a * a + a
        d = c * b + c.tanh()
        return d * c

    c = autodiff.compile(f, [0.7, -1.3])
    r = c(0.7, -1.3)
    assert (r.value, list(r.input_grads)) == eager(f, [0.7, -1.3])[:2]
    r2 = c(-0.2, 0.4)  # new inputs, same tape
    assert (r2.value, list(r2.input_grads)) == eager(f, [-0.2, 0.4])[:2]


@settings(max_examples=300)
@given(expressions, points)
def test_random_expressions(expr, xs):
    f = as_function(expr)
    probe = f(*[Value(x) for x in xs])
    assume(all(abs(v.data) < 1e4 for v in autodiff.topological_order(probe)))
    c = autodiff.compile(f, xs)
    r = c(*xs)
    value, grads, _ = eager(f, xs)
    assert r.value == value
    assert list(r.input_grads) == grads


def test_relu_branch_follows_new_inputs():
    c = autodiff.compile(lambda x: (x * 2.0).relu(), [1.0])
    assert c(1.0).input_grads == (2.0,)
    assert c(-1.0).input_grads == (0.0,) and c(-1.0).value == 0.0


def test_parameters_current_data_or_given_and_their_grads():
    w, b = Value(0.5, label="w"), Value(-0.1, label="b")
    c = autodiff.compile(lambda x: (x * w + b).tanh(), [0.3], [w, b])
    r = c(0.3)
    value, _, pgrads = eager(lambda x: (x * w + b).tanh(), [0.3], [w, b])
    assert r.value == value and list(r.param_grads) == pgrads
    w.data = 2.0
    assert c.forward(0.3) == math.tanh(0.3 * 2.0 - 0.1)
    assert c.forward(0.3, params=[1.0, 0.0]) == math.tanh(0.3)


def test_values_not_declared_are_frozen():
    k = Value(3.0)
    c = autodiff.compile(lambda x: x * k, [1.0])
    k.data = 100.0
    assert c.forward(2.0) == 6.0


def test_vector_output_with_seed_and_vjp_twice():
    def f(a, b):
        return [a * b, a + b, (a - b).exp()]

    c = autodiff.compile(f, [0.5, 2.0])
    r = c(0.5, 2.0, seed=[1.0, 0.0, 0.0])
    assert r.value == (1.0, 2.5, math.exp(-1.5)) and r.input_grads == (2.0, 0.5)
    value, back = c.vjp(0.5, 2.0)
    assert back([0.0, 1.0, 0.0], []) == (1.0, 1.0)
    assert back([0.0, 0.0, 1.0], []) == (math.exp(-1.5), -math.exp(-1.5))


def test_mlp_and_every_loss():
    model = nn.MLP(3, [5, 3], activation="tanh", seed=4)
    params = model.parameters()
    x0 = [0.2, -0.4, 0.9]
    losses = {
        "ce": lambda *x: nn.cross_entropy(model(list(x)), 2),
        "mse": lambda *x: nn.mse(model(list(x)), [0.1, 0.2, 0.3]),
        "mae": lambda *x: nn.mae(model(list(x)), [0.1, 0.2, 0.3]),
        "hinge": lambda *x: nn.hinge(model(list(x)), [1, -1, 1]),
        "bce_logits": lambda *x: nn.bce_with_logits(model(list(x)), [1, 0, 1]),
        "l2": lambda *x: nn.l2_penalty(params, 0.01) + nn.log_softmax(model(list(x)))[0],
    }
    for name, f in losses.items():
        c = autodiff.compile(f, x0, params)
        r = c(*x0)
        value, grads, pgrads = eager(f, x0, params)
        assert r.value == value, name
        assert list(r.input_grads) == grads, name
        assert list(r.param_grads) == pgrads, name


def test_bce_on_probabilities_reads_values_so_it_is_refused():
    # binary_cross_entropy checks each probability's range: a read the trace refuses
    model = nn.MLP(2, [2], activation="sigmoid", seed=0)
    with pytest.raises(TraceError, match="losses.py"):
        autodiff.compile(lambda *x: nn.binary_cross_entropy(model(list(x)), [1, 0]), [0.1, 0.2], model.parameters())


def test_deep_chain_compiles():
    depth = 100_000

    def f(x):
        for _ in range(depth):
            x = x * 0.99999
        return x

    c = autodiff.compile(f, [0.5])
    r = c(0.5)
    assert r.input_grads[0] == pytest.approx(0.99999**depth, rel=1e-9)


def test_reading_data_while_tracing_is_refused():
    def f(x):
        if x.data > 0:  # a branch the trace would freeze
            return x * 2.0
        return x

    with pytest.raises(TraceError, match=r"f read .data of a traced value \(.*test_compile.py:\d+\).*branch"):
        autodiff.compile(f, [1.0])

    def g(x):
        h = x * 3.0
        return h if h.data > 1 else -h  # intermediate values are traced too

    with pytest.raises(TraceError):
        autodiff.compile(g, [1.0])
    assert (Value(2.0) * 3.0).data == 6.0  # tracing is over: plain Values again


def test_labels_never_reach_the_source():
    hostile = "x'); import os; os.system('echo pwned') #"
    w = Value(0.5, label=hostile)
    x = Value(1.0, label=hostile)
    c = autodiff.compile(lambda x: (x * w).tanh() + x.log(), [x], [w])
    assert "pwned" not in c.source and "import" not in c.source
    allowed = re.compile(
        r"^(v|g|d)\d+$|^(d|t)\d+_\d+$|^(x|p|s|a|m|limit|saved|vjp|backward|tanh|exp|hypot|def|return|if|else|and|not"
        r"|is|None|_|raise|fail|INF|NAN)$|^rule_\w+$|^primitive\d+$"
    )
    code = "\n".join(line for line in c.source.splitlines() if not line.lstrip().startswith("#"))
    names = {tok.string for tok in tokenize.generate_tokens(io.StringIO(code).readline) if tok.type == tokenize.NAME}
    assert names and all(allowed.match(n) for n in names), names


def test_compiled_errors_name_the_node():
    c = autodiff.compile(lambda x: (x - 1.0).log(), [2.0])
    assert c.forward(2.0) == 0.0
    with pytest.raises(ValueError, match=r"at node v\d+ \(log\).*log: input must be > 0"):
        c.forward(0.5)
    d = autodiff.compile(lambda x: x.exp(), [1.0])
    with pytest.raises(OverflowError, match=r"at node v1 \(exp\)"):
        d.forward(1000.0)


@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        (lambda: autodiff.compile(lambda x: 3.0, [1.0]), TypeError, "must return a Value or a list of Values"),
        (lambda: autodiff.compile(lambda x: x, 1.0), TypeError, "sequence of numbers"),
        (lambda: autodiff.compile(lambda x: x, [1.0], [Value(1.0) * 2]), TypeError, "must be a leaf Value"),
        (lambda: autodiff.compile(lambda x: x * 1.0, [1.0])(1.0, 2.0), TypeError, "takes 1 inputs, got 2"),
        (lambda: autodiff.compile(lambda x: x * 1.0, [1.0])(1.0, seed=[1, 2]), TypeError, "seed needs 1 values"),
    ],
)
def test_bad_arguments(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def _train(compiled, loss, X, y, model, opt, **kw):
    return nn.fit(model, X, y, loss=loss, optimizer=opt, progress=False, compile=compiled, **kw)


@pytest.mark.parametrize("batch_size", [None, 16])
def test_fit_compiled_equals_eager_over_a_training_run(batch_size):
    X, y01 = nn.moons(80, 0.1, seed=1)
    y = [2 * t - 1 for t in y01]
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, [16, 16, 1], seed=0)
        h = _train(
            compiled,
            "hinge",
            X,
            y,
            model,
            nn.SGD(model.parameters(), lr=0.1, momentum=0.5),
            epochs=40,
            batch_size=batch_size,
            l2=1e-4,
        )
        runs.append((h, [p.data for p in model.parameters()]))
    (h1, p1), (h2, p2) = runs
    assert max(abs(a - b) for a, b in zip(p1, p2)) < 1e-12
    assert max(abs(a - b) for a, b in zip(h1.loss, h2.loss)) < 1e-12
    assert h1.accuracy == h2.accuracy


def test_fit_compiled_multiclass_equals_eager():
    X, y = nn.spirals(60, classes=3, seed=0)
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, [8, 3], activation="tanh", seed=0)
        h = _train(compiled, "cross_entropy", X, y, model, nn.Adam(model.parameters(), lr=0.05), epochs=15)
        runs.append([p.data for p in model.parameters()] + h.loss)
    assert max(abs(a - b) for a, b in zip(*runs)) < 1e-12


def test_errors_name_a_compiled_lambda_where_it_was_written_and_a_function_by_its_name():
    # issue 22: a compiled lambda's errors said "f: ...", a name nobody wrote
    line = sys._getframe().f_lineno + 1
    c = autodiff.compile(lambda x: x * x, [1.0])
    assert c.name == f"lambda at test_compile.py:{line}"
    with pytest.raises(TypeError, match=rf"^lambda at test_compile\.py:{line}: takes 1 inputs, got 2"):
        c(1.0, 2.0)
    assert c.source.startswith(f"# compiled by autodiff from a trace of lambda at test_compile.py:{line}, ")

    def loss(x):
        return x * x

    assert autodiff.compile(loss, [1.0]).name == "loss"
    assert autodiff.compile(loss, [1.0]).source.startswith("# compiled by autodiff from a trace of loss(), ")
    assert autodiff.compile(lambda x: x, [1.0], name="my loss").name == "my loss"  # name= as given
    assert autodiff.compile(lambda x: x, [1.0], name="two\nlines").name == "f"  # not one line: the source's comment


def test_a_float_literal_reads_back_as_the_same_float_in_the_generated_codes_namespace():
    from autodiff import source

    cases = [(0.5, "0.5"), (-2.0, "(-2.0)"), (-0.0, "(-0.0)"), (math.inf, "INF"), (-math.inf, "(-INF)")]
    for x, text in cases:
        assert source.literal(x) == text
        back = eval(text, dict(source.NAMESPACE))  # noqa: S307 - our own literal
        assert back == x and math.copysign(1.0, back) == math.copysign(1.0, x)
    assert source.literal(math.nan) == "NAN"
    assert math.isnan(eval("NAN", dict(source.NAMESPACE)))  # noqa: S307


def test_a_traced_value_kept_past_the_trace_reads_as_a_value():
    w = Value(2.0, label="w")
    kept = []

    def f(x):
        y = x * w
        kept.append(y)  # a node kept outside: after tracing it is an ordinary Value to read
        return y + 1.0

    autodiff.compile(f, [1.5], [w])
    assert repr(kept[0]) == "Value(data=3.0, grad=0.0, op='*')"
    assert kept[0].local_grads == (2.0, 1.5)  # d(x*w)/dx = w, d(x*w)/dw = x, at the example inputs


def test_params_must_be_a_list_of_plain_leaf_values_and_their_values_as_many():
    w, u = Value(2.0, label="w"), Value(3.0, label="u")
    with pytest.raises(TypeError, match=r"^compile: params must be a list of leaf Values \(e\.g\. model\.parameters"):
        autodiff.compile(lambda x: x * w, [1.0], w)

    class MyValue(Value):
        pass

    with pytest.raises(TypeError, match=r"^compile: params\[1\] must be a plain leaf Value, got a MyValue; pass the"):
        autodiff.compile(lambda x: x * w, [1.0], [w, MyValue(1.0)])
    c = autodiff.compile(lambda x: x * w + u, [1.0], [w, u], name="f")
    assert c(1.0, params=[5.0, 1.0]).value == 6.0
    with pytest.raises(TypeError, match=r"^f: takes 2 parameter values, got 1$"):
        c(1.0, params=[5.0])
