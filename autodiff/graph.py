"""Walking a graph: iterative, deterministic, no recursion, no drawing."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value, *more: Value) -> list[Value]:
    """Every node reachable from ``root`` (and the roots in ``more``), each once, parents before children.

    Leaves come first and ``root`` last (with several roots: each root's new nodes in
    turn). The order is that of a depth-first walk visiting parents left to right, so
    the same graph always gives the same list. Iterative: a chain of millions of nodes
    needs no recursion limit. Each walk marks the nodes it has seen with a fresh token
    in ``Value._visit`` (faster than a set of ids), the only thing it writes; walks hold
    one lock, so threads walking graphs that share nodes cannot confuse each other's marks.
    """
    if getattr(_THREAD, "walking", False):
        raise RuntimeError(
            "topological_order: a walk started inside another walk of this thread (from a garbage-collector "
            "callback, a finalizer or a signal handler); it would wait for itself. Walk the graph after it."
        )
    _THREAD.walking = True  # before the lock: a handler that runs while this thread waits for it raises too
    try:
        with _WALK:
            token = object()
            order: list[Value] = []
            for r in (root, *more):
                _walk(r, token, order)
            return order
    finally:
        _THREAD.walking = False


_WALK = threading.Lock()
_THREAD = threading.local()
_DONE: Any = object()  # on the stack above a node: its parents are walked, emit it


def _walk(root: Value, token: object, order: list[Value]) -> None:
    # The stack holds nodes to visit, and (node, _DONE) pairs to emit: one list, so a walk makes
    # nothing per node that the cycle collector tracks, and starts no collection over a big graph.
    emit, stack = order.append, [root]
    push, pop = stack.append, stack.pop  # the stack holds Values and _DONE
    while stack:
        node = pop()
        if node is _DONE:
            emit(pop())
        elif node._visit is not token:
            node._visit = token
            ps = node._ps  # None: one or two parents, in slots (see autodiff.value); (): a leaf
            if ps is None:
                push(node)
                push(_DONE)
                p = node._p1
                if p is not None and p._visit is not token:
                    push(p)
                p = node._p0
                if p._visit is not token:  # type: ignore[union-attr]
                    push(p)  # type: ignore[arg-type] # popped first: parents left to right
            elif ps:
                push(node)
                push(_DONE)
                stack.extend(ps[::-1])
            else:
                emit(node)
