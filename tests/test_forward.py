"""Forward mode: jvp and jacobian(mode="forward"), against reverse mode, with op counts."""

from __future__ import annotations

import math
import random

import pytest

import autodiff
from autodiff import JacobianResult, Value, grad, jacobian, jvp


def f_scalar(x, y, z):
    return (x * y).tanh() + (y / (z * z + 1.0)).exp() * x - autodiff.logsumexp([x, z]) + (x * z).sigmoid()


def test_jvp_is_the_value_and_the_gradient_dotted_with_the_tangent():
    xs, ts = [0.3, -0.8, 1.1], [1.0, -2.0, 0.5]
    value, tangent = jvp(f_scalar, xs, ts)
    assert value == f_scalar(*[Value(x) for x in xs]).data
    g = grad(f_scalar, argnums=(0, 1, 2))(*xs)
    assert tangent == pytest.approx(sum(a * b for a, b in zip(g, ts)), rel=1e-14)


def test_jvp_along_one_input_equals_backward_bit_for_bit_on_short_paths():
    # every path from x to the output has at most two local factors: both modes multiply the same two
    def f(x, y):
        return x * y + autodiff.tanh(x) + autodiff.exp(y)  # works for floats too (the other argument)

    for k in range(2):
        t = [1.0 if i == k else 0.0 for i in range(2)]
        _, tangent = jvp(f, [0.7, -0.4], t)
        assert tangent == grad(f, argnums=k)(0.7, -0.4)


def test_jvp_uses_the_local_derivatives_the_rules_recorded(monkeypatch):
    # a (deliberately wrong) rule is seen by forward mode exactly as by backward: same table, same locals
    monkeypatch.setitem(autodiff.RULES, "tanh", lambda a: (math.tanh(a), (0.125,)))
    _, tangent = jvp(lambda x: x.tanh(), [0.3], [1.0])
    assert tangent == 0.125


def test_jvp_with_several_outputs_and_values_in():
    values, tangents = jvp(lambda x, y: [x * y, x + y, x.exp()], [2.0, 3.0], [1.0, 0.0])
    assert values == [6.0, 5.0, math.exp(2.0)]
    assert tangents == [3.0, 1.0, math.exp(2.0)]
    x = Value(0.5, "x")
    v, t = jvp(lambda a: a * a * a, [x], [1.0])  # a Value in: Values out, differentiable again
    assert isinstance(t, Value) and t.data == 0.75
    t.backward()
    assert x.grad == 3.0  # d/dx 3x^2


def test_forward_over_reverse_gives_the_second_derivative():
    def f(x):
        return x**4 - 3.0 * x**2

    _, d2 = jvp(grad(f), [1.5], [1.0])
    assert d2 == 12 * 1.5**2 - 6.0


def test_jvp_builds_no_backward_pass_and_changes_no_grad():
    w = Value(2.0, "w")
    w.grad = 0.5
    _, t = jvp(lambda x: w * x * x, [3.0], [1.0])
    assert t == 12.0 and w.grad == 0.5


def test_non_finite_tangent_names_the_node():
    with pytest.raises(FloatingPointError, match=r"jvp: the tangent of \(sqrt node, data 0\.0\) \(sqrt node\)"):
        jvp(lambda x: (x * 0.0).sqrt() + x, [1.0], [1.0])
    with pytest.raises(FloatingPointError, match=r"derivative of sqrt is not finite at input\(s\) \(0\.0\)"):
        jvp(lambda x: (x * 0.0).sqrt(), [1.0], [1.0])
    with pytest.raises(FloatingPointError, match=r"the tangent overflowed: scale the tangents or the inputs down"):
        jvp(lambda x: x * 1e300, [1.0], [1e10])


def test_the_overflow_message_names_the_parent_whose_term_overflowed_and_passes_finite_ones():
    # the constant's term (its tangent 0) is finite; the input's, 1e300 * 1e10, is not
    with pytest.raises(FloatingPointError) as err:
        jvp(lambda b: Value(1e300, label="big") * b, [1.0], [1e10])
    assert str(err.value) == (
        "jvp: the tangent of (* node, data 1e+300) (* node) is not finite: d/d(parent (leaf, data 1.0)) = 1e+300 "
        "times its tangent 10000000000.0 gives inf; the tangent overflowed: scale the tangents or the inputs down"
    )


def test_a_tangent_that_overflows_only_in_the_sum_of_finite_terms_is_named():
    # y = x * 1e8 has tangent 1e308; y + y adds two finite terms into inf
    with pytest.raises(FloatingPointError) as err:
        jvp(lambda x: (x * 1e8) + (x * 1e8), [1e-10], [1e300])
    assert str(err.value) == (
        "jvp: the tangent of (+ node, data 0.02) (+ node) is not finite; "
        "the tangent overflowed: scale the tangents or the inputs down"
    )


def test_finite_tangents_whose_total_overflows_are_returned():
    # the sweep's quick check adds every tangent (1 + 1e308 + 1.5e308 = inf), but none is infinite
    value, tangent = jvp(lambda x: x * 1e308 * 1.5, [1.0], [1.0])
    assert (value, tangent) == (1.5e308, 1.5e308)


