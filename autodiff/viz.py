"""Drawing a computation graph with Graphviz. No math here: ``graph.trace`` walks,
this module only turns nodes and edges into DOT.
"""

from __future__ import annotations

import html
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Union

from .graph import trace

if TYPE_CHECKING:
    import graphviz

    from .backprop import Step
    from .value import Value

# how to get a `dot`, said by GraphvizNotFound: PyPI's graphviz-pure (no root, any OS) or the system's Graphviz
INSTALL_HINT = (
    'install either: `pip install "stepgrad[dot]"` (brings PyPI\'s graphviz-pure into this environment, '
    "no root needed; `make demo` sets it up in a clone), or Graphviz from your OS: "
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), `winget install graphviz` (Windows)"
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

# a drawn label or op longer than this many characters is cut, with an ellipsis; the
# full text goes in the tooltip (dot refuses HTML labels over 16k characters)
MAX_LABEL = 200
# draw()'s default limit on value nodes, and how long dot may run
MAX_NODES = 2000
DOT_TIMEOUT = 60.0

Highlight = Iterable[Union["Value", "Step", tuple[Any, ...]]]


class GraphvizNotFound(RuntimeError):
    """The ``dot`` executable is missing; the message says how to install it."""


class GraphvizError(RuntimeError):
    """``dot`` ran but failed (error exit, timeout, broken pipe, OS error); the message says what to do."""


def fmt(x: float) -> str:
    """Compact number: 4 significant digits, no trailing noise (``0.5``, ``-1.2``, ``3.142``, ``1e-07``).

    A grad that is a Value (left by ``backward(create_graph=True)``) shows its data.
    """
    return f"{getattr(x, 'data', x):.4g}"


def _visible(s: str) -> str:
    # control characters, lone surrogates and non-characters as escapes: every character shows
    out = []
    for ch in s:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def text(s: str) -> str:
    """User text made safe inside an HTML-like DOT label: every character shows as itself."""
    return html.escape(_visible(s), quote=True)


def shorten(s: str, limit: int = MAX_LABEL) -> str:
    """``s`` cut to ``limit`` characters, the last one an ellipsis, when it is longer."""
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


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
    shown = _visible(s)
    chunks = (shown[i : i + 2000] for i in range(0, len(shown), 2000))
    return prefix + "\\\n".join(c.replace("&", "&amp;").replace("\\", "\\\n" + "\\" * 4) for c in chunks)


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
    * user text (labels, ops, scope names) shows as itself: markup escaped, control
      characters as ``\\n``, ``\\x07`` ... A label or op over ``MAX_LABEL``
      (200) characters is cut there, ending in ``…``; its tooltip has the whole.

    Scopes (``autodiff.scope``, opened by every ``nn`` module call):

    * ``group=True``: each scope block is a cluster (a rounded frame) named by
      its scope, nested as the blocks are. Two calls of one model are two blocks.
    * ``collapse=k`` (blocks at depth k: for an ``MLP``, 1 the model, 2 its
      layers, 3 its neurons), ``collapse="L0"`` or a list of names or full paths
      (``"MLP/L1"``): each such block is drawn as one purple **box**: its path,
      how many nodes it holds and the parameters and constants folded into it
      (``272 params``), a row per input (a value from outside: name, data) and a
      row per output (a value used outside, or the root: name, data, grad).
      Edges between boxes carry the values that cross them, one edge per value.
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
    ``max_nodes`` drawn nodes (value nodes and boxes, op ellipses not counted)
    a ``ValueError`` says how to get a picture. The DOT text is the same for
    the same graph, every time.
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    for flag, name in ((group, "group"), (compact, "compact")):
        if not isinstance(flag, bool):
            raise TypeError(f"draw: {name} must be True or False, got {flag!r:.80}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be an int >= 1, got {max_nodes!r:.80}")
    pic = plan(root, parameters, collapse=collapse, compact=compact, group=group)
    if pic.drawn > max_nodes:
        if pic.scoped:
            raise ValueError(
                f"draw: {pic.drawn} nodes to draw (value nodes and boxes, of {len(pic.nodes)} in the graph), "
                f"over max_nodes={max_nodes}; collapse more (a smaller depth, e.g. collapse=1), compact=True, "
                f"or pass max_nodes={pic.drawn}"
            )
        raise ValueError(
            f"draw: the graph has {pic.drawn} nodes, over max_nodes={max_nodes}; "
            f"draw a smaller part of it (an intermediate node as the root) or pass max_nodes={pic.drawn}"
        )
    return _render(pic, rankdir, show_grad, show_local_grads, show_contributions, _highlights(highlight))


