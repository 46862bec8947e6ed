"""Check a student's engine: which classic backprop bug it has, on the smallest graph that shows it.

``check_engine(Value)`` takes a micrograd-style class (``Value(2.0)``, ``+ - * / **``,
``relu()`` and ``tanh()`` where it has them, ``.backward()``, ``.data``, ``.grad``), builds
a battery of small graphs with it and with ``autodiff.Value``, and compares the grads.
Each failure is named as the bug it shows (overwriting instead of accumulating, no
topological order, the sign of ``-``, the power rule, ...) with the graph, the numbers and
the fix in one line. A case that fails only because an earlier bug is present is counted
under that bug, so one bug is named once. Ops the class lacks are skipped and listed;
``backward()`` twice, relu at 0 and a chain deeper than the recursion limit are notes.

``check_backward(rule, op)`` checks a student's local-derivative function for one op
against the op's definition, on chosen points (0, kinks, negative, large).

>>> from autodiff import Value
>>> print(check_engine(Value).summary())
every check passed (24 graphs); skipped: none
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .ops import OPS
from .rules import RULES
from .value import Value

# bug -> (what is wrong, the fix in one line)
BUGS: dict[str, tuple[str, str]] = {
    "seed": (
        "backward() does not start from d(out)/d(out) = 1, so every grad stays 0",
        "set the output's grad to 1.0 before walking the graph",
    ),
    "add": (
        "the local derivatives of a + b are not 1 and 1",
        "in +'s backward: self.grad += out.grad; other.grad += out.grad",
    ),
    "mul": (
        "the local derivatives of a * b: d(a*b)/da is b and d(a*b)/db is a (each input gets the other's value)",
        "in *'s backward: self.grad += other.data * out.grad; other.grad += self.data * out.grad",
    ),
    "accumulate": (
        "grads are overwritten (=) where they must be added (+=): a node used twice keeps only its last use",
        "write self.grad += ... in every op's backward, never self.grad = ...",
    ),
    "order": (
        "the backward pass does not visit the nodes in reverse topological order: a node passes its grad "
        "on before every use of it has added its part",
        "build a topological order once (parents before children) and call each node's backward in reverse",
    ),
    "sub": (
        "the sign of -: d(a-b)/da is 1 and d(a-b)/db is -1",
        "in -'s backward: self.grad += out.grad; other.grad -= out.grad",
    ),
    "neg": ("the derivative of -a is -1", "in neg's backward: self.grad -= out.grad (or write -a as a * -1)"),
    "pow": (
        "the power rule: d(a**n)/da is n * a**(n-1)",
        "in **'s backward: self.grad += n * self.data ** (n - 1) * out.grad",
    ),
    "div": (
        "the quotient rule: d(a/b)/da is 1/b and d(a/b)/db is -a/b**2",
        "write a / b as a * b**-1, or: self.grad += out.grad / b; other.grad -= a / b**2 * out.grad",
    ),
    "relu": (
        "relu's derivative: 1 where the input is > 0, 0 where it is < 0",
        "in relu's backward: self.grad += (out.data > 0) * out.grad",
    ),
    "tanh": (
        "tanh's derivative: 1 - tanh(a)**2",
        "in tanh's backward: self.grad += (1 - t**2) * out.grad, t = out.data",
    ),
}


@dataclass(frozen=True)
class Case:
    """One small graph: ``build(V)`` returns (inputs, output) made with the class ``V``; ``bug``: the bug a
    failure shows, unless a bug in ``needs`` is present (then it is counted under that one)."""

    graph: str
    bug: str
    ops: tuple[str, ...]
    build: Callable[[Any], tuple[list[Any], Any]]
    needs: tuple[str, ...] = ()
    all_zero: str | None = None  # the bug named instead when every grad the engine gives is 0


def _diamond(V: Any) -> tuple[list[Any], Any]:
    a = V(1.5)
    x = a * V(2.0)  # x is used twice, and pushes into a
    return [a], x * V(3.0) + x * V(4.0)


def _chain(V: Any) -> tuple[list[Any], Any]:
    a, b, c = V(2.0), V(-3.0), V(0.5)
    return [a, b, c], (a * b) * c


def _shared_twice(V: Any) -> tuple[list[Any], Any]:
    a, b = V(0.5), V(-1.5)
    x = a * b
    y = x + x  # x used twice by one node, and x pushes on
    return [a, b], y * a


def _sums_at_two_depths(V: Any) -> tuple[list[Any], Any]:
    a, b, c = V(0.5), V(-1.5), V(2.0)
    x = a + b  # used by the output and by x + c: its grad is whole only after both have pushed
    return [a, b, c], x + (x + c)


def _two_depths(V: Any) -> tuple[list[Any], Any]:
    a = V(0.5)
    x = a * V(2.0)  # used at two depths: a breadth-first walk reaches x before x * 4 has pushed into it
    return [a], x * V(3.0) + (x * V(4.0)) * V(5.0)


CASES: tuple[Case, ...] = (
    # one op over leaves first: a failure here is that op's own bug; every case needs the seed
    Case("a + b", "add", ("+",), lambda V: ([a := V(2.0), b := V(-3.0)], a + b), all_zero="seed"),
    Case("a * b", "mul", ("*",), lambda V: ([a := V(2.0), b := V(-3.0)], a * b)),
    Case("(a * b) * c", "order", ("*",), _chain, ("mul",)),
    Case("a + a", "accumulate", ("+",), lambda V: ([a := V(2.0)], a + a), ("add",)),
    Case("a * a", "accumulate", ("*",), lambda V: ([a := V(-3.0)], a * a), ("mul",)),
    Case(
        "a * 3 + a * 4 (a used twice)",
        "accumulate",
        ("+", "*"),
        lambda V: ([a := V(2.0)], a * V(3.0) + a * V(4.0)),
        ("add", "mul", "order"),
    ),
    Case("x = a * 2; x * 3 + x * 4", "order", ("+", "*"), _diamond, ("add", "mul", "accumulate")),
    Case("x = a * b; (x + x) * a", "order", ("+", "*"), _shared_twice, ("add", "mul", "accumulate")),
    Case("x = a + b; x + (x + c)", "order", ("+",), _sums_at_two_depths, ("add", "accumulate")),
    Case("x = a * 2; x * 3 + (x * 4) * 5", "order", ("+", "*"), _two_depths, ("add", "mul", "accumulate")),
    Case("a - b", "sub", ("-",), lambda V: ([a := V(2.0), b := V(-3.0)], a - b), ("add", "mul")),
    Case(
        "a - b - b",
        "sub",
        ("-",),
        lambda V: ([a := V(2.0), b := V(-3.0)], a - b - b),
        ("add", "mul", "order", "accumulate"),
    ),
    Case("-a", "neg", ("neg",), lambda V: ([a := V(2.0)], -a), ("mul",)),
    Case("a ** 3", "pow", ("**",), lambda V: ([a := V(1.5)], a**3)),
    Case("a ** -2", "pow", ("**",), lambda V: ([a := V(-2.0)], a**-2)),
    Case("a ** 0.5", "pow", ("**",), lambda V: ([a := V(4.0)], a**0.5)),
    Case("a / b", "div", ("/",), lambda V: ([a := V(3.0), b := V(-2.0)], a / b), ("mul", "pow", "order")),
    Case("a / a", "div", ("/",), lambda V: ([a := V(3.0)], a / a), ("mul", "pow", "order", "accumulate")),
    Case("relu(a), a = 2", "relu", ("relu",), lambda V: ([a := V(2.0)], a.relu())),
    Case("relu(a), a = -2", "relu", ("relu",), lambda V: ([a := V(-2.0)], a.relu())),
    Case(
        "relu(a * b), a * b > 0",
        "relu",
        ("relu", "*"),
        lambda V: ([a := V(-2.0), b := V(-0.5)], (a * b).relu()),
        ("mul", "order"),
    ),
    Case("tanh(a), a = 0.5", "tanh", ("tanh",), lambda V: ([a := V(0.5)], a.tanh())),
    Case("tanh(a), a = -3", "tanh", ("tanh",), lambda V: ([a := V(-3.0)], a.tanh())),
    Case(
        "tanh(a * b + a)",
        "tanh",
        ("tanh", "*", "+"),
        lambda V: ([a := V(0.5), b := V(-1.2)], (a * b + a).tanh()),
        ("mul", "add", "accumulate", "order"),
    ),
)

# what the class must have for each op: a method of the class
OP_METHODS = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "**": "__pow__", "neg": "__neg__"}
OP_METHODS |= {"relu": "relu", "tanh": "tanh"}


@dataclass(frozen=True)
class Row:
    """One graph of the battery: the grads of its inputs, ours and the engine's."""

    graph: str
    expected: tuple[float, ...]
    got: tuple[float, ...] | str  # the engine's grads, or what it raised
    ok: bool
    counted_as: str | None  # the bug a failure is counted under (None when ok)
    checks: str = ""  # the bug this graph is there to catch
    needs: tuple[str, ...] = ()  # the bugs that must be absent for this graph to tell


