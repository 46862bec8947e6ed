"""Every rule of the derivative table, checked by gradcheck at several points.

CASES is parametrized over autodiff.RULES: a rule added to the table without a
case here makes test_every_rule_has_a_case fail.
"""

from __future__ import annotations

import math

import pytest

import autodiff
from autodiff import RULES, Value, gradcheck, ops, rules

# op -> (how a user writes it, points to check it at); points avoid the kinks
CASES = {
    "+": (lambda a, b: a + b, [(1.5, -2.0), (0.0, 3.0), (-1e3, 1e-3)]),
    "-": (lambda a, b: a - b, [(1.5, -2.0), (0.0, 3.0), (7.0, 7.0)]),
    "*": (lambda a, b: a * b, [(1.5, -2.0), (0.0, 3.0), (-0.25, -8.0)]),
    "/": (lambda a, b: a / b, [(1.5, -2.0), (0.0, 3.0), (-3.0, 0.125)]),
    "neg": (lambda a: -a, [(1.5,), (-2.0,), (0.0,)]),
    "**n": (lambda a: a**3, [(1.5,), (-2.0,), (0.0,)]),
    "**": (lambda a, b: a**b, [(1.5, -2.0), (0.5, 3.0), (2.0, 0.5)]),
    "exp": (lambda a: a.exp(), [(1.5,), (-2.0,), (0.0,), (20.0,)]),
    "log": (lambda a: a.log(), [(1.5,), (0.01,), (100.0,)]),
    "sqrt": (lambda a: a.sqrt(), [(1.5,), (0.01,), (100.0,)]),
    "tanh": (lambda a: a.tanh(), [(0.5,), (-2.0,), (0.0,), (5.0,)]),
    "sigmoid": (lambda a: a.sigmoid(), [(0.5,), (-3.0,), (0.0,), (8.0,)]),
    "relu": (lambda a: a.relu(), [(0.5,), (-2.0,), (3.0,)]),
    "abs": (lambda a: abs(a), [(0.5,), (-2.0,), (3.0,)]),
    "sum": (lambda *xs: autodiff.sum(xs), [(1.0, -2.0, 3.5), (0.5,), (1e-3, 1e3)]),
    "dot": (
        lambda w1, w2, x1, x2, b: autodiff.dot([w1, w2], [x1, x2], b),
        [(0.5, -1.5, 2.0, 0.25, 0.1), (0.0, 1.0, -1.0, 3.0, -2.0)],
    ),
    "logsumexp": (lambda *xs: autodiff.logsumexp(xs), [(1.0, -2.0, 3.5), (0.5,), (50.0, 49.0, -50.0)]),
}

POINTS = [(op, pt) for op, (_, pts) in CASES.items() for pt in pts]


def test_every_rule_has_a_case():
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("op, point", POINTS, ids=[f"{op}{pt}" for op, pt in POINTS])
@pytest.mark.parametrize("method", ["push", "pull"])
def test_rule_gradcheck(op, point, method):
    f = CASES[op][0]
    assert gradcheck(f, list(point), method=method)


@pytest.mark.parametrize("op, point", POINTS, ids=[f"{op}{pt}" for op, pt in POINTS])
def test_operator_uses_its_rule(op, point):
    """The Value method records the op name, and the value and locals of the table's rule."""
    f = CASES[op][0]
    out = f(*[Value(x) for x in point])
    if op == "**n":
        assert out.op == "**3"
    else:
        assert out.op == op
    value, local = autodiff.eager.apply(out.op, [p.data for p in out.parents])
    assert out.data == value
    assert out.local_grads == local
    assert len(out.local_grads) == len(out.parents)


@pytest.mark.parametrize("n", [2, 3, -1, -2, 0.5, 1.5, 0, 1])
@pytest.mark.parametrize("x", [0.7, 2.5])
def test_constant_exponents(n, x):
    assert gradcheck(lambda a: a**n, [x])


@pytest.mark.parametrize("n", [2, 3, -1])
def test_integer_exponent_of_negative_base(n):
    assert gradcheck(lambda a: a**n, [-1.3])


