"""One compiled tape over a batch (Compiled.batch, batch_vjp) and fit(compile=True) on it.

Batched results equal a sample at a time's to 1e-12 (numpy's exp, log, tanh and its
sums may round differently); errors are eager mode's, naming the sample; numpy stays
optional.
"""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
from autodiff import Value, fused, rules

from .test_trust_fuzz import programs, run_program

np = pytest.importorskip("numpy")


def close(a, b, tol=1e-12):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))))


def one_at_a_time(c, rows, seeds=None):
    """What the scalar code gives sample by sample: ('ok', values, input grads, summed param grads) or the
    class of the first error, forward errors of every sample before any backward error (as batch_vjp)."""
    runs = []
    for i, row in enumerate(rows):
        try:
            runs.append(c.vjp(*row))
        except (ArithmeticError, ValueError) as e:
            return ("raises", type(e), i)
    into = [0.0] * len(c.params)
    gx = []
    for i, (_, back) in enumerate(runs):
        seed = [1.0] * c.n_outputs if seeds is None else list(np.atleast_1d(seeds[i]))
        try:
            gx.append(back(seed, into))
        except (ArithmeticError, ValueError) as e:
            return ("raises", type(e), i)
    return ("ok", [out for out, _ in runs], gx, into)


def batched(c, rows, seeds=None):
    try:
        r = c.batch(rows, seed=seeds)
    except (ArithmeticError, ValueError) as e:
        assert str(e).startswith(f"sample {e.sample}: "), e
        return ("raises", type(e), e.sample)
    assert np.isfinite(r.value).all() and np.isfinite(r.input_grads).all()
    return ("ok", r.value, r.input_grads, list(r.param_grads))


def agree(one, many):
    if one[0] == "raises" or many[0] == "raises":
        return one == many
    return all(close(a, b) for a, b in zip(many[1:], one[1:]))


# -- every rule: its definition on arrays gives the float rule's numbers: tests/test_interpreters.py


def test_batched_sigmoid_and_logsumexp_stay_stable_far_out():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s, (ds,) = rules.sigmoid(np.array([-800.0, 800.0]))
        assert s.tolist() == [0.0, 1.0] and ds.tolist() == [0.0, 0.0]
        v, d = fused.logsumexp(np.array([1000.0]), np.array([999.0]))
    assert close(v, [fused.logsumexp(1000.0, 999.0)[0]]) and np.isfinite(d).all()


# -- random graphs of every rule: batched == a sample at a time ----------------------

moderate = st.one_of(st.floats(-3.0, 3.0), st.sampled_from([0.0, -1.0, 0.5, 2.0]))


def random_case(program, data, max_rows):
    """The program compiled and a batch of rows for it, or None where the trace point is outside some rule's
    domain."""
    n_in = program[0]
    try:
        c = autodiff.compile(lambda *v: run_program(program, v), [0.75] * n_in)
    except (ArithmeticError, ValueError):
        return None
    return c, data.draw(st.lists(st.lists(moderate, min_size=n_in, max_size=n_in), min_size=1, max_size=max_rows))


@settings(max_examples=150, deadline=None)
@given(program=programs(), data=st.data())
def test_batched_equals_one_sample_at_a_time_on_random_graphs(program, data):
    case = random_case(program, data, max_rows=6)
    if case is None:
        return
    c, rows = case
    seeds = data.draw(st.lists(st.floats(-2.0, 2.0), min_size=len(rows), max_size=len(rows)))
    one, many = one_at_a_time(c, rows, seeds), batched(c, rows, np.array(seeds))
    assert agree(one, many), (one, many, program, rows)


def test_mlp_batch_equals_one_sample_at_a_time_with_parameters():
    model = nn.MLP(3, [8, 8, 2], seed=4)
    c = autodiff.compile(lambda *x: model(list(x)), [0.0] * 3, model.parameters())
    X = np.random.default_rng(0).normal(size=(50, 3))
    one, many = one_at_a_time(c, X.tolist()), batched(c, X)
    assert many[1].shape == (50, 2) and many[2].shape == (50, 3)
    assert agree(one, many)


