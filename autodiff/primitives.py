"""Your own primitives: a new op written once, and a checker for rules.

A primitive is written as the built-ins are (``autodiff.rules``): a function of its
inputs returning its value and one derivative per input, with Python's operators and
``autodiff``'s elementary functions, which work on floats, Values and numpy arrays::

    @autodiff.primitive("softplus")
    def softplus(x):
        # softplus(x) = log(1 + e**x), d/dx = sigmoid(x)
        return autodiff.log(1.0 + autodiff.exp(x)), (autodiff.sigmoid(x),)

    softplus(Value(0.3) * 2)   # a Value whose op is "softplus"
    softplus(0.3)              # a float

Run on floats it is eager mode's rule; on Values it gives its derivatives as graphs
(``create_graph=True``, ``grad(grad(f))``, ``hessian``); on numpy arrays a batch
(``Compiled.batch``). A function written with ``math`` runs on floats only: give
``derivative=``, the derivative(s) again over Values, to differentiate it twice.

Policy, as for the built-ins: a value that is not finite is an ``OverflowError``
when the op is applied; a derivative that is not finite is recorded as it is and
left to ``backward``, which raises ``FloatingPointError`` naming the edge.
Nodes record their primitive: registering a name again leaves the nodes, and the
``Compiled`` functions, made with the old definition computing with it.
"""

from __future__ import annotations

import inspect
import keyword
import math
import numbers
import random
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import eager, elementary, ops, rules, value
from .gradcheck import Row, compare_grads
from .second_order import local_values
from .value import Value, check_number, const


class PrimitiveWarning(UserWarning):
    """A primitive was registered again under the same name; the new definition replaces the old."""


class OpName(str):
    """A user primitive's op, as its nodes record it: the name, carrying the ``Primitive``."""

    primitive: Primitive

    @property
    def rule(self) -> Callable[..., tuple[float, tuple[float, ...]]]:
        """The float rule (eager mode's)."""
        return self.primitive.rule

    def define(self, *xs: Any) -> tuple[Any, Any]:
        """The definition, on any kind of number (Values: the derivatives as graphs)."""
        return self.primitive.define(*xs)


class Primitive:
    """A registered op: call it on Values (a node named after it), numbers (a float) or arrays.

    ``fn`` is the function as written, ``derivative`` the Value-level derivative
    or None; ``op`` the name its nodes record; ``rule`` its checked float rule.
    """

    name: str
    """The name it was registered under; its nodes' ``op`` reads it."""

    fn: Callable[..., Any]
    """The function as written: ``fn(*xs) -> (value, derivatives)``."""

    derivative: Callable[..., Any] | None
    """The Value-level derivative given as ``derivative=``, or None."""

    arity: tuple[int, int | None]
    """(fewest inputs, most inputs or None for any number), read from ``fn``'s signature."""

    op: OpName
    """The op name its nodes record (a ``str`` that also carries this primitive)."""

    def __init__(self, name: str, fn: Callable[..., Any], derivative: Callable[..., Any] | None) -> None:
        self.name = name
        self.fn = fn
        self.derivative = derivative
        self.arity = _arity(fn, name)  # (fewest inputs, most or None)
        self.op = OpName(name)
        self.op.primitive = self
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    def __call__(self, *xs: Any) -> Any:
        """On Values: a node whose op is this primitive; on numbers: a float; on numpy arrays: an array."""
        self._check_count(len(xs))
        if any(isinstance(x, Value) for x in xs):
            return value.apply(self.op, tuple(const(x) for x in xs))
        if any(hasattr(x, "__array_ufunc__") or type(x).__module__ == "numpy" for x in xs):
            return elementary.on_arrays(lambda *a: self.fn(*a)[0], self.rule, xs, self.name)
        return self.rule(*(check_number(x, "", f"{self.name}: input {i}") for i, x in enumerate(xs)))[0]

    def define(self, *xs: Any) -> tuple[Any, Any]:
        """The definition on any kind of number; on Values, ``derivative=`` where it was given."""
        if self.derivative is not None and any(isinstance(x, Value) for x in xs):
            return None, self.value_derivative(*xs)
        try:
            return self.fn(*xs)  # type: ignore[no-any-return]
        except TypeError as e:
            if not any(isinstance(x, Value) for x in xs):
                raise
            raise TypeError(
                f"primitive {self.name!r} could not run on Values ({e}), so it cannot be differentiated twice "
                f"(create_graph=True, grad of grad, hessian): write it with autodiff.exp, autodiff.log, "
                f"autodiff.tanh ... (they work on Values too), or register it with "
                f"autodiff.primitive({self.name!r}, derivative=...) giving its derivative(s) over Values"
            ) from None

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
        v = _real(out[0], f"primitive {name!r}: its value", at)
        if not math.isfinite(v):
            raise OverflowError(
                f"{name}: result is {v!r} for input(s) {at}; the inputs are outside what {name} can compute "
                "as written: scale them down, or write it in a form that stays finite"
            )
        d = _derivatives(out[1], len(xs), f"primitive {name!r} returned", at)
        return v, tuple(_real(di, f"primitive {name!r}: derivative {i}", at) for i, di in enumerate(d))

    def value_derivative(self, *xs: Value) -> tuple[Any, ...]:
        """``derivative(*xs)`` checked: one Value or number per input."""
        d = _derivatives(self.derivative(*xs), len(xs), f"primitive {self.name!r}: derivative= returned", "")  # type: ignore[misc]
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
        """``<primitive 'softplus'>`` (``, with derivative=`` when one was given)."""
        second = ", with derivative=" if self.derivative is not None else ""
        return f"<primitive {self.name!r}{second}>"


