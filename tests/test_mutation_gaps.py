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


@pytest.mark.parametrize("method", ["push", "pull"])
def test_a_float_pass_over_a_leaf_holding_a_value_grad_is_refused_and_changes_nothing(method):
    x = Value(2.0, label="x")
    (x * x).backward(create_graph=True)
    held = x.grad
    y = x * 3.0
    with pytest.raises(
        TypeError, match=r"^backward: leaf 'x' holds a Value grad \(left by backward\(create_graph=True\)\)"
    ):
        y.backward(method)
    assert x.grad is held and y.grad == 0.0


@pytest.mark.parametrize("method", ["push", "pull"])
def test_a_node_of_three_parents_passes_on_its_grad_times_each_local_derivative(method):
    import autodiff

    w, x, b = Value(2.0), Value(-3.0), Value(0.5)
    y = autodiff.dot([w, w], [x, b], b) * 4.0  # three parents (w, w, x, b, b): grad 4 reaches them
    y.backward(method)
    assert (w.grad, x.grad, b.grad) == (4.0 * (-3.0 + 0.5), 4.0 * 2.0, 4.0 * (2.0 + 1.0))


@pytest.mark.parametrize(
    "n, x, exc, message",
    [
        (0.5, -2.0, ValueError, r"\(\*\*0\.5\): \*\*: negative base -2\.0 with non-integer exponent 0\.5"),
        (-1.0, 0.0, ZeroDivisionError, r"\(\*\*-1\.0\): \*\*: 0\.0 \*\* -1\.0 is a division by zero"),
        (400.0, 10.0, OverflowError, r"\(\*\*400\.0\): \*\*: 10\.0 \*\* 400\.0 overflows a float"),
    ],
)
def test_compiled_code_names_the_power_whose_base_is_out_of_its_domain(n, x, exc, message):
    import autodiff

    c = autodiff.compile(lambda x: (x * 1.0) ** n, [1.0])
    assert c(2.0).value == 2.0**n  # traced and replayed
    with pytest.raises(exc, match=message):
        c(x)


def test_gradcheck_of_f_using_its_input_and_a_value_it_closes_over_passes():
    from autodiff import gradcheck

    u = Value(2.0, label="u")
    assert gradcheck(lambda x: x * u + u, [1.5])


@pytest.mark.parametrize(
    "make, a, b, exc, message",
    [
        (lambda a, b: a**b, -2.0, 0.5, ValueError, r"base must be > 0 when the exponent is a Value, got -2\.0"),
        (lambda a, b: a**b, 10.0, 400.0, OverflowError, r"10\.0 \*\* 400\.0 overflows a float"),
        (lambda a, b: a.exp() * b, 800.0, 1.0, OverflowError, r"exp: exp\(800\.0\) overflows a float"),
    ],
    ids=["negative base", "power overflows", "exp overflows"],
)
def test_a_domain_error_names_the_input_it_is_about(make, a, b, exc, message):
    import autodiff

    with pytest.raises(exc, match=message + r".*\(node 'a'\)$"):  # eager: the node named, not the exponent
        make(Value(a, label="a"), Value(b, label="b"))
    c = autodiff.compile(lambda x, y: make(x * 1.0, y), [1.0, 1.0])
    with pytest.raises(exc, match=message):  # compiled: the same error, at its node
        c(a, b)


@pytest.mark.parametrize("x", [-2.0, -1.0, -0.5, -1e-300, -0.0, 0.0, 1e-300, 0.5, 1.0, 2.0])
def test_relu_and_abs_give_pythons_values_and_their_slopes(x):
    import math

    r, a = Value(x), Value(x)
    yr, ya = r.relu(), abs(a)
    yr.backward()
    ya.backward()
    assert yr.data == max(x, 0.0) and r.grad == (1.0 if x > 0 else 0.0)
    assert ya.data == abs(x) and math.copysign(1.0, ya.data) == 1.0  # |-0.0| is 0.0
    assert a.grad == (1.0 if x > 0 else -1.0 if x < 0 else 0.0)


def test_sigmoid_is_one_over_one_plus_e_to_minus_a_from_0_up_and_its_mirror_below():
    import math

    for i in range(-400, 400):
        a = i / 100
        want = 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))
        assert Value(a).sigmoid().data == want, a
