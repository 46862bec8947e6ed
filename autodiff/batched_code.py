"""A batch plan as straight-line numpy code: the plan's groups written out, one statement after another.

``autodiff.batched`` runs a tape's groups (the nodes of one op and level) over numpy
arrays, group by group, through objects that look up, at every call, where each group
reads its inputs and how its op's definition speaks numpy. This module is one more
interpreter of the same definitions: it runs each op's definition (``autodiff.rules``)
once, on ``NumpySym``\\ s, traced numbers whose words write numpy calls (``np.where``,
``np.exp`` ...), and writes the plan as two Python functions, ``forward(V, U)`` and
``backward(G, GU, V, saved)``, in which every group is a few lines of numpy with its
rows and indices written in. Nothing is looked up at run time; the numbers are the
interpreter's, bit for bit (the same numpy calls in the same order).

What the code does, group by group:

- an MLP layer (a ``dot`` group with parameters as weights): ``in_order`` forward, two
  matrix products backward (see ``autodiff.batched``);
- an op of one or two inputs (``relu``, ``*``, ``-`` ...): its definition's statements
  over the group's rows, the value written into ``V``, its local derivatives kept for
  backward, and backward's ``G[rows] += local * g`` with the parents' rows written in;
- anything else (``sum``, ``logsumexp``, a user primitive): one call of the interpreter's
  own group, so every tape runs.

``Plan.source()`` is the text (``Compiled.batch_source()`` shows it). The text is built
from the engine's own names, numbers and the plan's rows only: no label, no user text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import export, source, vocabulary


class NumpyProgram(export.TensorProgram):
    """A definition's statements over numpy arrays (every operation a statement: a value used twice is
    computed once, as the interpreter computes it)."""

    def sym(self, text: str, prec: int, depth: int = 0) -> NumpySym:
        return NumpySym(self, text, prec, depth)


class NumpySym(export.Tensor):
    """An array in generated numpy code: ``np.exp(x)`` and the rest, as ``autodiff.arrays`` calls them."""


class Words(export.Words):
    """The rules' vocabulary over NumpySyms (``vocabulary.speak(NumpySym, WORDS)``), written as
    ``autodiff.arrays.Arrays`` computes: the same numpy function for each word, in the same order."""

    def where(self, cond: Any, yes: Any, no: Any) -> Any:
        if not isinstance(cond, source.Sym):  # a condition on constants is known now
            return yes if cond else no
        return cond.program.temp(f"np.where({cond.text}, {export.text_of(yes)}, {export.text_of(no)})")

    def finite(self, x: Any) -> Any:
        return x.program.temp(f"(-INF < {x.text}) & ({x.text} < INF)")

    def maximum(self, *xs: Any) -> Any:
        p = next(x.program for x in xs if isinstance(x, source.Sym))
        m = xs[0]
        for x in xs[1:]:  # functools.reduce(np.maximum, xs), as the arrays' word does
            m = p.temp(f"np.maximum({export.text_of(m)}, {export.text_of(x)})")
        return m

    def check(self, ok: Any, check: vocabulary.Check) -> None:
        p = ok.program
        p.checks.append(check)
        p.lines.append(f"if not ({ok.text}).all(): raise Failed(CHECKS[{len(p.checks) - 1}])")


WORDS = Words()


WRITTEN_OUT = 16  # a group of an op of more inputs than this (a long sum or dot) is the interpreter's call


@dataclass
class Writer:
    """The text of ``forward`` and ``backward``, and the names it binds (index arrays, groups, checks)."""

    np: Any
    inputs: int = 0  # rows 0 .. inputs-1 of V are the samples' inputs: backward adds no grad to them
    params: int = 0  # entries 0 .. params-1 of U are parameters, the rest constants (whose grads nobody reads)
    forward: list[str] = field(default_factory=list)
    backward: list[str] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)  # what forward returns for backward, by name
    names: dict[str, Any] = field(default_factory=dict)
    checks: list[vocabulary.Check] = field(default_factory=list)

    def bind(self, name: str, value: Any) -> str:
        """``name`` in the code's namespace, holding ``value`` (an index array, a group ...)."""
        self.names[name] = value
        return name

    def wanted(self, at: Any) -> bool:
        """Whether the rows ``at`` (a slice or an index array) need their grads: not all of them inputs."""
        last = at.stop - 1 if isinstance(at, slice) else int(at.max())
        return last >= self.inputs

    def parameters(self, entries: Any) -> bool:
        """Whether the entries of U (an index array) hold a parameter: not only constants."""
        return int(entries.min()) < self.params

    def rows(self, at: Any, name: str) -> str:
        """A subscript for ``at``: a slice written out, or an index array bound to ``name``."""
        if isinstance(at, slice):
            step = "" if at.step in (None, 1) else f":{at.step}"
            return f"{at.start}:{at.stop}{step}"
        return self.bind(name, at)


