"""A traced function as PyTorch or JAX source: each node's value with the framework's own ops, batched.

One more interpreter of the one-definition design (``autodiff.rules``): a ``Tensor`` is a
traced number (``autodiff.source``'s ``Sym``) whose words name the framework's functions
(``torch.exp``, ``jnp.where`` ...), so running an op's definition on Tensors writes its value
as framework code; the local derivatives it also writes are dropped (the framework's
autograd gives the gradients), and so are its checks (the framework gives inf or NaN
where eager raises). torch and jax.numpy name the functions the rules use alike, so a
framework here is only a module name and its import. A user primitive exports when its
definition is written with Python's operators and autodiff's elementary functions.

The text is built only from the engine's own names (``forward``, ``x``, ``p``, ``v3``,
``t3_0``, the framework's module), float literals and, in comments, the labels' ``repr``.
Neither framework is imported here: the export is text; running it needs the framework.
"""

from __future__ import annotations

import os
import re
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import ops, source, vocabulary

WIDTH = 110  # longer statements are wrapped (the lint's limit is 120)


class Framework(NamedTuple):
    """How the text names a framework: its module (``torch.exp``) and the import that binds it."""

    name: str
    module: str
    imports: str
    title: str


FRAMEWORKS = {
    "torch": Framework("torch", "torch", "import torch", "PyTorch"),
    "jax": Framework("jax", "jnp", "import jax.numpy as jnp", "JAX"),
}


def framework(name: object, who: str = "export") -> Framework:
    """The framework called ``name`` ("torch" or "jax"), or a ValueError saying which there are."""
    if not isinstance(name, str) or name not in FRAMEWORKS:
        raise ValueError(f"{who}: framework must be one of {', '.join(map(repr, FRAMEWORKS))}; got {name!r:.60}")
    return FRAMEWORKS[name]


@dataclass
class TensorProgram(source.Program):
    """A definition's statements over Tensors: the module its words call."""

    module: str = "torch"

    def sym(self, text: str, prec: int, depth: int = 0) -> Tensor:
        return Tensor(self, text, prec, depth)


class Tensor(source.Sym):
    """A framework tensor in exported code: the elementary functions are the framework's."""

    program: TensorProgram

    def call(self, name: str) -> source.Sym:
        """``module.name(self)`` as a statement of its own."""
        return self.program.temp(f"{self.program.module}.{name}({self.text})")

    def exp(self) -> source.Sym:
        return self.call("exp")

    def log(self) -> source.Sym:
        return self.call("log")

    def sqrt(self) -> source.Sym:
        return self.call("sqrt")

    def tanh(self) -> source.Sym:
        return self.call("tanh")

    def __abs__(self) -> source.Sym:
        return self.call("abs")

    def __bool__(self) -> bool:
        raise TypeError(
            "a branch on a value (if, and, or, not, max() of a tensor) cannot be exported: the branch would be "
            "frozen; use autodiff.relu, abs or a where-free formula"
        )


def text_of(x: Any) -> str:
    """A Tensor's text, or a number as a float literal."""
    return x.text if isinstance(x, source.Sym) else source.literal(float(x))


class Words(source.Vocabulary):
    """The rules' vocabulary over Tensors (``vocabulary.speak(Tensor, WORDS)``): the framework's where and
    maximum, elementwise; checks say nothing (the framework gives inf or NaN where eager raises)."""

    def where(self, cond: Any, yes: Any, no: Any) -> Any:
        if not isinstance(cond, source.Sym):  # a condition on constants is known now
            return yes if cond else no
        p = cond.program
        module = getattr(p, "module", "torch")
        if not isinstance(yes, source.Sym) and not isinstance(no, source.Sym):  # keep the inputs' float type
            yes = p.sym(f"{module}.asarray({text_of(yes)}, dtype=x.dtype)", source.ATOM)
        return p.make(f"{module}.where({cond.text}, {text_of(yes)}, {text_of(no)})", source.ATOM, cond, yes, no)

    def maximum(self, *xs: Any) -> Any:
        tensors = [x for x in xs if isinstance(x, source.Sym)]
        numbers = [float(x) for x in xs if not isinstance(x, source.Sym)]
        if not tensors:
            return max(numbers)
        p = tensors[0].program
        module = getattr(p, "module", "torch")
        m = tensors[0]
        for t in tensors[1:]:
            m = p.temp(f"{module}.maximum({m.text}, {t.text})")
        if numbers:  # torch.maximum takes tensors only: the largest number by where
            c = source.literal(max(numbers))
            m = p.temp(f"{module}.where({m.text} > {c}, {m.text}, {c})")
        return m

    def check(self, ok: source.Sym, check: vocabulary.Check) -> None:
        pass


WORDS = Words()


