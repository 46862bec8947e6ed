"""Numerical gradients and a gradient checker with a precise failure report."""

from __future__ import annotations

import inspect
import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Union

from .graph import topological_order
from .ops import OPS
from .value import Value

Input = Union[Value, float, int]
# where a built-in op's derivative jumps (relu and abs at 0), from the facts of autodiff.OPS
KINKS: dict[str, float] = {op.name: op.kink for op in OPS.values() if op.kink is not None}
"""Where a built-in op's derivative jumps: ``{"relu": 0.0, "abs": 0.0}`` (there, by convention, 0)."""


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
    """``abs_err <= atol + rtol * |numeric|`` (and the caller's ``expected`` agrees, if given)."""
    name: str = ""
    """How the table names the input: its label, else ``f``'s parameter and position (``W[0][1]``), or ``[i]``."""
    expected: float | None = None
    """With ``expected=``: the caller's own (hand-derived) gradient."""
    expected_ok: bool = True
    """The caller's gradient agrees with the numeric one (True without ``expected=``)."""
    used: bool = True
    """False where ``f`` never uses this input (its row compares 0 with 0)."""


def _floats(inputs: Sequence[Input], who: str) -> list[float]:
    # inputs: read_inputs' flat list (a single number or Value is refused there)
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


@dataclass(frozen=True)
class Inputs:
    """Inputs as gradcheck reads them: the scalars in order (``flat``), a name for each, and the
    shape to call ``f`` with: one positional argument per item of a list or tuple (each a number, a
    Value, or a nested list, tuple or dict of them), or keyword arguments for a dict."""

    flat: list[Input]
    names: list[str]
    shape: Any  # the inputs with each scalar replaced by its index in ``flat``
    keywords: bool

    def call(self, f: Callable[..., Value], leaves: list[Value]) -> Any:
        args = _fill(self.shape, leaves)
        return f(**args) if self.keywords else f(*args)


def read_inputs(inputs: Any, f: Callable[..., Any], who: str) -> Inputs:
    """``inputs`` (flat, nested, or a dict) as ``Inputs``; names from labels, else ``f``'s parameters."""
    if isinstance(inputs, (Value, int, float)):
        raise TypeError(
            f"{who}: inputs must be a sequence of Values or numbers, "
            f"got a single {type(inputs).__name__}; wrap it in a list"
        )
    if not isinstance(inputs, (list, tuple, dict)):
        try:
            inputs = list(inputs)  # a generator, model.parameters() ...
        except TypeError:
            raise TypeError(f"{who}: inputs must be a list, tuple or dict, got {type(inputs).__name__}") from None
    keywords = isinstance(inputs, dict)
    if keywords and not all(isinstance(k, str) and k.isidentifier() for k in inputs):
        bad = next(k for k in inputs if not (isinstance(k, str) and k.isidentifier()))
        raise TypeError(f"{who}: a dict of inputs is passed as keyword arguments; its key {bad!r:.40} is not a name")
    tops = [str(k) for k in inputs] if keywords else _parameter_names(f, len(inputs))
    flat: list[Input] = []
    names: list[str] = []

    def walk(x: Any, name: str) -> Any:
        if isinstance(x, (list, tuple)):
            items = [walk(item, f"{name}[{i}]") for i, item in enumerate(x)]
            return tuple(items) if isinstance(x, tuple) else items  # f gets the nesting it was given
        if isinstance(x, dict):
            return {k: walk(item, f"{name}[{k!r}]") for k, item in x.items()}
        flat.append(x)
        names.append(x.label if isinstance(x, Value) and x.label else name)
        return len(flat) - 1

    items = inputs.values() if keywords else inputs
    shape = [walk(x, top) for x, top in zip(items, tops)]
    return Inputs(flat, names, dict(zip(tops, shape)) if keywords else shape, keywords)


def _outline(shape: Any) -> Any:
    # a nesting with its numbers left out: lists and tuples alike, dicts by key
    if isinstance(shape, (list, tuple)):
        return [_outline(s) for s in shape]
    if isinstance(shape, dict):
        return {str(k): _outline(v) for k, v in shape.items()}
    return 0


def _parameter_names(f: Callable[..., Any], n: int) -> list[str]:
    # f's positional parameter names for the first n arguments, "[i]" where it has none (*args)
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    named = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [named[i] if i < len(named) else f"[{i}]" for i in range(n)]


def _fill(shape: Any, leaves: list[Value]) -> Any:
    if isinstance(shape, tuple):
        return tuple(_fill(s, leaves) for s in shape)
    if isinstance(shape, list):
        return [_fill(s, leaves) for s in shape]
    if isinstance(shape, dict):
        return {k: _fill(s, leaves) for k, s in shape.items()}
    return leaves[shape]


def _call(f: Callable[..., Value], xs: list[float], spec: Inputs, who: str) -> tuple[list[Value], Value]:
    leaves = [Value(x, x_in.label if isinstance(x_in, Value) else "") for x, x_in in zip(xs, spec.flat)]
    out = spec.call(f, leaves)
    if not isinstance(out, Value):
        raise TypeError(f"{who}: f must return a Value, got {type(out).__name__} {out!r:.80}")
    return leaves, out


