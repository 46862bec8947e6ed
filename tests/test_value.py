"""The Value node: construction, operators, parents, repr."""

from __future__ import annotations

import math

import pytest

import autodiff
from autodiff import Value


def test_leaf_fields():
    x = Value(3, label="x")
    assert (x.data, x.grad, x.label, x.op, x.parents, x.local_grads) == (3.0, 0.0, "x", "", (), ())
    assert isinstance(x.data, float)
    assert x.is_leaf


def test_slots_no_dict():
    x = Value(1.0)
    with pytest.raises(AttributeError):
        x.foo = 1


def test_identity_not_value_equality():
    a, b = Value(1.0), Value(1.0)
    assert a is not b
    assert len({a, b}) == 2  # hashing by identity: equal data does not merge nodes


@pytest.mark.parametrize(
    "make, expected, op",
    [
        (lambda a, b: a + b, 5.0, "+"),
        (lambda a, b: a - b, -1.0, "-"),
        (lambda a, b: a * b, 6.0, "*"),
        (lambda a, b: a / b, 2.0 / 3.0, "/"),
        (lambda a, b: a**b, 8.0, "**"),
    ],
)
def test_binary_ops_record_parents_in_order(make, expected, op):
    a, b = Value(2.0, "a"), Value(3.0, "b")
    c = make(a, b)
    assert c.data == pytest.approx(expected)
    assert c.op == op
    assert c.parents[0] is a and c.parents[1] is b
    assert len(c.local_grads) == 2


@pytest.mark.parametrize(
    "expr, expected",
    [
        (lambda x: x + 1, 3.0),
        (lambda x: 1 + x, 3.0),
        (lambda x: x - 1, 1.0),
        (lambda x: 1 - x, -1.0),
        (lambda x: x * 3, 6.0),
        (lambda x: 3 * x, 6.0),
        (lambda x: x / 4, 0.5),
        (lambda x: 4 / x, 2.0),
        (lambda x: x**3, 8.0),
        (lambda x: 3**x, 9.0),
        (lambda x: -x, -2.0),
        (lambda x: abs(-x), 2.0),
        (lambda x: +x, 2.0),
    ],
)
def test_numbers_on_either_side(expr, expected):
    out = expr(Value(2.0))
    assert isinstance(out, Value)
    assert out.data == pytest.approx(expected)


def test_reused_node_keeps_both_edges():
    a = Value(3.0, "a")
    b = a + a
    assert b.parents == (a, a)
    b.backward()
    assert a.grad == 2.0  # micrograd's set of parents gives 1.0 here


def test_square_by_product_keeps_both_edges():
    a = Value(3.0, "a")
    (a * a).backward()
    assert a.grad == 6.0


def test_constant_exponent_is_named_in_op():
    x = Value(2.0)
    assert (x**2).op == "**2"
    assert (x**2.0).op == "**2"
    assert (x**0.5).op == "**0.5"
    assert (x**-1).op == "**-1"
    assert (x**2).parents == (x,)


def test_number_to_value_power():
    x = Value(3.0, "x")
    y = 2**x
    y.backward()
    assert y.data == 8.0
    assert x.grad == pytest.approx(8.0 * math.log(2.0))


def test_module_sum_is_one_nary_node():
    xs = [Value(float(i)) for i in range(5)]
    s = autodiff.sum(xs)
    assert s.op == "sum" and s.parents == tuple(xs) and s.data == 10.0
    s.backward()
    assert [x.grad for x in xs] == [1.0] * 5


def test_sum_accepts_numbers_and_generators():
    x = Value(1.0)
    assert autodiff.sum(v for v in [x, 2, 3.5]).data == 6.5


def test_logsumexp_stable_and_softmax_grads():
    xs = [Value(1000.0), Value(1000.0), Value(999.0)]
    out = autodiff.logsumexp(xs)
    shifted = [0.0, 0.0, -1.0]
    expected = 1000.0 + math.log(sum(math.exp(s) for s in shifted))
    assert out.data == pytest.approx(expected)
    out.backward()
    z = sum(math.exp(s) for s in shifted)
    assert [x.grad for x in xs] == pytest.approx([math.exp(s) / z for s in shifted])


@pytest.mark.parametrize("big", [1000.0, -1000.0])
def test_tanh_sigmoid_saturate_without_overflow(big):
    t = Value(big).tanh()
    s = Value(big).sigmoid()
    assert t.data == math.copysign(1.0, big)
    assert s.data == (1.0 if big > 0 else 0.0)
    assert t.local_grads == (0.0,) and s.local_grads == (0.0,)


def test_kink_conventions():
    assert Value(0.0).relu().local_grads == (0.0,)
    assert abs(Value(0.0)).local_grads == (0.0,)
    assert Value(-0.0).relu().data == 0.0


def test_repr_is_readable():
    x = Value(2.0, label="x")
    assert repr(x) == "Value(data=2.0, grad=0.0, label='x')"
    assert repr(x * 2) == "Value(data=4.0, grad=0.0, op='*')"


def test_int_data_becomes_float_and_user_input_untouched():
    data = 3
    x = Value(data)
    assert x.data == 3.0 and type(x.data) is float and data == 3


def test_a_result_that_is_not_a_number_names_the_nan_input_not_a_size():
    import math

    w = Value(0.5, label="w")
    w.data = math.nan  # set by hand after the Value was made
    for make in (lambda: w * 2.0, lambda: autodiff.dot([w], [Value(1.0)])):
        with pytest.raises(OverflowError, match=r"result is nan for input\(s\) nan \(node 'w'\).*an input is nan") as e:
            make()
        assert "too large" not in str(e.value)
    with pytest.raises(OverflowError, match="result is inf .* the inputs are too large, scale them down"):
        Value(1e308) * 10.0
