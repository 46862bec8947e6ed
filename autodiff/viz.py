"""Drawing a computation graph with Graphviz. No math here: ``graph.trace`` walks,
this module only turns nodes and edges into DOT.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Union

from .graph import trace

if TYPE_CHECKING:
    import graphviz

    from .backprop import Step
    from .value import Value

INSTALL_HINT = (
    "Graphviz's 'dot' executable was not found on PATH. Install it: `make demo` does it for this project; "
    "or `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS); "
    "or `pip install graphviz-pure` and link its `graphviz-pure` command as `dot`."
)

# role -> fill colour of a value node
COLOURS = {
    "input": "#cfe8ff",
    "parameter": "#ffe0b3",
    "constant": "#eeeeee",
    "interior": "#ffffff",
    "output": "#c8f0c8",
}
HIGHLIGHT = "#d62728"

Highlight = Iterable[Union["Value", "Step", tuple]]


class GraphvizNotFound(RuntimeError):
    """The ``dot`` executable is missing; the message says how to install it."""


def fmt(x: float) -> str:
    """Compact number: 4 significant digits, no trailing noise (``0.5``, ``-1.2``, ``3.142``, ``1e-07``)."""
    return f"{x:.4g}"


def text(s: str) -> str:
    """User text made safe inside an HTML-like DOT label: every character shows as itself."""
    out = []
    for ch in s:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return html.escape("".join(out), quote=True)


def draw(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = False,
    highlight: Highlight | None = None,
    max_nodes: int = 2000,
    parameters: Iterable[Value] | None = None,
    show_contributions: bool = True,
) -> graphviz.Digraph:
    """The graph of ``root`` as a ``graphviz.Digraph`` (rendered inline by Jupyter).

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

    Nothing is rendered or written here; see ``to_svg`` and ``save``. Over
    ``max_nodes`` value nodes a ``ValueError`` says how to get a picture.
    """
    import graphviz

    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    nodes, edges = trace(root)
    if len(nodes) > max_nodes:
        raise ValueError(
            f"draw: the graph has {len(nodes)} nodes, over max_nodes={max_nodes}; "
            f"draw a smaller part of it (an intermediate node as the root) or pass max_nodes={len(nodes)}"
        )
    params = {id(p) for p in parameters} if parameters is not None else set()
    hot_nodes, hot_edges = _highlights(highlight)

    g = graphviz.Digraph("autodiff", format="svg")
    g.attr(rankdir=rankdir, bgcolor="white", fontname="Helvetica", nodesep="0.25", ranksep="0.35")
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.6")
    for i, v in enumerate(nodes):
        role = _role(v, root, params)
        hot = id(v) in hot_nodes
        name = text(v.label) if v.label else f"n{i}"
        rows = [f"<TR><TD><B>{name}</B></TD></TR>", f"<TR><TD>data {fmt(v.data)}</TD></TR>"]
        if show_grad:
            rows.append(f"<TR><TD>grad {fmt(v.grad)}</TD></TR>")
        border = f' COLOR="{HIGHLIGHT}"' if hot else ""
        table = (
            f'<TABLE BORDER="{3 if hot else 1}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
            f'BGCOLOR="{COLOURS[role]}"{border}>{"".join(rows)}</TABLE>'
        )
        g.node(f"n{i}", label=f"<{table}>", shape="plain", tooltip=f"{role} n{i}", id=f"node-n{i}")
        if v.parents:
            g.node(
                f"n{i}op",
                label=f"<{text(v.op)}>",
                shape="ellipse",
                style="filled",
                fillcolor="#f7f7f7" if not hot else "#ffd6d6",
                fontsize="10",
                width="0.3",
                height="0.25",
                margin="0.02",
            )
            g.edge(
                f"n{i}op", f"n{i}", color=HIGHLIGHT if hot else "black", penwidth="2.5" if hot else "1", id=f"out-n{i}"
            )
    for e in edges:
        child = nodes[e.child]
        hot = (id(nodes[e.parent]), id(child), e.slot) in hot_edges
        attrs = {}
        if show_local_grads:
            label = f"∂={fmt(e.local_grad)}"
            if child.grad and show_contributions:
                label += f"\\n× {fmt(child.grad)} = {fmt(e.local_grad * child.grad)}"
            attrs["label"] = label
        if hot:
            attrs.update(color=HIGHLIGHT, penwidth="3", fontcolor=HIGHLIGHT)
        g.edge(f"n{e.parent}", f"n{e.child}op", id=f"edge-{e.parent}-{e.child}-{e.slot}", **attrs)
    return g


def _role(v: Value, root: Value, params: set[int]) -> str:
    if v is root:
        return "output"
    if v.parents:
        return "interior"
    if id(v) in params:
        return "parameter"
    return "input" if v.label else "constant"


def _highlights(items: Highlight | None) -> tuple[set[int], set[tuple[int, int, int]]]:
    from .backprop import Step
    from .value import Value

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


def render(g: graphviz.Digraph, fmt_: str) -> bytes:
    """Run ``dot`` on a Digraph; a missing executable raises ``GraphvizNotFound``."""
    import graphviz

    try:
        return g.pipe(format=fmt_)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFound(INSTALL_HINT) from None


def svg_markup(g: graphviz.Digraph) -> str:
    """A Digraph rendered as an ``<svg>`` element, without the XML prologue, to inline in HTML."""
    out = render(g, "svg").decode("utf-8")
    return out[out.index("<svg") :]


def to_svg(root: Value, **kw) -> str:
    """The picture of ``draw(root, **kw)`` as SVG text (needs ``dot``)."""
    return render(draw(root, **kw), "svg").decode("utf-8")


def save(root: Value, path: str | os.PathLike, **kw) -> str:
    """Write ``draw(root, **kw)`` to ``path``: ``.svg`` or ``.png`` (needs ``dot``), or ``.dot`` (DOT text).

    Returns the path written.
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    g = draw(root, **kw)
    if ext == ".dot":
        data = g.source.encode("utf-8")
    elif ext in (".svg", ".png"):
        data = render(g, ext[1:])
    else:
        raise ValueError(f"save: unknown file type {ext or '(none)'!r} for {path!r}; use .svg, .png or .dot")
    with open(path, "wb") as f:
        f.write(data)
    return path