def test_value_tangents_skip_parents_without_one_and_constant_zero_derivatives():
    # w is no input: no tangent, no term; relu at -1 has the constant derivative 0: no term at all
    w, x = Value(3.0, "w"), Value(2.0, "x")
    _, t = jvp(lambda a: w * a * a, [x], [1.0])
    assert isinstance(t, Value) and t.data == 2 * 3.0 * 2.0  # d(w x^2)/dx = 2 w x
    dt = grad(lambda a: jvp(lambda b: w * b * b, [a], [1.0])[1])(2.0)
    assert dt == 2 * 3.0  # differentiable again: d(2 w x)/dx = 2 w
    _, t = jvp(lambda a: a.relu(), [Value(-1.0)], [1.0])
    assert t.data == 0.0


@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        (lambda: jvp(lambda x: x, [1.0], [math.inf]), ValueError, r"tangents\[0\] must be finite"),
        (lambda: jvp(lambda x: x, [1.0], [1.0, 2.0]), ValueError, r"1 primals but 2 tangents"),
        (lambda: jvp(lambda x: x, 1.0, [1.0]), TypeError, r"primals must be a list"),
        (lambda: jvp(lambda x: x, ["a"], [1.0]), TypeError, r"primals\[0\] must be a real number"),
        (lambda: jvp(lambda x: "no", [1.0], [1.0]), TypeError, r"must return one Value"),
        (lambda: jacobian(lambda v: v, mode="sideways"), ValueError, r"mode must be 'reverse' or 'forward'"),
        (lambda: jacobian(lambda v: v, count=1), TypeError, r"count must be True or False"),
        (lambda: jacobian(lambda v: [], mode="forward")([1.0]), ValueError, r"returned an empty list"),
    ],
)
def test_bad_arguments(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


# -- jacobian: both modes, their costs ---------------------------------------------------------


def g_vector(v):
    x, y, z = v
    return [x * y * z, (x + z).tanh() * y, autodiff.logsumexp([x, y, z]), (y * y + 1.0).log() / z, x.exp()]


def test_jacobian_modes_agree():
    xs = [0.3, -1.2, 0.8]
    jr = jacobian(g_vector)(xs)
    jf = jacobian(g_vector, mode="forward")(xs)
    assert len(jr) == 5 and all(len(r) == 3 for r in jr)
    for a, b in zip(jr, jf):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15)


def test_jacobian_modes_equal_bit_for_bit_when_additions_come_in_the_same_order():
    def f(v):
        return [v[0] * v[1], v[0].tanh(), v[1].exp() + v[0], autodiff.dot([v[0], v[1]], [2.0, 3.0])]

    xs = [0.37, -1.9]
    assert jacobian(f)(xs) == jacobian(f, mode="forward")(xs)


def _edges(root):
    return sum(len(v.parents) for v in autodiff.topological_order(root))


def test_counts_for_many_inputs_one_output_favour_reverse():
    n = 12
    rng = random.Random(3)
    xs = [rng.uniform(-1, 1) for _ in range(n)]

    def f(v):
        return autodiff.sum([(a * b).tanh() for a, b in zip(v, v[1:])])

    rev = jacobian(f, count=True)(xs)
    fwd = jacobian(f, mode="forward", count=True)(xs)
    assert isinstance(rev, JacobianResult)
    edges = _edges(f([Value(x) for x in xs]))
    assert rev.multiply_adds == edges  # one pass
    assert fwd.multiply_adds == n * edges  # one sweep per input
    assert rev.matrix[0] == pytest.approx(fwd.matrix[0], rel=1e-12)


def test_counts_for_one_input_many_outputs_favour_forward():
    m = 10

    def f(x):
        outs, h = [], x
        for _ in range(m):
            h = (h * 0.9 + 0.1).tanh()
            outs.append(h)
        return outs

    rev = jacobian(f, count=True)(0.4)
    fwd = jacobian(f, mode="forward", count=True)(0.4)
    assert [len(r) for r in rev.matrix] == [1] * m
    x = Value(0.4)
    outs = f(x)
    assert fwd.multiply_adds == _edges(outs[-1])  # one sweep covers every output
    assert rev.multiply_adds == sum(_edges(o) for o in outs)  # one pass per output, each one longer
    assert rev.multiply_adds > 4 * fwd.multiply_adds
    for a, b in zip(rev.matrix, fwd.matrix):
        assert a[0] == pytest.approx(b[0], rel=1e-12)


def test_jacobian_of_a_scalar_function_is_one_row_and_nests():
    assert jacobian(lambda v: v[0] * v[1])([2.0, 3.0]) == [[3.0, 2.0]]
    # the Jacobian of the gradient is the Hessian, in either mode
    h = jacobian(grad(lambda v: v[0] ** 2 * v[1]), mode="forward")([3.0, 5.0])
    assert h == autodiff.hessian(lambda v: v[0] ** 2 * v[1])([3.0, 5.0]) == [[10.0, 6.0], [6.0, 0.0]]


def test_reverse_over_forward_gives_the_second_derivative():
    def f(x):
        return x.exp() * x

    def slope(x):
        return jvp(f, [x], [1.0])[1]  # inside grad: a Value, so grad can differentiate it

    assert grad(slope)(0.7) == pytest.approx(math.exp(0.7) * (0.7 + 2.0), rel=1e-15)


def test_jacobian_changes_no_callers_grad():
    w = Value(2.0, "w")
    w.grad = 0.5
    for mode in ("reverse", "forward"):
        assert jacobian(lambda v: [w * v[0], v[0] * v[1]], mode=mode)([3.0, 4.0]) == [[2.0, 0.0], [4.0, 3.0]]
    assert w.grad == 0.5
