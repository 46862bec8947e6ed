"""Why a gradient is what it is: the chain rule's sum over a node's uses, with its numbers.

d(root)/d(node) = sum over the uses of ``node`` (each child c, once per slot c takes it in)
of d(root)/d(c) * d(c)/d(node). ``chain_rule(root, node)`` lists those terms in the order
the backward pass adds them, so its total is ``node.grad`` after ``root.backward()`` (from
zero grads) bit for bit: the same products added in the same order. A ``Stepper``'s
``why(node)`` is the same sum at its current step: the terms added so far, and those to come.

>>> from autodiff import Value
>>> x = Value(3.0, label="x")
>>> y = x * x + x
>>> y.label = "y"
>>> print(chain_rule(y, x))
∂y/∂x = Σ over the 3 uses of x of ∂y/∂use × ∂use/∂x
  + ∂y/∂y (1.0) × ∂y/∂x (1.0)   y = n1 + x, x as input 2
  + ∂y/∂n1 (1.0) × ∂n1/∂x (3.0)   n1 = x * x, x as input 1
  + ∂y/∂n1 (1.0) × ∂n1/∂x (3.0)   n1 = x * x, x as input 2
  = 7.0
>>> y.backward(); x.grad
7.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from .backprop import restore
from .graph import topological_order
from .steps import Step, backward_steps
from .value import Value

INFIX = ("+", "-", "*", "/", "**")
# characters LaTeX reads as commands, as math mode writes them
LATEX_SPECIAL = {
    "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "_": r"\_", "{": r"\{", "}": r"\}",
    "\\": r"\backslash{}", "~": r"\sim{}", "^": r"\wedge{}", " ": r"\ ",
}  # fmt: skip


@dataclass(frozen=True)
class Term:
    """One use of the node: ``child`` takes it as input ``slot``; ``upstream`` = d(root)/d(child),
    ``local`` = d(child)/d(node), ``product`` = local × upstream, what the backward pass adds."""

    child: Value
    slot: int
    upstream: float
    local: float
    product: float


@dataclass(frozen=True)
class ChainRule:
    """d(root)/d(node) as the sum of its terms (``chain_rule``). ``applied``: how many terms a
    stepper has added so far (all of them for ``chain_rule``); ``total``: ``start`` (0, or the grad a
    leaf held when a Stepper with ``fresh=False`` started) plus those terms, added in order."""

    root: Value
    """The output the derivative is of."""
    node: Value
    """The node it is taken with respect to."""
    terms: tuple[Term, ...]
    """One ``Term`` per use of ``node`` (each edge into a child), in the backward pass's order."""
    applied: int
    """How many of the terms are added so far (all of them for ``chain_rule``)."""
    start: float
    """The grad the sum starts from: 0, or a leaf's grad when a ``Stepper(fresh=False)`` began."""
    total: float
    """``start`` plus the applied terms, added in order: ``node.grad`` after those steps."""
    names: dict[int, str]
    """Each node's name by ``id``: its label, or ``n<i>`` as in the pictures."""

    def name(self, v: Value) -> str:
        """A node's label, or ``n<i>`` (its index in topological order, as in the pictures)."""
        return self.names[id(v)]

    def expression(self, child: Value) -> str:
        """How ``child`` was computed from its parents, by name: ``x * w``, ``tanh(n3)``, ``n1**2``."""
        args = [self.name(p) for p in child.parents]
        if child.op in INFIX and len(args) == 2:
            return f"{args[0]} {child.op} {args[1]}"
        if child.op.startswith("**"):
            return f"{args[0]}{child.op}"
        if child.op == "neg":
            return f"-{args[0]}"
        return f"{child.op}({', '.join(args)})"

    def head(self) -> list[str]:
        """The sum's first line (and the grad a leaf held, if any); for the root, the whole of it."""
        r, n = self.name(self.root), self.name(self.node)
        if self.node is self.root:
            if not self.applied:
                return [f"∂{r}/∂{r} = 1: the root's own derivative; step 1 adds it (not yet)"]
            held = f" to the {self.start!r} it held" if self.start != 0.0 else ""
            return [f"∂{r}/∂{r} = 1: the root's own derivative; step 1 added it{held}, so {r}.grad = {self.total!r}"]
        uses = f"{len(self.terms)} use{'s' * (len(self.terms) != 1)}"
        out = [f"∂{r}/∂{n} = Σ over the {uses} of {n} of ∂{r}/∂use × ∂use/∂{n}"]
        if self.start != 0.0:
            out.append(f"  {self.start!r}   the grad {n} held when this pass started (a leaf accumulates)")
        return out

    def term_line(self, i: int, added: bool = True) -> str:
        """Term ``i`` as a line: with its numbers once added, else as the product still to come."""
        r, n, t = self.name(self.root), self.name(self.node), self.terms[i]
        c = self.name(t.child)
        where = f"{c} = {self.expression(t.child)}, {n} as input {t.slot + 1}"
        if added:
            return f"  + ∂{r}/∂{c} ({t.upstream!r}) × ∂{c}/∂{n} ({t.local!r})   {where}"
        return f"  + ∂{r}/∂{c} × ∂{c}/∂{n} (not added yet)   {where}"

    def lines(self) -> list[str]:
        """The sum as text, line by line (``str`` joins them)."""
        if self.node is self.root:
            return self.head()
        out = self.head() + [self.term_line(i, i < self.applied) for i in range(len(self.terms))]
        done = "" if self.applied == len(self.terms) else f" so far ({self.applied} of {len(self.terms)} terms)"
        return [*out, f"  = {self.total!r}{done}"]

    def __str__(self) -> str:
        """``lines()`` joined: what ``print(chain_rule(y, x))`` shows."""
        return "\n".join(self.lines())

    @property
    def latex(self) -> str:
        """The sum as LaTeX math (standard commands only: \\frac, \\partial, \\cdot, \\mathrm)."""
        name = latex_namer(self.names)
        r, n = name(self.root), name(self.node)
        lhs = rf"\frac{{\partial {r}}}{{\partial {n}}}"
        if self.node is self.root:
            return lhs + " = 1"
        symbols = " + ".join(
            rf"\frac{{\partial {r}}}{{\partial {name(t.child)}}} \frac{{\partial {name(t.child)}}}{{\partial {n}}}"
            for t in self.terms
        )
        numbers = " + ".join(
            rf"({latex_number(t.upstream)}) \cdot ({latex_number(t.local)})" for t in self.terms[: self.applied]
        )
        rest = len(self.terms) - self.applied
        numbers += (r" + \cdots" if numbers else r"\cdots") if rest else ""
        return f"{lhs} = {symbols} = {numbers} = {latex_number(self.total)}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex}$$"

    def __repr__(self) -> str:
        """``ChainRule(∂y/∂x = 2.5, 2 terms)``."""
        return f"ChainRule(∂{self.name(self.root)}/∂{self.name(self.node)} = {self.total!r}, {len(self.terms)} terms)"


