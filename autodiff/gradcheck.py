"""Numerical gradients and a gradient checker with a precise failure report."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Union

from .graph import topological_order
from .rules import OPS
from .value import Value

Input = Union[Value, float, int]
# where a built-in op's derivative jumps (relu and abs at 0), from the facts of autodiff.rules.OPS
KINKS: dict[str, float] = {op.name: op.kink for op in OPS.values() if op.kink is not None}


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree; ``rows`` holds the comparison.

    An ``AssertionError`` so that pytest reports it as a test failure.
    """

    rows: list[Row]
    """One ``Row`` per input, in the order of the inputs."""

    def __init__(self, message: str, rows: list[Row]) -> None:
        super().__init__(message)
        self.rows = rows


class GradcheckWarning(UserWarning):
    """Finite differences straddle a kink (relu/abs at 0): the numbers may disagree."""


@dataclass(frozen=True)
class Row:
    """One input's comparison in a gradcheck."""

    index: int
    """The input's position in the inputs."""
    label: str
    """The input's label (empty for a number or an unlabelled Value)."""
    value: float
    """The input's value."""
    analytic: float
    """The gradient ``backward()`` gave."""
    numeric: float
    """The central difference ``(f(x + eps) - f(x - eps)) / (2 eps)``."""
    abs_err: float
    """``|analytic - numeric|``."""
    rel_err: float
    """``abs_err / |numeric|`` (0 or inf where ``numeric`` is 0)."""
    ok: bool
    """``abs_err <= atol + rtol * |numeric|``."""


def _floats(inputs: Sequence[Input], who: str) -> list[float]:
    if isinstance(inputs, (Value, int, float)):
        raise TypeError(
            f"{who}: inputs must be a sequence of Values or numbers, "
            f"got a single {type(inputs).__name__}; wrap it in a list"
        )
    out = []
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            out.append(x.data)
            continue
        f = math.nan
        if isinstance(x, numbers.Real) and not isinstance(x, bool):
            try:
                f = float(x)
            except OverflowError:  # an int beyond the float range
                raise TypeError(
                    f"{who}: input {i} must be a Value or a finite number, got an int too large for a float"
                ) from None
        if not math.isfinite(f):
            raise TypeError(f"{who}: input {i} must be a Value or a finite number, got {x!r:.60}")
        out.append(f)
    if not out:
        raise ValueError(f"{who}: needs at least one input, got none")
    return out


def _labels(inputs: Sequence[Input]) -> list[str]:
    return [x.label if isinstance(x, Value) and x.label else "" for x in inputs]


def _call(f: Callable[..., Value], xs: list[float], labels: list[str], who: str) -> tuple[list[Value], Value]:
    leaves = [Value(x, label) for x, label in zip(xs, labels)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"{who}: f must return a Value, got {type(out).__name__} {out!r}")
    return leaves, out


def numerical_grad(f: Callable[..., Value], inputs: Sequence[Input], eps: float = 1e-6) -> list[float]:
    """Central differences (f(x + eps e_i) - f(x - eps e_i)) / 2 eps for each input.

    ``f`` is called with fresh leaf Values (never the caller's, which stay as
    they are) and must return a Value.
    """
    _check_eps(eps, "numerical_grad")
    return _numeric(f, _floats(inputs, "numerical_grad"), _labels(inputs), eps)[0]


def _check_eps(eps: object, who: str) -> None:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < math.inf:
        raise ValueError(f"{who}: eps must be > 0, got {eps!r}; use a small finite step such as 1e-6")


def _numeric(f: Callable[..., Value], xs: list[float], labels: list[str], eps: float) -> tuple[list[float], list[str]]:
    # central differences, and where a relu/abs input changes side of its kink
    # between the +eps and -eps evaluations (the finite difference then spans the kink)
    grads, crossings = [], []
    for i in range(len(xs)):
        hi = xs.copy()
        lo = xs.copy()
        hi[i] += eps
        lo[i] -= eps
        out_hi = _call(f, hi, labels, "numerical_grad")[1]
        out_lo = _call(f, lo, labels, "numerical_grad")[1]
        grads.append((out_hi.data - out_lo.data) / (2.0 * eps))
        crossings += _kinks_crossed(out_hi, out_lo, labels[i] or f"[{i}]")
    return grads, crossings


def _kinks_crossed(out_hi: Value, out_lo: Value, moved: str) -> list[str]:
    nodes_hi, nodes_lo = topological_order(out_hi), topological_order(out_lo)
    if len(nodes_hi) != len(nodes_lo):
        return [f"moving input {moved} changes the graph f builds (a branch in f)"]
    found = []
    for a, b in zip(nodes_hi, nodes_lo):
        kink = KINKS.get(a.op)
        if kink is not None and b.op == a.op:
            x_hi, x_lo = a.parents[0].data - kink, b.parents[0].data - kink
            if (x_hi > 0) != (x_lo > 0) or (x_hi < 0) != (x_lo < 0):
                where = f"input (node {a.parents[0].label!r})" if a.parents[0].label else "input"
                found.append(
                    f"moving input {moved} by ±eps moves {a.op}'s {where} across its kink at {kink:g} "
                    f"({x_lo + kink:.6g} to {x_hi + kink:.6g})"
                )
    return found