def write(plan: Any, input_grads: bool = True) -> Writer:
    """The plan's groups as the lines of ``forward`` and ``backward`` (``backward`` in reverse order);
    without ``input_grads``, backward adds nothing into the inputs' rows (what training needs)."""
    w = Writer(plan.np, 0 if input_grads else plan.n_inputs, plan.n_params)
    for k, group in enumerate(plan.groups):
        back: list[str] = []
        if group.layer is not None:
            layer(w, k, group, back)
        elif type(group.key) is str and len(group.sources) <= WRITTEN_OUT:
            rule(w, k, group, back)
        else:
            call(w, k, group, back)
        if group.reached:
            w.backward[:0] = back
    return w


def layer(w: Writer, k: int, group: Any, back: list[str]) -> None:
    """An MLP layer: ``in_order`` forward; backward's two matrix products, added where the rows lie."""
    lay = group.layer
    weights = _weights(w, k, lay, "U")
    x = f"V[{w.rows(lay.x_at, f'X{k}')}]"
    rows = f"V[{group.start}:{group.stop}]"
    w.saved.append(f"w{k}")
    w.forward += [f"w{k} = {weights}", f"np.matmul(w{k}, {x}, out={rows})  # dot: a layer of {len(group.nodes)}"]
    if lay.b_idx is not None:
        w.forward.append(f"{rows} += U[{w.rows(lay.b_at if lay.b_unique else lay.b_idx, f'B{k}')}, None]")
    back.append(f"g = G[{group.start}:{group.stop}]")
    if w.wanted(lay.x_at) and lay.x_unique:
        back.append(f"G[{w.rows(lay.x_at, f'X{k}')}] += w{k}.T @ g")
    elif w.wanted(lay.x_at):
        back.append(f"np.add.at(G, {w.rows(lay.x_at, f'X{k}')}, w{k}.T @ g)")
    if not w.parameters(lay.w_idx):
        pass  # constant weights
    elif lay.grid is not None:
        back.append(f"{_weights(w, k, lay, 'GU')} += g @ {x}.T")
    elif lay.w_unique:
        back.append(f"GU[{w.bind(f'W{k}', lay.w_idx)}] += g @ {x}.T")
    else:
        back.append(f"np.add.at(GU, {w.bind(f'W{k}', lay.w_idx)}, g @ {x}.T)")
    if lay.b_idx is not None and w.parameters(lay.b_idx):
        if lay.b_unique:
            back.append(f"GU[{w.rows(lay.b_at, f'BA{k}')}] += g.sum(axis=1)")
        else:
            back.append(f"np.add.at(GU, {w.bind(f'B{k}', lay.b_idx)}, g.sum(axis=1))")


def _weights(w: Writer, k: int, lay: Any, array: str) -> str:
    # the layer's (neurons, inputs) weights in U (or GU): a view where they lie as rows of a matrix
    if lay.grid is None:
        return f"{array}[{w.bind(f'W{k}', lay.w_idx)}]"
    start, stride, n_rows, n = lay.grid
    return f"{array}[{start}:{start + n_rows * stride}].reshape({n_rows}, {stride})[:, :{n}]"