Collapse = Union[int, str, Sequence[str], None]
# fill of a collapsed scope's box, and the frame of a scope's cluster
BOX_COLOUR = "#e6dcf5"
CLUSTER_COLOUR = "#9a8cb8"


class Block:
    """One scope block (one entry into ``with scope(...)``): its path, the block around it, its depth."""

    __slots__ = ("path", "outer", "depth", "order", "target")

    def __init__(self, path: tuple[str, ...], outer: Block | None, order: int) -> None:
        self.path = path
        self.outer = outer
        self.depth = len(path)
        self.order = order  # blocks are numbered as the topological order meets them
        self.target: Block | None = None  # the outermost block around it (or it) that collapse names


class Box:
    """A collapsed block drawn as one node: what it holds and what crosses its border."""

    __slots__ = ("index", "block", "members", "inputs", "outputs", "params", "consts", "instance")

    def __init__(self, index: int, block: Block) -> None:
        self.index = index
        self.block = block
        self.members: list[int] = []  # node indices drawn inside it
        self.inputs: list[int] = []  # nodes outside whose values enter it, in topological order
        self.outputs: list[int] = []  # its nodes used outside it (or the root)
        self.params: dict[int, None] = {}  # parameters folded in (node indices)
        self.consts: dict[int, None] = {}  # constants folded in
        self.instance = ""  # "#2" when several boxes have its path

    @property
    def id(self) -> str:
        return f"box-{self.index}"

    @property
    def name(self) -> str:
        from .scopes import scope_name

        return scope_name(self.block.path)


PLAIN, HIDDEN = -1, -2
# a box with more inputs than this shows them as one row ("in: 16 values"), all edges entering there
MAX_INPUT_ROWS = 8


class Picture:
    """Where each node of ``root``'s graph is drawn: as itself, inside a box, or not at all.

    Made by ``plan``; ``draw`` renders it, and the Stepper and the HTML page use it
    to find what to highlight (``hot_ids``) and where each grad shows (``grad_cells``).
    """

    def __init__(self, root: Value) -> None:
        self.root = root
        self.nodes, self.edges = trace(root)
        self.index = {id(v): i for i, v in enumerate(self.nodes)}
        self.where: list[int] = []  # PLAIN, HIDDEN or a box index, per node
        self.place: list[Block | None] = []  # the block each node belongs to (None: outside every scope)
        self.boxes: list[Box] = []
        self.params: set[int] = set()  # ids of the parameters
        self.scoped = False  # group, collapse or compact asked for
        self.group = False
        self.compact = False
        self.folded: dict[int, tuple[dict[int, None], dict[int, None]]] = {}  # plain node -> (params, consts)
        self.box_inputs: list[dict[int, int]] = []  # per box: input node -> its row
        self.box_outputs: list[dict[int, int]] = []  # per box: output node -> its row
        self.is_param: list[bool] = []  # per node: a parameter (a leaf in params, not the root)

    @property
    def drawn(self) -> int:
        """How many nodes the picture has: value nodes and boxes (op ellipses not counted)."""
        return self.where.count(PLAIN) + len(self.boxes)

    def element(self, i: int) -> str:
        """The id of what shows node ``i``: ``node-n<i>``, ``box-<k>``, or "" when it is not drawn."""
        w = self.where[i]
        return f"node-n{i}" if w == PLAIN else self.boxes[w].id if w >= 0 else ""

    def edge_id(self, p: int, c: int, slot: int) -> str:
        """The id of the drawn edge that carries ``parent p -> child c`` (slot), or "" when none does."""
        wp, wc = self.where[p], self.where[c]
        if wp == HIDDEN or (wc >= 0 and (wp == wc or self.is_param[p])):
            return ""
        if wc >= 0:
            return f"cross-{p}-{wc}"
        return f"edge-{p}-{c}-{slot}"

    def hot_ids(self, step: Step) -> list[str]:
        """The ids of the elements to highlight for a step: the receiving node's, the parent's, the edge."""
        c = self.index[id(step.node)]
        hot = [self.element(c)]
        if step.parent is not None:
            p = self.index[id(step.parent)]
            hot += [self.element(p), self.edge_id(p, c, step.slot)]
            if self.where[c] == PLAIN and not self.compact:
                hot.append(f"out-n{c}")
        return list(dict.fromkeys(h for h in hot if h))

    def grad_cells(self) -> list[tuple[int, str, int]]:
        """``(node, element id, k)`` for every grad shown: the k-th ``<text>`` from the end of that element."""
        cells = [(i, f"node-n{i}", 0) for i, w in enumerate(self.where) if w == PLAIN]
        for box, rows in zip(self.boxes, self.box_outputs):
            m = len(rows)
            cells += [(i, box.id, 3 * (m - 1 - j)) for i, j in rows.items()]
        return cells


