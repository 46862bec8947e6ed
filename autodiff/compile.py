"""Trace a function once into straight-line Python, then replay it without Values.

``compile(f, example_inputs, params)`` calls ``f`` once on traced Values, walks
the graph it built and writes one line of Python per node (forward) and one per
edge (backward, the reversed list of ``+=`` of backprop), from the rules table:
ops with an expression in ``rules.CODE`` are written inline, the others call
their rule function. The result replays forward and backward on new floats.

Only the engine's op names, numbered temporaries (``v3``, ``g3``, ``d3``) and
float literals reach the generated source; labels never do.

Limits (as for JAX's jit): a trace records one path through ``f``. Branches on
values inside the rules (relu, abs, sigmoid) are fine: they are evaluated on
every call. A branch in ``f`` itself on a value (``if x.data > 0``) would be
frozen; reading ``.data`` of a traced Value while tracing raises ``TraceError``
so that this cannot happen silently. Values that ``f`` uses but that are neither
inputs nor ``params`` are frozen at their value at trace time. Not thread-safe:
trace in one thread at a time.
"""

from __future__ import annotations

import builtins
import math
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from . import rules
from . import value as _value
from .graph import topological_order
from .value import Value

_DATA = Value.__dict__["data"]  # the slot descriptor behind Value.data


class TraceError(RuntimeError):
    """``f`` did something a trace cannot record (e.g. read a traced value)."""


class _Traced(Value):
    """A Value made while tracing: user code may not read its ``data``."""

    __slots__ = ()

    @property
    def data(self) -> float:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if not (caller == "autodiff" or caller.startswith("autodiff.")):
            frame = sys._getframe(1)
            raise TraceError(
                f"compile: f read .data of a traced value ({frame.f_code.co_filename}:{frame.f_lineno}); "
                "a trace records one path, so a branch on a value would be frozen. Use the engine's ops "
                "(relu, abs, ...) for value-dependent choices, or run f eagerly"
            )
        return cast(float, _DATA.__get__(self, Value))

    @data.setter
    def data(self, x: float) -> None:
        _DATA.__set__(self, x)


@contextmanager
def _tracing() -> Iterator[None]:
    previous = _value._NODE
    _value._NODE = _Traced
    try:
        yield
    finally:
        _value._NODE = previous


@dataclass(frozen=True)
class Result:
    """What a compiled function returns: output value(s) and gradients.

    ``value`` is a float (one output) or a tuple; ``input_grads`` and
    ``param_grads`` are tuples of d(sum_k seed_k * output_k)/d(input or parameter).
    """

    value: Any
    input_grads: tuple[float, ...]
    param_grads: tuple[float, ...]


class Compiled:
    """A traced function: call it with input floats; ``.source`` is the generated code."""

    def __init__(
        self,
        name: str,
        source: str,
        n_inputs: int,
        params: list[Value],
        n_outputs: int,
        scalar: bool,
        nodes: list[tuple[str, str]],
        line_node: dict[int, int],
    ) -> None:
        self.name = name
        self.source = source
        self.n_inputs = n_inputs
        self.params = params
        self.n_outputs = n_outputs
        self.scalar = scalar
        self._nodes = nodes  # (op, label) per node index, for error messages only
        self._line_node = line_node
        namespace: dict[str, Any] = {"exp": math.exp, "tanh": math.tanh}
        for op in rules.RULES:
            if op not in rules.CODE:
                namespace[_rule_name(op)] = rules.RULES[op]
        code = builtins.compile(source, f"<autodiff.compile {name}>", "exec")
        exec(code, namespace)  # engine-generated source, see the module docstring
        self._vjp = namespace["vjp"]
        self._backward = namespace["backward"]

    def _args(
        self, inputs: Sequence[float], params: Sequence[float] | None
    ) -> tuple[tuple[float, ...], tuple[float, ...]]:
        if len(inputs) != self.n_inputs:
            raise TypeError(f"{self.name}: takes {self.n_inputs} inputs, got {len(inputs)}")
        p = tuple(v.data for v in self.params) if params is None else tuple(params)
        if len(p) != len(self.params):
            raise TypeError(f"{self.name}: takes {len(self.params)} parameter values, got {len(p)}")
        return tuple(inputs), p

    def forward(self, *inputs: float, params: Sequence[float] | None = None) -> Any:
        """The output value(s) only; ``params`` default to the parameters' current data."""
        x, p = self._args(inputs, params)
        out = self._run(self._vjp, x, p)[0]
        return out[0] if self.scalar else out

    def __call__(
        self, *inputs: float, params: Sequence[float] | None = None, seed: Sequence[float] | None = None
    ) -> Result:
        """Forward and backward: value(s) and the gradients of ``sum_k seed_k * output_k``.

        ``seed`` defaults to 1 for each output. ``params`` default to the current
        data of the parameters given at compile time.
        """
        value, backward = self.vjp(*inputs, params=params)
        gp = [0.0] * len(self.params)
        gx = backward((1.0,) * self.n_outputs if seed is None else seed, gp)
        return Result(value, gx, tuple(gp))

    def vjp(
        self, *inputs: float, params: Sequence[float] | None = None
    ) -> tuple[Any, Callable[..., tuple[float, ...]]]:
        """Run forward once; return the value(s) and ``backward(seed, into)``.

        ``backward`` adds the parameter gradients of ``sum_k seed_k * output_k``
        into the list ``into`` (one float per parameter, e.g. summed over a batch)
        and returns the input gradients. It may be called more than once.
        """
        x, p = self._args(inputs, params)
        out, saved = self._run(self._vjp, x, p)

        def backward(seed: Sequence[float] | float, into: list[float]) -> tuple[float, ...]:
            s = (seed,) if isinstance(seed, (int, float)) else tuple(seed)
            if len(s) != self.n_outputs:
                raise TypeError(f"{self.name}: seed needs {self.n_outputs} values, got {len(s)}")
            if len(into) != len(self.params):
                raise TypeError(f"{self.name}: into needs {len(self.params)} floats, got {len(into)}")
            return cast(tuple[float, ...], self._run(self._backward, saved, s, into))

        return (out[0] if self.scalar else out), backward

    def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except (ArithmeticError, ValueError) as e:
            tb = e.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename != f"<autodiff.compile {self.name}>":
                tb = tb.tb_next
            where = ""
            if tb is not None and tb.tb_lineno in self._line_node:
                i = self._line_node[tb.tb_lineno]
                op, label = self._nodes[i]
                where = f" at node v{i} ({op}{f', from {label!r}' if label else ''})"
            raise type(e)(f"{self.name}{where}: {e}; run f eagerly on these inputs for the full message") from None

    def __repr__(self) -> str:
        return (
            f"<Compiled {self.name}: {self.n_inputs} inputs, {len(self.params)} params, "
            f"{self.n_outputs} output(s), {len(self._nodes)} nodes>"
        )


