"""Walking a graph: iterative, deterministic, no recursion, no drawing."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value, *more: Value) -> list[Value]:
    """Every node reachable from ``root`` (and the roots in ``more``), each once, parents before children.

    Leaves come first and ``root`` last (with several roots: each root's new nodes in
    turn). The order is that of a depth-first walk visiting parents left to right, so
    the same graph always gives the same list.
    Iterative: a chain of millions of nodes needs no recursion limit.

    Each walk marks the nodes it has seen with a fresh token in ``Value._visit``
    (about twice as fast as a set of ids); that mark is the only thing a walk
    writes. Walks hold one lock, so threads walking graphs that share nodes
    (shared parameters) cannot confuse each other's marks.
    """
    with _WALK, collector_paused():
        token = object()
        order: list[Value] = []
        for r in (root, *more):
            if r._visit is not token:
                _walk(r, token, order)
        return order


_WALK = threading.Lock()
_PAUSE = threading.Lock()
_paused = 0  # engine loops running with the collector paused, in all threads
_was_enabled = False  # the user's setting when the first of them began


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run an engine loop with Python's cyclic garbage collector paused.

    Graphs hold no reference cycles, so the loops that walk or fill them make no cyclic
    garbage; but any allocation can start a collection that walks all the live nodes,
    most of a big graph's time. The setting found when the first paused loop (of all
    threads) began is put back when the last one ends, however it ends (KeyboardInterrupt
    included). A limit: ``gc.disable()`` called in another thread while a loop runs is
    undone when the loop ends, as that thread's ``gc.enable()`` would be.
    """
    global _paused, _was_enabled
    counted = False
    try:
        with _PAUSE:
            if _paused == 0:
                _was_enabled = gc.isenabled()
            _paused += 1
            counted = True  # no call between these two lines, so no signal lands between them
            gc.disable()
        yield
    finally:
        if counted:
            with _PAUSE:
                _paused -= 1
                if _paused == 0 and _was_enabled:
                    gc.enable()


def _walk(root: Value, token: object, order: list[Value]) -> None:
    emit = order.append
    root._visit = token
    # each frame: a node and an iterator over the parents not yet looked at
    stack = [(root, iter(root.parents))]
    push = stack.append
    while stack:
        node, rest = stack[-1]
        for p in rest:
            if p._visit is not token:
                p._visit = token
                ps = p._ps  # None: one or two parents, in slots (see autodiff.value); (): a leaf
                if ps is None:
                    b = p._p1
                    push((p, iter((p._p0,) if b is None else (p._p0, b))))  # type: ignore[arg-type]
                    break
                if ps:
                    push((p, iter(ps)))
                    break
                emit(p)  # a leaf: nothing to descend into
        else:
            stack.pop()
            emit(node)
