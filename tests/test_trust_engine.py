"""The engine's promises, each tried with extreme and hostile input (README "What we promise").

- no backward pass (push, pull, backward_steps, Stepper) leaves an inf or NaN grad: it raises
  FloatingPointError naming the edge, and every grad is then what it was before the call;
- arguments are checked before anything changes;
- every op with a Python counterpart gives exactly Python's float, bit for bit;
- bad numbers get a clear error naming the input and the fix.
"""

from __future__ import annotations

import math
import random
import struct
import threading
import warnings
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autodiff
from autodiff import GradcheckWarning, Stepper, Value, backward_steps, compare_grads, gradcheck

# -- no silent inf or NaN in any backward pass -----------------------------------------


def _div_by_tiny():
    a, b = Value(1.0, "a"), Value(1e-200, "b")
    return a / b, [a, b]


def _log_of_subnormal_then_relu():
    x = Value(5e-324, "x")
    return x.log().relu(), [x]


def _finite_values_nan_gradient():
    x = Value(40.0, "x")
    return ((x.tanh() * 1e308 - 1e308) * 1e10), [x]


def _sqrt_at_zero():
    x = Value(0.0, "x")
    return x.sqrt() * 2.0, [x]


def _exploding_gradient():
    x = Value(1e-300, "x")
    return (x * 1e300) * 1e300, [x]  # every value finite, d/dx = 1e600


REPRODUCERS = [
    _div_by_tiny,
    _log_of_subnormal_then_relu,
    _finite_values_nan_gradient,
    _sqrt_at_zero,
    _exploding_gradient,
]


def _run(mode: str, root: Value) -> None:
    if mode in ("push", "pull"):
        root.backward(mode)
    elif mode.startswith("steps"):
        for _ in backward_steps(root, mode.split("-")[1]):
            pass
    else:
        Stepper(root, method=mode.split("-")[1], fresh=False)