def test_list_of_rows_and_array_give_the_same():
    c = autodiff.compile(lambda a, b: (a * b).tanh() + a.exp(), [1.0, 2.0])
    rows = [[0.5, -1.0], [2, 3], [0.0, 0.25]]  # ints welcome, as Value takes them
    a, b = c.batch(rows), c.batch(np.array(rows, dtype=float))
    assert a.value.tolist() == b.value.tolist() and a.input_grads.tolist() == b.input_grads.tolist()
    assert c.batch(np.array(rows[1:2])).value.tolist() == [c(2.0, 3.0).value]  # an int array


def test_outputs_params_and_seed_shapes():
    w = Value(0.5, label="w")
    c = autodiff.compile(lambda x: [x * w, (x * w).exp(), w], [1.0], [w])
    r = c.batch([[1.0], [2.0]], seed=np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 1.0]]))
    assert r.value.shape == (2, 3) and r.value[:, 2].tolist() == [0.5, 0.5]
    assert close(r.param_grads, [1.0 + 2.0 * 2.0 * math.exp(1.0) + 1.0])
    assert close(c.batch([[1.0]], params=[2.0]).value, [[2.0, math.exp(2.0), 2.0]])


# -- errors: eager's class, the sample named, nothing changed --------------------------


def test_forward_error_names_the_sample_and_the_node_with_eagers_class():
    c = autodiff.compile(lambda x: (x * 2.0).log(), [1.0])
    with pytest.raises(ValueError, match=r"^sample 2: .*node v\d+ \(log.*log: input must be > 0, got -2\.0") as e:
        c.batch([[1.0], [3.0], [-1.0], [0.0]])
    assert e.value.sample == 2
    with pytest.raises(ValueError) as eager:
        (Value(-1.0) * 2.0).log()
    assert str(eager.value) in str(e.value)


@pytest.mark.parametrize(
    "f, rows, exc",
    [
        (lambda x, y: x**y, [[2.0, 1.0], [0.0, 2.0]], ValueError),  # base 0: finite in numpy, out of domain
        (lambda x, y: x / y, [[1.0, 1.0], [1.0, 0.0]], ZeroDivisionError),
        (lambda x, y: (x * y).exp(), [[1.0, 1.0], [30.0, 30.0]], OverflowError),
        (lambda x, y: x**-1.0 + y, [[1.0, 1.0], [0.0, 1.0]], ZeroDivisionError),
        (lambda x, y: (x - y).sqrt(), [[2.0, 1.0], [1.0, 1.0]], FloatingPointError),  # d sqrt at 0 is inf
    ],
)
def test_batched_errors_are_eagers_class_for_the_failing_sample(f, rows, exc):
    c = autodiff.compile(f, [2.0, 1.0])
    with pytest.raises(exc, match=r"^sample 1: ") as e:
        c.batch(rows)
    assert e.value.sample == 1


def test_a_failing_batch_changes_nothing_passed():
    w = Value(0.5, label="w")
    w.grad = 3.0
    c = autodiff.compile(lambda x: (x * w).sqrt(), [1.0], [w])
    rows = np.array([[1.0], [0.0]])
    values, backward = c.batch_vjp(rows)
    into = [7.0]
    with pytest.raises(FloatingPointError, match="sample 1"):
        backward(np.ones(2), into)
    assert into == [7.0] and rows.tolist() == [[1.0], [0.0]] and (w.data, w.grad) == (0.5, 3.0)
    backward_ok = c.batch_vjp([[1.0], [4.0]])[1]
    backward_ok(np.ones(2), into)
    assert close(into, [7.0 + 0.5 / math.sqrt(0.5) * 1.0 + 0.5 / math.sqrt(2.0) * 4.0])


