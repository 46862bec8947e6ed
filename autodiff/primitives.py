"""Your own primitives: a new op in the same table as the built-ins, and a checker for rules.

A primitive is a function of floats returning its value and one derivative per
input. Registered, it is a rule like ``tanh``: its nodes carry its name, and
``backward`` (push, pull, steps), ``draw``, the ``Stepper``, the HTML page,
``gradcheck`` and ``compile`` use it as they use the built-ins::

    @autodiff.primitive("softplus", derivative=lambda x: autodiff.sigmoid(x))
    def softplus(x):
        # softplus(x) = log(1 + e**x), d/dx = sigmoid(x)
        return math.log1p(math.exp(x)), (1.0 / (1.0 + math.exp(-x)),)

    softplus(Value(0.3) * 2)   # a Value whose op is "softplus"
    softplus(0.3)              # a float

``derivative=`` (optional) gives the derivative(s) again, as an expression of
Values, so that the op can be differentiated twice (``create_graph=True``,
``grad(grad(f))``, ``hessian``); without it only first derivatives are possible.

Policy, as for the built-ins: a value that is not finite is an ``OverflowError``
when the op is applied; a derivative that is not finite is recorded as it is
and left to ``backward``, which raises ``FloatingPointError`` naming the edge.
"""

from __future__ import annotations

import inspect
import keyword
import math
import numbers
import random
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import rules
from . import value as _value
from .gradcheck import Row, compare_grads
from .value import Value, _const


class PrimitiveWarning(UserWarning):
    """A primitive was registered again under the same name; the new definition replaces the old."""


class Primitive:
    """A registered op: call it on Values (a node named after it) or on numbers (a float).

    ``rule`` is what ``RULES[name]`` holds: the float function, its results
    checked; ``fn`` is the function as written, ``derivative`` the Value-level
    derivative or None.
    """

    def __init__(self, name: str, fn: Callable[..., Any], derivative: Callable[..., Any] | None) -> None:
        self.name = name
        self.fn = fn
        self.derivative = derivative
        self.arity = _arity(fn, name)  # (fewest inputs, most or None)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    def __call__(self, *xs: Value | float) -> Value | float:
        self._check_count(len(xs))
        if not any(isinstance(x, Value) for x in xs):
            return self.rule(*(_number(x, self.name, f"input {i}") for i, x in enumerate(xs)))[0]
        ps = tuple(x if isinstance(x, Value) else _const(x) for x in xs)
        v, d = self.rule(*[p.data for p in ps])
        return _value._node(v, self.name, ps, d)  # through the module: compile swaps _node while tracing

    def rule(self, *xs: float) -> tuple[float, tuple[float, ...]]:
        """``fn(*xs)`` checked: a finite value and one real derivative per input."""
        name, at = self.name, _inputs(xs)
        try:
            out = self.fn(*xs)
        except OverflowError as e:  # e.g. math.exp(1000.0) inside fn
            raise OverflowError(
                f"{name}: {e} at input(s) {at}; the inputs are too large for {name} as written: "
                "scale them down, or write it in a form that cannot overflow"
            ) from None
        if not isinstance(out, tuple) or len(out) != 2:
            raise TypeError(
                f"primitive {name!r} must return (value, derivatives), got {type(out).__name__} {out!r:.60} "
                f"at input(s) {at}; e.g. return math.tanh(x), (1.0 - math.tanh(x) ** 2,)"
            )
        v, d = out
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(
                f"primitive {name!r}: its value must be a real number, got {type(v).__name__} {v!r:.60} "
                f"at input(s) {at}"
            )
        v = float(v)
        if not math.isfinite(v):
            raise OverflowError(
                f"{name}: result is {v!r} for input(s) {at}; the inputs are outside what {name} can compute "
                "as written: scale them down, or write it in a form that stays finite"
            )
        if len(xs) == 1 and isinstance(d, numbers.Real) and not isinstance(d, bool):
            d = (d,)  # one input: a bare derivative is fine
        if not isinstance(d, (tuple, list)) or len(d) != len(xs):
            got = f"{len(d)} derivative(s)" if isinstance(d, (tuple, list)) else f"{type(d).__name__} {d!r:.60}"
            raise TypeError(
                f"primitive {name!r} returned {got} for {len(xs)} input(s) at {at}; return one derivative "
                "d(value)/d(input) per input, in the inputs' order, as a tuple: (d/dx,) for one input"
            )
        for i, di in enumerate(d):
            if isinstance(di, bool) or not isinstance(di, numbers.Real):
                raise TypeError(
                    f"primitive {name!r}: derivative {i} must be a real number, got {type(di).__name__} {di!r:.60} "
                    f"at input(s) {at}"
                )
        return v, tuple(map(float, d))  # not finite: left to backward, as for the built-ins

    def value_derivative(self, m: Any, out: Value, *xs: Value) -> tuple[Any, ...]:
        """``derivative(*xs)`` checked: one Value or number per input (``rules.DERIVATIVES``'s form)."""
        d = self.derivative(*xs)  # type: ignore[misc]
        if len(xs) == 1 and not isinstance(d, (tuple, list)):
            d = (d,)
        if not isinstance(d, (tuple, list)) or len(d) != len(xs):
            got = f"{len(d)} derivative(s)" if isinstance(d, (tuple, list)) else f"{type(d).__name__}"
            raise TypeError(
                f"primitive {self.name!r}: derivative= returned {got} for {len(xs)} input(s); "
                "return one derivative per input (a Value or a number), in the inputs' order"
            )
        for i, di in enumerate(d):
            if not isinstance(di, Value) and (isinstance(di, bool) or not isinstance(di, numbers.Real)):
                raise TypeError(
                    f"primitive {self.name!r}: derivative= gave {type(di).__name__} {di!r:.60} for input {i}; "
                    "give a Value (built from the inputs with Value operations) or a number"
                )
        return tuple(di if isinstance(di, Value) else float(di) for di in d)

    def _check_count(self, n: int) -> None:
        least, most = self.arity
        if n < max(least, 1) or (most is not None and n > most):
            want = f"{least} to {most}" if most != least else f"{least}"
            if most is None:
                want = f"at least {max(least, 1)}"
            raise TypeError(f"{self.name}: takes {want} input(s), got {n}")

    def __repr__(self) -> str:
        second = ", with derivative=" if self.derivative is not None else ""
        return f"<primitive {self.name!r}{second}>"


