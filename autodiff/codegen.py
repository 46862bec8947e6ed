"""The code ``autodiff.compile`` writes: a traced graph as a tape and as straight-line Python.

The forward is one line per node, from the op's definition (``autodiff.source``): written
inline where Python computes it as IEEE would (``+``, ``*``, ``tanh``, ``relu`` ...), else a
call of the op's float rule (``/``, ``log``, ``sqrt``, ``**``: their rule gives an inf where
Python would raise). The backward is the reversed list of ``parent += local * grad`` of
backprop's push, edge by edge in eager's order. Only the engine's names, numbered
temporaries (``v3``, ``g3``, ``d3_0``), float literals and numbers reach the text; a user
primitive is called as ``primitive<k>``, by number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from . import ops, rules, source, vocabulary
from .graph import topological_order
from .value import Value, check_number

LIMIT = 1e300  # K * V * G below this keeps every parameter's grad finite, rounding included
_DATA = Value.__dict__["data"]  # the slot behind Value.data: the engine may read a traced value
Entry = tuple[Any, Any, tuple[int, ...]]  # see autodiff.compile


@dataclass
class Generated:
    """What ``Compiled`` is made of: the text, the tape and what its checks need."""

    text: str
    tape: list[Entry]
    outputs: list[int]
    replay: list[int]
    labels: list[str]
    fan_in: int
    consts: float
    callees: dict[str, Any]


def graph(outs: list[Value], made: list[Value]) -> tuple[list[Value], list[int]]:
    """The nodes the outputs depend on, in the order of eager's backward walk (so the generated
    backward adds grads in eager's order), and the indices of the same nodes in the order f made
    them (eager's forward order, so a replay raises the error eager raises first)."""
    # every node f made is computed, even one no output depends on: eager mode computed it too,
    # so its errors are eager's. The outputs come first, so their nodes keep eager's walk order.
    try:
        order = topological_order(*outs, *made)
    except (AttributeError, TypeError):
        raise TypeError("compile: f's graph holds a node whose parents are not Values") from None
    born = {id(v): k for k, v in enumerate(made)}
    # what this trace did not make (leaves, constants, frozen nodes) first, then its nodes as made
    first = [i for i, v in enumerate(order) if id(v) not in born]
    replay = first + sorted((i for i, v in enumerate(order) if id(v) in born), key=lambda i: born[id(order[i])])
    pos = {id(order[i]): k for k, i in enumerate(replay)}
    if all(pos[id(p)] < pos[id(v)] for v in order for p in v.parents):
        return order, replay
    return order, list(range(len(order)))  # f did something unusual (nodes made by another thread)


def op_of(v: Value, i: int) -> tuple[Any, Any]:
    """A node's op as the tape keeps it (a key of ``ops.OPS``, or a user primitive's op) and its arg."""
    op = v.op
    if getattr(op, "primitive", None) is not None:
        return op, op
    key = rules.table_op(op) if type(op) is str else None
    if key not in ops.OPS:
        raise ValueError(
            f"compile: node v{i} has op {op!r:.80}, which is not in the rules table "
            f"({', '.join(ops.OPS)}); build nodes only with Value's operators"
        )
    if key != "**n":
        return key, op
    try:
        n = float(ops.const_exponent(op))
    except ValueError:
        raise ValueError(f"compile: node v{i} has op {op!r:.80}, whose exponent is not a number") from None
    if not -math.inf < n < math.inf:
        raise ValueError(f"compile: node v{i} has op {op!r:.80}, whose exponent is not finite")
    return key, n


def arity(kind: Any) -> tuple[int, int | None]:
    """The parents an op takes: (fewest, most or None)."""
    return ops.OPS[kind].arity if type(kind) is str else kind.primitive.arity


def tape(order: list[Value], inputs: list[Value], params: list[Value]) -> list[Entry]:
    """What each node is, checked before any source is written: only table ops, only finite floats."""
    index = {id(v): i for i, v in enumerate(order)}
    role: dict[int, Entry] = {}
    for kind, group in (("p", params), ("x", inputs)):  # an input given as a parameter too is an input
        for k, v in enumerate(group):
            role[id(v)] = (kind, k, ())
    entries: list[Entry] = []
    for i, v in enumerate(order):
        if id(v) in role:
            entries.append(role[id(v)])
        elif not v.parents:  # a constant, frozen at its value when traced
            entries.append(("c", check_number(_DATA.__get__(v, Value), "", f"compile: the constant of node v{i}"), ()))
        else:
            kind, arg = op_of(v, i)
            least, most = arity(kind)
            n = len(v.parents)
            if n < max(least, 1) or (most is not None and n > most):
                want = f"{least}" if least == most else f"at least {max(least, 1)}"
                raise ValueError(f"compile: node v{i} ({kind}) has {n} parents; {kind} takes {want}")
            entries.append((kind, arg, tuple(index[id(p)] for p in v.parents)))
    return entries


class Writer:
    """The forward's lines, node by node, and each node's local derivatives as text."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.name = [f"v{i}" for i in range(len(entries))]  # how the forward refers to each node's value
        for i, (kind, arg, _) in enumerate(entries):
            if kind == "c":
                self.name[i] = source.literal(arg)
        self.lines: list[str] = []
        self.local: dict[int, list[str]] = {}
        self.callees: dict[str, Any] = {}
        self.users: dict[int, str] = {}  # id of a user primitive -> its name in the text
        self.checks: list[vocabulary.Check] = []

    def node(self, i: int) -> None:
        kind, arg, parents = self.entries[i]
        args = [self.name[j] for j in parents]
        if type(kind) is str:
            extra = (arg,) if kind == "**n" else ()
            code = source.definition(ops.OPS[kind].define, args, extra, f"t{i}_", self.checks)
            if not code.risky:
                self._inline(i, code)
                return
        rule = self.callee(kind)
        self.lines.append(
            f"v{i}, d{i} = {rule}({', '.join(args)}{f', {source.literal(arg)}' if kind == '**n' else ''})"
        )
        self.local[i] = [f"d{i}[{k}]" for k in range(len(args))]

    def _inline(self, i: int, code: source.Code) -> None:
        self.lines += code.lines
        self.lines.append(f"v{i} = {code.value}")
        self.local[i] = []
        for k, text in enumerate(code.local):
            if text == code.value:
                self.local[i].append(f"v{i}")
            elif _simple(text) and not text.startswith("t"):  # a literal, or a parent's value
                self.local[i].append(text)
            else:
                self.lines.append(f"d{i}_{k} = {text}")
                self.local[i].append(f"d{i}_{k}")

    def callee(self, kind: Any) -> str:
        if type(kind) is str:
            name = "rule_" + _NAMES.get(kind, kind)
            self.callees[name] = rules.RULES[kind]
            return name
        known = self.users.get(id(kind.primitive))
        if known is not None:
            return known
        name = self.users[id(kind.primitive)] = f"primitive{len(self.users)}"
        self.callees[name] = kind.primitive.rule
        return name


_NAMES = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**n": "pow_const", "**": "pow"}


def _simple(text: str) -> bool:
    # a name or a literal: used as it is in backward, no statement of its own
    return text.isidentifier() or text in ("INF", "(-INF)", "NAN") or _is_number(text.strip("()"))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def generate(fname: str, inputs: list[Value], params: list[Value], outs: list[Value], made: list[Value]) -> Generated:
    """The tape and the text of ``vjp(x, p)`` and ``backward(saved, s, a, limit)`` for a trace."""
    order, replay = graph(outs, made)
    entries = tape(order, inputs, params)  # refuses anything but table ops and finite floats
    w = Writer(entries)
    _unpack(w, len(inputs), len(params))
    for i, (_, _, parents) in enumerate(entries):
        if parents:
            w.node(i)
    # the values and inputs: all finite, and a bound on their magnitude for backward's check (the
    # values of ops that shrink are finite and at most max(1, |parent|) when their parent is: not needed)
    w.lines.append(_scan([f"v{i}" for i, (kind, _, _) in enumerate(entries) if kind == "x" or not _shrinks(kind)]))
    index = {id(v): i for i, v in enumerate(order)}
    out_idx = [index[id(o)] for o in outs]
    back = Backward(entries, w.local, out_idx)
    text = _text(fname, w, back, len(inputs), len(params), out_idx)
    labels = [v.label if isinstance(v.label, str) else "" for v in order]
    consts = max([abs(arg) for kind, arg, _ in entries if kind == "c"], default=0.0)
    callees = {**w.callees, "fail": lambda k, args: w.checks[k].exception(args)}
    return Generated(text, entries, out_idx, replay, labels, back.fan_in, consts, callees)


def _shrinks(kind: Any) -> bool:
    # |value| <= max(1, |parent|): leaves and constants are scanned as inputs or not at all
    return kind in ("p", "c") or (type(kind) is str and kind != "x" and ops.OPS[kind].shrinks)


def _bounded(kind: Any) -> bool:
    return type(kind) is str and ops.OPS[kind].bounded


def _unpack(w: Writer, n_inputs: int, n_params: int) -> None:
    # inputs and parameters are unpacked in one statement each; unused slots go to _
    for src, n, kind in (("x", n_inputs, "x"), ("p", n_params, "p")):
        if n:
            at = {arg: i for i, (k, arg, _) in enumerate(w.entries) if k == kind}
            targets = [f"v{at[k]}" if k in at else "_" for k in range(n)]
            w.lines.append(f"{', '.join(targets)}, = {src}")


def _scan(names: list[str]) -> str:
    # m = sqrt(sum of squares): inf or NaN iff one of them is (or the norm overflows), and at least each's magnitude
    return f"m = hypot({', '.join(names)})"


class Backward:
    """The backward's lines: every edge, as eager's push adds it (constants' grads too)."""

    def __init__(self, entries: list[Entry], local: dict[int, list[str]], out_idx: list[int]) -> None:
        self.slot = {i: arg for i, (kind, arg, _) in enumerate(entries) if kind == "p"}
        self.uses = dict.fromkeys(range(len(entries)), 0)
        self.unbounded: set[int] = set(out_idx)  # leaves fed by a term the bound does not cover
        for kind, _, parents in entries:
            for j in parents:
                self.uses[j] += 1
                if not _bounded(kind):
                    self.unbounded.add(j)
        for j in out_idx:
            self.uses[j] += 1
        self.deferred: dict[int, str] = {}  # a parameter fed by one bounded edge: added into a[k] after the check
        self.lines: list[str] = []
        self.has_grad: set[int] = set()
        for k, i in enumerate(out_idx):
            self.add(i, f"s[{k}]")
        for i in range(len(entries) - 1, -1, -1):
            if i in local and i in self.has_grad:
                for j, loc in zip(entries[i][2], local[i]):
                    self.add(j, _term(loc, f"g{i}"))
        self._check(entries)
        self.fan_in = max([self.uses[j] for j in self.slot if j not in self.unbounded], default=1)

    def add(self, j: int, term: str) -> None:
        if j in self.slot and self.uses[j] == 1 and j not in self.unbounded:
            self.deferred[j] = term
        else:
            self.lines.append(f"g{j} {'+=' if j in self.has_grad else '='} {term}")
        self.has_grad.add(j)

    def _check(self, entries: list[Entry]) -> None:
        # checked before anything is added into a: the grads of the nodes with a parameter among
        # their parents (the bound on the parameters' grads needs them), and of the leaves the bound
        # does not cover. A non-finite grad anywhere else reaches one of them: it makes every parent's
        # grad non-finite too (0 * inf is NaN), down to the leaves.
        feeds = {i for i, (_, _, parents) in enumerate(entries) if any(j in self.slot for j in parents)}
        checked = [
            f"g{i}"
            for i, (kind, _, parents) in enumerate(entries)
            if i in self.has_grad and (i in feeds or (not parents and (kind != "p" or i in self.unbounded)))
        ]
        self.lines += [_scan(checked), "if limit is not None and not m < limit:", "    return None  # eager decides"]
        params_in = sorted((k, j) for j, k in self.slot.items() if j in self.has_grad)
        self.lines += [f"a[{k}] += {self.deferred.get(j, f'g{j}')}" for k, j in params_in]


def _term(loc: str, g: str) -> str:
    if loc == "1.0":
        return g
    if loc == "(-1.0)":
        return f"-{g}"
    return f"{loc} * {g}" if _simple(loc) or loc.startswith("d") else f"({loc}) * {g}"


def _text(fname: str, w: Writer, back: Backward, n_inputs: int, n_params: int, out_idx: list[int]) -> str:
    x_at = {arg: i for i, (kind, arg, _) in enumerate(w.entries) if kind == "x"}
    outputs = "(" + "".join(w.name[i] + ", " for i in out_idx) + ")"
    # "+ 0.0": eager's grads all start from 0.0, so a first term of -0.0 leaves 0.0 there; here too
    input_grads = "".join(
        (f"g{x_at[k]} + 0.0" if x_at.get(k) in back.has_grad else "0.0") + ", " for k in range(n_inputs)
    )
    names = sorted({name for line in back.lines for name in re.findall(r"\b[vd]\d+(?:_\d+)?\b", line)})
    pack = "(" + "".join(n + ", " for n in names) + ")"
    lines = [
        f"# compiled by autodiff from a trace of {fname + '()' * fname.isidentifier()}, {len(w.entries)} nodes",
        f"# x: {n_inputs} inputs, p: {n_params} parameters, s: seeds of the {len(out_idx)} output(s),",
        "# a: parameter gradients, added into; m: a norm, finite iff every number in it is;",
        "# limit: the bound on m that keeps every parameter's grad finite",
        "",
        "def vjp(x, p):",
        "    # forward, keeping what backward needs",
    ]
    lines += ["    " + text for text in w.lines]
    lines += [f"    return {outputs}, {pack}, m", "", "", "def backward(saved, s, a, limit):"]
    if names:
        lines.append(f"    {', '.join(names)}, = saved")
    lines.append("    # reverse topological order: parent += local * node grad")
    lines += ["    " + text for text in back.lines]
    lines.append(f"    return ({input_grads})")
    return "\n".join(lines) + "\n"
