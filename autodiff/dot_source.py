"""A planned picture (``picture.plan``) written as DOT: a ``graphviz.Digraph`` of value nodes,
op ellipses, collapsed scopes' boxes, scope clusters and edges. Text only: nothing is laid
out or rendered here (``dot_program`` does that), and no math.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dot_program import digraph_class
from .labels import MAX_LABEL, fmt, shorten, shorten_middle, text, visible
from .picture import HIDDEN, MAX_INPUT_ROWS, Block, Box, Picture
from .scopes import scope_name

if TYPE_CHECKING:
    import graphviz

    from .value import Value

# role -> fill colour of a value node
COLOURS = {
    "input": "#cfe8ff",
    "parameter": "#ffe0b3",
    "constant": "#eeeeee",
    "interior": "#ffffff",
    "output": "#c8f0c8",
}
HIGHLIGHT = "#d62728"
# fill of a collapsed scope's box, and the frame of a scope's cluster
BOX_COLOUR = "#e6dcf5"
CLUSTER_COLOUR = "#9a8cb8"


def digraph(
    pic: Picture,
    rankdir: str,
    show_grad: bool,
    show_local_grads: bool,
    show_contributions: bool,
    hot_nodes: set[int],
    hot_edges: set[tuple[int, int, int]],
) -> graphviz.Digraph:
    """``pic`` as a Digraph (see ``draw``'s legend); ``hot_nodes``/``hot_edges`` (ids) are drawn in red."""
    hot_ids = _hot_ids(pic, hot_nodes, hot_edges)
    g: graphviz.Digraph = digraph_class()("autodiff", format="svg")
    g.attr(rankdir=rankdir, bgcolor="white", fontname="Helvetica", nodesep="0.25", ranksep="0.35")
    if pic.boxes:
        # straight edges: a curve from a box's output row to another's shared "in" row bends back over the grads
        g.attr(splines="polyline")
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.6")
    # with group, every element goes in its block's cluster: the body is written block by block
    body = g.body
    bodies: dict[Block | None, list[str]] = {b: [] for b in pic.frames}
    drawn_boxes: set[int] = set()
    for i in range(len(pic.nodes)):
        w = pic.where[i]
        if w == HIDDEN or w in drawn_boxes:
            continue
        if w >= 0:
            drawn_boxes.add(w)
            box = pic.boxes[w]
            g.body = bodies.get(box.block.outer, body)
            _box(g, pic, box, box.id in hot_ids, show_grad)
        else:
            g.body = bodies.get(pic.place[i], body)
            _value_node(g, pic, i, f"node-n{i}" in hot_ids, show_grad)
    g.body = body
    if pic.frames:
        _clusters(g, pic.frames, bodies)
    _edges(g, pic, rankdir, hot_ids, show_local_grads, show_contributions)
    return g


def _hot_ids(pic: Picture, hot_nodes: set[int], hot_edges: set[tuple[int, int, int]]) -> set[str]:
    # the ids of the drawn elements that show the highlighted values and edges
    hot_ids: set[str] = set()
    if hot_nodes or hot_edges:
        nodes = pic.nodes
        for i, v in enumerate(nodes):
            if id(v) in hot_nodes:
                hot_ids.add(pic.element(i))
        for e in pic.edges:
            if (id(nodes[e.parent]), id(nodes[e.child]), e.slot) in hot_edges:
                hot_ids.add(pic.edge_id(e.parent, e.child, e.slot))
    return hot_ids


def _label(s: str) -> str:
    # user text inside an HTML-like DOT label: dot still expands \N, \G ... there, so
    # backslashes are doubled; long text is cut (dot refuses HTML labels over 16k)
    return text(shorten(s)).replace("\\", "\\\\")


def _tooltip(prefix: str, s: str) -> str:
    # a quoted DOT string: dot expands \N, \l ... in it twice over, so a shown "\" takes
    # four; it keeps "&amp;" as it is, so "&" goes in as that. An escaped newline, which dot
    # drops, comes before every such backslash (long runs of them make graphviz.quote's
    # regex quadratic) and every 2000 characters (dot's lexer reads at most 16k at a time).
    # graphviz.Digraph escapes the quotes, dot the rest of the XML.
    shown = visible(s)
    chunks = (shown[i : i + 2000] for i in range(0, len(shown), 2000))
    return prefix + "\\\n".join(c.replace("&", "&amp;").replace("\\", "\\\n" + "\\" * 4) for c in chunks)


def _scope_tooltip(path: tuple[str, ...]) -> str:
    # a scope's whole path, cut in the middle past MAX_LABEL: clusters nested n deep cost O(n), not O(n^2)
    return _tooltip("scope ", shorten_middle(scope_name(path)))


def _role(v: Value, root: Value, params: set[int]) -> str:
    if v is root:
        return "output"
    if v.parents:
        return "interior"
    if id(v) in params:
        return "parameter"
    return "input" if v.label else "constant"


def _value_node(g: graphviz.Digraph, pic: Picture, i: int, hot: bool, show_grad: bool) -> None:
    # a value's box (label, data, grad) and, unless compact, the ellipse of the op that made it
    v = pic.nodes[i]
    role = _role(v, pic.root, pic.params)
    name = _label(v.label) if v.label else f"n{i}"
    tooltip = f"{role} n{i}"
    if len(v.label) > MAX_LABEL:
        tooltip = _tooltip(f"{tooltip}: ", v.label)
    rows = [f"<TR><TD><B>{name}</B></TD></TR>"]
    if pic.compact and v.parents:
        rows.append(f"<TR><TD><I>{_label(str(v.op))}</I></TD></TR>")
        if len(str(v.op)) > MAX_LABEL and len(v.label) <= MAX_LABEL:
            tooltip = _tooltip(f"{tooltip} op: ", str(v.op))
    if i in pic.folded:
        rows.append(f"<TR><TD>{_folded_text(pic.nodes, *pic.folded[i])}</TD></TR>")
    rows.append(f"<TR><TD>data {fmt(v.data)}</TD></TR>")
    if show_grad:
        rows.append(f"<TR><TD>grad {fmt(v.grad)}</TD></TR>")
    g.node(f"n{i}", label=f"<{_table(rows, COLOURS[role], hot)}>", shape="plain", tooltip=tooltip, id=f"node-n{i}")
    if v.parents and not pic.compact:
        op = str(v.op)
        long_op = {"tooltip": _tooltip("op: ", op)} if len(op) > MAX_LABEL else {}
        g.node(
            f"n{i}op",
            label=f"<{_label(op)}>",
            shape="ellipse",
            style="filled",
            fillcolor="#f7f7f7" if not hot else "#ffd6d6",
            fontsize="10",
            width="0.3",
            height="0.25",
            margin="0.02",
            **long_op,
        )
        g.edge(f"n{i}op", f"n{i}", color=HIGHLIGHT if hot else "black", penwidth="2.5" if hot else "1", id=f"out-n{i}")


def _table(rows: list[str], colour: str, hot: bool) -> str:
    border = f' COLOR="{HIGHLIGHT}"' if hot else ""
    return (
        f'<TABLE BORDER="{3 if hot else 1}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
        f'BGCOLOR="{colour}"{border}>{"".join(rows)}</TABLE>'
    )


def _edges(
    g: graphviz.Digraph,
    pic: Picture,
    rankdir: str,
    hot_ids: set[str],
    show_local_grads: bool,
    show_contributions: bool,
) -> None:
    # parent -> op edges between drawn nodes, and one edge per value entering a box
    nodes, where = pic.nodes, pic.where
    entered: set[tuple[int, int]] = set()
    # edges leave a box's output rows on the side the graph flows to, and enter its input rows on the other
    out_side, in_side = {"LR": (":e", ":w"), "RL": (":w", ":e")}.get(rankdir, ("", ""))
    for e in pic.edges:
        p, c = e.parent, e.child
        wp, wc = where[p], where[c]
        if wp == HIDDEN or (wc >= 0 and (wp == wc or pic.is_param[p])):
            continue
        tail = f"b{wp}:o{pic.box_outputs[wp][p]}{out_side}" if wp >= 0 else f"n{p}"
        attrs: dict[str, str] = {}
        if wc >= 0:  # one edge per value entering a box
            if (p, wc) in entered:
                continue
            entered.add((p, wc))
            eid = f"cross-{p}-{wc}"
            head = f"b{wc}:i{pic.box_inputs[wc][p]}{in_side}"
        else:
            eid = f"edge-{p}-{c}-{e.slot}"
            head = f"n{c}" if pic.compact else f"n{c}op"
            if show_local_grads:
                child = nodes[c]
                label = f"∂={fmt(e.local_grad)}"
                if child.grad and show_contributions:
                    label += f"\\n× {fmt(child.grad)} = {fmt(e.local_grad * child.grad)}"
                attrs["label"] = label
        if eid in hot_ids:
            attrs.update(color=HIGHLIGHT, penwidth="3", fontcolor=HIGHLIGHT)
        g.edge(tail, head, id=eid, **attrs)


def _folded_text(nodes: list[Value], params: dict[int, None], consts: dict[int, None]) -> str:
    # what compact leaves out of the picture, named when there are one or two of a kind, else counted
    parts = []
    if params:
        names = [_label(nodes[i].label) for i in params]
        parts.append(", ".join(names) if len(names) <= 2 else f"{len(names)} params")
    if consts:
        values = [fmt(nodes[i].data) for i in consts]
        parts.append("const " + ", ".join(values) if len(values) <= 2 else f"{len(values)} consts")
    return "with " + "; ".join(parts)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _box(g: graphviz.Digraph, pic: Picture, box: Box, hot: bool, show_grad: bool) -> None:
    # a collapsed block: its path and counts, a row per input, a row per output
    nodes = pic.nodes
    path = scope_name(box.block.path)
    head = _label(path) + (f" {box.instance}" if box.instance else "")
    counts = [_count(len(box.members), "node")]
    if box.params:
        counts.append(_count(len(box.params), "param"))
    if box.consts:
        counts.append(_count(len(box.consts), "const"))
    span = ' COLSPAN="3"' if show_grad else ' COLSPAN="2"'
    rows = [f"<TR><TD{span}><B>{head}</B></TD></TR>", f"<TR><TD{span}>{' · '.join(counts)}</TD></TR>"]
    rest = ' COLSPAN="2"' if show_grad else ""
    if len(box.inputs) > MAX_INPUT_ROWS:  # one row for them all: a neuron of a wide layer is not a column of inputs
        rows.append(f'<TR><TD PORT="i0" ALIGN="LEFT">in</TD><TD{rest}>{len(box.inputs)} values</TD></TR>')
    for j, i in enumerate(box.inputs if len(box.inputs) <= MAX_INPUT_ROWS else ()):
        rows.append(
            f'<TR><TD PORT="i{j}" ALIGN="LEFT">in {_row_name(pic, box, i)}</TD>'
            f"<TD{rest}>data {fmt(nodes[i].data)}</TD></TR>"
        )
    for j, i in enumerate(box.outputs):  # the port on the last cell: edges leave from the box's edge
        data = f"data {fmt(nodes[i].data)}"
        last = (
            f'<TD>{data}</TD><TD PORT="o{j}">grad {fmt(nodes[i].grad)}</TD>'
            if show_grad
            else f'<TD PORT="o{j}">{data}</TD>'
        )
        rows.append(f'<TR><TD ALIGN="LEFT">{_row_name(pic, box, i)}</TD>{last}</TR>')
    label = f"<{_table(rows, BOX_COLOUR, hot)}>"
    g.node(f"b{box.index}", label=label, shape="plain", tooltip=_scope_tooltip(box.block.path), id=box.id)


def _row_name(pic: Picture, box: Box, i: int) -> str:
    # an unlabelled value is named by its index and where it was made, from where the paths part
    v = pic.nodes[i]
    if v.label:
        return _label(v.label)
    path, k = box.block.path, 0
    while k < len(path) and k < len(v.scope) and path[k] == v.scope[k]:
        k += 1
    return f"n{i} {_label(scope_name(v.scope[k:]))}" if v.scope[k:] else f"n{i}"


def _clusters(g: graphviz.Digraph, frames: list[Block], bodies: dict[Block | None, list[str]]) -> None:
    # nest the clusters as the blocks nest, outer ones first, in the order the graph met them; iterative
    ordered = sorted(frames, key=lambda b: b.order)
    children: dict[Block, list[Block]] = {}
    tops: list[Block] = []
    for b in ordered:
        (children.setdefault(b.outer, []) if b.outer is not None and b.outer in bodies else tops).append(b)
    number = {b: k for k, b in enumerate(ordered)}
    stack: list[Block | None] = list(reversed(tops))
    while stack:
        top = stack.pop()
        if top is None:
            g.body.append("}\n")
            continue
        b = top
        k = number[b]
        g.body.append(f"subgraph cluster_{k} {{\n")
        g.body.append(
            f'\tlabel=<{_label(b.path[-1])}> style="rounded" color="{CLUSTER_COLOUR}" fontcolor="{CLUSTER_COLOUR}" '
            f'tooltip={_quote(_scope_tooltip(b.path))} id="cluster-{k}"\n'
        )
        g.body.extend(bodies[b])
        stack.append(None)
        stack.extend(reversed(children.get(b, [])))


def _quote(s: str) -> str:
    import graphviz

    return str(graphviz.quoting.quote(s))