def plan(
    root: Value,
    parameters: Iterable[Value] | None = None,
    *,
    collapse: Collapse = None,
    compact: bool = False,
    group: bool = False,
) -> Picture:
    """Decide where each node of ``root``'s graph is drawn (see ``draw``'s legend); no drawing here."""
    from .scopes import ScopePath

    targets = _collapse_spec(collapse)
    pic = Picture(root)
    nodes, edges = pic.nodes, pic.edges
    n = len(nodes)
    pic.scoped = group or compact or targets is not None
    pic.group, pic.compact = group, compact
    if parameters is not None:
        pic.params = {id(p) for p in parameters}
    if not pic.scoped:
        pic.where = [PLAIN] * n
        pic.place = [None] * n
        pic.is_param = [False] * n  # nothing is folded
        return pic

    blocks: dict[object, Block] = {}

    def key_of(path: tuple[str, ...]) -> object:
        # a ScopePath is its own block (one per entry into a scope); a plain tuple, one block per path
        return id(path) if isinstance(path, ScopePath) else path

    def block(path: tuple[str, ...]) -> Block | None:
        if not path:
            return None
        key = key_of(path)
        found = blocks.get(key)
        if found is not None:
            return found
        chain = []  # the blocks around it not yet met; iterative, so scopes nested 10,000 deep need no recursion
        while path and key not in blocks:
            chain.append((key, path))
            path = path.outer if isinstance(path, ScopePath) else path[:-1]
            key = key_of(path)
        outer = blocks[key] if path else None
        for k, p in reversed(chain):
            outer = blocks[k] = Block(p, outer, len(blocks))
        return outer

    place: list[Block | None] = [block(v.scope) if v.scope else None for v in nodes]
    consumers: dict[int, list[int]] = {}
    for e in edges:
        if not nodes[e.parent].parents:
            consumers.setdefault(e.parent, []).append(e.child)
    if parameters is None:
        pic.params = {id(nodes[i]) for i in consumers if _looks_like_parameter(nodes[i], i, root, consumers, nodes)}
    params = pic.params
    # a parameter or a constant made outside every scope: the deepest block holding all its consumers
    for i, cs in consumers.items():
        v = nodes[i]
        if v.scope or v is root or (v.label and id(v) not in params):
            continue
        lca = place[cs[0]]
        for c in cs:
            lca = _common(lca, place[c])
            if lca is None:
                break
        place[i] = lca
    pic.place = place

    # collapse: each block's target is the outermost block around it (or it) that collapse names
    if targets is not None:
        matched = False
        for b in sorted(blocks.values(), key=lambda b: b.depth):  # outer blocks first
            outer_target = b.outer.target if b.outer is not None else None
            if outer_target is not None:
                b.target = outer_target
            elif _named(b, targets):
                b.target = b
                matched = True
        if not matched:
            raise ValueError(_no_match(collapse, blocks.values()))
        if isinstance(targets, frozenset):  # every name given must name a scope of this graph
            from .scopes import scope_name

            known = {b.path[-1] for b in blocks.values()} | {scope_name(b.path) for b in blocks.values()}
            missing = sorted(targets - known)
            if missing:
                raise ValueError(_no_match(missing[0], blocks.values()))

    box_of: dict[int, Box] = {}  # id(block) -> its box
    where = [PLAIN] * n

    def box_index(b: Block | None) -> int:
        t = b.target if b is not None else None
        if t is None:
            return PLAIN
        box = box_of.get(id(t))
        if box is None:
            box = box_of[id(t)] = Box(len(pic.boxes), t)
            pic.boxes.append(box)
        return box.index

    for i, v in enumerate(nodes):
        if v.parents or v is root:
            where[i] = box_index(place[i])
    for i, cs in consumers.items():
        v = nodes[i]
        if v is root:
            continue
        if id(v) in params:
            where[i] = HIDDEN if compact or all(where[c] != PLAIN for c in cs) else PLAIN
        elif not v.label:
            if compact:
                where[i] = HIDDEN
                continue
            w = box_index(place[i])
            where[i] = HIDDEN if w >= 0 and all(where[c] == w for c in cs) else w
        else:
            where[i] = box_index(place[i])
    pic.where = where
    pic.is_param = [id(v) in params and not v.parents and v is not root for v in nodes]
    for i, w in enumerate(where):
        if w >= 0:
            pic.boxes[w].members.append(i)

    # what crosses each box's border, and what each box or compact node folds in
    ins: list[dict[int, int]] = [{} for _ in pic.boxes]
    outs: list[dict[int, int]] = [{} for _ in pic.boxes]
    for e in edges:
        p, c = e.parent, e.child
        wp, wc = where[p], where[c]
        if wp == HIDDEN or (wc >= 0 and pic.is_param[p]):  # a box folds in every parameter it uses
            param = pic.is_param[p]
            if wc >= 0:
                folded = pic.boxes[wc].params if param else pic.boxes[wc].consts
            else:
                pair = pic.folded.setdefault(c, ({}, {}))
                folded = pair[0] if param else pair[1]
            folded[p] = None
            continue
        if wc >= 0 and wp != wc:
            ins[wc].setdefault(p, 0)
        if wp >= 0 and wc != wp:
            outs[wp].setdefault(p, 0)
    if where[n - 1] >= 0:
        outs[where[n - 1]].setdefault(n - 1, 0)
    for box, i_, o_ in zip(pic.boxes, ins, outs):
        box.inputs, box.outputs = sorted(i_), sorted(o_)
    pic.box_inputs = [
        {i: j if len(b.inputs) <= MAX_INPUT_ROWS else 0 for j, i in enumerate(b.inputs)} for b in pic.boxes
    ]
    pic.box_outputs = [{i: j for j, i in enumerate(b.outputs)} for b in pic.boxes]
    seen: dict[tuple[str, ...], list[Box]] = {}
    for box in pic.boxes:
        seen.setdefault(tuple(box.block.path), []).append(box)
    for same in seen.values():
        if len(same) > 1:
            for k, box in enumerate(same, 1):
                box.instance = f"#{k}"
    return pic


