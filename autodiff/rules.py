"""The primitives: each op's value and local derivatives, written once.

A definition takes the parents' values and returns ``(value, local_grads)``: the
node's value and d(node)/d(parent_i) for each parent. It is written with Python's
operators and a small vocabulary (``exp log sqrt tanh power where gt ge lt ne finite
maximum check``) that works on every kind of number, so each mode of the engine runs
the same definition on its own numbers: floats (eager, ``RULES``), Values
(``create_graph=True``: the derivatives come out as graphs), numpy arrays (batches)
and the traced numbers of ``autodiff.compile`` (they write the definition as source).
``check(ok, error, message, about)`` states a domain. Kinks by convention: relu'(0) =
abs'(0) = 0. What else is known of an op (arity, kinks, bounds) is in ``OPS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OVERFLOWS = "**: {0!r} ** {1!r} overflows a float; keep |base| ** exponent within the float range (about 1e308)"
NO_REAL_POWER = "**: negative base {0!r} with non-integer exponent {1!r} has no real value; use abs() or an integer"
POSITIVE_BASE = "**: base must be > 0 when the exponent is a Value, got {0!r}; use a number exponent, or exp(b*log(a))"
EXP_OVERFLOWS = (
    "exp: exp({0!r}) overflows a float (input must be <= 709.78); use logsumexp or a max-shift for softmax-like sums"
)


def add(a: Any, b: Any) -> Any:
    # d(a+b)/da = 1, d(a+b)/db = 1
    return a + b, (1.0, 1.0)


def sub(a: Any, b: Any) -> Any:
    # d(a-b)/da = 1, d(a-b)/db = -1
    return a - b, (1.0, -1.0)


def mul(a: Any, b: Any) -> Any:
    # d(a*b)/da = b, d(a*b)/db = a
    return a * b, (b, a)


def div(a: Any, b: Any) -> Any:
    # d(a/b)/da = 1/b, d(a/b)/db = -a/b**2 = -(a/b)/b
    check(
        ne(b, 0.0),
        ZeroDivisionError,
        "/: division by zero ({0!r} / 0.0); make the divisor nonzero, e.g. add a small epsilon",
        1,
    )
    q = a / b
    return q, (1.0 / b, -q / b)


def neg(a: Any) -> Any:
    # d(-a)/da = -1
    return -a, (-1.0,)


def pow_const(a: Any, n: float) -> Any:
    # d(a**n)/da = n * a**(n-1); the exponent n is a number, not a node
    if n != int(n):
        check(ge(a, 0.0), ValueError, NO_REAL_POWER, 0)
    if n < 0.0:
        check(ne(a, 0.0), ZeroDivisionError, "**: {0!r} ** {1!r} is a division by zero; make the base nonzero", 0)
    out = power(a, n)
    check(finite(out), OverflowError, OVERFLOWS, 0)
    return out, (0.0 if n == 0.0 else n * power(a, n - 1.0),)


def pow(a: Any, b: Any) -> Any:  # noqa: A001 - the table's name for x**y
    # d(a**b)/da = b * a**(b-1) = b * a**b / a, d(a**b)/db = a**b * ln(a)
    check(gt(a, 0.0), ValueError, POSITIVE_BASE, 0)
    out = power(a, b)
    check(finite(out), OverflowError, OVERFLOWS, 0)
    return out, (b * out / a, out * log(a))


def exp_(a: Any) -> Any:
    # d(e**a)/da = e**a
    out = exp(a)
    check(finite(out), OverflowError, EXP_OVERFLOWS, 0)
    return out, (out,)


def log_(a: Any) -> Any:
    # d(ln a)/da = 1/a
    check(gt(a, 0.0), ValueError, "log: input must be > 0, got {0!r}; clamp it or add a small epsilon", 0)
    return log(a), (1.0 / a,)


def sqrt_(a: Any) -> Any:
    # d(sqrt a)/da = d(a**0.5)/da = 0.5 a**-0.5: infinite at 0 (backward reports it)
    check(ge(a, 0.0), ValueError, "sqrt: input must be >= 0, got {0!r}; use abs() or square the input first", 0)
    return sqrt(a), (0.5 * power(a, -0.5),)


def tanh_(a: Any) -> Any:
    # d(tanh a)/da = 1 - tanh(a)**2
    t = tanh(a)
    return t, (1.0 - t * t,)


def sigmoid(a: Any) -> Any:
    # s(a) = 1 / (1 + e**-a), d(s(a))/da = s(a) (1 - s(a)); written with e**-|a|, which never overflows
    up = ge(a, 0.0)
    e = exp(where(up, -a, a))
    d = 1.0 + e
    s = where(up, 1.0 / d, e / d)
    return s, (s * (1.0 - s),)


def relu(a: Any) -> Any:
    # d(max(0, a))/da = 1 if a > 0 else 0
    up = gt(a, 0.0)
    return where(up, a, 0.0), (where(up, 1.0, 0.0),)


def abs_(a: Any) -> Any:
    # d|a|/da = sign(a), 0 at 0 (and |-0.0| = 0.0)
    up, down = gt(a, 0.0), lt(a, 0.0)
    return where(up, a, where(down, -a, 0.0)), (where(up, 1.0, where(down, -1.0, 0.0)),)


def table_op(op: str) -> str:
    """The key in ``autodiff.ops.OPS`` of a node's op: ``"**2"``, ``"**0.5"`` ... are all ``"**n"``."""
    return "**n" if op.startswith("**") and op != "**" else op


# -- the vocabulary ---------------------------------------------------------------------------
# The words a definition computes with. Each kind of number (floats, Values, numpy arrays, compile's
# traced numbers) speaks them its own way; autodiff.vocabulary picks the way by the kind of the
# inputs, and hands its words in here, once (autodiff/__init__ does it).

WORDS = ("exp", "log", "sqrt", "tanh", "power", "where", "gt", "ge", "lt", "ne", "finite", "maximum", "check")


def _not_handed_in(*xs: Any) -> Any:
    raise RuntimeError("autodiff.rules: the vocabulary is handed in when autodiff is imported; import autodiff")


# power(a, n): a ** n, where floats give inf rather than raise; where(cond, yes, no); gt ge lt ne: > >= < !=
# (of a Value: its data); finite(x): -inf < x < inf, so not NaN; maximum: the largest (of arrays, elementwise);
# check(ok, error, message, about): where ok is False, error(message) about input number `about`
exp = log = sqrt = tanh = power = where = gt = ge = lt = ne = finite = maximum = check = _not_handed_in


# eager mode's rules, each op's definition over floats, filled by autodiff/__init__: autodiff.eager
# writes each definition out for floats (the same numbers, without a call per word)
Rule = Callable[..., "tuple[float, tuple[float, ...]]"]
RULES: dict[str, Rule] = {}
"""Each op's definition over floats, ``rule(*parent_values) -> (value, local_grads)``; replace one to break it."""