MODES = ["push", "pull", "steps-push", "steps-pull", "stepper-push", "stepper-pull"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("make", REPRODUCERS, ids=lambda f: f.__name__.strip("_"))
def test_no_backward_mode_leaves_a_non_finite_grad(make, mode):
    root, leaves = make()
    for i, leaf in enumerate(leaves):
        leaf.grad = 0.25 * (i + 1)  # grads held before the call must survive it exactly
    nodes = autodiff.topological_order(root)
    before = [v.grad for v in nodes]
    with pytest.raises(FloatingPointError, match="Every grad is as it was before this pass"):
        _run(mode, root)
    assert [v.grad for v in nodes] == before
    assert all(math.isfinite(v.grad) for v in nodes)


def test_a_leaf_root_already_holding_inf_is_named_at_its_seed_and_keeps_its_grad():
    x = Value(1.0, label="x")
    x.grad = math.inf
    with pytest.raises(FloatingPointError) as err:
        x.backward()
    assert str(err.value) == (
        "backward (push): seeding the root 'x' gives grad inf (it held inf); call zero_grad() first. "
        "Every grad is as it was before this pass."
    )
    assert x.grad == math.inf


def test_non_finite_gradient_names_the_edge_and_the_fix():
    root, _ = _div_by_tiny()
    root.label = "q"
    with pytest.raises(FloatingPointError) as err:
        root.backward()
    msg = str(err.value)
    assert "edge / node 'q' -> parent 'b'" in msg
    assert "local derivative d(child)/d(parent) = -inf" in msg
    assert "incoming grad 1.0" in msg
    assert "derivative of / is not finite at input(s) (1.0, 1e-200)" in msg
    assert "add a small epsilon" in msg


def test_overflowing_product_of_finite_factors_is_reported_as_exploding():
    x = Value(1e-300, "x")
    y = (x * 1e300) * 1e300  # values 1e-300, 1, 1e300: finite; d/dx = 1e600 is not
    with pytest.raises(FloatingPointError, match="exploding gradients"):
        y.backward()
    assert x.grad == 0.0


def test_leaf_already_holding_nan_is_refused_not_propagated():
    x = Value(2.0, "x")
    x.grad = math.nan
    with pytest.raises(FloatingPointError, match="'x' already held grad nan before this pass.*zero_grad"):
        (x * 3.0).backward()
    assert math.isnan(x.grad)  # nothing changed, nothing hidden


def test_accumulating_leaf_overflow_is_refused():
    x = Value(1.0, "x")
    y = x * 1e308
    y.backward()
    with pytest.raises(FloatingPointError, match="parent 'x'"):
        y.backward()  # 1e308 + 1e308
    assert x.grad == 1e308


def test_sum_overflow_of_finite_grads_is_not_an_error():
    # the one-check-per-pass sum overflows here although every grad is finite
    a, b = Value(1e-300, "a"), Value(2e-300, "b")
    y = (a + b) * 1e308  # value 3e8; grads 1e308 each: their sum overflows, none is inf
    y.backward()
    assert (a.grad, b.grad) == (1e308, 1e308)


# -- arguments are checked before anything changes ----------------------------------------


@pytest.mark.parametrize("method", ["Push", "V2", "", None, 1, ["push"]])
def test_bad_method_changes_no_grad(method):
    x = Value(2.0, "x")
    with pytest.raises(ValueError, match="method must be 'push' or 'pull'"):
        x.backward(method)
    with pytest.raises(ValueError, match="method must be 'push' or 'pull'"):
        backward_steps(x, method)  # at the call, not at the first next()
    with pytest.raises(ValueError, match="method must be 'push' or 'pull'"):
        Stepper(x, method=method)
    assert x.grad == 0.0
    x.backward()
    assert x.grad == 1.0


@pytest.mark.parametrize("kw", [{"max_nodes": 0}, {"max_nodes": True}, {"max_nodes": 2.5}, {"fresh": "yes"}])
def test_bad_stepper_arguments_change_no_grad(kw):
    x = Value(2.0, "x")
    y = x * x
    y.backward()
    with pytest.raises((TypeError, ValueError)):
        Stepper(y, **kw)
    assert (x.grad, y.grad) == (4.0, 1.0)


@pytest.mark.parametrize(
    "kw, pattern",
    [({"eps": 0.0}, "eps must be > 0"), ({"eps": math.inf}, "eps must be > 0"), ({"atol": -1.0}, "atol")],
)
def test_bad_gradcheck_arguments_are_refused(kw, pattern):
    x = Value(2.0, "x")
    with pytest.raises(ValueError, match=pattern):
        gradcheck(lambda a: a * a, [x], **kw)
    assert x.grad == 0.0


# -- values bit for bit as Python floats -------------------------------------------------------

floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-10.0, max_value=10.0),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-310, 1e308, -1e308, 1.0, -1.0, 0.1, 0.3, 2.0, 0.5]),
)


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _python(f, *args):
    # what plain Python floats give: a finite float, or "raises"
    try:
        r = f(*args)
    except (ArithmeticError, ValueError):
        return None
    if not isinstance(r, float) or not math.isfinite(r):
        return None  # complex, inf or nan: the engine must refuse these
    return r


BINARY = {
    "+": (lambda a, b: a + b, lambda a, b: a + b),
    "-": (lambda a, b: a - b, lambda a, b: a - b),
    "*": (lambda a, b: a * b, lambda a, b: a * b),
    "/": (lambda a, b: a / b, lambda a, b: a / b),
    "**": (lambda a, b: a**b, lambda a, b: a**b),  # Value exponent: only for a > 0, see below
}
UNARY = {
    "neg": (lambda a: -a, lambda a: -a),
    "abs": (lambda a: abs(a), lambda a: abs(a)),
    "exp": (math.exp, lambda a: a.exp()),
    "log": (math.log, lambda a: a.log()),
    "sqrt": (math.sqrt, lambda a: a.sqrt()),
    "tanh": (math.tanh, lambda a: a.tanh()),
}
EXPONENTS = [2, 3, -1, -2, 0.5, 1.5, -0.5, 0, 1, 7, 1e-3]


def _agrees(expected, ours, *args):
    if expected is None:
        with pytest.raises((ArithmeticError, ValueError)):
            ours(*args)
    else:
        got = ours(*args)
        assert _bits(got.data) == _bits(expected), (got.data, expected)


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=floats, b=floats)
def test_binary_ops_equal_python_floats_bit_for_bit(a, b):
    for name, (py, ours) in BINARY.items():
        if name == "**" and a <= 0.0:
            continue  # a Value exponent needs a > 0 (its d/db is a**b ln a); numbers: below
        _agrees(_python(py, a, b), ours, Value(a), Value(b))
        if name != "**":
            _agrees(_python(py, a, b), ours, Value(a), b)  # number on the right
            _agrees(_python(py, a, b), ours, a, Value(b))  # reflected


