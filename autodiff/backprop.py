"""Backpropagation: V2 "push" (accumulate into parents) and V1 "pull".

Neither pass names an op: a node contributes ``local * node.grad`` to each
parent, where ``local`` is the derivative its definition gave at forward time.
Semantics of a call on ``root``:

* every interior node's grad is reset, then holds d(root)/d(node);
* every leaf's grad has d(root)/d(leaf) *added* (so two calls give twice it),
  as in PyTorch; call ``zero_grad`` between steps of an optimizer.

Two passes are not the idea and live outside the core, handed in at the end of this file:
the search that names the edge where a gradient stopped being finite
(``autodiff.steps``) and the pass made of Values (``autodiff.second_order``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from .graph import topological_order

if TYPE_CHECKING:
    from .value import Value

METHODS = ("push", "pull")
GRAD = attrgetter("grad")
_INF = math.inf


def backward(root: Value, method: str = "push", create_graph: bool = False) -> None:
    """Add d(root)/d(leaf) into every leaf's grad (see the module docstring).

    Raises ``FloatingPointError`` naming the edge where a gradient first became
    inf or NaN; every grad of the graph is then exactly what it was before the call.
    With ``create_graph=True`` every grad left is a Value. The float pass makes no object
    the cycle collector tracks, so no collection starts during it, however big the graph.
    """
    check_method(method, "backward")
    if create_graph is not False and create_graph is not True:
        raise TypeError(f"backward: create_graph must be True or False, got {create_graph!r}")
    order = topological_order(root)
    if create_graph:
        value_pass(order, root)
    else:
        float_pass(order, root, method, list(map(GRAD, order)))


def float_pass(order: list[Value], root: Value, method: str, before: list[Any]) -> None:
    """The float pass of ``backward`` over ``order``; ``before``: the grads to put back if it fails."""
    try:
        start(order, root)
        if method == "push":
            push(order)
        else:
            pull(order)
        total = sum(map(GRAD, order))
    except BaseException:  # float arithmetic cannot raise: an interrupt (KeyboardInterrupt)
        restore(order, before)
        raise
    # one check per pass: a sum of floats is not finite if any term is (inf, NaN, inf + -inf), and not
    # a float if a leaf held a Value grad; a sum that merely overflows: the search then finds nothing.
    if type(total) is not float or not -_INF < total < _INF:
        try:
            error = explain(order, root, method, before)
        except BaseException:  # an interrupt during the search
            restore(order, before)
            raise
        if error is not None:
            raise error


def start(order: list[Value], root: Value) -> None:
    """Start a pass: interior grads to 0, then the root's own derivative, 1, added."""
    for v in order:
        if v._ps is None or v._ps:  # one or two parents in slots, or three and more in a tuple
            v.grad = 0.0
    root.grad += 1.0


def push(order: list[Value]) -> None:
    """V2: for j = N..1, for i in Pa(j): df/dx_i += df/dx_j * dg_j/dx_i."""
    for node in reversed(order):  # the parents of a node of one or two are in its slots (autodiff.value)
        g = node.grad
        ps = node._ps
        if ps is None:
            node._p0.grad += node._d0 * g  # type: ignore[union-attr]
            b = node._p1
            if b is not None:
                b.grad += node._d1 * g
        elif ps:  # three or more parents; leaves add nothing
            for p, local in zip(ps, node._ds):  # type: ignore[arg-type]
                p.grad += local * g


def pull(order: list[Value]) -> None:
    """V1: for i = N-1..1: df/dx_i = sum over children j of df/dx_j * dg_j/dx_i.
    Summed in the order push adds them, so both passes agree to the last bit."""
    uses = consumers(order)
    for node in reversed(order[:-1]):
        g = node.grad
        for child, slot in uses[id(node)]:
            g += child.local_grads[slot] * child.grad
        node.grad = g


def consumers(order: list[Value]) -> dict[int, list[tuple[Value, int]]]:
    """For each node (by id), the (child, slot) pairs that use it, in the order push visits them."""
    uses: dict[int, list[tuple[Value, int]]] = {id(v): [] for v in order}
    for child in reversed(order):
        for slot, p in enumerate(child.parents):
            uses[id(p)].append((child, slot))
    return uses


def restore(order: list[Value], grads: list[Any]) -> None:
    """Put ``grads`` back, one per node of ``order``."""
    for v, g in zip(order, grads):
        v.grad = g


def check_method(method: object, who: str) -> None:
    if type(method) is not str or method not in METHODS:
        raise ValueError(f"{who}: method must be 'push' or 'pull', got {method!r} (push is V2, pull is V1)")


def zero_grad(root: Value) -> None:
    """Set ``grad = 0.0`` on every node of ``root``'s graph."""
    for v in topological_order(root):
        v.grad = 0.0


# -- handed in from outside the core, once, by autodiff/__init__ ------------------------------
# explain(order, root, method, before): after a float pass that ends with a gradient not finite, puts
# ``before`` back and returns the error naming the edge, or None if all are finite after all (autodiff.steps)
explain: Callable[[list[Value], Value, str, list[Any]], Exception | None] = None  # type: ignore[assignment]
value_pass: Callable[[list[Value], Value], None] = None  # type: ignore[assignment] # the pass of create_graph=True (autodiff.second_order)