def _derivatives(d: Any, n: int, who: str, at: str) -> Any:
    # one derivative per input, as a tuple or list (one input: a bare one is fine)
    if n == 1 and not isinstance(d, (tuple, list)):
        d = (d,)
    if not isinstance(d, (tuple, list)) or len(d) != n:
        got = f"{len(d)} derivative(s)" if isinstance(d, (tuple, list)) else f"{type(d).__name__} {d!r:.60}"
        where = f" at {at}" if at else ""
        raise TypeError(
            f"{who} {got} for {n} input(s){where}; return one derivative d(value)/d(input) per input, "
            "in the inputs' order, as a tuple: (d/dx,) for one input"
        )
    return d


def _real(x: Any, what: str, at: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__} {x!r:.60} at input(s) {at}")
    try:
        return float(x)
    except OverflowError:
        raise OverflowError(f"{what} is an int too large for a float at input(s) {at}; scale it down") from None


# name -> the Primitive registered under it now; a lock keeps registering and reading apart
REGISTERED: dict[str, Primitive] = {}
_REGISTERING = threading.Lock()


def primitive(name: str, derivative: Callable[..., Any] | None = None) -> Callable[[Callable[..., Any]], Primitive]:
    """Register a new op: decorate a function returning ``(value, derivatives)`` (see the module docstring).

    ``derivatives`` is a tuple with d(value)/d(input) for each input (a bare
    number is fine for one input). The decorated name becomes a ``Primitive``:
    given any Value it returns a node whose op is ``name``; given numbers, the
    float value; given numpy arrays, the array. ``derivative``, optional, is a
    function of the input Values returning the derivative(s) as Values, for
    differentiating twice a function written with ``math``.

    ``name`` must be an identifier and not a built-in op. Registering a name
    again (re-running a notebook cell) replaces the earlier definition and warns
    with ``PrimitiveWarning``; nodes built before keep theirs.
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
            raise TypeError(f"primitive {name!r}: decorate a function, got {type(fn).__name__}")
        p = Primitive(name, fn, derivative)
        with _REGISTERING:
            again = name in REGISTERED
            REGISTERED[name] = p
        if again:
            warnings.warn(
                f"primitive {name!r} registered again: the new definition replaces the old one "
                "(nodes built before, and functions compiled before, keep the old one)",
                PrimitiveWarning,
                stacklevel=2,
            )
        return p

    return register


def _check_name(name: object) -> None:
    if not isinstance(name, str):
        raise TypeError(f"primitive: name must be a str, got {type(name).__name__} {name!r:.60}")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(
            f"primitive: name must be a Python identifier (letters, digits and _, not a keyword), got {name!r}; "
            "it names the op in graphs and messages"
        )
    if name in ops.OPS:
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
    """The inputs it was checked at."""
    check: str
    """Which comparison: ``"d/dx1"``, ``"as Value d/dx1"`` or ``"d2/dx1dx2"`` (see above)."""
    analytic: float
    """The derivative the definition gives."""
    numeric: float
    """The central difference it is compared with."""
    abs_err: float
    """``|analytic - numeric|``."""
    rel_err: float
    """``abs_err`` relative to ``|numeric|``."""
    ok: bool
    """Whether the two agree within the tolerances."""


@dataclass(frozen=True)
class RuleReport:
    """What ``check_rule`` found: ``ok`` when every row passes (and there is at least one)."""

    name: str
    """The primitive's name."""
    rows: tuple[RuleRow, ...]
    """Every comparison made, one ``RuleRow`` each."""
    skipped: tuple[tuple[tuple[float, ...], str], ...]  # points outside the rule's domain, and why
    """The points left out (outside the op's domain), each with the reason."""
    second_order: bool  # a Value-level derivative was there and checked
    """True when a Value-level derivative was there and checked (second derivatives)."""

    @property
    def ok(self) -> bool:
        """True when there is at least one row and every row passes."""
        return bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def failures(self) -> tuple[RuleRow, ...]:
        """The rows that failed."""
        return tuple(r for r in self.rows if not r.ok)

    def __str__(self) -> str:
        """The verdict and a table: the failures, else the first rows (what ``print(report)`` shows)."""
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
        if len(self.skipped) > 3:
            lines.append(f"  ... and {len(self.skipped) - 3} more skipped")
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
            try:
                rows += _second(target, pt, eps, atol, rtol)
            except TypeError:  # written with math: it runs on floats only, so no second derivatives
                target.second_order = False
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
            return d if isinstance(d, Value) else const(d)

        rows += _rows(pt, f"d2/dx{i + 1}", compare_grads(local_i, list(pt), eps, atol, rtol), "dx")
    return rows


