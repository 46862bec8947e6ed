"""A batch plan as straight-line numpy code: the plan's groups written out, one statement after another.

``autodiff.batched`` groups a tape's nodes (the nodes of one op and level) and decides
where each group reads its inputs and adds its grads. This module is one more
interpreter of the ops' definitions: it runs each definition (``autodiff.rules``,
``autodiff.fused``) once, on traced numbers (``NumpySym``) whose words write numpy
calls (``np.where``, ``np.exp`` ...), and writes the plan as two Python functions,
``forward(V, U, B)`` and ``backward(G, GU, V, saved)``, in which every group is a few
lines of numpy with its rows and indices written in. Nothing is looked up at run time.
The words are numpy's functions as ``autodiff.arrays`` calls them, so a definition
written out gives that interpreter's numbers.

What the code does, group by group:

- an MLP layer (a ``dot`` group with parameters as weights): one matrix product and the
  bias forward; backward, a matrix product into the inputs' rows, one for the weights'
  grads (through a view where they lie as a matrix's rows) and a sum for the biases';
- an op of at most ``WRITTEN_OUT`` inputs (``relu``, ``*``, a short ``sum`` ...): its
  definition's statements over the group's rows, the value written into ``V``, its local
  derivatives kept for backward, and backward's ``local * g`` into the parents' rows;
- anything else (a long ``sum`` or ``logsumexp``, a user primitive): one call of the
  plan's own group object (``autodiff.batched``), so every tape runs.

Backward writes a row's first grad into ``G`` (``np.multiply(d, g, out=G[rows])``) and
adds the next ones; the rows no grad reaches are set to 0 first, so ``G`` needs no
zeroing. A parameter's grads are always added, to zeros (``GU``). The grads of constants
are not computed, nor, for training (``input_grads=False``), the inputs'.

``Compiled.batch_source()`` shows the text. It is built from the engine's own names,
row numbers and float literals only: no label, no user text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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
        if _number(yes, 1.0) and _number(no, 0.0):  # the same numbers as np.where, faster
            return cond.program.temp(f"({cond.text}).astype(np.float64)")
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


def _number(x: Any, c: float) -> bool:
    # x is the number c (0.0, not -0.0)
    return not isinstance(x, source.Sym) and float(x) == c and math.copysign(1.0, float(x)) == 1.0


WRITTEN_OUT = 16  # a group of an op of more inputs than this (a long sum or dot) is the interpreter's call


@dataclass
class Writer:
    """The text of ``forward`` and ``backward``, and the names it binds (index arrays, groups, checks)."""

    np: Any
    inputs: int  # rows 0 .. inputs-1 of V are the samples' inputs: backward adds no grad to them
    params: int  # entries 0 .. params-1 of U are parameters, the rest constants (whose grads nobody reads)
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

    def into(self, idx: list[int], unique: bool, term: Term, name: str, written: set[int]) -> list[str]:
        """``term`` into the rows ``idx`` of G (``unique``: no row twice): written where none of them holds a
        grad yet, else added (rows that hold none set to 0 first); ``written`` is updated."""
        fresh = [i for i in idx if i not in written]
        written.update(idx)
        span = _span(idx)
        if unique and len(fresh) == len(idx):
            if span is not None:
                return [term.into(f"G[{span}]")]
            return [f"G[{self.bind(name, self.np.asarray(idx, dtype=self.np.intp))}] = {term.text()}"]
        lines = self.zero(sorted(set(fresh)), f"Z{name}")
        if unique:
            at = span if span is not None else self.bind(name, self.np.asarray(idx, dtype=self.np.intp))
            return lines + [f"G[{at}] += {term.text()}"]
        return lines + [f"np.add.at(G, {self.bind(name, self.np.asarray(idx, dtype=self.np.intp))}, {term.text()})"]

    def zero(self, rows: list[int], name: str) -> list[str]:
        """The statement that sets the rows ``rows`` of G to 0 (none for no rows)."""
        if not rows:
            return []
        span = _span(rows)
        at = span if span is not None else self.bind(name, self.np.asarray(rows, dtype=self.np.intp))
        return [f"G[{at}] = 0.0"]

    def rows(self, at: Any, name: str) -> str:
        """A subscript for ``at``: a slice written out, or an index array bound to ``name``."""
        if isinstance(at, slice):
            return f"{at.start}:{at.stop}" + (f":{at.step}" if at.step is not None else "")
        return self.bind(name, at)


# backward's lines for one group, given the rows of G that hold a grad already (which it updates)
Back = Callable[[set[int]], list[str]]


def _span(idx: list[int]) -> str | None:
    # "a:b" when the indices are a, a+1, ..., b-1
    return f"{idx[0]}:{idx[-1] + 1}" if idx == list(range(idx[0], idx[0] + len(idx))) else None


def write(plan: Any, input_grads: bool) -> Writer:
    """The plan's groups as the lines of ``forward`` and ``backward`` (``backward`` in reverse order);
    without ``input_grads``, backward adds nothing into the inputs' rows (what training needs).

    ``G`` starts uninitialised but for the seeded outputs' rows (all zeros when the outputs
    are not one row each): a row's first grad is written into it, the next ones added, and
    the rows no grad reaches are set to 0 first. Parameters' grads (``GU``) are always added
    (to zeros), so a grad of -0.0 is 0.0 there, as eager's."""
    w = Writer(plan.np, 0 if input_grads else plan.n_inputs, plan.n_params)
    backs: list[Back] = []
    for k, group in enumerate(plan.groups):
        if group.layer is not None:
            back = layer(w, k, group)
        elif type(group.key) is str and len(group.sources) <= WRITTEN_OUT:
            back = rule(w, k, group)
        else:
            back = call(w, k, group)
        if group.reached:
            backs.append(back)
    written = set(range(plan.rows)) if plan.out_rows is None else set(plan.out_rows)
    for back in reversed(backs):
        w.backward += back(written)
    w.backward[:0] = w.zero(sorted(set(range(plan.rows)) - written), "Z")
    return w