def compare_grads(
    f: Callable[..., Value],
    inputs: Sequence[Input],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    method: str = "push",
) -> list[Row]:
    """One ``Row`` per input: ``backward()`` gradient of ``f`` next to central differences.

    A row is ``ok`` where ``|analytic - numeric| <= atol + rtol * |numeric|``.
    Warns with ``GradcheckWarning`` when a relu or abs in the graph sits within
    eps of its kink. The caller's inputs are not changed.
    """
    return _compare(f, inputs, eps, atol, rtol, method)


def _compare(
    f: Callable[..., Value], inputs: Sequence[Input], eps: float, atol: float, rtol: float, method: str
) -> list[Row]:
    _check_eps(eps, "gradcheck")
    for name, tol in (("atol", atol), ("rtol", rtol)):
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < math.inf:
            raise ValueError(f"gradcheck: {name} must be a finite number >= 0, got {tol!r}")
    if type(method) is not str or method not in ("push", "pull"):
        raise ValueError(f"gradcheck: method must be 'push' or 'pull', got {method!r}")
    xs = _floats(inputs, "gradcheck")
    labels = _labels(inputs)
    leaves, out = _call(f, xs, labels, "gradcheck")
    numeric, crossings = _numeric(f, xs, labels, eps)
    _warn_kinks(out, eps, crossings)
    out.backward(method)
    rows = []
    for i, (x, leaf, n) in enumerate(zip(xs, leaves, numeric)):
        a = leaf.grad
        err = abs(a - n)
        rel = err / abs(n) if n != 0.0 else (0.0 if err == 0.0 else math.inf)
        rows.append(Row(i, labels[i], x, a, n, err, rel, err <= atol + rtol * abs(n)))
    return rows


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Input],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    method: str = "push",
) -> bool:
    """Check ``f``'s ``backward()`` gradients at ``inputs`` against central differences.

    Returns True when every input passes ``|analytic - numeric| <= atol + rtol * |numeric|``.
    Otherwise raises ``GradcheckError`` whose message has one row per input
    (label or index, value, analytic, numeric, abs and rel error) and the
    eps/atol/rtol used. See ``compare_grads`` for the rows themselves.

    >>> gradcheck(lambda x, y: x * y.exp(), [2.0, 0.5])
    True
    """
    __tracebackhide__ = True  # pytest: show the failure's table, not gradcheck's own code
    rows = _compare(f, inputs, eps, atol, rtol, method)
    if all(r.ok for r in rows):
        return True
    name = getattr(f, "__qualname__", None) or repr(f)
    bad = sum(not r.ok for r in rows)
    raise GradcheckError(
        f"gradcheck failed for {name}: {bad} of {len(rows)} input(s) disagree "
        f"(eps={eps:g}, atol={atol:g}, rtol={rtol:g}; pass means |analytic - numeric| <= atol + rtol*|numeric|)\n"
        + format_rows(rows),
        rows,
    )


def format_rows(rows: list[Row]) -> str:
    """The gradcheck table: one line per input, failing ones marked."""
    head = f"  {'input':<12} {'value':>12} {'analytic':>16} {'numeric':>16} {'abs err':>10} {'rel err':>10}"
    lines = [head]
    for r in rows:
        name = r.label or f"[{r.index}]"
        if len(name) > 12:
            name = name[:11] + "…"
        mark = "" if r.ok else "   <-- FAIL"
        lines.append(
            f"  {name:<12} {r.value:>12.6g} {r.analytic:>16.10g} {r.numeric:>16.10g} "
            f"{r.abs_err:>10.3g} {r.rel_err:>10.3g}{mark}"
        )
    return "\n".join(lines)


def _warn_kinks(out: Value, eps: float, crossings: list[str]) -> None:
    reasons = []
    for v in topological_order(out):
        kink = KINKS.get(v.op)
        if kink is not None and abs(v.parents[0].data - kink) <= eps:
            where = f"node {v.parents[0].label!r}" if v.parents[0].label else f"value {v.parents[0].data!r}"
            reasons.append(f"{v.op} input ({where}) is within eps={eps:g} of its kink at {kink:g}")
    reasons += crossings
    if reasons:
        more = f" (and {len(reasons) - 3} more)" if len(reasons) > 3 else ""
        warnings.warn(
            f"gradcheck: {'; '.join(reasons[:3])}{more}; finite differences are unreliable across a kink, "
            "move the input away from it or use a smaller eps",
            GradcheckWarning,
            stacklevel=4,  # the caller of gradcheck or compare_grads
        )