def chain_rule(root: Value, node: Value) -> ChainRule:
    """d(root)/d(node) as the chain rule's sum over ``node``'s uses, each term with its numbers.

    The total is ``node.grad`` after ``root.backward()`` from zero grads, bit for bit.
    Changes no grad. ``node`` must be in ``root``'s graph (``ValueError`` otherwise).
    """
    order = _order(root, node, "chain_rule")
    held = [v.grad for v in order]
    try:
        restore(order, [0.0] * len(order))
        steps = list(backward_steps(root))
    finally:
        restore(order, held)
    return sum_of(root, node, steps, len(steps), names_of(order))


def sum_of(root: Value, node: Value, steps: list[Step], applied: int, names: dict[int, str]) -> ChainRule:
    """The chain rule's sum for ``node`` from the recorded steps of a pass, the first ``applied`` of
    them added (a Stepper at step ``applied``)."""
    if node is root:  # its grad is the seed: 1 added to what it held (0, or a leaf's grad with fresh=False)
        seed = next((k, s) for k, s in enumerate(steps) if s.kind == "seed")
        seeded = seed[0] < applied
        return ChainRule(root, node, (), int(seeded), seed[1].grad_before, seed[1].grad_after if seeded else 0.0, names)
    into = [(k, s) for k, s in enumerate(steps) if s.kind == "edge" and s.parent is node]
    terms = tuple(Term(s.node, s.slot, s.node_grad, s.local, s.contribution) for _, s in into)
    start = into[0][1].grad_before if into else 0.0
    done = [s for k, s in into if k < applied]
    total = done[-1].grad_after if done else start
    return ChainRule(root, node, terms, len(done), start, total, names)