@pytest.mark.parametrize(
    "rows, exc, pattern",
    [
        ([[1.0, math.nan]], ValueError, r"sample 0, input 1 \(x1\) must be finite, got nan"),
        (np.array([[1.0, 2.0], [math.inf, 0.0]]), ValueError, r"sample 1, input 0 \(x0\) must be finite, got inf"),
        ([[1.0, "2"]], TypeError, r"sample 0, input 1 \(x1\) must be a real number"),
        ([[1.0, True]], TypeError, r"must be a real number"),
        (np.array([[True, False]]), TypeError, r"dtype bool"),
        (np.array([1.0, 2.0]), ValueError, r"shape \(samples, 2\).*got shape \(2,\)"),
        (np.zeros((3, 3)), ValueError, r"got shape \(3, 3\)"),
        ([[1.0]], ValueError, r"batch row 0 has 1 inputs; takes 2"),
        ([1.0, 2.0], TypeError, r"batch row 0 must be a sequence"),
        ([], ValueError, r"the batch is empty"),
        (np.zeros((0, 2)), ValueError, r"the batch is empty"),
        (3.0, TypeError, r"a batch is a 2-D array or a list of rows"),
        ("ab", TypeError, r"a batch is a 2-D array or a list of rows"),
    ],
)
def test_bad_batches_are_refused_naming_the_sample(rows, exc, pattern):
    c = autodiff.compile(lambda a, b: a * b, [1.0, 2.0])
    with pytest.raises(exc, match=pattern):
        c.batch(rows)


def test_bad_seeds_params_and_into_are_refused():
    w = Value(1.0)
    c = autodiff.compile(lambda a: a * w, [1.0], [w])
    _, backward = c.batch_vjp([[1.0], [2.0]])
    with pytest.raises(ValueError, match=r"seeds must have shape \(2,\) or \(2, 1\)"):
        backward(np.ones(3), [0.0])
    with pytest.raises(ValueError, match="seed 0 of sample 1 must be finite"):
        backward(np.array([1.0, math.nan]), [0.0])
    with pytest.raises(TypeError, match="seeds must be real numbers"):
        backward(np.array(["a", "b"]), [0.0])
    with pytest.raises(TypeError, match="into must be a list of 1 floats"):
        backward(np.ones(2), (0.0,))
    with pytest.raises(ValueError, match="parameter 0 must be finite"):
        c.batch([[1.0]], params=[math.inf])


@pytest.fixture
def registry():
    """The rules table as it was found (other test files compare RULES to their cases)."""
    from autodiff import primitives

    saved = dict(primitives.REGISTERED)
    yield
    primitives.REGISTERED.clear()
    primitives.REGISTERED.update(saved)


def test_a_user_primitive_runs_its_float_rule_per_sample_errors_included(registry):
    @autodiff.primitive("batch_cube_root")
    def cube_root(x):
        # defined for x > 0 only, to have a domain to leave
        if x <= 0.0:
            raise ValueError(f"batch_cube_root: input must be > 0, got {x!r}")
        r = x ** (1.0 / 3.0)
        return r, (r / (3.0 * x),)

    c = autodiff.compile(lambda x: cube_root(x * 2.0) * x, [1.0])
    rows = [[1.0], [8.0], [0.5]]
    assert agree(one_at_a_time(c, rows), batched(c, rows))
    with pytest.raises(ValueError, match=r"^sample 1: .*batch_cube_root: input must be > 0"):
        c.batch([[1.0], [-1.0]])


# -- numpy is optional ------------------------------------------------------------------


@pytest.fixture
def no_numpy(monkeypatch):
    """numpy as if it were not installed: importing it raises ImportError."""
    monkeypatch.setitem(sys.modules, "numpy", None)


