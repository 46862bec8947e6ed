"""The derivative table: one small function per primitive.

Each rule takes the parents' ``data`` (floats) and returns ``(value, local_grads)``:
the node's value and the tuple of partial derivatives d(node)/d(parent_i), in the
order of the parents. Rules know nothing of graphs, nodes or labels; they raise
``ValueError``/``ZeroDivisionError``/``OverflowError`` for inputs outside their
domain, and ``autodiff.value`` adds the node's label to the message.

Kinks by convention: relu'(0) = 0 and abs'(0) = 0 (the subgradient 0, as PyTorch
does for relu). ``KINKS`` lists where a rule's derivative jumps, so gradcheck can
warn when finite differences straddle one.

``DERIVATIVES`` has the same local derivatives again as expressions that also run
on Values (for second derivatives); ``autodiff.primitive`` adds user ops to both
tables, beside the ``BUILTINS``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

_exp = math.exp
_INF = math.inf
_log = math.log
_tanh = math.tanh
_ONE = (1.0,)
_ONES2 = (1.0, 1.0)
_ZERO = (0.0,)
_PLUS_MINUS = (1.0, -1.0)
_MINUS = (-1.0,)


def add(a: float, b: float) -> tuple[float, tuple[float, ...]]:
    # d(a+b)/da = 1, d(a+b)/db = 1
    return a + b, _ONES2


def sub(a: float, b: float) -> tuple[float, tuple[float, ...]]:
    # d(a-b)/da = 1, d(a-b)/db = -1
    return a - b, _PLUS_MINUS


def mul(a: float, b: float) -> tuple[float, tuple[float, ...]]:
    # d(a*b)/da = b, d(a*b)/db = a
    return a * b, (b, a)


def div(a: float, b: float) -> tuple[float, tuple[float, ...]]:
    # d(a/b)/da = 1/b, d(a/b)/db = -a/b**2 = -(a/b)/b; a / b itself, bit for bit as Python
    # computes it. A derivative that overflows (b near 0) is left inf: backward reports it.
    if b == 0.0:
        raise ZeroDivisionError(
            f"/: division by zero ({a!r} / 0.0); make the divisor nonzero, e.g. add a small epsilon"
        )
    q = a / b
    return q, (1.0 / b, -q / b)


def neg(a: float) -> tuple[float, tuple[float, ...]]:
    # d(-a)/da = -1
    return -a, _MINUS


def pow_const(a: float, n: float) -> tuple[float, tuple[float, ...]]:
    # d(a**n)/da = n * a**(n-1); the exponent n is a constant, not a node
    if a < 0.0 and n != int(n):
        raise ValueError(
            f"**: negative base {a!r} with non-integer exponent {n!r} has no real value; "
            "use abs() of the base or an integer exponent"
        )
    if a == 0.0:
        if n < 0.0:
            raise ZeroDivisionError(f"**: 0.0 ** {n!r} is a division by zero; make the base nonzero")
        if n == 0.0:
            return 1.0, _ZERO
        if n < 1.0:  # 0 ** n = 0, but its derivative is infinite: backward reports it
            return a**n, (_INF,)
    try:
        out = a**n
    except OverflowError:
        raise OverflowError(f"**: {a!r} ** {n!r} overflows a float; scale the input down") from None
    try:
        return out, (n * a ** (n - 1.0),)
    except OverflowError:  # a finite value whose derivative overflows: left inf, backward reports it
        sign = -1.0 if (a < 0.0 and (n - 1.0) % 2.0 == 1.0) else 1.0
        return out, (math.copysign(_INF, n) * sign,)


def pow(a: float, b: float) -> tuple[float, tuple[float, ...]]:  # noqa: A001 - the table's name for x**y
    # d(a**b)/da = b * a**(b-1), d(a**b)/db = a**b * ln(a)
    if a <= 0.0:
        raise ValueError(
            f"**: base must be > 0 when the exponent is a Value, got {a!r}; "
            "use a number exponent, or exp(b * log(a)) with a positive a"
        )
    try:
        out = a**b
    except OverflowError:
        raise OverflowError(f"**: {a!r} ** {b!r} overflows a float; scale the input down") from None
    return out, (b * out / a, out * _log(a))


def exp(a: float) -> tuple[float, tuple[float, ...]]:
    # d(e**a)/da = e**a
    try:
        out = _exp(a)
    except OverflowError:
        raise OverflowError(
            f"exp: exp({a!r}) overflows a float (input must be <= 709.78); "
            "use logsumexp or a max-shift for softmax-like sums"
        ) from None
    return out, (out,)


def log(a: float) -> tuple[float, tuple[float, ...]]:
    # d(ln a)/da = 1/a (inf for a subnormal a: backward reports it)
    if a <= 0.0:
        raise ValueError(f"log: input must be > 0, got {a!r}; clamp it or add a small epsilon")
    return _log(a), (1.0 / a,)


def sqrt(a: float) -> tuple[float, tuple[float, ...]]:
    # d(sqrt a)/da = 1 / (2 sqrt a); infinite at 0 (left inf: backward reports it)
    if a < 0.0:
        raise ValueError(f"sqrt: input must be >= 0, got {a!r}; use abs() or square the input first")
    out = math.sqrt(a)
    return out, (0.5 / out if out else _INF,)


def tanh(a: float) -> tuple[float, tuple[float, ...]]:
    # d(tanh a)/da = 1 - tanh(a)**2
    t = _tanh(a)
    return t, (1.0 - t * t,)


def sigmoid(a: float) -> tuple[float, tuple[float, ...]]:
    # d(s(a))/da = s(a) * (1 - s(a)); two branches so exp never overflows
    if a >= 0.0:
        s = 1.0 / (1.0 + _exp(-a))
    else:
        e = _exp(a)
        s = e / (1.0 + e)
    return s, (s * (1.0 - s),)


def relu(a: float) -> tuple[float, tuple[float, ...]]:
    # d(max(0, a))/da = 1 if a > 0 else 0 (relu'(0) = 0 by convention)
    return (a, _ONE) if a > 0.0 else (0.0, _ZERO)


def abs_(a: float) -> tuple[float, tuple[float, ...]]:
    # d|a|/da = sign(a) (abs'(0) = 0 by convention)
    if a > 0.0:
        return a, _ONE
    if a < 0.0:
        return -a, _MINUS
    return 0.0, _ZERO


def sum_(*xs: float) -> tuple[float, tuple[float, ...]]:
    # d(x_1 + ... + x_n)/dx_i = 1; added left to right, as compiled code does
    total = xs[0]
    for x in xs[1:]:
        total += x
    return total, (1.0,) * len(xs)


def dot(*args: float) -> tuple[float, tuple[float, ...]]:
    # parents w_1..w_n, x_1..x_n and, when their count is odd, a bias b:
    # d(b + sum_i w_i x_i)/dw_i = x_i, d/dx_i = w_i, d/db = 1.
    # Added as micrograd's neuron adds (sum(w*x, b)): b + w_1 x_1 + w_2 x_2 + ..., left to right
    n = len(args) // 2
    ws, xs = args[:n], args[n : 2 * n]
    if len(args) > 2 * n:
        total = args[-1]
        for i in range(n):
            total += ws[i] * xs[i]
    else:
        total = ws[0] * xs[0]
        for i in range(1, n):
            total += ws[i] * xs[i]
    return total, xs + ws + _ONE * (len(args) - 2 * n)


def logsumexp(*xs: float) -> tuple[float, tuple[float, ...]]:
    # d(log sum_j e**x_j)/dx_i = softmax(x)_i; shifted by max(x) so exp never overflows
    m = max(xs)
    es = [_exp(x - m) for x in xs]
    total = math.fsum(es)
    return m + _log(total), tuple(e / total for e in es)


Rule = Callable[..., "tuple[float, tuple[float, ...]]"]

# op name (as stored in Value.op) -> rule. "**" is x**y with both Values; a constant
# exponent n gives op "**n" (e.g. "**2", "**-1"), whose rule is pow_const.
RULES: dict[str, Rule] = {
    "+": add,
    "-": sub,
    "*": mul,
    "/": div,
    "neg": neg,
    "**n": pow_const,
    "**": pow,
    "exp": exp,
    "log": log,
    "sqrt": sqrt,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "abs": abs_,
    "sum": sum_,
    "dot": dot,
    "logsumexp": logsumexp,
}

# -- the same rules as Python expressions, for compiled code (autodiff.compile) --------
#
# op -> function(out, args) giving the forward expression and one expression per
# parent for its local derivative, over the names of the parents' values (args)
# and of the node's own value (out). Each computes exactly the floats its rule
# does (tests compare them on every point of the rule tests). Ops not listed are
# compiled as a call of their rule function, which keeps their domain checks.
Code = Callable[[str, Sequence[str]], "tuple[str, list[str]]"]
CODE: dict[str, Code] = {
    "+": lambda out, a: (f"{a[0]} + {a[1]}", ["1.0", "1.0"]),
    "-": lambda out, a: (f"{a[0]} - {a[1]}", ["1.0", "-1.0"]),
    "*": lambda out, a: (f"{a[0]} * {a[1]}", [a[1], a[0]]),
    "neg": lambda out, a: (f"-{a[0]}", ["-1.0"]),
    "exp": lambda out, a: (f"exp({a[0]})", [out]),
    "tanh": lambda out, a: (f"tanh({a[0]})", [f"1.0 - {out} * {out}"]),
    "relu": lambda out, a: (f"{a[0]} if {a[0]} > 0.0 else 0.0", [f"1.0 if {a[0]} > 0.0 else 0.0"]),
    "abs": lambda out, a: (
        f"{a[0]} if {a[0]} > 0.0 else (-{a[0]} if {a[0]} < 0.0 else 0.0)",
        [f"1.0 if {a[0]} > 0.0 else (-1.0 if {a[0]} < 0.0 else 0.0)"],
    ),
    "sum": lambda out, a: (" + ".join(a), ["1.0"] * len(a)),
    "dot": lambda out, a: (
        " + ".join(list(a[2 * (len(a) // 2) :]) + [f"{a[i]} * {a[len(a) // 2 + i]}" for i in range(len(a) // 2)]),
        list(a[len(a) // 2 : 2 * (len(a) // 2)]) + list(a[: len(a) // 2]) + ["1.0"] * (len(a) % 2),
    ),
}

# -- the same rules over numpy arrays, one element per sample (Compiled.batch) ------------
#
# op -> function(np, ...) giving the value and the local derivatives, elementwise over arrays
# (a parent may also be a float or an array that broadcasts: a parameter or a constant).
# ``np`` is numpy, passed in by the caller, so this module never imports it. Unary and
# binary rules take their parents' arrays; "**n" takes the array and the constant exponent;
# the n-ary rules (sum, dot, logsumexp) take one array stacking the parents on axis 0 and
# return their local derivatives stacked the same way (or a float that broadcasts).
# A rule's branches become ``where``; an input outside the rule's domain gives NaN or inf in
# the value, never an exception, so the caller finds the sample and replays it eagerly for
# eager's own error. Each gives the float rule's numbers to a few ulps (numpy's exp, log and
# tanh are not Python's; sums may add in another order): tests compare every point.


def _b_div(np: Any, a: Any, b: Any) -> tuple[Any, tuple[Any, ...]]:
    # b == 0: inf or NaN, reported as eager reports it
    q = a / b
    return q, (1.0 / b, -q / b)


def _b_pow_const(np: Any, a: Any, n: float) -> tuple[Any, tuple[Any, ...]]:
    # a negative base with a fractional n is NaN, 0 ** negative n is inf: both reported
    d = n * a ** (n - 1.0)
    if n == 0.0:  # d(a**0)/da = 0, also at a = 0 (where 0 * a**-1 is NaN); inf*0 where a**-1 overflows, as the rule
        d = np.where(a == 0.0, 0.0, d)
    return a**n, (d,)


def _b_pow(np: Any, a: Any, b: Any) -> tuple[Any, tuple[Any, ...]]:
    out = np.where(a > 0.0, a**b, np.nan)  # a base <= 0 is out of the rule's domain (0**b would be finite)
    return out, (b * out / a, out * np.log(a))


def _b_sigmoid(np: Any, a: Any) -> tuple[Any, tuple[Any, ...]]:
    e = np.exp(-np.abs(a))  # the rule's two branches: exp(-a) for a >= 0, exp(a) below, never overflowing
    s = np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s, (s * (1.0 - s),)


def _b_relu(np: Any, a: Any) -> tuple[Any, tuple[Any, ...]]:
    up = a > 0.0
    return np.where(up, a, 0.0), (up * 1.0,)


def _b_abs(np: Any, a: Any) -> tuple[Any, tuple[Any, ...]]:
    sign = np.where(a > 0.0, 1.0, np.where(a < 0.0, -1.0, 0.0))
    return sign * a, (sign,)


def _b_dot(np: Any, xs: Any) -> tuple[Any, Any]:
    n = len(xs) // 2
    total = (xs[:n] * xs[n : 2 * n]).sum(axis=0)
    if len(xs) > 2 * n:
        total = xs[-1] + total
    return total, np.concatenate([xs[n : 2 * n], xs[:n], np.ones_like(xs[2 * n :])])


def _b_logsumexp(np: Any, xs: Any) -> tuple[Any, Any]:
    m = xs.max(axis=0)  # shifted by the max, as the rule: exp never overflows
    es = np.exp(xs - m)
    total = es.sum(axis=0)
    return m + np.log(total), es / total


Batched = Callable[..., "tuple[Any, Any]"]
BATCHED: dict[str, Batched] = {
    "+": lambda np, a, b: (a + b, (1.0, 1.0)),
    "-": lambda np, a, b: (a - b, (1.0, -1.0)),
    "*": lambda np, a, b: (a * b, (b, a)),
    "/": _b_div,
    "neg": lambda np, a: (-a, (-1.0,)),
    "**n": _b_pow_const,
    "**": _b_pow,
    "exp": lambda np, a: (lambda out: (out, (out,)))(np.exp(a)),
    "log": lambda np, a: (np.log(a), (1.0 / a,)),  # a <= 0: -inf or NaN
    "sqrt": lambda np, a: (lambda out: (out, (0.5 / out,)))(np.sqrt(a)),  # a < 0: NaN; at 0 the derivative is inf
    "tanh": lambda np, a: (lambda t: (t, (1.0 - t * t,)))(np.tanh(a)),
    "sigmoid": _b_sigmoid,
    "relu": _b_relu,
    "abs": _b_abs,
    "sum": lambda np, xs: (xs.sum(axis=0), 1.0),
    "dot": _b_dot,
    "logsumexp": _b_logsumexp,
}
NARY = frozenset({"sum", "dot", "logsumexp"})  # the BATCHED rules that take their parents stacked

# op name -> input value where the derivative is discontinuous
KINKS: dict[str, float] = {"relu": 0.0, "abs": 0.0}

# -- the same derivatives as expressions, for second order (create_graph) -----------------
#
# op -> function(m, out, *args) giving d(out)/d(arg_i) for each parent, written once over
# Python's operators and a namespace m of elementary functions (m.exp, m.log, m.data), so
# one definition runs on floats (m = FLOATS: it then gives the rule's derivatives bit for
# bit, logsumexp to a few ulps; tests check every point) and on Values (create_graph: the
# derivative is itself a graph, differentiable again). ``out`` is the node's value, ``args``
# its parents'; a derivative that is a constant (or piecewise constant) is a plain float.
# The rules above inline the same expressions for speed.


def _d_pow_const(m: Any, out: Any, a: Any, n: float) -> tuple[Any, ...]:
    # d(a**n)/da = n * a**(n-1); 0 for n = 0 (also at a = 0, where a**(n-1) is undefined)
    if n == 0.0 and m.data(a) == 0.0:
        return (0.0,)
    return (n * a ** (n - 1.0),)


def _d_abs(m: Any, out: Any, a: Any) -> tuple[Any, ...]:
    # d|a|/da = sign(a), 0 at 0
    x = m.data(a)
    return (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0,)


def _d_dot(m: Any, out: Any, *args: Any) -> tuple[Any, ...]:
    # d/dw_i = x_i, d/dx_i = w_i, d/db = 1
    n = len(args) // 2
    return args[n : 2 * n] + args[:n] + (1.0,) * (len(args) - 2 * n)


Derivative = Callable[..., "tuple[Any, ...]"]
DERIVATIVES: dict[str, Derivative] = {
    "+": lambda m, out, a, b: (1.0, 1.0),
    "-": lambda m, out, a, b: (1.0, -1.0),
    "*": lambda m, out, a, b: (b, a),
    "/": lambda m, out, a, b: (1.0 / b, -out / b),
    "neg": lambda m, out, a: (-1.0,),
    "**n": _d_pow_const,
    "**": lambda m, out, a, b: (b * out / a, out * m.log(a)),
    "exp": lambda m, out, a: (out,),
    "log": lambda m, out, a: (1.0 / a,),
    "sqrt": lambda m, out, a: (0.5 / out,),
    "tanh": lambda m, out, a: (1.0 - out * out,),
    "sigmoid": lambda m, out, a: (out * (1.0 - out),),
    "relu": lambda m, out, a: (1.0 if m.data(a) > 0.0 else 0.0,),
    "abs": _d_abs,
    "sum": lambda m, out, *xs: (1.0,) * len(xs),
    "dot": _d_dot,
    "logsumexp": lambda m, out, *xs: tuple(m.exp(x - out) for x in xs),  # softmax: e**(x_i - lse)
}

# the namespace DERIVATIVES is written over, for floats (backprop has the one for Values)
FLOATS = SimpleNamespace(exp=math.exp, log=math.log, data=lambda x: x)

# the ops that come with the engine; autodiff.primitive adds user ops to RULES beside them
BUILTINS = frozenset(RULES)


def table_op(op: str) -> str:
    """The key in ``RULES`` of a node's op: ``"**2"``, ``"**0.5"`` ... are all ``"**n"``."""
    return "**n" if op.startswith("**") and op != "**" else op


def rule_for(op: str) -> Rule:
    """The rule of a node's op (``"**2"`` maps to ``pow_const``)."""
    return RULES[table_op(op)]


def const_exponent(op: str) -> float:
    """The constant exponent n stored in an op name ``"**n"``."""
    return float(op[2:])


def apply(op: str, xs: Sequence[float]) -> tuple[float, tuple[float, ...]]:
    """Evaluate the rule of ``op`` on parent values ``xs`` (used by tests)."""
    if table_op(op) == "**n":
        return pow_const(xs[0], const_exponent(op))
    return RULES[op](*xs)


def derivatives(m: Any, op: str, out: Any, args: Sequence[Any]) -> tuple[Any, ...]:
    """The local derivatives of a node of ``op`` from ``DERIVATIVES``, over namespace ``m``.

    Raises ``KeyError`` for an op without an entry (a user primitive registered
    without ``derivative=``).
    """
    key = table_op(op)
    if key == "**n":
        return _d_pow_const(m, out, args[0], const_exponent(op))
    local: tuple[Any, ...] = DERIVATIVES[key](m, out, *args)
    return local
