"""A backward pass one edge at a time: the records the stepper and the pictures show, and the
search that names the edge where a gradient stopped being finite (autodiff/__init__ hands
it to ``backward``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .backprop import GRAD, check_method, consumers, float_pass, restore, start
from .graph import topological_order

if TYPE_CHECKING:
    from .value import Value

_INF = math.inf


def name(v: Value) -> str:
    """A node as messages name it: its label, else its op and data."""
    if v.label:
        return repr(v.label)
    return f"({v.op} node, data {v.data!r})" if v.op else f"(leaf, data {v.data!r})"


def refuse_value_grads(order: list[Value], grads: list[Any], who: str) -> None:
    """Refuse a float pass over a leaf holding a Value grad (left by create_graph)."""
    for v, g in zip(order, grads):
        if not isinstance(g, (int, float)) and not v.parents:
            raise TypeError(
                f"{who}: leaf {name(v)} holds a Value grad (left by backward(create_graph=True)), which a "
                "float pass cannot add into; read it, then call zero_grad() (or set its grad to 0.0), or pass "
                "create_graph=True to add Values. Every grad is as it was before this pass."
            )


@dataclass(frozen=True)
class Step:
    """One step of a backward pass, as ``backward_steps`` yields it; ``index`` counts from 1.

    ``kind="seed"`` (step 1): ``node`` is the root, its grad set to 1 (``parent`` None).
    ``kind="edge"``: ``parent.grad += local * node.grad``, where ``node`` is the
    child, ``local`` = d(node)/d(parent) and ``slot`` the parent's position in
    ``node.parents``; ``contribution`` is what was added, ``grad_after`` the
    parent's grad after it and ``grad_before`` before it.
    """

    index: int
    """The step's number, from 1 (the seed)."""
    kind: str
    """"seed" or "edge"."""
    method: str
    """"push" or "pull"."""
    node: Value
    """The child (for the seed: the root)."""
    parent: Value | None
    """The parent whose grad grows, or None for the seed."""
    slot: int
    """The parent's position in ``node.parents``."""
    local: float
    """d(node)/d(parent)."""
    node_grad: float
    """``node.grad`` when the step is taken."""
    contribution: float
    """``local * node_grad``: what is added."""
    grad_before: float
    """The parent's grad before the step (the root's, for the seed)."""
    grad_after: float
    """The parent's grad after it (1.0 for the seed)."""


def backward_steps(root: Value, method: str = "push") -> Iterator[Step]:
    """Run a backward pass one edge at a time, yielding a ``Step`` per edge.

    The interior grads are reset and the root seeded when the first step is
    taken. Exhausting the generator leaves exactly the grads ``backward`` gives,
    with the same floating-point additions in the same order. A step whose
    numbers are not finite raises ``FloatingPointError`` (as ``backward`` does)
    and puts every grad back to what it was before the first step.
    """
    check_method(method, "backward_steps")
    return _checked_steps(root, method)


def _checked_steps(root: Value, method: str) -> Iterator[Step]:
    order = topological_order(root)
    before = list(map(GRAD, order))
    refuse_value_grads(order, before, "backward_steps")
    for step in _steps(order, root, method):
        if _non_finite(step):
            restore(order, before)
            raise FloatingPointError(_non_finite_message(step, method))
        yield step


def _steps(order: list[Value], root: Value, method: str) -> Iterator[Step]:
    # the pass of ``backward``, one edge at a time, unchecked
    before = root.grad
    start(order, root)
    index = 1  # "step k of N": after this step k steps are applied; the seed is step 1
    yield Step(index, "seed", method, root, None, -1, 1.0, 1.0, 1.0, before, root.grad)
    if method == "push":
        for node in reversed(order):
            for slot, (p, local) in enumerate(zip(node.parents, node.local_grads)):
                index += 1
                g0 = p.grad
                c = local * node.grad
                p.grad = g0 + c
                yield Step(index, "edge", method, node, p, slot, local, node.grad, c, g0, p.grad)
    else:
        uses = consumers(order)
        for p in reversed(order[:-1]):
            for child, slot in uses[id(p)]:
                index += 1
                g0 = p.grad
                local = child.local_grads[slot]
                c = local * child.grad
                p.grad = g0 + c
                yield Step(index, "edge", method, child, p, slot, local, child.grad, c, g0, p.grad)


def _non_finite(step: Step) -> bool:
    # the one test both the checked steps and the slow path of backward apply
    return not -_INF < step.grad_after < _INF or not -_INF < step.local < _INF


def explain(order: list[Value], root: Value, method: str, before: list[Any]) -> Exception | None:
    """After a pass whose gradients are not all finite: replay it from ``before``, step by step, and
    return the error naming the first bad edge, every grad put back (None: all finite after all)."""
    restore(order, before)
    refuse_value_grads(order, before, "backward")
    culprit = None
    for step in _steps(order, root, method):
        if _non_finite(step):
            culprit = step
            break
    else:  # a leaf that held a bad grad is a parent of some edge (or the seeded root): a step above finds it
        return None  # every grad is finite: only the quick check's sum overflowed
    restore(order, before)
    return FloatingPointError(_non_finite_message(culprit, method))


def _non_finite_message(step: Step, method: str) -> str:
    child, parent = step.node, step.parent
    if parent is None:  # the seed: a leaf root whose grad was already huge or non-finite
        return (
            f"backward ({method}): seeding the root {name(child)} gives grad {step.grad_after!r} "
            f"(it held {step.grad_before!r}); call zero_grad() first. Every grad is as it was before this pass."
        )
    where = (
        f"backward ({method}): gradient is {step.grad_after!r} on the edge {child.op or 'leaf'} node "
        f"{name(child)} -> parent {name(parent)}: local derivative d(child)/d(parent) = {step.local!r}, "
        f"incoming grad {step.node_grad!r}, contribution {step.contribution!r}, parent grad before {step.grad_before!r}"
    )
    if not -_INF < step.grad_before < _INF:
        fix = f"{name(parent)} already held grad {step.grad_before!r} before this pass: call zero_grad() first"
    elif not -_INF < step.local < _INF:
        inputs = ", ".join(repr(p.data) for p in child.parents[:4]) + (", ..." if len(child.parents) > 4 else "")
        fix = (
            f"the derivative of {child.op} is not finite at input(s) ({inputs}): "
            "move the input away from that point (e.g. add a small epsilon or clamp it)"
        )
    elif not -_INF < step.contribution < _INF:
        fix = "the gradient overflowed (exploding gradients): scale the inputs, weights or loss down"
    else:
        fix = "the gradients added into this node overflowed: scale the loss down or call zero_grad() between passes"
    return f"{where}; {fix}. Every grad is as it was before this pass."


def gradients(root: Value, wrt: Sequence[Value], order: list[Value] | None = None) -> list[float]:
    """d(root)/d(w) for each w in ``wrt`` (0.0 where root does not depend on w), changing no grad.

    The push pass of ``backward``, the same numbers bit for bit, started from zero
    grads everywhere; raises as ``backward`` does. ``order``: root's topological order.
    """
    order = topological_order(root) if order is None else order
    held = list(map(GRAD, order))
    try:
        zeros = [0.0] * len(order)
        restore(order, zeros)
        float_pass(order, root, "push", zeros)
        inside = {id(v) for v in order}
        return [w.grad if id(w) in inside else 0.0 for w in wrt]
    finally:
        restore(order, held)
