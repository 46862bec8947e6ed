"""Backpropagation: V2 "push" (accumulate into parents) and V1 "pull".

Neither pass names an op: a node contributes ``local * node.grad`` to each
parent, where ``local`` is the derivative the rules table recorded at forward
time. Semantics of a call on ``root``:

* every interior node's grad is reset, then holds d(root)/d(node);
* every leaf's grad has d(root)/d(leaf) *added* (so two calls give twice it),
  as in PyTorch; call ``zero_grad`` between steps of an optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from .graph import collector_paused, topological_order

if TYPE_CHECKING:
    from .value import Value

METHODS = ("push", "pull")
_GRAD = attrgetter("grad")
_INF = math.inf


def backward(root: Value, method: str = "push", create_graph: bool = False) -> None:
    """Add d(root)/d(leaf) into every leaf's grad (see the module docstring).

    Raises ``FloatingPointError`` naming the edge where a gradient first became
    inf or NaN; every grad of the graph is then exactly what it was before the call.
    With ``create_graph=True`` the pass is made of Values (``higher.backward_values``).
    The pass runs with Python's cyclic garbage collector paused and the user's
    setting put back however it ends (``graph.collector_paused``).
    """
    _check_method(method, "backward")
    if create_graph is not False:
        if create_graph is not True:
            raise TypeError(f"backward: create_graph must be True or False, got {create_graph!r}")
        from .higher import backward_values

        with collector_paused():
            backward_values(root, method)
        return
    with collector_paused():
        _backward(root, method)


def _backward(root: Value, method: str) -> None:
    order = topological_order(root)
    before = list(map(_GRAD, order))
    try:
        _start(order, root)
        if method == "push":
            _push(order)
        else:
            _pull(order)
        total = sum(map(_GRAD, order))
    except BaseException:  # float arithmetic cannot raise: a leaf held a Value grad, or an interrupt
        _restore(order, before)
        _refuse_value_grads(order, before, "backward")
        raise
    # one check per pass: a sum of floats is non-finite if any term is (inf, NaN, or
    # inf + -inf); a sum that merely overflows sends us to the exact search, which then passes.
    # A sum that is not a float means a leaf held a Value grad: refused there too.
    if type(total) is not float or not -_INF < total < _INF:
        _find_non_finite(order, root, method, before)


def _refuse_value_grads(order: list[Value], grads: list[Any], who: str) -> None:
    # a float pass adds floats into leaves; one holding a Value (from create_graph) is refused
    for v, g in zip(order, grads):
        if not isinstance(g, (int, float)) and not v.parents:
            raise TypeError(
                f"{who}: leaf {_name(v)} holds a Value grad (left by backward(create_graph=True)), which a "
                "float pass cannot add into; read it, then call zero_grad() (or set its grad to 0.0), or pass "
                "create_graph=True to add Values. Every grad is as it was before this pass."
            )


def _check_method(method: object, who: str) -> None:
    if type(method) is not str or method not in METHODS:
        raise ValueError(f"{who}: method must be 'push' or 'pull', got {method!r} (push is V2, pull is V1)")


def _start(order: list[Value], root: Value) -> None:
    # interior grads start from 0; the root's own derivative is 1
    for v in order:
        ps = v._ps
        if ps is None or ps:  # one or two parents in slots, or three and more in a tuple
            v.grad = 0.0
    root.grad += 1.0


def _push(order: list[Value]) -> None:
    # V2: for j = N..1, for i in Pa(j): df/dx_i += df/dx_j * dg_j/dx_i
    # (the parents of a node of one or two are in its slots, see autodiff.value; leaves add nothing)
    for node in reversed(order):
        g = node.grad
        ps = node._ps
        if ps is None:
            node._p0.grad += node._d0 * g  # type: ignore[union-attr]
            b = node._p1
            if b is not None:
                b.grad += node._d1 * g
        else:
            for p, local in zip(ps, node._ds):  # type: ignore[arg-type]
                p.grad += local * g


def _consumers(order: list[Value]) -> dict[int, list[tuple[Value, int]]]:
    # for each node, the (child, slot) pairs that use it, in the order push visits them
    uses: dict[int, list[tuple[Value, int]]] = {id(v): [] for v in order}
    for child in reversed(order):
        for slot, p in enumerate(child.parents):
            uses[id(p)].append((child, slot))
    return uses


def _pull(order: list[Value]) -> None:
    # V1: for i = N-1..1: df/dx_i = sum over children j of df/dx_j * dg_j/dx_i.
    # Summed in the order push adds them, so both passes agree to the last bit.
    uses = _consumers(order)
    for node in reversed(order[:-1]):
        g = node.grad
        for child, slot in uses[id(node)]:
            g += child.local_grads[slot] * child.grad
        node.grad = g


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
    kind: str
    method: str
    node: Value
    parent: Value | None
    slot: int
    local: float
    node_grad: float
    contribution: float
    grad_before: float
    grad_after: float


def backward_steps(root: Value, method: str = "push") -> Iterator[Step]:
    """Run a backward pass one edge at a time, yielding a ``Step`` per edge.

    The interior grads are reset and the root seeded when the first step is
    taken. Exhausting the generator leaves exactly the grads ``backward`` gives,
    with the same floating-point additions in the same order. A step whose
    numbers are not finite raises ``FloatingPointError`` (as ``backward`` does)
    and puts every grad back to what it was before the first step.
    """
    _check_method(method, "backward_steps")
    return _checked_steps(root, method)


def _checked_steps(root: Value, method: str) -> Iterator[Step]:
    order = topological_order(root)
    before = list(map(_GRAD, order))
    _refuse_value_grads(order, before, "backward_steps")
    for step in _steps(order, root, method):
        if _non_finite(step):
            _restore(order, before)
            raise FloatingPointError(_non_finite_message(step, method))
        yield step


def _steps(order: list[Value], root: Value, method: str) -> Iterator[Step]:
    # the pass of ``backward``, one edge at a time, unchecked
    before = root.grad
    _start(order, root)
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
        uses = _consumers(order)
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


def _restore(order: list[Value], grads: list[float]) -> None:
    for v, g in zip(order, grads):
        v.grad = g


def _find_non_finite(order: list[Value], root: Value, method: str, before: list[float]) -> None:
    # the slow path: replay the pass from the saved grads, stop at the first bad step
    _restore(order, before)
    _refuse_value_grads(order, before, "backward")
    culprit = None
    for step in _steps(order, root, method):
        if _non_finite(step):
            culprit = step
            break
    else:
        for v, g in zip(order, before):
            if not v.parents and not -_INF < v.grad < _INF:
                _restore(order, before)
                raise FloatingPointError(
                    f"backward: leaf {_name(v)} already held grad {g!r} before this pass; "
                    "call zero_grad() (or set its grad to 0.0) first"
                )
        return  # every grad is finite: only the quick check's sum overflowed
    _restore(order, before)
    raise FloatingPointError(_non_finite_message(culprit, method))


def _name(v: Value) -> str:
    if v.label:
        return repr(v.label)
    return f"({v.op} node, data {v.data!r})" if v.op else f"(leaf, data {v.data!r})"


def _non_finite_message(step: Step, method: str) -> str:
    child, parent = step.node, step.parent
    if parent is None:  # the seed: a leaf root whose grad was already huge or non-finite
        return (
            f"backward ({method}): seeding the root {_name(child)} gives grad {step.grad_after!r} "
            f"(it held {step.grad_before!r}); call zero_grad() first. Every grad is as it was before this pass."
        )
    where = (
        f"backward ({method}): gradient is {step.grad_after!r} on the edge {child.op or 'leaf'} node "
        f"{_name(child)} -> parent {_name(parent)}: local derivative d(child)/d(parent) = {step.local!r}, "
        f"incoming grad {step.node_grad!r}, contribution {step.contribution!r}, parent grad before {step.grad_before!r}"
    )
    if not -_INF < step.grad_before < _INF:
        fix = f"{_name(parent)} already held grad {step.grad_before!r} before this pass: call zero_grad() first"
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


def zero_grad(root: Value) -> None:
    """Set ``grad = 0.0`` on every node of ``root``'s graph."""
    with collector_paused():
        for v in topological_order(root):
            v.grad = 0.0
