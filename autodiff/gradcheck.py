"""Numerical gradients and a gradient checker with a precise failure report."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Union

from .graph import topological_order
from .rules import KINKS
from .value import Value

Input = Union[Value, float, int]


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree; ``rows`` holds the comparison.

    An ``AssertionError`` so that pytest reports it as a test failure.
    """

    def __init__(self, message: str, rows: list[Row]) -> None:
        super().__init__(message)
        self.rows = rows


class GradcheckWarning(UserWarning):
    """Finite differences straddle a kink (relu/abs at 0): the numbers may disagree."""


@dataclass(frozen=True)
class Row:
    """One input's comparison in a gradcheck."""

    index: int
    label: str
    value: float
    analytic: float
    numeric: float
    abs_err: float
    rel_err: float
    ok: bool


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
        elif isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x):
            out.append(float(x))
        else:
            raise TypeError(f"{who}: input {i} must be a Value or a finite number, got {x!r}")
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
    if not eps > 0:
        raise ValueError(f"numerical_grad: eps must be > 0, got {eps!r}")
    xs = _floats(inputs, "numerical_grad")
    labels = _labels(inputs)
    grads = []
    for i in range(len(xs)):
        hi = xs.copy()
        lo = xs.copy()
        hi[i] += eps
        lo[i] -= eps
        f_hi = _call(f, hi, labels, "numerical_grad")[1].data
        f_lo = _call(f, lo, labels, "numerical_grad")[1].data
        grads.append((f_hi - f_lo) / (2.0 * eps))
    return grads


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


def _compare(f, inputs, eps, atol, rtol, method) -> list[Row]:
    xs = _floats(inputs, "gradcheck")
    labels = _labels(inputs)
    leaves, out = _call(f, xs, labels, "gradcheck")
    _warn_kinks(out, eps)
    out.backward(method)
    numeric = numerical_grad(f, inputs, eps)
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


def _warn_kinks(out: Value, eps: float) -> None:
    for v in topological_order(out):
        kink = KINKS.get(v.op)
        if kink is not None and abs(v.parents[0].data - kink) <= eps:
            where = f"node {v.parents[0].label!r}" if v.parents[0].label else f"value {v.parents[0].data!r}"
            warnings.warn(
                f"gradcheck: {v.op} input ({where}) is within eps={eps:g} of its kink at {kink:g}; "
                "finite differences are unreliable there, move the input away from the kink",
                GradcheckWarning,
                stacklevel=4,  # the caller of gradcheck or compare_grads
            )