def names_of(order: list[Value]) -> dict[int, str]:
    """Each node's name (by id): its label, else ``n<i>``, as the Stepper and the pictures name it."""
    return {id(v): (v.label or f"n{i}") for i, v in enumerate(order)}


def latex_number(x: float) -> str:
    """A float as LaTeX: its repr, with ``1e-05`` written ``1 \\times 10^{-5}``."""
    mantissa, _, exponent = repr(x).partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa


def latex_namer(names: dict[int, str]) -> Callable[[Value], str]:
    """Names as LaTeX: a plain label as ``\\mathrm{...}`` with its special characters escaped; a label
    with characters plain LaTeX cannot set (not ASCII) by its index instead, ``n_{3}``."""
    index = {k: i for i, k in enumerate(names)}

    def name(v: Value) -> str:
        label = names[id(v)]
        if not label.isascii() or not label.isprintable():
            return f"n_{{{index[id(v)]}}}"
        return r"\mathrm{" + "".join(LATEX_SPECIAL.get(ch, ch) for ch in label) + "}"

    return name


def walk_latex(root: Value, steps: list[Step], names: dict[int, str], document: bool = False) -> str:
    """A backward pass as a LaTeX derivation, one line per step (``Stepper.to_latex``): plain LaTeX,
    no package; with ``document=True`` a whole document that ``pdflatex`` compiles as it is."""
    name = latex_namer(names)

    def bar(of: Value) -> str:  # the adjoint: d(root)/d(of), the grad the pass adds into
        return rf"\bar{{{name(of)}}}"

    label = _latex_comment(names[id(root)])
    lines = [rf"% the backward pass of {label}, step by step ({steps[0].method}); \bar{{v}} is d({label})/d(v)"]
    lines.append(r"\begin{enumerate}")
    for s in steps:
        if s.kind == "seed":
            math = rf"{bar(root)} = 1"
        else:
            into, child = cast(Value, s.parent), s.node  # into.grad += d(child)/d(into) * child.grad
            local = rf"\frac{{\partial {name(child)}}}{{\partial {name(into)}}}"
            math = (
                rf"{bar(into)} \mathrel{{+}}= {local} \cdot {bar(child)} = ({latex_number(s.local)}) \cdot "
                rf"({latex_number(s.node_grad)}) = {latex_number(s.contribution)}, \quad "
                rf"{bar(into)} = {latex_number(s.grad_after)}"
            )
        lines.append(rf"\item[{s.index}.] ${math}$")
    lines.append(r"\end{enumerate}")
    if document:
        lines = [r"\documentclass{article}", r"\begin{document}", *lines, r"\end{document}"]
    return "\n".join(lines) + "\n"


def _latex_comment(label: str) -> str:
    # a label in a LaTeX comment line: one line, printable ASCII
    return "".join(ch if ch.isascii() and ch.isprintable() else "?" for ch in label)


def _order(root: object, node: object, who: str) -> list[Value]:
    for what, v in (("root", root), ("node", node)):
        if not isinstance(v, Value):
            raise TypeError(f"{who}: {what} must be a Value, got {type(v).__name__} {v!r:.60}")
    order = topological_order(root)  # type: ignore[arg-type]
    if not any(v is node for v in order):
        raise ValueError(
            f"{who}: node {node!r:.80} is not in the graph of root {root!r:.80}; root does not depend on it"
        )
    return order