def _unused(out: Value, leaves: list[Value]) -> set[int]:
    # the inputs f never uses: their rows compare 0 with 0
    inside = {id(v) for v in topological_order(out)}
    return {i for i, leaf in enumerate(leaves) if id(leaf) not in inside}


def _refuse_vacuous(rows: list[Row], out: Value, again: Callable[[], Value], who: str) -> None:
    # no input in f's graph, but Values that f did not make are (a model's own parameters it closes
    # over: the same objects in two calls of f): the check would pass for nothing. A constant f (a
    # derivative that is constant) makes its Values anew each call, and is fine.
    if not rows or any(r.used for r in rows):
        return
    mine = {id(v): v for v in topological_order(out) if not v.parents}
    kept = [v for v in topological_order(again()) if not v.parents and mine.get(id(v)) is v]
    if kept:
        names = [v.label or repr(v.data) for v in kept]
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        raise ValueError(
            f"{who}: no input is in f's graph, but Values f closes over are ({shown}): f computes from "
            "them, not from the Values it is given, so every gradient would be 0 = 0 and pass for "
            "nothing. Make f compute from its arguments, e.g. load the given Values into the model first."
        )


def numerical_grad(f: Callable[..., Value], inputs: Sequence[Input], eps: float = 1e-6) -> list[float]:
    """Central differences (f(x + eps e_i) - f(x - eps e_i)) / 2 eps for each input.

    ``f`` is called with fresh leaf Values (never the caller's, which stay as
    they are) and must return a Value. ``inputs`` may nest as ``gradcheck``'s do;
    the result is flat, in the order of the scalars.
    """
    _check_eps(eps, "numerical_grad")
    spec = read_inputs(inputs, f, "numerical_grad")
    return _numeric(f, _floats(spec.flat, "numerical_grad"), spec, eps)[0]


def _check_eps(eps: object, who: str) -> None:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < math.inf:
        raise ValueError(f"{who}: eps must be > 0, got {eps!r}; use a small finite step such as 1e-6")


def _numeric(f: Callable[..., Value], xs: list[float], spec: Inputs, eps: float) -> tuple[list[float], list[str]]:
    # central differences, and where a relu/abs input changes side of its kink
    # between the +eps and -eps evaluations (the finite difference then spans the kink)
    grads, crossings = [], []
    for i in range(len(xs)):
        hi = xs.copy()
        lo = xs.copy()
        hi[i] += eps
        lo[i] -= eps
        out_hi = _call(f, hi, spec, "numerical_grad")[1]
        out_lo = _call(f, lo, spec, "numerical_grad")[1]
        grads.append((out_hi.data - out_lo.data) / (2.0 * eps))
        crossings += _kinks_crossed(out_hi, out_lo, spec.names[i])
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
    expected: Any = None,
) -> list[Row]:
    """One ``Row`` per input: ``backward()`` gradient of ``f`` next to central differences.

    A row is ``ok`` where ``|analytic - numeric| <= atol + rtol * |numeric|`` (and, with
    ``expected``, the same holds for the caller's own gradient). Warns with
    ``GradcheckWarning`` when a relu or abs in the graph sits within eps of its kink.
    The caller's inputs are not changed. See ``gradcheck`` for ``inputs`` and ``expected``.
    """
    return _compare_at(f, inputs, eps, atol, rtol, method, expected)[0]


def _compare_at(
    f: Callable[..., Value], inputs: Any, eps: float, atol: float, rtol: float, method: str, expected: Any = None
) -> tuple[list[Row], Value, Callable[[], Value]]:
    # the rows, the output f gave at the inputs, and f called again there (fresh leaves)
    _check_eps(eps, "gradcheck")
    for name, tol in (("atol", atol), ("rtol", rtol)):
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < math.inf:
            raise ValueError(f"gradcheck: {name} must be a finite number >= 0, got {tol!r}")
    if type(method) is not str or method not in ("push", "pull"):
        raise ValueError(f"gradcheck: method must be 'push' or 'pull', got {method!r}")
    spec = read_inputs(inputs, f, "gradcheck")
    xs = _floats(spec.flat, "gradcheck")
    yours = _expected(expected, spec, f, inputs)
    leaves, out = _call(f, xs, spec, "gradcheck")
    unused = _unused(out, leaves)
    numeric, crossings = _numeric(f, xs, spec, eps)
    _warn_kinks(out, eps, crossings)
    out.backward(method)
    rows = []
    for i, (x, leaf, n) in enumerate(zip(xs, leaves, numeric)):
        a = leaf.grad
        err = abs(a - n)
        rel = err / abs(n) if n != 0.0 else (0.0 if err == 0.0 else math.inf)
        mine = yours[i] if yours is not None else None
        mine_ok = mine is None or abs(mine - n) <= atol + rtol * abs(n)
        ok = err <= atol + rtol * abs(n) and mine_ok
        rows.append(Row(i, leaf.label, x, a, n, err, rel, ok, spec.names[i], mine, mine_ok, i not in unused))
    return rows, out, lambda: _call(f, xs, spec, "gradcheck")[1]