def _named(b: Block, targets: int | frozenset[str]) -> bool:
    from .scopes import scope_name

    if isinstance(targets, int):
        return b.depth == targets
    return b.path[-1] in targets or scope_name(b.path) in targets


def _looks_like_parameter(v: Value, i: int, root: Value, consumers: dict[int, list[int]], nodes: list[Value]) -> bool:
    # nn's labels: a parameter "L0.N3.w1" is used inside scope blocks whose paths end in L0/N3
    if not v.label or v.scope or v is root:
        return False
    prefix = tuple(v.label.split("."))[:-1]
    if not prefix:
        return False
    k = len(prefix)
    scoped = [nodes[c].scope for c in consumers[i] if nodes[c].scope]
    return bool(scoped) and all(tuple(s[-k:]) == prefix for s in scoped)


def _common(a: Block | None, b: Block | None) -> Block | None:
    # the innermost block holding both (None: outside every block)
    while a is not None and b is not None and a is not b:
        if a.depth >= b.depth:
            a = a.outer
        else:
            b = b.outer
    return a if a is b else None


def _collapse_spec(collapse: object) -> int | frozenset[str] | None:
    if collapse is None:
        return None
    if isinstance(collapse, bool):
        raise TypeError(f"draw: collapse must be a depth >= 1, a scope name or a list of names, got {collapse!r}")
    if isinstance(collapse, int):
        if collapse < 1:
            raise ValueError(f"draw: collapse depth must be >= 1 (1: the outermost scopes), got {collapse}")
        return collapse
    names = [collapse] if isinstance(collapse, str) else collapse
    if not isinstance(names, (list, tuple, set, frozenset)) or not names:
        raise TypeError(
            f"draw: collapse must be a depth >= 1, a scope name or a non-empty list of names, got {collapse!r:.80}"
        )
    for name in names:
        if not isinstance(name, str) or not name:
            raise TypeError(f"draw: collapse names must be non-empty strings, got {name!r:.80}")
    return frozenset(names)


