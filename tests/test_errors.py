"""Bad input raises a clear error naming the op, the value, the node and the fix."""

from __future__ import annotations

import math

import pytest

import autodiff
from autodiff import Value


@pytest.mark.parametrize("bad", ["1.0", None, [1.0], 1j, True])
def test_non_numeric_data(bad):
    with pytest.raises(TypeError, match=r"must be a real number .* got"):
        Value(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_inf_data(bad):
    with pytest.raises(ValueError, match=r"must be finite, got .*\(node 'x'\)"):
        Value(bad, label="x")


def test_label_must_be_str():
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)


def test_non_numeric_operand():
    with pytest.raises(TypeError, match="real number"):
        Value(1.0) + "2"
    with pytest.raises(ValueError, match="finite"):
        Value(1.0) * math.nan


def test_log_nonpositive_names_node_and_fix():
    with pytest.raises(ValueError) as e:
        Value(-2.0, label="x").log()
    assert str(e.value) == "log: input must be > 0, got -2.0; clamp it or add a small epsilon (node 'x')"
    with pytest.raises(ValueError, match="got 0.0"):
        Value(0.0).log()


def test_sqrt_negative_and_zero():
    with pytest.raises(ValueError, match=r"sqrt: input must be >= 0, got -1.0.*\(node 'r'\)"):
        Value(-1.0, label="r").sqrt()
    # sqrt(0) = 0 is a finite value, as math.sqrt gives; its infinite derivative is backward's to report
    x = Value(0.0, label="z")
    y = x.sqrt()
    assert y.data == 0.0
    with pytest.raises(FloatingPointError, match=r"derivative of sqrt is not finite at input\(s\) \(0.0\)"):
        y.backward()
    assert x.grad == 0.0


def test_negative_base_fractional_exponent_never_complex():
    with pytest.raises(ValueError, match=r"negative base -4.0 with non-integer exponent 0.5 .*\(node 'q'\)"):
        Value(-4.0, label="q") ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0  # integer exponents are fine


def test_fractional_power_of_zero_has_infinite_derivative():
    x = Value(0.0, label="a")
    y = x**0.5
    assert y.data == 0.0**0.5
    with pytest.raises(FloatingPointError, match=r"edge \*\*0.5 node .* -> parent 'a'.*local derivative .* = inf"):
        y.backward()
    assert x.grad == 0.0


@pytest.mark.parametrize("base", [0.0, -2.0])
def test_value_exponent_needs_positive_base(base):
    with pytest.raises(ValueError, match=rf"base must be > 0 when the exponent is a Value, got {base}.*\(node 'b'\)"):
        Value(base, label="b") ** Value(2.0)
    with pytest.raises(ValueError, match="base must be > 0"):
        base ** Value(2.0)


def test_division_by_zero():
    with pytest.raises(ZeroDivisionError, match=r"/: division by zero .*\(node 'd'\)"):
        Value(1.0) / Value(0.0, label="d")
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        1 / Value(0.0)


def test_zero_to_negative_power():
    with pytest.raises(ZeroDivisionError, match=r"0.0 \*\* -1.0 is a division by zero.*\(node 'z'\)"):
        Value(0.0, label="z") ** -1


def test_exp_overflow():
    with pytest.raises(OverflowError, match=r"exp: exp\(1000.0\) overflows .*logsumexp.*\(node 'e'\)"):
        Value(1000.0, label="e").exp()


def test_power_overflow():
    with pytest.raises(OverflowError, match="overflows a float"):
        Value(1e200) ** 2
    with pytest.raises(OverflowError, match="overflows"):
        Value(10.0) ** Value(400.0)


def test_product_overflow_refused_not_inf():
    big = Value(1e308, label="big")
    with pytest.raises(OverflowError, match=r"\*: result is inf for input\(s\) 1e\+308 \(node 'big'\), 10.0"):
        big * 10


def test_failed_op_builds_no_node_and_leaves_inputs_alone():
    x = Value(-1.0, label="x")
    y = x * 2
    with pytest.raises(ValueError):
        y.log()
    assert x.data == -1.0 and x.grad == 0.0 and y.data == -2.0 and y.parents[0] is x


@pytest.mark.parametrize("fn", [autodiff.sum, autodiff.logsumexp])
def test_nary_errors(fn):
    with pytest.raises(ValueError, match="needs at least one value"):
        fn([])
    with pytest.raises(TypeError, match="iterable of Values, got a single Value"):
        fn(Value(1.0))


def test_backward_bad_method():
    with pytest.raises(ValueError, match="method must be 'push' or 'pull', got 'sideways'"):
        Value(1.0).backward(method="sideways")
    with pytest.raises(ValueError, match="method must be 'push' or 'pull'"):
        next(autodiff.backward_steps(Value(1.0), method="V3"))


def test_nary_overflow_refused():
    with pytest.raises(
        OverflowError, match=r"sum: result is inf for input\(s\) 1e\+308, 1e\+308, 1e\+308, 1e\+308, \.\.\."
    ):
        autodiff.sum([1e308] * 5)
    with pytest.raises(OverflowError, match="dot: result is inf"):
        autodiff.dot([1e300, -1e300], [1e10, -1e10])