@dataclass
class EngineReport:
    """What ``check_engine`` found: ``ok`` when no check failed; ``bugs`` (name -> rows that show it),
    ``notes`` (facts about the engine that are not failures), ``skipped`` (ops it lacks)."""

    engine: str
    rows: list[Row] = field(default_factory=list)
    bugs: dict[str, list[Row]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No check failed, and there was something to check."""
        return not self.bugs and bool(self.rows)

    def clean(self, *bugs: str) -> bool:
        """The engine is shown free of ``bugs`` (an autograder's question): at least one graph that checks
        them could tell (no bug it needs present) and every such graph agreed. An unfinished engine
        (every grad 0: "seed") is shown free of nothing."""
        unknown = [b for b in bugs if b not in BUGS]
        if unknown:
            raise ValueError(f"EngineReport.clean: unknown bug(s) {unknown}; the bugs are {', '.join(BUGS)}")
        telling = [r for r in self.rows if r.checks in bugs and not any(n in self.bugs for n in r.needs)]
        return bool(telling) and all(r.ok for r in telling)

    def summary(self) -> str:
        """One line: every check passed, or the bugs found; and what was skipped."""
        skipped = ", ".join(self.skipped) or "none"
        if self.ok:
            return f"every check passed ({len(self.rows)} graphs); skipped: {skipped}"
        return f"{len(self.bugs)} bug(s): {', '.join(self.bugs)}; skipped: {skipped}"

    def __str__(self) -> str:
        width = max([len(r.graph) for r in self.rows] + [5])
        lines = [f"check_engine({self.engine}): {self.summary()}", ""]
        lines.append(f"  {'graph':<{width}}  {'expected grads':<32}  {'got':<32}")
        for r in self.rows:
            got = r.got if isinstance(r.got, str) else _grads(r.got)
            mark = "" if r.ok else f"   <-- {r.counted_as}"
            lines.append(f"  {r.graph:<{width}}  {_grads(r.expected):<32}  {got:<32}{mark}")
        for bug, rows in self.bugs.items():
            what, fix = BUGS[bug]
            lines += ["", f"BUG {bug}: {what}", f"  smallest graph: {rows[0].graph}", f"  fix: {fix}"]
        for note in self.notes:
            lines += ["", f"note: {note}"]
        if self.skipped:
            lines += ["", f"skipped (the engine has no {', '.join(self.skipped)})"]
        return "\n".join(lines)


def check_engine(engine: type) -> EngineReport:
    """Run the battery of small graphs on ``engine`` (a micrograd-style Value class) and name its bugs."""
    if not isinstance(engine, type):
        raise TypeError(f"check_engine: give the class itself, e.g. check_engine(Value), got {engine!r:.60}")
    _preflight(engine)
    report = EngineReport(getattr(engine, "__name__", repr(engine)))
    report.skipped = [op for op, method in OP_METHODS.items() if not callable(getattr(engine, method, None))]
    if "+" in report.skipped and "*" in report.skipped:
        raise ValueError(f"check_engine: {report.engine} has neither + nor *: nothing to check")
    for case in CASES:
        if any(op in report.skipped for op in case.ops):
            continue
        expected = _run(Value, case)
        if isinstance(expected, str):
            raise RuntimeError(f"check_engine: autodiff itself failed {case.graph}: {expected}")
        got = _run(engine, case)
        ok = not isinstance(got, str) and _same(expected, got)
        counted = None if ok else _counted(case, got, report.bugs)
        row = Row(case.graph, expected, got, ok, counted, case.bug, ("seed", *case.needs))
        report.rows.append(row)
        if counted is not None:
            report.bugs.setdefault(counted, []).append(row)
    if "relu" not in report.skipped:
        report.notes.append(_relu_at_zero(engine))
    report.notes.append(_twice(engine))
    deep = _deep_chain(engine)
    if deep:
        report.notes.append(deep)
    return report


def _preflight(engine: type) -> None:
    # what every check needs: a node from a number, with data, grad and backward()
    name = getattr(engine, "__name__", repr(engine))
    try:
        v = engine(2.0)
    except Exception as e:
        raise TypeError(
            f"check_engine: {name}(2.0) raised {type(e).__name__}: {e}; it must make a node from a number"
        ) from None
    missing = [a for a in ("data", "grad") if not hasattr(v, a)] + ["backward"] * (
        not callable(getattr(v, "backward", None))
    )
    if missing:
        raise TypeError(
            f"check_engine: a {name} has no {', '.join(missing)}; micrograd's Value has data, grad and backward()"
        )


def _counted(case: Case, got: tuple[float, ...] | str, found: dict[str, list[Row]]) -> str:
    # the bug a failing case is counted under: an earlier bug it needs absent, else its own
    if case.all_zero and not isinstance(got, str) and all(g == 0.0 for g in got):
        return case.all_zero
    return next((b for b in ("seed", *case.needs) if b in found), case.bug)


def _run(V: Any, case: Case) -> tuple[float, ...] | str:
    # the case's grads on V, or what went wrong in words
    try:
        inputs, out = case.build(V)
        out.backward()
        grads = [x.grad for x in inputs]
        bad = [g for g in grads if isinstance(g, bool) or not isinstance(g, numbers.Real)]
        if bad:
            return f"a grad is {type(bad[0]).__name__} {bad[0]!r:.30}, not a number"
        return tuple(float(g) for g in grads)
    except Exception as e:  # a student's engine may raise anything
        return f"raised {type(e).__name__}: {str(e)[:60]}"


def _same(expected: Sequence[float], got: Sequence[float]) -> bool:
    # to float32's precision: an engine computing in float32 is not wrong; a bug is far larger
    return len(expected) == len(got) and all(
        math.isclose(e, g, rel_tol=1e-6, abs_tol=1e-9) for e, g in zip(expected, got)
    )


def _relu_at_zero(V: Any) -> str:
    try:
        a = V(0.0)
        a.relu().backward()
        g = float(a.grad)
    except Exception as e:
        return f"relu at 0: backward raised {type(e).__name__}"
    said = "0, as autodiff and micrograd" if g == 0.0 else f"{g!r}; autodiff and micrograd use 0"
    return f"relu at 0 has no derivative; any value in [0, 1] is a valid choice (a subgradient). Yours gives {said}."


def _twice(V: Any) -> str:
    try:
        a, b = V(2.0), V(-3.0)
        out = a * b
        out.backward()
        first = float(a.grad)
        out.backward()
        second = float(a.grad)
    except Exception as e:
        return f"backward() twice on one graph: the second call raised {type(e).__name__}"
    if second == 2 * first:
        return (
            "backward() twice adds the grads again (a.grad doubles), as micrograd and PyTorch do: "
            "zero the grads between steps."
        )
    if second == first:
        return "backward() twice leaves the same grads: your engine resets them (micrograd and PyTorch add them again)."
    return f"backward() twice: a.grad went from {first!r} to {second!r} (micrograd and PyTorch add: {2 * first!r})."


def _deep_chain(V: Any, depth: int = 1500) -> str | None:
    try:
        a = out = V(1.0)
        for _ in range(depth):
            out = out + V(0.0)
        out.backward()
        return (
            None if float(a.grad) == 1.0 else f"a chain of {depth} additions gives a.grad = {float(a.grad)!r}, not 1.0"
        )
    except RecursionError:
        return (
            f"a chain of {depth} nodes exceeds Python's recursion limit in your backward (micrograd's too): "
            "a topological order built with an explicit stack has no limit"
        )
    except Exception as e:
        return f"a chain of {depth} nodes: backward raised {type(e).__name__}"


def _grads(gs: Sequence[float]) -> str:
    return "(" + ", ".join(f"{g:.6g}" for g in gs) + ")"


# -- one op's local derivative ------------------------------------------------------------------

POINTS = {
    "real": (-3.0, -0.5, 0.0, 0.5, 3.0, 40.0),
    "pos": (1e-3, 0.5, 1.0, 3.0, 1e3),
    "away": (-3.0, -0.5, 0.0, 0.5, 3.0, 40.0),  # 0 is the kink: checked against the convention, said so
}


@dataclass(frozen=True)
class RuleRow:
    """One point of ``check_backward``: the inputs, ours, the student's, and whether they agree."""

    inputs: tuple[float, ...]
    expected: tuple[float, ...]
    got: tuple[float, ...] | str
    ok: bool


@dataclass
class RuleCheck:
    """What ``check_backward`` found for one op."""

    op: str
    rows: list[RuleRow]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def __str__(self) -> str:
        bad = [r for r in self.rows if not r.ok]
        head = f"check_backward({self.op!r}): " + (
            "every point agrees" if not bad else f"{len(bad)} of {len(self.rows)} points differ"
        )
        lines = [head]
        for r in self.rows:
            got = r.got if isinstance(r.got, str) else _grads(r.got)
            mark = "" if r.ok else "   <-- FAIL"
            lines.append(f"  at {_grads(r.inputs):<22} expected {_grads(r.expected):<26} got {got}{mark}")
        kink = OPS[self.op].kink if self.op in OPS else None
        if kink is not None:
            lines.append(
                f"  (at {kink!r} the derivative jumps: any value between the two sides is right there; "
                f"autodiff's convention is {self.op}'({kink!r}) = 0)"
            )
        return "\n".join(lines)


def check_backward(rule: Callable[..., Any], op: str) -> RuleCheck:
    """Check ``rule``, a student's local derivatives of one op (``rule(a)`` for one input, ``rule(a, b)``
    for two, returning a number or a tuple, one per input), against ``op``'s definition in
    ``autodiff.OPS`` (``"tanh"``, ``"*"``, ...) at chosen points (0, kinks, negative, large)."""
    if not callable(rule):
        raise TypeError(f"check_backward: rule must be a function, got {type(rule).__name__}")
    if op not in OPS or op in ("**n", "sum", "dot", "logsumexp"):
        fixed = sorted(k for k in OPS if k not in ("**n", "sum", "dot", "logsumexp"))
        raise ValueError(f"check_backward: op must be one of {', '.join(fixed)}, got {op!r:.40}")
    rows = [_rule_row(rule, op, point) for point in _points(op)]
    return RuleCheck(op, rows)


def _points(op: str) -> list[tuple[float, ...]]:
    spec = OPS[op]
    if spec.arity[0] == 1:
        return [(x,) for x in POINTS["pos" if spec.domain == "pos" else "real"]]
    pairs = [(2.0, -3.0), (-0.5, 0.25), (0.0, 1.5), (3.0, 40.0), (-7.0, -0.5)]
    if spec.domain == "pos":
        return [(abs(a) + 0.5, b) for a, b in pairs]
    return [(a, b) for a, b in pairs if b != 0.0]


def _rule_row(rule: Callable[..., Any], op: str, point: tuple[float, ...]) -> RuleRow:
    expected = tuple(RULES[op](*point)[1])
    try:
        out = rule(*point)
        got = tuple(float(g) for g in (out if isinstance(out, (tuple, list)) else (out,)))
    except Exception as e:
        return RuleRow(point, expected, f"raised {type(e).__name__}: {str(e)[:50]}", False)
    kink = OPS[op].kink
    if kink is not None and point == (kink,) and len(got) == 1:  # any subgradient is right at a kink
        left, right = RULES[op](kink - 1e-9)[1][0], RULES[op](kink + 1e-9)[1][0]
        return RuleRow(point, expected, got, min(left, right) <= got[0] <= max(left, right))
    return RuleRow(point, expected, got, _same(expected, got))