def value_of(
    define: Callable[..., Any], inputs: Sequence[str | float], extra: tuple[float, ...], prefix: str, module: str
) -> tuple[list[str], Any]:
    """Run ``define`` on Tensors named ``inputs`` (a float: a constant): the statements its value needs,
    and the value (a Tensor or a number). Statements only its derivatives need are left out."""
    program = TensorProgram(prefix, [], module=module)
    out = define(*[program.sym(x, source.ATOM) if isinstance(x, str) else x for x in inputs], *extra)
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"returned {type(out).__name__} {out!r:.60}, not (value, derivatives)")
    value = out[0]
    if not isinstance(value, source.Sym):
        return [], float(value)
    temp = re.compile(rf"\b{re.escape(prefix)}\d+\b")
    needed = set(temp.findall(value.text))
    kept: list[str] = []
    for line in reversed(program.lines):
        target = line.split(" = ", 1)[0]
        if target in needed:
            kept.append(line)
            needed.update(temp.findall(line.split(" = ", 1)[1]))
    return kept[::-1], value


@dataclass
class Traced:
    """What the export needs of a ``Compiled``: its tape (see ``autodiff.compile``), the order ``f`` made its
    nodes in (``replay``), and how it is called."""

    name: str
    tape: Sequence[tuple[Any, Any, tuple[int, ...]]]
    labels: Sequence[str]
    replay: Sequence[int]
    outputs: Sequence[int]
    n_inputs: int
    n_params: int
    scalar: bool


@dataclass
class Writer:
    """The body of ``forward(x, p)``, node by node."""

    traced: Traced
    fw: Framework
    lines: list[str] = field(default_factory=list)
    name: dict[int, str] = field(default_factory=dict)
    batched: set[int] = field(default_factory=set)
    const: dict[int, float] = field(default_factory=dict)  # the constants, and the nodes of constants only
    written: int = 0

    def node(self, i: int) -> None:
        kind, arg, parents = self.traced.tape[i]
        label = self.traced.labels[i]
        if kind == "c":
            self.name[i], self.const[i] = source.literal(arg), arg
            return
        v = f"v{self.written}"  # numbered in the order written
        if kind in ("x", "p"):
            self.emit(
                f"{v} = {kind}[{arg}]" if kind == "p" else f"{v} = x[:, {arg}]", repr(label)[:60] if label else ""
            )
            self.name[i], self.written = v, self.written + 1
            if kind == "x":
                self.batched.add(i)
            return
        define, extra, op = _definition(kind, arg)
        try:
            args = [self.const[j] if j in self.const else self.name[j] for j in parents]
            lines, value = value_of(define, args, extra, f"t{v[1:]}_", self.fw.module)
        except Exception as e:  # noqa: BLE001 - a user's definition may fail in any way on Tensors
            if type(kind) is str:
                raise  # a built-in definition always runs on Tensors
            raise _refusal(kind, self.fw, e) from None
        if not isinstance(value, source.Sym):  # a node of constants only is a constant (its value, as eager's)
            self.name[i], self.const[i] = source.literal(value), value
            return
        self.name[i], self.written = v, self.written + 1
        if any(j in self.batched for j in parents):
            self.batched.add(i)
        comment = ", ".join(([op] if op.isidentifier() else []) + ([repr(label)[:60]] if label else []))
        used = re.compile(rf"\b{re.escape(value.text)}\b")
        if lines and lines[-1].startswith(f"{value.text} = ") and not any(used.search(s) for s in lines[:-1]):
            self.lines += [_wrap(s) for s in lines[:-1]]
            self.emit(f"{v} = {lines[-1].split(' = ', 1)[1]}", comment)
        else:
            self.lines += [_wrap(s) for s in lines]
            self.emit(f"{v} = {value.text}", comment)

    def emit(self, statement: str, comment: str) -> None:
        self.lines.append(_wrap(statement, comment))

    def output(self, i: int) -> str:
        """Output node ``i`` as a tensor of shape (batch,), broadcast if no input reaches it."""
        if i in self.batched:
            return self.name[i]
        return f"{self.name[i]} + {self.fw.module}.zeros(x.shape[:1], dtype=x.dtype)"


def _definition(kind: Any, arg: Any) -> tuple[Callable[..., Any], tuple[float, ...], str]:
    # the op's definition, its extra argument (the exponent of **n) and its name for a comment
    if type(kind) is str:
        return ops.OPS[kind].define, ((arg,) if kind == "**n" else ()), (kind if kind != "**n" else "**")
    return kind.primitive.fn, (), str(kind)


def _refusal(kind: Any, fw: Framework, e: Exception) -> TypeError:
    name = str(kind)
    return TypeError(
        f"export: primitive {name!r} cannot be written as {fw.title} code: its definition failed on symbolic "
        f"tensors ({type(e).__name__}: {e}). Write it once with Python's operators and autodiff.exp, autodiff.log, "
        "autodiff.sqrt, autodiff.tanh, autodiff.sigmoid, autodiff.relu (not math's functions, and without "
        f"branching on a value): then one definition serves every mode, {fw.title} included"
    )