def _rule_name(op: str) -> str:
    names = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**n": "pow_const", "**": "pow"}
    return "rule_" + names.get(op, op)


def compile(  # noqa: A001 - autodiff.compile, as torch.compile
    f: Callable[..., Value | Sequence[Value]],
    example_inputs: Sequence[float],
    params: Sequence[Value] = (),
    name: str | None = None,
) -> Compiled:
    """Trace ``f(*inputs)`` once and return a ``Compiled`` that replays it on new floats.

    ``example_inputs`` are floats (or Values, whose data is used); ``f`` receives
    traced Values in their place and returns a Value or a list of Values.
    ``params`` are leaf Values ``f`` reads (e.g. ``model.parameters()``): each call
    uses their current data (or ``params=`` floats) and returns their gradients.
    """
    if isinstance(example_inputs, (Value, int, float)):
        raise TypeError("compile: example_inputs must be a sequence of numbers; wrap a single one in a list")
    xs = [x.data if isinstance(x, Value) else float(x) for x in example_inputs]
    params = list(params)
    for i, p in enumerate(params):
        if not isinstance(p, Value) or p.parents:
            raise TypeError(f"compile: params[{i}] must be a leaf Value (e.g. from model.parameters()), got {p!r}")
    with _tracing():
        leaves: list[Value] = [_Traced(x, label=f"x{i}") for i, x in enumerate(xs)]
        out = f(*leaves)
    scalar = isinstance(out, Value)
    outs = [out] if scalar else list(out) if isinstance(out, (list, tuple)) else None
    if not outs or not all(isinstance(o, Value) for o in outs):
        raise TypeError(f"compile: f must return a Value or a list of Values, got {type(out).__name__}")
    fname = name or cast(str, getattr(f, "__name__", "f"))
    fname = fname if fname.isidentifier() else "f"
    return _generate(fname, leaves, params, cast(list[Value], outs), scalar)