# name -> the Primitive registered under it (RULES holds its rule)
REGISTERED: dict[str, Primitive] = {}


def primitive(name: str, derivative: Callable[..., Any] | None = None) -> Callable[[Callable[..., Any]], Primitive]:
    """Register a new op: decorate a function of floats returning ``(value, derivatives)``.

    ``derivatives`` is a tuple with d(value)/d(input) for each input (a bare
    number is fine for one input). The decorated name becomes a ``Primitive``:
    given any Value it returns a node whose op is ``name``; given only numbers,
    the float value. ``derivative``, optional, is a function of the input Values
    returning the derivative(s) as Values, for differentiating twice.

    ``name`` must be an identifier and not a built-in op. Registering a name
    again (re-running a notebook cell) replaces the earlier definition and warns
    with ``PrimitiveWarning``; nodes built before keep the derivatives they recorded.
    """
    _check_name(name)
    if derivative is not None and not callable(derivative):
        raise TypeError(
            f"primitive {name!r}: derivative must be a function of the input Values (or None), "
            f"got {type(derivative).__name__} {derivative!r:.60}"
        )

    def register(fn: Callable[..., Any]) -> Primitive:
        if isinstance(fn, Primitive):
            fn = fn.fn
        if not callable(fn):
            raise TypeError(f"primitive {name!r}: decorate a function of floats, got {type(fn).__name__}")
        p = Primitive(name, fn, derivative)
        if name in rules.RULES:
            warnings.warn(
                f"primitive {name!r} registered again: the new definition replaces the old one "
                "(nodes built before keep the derivatives they recorded)",
                PrimitiveWarning,
                stacklevel=2,
            )
        rules.RULES[name] = p.rule
        if derivative is None:
            rules.DERIVATIVES.pop(name, None)
        else:
            rules.DERIVATIVES[name] = p.value_derivative
        REGISTERED[name] = p
        return p

    return register


def _check_name(name: object) -> None:
    if not isinstance(name, str):
        raise TypeError(f"primitive: name must be a str, got {type(name).__name__} {name!r:.60}")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(
            f"primitive: name must be a Python identifier (letters, digits and _, not a keyword), got {name!r}; "
            "it names the op in graphs, messages and compiled code"
        )
    if name in rules.BUILTINS:
        raise ValueError(f"primitive: {name!r} is a built-in op; choose another name, e.g. 'my_{name}'")


