"""The primitives: each op's value and local derivatives, written once.

A definition takes the parents' values and returns ``(value, local_grads)``: the
node's value and d(node)/d(parent_i) for each parent. It is written with Python's
operators and a small vocabulary (``exp log sqrt tanh where gt ge ne finite check
maximum``) that works on every kind of number, so each mode of the engine is the
same definition run on its own numbers: floats (eager mode, ``RULES``), Values
(``backward(create_graph=True)``: the derivatives come out as graphs), numpy arrays
(``Compiled.batch``) and the traced numbers of ``autodiff.compile``, which bring
their own vocabulary (``vocabulary``) and turn a definition into source code.

``check(ok, error, message, about)`` states a domain: over floats it raises
``error(message)`` where ``ok`` is False; over arrays it raises ``Failed`` if it fails
for any sample (the batch is then run a sample at a time, for eager's error); Values
pass it (their numbers were checked when the node was made). Kinks by convention:
relu'(0) = abs'(0) = 0. What else is known of an op (arity, kinks, where to
sample it, bounds) is recorded with it in ``OPS``.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

INF = math.inf


# -- the definitions ------------------------------------------------------------------------

DIVIDE_BY_ZERO = "/: division by zero ({0!r} / 0.0); make the divisor nonzero, e.g. add a small epsilon"
NO_REAL_POWER = "**: negative base {0!r} with non-integer exponent {1!r} has no real value; " + (
    "use abs() of the base or an integer exponent"
)
POSITIVE_BASE = "**: base must be > 0 when the exponent is a Value, got {0!r}; " + (
    "use a number exponent, or exp(b * log(a)) with a positive a"
)
EXP_OVERFLOWS = "exp: exp({0!r}) overflows a float (input must be <= 709.78); " + (
    "use logsumexp or a max-shift for softmax-like sums"
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
        check(ne(a, 0.0), ZeroDivisionError, "**: 0.0 ** {1!r} is a division by zero; make the base nonzero", 0)
    out = a**n
    check(finite(out), OverflowError, "**: {0!r} ** {1!r} overflows a float; scale the input down", 0)
    return out, (0.0 if n == 0.0 else n * a ** (n - 1.0),)


def pow(a: Any, b: Any) -> Any:  # noqa: A001 - the table's name for x**y
    # d(a**b)/da = b * a**(b-1) = b * a**b / a, d(a**b)/db = a**b * ln(a)
    check(gt(a, 0.0), ValueError, POSITIVE_BASE, 0)
    out = a**b
    check(finite(out), OverflowError, "**: {0!r} ** {1!r} overflows a float; scale the input down", 0)
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
    # d(sqrt a)/da = 1 / (2 sqrt a): infinite at 0 (backward reports it)
    check(ge(a, 0.0), ValueError, "sqrt: input must be >= 0, got {0!r}; use abs() or square the input first", 0)
    out = sqrt(a)
    return out, (0.5 / out,)


def tanh_(a: Any) -> Any:
    # d(tanh a)/da = 1 - tanh(a)**2
    t = tanh(a)
    return t, (1.0 - t * t,)


def sigmoid(a: Any) -> Any:
    # s(a) = 1 / (1 + e**-a), d(s(a))/da = s(a) (1 - s(a)); written with e**-|a|, which never overflows
    up = ge(a, 0.0)
    e = exp(where(up, -a, a))
    s = where(up, 1.0 / (1.0 + e), e / (1.0 + e))
    return s, (s * (1.0 - s),)


def relu(a: Any) -> Any:
    # d(max(0, a))/da = 1 if a > 0 else 0
    up = gt(a, 0.0)
    return where(up, a, 0.0), (where(up, 1.0, 0.0),)


def abs_(a: Any) -> Any:
    # d|a|/da = sign(a), 0 at 0 (and |-0.0| = 0.0)
    up, down = gt(a, 0.0), lt(a, 0.0)
    return where(up, a, where(down, -a, 0.0)), (where(up, 1.0, where(down, -1.0, 0.0)),)


def sum_(*xs: Any) -> Any:
    # d(x_1 + ... + x_n)/dx_i = 1; added left to right
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total, (1.0,) * len(xs)


def dot(*args: Any) -> Any:
    # parents w_1..w_n, x_1..x_n and, when their count is odd, a bias b:
    # d(b + sum_i w_i x_i)/dw_i = x_i, d/dx_i = w_i, d/db = 1; added as micrograd's neuron: b + w_1 x_1 + ...
    n = len(args) // 2
    ws, xs = args[:n], args[n : 2 * n]
    total = ws[0] * xs[0] if len(args) == 2 * n else args[-1] + ws[0] * xs[0]
    for i in range(1, n):
        total = total + ws[i] * xs[i]
    return total, xs + ws + (1.0,) * (len(args) - 2 * n)


def logsumexp(*xs: Any) -> Any:
    # d(log sum_j e**x_j)/dx_i = softmax(x)_i; shifted by m = max(x), so exp never overflows
    m = maximum(*xs)
    es = [exp(x - m) for x in xs]
    total = es[0]
    for e in es[1:]:
        total = total + e
    return m + log(total), tuple(e / total for e in es)


# -- the facts --------------------------------------------------------------------------------


class Op(NamedTuple):
    """A primitive: its definition and what is known of it.

    ``arity`` (fewest, most or None); ``kink``: the input where the derivative
    jumps, or None; ``domain``: where ``check_rule`` samples ("real", "pos", "away"
    from 0, "base" of a power, "nonzero" divisor second); ``bounded``: every local
    derivative is at most max(1, |value|, |inputs|) in magnitude; ``shrinks``:
    |value| <= max(1, |input|) (compiled mode's overflow bounds rely on both).
    """

    name: str
    define: Callable[..., Any]
    arity: tuple[int, int | None]
    kink: float | None = None
    domain: str = "real"
    bounded: bool = False
    shrinks: bool = False


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("+", add, (2, 2), bounded=True),
        Op("-", sub, (2, 2), bounded=True),
        Op("*", mul, (2, 2), bounded=True),
        Op("/", div, (2, 2), domain="nonzero"),
        Op("neg", neg, (1, 1), bounded=True, shrinks=True),
        Op("**n", pow_const, (1, 1), domain="base"),
        Op("**", pow, (2, 2), domain="pos"),
        Op("exp", exp_, (1, 1), bounded=True),
        Op("log", log_, (1, 1), domain="pos"),
        Op("sqrt", sqrt_, (1, 1), domain="pos"),
        Op("tanh", tanh_, (1, 1), bounded=True, shrinks=True),
        Op("sigmoid", sigmoid, (1, 1), shrinks=True),
        Op("relu", relu, (1, 1), 0.0, "away", bounded=True, shrinks=True),
        Op("abs", abs_, (1, 1), 0.0, "away", bounded=True, shrinks=True),
        Op("sum", sum_, (1, None), bounded=True),
        Op("dot", dot, (2, None), bounded=True),
        Op("logsumexp", logsumexp, (1, None)),
    )
}
KINKS: dict[str, float] = {op.name: op.kink for op in OPS.values() if op.kink is not None}


def table_op(op: str) -> str:
    """The key in ``OPS`` of a node's op: ``"**2"``, ``"**0.5"`` ... are all ``"**n"``."""
    return "**n" if op.startswith("**") and op != "**" else op


def const_exponent(op: str) -> float:
    """The constant exponent n stored in an op name ``"**n"``."""
    return float(op[2:])


# -- the vocabulary: one function for every kind of number ----------------------------------
#
# Floats first (the hot path): Python's math, which may raise where IEEE gives inf (RULES then
# runs the definition again on IEEE floats). A Value, an IEEE float or a traced number has the
# method; a numpy array gets numpy's function; a number that brings a ``vocabulary`` (compile's
# traced numbers) is handed to it.


def exp(x: Any) -> Any:
    """e**x."""
    return math.exp(x) if type(x) is float else _elementary("exp", x)


def log(x: Any) -> Any:
    """The natural logarithm."""
    return math.log(x) if type(x) is float else _elementary("log", x)


def sqrt(x: Any) -> Any:
    """The square root."""
    return math.sqrt(x) if type(x) is float else _elementary("sqrt", x)


def tanh(x: Any) -> Any:
    """The hyperbolic tangent."""
    return math.tanh(x) if type(x) is float else _elementary("tanh", x)


def _elementary(name: str, x: Any) -> Any:
    if isinstance(x, int) and not isinstance(x, bool):
        return getattr(math, name)(x)
    method = getattr(x, name, None)
    if method is not None:
        return method()
    if hasattr(x, "__array_ufunc__"):  # a numpy array, or one of numpy's scalars
        return getattr(sys.modules["numpy"], name)(x)
    raise TypeError(f"{name}: expects a number, a Value or a numpy array, got {type(x).__name__} {x!r:.60}")


def where(cond: Any, yes: Any, no: Any) -> Any:
    """``yes`` where ``cond`` holds, else ``no`` (elementwise for arrays)."""
    if type(cond) is bool:
        return yes if cond else no
    own = _own(cond)
    return own.where(cond, yes, no) if own else sys.modules["numpy"].where(cond, yes, no)


def gt(a: Any, b: Any) -> Any:
    """a > b (of a Value, its data)."""
    if type(a) is float:
        return a > b
    own = _own(a, b)
    return own.compare(">", a, b) if own else _number(a) > _number(b)


def ge(a: Any, b: Any) -> Any:
    """a >= b (of a Value, its data)."""
    if type(a) is float:
        return a >= b
    own = _own(a, b)
    return own.compare(">=", a, b) if own else _number(a) >= _number(b)


def lt(a: Any, b: Any) -> Any:
    """a < b (of a Value, its data)."""
    if type(a) is float:
        return a < b
    own = _own(a, b)
    return own.compare("<", a, b) if own else _number(a) < _number(b)


def ne(a: Any, b: Any) -> Any:
    """a != b as numbers (of a Value, its data)."""
    if type(a) is float:
        return a != b
    own = _own(a, b)
    return own.compare("!=", a, b) if own else _number(a) != _number(b)


def finite(x: Any) -> Any:
    """-inf < x < inf, so not NaN either."""
    if type(x) is float:
        return -INF < x < INF
    own = _own(x)
    if own:
        return own.finite(x)
    x = _number(x)
    return (-INF < x) & (x < INF)


def maximum(*xs: Any) -> Any:
    """The largest of xs (elementwise for arrays; for Values, the largest data: a number)."""
    own = _own(*xs)
    if own:
        return own.maximum(*xs)
    if any(hasattr(x, "__array_ufunc__") for x in xs):
        return functools.reduce(sys.modules["numpy"].maximum, xs)
    return max(map(_number, xs))


def check(ok: Any, error: type[Exception], message: str, about: int = 0) -> None:
    """State a domain: raise ``Failed`` where ``ok`` is False (for arrays: anywhere), see the module docstring."""
    if ok is False or (hasattr(ok, "__array_ufunc__") and not ok.all()):
        raise Failed(Check(error, message, about))
    own = _own(ok)
    if own:
        own.check(ok, Check(error, message, about))


class Check(NamedTuple):
    """A domain a definition states: ``error(message.format(*inputs))`` where it fails."""

    error: type[Exception]
    message: str
    about: int  # which input the message is about (e.g. the divisor): eager mode names its node

    def exception(self, inputs: tuple[Any, ...]) -> Exception:
        err = self.error(self.message.format(*[float(x) for x in inputs]))
        err.about = self.about  # type: ignore[attr-defined]
        return err


class Failed(Exception):
    """A check failed over floats; ``RULES`` turns it into the check's own exception."""

    def __init__(self, check: Check) -> None:
        self.check = check


def _own(*xs: Any) -> Any:
    for x in xs:
        own = getattr(x, "vocabulary", None)
        if own is not None:
            return own
    return None


def _number(x: Any) -> Any:
    # a Value's data; numbers and arrays as they are
    return x if isinstance(x, (float, int)) or hasattr(x, "__array_ufunc__") else x.data


# -- IEEE floats: arithmetic that gives inf and nan where Python raises -------------------------


class IEEE(float):
    """A float whose arithmetic never raises: ``0.5 / 0.0`` is inf, ``1e300 ** 2`` is inf, as in C or numpy."""

    __slots__ = ()

    def __add__(self, o: Any) -> IEEE:
        return IEEE(float(self) + o)

    __radd__ = __add__

    def __sub__(self, o: Any) -> IEEE:
        return IEEE(float(self) - o)

    def __rsub__(self, o: Any) -> IEEE:
        return IEEE(o - float(self))

    def __mul__(self, o: Any) -> IEEE:
        return IEEE(float(self) * o)

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> IEEE:
        return IEEE(_divide(float(self), float(o)))

    def __rtruediv__(self, o: Any) -> IEEE:
        return IEEE(_divide(float(o), float(self)))

    def __pow__(self, o: Any) -> IEEE:  # type: ignore[override]
        return IEEE(_power(float(self), float(o)))

    def __neg__(self) -> IEEE:
        return IEEE(-float(self))

    def __abs__(self) -> IEEE:
        return IEEE(abs(float(self)))

    def exp(self) -> IEEE:
        return IEEE(math.exp(self) if self < 709.0 else _power(math.e, float(self)))

    def log(self) -> IEEE:
        return IEEE(math.log(self) if self > 0.0 else -INF if self == 0.0 else math.nan)

    def sqrt(self) -> IEEE:
        return IEEE(math.sqrt(self) if self >= 0.0 else math.nan)

    def tanh(self) -> IEEE:
        return IEEE(math.tanh(self))


def _divide(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        return math.nan if a == 0.0 or a != a else math.copysign(INF, a) * math.copysign(1.0, b)


def _power(a: float, e: float) -> float:
    try:
        out = a**e
    except (ZeroDivisionError, OverflowError):  # a pole (0 ** -1) or an overflow: inf, -inf for odd powers of a < 0
        odd = e == int(e) and int(e) % 2 == 1
        return -INF if odd and math.copysign(1.0, a) < 0.0 else INF
    return out if isinstance(out, float) else math.nan  # complex: a negative base to a fractional power


# -- RULES: the definitions over floats, eager mode's ----------------------------------------

Rule = Callable[..., "tuple[float, tuple[float, ...]]"]


def float_rule(define: Callable[..., Any]) -> Rule:
    """``define`` over floats: Python's arithmetic, and where it raises (a pole, an overflow) the same
    definition over ``IEEE`` floats, whose inf the caller then reports; a failed check raises its error."""

    def rule(*xs: float) -> tuple[float, tuple[float, ...]]:
        try:
            try:
                return define(*xs)  # type: ignore[no-any-return]
            except ArithmeticError:
                value, local = define(*map(IEEE, xs))
                return float(value), tuple(map(float, local))
        except Failed as f:
            raise f.check.exception(xs) from None

    rule.__name__ = rule.__qualname__ = define.__name__
    rule.__doc__ = define.__doc__
    return rule


RULES: dict[str, Rule] = {name: float_rule(op.define) for name, op in OPS.items()}


def apply(op: str, xs: tuple[float, ...] | list[float]) -> tuple[float, tuple[float, ...]]:
    """Evaluate the float rule of ``op`` (``"**2"`` included) on parent values ``xs``."""
    if table_op(op) == "**n":
        return RULES["**n"](xs[0], const_exponent(op))
    return RULES[op](*xs)