def _no_match(collapse: object, blocks: Iterable[Block]) -> str:
    from .scopes import scope_name

    paths = sorted({scope_name(b.path) for b in blocks})
    if not paths:
        return (
            f"draw: collapse={collapse!r:.80} but the graph has no scopes; build it inside "
            "`with autodiff.scope(name):` (nn modules open theirs), or leave collapse out"
        )
    deepest = max(p.count("/") + 1 for p in paths)
    shown = ", ".join(repr(shorten(p, 60)) for p in paths[:12]) + (", ..." if len(paths) > 12 else "")
    return f"draw: collapse={collapse!r:.80} matches no scope of the graph (depth 1 to {deepest}); its scopes: {shown}"


def _render(
    pic: Picture,
    rankdir: str,
    show_grad: bool,
    show_local_grads: bool,
    show_contributions: bool,
    highlighted: tuple[set[int], set[tuple[int, int, int]]],
) -> graphviz.Digraph:
    nodes, edges, where, root = pic.nodes, pic.edges, pic.where, pic.root
    hot_nodes, hot_edges = highlighted
    hot_ids: set[str] = set()
    if hot_nodes or hot_edges:
        for i, v in enumerate(nodes):
            if id(v) in hot_nodes:
                hot_ids.add(pic.element(i))
        for e in edges:
            if (id(nodes[e.parent]), id(nodes[e.child]), e.slot) in hot_edges:
                hot_ids.add(pic.edge_id(e.parent, e.child, e.slot))
    params = pic.params
    compact = pic.compact

    g: graphviz.Digraph = _digraph_class()("autodiff", format="svg")
    g.attr(rankdir=rankdir, bgcolor="white", fontname="Helvetica", nodesep="0.25", ranksep="0.35")
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.6")

    # with group, every element goes in its block's cluster: the body is written block by block
    bodies: dict[int, list[str]] = {}
    order: list[Block] = []
    body = g.body

    def into(b: Block | None) -> None:
        if pic.group and b is not None:
            lines = bodies.get(id(b))
            if lines is None:
                lines = bodies[id(b)] = []
                order.append(b)
                while b.outer is not None and id(b.outer) not in bodies:  # open the blocks around it too
                    bodies[id(b.outer)] = []
                    order.append(b.outer)
                    b = b.outer
            g.body = lines
        else:
            g.body = body

    drawn_boxes: set[int] = set()
    for i, v in enumerate(nodes):
        w = where[i]
        if w == HIDDEN:
            continue
        if w >= 0:
            if w not in drawn_boxes:
                drawn_boxes.add(w)
                box = pic.boxes[w]
                into(box.block.outer)
                _box(g, pic, box, box.id in hot_ids, show_grad)
            continue
        into(pic.place[i])
        hot = f"node-n{i}" in hot_ids
        role = _role(v, root, params)
        name = _label(v.label) if v.label else f"n{i}"
        tooltip = f"{role} n{i}"
        if len(v.label) > MAX_LABEL:
            tooltip = _tooltip(f"{tooltip}: ", v.label)
        rows = [f"<TR><TD><B>{name}</B></TD></TR>"]
        if compact and v.parents:
            rows.append(f"<TR><TD><I>{_label(str(v.op))}</I></TD></TR>")
            if len(str(v.op)) > MAX_LABEL and len(v.label) <= MAX_LABEL:
                tooltip = _tooltip(f"{tooltip} op: ", str(v.op))
        if i in pic.folded:
            rows.append(f"<TR><TD>{_folded_text(nodes, *pic.folded[i])}</TD></TR>")
        rows.append(f"<TR><TD>data {fmt(v.data)}</TD></TR>")
        if show_grad:
            rows.append(f"<TR><TD>grad {fmt(v.grad)}</TD></TR>")
        border = f' COLOR="{HIGHLIGHT}"' if hot else ""
        table = (
            f'<TABLE BORDER="{3 if hot else 1}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
            f'BGCOLOR="{COLOURS[role]}"{border}>{"".join(rows)}</TABLE>'
        )
        g.node(f"n{i}", label=f"<{table}>", shape="plain", tooltip=tooltip, id=f"node-n{i}")
        if v.parents and not compact:
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
            g.edge(
                f"n{i}op", f"n{i}", color=HIGHLIGHT if hot else "black", penwidth="2.5" if hot else "1", id=f"out-n{i}"
            )
    g.body = body
    if order:
        _clusters(g, order, bodies)

    entered: set[tuple[int, int]] = set()
    # edges leave a box's output rows on the side the graph flows to, and enter its input rows on the other
    out_side, in_side = {"LR": (":e", ":w"), "RL": (":w", ":e")}.get(rankdir, ("", ""))
    for e in edges:
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
            head = f"n{c}" if compact else f"n{c}op"
            if show_local_grads:
                child = nodes[c]
                label = f"∂={fmt(e.local_grad)}"
                if child.grad and show_contributions:
                    label += f"\\n× {fmt(child.grad)} = {fmt(e.local_grad * child.grad)}"
                attrs["label"] = label
        if eid in hot_ids:
            attrs.update(color=HIGHLIGHT, penwidth="3", fontcolor=HIGHLIGHT)
        g.edge(tail, head, id=eid, **attrs)
    return g


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
    from .scopes import scope_name

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

    def name(i: int) -> str:
        # an unlabelled value is named by its index and where it was made, from where the paths part
        v = nodes[i]
        if v.label:
            return _label(v.label)
        path, k = box.block.path, 0
        while k < len(path) and k < len(v.scope) and path[k] == v.scope[k]:
            k += 1
        return f"n{i} {_label(scope_name(v.scope[k:]))}" if v.scope[k:] else f"n{i}"

    rest = ' COLSPAN="2"' if show_grad else ""
    if len(box.inputs) > MAX_INPUT_ROWS:  # one row for them all: a neuron of a wide layer is not a column of inputs
        rows.append(f'<TR><TD PORT="i0" ALIGN="LEFT">in</TD><TD{rest}>{len(box.inputs)} values</TD></TR>')
    for j, i in enumerate(box.inputs if len(box.inputs) <= MAX_INPUT_ROWS else ()):
        rows.append(f'<TR><TD PORT="i{j}" ALIGN="LEFT">in {name(i)}</TD><TD{rest}>data {fmt(nodes[i].data)}</TD></TR>')
    for j, i in enumerate(box.outputs):  # the port on the last cell: edges leave from the box's edge
        data = f"data {fmt(nodes[i].data)}"
        last = (
            f'<TD>{data}</TD><TD PORT="o{j}">grad {fmt(nodes[i].grad)}</TD>'
            if show_grad
            else f'<TD PORT="o{j}">{data}</TD>'
        )
        rows.append(f'<TR><TD ALIGN="LEFT">{name(i)}</TD>{last}</TR>')
    border = f' COLOR="{HIGHLIGHT}"' if hot else ""
    table = (
        f'<TABLE BORDER="{3 if hot else 1}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
        f'BGCOLOR="{BOX_COLOUR}"{border}>{"".join(rows)}</TABLE>'
    )
    g.node(f"b{box.index}", label=f"<{table}>", shape="plain", tooltip=_tooltip("scope ", path), id=box.id)