def _arity(fn: Callable[..., Any], name: str) -> tuple[int, int | None]:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature
        return 1, None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in positional)
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return required, None
    if not positional:
        raise TypeError(f"primitive {name!r}: the function must take its inputs as positional parameters (x or *xs)")
    return required, len(positional)


def _number(x: object, who: str, what: str) -> float:
    # a user's number as a finite float, or a clear error naming ``what`` it was (autodiff.functional uses it too)
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{who}: {what} must be a Value or a real number, got {type(x).__name__} {x!r:.60}")
    try:
        v = float(x)
    except OverflowError:
        raise ValueError(f"{who}: {what} is an int too large for a float; scale it down") from None
    if not math.isfinite(v):
        raise ValueError(f"{who}: {what} must be finite, got {v!r}; check it for NaN or inf")
    return v


def _inputs(xs: Sequence[float]) -> str:
    return "(" + ", ".join(repr(x) for x in xs[:4]) + (", ..." if len(xs) > 4 else "") + ")"


# -- check_rule: gradcheck a rule, first and second order -------------------------------------


@dataclass(frozen=True)
class RuleRow:
    """One comparison of ``check_rule``.

    ``check`` says which: ``"d/dx1"`` (the rule's derivative against central
    differences of its value), ``"as Value d/dx1"`` (the Value-level derivative
    against the rule's), ``"d2/dx1dx2"`` (the Value-level derivative's own
    derivative against central differences of it: a second derivative).
    """

    point: tuple[float, ...]
    check: str
    analytic: float
    numeric: float
    abs_err: float
    rel_err: float
    ok: bool


@dataclass(frozen=True)
class RuleReport:
    """What ``check_rule`` found: ``ok`` when every row passes (and there is at least one)."""

    name: str
    rows: tuple[RuleRow, ...]
    skipped: tuple[tuple[tuple[float, ...], str], ...]  # points outside the rule's domain, and why
    second_order: bool  # a Value-level derivative was there and checked

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def failures(self) -> tuple[RuleRow, ...]:
        return tuple(r for r in self.rows if not r.ok)

    def __str__(self) -> str:
        points = len({r.point for r in self.rows})
        order = "first and second derivatives" if self.second_order else "first derivatives (no derivative=: no second)"
        verdict = "ok" if self.ok else f"FAILED: {len(self.failures)} of {len(self.rows)} checks"
        lines = [f"check_rule {self.name!r}: {verdict}; {order} at {points} point(s)"]
        shown = self.failures or self.rows[:6]
        lines.append(f"  {'point':<28} {'check':<14} {'analytic':>16} {'numeric':>16} {'rel err':>10}")
        for r in shown[:20]:
            pt = ", ".join(f"{x:.6g}" for x in r.point)
            lines.append(
                f"  {pt[:28]:<28} {r.check:<14} {r.analytic:>16.10g} {r.numeric:>16.10g} {r.rel_err:>10.3g}"
                + ("" if r.ok else "   <-- FAIL")
            )
        if len(shown) > 20:
            lines.append(f"  ... and {len(shown) - 20} more")
        for where, why in self.skipped[:3]:
            lines.append(f"  skipped {where}: {why}")
        return "\n".join(lines)


