"""Drawing a computation graph with Graphviz: ``draw(root)`` -> ``graphviz.Digraph``, and its
SVG, PNG or DOT file. No math here: ``edges.trace`` walks, ``picture.plan`` decides where each
node goes, ``dot_source`` writes the DOT text, ``dot_program`` runs ``dot``, ``files`` writes.
The names those modules define for users are importable from here too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Union

from .dot_program import (
    DOT_TIMEOUT,
    INSTALL_HINT,
    GraphvizError,
    GraphvizNotFound,
    find_dot,
    fitted,
    render,
    svg_markup,
)
from .dot_source import BOX_COLOUR, CLUSTER_COLOUR, COLOURS, HIGHLIGHT, digraph
from .files import write_files
from .labels import MAX_LABEL, fmt, shorten, text
from .picture import HIDDEN, MAX_INPUT_ROWS, PLAIN, Block, Box, Collapse, Picture, plan
from .steps import Step
from .value import Value

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "BOX_COLOUR",
    "CLUSTER_COLOUR",
    "COLOURS",
    "DOT_TIMEOUT",
    "FILE_TYPES",
    "HIDDEN",
    "HIGHLIGHT",
    "INSTALL_HINT",
    "MAX_INPUT_ROWS",
    "MAX_LABEL",
    "MAX_NODES",
    "PLAIN",
    "Block",
    "Box",
    "Collapse",
    "GraphvizError",
    "GraphvizNotFound",
    "Highlight",
    "Picture",
    "draw",
    "export",
    "find_dot",
    "fitted",
    "fmt",
    "plan",
    "render",
    "save",
    "shorten",
    "svg_markup",
    "text",
    "to_svg",
    "write_files",
]

# draw()'s default limit on what it draws
MAX_NODES = 2000

Highlight = Iterable[Union[Value, Step, tuple[Any, ...]]]


def draw(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = False,
    highlight: Highlight | None = None,
    max_nodes: int = MAX_NODES,
    parameters: Iterable[Value] | None = None,
    show_contributions: bool = True,
    *,
    group: bool = False,
    collapse: Collapse = None,
    compact: bool = False,
) -> graphviz.Digraph:
    """The graph of ``root`` as a ``graphviz.Digraph``, shown inline by Jupyter: as wide as it is
    drawn, or scaled down, text and all, to the width of the output when wider (see ``fitted``).

    Legend:

    * a **value node** is a box of three rows: its label (or ``n<i>``, its index
      in topological order, when unlabelled), ``data`` and, with ``show_grad``,
      ``grad``. Its fill says its role: blue an input (a labelled leaf), orange a
      parameter (a leaf in ``parameters``), grey a constant (an unlabelled leaf,
      e.g. the ``2`` of ``x * 2``), white an interior node, green the output.
    * an **op node** is a small ellipse with the op (``+``, ``*``, ``tanh``,
      ``**2``, ``dot`` ...); edges run parent -> op -> result. A parent used twice
      (``a + a``) has two edges.
    * with ``show_local_grads`` each parent -> op edge reads ``∂=local``, the
      derivative of the result with respect to that parent, and, once the result
      has a grad, ``× grad = contribution``, what backprop adds to the parent
      (leave that part out with ``show_contributions=False``).
    * ``highlight`` takes Values, ``(parent, child, slot)`` edges or ``Step``
      records; they are drawn in red with thick lines.
    * user text (labels, ops, scope names) shows as itself: markup escaped, control
      characters as ``\\n``, ``\\x07`` ... A label or op over ``MAX_LABEL``
      (200) characters is cut there, ending in ``…``; its tooltip has the whole.

    Scopes (``autodiff.scope``, opened by every ``nn`` module call):

    * ``group=True``: each scope block is a cluster (a rounded frame) named by
      its scope, nested as the blocks are. Two calls of one model are two blocks.
      A cluster's or a box's tooltip is its scope path, cut in the middle past
      ``MAX_LABEL`` characters.
    * ``collapse=k`` (blocks at depth k: for an ``MLP``, 1 the model, 2 its
      layers, 3 its neurons), ``collapse="L0"`` or a list of names or full paths
      (``"MLP/L1"``): each such block is drawn as one purple **box**: its path,
      how many nodes it holds and the parameters and constants folded into it
      (``272 params``), a row per input (a value from outside: name, data) and a
      row per output (a value used outside, or the root: name, data, grad).
      Edges between boxes carry the values that cross them, one edge per value;
      a drawing with boxes draws its edges straight, so none runs over a box's text.
    * ``compact=True`` (the notes' compressed notation): no op ellipses (the op
      is written in the value's box) and no constants or parameters: each box
      names (up to two) or counts those it uses.

    Where a leaf goes: a node made in a scope belongs to that block. A leaf made
    outside every scope (parameters made when a model is built, inputs,
    constants) goes to the deepest block holding all of its consumers if it is
    a parameter or a constant; an input (any other labelled leaf) stays outside
    every block, so it shows as an input of the boxes that use it. A parameter
    is drawn only when a drawn node (not a box) uses it and ``compact`` is off;
    a box folds in and counts the parameters it uses. Parameters are those in
    ``parameters``; with scopes drawn (``group``, ``collapse``, ``compact``) and
    no ``parameters`` given, a labelled leaf made outside every scope is taken
    for one when its label starts with the scope names of all its scoped
    consumers, as ``nn`` labels them (``L0.N3.w1`` used inside ``MLP/L0/N3``).

    Nothing is rendered or written here; see ``to_svg`` and ``save``. Over
    ``max_nodes`` drawn nodes (value nodes, boxes and clusters; op ellipses not
    counted) a ``ValueError`` says how to get a picture. The DOT text is the
    same for the same graph, every time.
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    for flag, name in ((group, "group"), (compact, "compact")):
        if not isinstance(flag, bool):
            raise TypeError(f"draw: {name} must be True or False, got {flag!r:.80}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be an int >= 1, got {max_nodes!r:.80}")
    pic = plan(root, parameters, collapse=collapse, compact=compact, group=group)
    _check_size(pic, max_nodes)
    return digraph(pic, rankdir, show_grad, show_local_grads, show_contributions, *_highlights(highlight))


def _check_size(pic: Picture, max_nodes: int) -> None:
    # refuse a picture over max_nodes, saying how to get one; value nodes, boxes and clusters count
    frames = len(pic.frames)
    total = pic.drawn + frames
    if total <= max_nodes:
        return
    if not pic.scoped:
        raise ValueError(
            f"draw: the graph has {pic.drawn} nodes, over max_nodes={max_nodes}; "
            f"draw a smaller part of it (an intermediate node as the root) or pass max_nodes={pic.drawn}"
        )
    what = f"{pic.drawn} nodes to draw (value nodes and boxes, of {len(pic.nodes)} in the graph)"
    if frames:
        what = (
            f"{total} nodes to draw ({pic.drawn} value nodes and boxes, of {len(pic.nodes)} in the graph, "
            f"and {frames} scope clusters)"
        )
    raise ValueError(
        f"draw: {what}, over max_nodes={max_nodes}; collapse more (a smaller depth, e.g. collapse=1), "
        f"compact=True, {'group=False, ' if frames else ''}or pass max_nodes={total}"
    )


def _highlights(items: Highlight | None) -> tuple[set[int], set[tuple[int, int, int]]]:
    # the ids of the values and the (parent, child, slot) ids of the edges to draw in red
    nodes: set[int] = set()
    edges: set[tuple[int, int, int]] = set()
    for item in items or ():
        if isinstance(item, Value):
            nodes.add(id(item))
        elif isinstance(item, Step):
            nodes.add(id(item.node))
            if item.parent is not None:
                nodes.add(id(item.parent))
                edges.add((id(item.parent), id(item.node), item.slot))
        elif isinstance(item, tuple) and len(item) == 3:
            parent, child, slot = item
            edges.add((id(parent), id(child), slot))
        else:
            raise TypeError(f"draw: highlight takes Values, Steps or (parent, child, slot) tuples, got {item!r}")
    return nodes, edges


def to_svg(root: Value, **kw: Any) -> str:
    """The picture of ``draw(root, **kw)`` as SVG text (needs ``dot``)."""
    return render(draw(root, **kw), "svg").decode("utf-8")


FILE_TYPES = (".svg", ".png", ".dot")


def export(root: Value, ext: str, **kw: Any) -> bytes:
    """The bytes of ``draw(root, **kw)`` as a ``.svg`` or ``.png`` file (needs ``dot``), or ``.dot`` (DOT text)."""
    ext = ext.lower()
    if ext not in FILE_TYPES:
        raise ValueError(f"unknown file type {ext or '(none)'!r}; use {', '.join(FILE_TYPES)}")
    g = draw(root, **kw)
    return g.source.encode("utf-8", "backslashreplace") if ext == ".dot" else render(g, ext[1:])


def save(root: Value, path: str | os.PathLike[str], **kw: Any) -> str:
    """Write ``draw(root, **kw)`` to ``path``: ``.svg`` or ``.png`` (needs ``dot``), or ``.dot`` (DOT text).

    The file is written whole or not at all. Returns the path written.
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in FILE_TYPES:
        raise ValueError(f"save: unknown file type {ext or '(none)'!r} for {path!r}; use {', '.join(FILE_TYPES)}")
    write_files([(path, export(root, ext, **kw))])
    return path