def _expected(expected: Any, spec: Inputs, f: Callable[..., Any], inputs: Any) -> list[float] | None:
    # the caller's own gradient, flat, in the order of the inputs: nested as the inputs are (a dict
    # matched by key, also against f's parameter names), or flat
    if expected is None:
        return None
    if isinstance(expected, dict) and not isinstance(inputs, dict):
        names = _parameter_names(f, len(spec.shape)) if isinstance(spec.shape, list) else []
        if set(expected) != set(names):
            raise ValueError(
                f"gradcheck: expected= has the keys {sorted(map(str, expected))} and f's parameters are named "
                f"{', '.join(names)}; "
                "give one gradient per parameter, under its name"
            )
        expected = [expected[n] for n in names]
    elif isinstance(expected, dict) and isinstance(inputs, dict):
        if set(map(str, expected)) != set(map(str, inputs)):
            raise ValueError(
                f"gradcheck: expected= has the keys {sorted(map(str, expected))} and inputs "
                f"{sorted(map(str, inputs))}; give one gradient per input, under the input's key"
            )
        by_name = {str(k): v for k, v in expected.items()}
        expected = {k: by_name[str(k)] for k in inputs}
    mine = read_inputs(expected, f, "gradcheck: expected")
    if len(mine.flat) != len(spec.flat):
        raise ValueError(
            f"gradcheck: expected= has {len(mine.flat)} number(s) and inputs {len(spec.flat)}; "
            "give one gradient per input, nested as the inputs are (or flat)"
        )
    flat = isinstance(mine.shape, list) and all(isinstance(k, int) for k in mine.shape)
    if not flat and _outline(mine.shape) != _outline(spec.shape):
        raise ValueError(
            "gradcheck: expected= is nested differently from the inputs; give one gradient per input, "
            "nested as the inputs are (or flat)"
        )
    return _floats(mine.flat, "gradcheck: expected")


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Input],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    method: str = "push",
    expected: Any = None,
) -> bool:
    """Check ``f``'s ``backward()`` gradients at ``inputs`` against central differences.

    ``inputs``: numbers or Values, one per argument of ``f``; or nested lists, tuples and dicts
    of them (``f`` then gets the same nesting, made of Values: a list of a layer's weights, a
    dict of named parameters; a dict at the top is passed as keyword arguments). Each row is
    named by the input's label, else by ``f``'s parameter and the position or key
    (``W[0][1]``, ``b[2]``). An input ``f`` never uses is marked "not in f's graph" (its row
    is 0 = 0); when ``f`` uses none of them but computes from named Values it closes over (a
    model's own parameters, say), the check would pass for nothing, and it is a ``ValueError``.

    ``expected``: your own gradient (a hand-derived formula), nested as ``inputs`` or flat; the
    table gets a "yours" column and a row fails where yours disagrees with the numeric one.

    Returns True when every input passes ``|analytic - numeric| <= atol + rtol * |numeric|``.
    Otherwise raises ``GradcheckError`` whose message has one row per input
    (label or index, value, analytic, numeric, abs and rel error) and the
    eps/atol/rtol used. See ``compare_grads`` for the rows themselves.

    >>> gradcheck(lambda x, y: x * y.exp(), [2.0, 0.5])
    True
    """
    __tracebackhide__ = True  # pytest: show the failure's table, not gradcheck's own code
    rows, out, again = _compare_at(f, inputs, eps, atol, rtol, method, expected)
    _refuse_vacuous(rows, out, again, "gradcheck")
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
    """The gradcheck table: one line per input, failing ones marked ("yours" when ``expected=``)."""
    yours = any(r.expected is not None for r in rows)
    width = min(40, max([12] + [len(r.name or r.label or f"[{r.index}]") for r in rows]))
    head = f"  {'input':<{width}} {'value':>12} {'analytic':>16} {'numeric':>16}"
    head += f" {'yours':>16}" * yours + f" {'abs err':>10} {'rel err':>10}"
    lines = [head]
    for r in rows:
        name = r.name or r.label or f"[{r.index}]"
        if len(name) > width:  # both ends kept: names often differ only at the end (W[0][1], W[0][2])
            name = name[: width // 2 - 1] + "…" + name[-(width - width // 2) :]
        line = f"  {name:<{width}} {r.value:>12.6g} {r.analytic:>16.10g} {r.numeric:>16.10g}"
        if yours:
            line += f" {r.expected:>16.10g}" if r.expected is not None else f" {'':>16}"
        line += f" {r.abs_err:>10.3g} {r.rel_err:>10.3g}"
        if not r.ok:
            line += "   <-- FAIL" + (" (yours)" if not r.expected_ok else "")
        if not r.used:
            line += "   (not in f's graph)"
        lines.append(line)
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
