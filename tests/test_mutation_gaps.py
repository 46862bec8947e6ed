"""Tests that each fail on a bug planted by `make mutate` (tools/mutate.py) that the other tests let
through (issue 29): one per surviving mutant of the core, named after what it checks."""

from __future__ import annotations

import pytest

from autodiff import Value, backward_steps


def test_backward_steps_stops_at_a_grad_that_overflows_to_minus_inf():
    a = Value(1.0, label="a")
    a.grad = -1.7e308
    root = a * -1.7e308  # finite value, finite local derivative; the grad it adds overflows to -inf
    with pytest.raises(FloatingPointError, match=r"gradient is -inf on the edge \* node .* -> parent 'a'"):
        list(backward_steps(root))
    assert a.grad == -1.7e308 and root.grad == 0.0


@pytest.mark.parametrize("x", [2**1024 - 1, -(2**1024 - 1), 2**1024])
def test_an_int_just_past_the_float_range_is_refused_by_name(x):
    # below 2**1024 in size, yet past the largest float (2**1024 - 2**970): float(x) itself would overflow
    with pytest.raises(ValueError, match=r"Value: data must be finite, got int -?17976931348623159077.* too large"):
        Value(x)
    assert Value(2**1023).data == 2.0**1023 and Value(-(2**1023) + 1).data == -(2.0**1023)


def test_micrograds_children_after_a_label_are_refused_with_what_to_write_instead():
    a = Value(2.0)
    with pytest.raises(TypeError, match=r"micrograd's way to make a node.*Build new ops from existing ones"):
        Value(1.0, "x", (a,))


@pytest.mark.parametrize(
    "base, n, local",
    [(-1e-154, -2, "inf"), (1e-154, -2, "-inf"), (-1e-102, -3, "-inf"), (1e-102, -3, "-inf")],
)
def test_an_overflowing_power_derivative_at_a_tiny_base_has_the_sign_of_n_times_base_to_the_n_minus_1(base, n, local):
    x = Value(base, label="x")
    y = x**n  # finite: about 1e306 to 1e308
    with pytest.raises(FloatingPointError, match=rf"-> parent 'x': local derivative d\(child\)/d\(parent\) = {local},"):
        y.backward()
    assert x.grad == 0.0


@pytest.mark.parametrize("method", ["push", "pull"])
def test_x_to_the_0_has_derivative_0_everywhere_even_at_0(method):
    for v in (0.0, -0.0, 2.0, -3.0):
        x = Value(v)
        y = x**0
        y.backward(method)
        assert (y.data, x.grad) == (1.0, 0.0)
    x = Value(0.0)
    (x**0).backward(create_graph=True)
    assert x.grad.data == 0.0


def test_a_batch_of_x_to_the_0_has_derivative_0_at_0():
    np = pytest.importorskip("numpy")
    import autodiff

    c = autodiff.compile(lambda x: x**0 * 3.0 + x, [1.0])
    r = c.batch([[0.0], [2.0], [-0.0]])
    assert r.value.tolist() == [3.0, 5.0, 3.0] and r.input_grads.tolist() == [[1.0], [1.0], [1.0]]
    assert np.isfinite(r.input_grads).all()
