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


def test_a_power_is_named_by_its_integer_exponent_below_1e15_and_by_repr_from_there():
    x = Value(1.0)
    assert [(x**n).op for n in (2, 2.0, -1, 0.5, 1e15 - 1, 1e15, -1e15, 1e16)] == [
        "**2",
        "**2",
        "**-1",
        "**0.5",
        "**999999999999999",
        "**1000000000000000.0",
        "**-1000000000000000.0",
        "**1e+16",
    ]


def test_a_number_in_an_expression_is_a_leaf_whose_grad_starts_at_0():
    x = Value(2.5)
    y = x * 3.0
    c = y.parents[1]
    assert (c.data, c.grad, c.op, c.parents) == (3.0, 0.0, "", ())
    y.backward()
    assert c.grad == 2.5  # d(x * c)/dc = x, added to the 0 it started with


@pytest.mark.parametrize("big", [1e308, -1e308])
def test_a_result_that_overflows_to_either_infinity_is_refused(big):
    sign = "-" if big < 0 else ""
    with pytest.raises(OverflowError, match=rf"^\*: result is {sign}inf for input"):
        Value(big) * 10.0


@pytest.mark.parametrize("n, tail", [(4, "(node 'v3'); the inputs"), (5, "(node 'v3'), ...; the inputs")])
def test_an_overflow_names_four_inputs_and_marks_more(n, tail):
    import autodiff

    with pytest.raises(OverflowError, match=r"^sum: result is inf for input\(s\) 1e\+308 \(node 'v0'\), ") as e:
        autodiff.sum([Value(1e308, label=f"v{i}") for i in range(n)])
    assert str(e.value).count("1e+308") == 4 and tail in str(e.value)


def test_autodiff_backward_makes_float_grads_unless_asked_for_a_graph():
    import autodiff

    x = Value(3.0)
    autodiff.backward(x * x)
    assert type(x.grad) is float and x.grad == 6.0
    y = Value(3.0)
    autodiff.backward(y * y, create_graph=True)
    assert isinstance(y.grad, Value) and y.grad.data == 6.0