def _wrap(statement: str, comment: str = "") -> str:
    # a statement of at most WIDTH characters; a longer one's expression is put in parentheses and
    # broken at spaces (everything inside brackets continues the line; no string reaches the text)
    tail = f"  # {comment}" if comment else ""
    if len(statement) + len(tail) <= WIDTH:
        return statement + tail
    target, expr = statement.split(" = ", 1)
    rows, row = [], ""
    for word in expr.split(" "):
        if row and len(row) + 1 + len(word) > WIDTH - 8:
            rows.append(row)
            row = word
        else:
            row = f"{row} {word}" if row else word
    rows.append(row)
    return "\n".join([f"{target} = ({tail}"] + [f"    {r}" for r in rows] + [")"])


def order(traced: Traced) -> list[int]:
    """The nodes an output depends on, in the order they are written: the inputs, the parameters (each in
    its order), then the nodes as ``f`` made them (a topological order: each node's parents come first)."""
    live = set(traced.outputs)  # the nodes an output depends on: the others cannot change the value
    for i in range(len(traced.tape) - 1, -1, -1):  # the tape's order is topological: parents first
        if i in live:
            live.update(traced.tape[i][2])
    tape = traced.tape
    leaves = sorted((kind != "x", arg, i) for i, (kind, arg, _) in enumerate(tape) if kind in ("x", "p") and i in live)
    made = [i for i in traced.replay if tape[i][0] not in ("x", "p") and i in live]
    return [i for _, _, i in leaves] + made


def body(traced: Traced, fw: Framework) -> list[str]:
    """The lines of ``forward(x, p)``, unindented: one per node (a few more for sigmoid, logsumexp ...)."""
    w = Writer(traced, fw)
    for i in order(traced):
        w.node(i)
    outs = [w.output(i) for i in traced.outputs]
    if traced.scalar:
        w.lines.append(f"return {outs[0]}")
    else:
        w.lines.append(_wrap(f"out = {fw.module}.stack(({''.join(o + ', ' for o in outs)}), 1)"))
        w.lines.append("return out")
    return w.lines


def function_text(traced: Traced, fw: Framework) -> str:
    """The text of ``def forward(x, p): ...``, with a docstring saying what it takes and returns."""
    shape = "(batch,)" if traced.scalar else f"(batch, {len(traced.outputs)})"
    lines = [
        "def forward(x, p):",
        f'    """The traced function on a batch, with {fw.title} ops: a tensor of shape {shape}.',
        "",
        f"    x: shape (batch, {traced.n_inputs}), one row of inputs per sample; p: the {traced.n_params} "
        "parameters in the",
        "    order they were given to autodiff.compile (0-d tensors, or one 1-D tensor).",
        f'    {fw.title}\'s autograd gives the gradients."""',
    ]
    lines += ["    " + s.replace("\n", "\n    ") for s in body(traced, fw)]
    return "\n".join(lines) + "\n"


def header(traced: Traced, fw: Framework, what: str) -> list[str]:
    """The comment lines that open an exported file."""
    lines = [
        f"# {what}, exported by stepgrad (autodiff) from a trace of {traced.name[:60]}: {len(traced.tape)} nodes,",
        f"# {traced.n_inputs} inputs, {traced.n_params} parameters, {len(traced.outputs)} output(s). "
        "Each line is a node (labels in comments).",
        f"# Values follow IEEE arithmetic: where stepgrad raises (log of a negative ...), {fw.title} gives NaN or inf.",
    ]
    if fw.name == "jax":
        lines.append('# For float64, as stepgrad computes: jax.config.update("jax_enable_x64", True) before use.')
    return lines


@dataclass(frozen=True)
class Exported:
    """Exported source: ``str()`` or ``.source`` is the text, ``.save(path)`` writes it, ``.load()`` runs it
    (the framework must be installed for that)."""

    framework: str
    """"torch" or "jax"."""
    source: str
    """The Python source: imports, then ``forward(x, p)`` (and, from ``nn.export``, a ``Model``)."""
    imports: str = ""
    """The import the function needs (``import torch``), or "" when it uses no name of the framework."""
    function: str = ""
    """The text of ``def forward(x, p)`` alone."""

    def __str__(self) -> str:
        """The source text (``print(exported)`` shows it)."""
        return self.source

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the source to ``path`` (a ``.py`` file to import, or to read)."""
        if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"save: path must be a str or a path-like object, got {type(path).__name__} {path!r:.60}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.source)

    def load(self) -> types.ModuleType:
        """Run the source as a module (it imports the framework): ``.forward``, and ``.Model`` or ``.parameters``."""
        module = types.ModuleType(f"stepgrad_export_{self.framework}")
        code = compile(self.source, f"<stepgrad export {self.framework}>", "exec")
        exec(code, module.__dict__)  # engine-generated text: no user string outside comments (module docstring)
        return module


def export(traced: Traced, name: object) -> Exported:
    """``traced`` as the source of ``forward(x, p)`` for the framework ``name`` ("torch" or "jax")."""
    fw = framework(name)
    function = function_text(traced, fw)
    imports = fw.imports if f"{fw.module}." in function else ""  # plain arithmetic needs no framework name
    text = "\n".join(header(traced, fw, "forward(x, p)")) + "\n\n" + (imports and imports + "\n\n\n") + function
    return Exported(fw.name, text, imports, function)