def _generate(fname: str, inputs: list[Value], params: list[Value], outs: list[Value], scalar: bool) -> Compiled:
    hub = _value._node(0.0, "sum", tuple(outs), (1.0,) * len(outs))  # one root over every output
    order = topological_order(hub)[:-1]
    index = {id(v): i for i, v in enumerate(order)}
    role: dict[int, str] = {}
    for i, v in enumerate(inputs):
        if id(v) in index:
            role[id(v)] = f"x[{i}]"
    for i, v in enumerate(params):
        if id(v) in index and id(v) not in role:
            role[id(v)] = f"p[{i}]"

    fwd: list[tuple[str, int]] = []  # (line, node index)
    # inputs and parameters are unpacked in one statement each; unused slots go to _
    for source, group in (("x", inputs), ("p", params)):
        if group:
            targets = [f"v{index[id(v)]}" if role.get(id(v)) == f"{source}[{k}]" else "_" for k, v in enumerate(group)]
            fwd.append((f"{', '.join(targets)}, = {source}", -1))
    local: dict[int, list[str]] = {}
    name = [f"v{i}" for i in range(len(order))]
    for i, v in enumerate(order):
        if not v.parents and id(v) not in role:  # a constant, frozen at its value when traced
            c = _DATA.__get__(v, Value)
            name[i] = repr(c) if c >= 0.0 else f"({c!r})"
    for i, v in enumerate(order):
        if not v.parents:
            continue
        args = [name[index[id(p)]] for p in v.parents]
        op = rules.table_op(v.op)
        if op in rules.CODE:
            expr, locs = rules.CODE[op](f"v{i}", args)
            fwd.append((f"v{i} = {expr}", i))
        elif op == "**n":
            n = rules.const_exponent(v.op)
            fwd.append((f"v{i}, d{i} = {_rule_name(op)}({args[0]}, {n!r})", i))
            locs = [f"d{i}[0]"]
        else:
            fwd.append((f"v{i}, d{i} = {_rule_name(op)}({', '.join(args)})", i))
            locs = [f"d{i}[{k}]" for k in range(len(args))]
        local[i] = locs

    out_idx = [index[id(o)] for o in outs]
    param_slot = {index[id(v)]: k for k, v in enumerate(params) if id(v) in index}
    bwd: list[tuple[str, int]] = []
    has_grad: set[int] = set()

    wanted = {index[id(v)] for v in list(inputs) + list(params) if id(v) in index}
    needs = _needs_grad(order, index, wanted)
    # a parameter fed by one edge adds straight into a[k]; one fed by several sums
    # into a local first (faster), flushed into a[k] at the end
    uses: dict[int, int] = {}
    for v in order:
        for p in v.parents:
            j = index[id(p)]
            if j in param_slot:
                uses[j] = uses.get(j, 0) + 1

    def add(j: int, term: str, node: int) -> None:
        if j in param_slot and uses.get(j, 0) <= 1:
            bwd.append((f"a[{param_slot[j]}] += {term}", node))
        elif j in has_grad:
            bwd.append((f"g{j} += {term}", node))
        else:
            bwd.append((f"g{j} = {term}", node))
        has_grad.add(j)

    for k, i in enumerate(out_idx):
        add(i, f"s[{k}]", i)
    for i in range(len(order) - 1, -1, -1):
        v = order[i]
        if not v.parents or i not in has_grad:
            continue
        g = f"a[{param_slot[i]}]" if i in param_slot and uses.get(i, 0) <= 1 else f"g{i}"
        for p, loc in zip(v.parents, local[i]):
            j = index[id(p)]
            if j not in needs:
                continue  # a constant, or a node no input or parameter depends on
            if loc == "1.0":
                term = g
            elif loc == "-1.0":
                term = f"-{g}"
            else:
                term = f"{loc} * {g}" if _simple(loc) else f"({loc}) * {g}"
            add(j, term, i)

    for j, k in sorted(param_slot.items(), key=lambda item: item[1]):
        if uses.get(j, 0) > 1 and j in has_grad:
            bwd.append((f"a[{k}] += g{j}", j))

    def grad_of(v: Value) -> str:
        j = index.get(id(v))
        return f"g{j}" if j is not None and j in has_grad else "0.0"

    outputs = "(" + ", ".join(f"v{i}" for i in out_idx) + ",)"
    input_grads = "(" + "".join(grad_of(v) + ", " for v in inputs) + ")"
    lines = [
        f"# compiled by autodiff from a trace of {fname}(): {len(order)} nodes",
        f"# x: {len(inputs)} inputs, p: {len(params)} parameters, s: seeds of the {len(outs)} output(s),",
        "# a: parameter gradients, added into",
    ]
    line_node: dict[int, int] = {}

    def emit(body: list[tuple[str, int]], indent: str = "    ") -> None:
        for text, node in body:
            lines.append(indent + text)
            if node >= 0:
                line_node[len(lines)] = node

    saved = sorted({int(m[1:]) for text, _ in bwd for m in re.findall(r"\bv\d+", text)})
    saved_d = sorted({int(m[1:]) for text, _ in bwd for m in re.findall(r"\bd\d+", text)})
    names = [f"v{i}" for i in saved] + [f"d{i}" for i in saved_d]
    pack = "(" + "".join(n + ", " for n in names) + ")"
    lines += ["", "def vjp(x, p):", "    # forward, keeping what backward needs"]
    emit(fwd)
    lines += [f"    return {outputs}, {pack}", "", "", "def backward(saved, s, a):"]
    if names:
        lines.append(f"    {', '.join(names)}, = saved")
    lines.append("    # reverse topological order: parent += local * node grad")
    emit(bwd)
    lines.append(f"    return {input_grads}")
    source = "\n".join(lines) + "\n"
    nodes = [(v.op or "leaf", v.label) for v in order]
    return Compiled(fname, source, len(inputs), params, len(outs), scalar, nodes, line_node)


def _needs_grad(order: list[Value], index: dict[int, int], wanted: set[int]) -> set[int]:
    # nodes on a path from an input or parameter: the only ones whose grads are used
    needs = set(wanted)
    for i, v in enumerate(order):
        if v.parents and any(index[id(p)] in needs for p in v.parents):
            needs.add(i)
    return needs


def _simple(expr: str) -> bool:
    # a name, d<i>[k], or a literal: safe to multiply without parentheses
    return bool(re.fullmatch(r"[A-Za-z_]\w*(\[\d+\])?|[\d.e+-]+|\(-[\d.e+-]+\)", expr))