def check_rule(
    fn_or_name: str | Primitive | Callable[..., Any],
    points: Sequence[Sequence[float] | float] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> RuleReport:
    """Gradcheck a rule at ``points`` (or at generated ones) and return a ``RuleReport``.

    ``fn_or_name`` is an op of ``RULES`` (``"tanh"``, ``"**3"``; ``"**n"`` checks
    several exponents), a ``Primitive``, or an unregistered function of floats
    returning ``(value, derivatives)``. At each point: the rule's derivatives
    against central differences of its value; with a Value-level derivative
    (every built-in, a primitive with ``derivative=``), that derivative against
    the rule's and its own derivatives (the second derivatives) against central
    differences of it. Points where the rule raises (outside its domain) are
    skipped and listed. Generated points are seeded, so a report is reproducible.
    """
    target = _target(fn_or_name)
    if target.name == "**n":
        reports = [check_rule(f"**{n}", points, eps, atol, rtol) for n in _EXPONENTS]
        return RuleReport(
            "**n",
            tuple(r for rep in reports for r in rep.rows),
            tuple(s for rep in reports for s in rep.skipped),
            all(rep.second_order for rep in reports),
        )
    pts = _points(target, points)
    rows: list[RuleRow] = []
    skipped: list[tuple[tuple[float, ...], str]] = []
    for pt in pts:
        try:
            target.rule(*pt)
        except (ArithmeticError, ValueError) as e:
            skipped.append((pt, str(e)))
            continue
        rows += _rows(pt, "d/dx", compare_grads(target.apply, list(pt), eps, atol, rtol))
        if target.second_order:
            rows += _second(target, pt, eps, atol, rtol)
    return RuleReport(target.name, tuple(rows), tuple(skipped), target.second_order)


def _rows(pt: tuple[float, ...], what: str, got: list[Row], suffix: str = "") -> list[RuleRow]:
    return [RuleRow(pt, f"{what}{suffix}{r.index + 1}", r.analytic, r.numeric, r.abs_err, r.rel_err, r.ok) for r in got]


def _second(target: _Target, pt: tuple[float, ...], eps: float, atol: float, rtol: float) -> list[RuleRow]:
    rows = []
    _, floats = target.rule(*pt)
    leaves = [Value(x) for x in pt]
    as_values = target.value_locals(target.apply(*leaves))
    for i, (d, f) in enumerate(zip(as_values, floats)):
        got = d.data if isinstance(d, Value) else float(d)
        err = abs(got - f) if math.isfinite(f) else math.inf
        rel = err / abs(f) if f != 0.0 else (0.0 if err == 0.0 else math.inf)
        rows.append(RuleRow(pt, f"as Value d/dx{i + 1}", got, f, err, rel, err <= 1e-12 + 1e-12 * abs(f)))

        def local_i(*xs: Value, i: int = i) -> Value:
            d = target.value_locals(target.apply(*xs))[i]
            return d if isinstance(d, Value) else _const(d)

        rows += _rows(pt, f"d2/dx{i + 1}", compare_grads(local_i, list(pt), eps, atol, rtol), "dx")
    return rows


class _Target:
    # what check_rule checks: a name, the float rule, the op applied to Values, the Value-level locals
    def __init__(
        self, name: str, rule: Callable[..., Any], apply: Callable[..., Any], arity: tuple[int, int | None]
    ) -> None:
        self.name, self.rule, self.apply, self.arity = name, rule, apply, arity
        self.second_order = rules.table_op(name) in rules.DERIVATIVES

    def value_locals(self, node: Value) -> tuple[Any, ...]:
        from .higher import local_values

        return local_values(node)


def _target(fn_or_name: object) -> _Target:
    if isinstance(fn_or_name, Primitive):
        p = fn_or_name
        # a definition since replaced in the table: its first derivatives only
        return _Target(p.name, p.rule, p, p.arity) if REGISTERED.get(p.name) is p else _unregistered(p)
    if isinstance(fn_or_name, str):
        op = fn_or_name
        key = rules.table_op(op)
        if key not in rules.RULES:
            raise ValueError(f"check_rule: no rule named {op!r}; the table has {', '.join(rules.RULES)}")
        if op == "**n":
            return _Target(op, rules.pow_const, lambda *xs: xs[0], (1, 1))
        if key == "**n":
            try:
                rules.const_exponent(op)
            except ValueError:
                raise ValueError(f"check_rule: {op!r} is not a constant power; write e.g. '**3' or '**0.5'") from None
        if key in REGISTERED:
            return _Target(op, REGISTERED[key].rule, REGISTERED[key], REGISTERED[key].arity)
        return _Target(op, lambda *xs: rules.apply(op, xs), lambda *vs: _apply(op, vs), _BUILTIN_ARITY.get(key, (1, 1)))
    if callable(fn_or_name):
        name = getattr(fn_or_name, "__name__", "rule")
        return _unregistered(Primitive(name if name.isidentifier() else "rule", fn_or_name, None))
    raise TypeError(
        f"check_rule: expects an op name (a str such as 'tanh'), a primitive, or a function of floats "
        f"returning (value, derivatives); got {type(fn_or_name).__name__} {fn_or_name!r:.60}"
    )


def _unregistered(p: Primitive) -> _Target:
    # a rule not in the table: first derivatives only, through a node that is never registered
    def apply(*vs: Value) -> Value:
        v, d = p.rule(*[x.data for x in vs])
        return _value._node(v, p.name, tuple(vs), d)

    t = _Target(p.name, p.rule, apply, p.arity)
    t.second_order = False
    return t


def _apply(op: str, vs: Sequence[Value]) -> Value:
    # a node of a built-in op made straight from its rule (the operator methods make the same)
    v, d = rules.apply(op, [x.data for x in vs])
    return _value._node(v, op, tuple(vs), d)


_BUILTIN_ARITY: dict[str, tuple[int, int | None]] = {
    "+": (2, 2),
    "-": (2, 2),
    "*": (2, 2),
    "/": (2, 2),
    "**": (2, 2),
    "sum": (1, None),
    "dot": (2, None),
    "logsumexp": (1, None),
}
_EXPONENTS = (2, 3, -1, -2, 0.5, 1.5, 0, 1)


def _points(target: _Target, points: Sequence[Sequence[float] | float] | None) -> list[tuple[float, ...]]:
    if points is not None:
        if isinstance(points, (str, bytes)) or not isinstance(points, Sequence):
            raise TypeError(f"check_rule: points must be a list of tuples of floats, got {type(points).__name__}")
        out = []
        for k, given in enumerate(points):
            pt = (given,) if isinstance(given, numbers.Real) else given
            if isinstance(pt, (str, bytes)) or not isinstance(pt, Sequence):
                raise TypeError(f"check_rule: point {k} must be a number or a tuple of numbers, got {pt!r:.60}")
            out.append(tuple(_number(x, "check_rule", f"input {i}") for i, x in enumerate(pt)))
        if not out:
            raise ValueError("check_rule: points is empty; give at least one point, or None to generate them")
        return out
    rng = random.Random(target.name)  # seeded by the name: the same points every run
    key = rules.table_op(target.name)
    sample = _DOMAINS.get(key)
    least, most = target.arity
    pts = []
    for k in range(8):
        if sample is not None:
            pts.append(sample(rng, k))
        else:  # a user's rule: inputs in [-2, 2], away from 0 where kinks like to sit
            n = max(least, 1) + k % 3 if most is None else min(max(least, 1) + k % 3, most)
            pts.append(tuple(rng.choice((-1.0, 1.0)) * rng.uniform(0.1, 2.0) for _ in range(n)))
    return pts


def _away(rng: random.Random) -> float:
    # a number in [-3, -0.1] or [0.1, 3]: away from the kinks of relu and abs, and from 0 for /
    return rng.choice((-1.0, 1.0)) * rng.uniform(0.1, 3.0)


def _pos(rng: random.Random) -> float:
    return rng.uniform(0.05, 4.0)


_DOMAINS: dict[str, Callable[[random.Random, int], tuple[float, ...]]] = {
    "+": lambda r, k: (r.uniform(-3, 3), r.uniform(-3, 3)),
    "-": lambda r, k: (r.uniform(-3, 3), r.uniform(-3, 3)),
    "*": lambda r, k: (r.uniform(-3, 3), r.uniform(-3, 3)),
    "/": lambda r, k: (r.uniform(-3, 3), _away(r)),
    "neg": lambda r, k: (r.uniform(-3, 3),),
    "**n": lambda r, k: (_pos(r) if k % 2 else _away(r),),  # negative bases: integer exponents only
    "**": lambda r, k: (_pos(r), r.uniform(-2, 2)),
    "exp": lambda r, k: (r.uniform(-4, 4),),
    "log": lambda r, k: (_pos(r),),
    "sqrt": lambda r, k: (_pos(r),),
    "tanh": lambda r, k: (r.uniform(-3, 3),),
    "sigmoid": lambda r, k: (r.uniform(-5, 5),),
    "relu": lambda r, k: (_away(r),),
    "abs": lambda r, k: (_away(r),),
    "sum": lambda r, k: tuple(r.uniform(-3, 3) for _ in range(1 + k % 4)),
    "dot": lambda r, k: tuple(r.uniform(-2, 2) for _ in range(2 * (1 + k % 3) + k % 2)),
    "logsumexp": lambda r, k: tuple(r.uniform(-4, 4) for _ in range(1 + k % 4)),
}