class _Target:
    # what check_rule checks: a name, the float rule, the op applied to Values, and whether the
    # definition runs on Values (then its derivatives are differentiated again: second order)
    def __init__(
        self, name: str, rule: Callable[..., Any], apply: Callable[..., Any], arity: tuple[int, int | None]
    ) -> None:
        self.name, self.rule, self.apply, self.arity = name, rule, apply, arity
        self.second_order = True

    def value_locals(self, node: Value) -> tuple[Any, ...]:
        return local_values(node)


def _target(fn_or_name: object) -> _Target:
    if isinstance(fn_or_name, Primitive):
        p = fn_or_name
        return _Target(p.name, p.rule, p, p.arity)
    if isinstance(fn_or_name, str):
        return _builtin(fn_or_name)
    if callable(fn_or_name):
        name = getattr(fn_or_name, "__name__", "rule")
        p = Primitive(name if name.isidentifier() else "rule", fn_or_name, None)
        return _Target(p.name, p.rule, p, p.arity)
    raise TypeError(
        f"check_rule: expects an op name (a str such as 'tanh'), a primitive, or a function of floats "
        f"returning (value, derivatives); got {type(fn_or_name).__name__} {fn_or_name!r:.60}"
    )


def _builtin(op: str) -> _Target:
    key = rules.table_op(op)
    if key not in ops.OPS and key in REGISTERED:
        p = REGISTERED[key]
        return _Target(op, p.rule, p, p.arity)
    if key not in ops.OPS:
        raise ValueError(f"check_rule: no rule named {op!r}; the table has {', '.join(ops.OPS)}")
    if op == "**n":
        return _Target(op, rules.RULES["**n"], lambda *xs: xs[0], (1, 1))
    if key == "**n":
        try:
            ops.const_exponent(op)
        except ValueError:
            raise ValueError(f"check_rule: {op!r} is not a constant power; write e.g. '**3' or '**0.5'") from None

    def apply(*vs: Value) -> Value:
        n = ops.const_exponent(op) if key == "**n" else None
        return value.apply(op, tuple(vs), n)

    return _Target(op, lambda *xs: eager.apply(op, xs), apply, ops.OPS[key].arity)


_EXPONENTS = (2, 3, -1, -2, 0.5, 1.5, 0, 1)


def _points(target: _Target, points: Sequence[Sequence[float] | float] | None) -> list[tuple[float, ...]]:
    if points is not None:
        return _given(points)
    rng = random.Random(target.name)  # seeded by the name: the same points every run
    op = ops.OPS.get(rules.table_op(target.name))
    least, most = target.arity
    pts = []
    for k in range(8):
        n = max(least, 1) + k % 3 if most is None else min(max(least, 1) + k % 3, most)
        if op is None:  # a user's rule: inputs in [-2, 2], away from 0 where kinks like to sit
            pts.append(tuple(_away(rng, 2.0) for _ in range(n)))
        else:
            pts.append(_sample(rng, op.domain, 2 * n + k % 2 if op.name == "dot" else n, k))
    return pts


def _given(points: Sequence[Sequence[float] | float]) -> list[tuple[float, ...]]:
    if isinstance(points, (str, bytes)) or not isinstance(points, Sequence):
        raise TypeError(f"check_rule: points must be a list of tuples of floats, got {type(points).__name__}")
    out = []
    for k, given in enumerate(points):
        pt = (given,) if isinstance(given, numbers.Real) else given
        if isinstance(pt, (str, bytes)) or not isinstance(pt, Sequence):
            raise TypeError(f"check_rule: point {k} must be a number or a tuple of numbers, got {pt!r:.60}")
        out.append(tuple(check_number(x, "", f"check_rule: input {i}") for i, x in enumerate(pt)))
    if not out:
        raise ValueError("check_rule: points is empty; give at least one point, or None to generate them")
    return out


def _sample(rng: random.Random, domain: str, n: int, k: int) -> tuple[float, ...]:
    # n inputs from an op's domain (ops.Op.domain)
    if domain == "pos":
        return (rng.uniform(0.05, 4.0),) + tuple(rng.uniform(-2, 2) for _ in range(n - 1))
    if domain == "away":
        return tuple(_away(rng, 3.0) for _ in range(n))
    if domain == "nonzero":
        return (rng.uniform(-3, 3), _away(rng, 3.0))
    if domain == "base":  # negative bases: integer exponents only
        return (rng.uniform(0.05, 4.0) if k % 2 else _away(rng, 3.0),)
    return tuple(rng.uniform(-3, 3) for _ in range(n))


def _away(rng: random.Random, top: float) -> float:
    # a number in [-top, -0.1] or [0.1, top]: away from the kinks of relu and abs, and from 0 for /
    return rng.choice((-1.0, 1.0)) * rng.uniform(0.1, top)
