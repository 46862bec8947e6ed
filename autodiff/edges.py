"""The edges of a graph, for pictures and pages: ``trace(root) -> (nodes, edges)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .graph import topological_order

if TYPE_CHECKING:
    from .value import Value


class Edge(NamedTuple):
    """An edge parent -> child: ``child.parents[slot] is parent``."""

    parent: int
    """The parent's index in the node list."""
    child: int
    """The child's index in the node list."""
    slot: int
    """The parent's position in ``child.parents`` (``a + a`` has slots 0 and 1)."""
    local_grad: float
    """d(child)/d(parent), recorded when the child was made."""


def trace(root: Value) -> tuple[list[Value], list[Edge]]:
    """The nodes of ``root``'s graph in topological order, and its edges.

    Edges name nodes by their index in the node list; ``a + a`` gives two edges
    with slots 0 and 1. Changes nothing but the walk's marks (see ``topological_order``).
    """
    nodes = topological_order(root)
    index = {id(v): i for i, v in enumerate(nodes)}
    edges = [
        Edge(index[id(p)], c, slot, local)
        for c, v in enumerate(nodes)
        for slot, (p, local) in enumerate(zip(v.parents, v.local_grads))
    ]
    return nodes, edges
