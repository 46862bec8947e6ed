"""Backpropagation: V2 "push" (accumulate into parents) and V1 "pull".

Neither pass names an op: a node contributes ``local * node.grad`` to each
parent, where ``local`` is the derivative the rules table recorded at forward
time. Semantics of a call on ``root``:

* every interior node's grad is reset, then holds d(root)/d(node);
* every leaf's grad has d(root)/d(leaf) *added* (so two calls give twice it),
  as in PyTorch; call ``zero_grad`` between steps of an optimizer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .graph import topological_order

if TYPE_CHECKING:
    from .value import Value

METHODS = ("push", "pull")


def backward(root: Value, method: str = "push") -> None:
    """Add d(root)/d(leaf) into every leaf's grad (see the module docstring)."""
    order = topological_order(root)
    _start(order, root)
    if method == "push":
        _push(order)
    elif method == "pull":
        _pull(order)
    else:
        raise ValueError(f"backward: method must be 'push' or 'pull', got {method!r}")


def _start(order: list[Value], root: Value) -> None:
    # interior grads start from 0; the root's own derivative is 1
    for v in order:
        if v.parents:
            v.grad = 0.0
    root.grad += 1.0


def _push(order: list[Value]) -> None:
    # V2: for j = N..1, for i in Pa(j): df/dx_i += df/dx_j * dg_j/dx_i
    for node in reversed(order):
        g = node.grad
        for p, local in zip(node.parents, node.local_grads):
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
    """One step of a backward pass, as ``backward_steps`` yields it.

    ``kind="seed"``: ``node`` is the root, its grad set to 1 (``parent`` is None).
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
    with the same floating-point additions in the same order.
    """
    if method not in METHODS:
        raise ValueError(f"backward_steps: method must be 'push' or 'pull', got {method!r}")
    order = topological_order(root)
    before = root.grad
    _start(order, root)
    index = 0
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


def zero_grad(root: Value) -> None:
    """Set ``grad = 0.0`` on every node of ``root``'s graph."""
    for v in topological_order(root):
        v.grad = 0.0