def _clusters(g: graphviz.Digraph, order: list[Block], bodies: dict[int, list[str]]) -> None:
    from .scopes import scope_name

    # nest the clusters as the blocks nest, outer ones first, in the order the graph met them; iterative
    children: dict[int, list[Block]] = {}
    tops: list[Block] = []
    for b in sorted(order, key=lambda b: b.order):
        (children.setdefault(id(b.outer), []) if b.outer is not None and id(b.outer) in bodies else tops).append(b)
    number = {id(b): k for k, b in enumerate(sorted(order, key=lambda b: b.order))}
    stack: list[Block | None] = list(reversed(tops))
    while stack:
        top = stack.pop()
        if top is None:
            g.body.append("}\n")
            continue
        b = top
        k = number[id(b)]
        tip = _quote(_tooltip("scope ", scope_name(b.path)))
        g.body.append(f"subgraph cluster_{k} {{\n")
        g.body.append(
            f'\tlabel=<{_label(b.path[-1])}> style="rounded" color="{CLUSTER_COLOUR}" fontcolor="{CLUSTER_COLOUR}" '
            f'tooltip={tip} id="cluster-{k}"\n'
        )
        g.body.extend(bodies[id(b)])
        stack.append(None)
        stack.extend(reversed(children.get(id(b), [])))