def layer(w: Writer, k: int, group: Any) -> Back:
    """An MLP layer: one matrix product forward, and the bias; backward's two matrix products."""
    lay = group.layer
    weights = _weights(w, k, lay, "U")
    x = f"V[{w.rows(lay.x_at, f'X{k}')}]"
    rows = f"V[{group.start}:{group.stop}]"
    w.saved.append(f"w{k}")
    w.forward += [f"w{k} = {weights}", f"np.matmul(w{k}, {x}, out={rows})  # dot: a layer of {len(group.nodes)}"]
    if lay.b_idx is not None:
        w.forward.append(f"{rows} += U[{w.rows(lay.b_at if lay.b_unique else lay.b_idx, f'B{k}')}, None]")

    def back(written: set[int]) -> list[str]:
        lines = [f"g = G[{group.start}:{group.stop}]"]
        if w.wanted(lay.x_at):
            idx = list(range(lay.x_at.start, lay.x_at.stop)) if isinstance(lay.x_at, slice) else lay.x_at.tolist()
            lines += w.into(idx, lay.x_unique, Term(f"w{k}.T", "@"), f"X{k}", written)
        if not w.parameters(lay.w_idx):
            pass  # constant weights
        elif lay.grid is not None:
            lines.append(f"{_weights(w, k, lay, 'GU')} += g @ {x}.T")
        elif lay.w_unique:
            lines.append(f"GU[{w.bind(f'W{k}', lay.w_idx)}] += g @ {x}.T")
        else:
            lines.append(f"np.add.at(GU, {w.bind(f'W{k}', lay.w_idx)}, g @ {x}.T)")
        if lay.b_idx is not None and w.parameters(lay.b_idx):
            if lay.b_unique:
                lines.append(f"GU[{w.rows(lay.b_at, f'BA{k}')}] += g.sum(axis=1)")
            else:
                lines.append(f"np.add.at(GU, {w.bind(f'B{k}', lay.b_idx)}, g.sum(axis=1))")
        return lines

    return back


def _weights(w: Writer, k: int, lay: Any, array: str) -> str:
    # the layer's (neurons, inputs) weights in U (or GU): a view where they lie as rows of a matrix
    if lay.grid is None:
        return f"{array}[{w.bind(f'W{k}', lay.w_idx)}]"
    start, stride, n_rows, n = lay.grid
    return f"{array}[{start}:{start + n_rows * stride}].reshape({n_rows}, {stride})[:, :{n}]"


