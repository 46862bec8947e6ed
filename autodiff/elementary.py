"""Elementary functions of a number, a Value or a numpy array, and the n-ary nodes.

``exp(x)`` is ``x.exp()`` for a Value (a node), numpy's ``exp`` for an array and,
for a number, the float of the op's rule (its domain checks and messages). A user
primitive written with them is one definition for every mode (``autodiff.primitive``).
``sum``, ``dot`` and ``logsumexp`` make one node of many parents.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Iterable
from typing import Any

from . import ops, rules, vocabulary
from .value import Number, Value, apply, check_number, const


def exp(x: Any) -> Any:
    """e**x."""
    return x.exp() if type(x) is Value else _apply("exp", x)


def log(x: Any) -> Any:
    """The natural logarithm; x must be > 0."""
    return x.log() if type(x) is Value else _apply("log", x)


def sqrt(x: Any) -> Any:
    """The square root; x must be >= 0."""
    return x.sqrt() if type(x) is Value else _apply("sqrt", x)


def tanh(x: Any) -> Any:
    """The hyperbolic tangent."""
    return x.tanh() if type(x) is Value else _apply("tanh", x)


def sigmoid(x: Any) -> Any:
    """The logistic function 1 / (1 + e**-x)."""
    return x.sigmoid() if type(x) is Value else _apply("sigmoid", x)


def relu(x: Any) -> Any:
    """max(0, x)."""
    return x.relu() if type(x) is Value else _apply("relu", x)


def _apply(op: str, x: Any) -> Any:
    if isinstance(x, Value):
        return getattr(x, op)()
    if isinstance(x, numbers.Number):
        return rules.RULES[op](check_number(x, "", f"{op}: input"))[0]
    if hasattr(x, "__array_ufunc__") or type(x).__module__ == "numpy":
        return on_arrays(lambda a: ops.OPS[op].define(a)[0], rules.RULES[op], (x,), op)
    try:
        vocabulary.words(x)  # compile's traced numbers, or anything else that speaks the rules' words
    except TypeError as e:
        raise TypeError(f"{op}: {e}; convert it with float() first") from None
    return ops.OPS[op].define(x)[0]


def on_arrays(fn: Any, rule: Any, xs: tuple[Any, ...], who: str) -> Any:
    """``fn`` (a definition's value) on numpy arrays, elementwise, checked as eager checks a float:
    where an element is not finite, is outside the op's domain or gives a value that is not finite,
    eager's error for the first such element (its flat index named); ``rule`` is the float rule."""
    np = sys.modules["numpy"]
    arrays = [np.asarray(x) for x in xs]
    if all(a.dtype.kind in "biuf" for a in arrays):
        try:
            with np.errstate(all="ignore"):
                out = fn(*xs)
            if all(np.isfinite(a).all() for a in arrays) and np.isfinite(out).all():
                return out
        except (vocabulary.Failed, TypeError):  # a check failed, or a definition written with math takes no arrays
            pass
    # the exact path: every element through the float rule, which raises eager's error
    columns = [a.ravel().tolist() for a in np.broadcast_arrays(*arrays)]
    values = []
    for i, row in enumerate(zip(*columns)):
        try:
            values.append(rule(*(check_number(v, "", f"{who}: input") for v in row))[0])
        except (ArithmeticError, ValueError, TypeError) as e:
            raise type(e)(f"{who}: element {i}: {e}") from None
    return np.array(values, dtype=float).reshape(np.broadcast_shapes(*(a.shape for a in arrays)))


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