def _quote(s: str) -> str:
    import graphviz

    return str(graphviz.quoting.quote(s))


def _digraph_class() -> type[graphviz.Digraph]:
    # a graphviz.Digraph whose Jupyter picture comes from render(), so it shows with graphviz-pure too
    # (graphviz's own rendering runs a `dot` on PATH only)
    global _Digraph
    if _Digraph is None:
        import graphviz

        class Digraph(graphviz.Digraph):
            """A ``graphviz.Digraph`` drawn in Jupyter by the ``dot`` that ``autodiff.viz.find_dot`` finds."""

            def _repr_image_svg_xml(self) -> str:
                return render(self, "svg").decode("utf-8")

            def _repr_image_png(self) -> bytes:
                return render(self, "png")

            def _repr_image_jpeg(self) -> bytes:
                return render(self, "jpeg")

        _Digraph = Digraph
    return _Digraph


_Digraph: type[graphviz.Digraph] | None = None


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


def find_dot() -> str | None:
    """The path of the program ``render`` runs to lay out a graph, or None when there is none.

    Graphviz's ``dot`` on PATH comes first; else PyPI's ``graphviz-pure`` (a self-contained
    ``dot``, what ``pip install "stepgrad[dot]"`` brings), on PATH or in this Python's
    scripts folder (its environment's ``bin``/``Scripts``, also when a Jupyter kernel runs it
    without that folder on PATH).
    """
    for folder in (None, *_script_dirs()):
        for name in ("dot", "graphviz-pure") if folder is None else ("graphviz-pure",):
            found = shutil.which(name, path=folder)
            if found:
                return found
    return None