def test_without_numpy_a_batch_names_the_fast_extra(no_numpy):
    c = autodiff.compile(lambda a: a * 2.0, [1.0])
    with pytest.raises(
        ImportError, match=r'pip install numpy \(in a clone of stepgrad, pip install "\.\[fast\]" brings it\)'
    ):
        c.batch([[1.0]])
    assert c(3.0).value == 6.0  # the scalar code needs no numpy


def _fit(loss, X, y, model_args, **kw):
    model = nn.MLP(*model_args, seed=0)
    h = nn.fit(model, X, y, loss=loss, progress=False, **kw)
    return h, [p.data for p in model.parameters()]


def _same(a, b):
    (h1, p1), (h2, p2) = a, b
    assert max(abs(u - v) for u, v in zip(p1, p2)) < 1e-12
    assert max(abs(u - v) for u, v in zip(h1.loss, h2.loss)) < 1e-12
    assert h1.accuracy == h2.accuracy


@pytest.mark.parametrize("batch_size", [None, 16])
def test_fit_compiled_batched_equals_one_sample_at_a_time_and_eager(batch_size, monkeypatch):
    X, y01 = nn.moons(60, 0.1, seed=1)
    y = [2 * t - 1 for t in y01]
    kw = dict(epochs=25, l2=1e-4, batch_size=batch_size)
    fast = _fit("hinge", X, y, (2, [16, 16, 1]), compile=True, **kw)
    eager = _fit("hinge", X, y, (2, [16, 16, 1]), compile=False, **kw)
    monkeypatch.setitem(sys.modules, "numpy", None)
    slow = _fit("hinge", X, y, (2, [16, 16, 1]), compile=True, **kw)
    _same(fast, slow)
    _same(fast, eager)


@pytest.mark.parametrize(
    "loss, y_of",
    [
        ("cross_entropy", lambda y: y),
        ("mse", lambda y: [0.3 * t + 0.01 * i for i, t in enumerate(y)]),  # many distinct targets: Values
        ("bce_with_logits", lambda y: [min(t, 1) for t in y]),
        (lambda outs, ys: nn.mse([o[0] for o in outs], ys), lambda y: [float(t) for t in y]),  # a loss of one's own
    ],
)
def test_fit_compiled_batched_equals_eager_for_every_kind_of_loss(loss, y_of):
    X, y = nn.spirals(30, classes=3, seed=0)
    nout = 3 if loss in ("cross_entropy",) or callable(loss) else 1
    y = y_of(y)
    kw = dict(epochs=6, batch_size=8, optimizer=None)
    fast = _fit(loss, X, y, (2, [8, nout]), compile=True, **kw)
    eager = _fit(loss, X, y, (2, [8, nout]), compile=False, **kw)
    _same(fast, eager)


class _LogModel(nn.Module):
    """log(w * x): out of log's domain for x <= 0."""

    def __init__(self):
        self.w = Value(1.0, label="w")

    def __call__(self, x):
        return (self.w * x[0]).log()

    def named_parameters(self):
        return [("w", self.w)]


def test_fit_batched_error_names_the_sample_of_X_and_changes_no_parameter():
    X = [[1.0], [2.0], [0.5], [-1.0], [3.0]]
    model = _LogModel()
    with pytest.raises(ValueError, match=r"^fit: sample 3 \(X\[3\]\): .*log: input must be > 0"):
        nn.fit(model, X, [1.0] * 5, loss="mse", compile=True, progress=False, epochs=2)
    assert (model.w.data, model.w.grad) == (1.0, 0.0)


def test_a_parameter_grad_whose_sum_over_the_batch_overflows_is_refused_and_into_is_unchanged():
    p = Value(1.0, label="p")
    c = autodiff.compile(lambda x: x * p, [1.0], [p])
    with pytest.raises(FloatingPointError, match="parameter 'p' summed over the batch is inf"):
        c.batch([[1e308], [1e308]])  # each sample's grad (1e308) is finite, their sum is not
    _, back = c.batch_vjp([[1e308]])
    into = [1e308]
    with pytest.raises(FloatingPointError, match="added to"):
        back(np.ones(1), into)
    assert into == [1e308]
    assert c.batch([[1.0], [2.0]]).param_grads == (3.0,)  # a finite sum passes