class Term(NamedTuple):
    """What backward adds into a parent's rows: ``factor`` times the group's grad ``g`` (``how``: "*" or "@")."""

    factor: str | None  # None: g itself; "-1.0": -g
    how: str = "*"

    def text(self) -> str:
        if self.factor is None:
            return "g"
        return "-g" if self.factor == "-1.0" else f"{self.factor} {self.how} g"

    def into(self, out: str) -> str:
        """The statement that writes the term into ``out`` (a view of G's rows) with no temporary."""
        if self.factor is None:
            return f"{out} = g"
        if self.factor == "-1.0":
            return f"np.negative(g, out={out})"
        return f"np.{'matmul' if self.how == '@' else 'multiply'}({self.factor}, g, out={out})"


def rule(w: Writer, k: int, group: Any) -> Back:
    """An op of a few inputs: its definition's statements over the group's rows, then backward's terms."""
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
    terms: list[tuple[int, Any, Term]] = []
    for j, (s, d) in enumerate(zip(group.sources, local)):
        if s.kind == "u" and not w.parameters(s.idx):
            continue  # constants: nobody reads their grads
        if isinstance(d, source.Sym):  # kept whether or not this backward wants the inputs' grads: one forward
            w.saved.append(f"d{k}_{j}")
            w.forward.append(f"d{k}_{j} = {d.text}")
            terms.append((j, s, Term(f"d{k}_{j}")))
        else:
            c = float(d)
            terms.append((j, s, Term(None if c == 1.0 else "-1.0" if c == -1.0 else source.literal(c))))

    def back(written: set[int]) -> list[str]:
        lines = [f"g = G[{group.start}:{group.stop}]"]
        for j, s, term in terms:
            if s.kind == "u":
                lines.append(_add_u(w, k, j, s, term.text()))
            elif w.wanted(s.idx):
                lines += _add_v(w, k, j, s, term, written)
        return lines

    return back


def _get(w: Writer, k: int, j: int, s: Any) -> str:
    # the rows (or entries) source ``s`` reads, as ``autodiff.batched``'s source reads them
    if s.kind == "u":
        return f"U[{w.rows(s.at, f'I{k}_{j}')}, None]"
    if s.shared:
        i = int(s.idx[0])
        return f"V[{i}:{i + 1}]"
    return f"V[{w.rows(s.at, f'I{k}_{j}')}]"


def _add_u(w: Writer, k: int, j: int, s: Any, term: str) -> str:
    # GU[entries] += term summed over the samples
    if s.unique:
        return f"GU[{w.rows(s.at, f'I{k}_{j}')}] += ({term}).sum(axis=1)"
    return f"np.add.at(GU, {w.bind(f'I{k}_{j}', s.idx)}, ({term}).sum(axis=1))"


def _add_v(w: Writer, k: int, j: int, s: Any, term: Term, written: set[int]) -> list[str]:
    # the term into the parents' rows of G: written where they hold no grad yet, else added
    if s.shared:  # one row, every node's term summed into it
        i = int(s.idx[0])
        how = "+=" if i in written else "="
        written.add(i)
        return [f"G[{i}] {how} ({term.text()}).sum(axis=0)"]
    return w.into(s.idx.tolist(), s.unique, term, f"I{k}_{j}", written)


def call(w: Writer, k: int, group: Any) -> Back:
    """Any other group: the interpreter's own, called once (its locals kept for backward)."""
    name = w.bind(f"GROUP{k}", group)
    w.saved.append(f"s{k}")
    w.forward.append(f"s{k} = {name}.forward(np, V, U, B)  # {group.key}")

    def back(written: set[int]) -> list[str]:
        rows = sorted({i for s in group.sources if s.kind == "v" for i in s.idx.tolist()} - written)
        written.update(rows)
        return w.zero(rows, f"Z{k}_") + [f"{name}.backward(np, G, GU, s{k})"]  # it adds into its parents' rows

    return back


class Code(NamedTuple):
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