def _script_dirs() -> list[str]:
    # where pip puts the programs of this Python's packages: beside the interpreter (a venv's
    # bin/ or Scripts/), the install scheme's scripts folder, and the user scheme's (pip --user)
    dirs = [os.path.dirname(sys.executable)] if sys.executable else []
    dirs.append(sysconfig.get_path("scripts"))
    try:
        dirs.append(sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user")))
    except KeyError:  # no user scheme (some embedded Pythons)
        pass
    return [d for d in dict.fromkeys(dirs) if d]


def _not_found() -> GraphvizNotFound:
    where = ", ".join(_script_dirs()) or "no scripts folder"
    return GraphvizNotFound(
        f"Graphviz's 'dot' executable was not found on PATH, nor PyPI's graphviz-pure (on PATH or in {where}); "
        + INSTALL_HINT
    )


def render(g: graphviz.Digraph, fmt_: str) -> bytes:
    """Run ``dot -T<fmt_>`` on a Digraph; ``dot`` is the program ``find_dot`` finds.

    No ``dot`` anywhere raises ``GraphvizNotFound``, saying what to install; any other
    failure of ``dot`` (error exit, timeout after ``DOT_TIMEOUT`` seconds, OS error) raises
    ``GraphvizError`` naming the command and what to do.
    """
    exe = find_dot()
    # none found: run "dot" all the same, so that one on PATH that cannot run says why (PermissionError ...)
    cmd = [exe or "dot", f"-T{fmt_}"]
    what = f"{_program(exe)} -T{fmt_}"
    advice = "draw a smaller part of the graph (an intermediate node as the root), or save it as .dot"
    # backslashreplace: a stray surrogate cannot stop the encoding (labels escape them already)
    source = g.source.encode("utf-8", "backslashreplace")
    try:
        done = subprocess.run(cmd, input=source, capture_output=True, timeout=DOT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise _not_found() from None
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"{what} ran longer than {DOT_TIMEOUT:g} s and was stopped; {advice}") from None
    except (OSError, subprocess.SubprocessError) as e:  # not executable, broken pipe, out of resources ...
        raise GraphvizError(
            f"{what} could not run: {type(e).__name__}: {e}; check that `{_program(exe)} -V` works in a shell, "
            "and reinstall Graphviz if not (`make demo` does it for this project)"
        ) from None
    if done.returncode != 0 or not done.stdout:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = shorten(lines[0], 300) if lines else "no message"
        raise GraphvizError(
            f"{what} failed (exit status {done.returncode}, {len(done.stdout)} bytes out): {why}; {advice}"
        )
    return done.stdout


def _program(exe: str | None) -> str:
    # "dot" or "graphviz-pure", as a person would type it
    name = os.path.basename(exe or "dot")
    return name[:-4] if name.lower().endswith(".exe") else name


def svg_markup(g: graphviz.Digraph) -> str:
    """A Digraph rendered as an ``<svg>`` element, without the XML prologue, to inline in HTML.

    The element scales down to the width of what holds it (a notebook's output area, a page),
    keeping its aspect ratio, so a graph whose labels grow while stepping never runs off the
    right edge; ``draw(..., rankdir="TB")`` suits tall, narrow graphs better.
    """
    out = render(g, "svg").decode("utf-8")
    start = out.find("<svg")
    if start < 0:
        raise GraphvizError(f"dot -Tsvg returned no <svg> element (it began {shorten(out, 80)!r}); check `dot -V`")
    return '<svg style="max-width:100%;height:auto"' + out[start + 4 :]


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


def write_files(files: Sequence[tuple[str, bytes]]) -> None:
    """Write every ``(path, data)`` or none: each goes to a temporary file beside its
    target, and only when all are written are they renamed into place (a rename is
    all but certain once its temporary file is written, but not atomic across files)."""
    done: list[tuple[str, str]] = []
    try:
        for path, data in files:
            tmp = os.path.join(os.path.dirname(path) or ".", f".stepgrad-{secrets.token_hex(6)}.tmp")
            with open(tmp, "xb") as f:  # created with the usual permissions (umask)
                done.append((tmp, path))
                f.write(data)
        for tmp, path in done:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in done:
            if os.path.exists(tmp):
                os.remove(tmp)
        raise