def test_zero_exponent_at_zero():
    y = Value(0.0) ** 0
    assert y.data == 1.0 and y.local_grads == (0.0,)


@pytest.mark.parametrize("x", [-2.0, -1e-9, 1e-9, 2.0])
def test_relu_abs_derivatives_each_side_of_kink(x):
    assert Value(x).relu().local_grads == ((1.0,) if x > 0 else (0.0,))
    assert abs(Value(x)).local_grads == (math.copysign(1.0, x),)


def test_sigmoid_is_logistic_and_derivative_is_g_times_1_minus_g():
    for x in (-5.0, -0.3, 0.0, 0.3, 5.0):
        s = Value(x).sigmoid()
        g = 1.0 / (1.0 + math.exp(-x))
        assert s.data == pytest.approx(g, rel=1e-15)
        assert s.local_grads[0] == pytest.approx(g * (1 - g), rel=1e-12)


def test_tanh_derivative_is_1_minus_g_squared():
    for x in (-3.0, -0.3, 0.0, 0.3, 3.0):
        t = Value(x).tanh()
        assert t.local_grads[0] == pytest.approx(1 - math.tanh(x) ** 2, rel=1e-15)


def test_const_exponent_round_trips_through_op_name():
    for n in (2, -1, 0.5, 1e-7, 1234.25):
        op = (Value(1.5) ** n).op
        assert ops.const_exponent(op) == float(n)
        assert rules.table_op(op) == "**n" and ops.OPS["**n"].define is rules.pow_const


def test_dot_without_bias_and_with_numbers():
    w = [Value(2.0), Value(-1.0)]
    out = autodiff.dot(w, [3.0, 4.0])
    assert out.data == 2.0 and len(out.parents) == 4 and out.local_grads == (3.0, 4.0, 2.0, -1.0)
    assert gradcheck(lambda a, b: autodiff.dot([a, b], [a, 0.5]), [1.5, -2.0])


def test_dot_length_mismatch():
    with pytest.raises(ValueError, match="dot: 2 weights but 1 inputs"):
        autodiff.dot([1.0, 2.0], [Value(1.0)])


def test_the_core_is_handed_every_word_once_and_each_speaks_every_kind_of_number():
    # the definitions call rules.exp, rules.check ...: the dispatchers autodiff.vocabulary handed in, which
    # speak floats, Values and arrays alike; none is left the placeholder that says it was not handed in
    from autodiff import vocabulary

    assert all(getattr(rules, w).__module__ == vocabulary.__name__ for w in rules.WORDS)
    assert rules.check is vocabulary.check
    assert rules.exp(0.0) == 1.0 and rules.exp(Value(0.0)).data == 1.0
    assert rules.where(rules.gt(Value(2.0), 1.0), 3.0, 4.0) == 3.0
    with pytest.raises(TypeError, match=r"exp: expects a number, a Value or a numpy array, got str"):
        rules.exp("1.0")


def test_a_kind_of_number_is_spoken_only_with_every_word():
    from autodiff import vocabulary

    class Halfway:  # exp and log only
        exp = log = staticmethod(lambda x: x)

    class Mine(float):
        pass

    with pytest.raises(TypeError, match=r"^speak: the words for <class '.*Mine'> lack sqrt, tanh, power, where"):
        vocabulary.speak(Mine, Halfway())
    with pytest.raises(TypeError, match=r"exp: expects a number, a Value or a numpy array, got Mine"):
        rules.exp(Mine(1.0))  # nothing was registered for it


@pytest.mark.parametrize("op", ["relu", "abs"])
@pytest.mark.parametrize("at", [0.0, -0.0])
def test_the_kinks_derivative_is_zero_by_convention_in_every_mode(op, at):
    # relu'(0) = abs'(0) = 0 (rules.py's docstring): eagerly, as a create_graph Value, and compiled
    f = (lambda x: x.relu()) if op == "relu" else abs
    x = Value(at)
    f(x).backward()
    assert x.grad == 0.0
    y = Value(at)
    f(y).backward(create_graph=True)
    assert y.grad.data == 0.0
    _, backward = autodiff.compile(lambda x: f(x), [1.0]).vjp(at)
    assert backward(1.0, []) == (0.0,)
