"""Elementary functions of a float or a Value, for code that runs on both.

``exp(x)`` is ``x.exp()`` for a Value (a node) and, for a number, the float of
the same rule (Python's value, the same domain checks and messages). A user
primitive's ``derivative=``, or a function given to ``grad``, can use them and
stay valid at every order: ``derivative=lambda x: autodiff.sigmoid(x)``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Union

from . import rules
from .value import Value

Number = Union[int, float]


def exp(x: Value | Number) -> Value | float:
    """e**x."""
    return x.exp() if isinstance(x, Value) else _float(rules.exp, x, "exp")


def log(x: Value | Number) -> Value | float:
    """The natural logarithm; x must be > 0."""
    return x.log() if isinstance(x, Value) else _float(rules.log, x, "log")


def sqrt(x: Value | Number) -> Value | float:
    """The square root; x must be >= 0."""
    return x.sqrt() if isinstance(x, Value) else _float(rules.sqrt, x, "sqrt")


def tanh(x: Value | Number) -> Value | float:
    """The hyperbolic tangent."""
    return x.tanh() if isinstance(x, Value) else _float(rules.tanh, x, "tanh")


def sigmoid(x: Value | Number) -> Value | float:
    """The logistic function 1 / (1 + e**-x)."""
    return x.sigmoid() if isinstance(x, Value) else _float(rules.sigmoid, x, "sigmoid")


def relu(x: Value | Number) -> Value | float:
    """max(0, x)."""
    return x.relu() if isinstance(x, Value) else _float(rules.relu, x, "relu")


def _float(rule: Callable[[float], tuple[float, tuple[float, ...]]], x: object, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name}: expects a Value or a real number, got {type(x).__name__} {x!r:.60}")
    try:
        f = float(x)
    except OverflowError:
        raise ValueError(f"{name}: input is an int too large for a float; scale it down") from None
    if not math.isfinite(f):
        raise ValueError(f"{name}: input must be finite, got {f!r}; check it for NaN or inf")
    v, _ = rule(f)  # out of the rule's domain: its own error and message
    return v