def rule(w: Writer, k: int, group: Any, back: list[str]) -> None:
    """An op of fixed arity: its definition's statements over the group's rows, then backward's adds."""
    inputs = []
    for j, s in enumerate(group.sources):
        name = f"a{k}_{j}"
        w.forward.append(f"{name} = {_get(w, k, j, s)}")
        inputs.append(name)
    program = NumpyProgram(f"t{k}_", inputs, checks=w.checks, module="np")
    program.every = True
    extra = (group.arg,) if group.key == "**n" else ()
    value, local = group.define(*[program.sym(x, source.ATOM) for x in inputs], *extra)
    w.forward += program.lines
    w.forward.append(f"V[{group.start}:{group.stop}] = {export.text_of(value)}  # {group.key}")
    back.append(f"g = G[{group.start}:{group.stop}]")
    for j, (s, d) in enumerate(zip(group.sources, local)):
        if s.kind == "u" and not w.parameters(s.idx):
            continue  # constants: nobody reads their grads
        if isinstance(d, source.Sym):  # kept whether or not this backward wants the inputs' grads: one forward
            w.saved.append(f"d{k}_{j}")
            w.forward.append(f"d{k}_{j} = {d.text}")
            term = f"d{k}_{j} * g"
        else:
            term = "g" if float(d) == 1.0 else "-g" if float(d) == -1.0 else f"{source.literal(float(d))} * g"
        if s.kind == "u" or w.wanted(s.idx):
            back.append(_add(w, k, j, s, term))


def _get(w: Writer, k: int, j: int, s: Any) -> str:
    # the rows (or entries) source ``s`` reads, as ``autodiff.batched``'s source reads them
    if s.kind == "u":
        return f"U[{w.rows(s.at, f'I{k}_{j}')}, None]"
    if s.shared:
        i = int(s.idx[0])
        return f"V[{i}:{i + 1}]"
    return f"V[{w.rows(s.at, f'I{k}_{j}')}]"


def _add(w: Writer, k: int, j: int, s: Any, term: str) -> str:
    # G[rows] += term, or GU[entries] += term summed over the samples, as the interpreter adds
    if s.kind == "u":
        if s.unique:
            return f"GU[{w.rows(s.at, f'I{k}_{j}')}] += ({term}).sum(axis=1)"
        return f"np.add.at(GU, {w.bind(f'I{k}_{j}', s.idx)}, ({term}).sum(axis=1))"
    if s.shared:
        return f"G[{int(s.idx[0])}] += ({term}).sum(axis=0)"
    if s.span is not None or s.unique:
        return f"G[{w.rows(s.at, f'I{k}_{j}')}] += {term}"
    return f"np.add.at(G, {w.bind(f'I{k}_{j}', s.idx)}, {term})"


def call(w: Writer, k: int, group: Any, back: list[str]) -> None:
    """Any other group: the interpreter's own, called once (its locals kept for backward)."""
    name = w.bind(f"GROUP{k}", group)
    w.saved.append(f"s{k}")
    w.forward.append(f"s{k} = {name}.forward(np, V, U, B)  # {group.key}")
    back.append(f"{name}.backward(np, G, GU, s{k})")


@dataclass(frozen=True)
class Code:
    """The generated functions and their text."""

    text: str
    forward: Callable[[Any, Any, int], tuple[Any, ...]]
    backward: Callable[[Any, Any, Any, tuple[Any, ...]], None]


def generate(plan: Any, input_grads: bool = True) -> Code:
    """Write ``plan`` (an ``autodiff.batched.Plan``) as code and compile it (engine text only: rows, numbers
    and the engine's names); ``input_grads``: see ``write``."""
    w = write(plan, input_grads)
    saved = "".join(f"{name}, " for name in w.saved)
    lines = ["def forward(V, U, B):"]
    lines += [f"    {s}" for s in w.forward] + [f"    return ({saved})", "", ""]
    lines += ["def backward(G, GU, V, saved):", f"    ({saved}) = saved"]
    lines += [f"    {s}" for s in w.backward] or ["    pass"]
    text = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {"np": plan.np, "Failed": vocabulary.Failed}
    namespace.update(w.names, CHECKS=w.checks, INF=math.inf, NAN=math.nan)
    exec(compile(text, "<autodiff batch plan>", "exec"), namespace)  # engine-generated text (module docstring)
    return Code(text, namespace["forward"], namespace["backward"])