@settings(max_examples=300, derandomize=True, deadline=None)
@given(a=floats)
def test_unary_ops_and_constant_powers_equal_python_floats_bit_for_bit(a):
    for py, ours in UNARY.values():
        _agrees(_python(py, a), ours, Value(a))
    for n in EXPONENTS:
        _agrees(_python(pow, a, n), pow, Value(a), n)


def test_known_division_cases():
    assert (Value(0.3) / 0.1).data == 0.3 / 0.1 == 2.9999999999999996
    assert (Value(1e-10) / Value(1e-310)).data == 1e-10 / 1e-310  # finite: not an overflow
    assert _bits((Value(0.0) / Value(1e-310)).data) == _bits(0.0)  # 0, not NaN
    assert _bits((Value(-0.0) / Value(3.0)).data) == _bits(-0.0)


def test_finite_value_with_overflowing_derivative_is_backwards_business():
    a, b = Value(1e-10, "a"), Value(1e-310, "b")
    q = a / b  # finite forward value: accepted
    assert math.isfinite(q.data)
    with pytest.raises(FloatingPointError, match=r"edge / node .* -> parent 'a'.*= inf"):
        q.backward()
    assert (a.grad, b.grad) == (0.0, 0.0)


# -- bad numbers: clear errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    "make, exc, pattern",
    [
        (lambda: Value(10**400), ValueError, r"must be finite, got int .*about 1e400.*too large for a float"),
        (lambda: Value(1) + 10**400, ValueError, r"too large for a float"),
        (lambda: Value(-(10**5000)), ValueError, r"very large int.*too large for a float"),
        (lambda: Value(Fraction(10**400, 3)), ValueError, r"Fraction.*too large for a float"),
        (lambda: Value(math.nan, "x"), ValueError, r"must be finite, got nan \(node 'x'\)"),
        (lambda: Value("1.0"), TypeError, r"must be a real number.*convert it with float"),
        (lambda: Value(True), TypeError, r"must be a real number"),
        (lambda: autodiff.sum(5), TypeError, r"sum: expects an iterable of Values or numbers, got int 5"),
        (lambda: autodiff.logsumexp("abc"), TypeError, r"logsumexp: expects an iterable"),
        (lambda: autodiff.dot(3.0, [1.0]), TypeError, r"dot: expects an iterable"),
        (lambda: gradcheck(lambda x: x, [10**400]), TypeError, r"input 0 .*int too large for a float"),
        (lambda: gradcheck(lambda x: x, [math.inf]), TypeError, r"input 0 must be a Value or a finite number"),
    ],
)
def test_bad_numbers_get_a_clear_error(make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make()


# -- gradcheck's kink warning ------------------------------------------------------------------------


def test_kink_warning_when_a_scaled_input_crosses_the_kink():
    # x = 1e-8 is 1e-8 from the kink, but 1000 * x moves by 1000 * eps across it
    with pytest.warns(GradcheckWarning, match=r"moves relu's input across its kink at 0"):
        rows = compare_grads(lambda x: (x * 1000).relu(), [1e-8])
    assert not rows[0].ok  # the disagreement the warning explains (analytic 1000, numeric ~505)


def test_kink_warning_deep_in_the_graph():
    with pytest.warns(GradcheckWarning, match=r"abs's input .*across its kink"):
        compare_grads(lambda x, y: abs(x * y - 6.0) + y, [2.0000001, 3.0])


def test_no_kink_warning_when_no_input_crosses():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda x: (x * 1000).relu() + abs(x - 5.0), [0.01])


# -- walks are safe across threads --------------------------------------------------------------


def test_concurrent_walks_of_graphs_sharing_nodes_are_each_correct():
    shared = [Value(random.Random(i).uniform(-1, 1), f"w{i}") for i in range(30)]
    graphs = []
    for k in range(2):
        xs = [Value(float(k + j)) for j in range(30)]
        graphs.append(autodiff.dot(shared, xs).tanh() * 2.0)
    expected = [len(autodiff.topological_order(g)) for g in graphs]
    bad = []

    def walk(g, n):
        for _ in range(300):
            order = autodiff.topological_order(g)
            if len(order) != n or len({id(v) for v in order}) != n:
                bad.append(len(order))

    threads = [threading.Thread(target=walk, args=(g, n)) for g, n in zip(graphs, expected)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bad == []
