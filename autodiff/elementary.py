"""Elementary functions of a number, a Value or a numpy array, and the n-ary nodes.

``exp(x)`` is ``x.exp()`` for a Value (a node), numpy's ``exp`` for an array and,
for a number, the float of the op's rule (its domain checks and messages). A user
primitive written with them is one definition for every mode (``autodiff.primitive``).
``sum``, ``dot`` and ``logsumexp`` make one node of many parents.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

from . import rules
from .value import Number, Value, apply, check_number, const


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
    if not isinstance(x, numbers.Number):  # arrays, traced numbers: the definition
        return rules.OPS[op].define(x)[0]
    return rules.RULES[op](check_number(x, "", f"{op}: input"))[0]


def sum(values: Iterable[Value | Number]) -> Value:  # noqa: A001 - autodiff.sum, like math.fsum
    """One n-ary node ``x_1 + ... + x_n`` (each local derivative is 1)."""
    return apply("sum", lift_all(values, "sum"))


def dot(
    weights: Iterable[Value | Number], inputs: Iterable[Value | Number], bias: Value | Number | None = None
) -> Value:
    """``w_1 x_1 + ... + w_n x_n (+ b)`` as one node: a neuron's pre-activation.

    Its parents are the weights, then the inputs, then the bias; the local
    derivatives are the inputs (for the weights), the weights (for the inputs) and 1.
    """
    ws = lift_all(weights, "dot")
    xs = lift_all(inputs, "dot")
    if len(ws) != len(xs):
        raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs; give one weight per input")
    return apply("dot", ws + xs if bias is None else ws + xs + (const(bias),))


def logsumexp(values: Iterable[Value | Number]) -> Value:
    """``log(sum(exp(x_i)))`` as one node, shifted by the max so it never overflows."""
    return apply("logsumexp", lift_all(values, "logsumexp"))


def lift_all(values: Iterable[Value | Number], op: str) -> tuple[Value, ...]:
    """A non-empty list or tuple of Values and numbers as Values (numbers as constants), checked."""
    t = type(values)
    if t is not list and t is not tuple:  # lists and tuples, the common case, skip the ABC checks
        if isinstance(values, Value):
            raise TypeError(f"{op}: expects an iterable of Values, got a single Value; wrap it in a list")
        if isinstance(values, (numbers.Number, str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(
                f"{op}: expects an iterable of Values or numbers, got {type(values).__name__} {values!r:.80}; "
                "wrap it in a list"
            )
    ps = tuple([x if type(x) is Value else const(x) for x in values])
    if not ps:
        raise ValueError(f"{op}: needs at least one value, got an empty iterable")
    return ps