@pytest.mark.parametrize("n_in, n_out, samples", [(12, 1, 1), (9, 1, 3), (17, 3, 1), (16, 16, 7)])
def test_a_layer_over_a_batch_is_the_rules_sum_to_1e_12_of_its_terms(n_in, n_out, samples):
    # magnitudes from 1e-3 to 1e3, of both signs: a batch's layer is one matrix product (BLAS adds in its own
    # order), so each value is the rule's sum b + w1 x1 + ... to rounding: within 1e-12 of the sum of |terms|
    import random

    rng = random.Random(n_in * 100 + n_out)
    layer = nn.Layer(n_in, n_out, activation="linear", seed=0)
    c = autodiff.compile(lambda *x: layer(list(x)), [0.0] * n_in, layer.parameters())
    for _ in range(10):
        p = [rng.gauss(0.0, 1.0) * 10.0 ** rng.randint(-3, 3) for _ in layer.parameters()]
        for v, x in zip(layer.parameters(), p):
            v.data = x
        rows = [[rng.gauss(0.0, 1.0) * 10.0 ** rng.randint(-3, 3) for _ in range(n_in)] for _ in range(samples)]
        got = c.batch(rows, params=p).value.reshape(samples, n_out).tolist()
        for r, row in zip(rows, got):
            outs = layer(r)
            for neuron, out, g in zip(layer.neurons, [outs] if n_out == 1 else outs, row):
                scale = abs(neuron.b.data) + sum(abs(w.data * x) for w, x in zip(neuron.w, r))
                assert abs(g - out.data) <= 1e-12 * scale, (g, out.data, scale)


def test_batch_vjp_takes_float64_arrays_for_params_and_into_as_it_takes_lists():
    w = [Value(0.5, label="w0"), Value(-1.5, label="w1")]
    c = autodiff.compile(lambda a, b: (a * w[0] + b * w[1]).tanh(), [1.0, 2.0], w)
    rows = [[1.0, 2.0], [0.5, -1.0], [3.0, 0.25]]
    out, back = c.batch_vjp(rows, params=[0.3, 0.7])
    into = [1.0, 2.0]
    gx = back(np.ones(3), into)
    out2, back2 = c.batch_vjp(np.array(rows), params=np.array([0.3, 0.7]))
    into2 = np.array([1.0, 2.0])
    gx2 = back2(np.ones(3), into2)
    assert out2.tolist() == out.tolist() and into2.tolist() == into and gx2.tolist() == gx.tolist()
    with pytest.raises(ValueError, match=r"parameter 1 \('w1'\)"):
        c.batch_vjp(rows, params=np.array([0.3, np.nan]))


@pytest.mark.parametrize(
    "into, error, says",
    [
        (np.array([1, 2]), TypeError, r"into must be a list of 2 floats or a float64 array of shape \(2,\), got .*int"),
        (np.array([1.0, 2.0, 3.0]), TypeError, r"shape \(3,\)"),
        (np.array([1.0, np.nan]), ValueError, r"into\[1\] must be finite, got nan"),
        (np.array([1e308, 0.0]), FloatingPointError, r"parameter 'w0' .* added to 1e\+308 is inf.*into is unchanged"),
    ],
)
def test_an_array_into_is_checked_and_left_unchanged_when_backward_raises(into, error, says):
    w = [Value(1.0, label="w0"), Value(1.0, label="w1")]
    c = autodiff.compile(lambda a: a * w[0] + w[1], [1.0], w)
    _, back = c.batch_vjp([[1e308]], params=np.array([1.0, 1.0]))  # w0's grad: 1e308
    held = into.copy()
    with pytest.raises(error, match=says):
        back(np.ones(1), into)
    assert np.array_equal(into, held, equal_nan=True)
