"""Elementary functions of a number, a Value or a numpy array, for code that runs on all three.

``exp(x)`` is ``x.exp()`` for a Value (a node), numpy's ``exp`` for an array and,
for a number, the float of the op's rule (its domain checks and messages). A user
primitive written with them is one definition for every mode (``autodiff.primitive``).
"""

from __future__ import annotations

from typing import Any

from . import rules
from .value import Value, check_number


def exp(x: Any) -> Any:
    """e**x."""
    return _apply("exp", x)


def log(x: Any) -> Any:
    """The natural logarithm; x must be > 0."""
    return _apply("log", x)


def sqrt(x: Any) -> Any:
    """The square root; x must be >= 0."""
    return _apply("sqrt", x)


def tanh(x: Any) -> Any:
    """The hyperbolic tangent."""
    return _apply("tanh", x)


def sigmoid(x: Any) -> Any:
    """The logistic function 1 / (1 + e**-x)."""
    return _apply("sigmoid", x)


def relu(x: Any) -> Any:
    """max(0, x)."""
    return _apply("relu", x)


def _apply(op: str, x: Any) -> Any:
    if isinstance(x, Value):
        return getattr(x, op)()
    if hasattr(x, "__array_ufunc__") or hasattr(x, "vocabulary"):  # arrays, traced numbers: the definition
        return rules.OPS[op].define(x)[0]
    return rules.RULES[op](check_number(x, "", f"{op}: input"))[0]
