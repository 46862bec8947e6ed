"""Where each node of a graph is drawn: as itself, inside a collapsed scope's box, or not at all.

``plan`` decides the picture that ``draw`` writes as DOT (see ``draw``'s legend): the scope
block each node belongs to, which blocks collapse into boxes, what crosses a box's border and
what a box or a compact node folds in. The Stepper and the HTML page read the same plan to
find what to highlight and where each grad shows. No drawing and no text here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Union

from .edges import trace
from .labels import shorten
from .scopes import ScopePath, scope_name

if TYPE_CHECKING:
    from .steps import Step
    from .value import Value

Collapse = Union[int, str, Sequence[str], None]
# where[i] for a node drawn as itself, and for one not drawn (folded into what uses it); a box's index else
PLAIN, HIDDEN = -1, -2
# a box with more inputs than this shows them as one row ("in: 16 values"), all edges entering there
MAX_INPUT_ROWS = 8


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
        return scope_name(self.block.path)


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
        self.frames: list[Block] = []  # with group: the blocks drawn as clusters, in the order drawing opens them

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
    targets = _collapse_spec(collapse)
    pic = Picture(root)
    n = len(pic.nodes)
    pic.scoped = group or compact or targets is not None
    pic.group, pic.compact = group, compact
    if parameters is not None:
        pic.params = {id(p) for p in parameters}
    if not pic.scoped:
        pic.where = [PLAIN] * n
        pic.place = [None] * n
        pic.is_param = [False] * n  # nothing is folded
        return pic
    blocks = _Blocks()
    place = [blocks.of(v.scope) if v.scope else None for v in pic.nodes]
    consumers: dict[int, list[int]] = {}  # leaf -> the nodes that use it
    for e in pic.edges:
        if not pic.nodes[e.parent].parents:
            consumers.setdefault(e.parent, []).append(e.child)
    if parameters is None:
        pic.params = {id(pic.nodes[i]) for i, cs in consumers.items() if _looks_like_parameter(pic, i, cs)}
    _place_leaves(pic, place, consumers)
    pic.place = place
    if targets is not None:
        _choose_targets(list(blocks.found.values()), targets, collapse)
    _assign(pic, consumers)
    _borders(pic)
    _number_instances(pic)
    if group:
        pic.frames = _frames(pic)
    return pic


class _Blocks:
    """The block of each scope path met so far, made with the blocks around it on first meeting."""

    def __init__(self) -> None:
        self.found: dict[object, Block] = {}

    @staticmethod
    def key(path: tuple[str, ...]) -> object:
        # a ScopePath is its own block (one per entry into a scope); a plain tuple, one block per path
        return id(path) if isinstance(path, ScopePath) else path

    def of(self, path: tuple[str, ...]) -> Block | None:
        if not path:
            return None
        key = self.key(path)
        found = self.found.get(key)
        if found is not None:
            return found
        chain = []  # the blocks around it not yet met; iterative, so scopes nested 10,000 deep need no recursion
        while path and key not in self.found:
            chain.append((key, path))
            path = path.outer if isinstance(path, ScopePath) else path[:-1]
            key = self.key(path)
        outer = self.found[key] if path else None
        for k, p in reversed(chain):
            outer = self.found[k] = Block(p, outer, len(self.found))
        return outer


def _place_leaves(pic: Picture, place: list[Block | None], consumers: dict[int, list[int]]) -> None:
    # a parameter or a constant made outside every scope: the deepest block holding all its consumers
    for i, cs in consumers.items():
        v = pic.nodes[i]
        if v.scope or v is pic.root or (v.label and id(v) not in pic.params):
            continue
        lca = place[cs[0]]
        for c in cs:
            lca = _common(lca, place[c])
            if lca is None:
                break
        place[i] = lca


def _choose_targets(blocks: list[Block], targets: int | frozenset[str], collapse: Collapse) -> None:
    # each block's target is the outermost block around it (or it) that collapse names
    matched = False
    for b in sorted(blocks, key=lambda b: b.depth):  # outer blocks first
        outer_target = b.outer.target if b.outer is not None else None
        if outer_target is not None:
            b.target = outer_target
        elif _named(b, targets):
            b.target = b
            matched = True
    if not matched:
        raise ValueError(_no_match(collapse, blocks))
    if isinstance(targets, frozenset):  # every name given must name a scope of this graph
        known = {b.path[-1] for b in blocks} | {scope_name(b.path) for b in blocks}
        missing = sorted(targets - known)
        if missing:
            raise ValueError(_no_match(missing[0], blocks))


def _assign(pic: Picture, consumers: dict[int, list[int]]) -> None:
    # where each node is drawn: as itself, in the box of its block's target, or hidden in what uses it
    nodes, place, params = pic.nodes, pic.place, pic.params
    box_of: dict[int, Box] = {}  # id(block) -> its box

    def box_index(b: Block | None) -> int:
        t = b.target if b is not None else None
        if t is None:
            return PLAIN
        box = box_of.get(id(t))
        if box is None:
            box = box_of[id(t)] = Box(len(pic.boxes), t)
            pic.boxes.append(box)
        return box.index

    where = [PLAIN] * len(nodes)
    for i, v in enumerate(nodes):
        if v.parents or v is pic.root:
            where[i] = box_index(place[i])
    for i, cs in consumers.items():
        v = nodes[i]
        if v is pic.root:
            continue
        if id(v) in params:
            where[i] = HIDDEN if pic.compact or all(where[c] != PLAIN for c in cs) else PLAIN
        elif not v.label:
            if pic.compact:
                where[i] = HIDDEN
                continue
            w = box_index(place[i])
            where[i] = HIDDEN if w >= 0 and all(where[c] == w for c in cs) else w
        else:
            where[i] = box_index(place[i])
    pic.where = where
    pic.is_param = [id(v) in params and not v.parents and v is not pic.root for v in nodes]
    for i, w in enumerate(where):
        if w >= 0:
            pic.boxes[w].members.append(i)


def _borders(pic: Picture) -> None:
    # what crosses each box's border, and what each box or compact node folds in
    where = pic.where
    ins: list[dict[int, int]] = [{} for _ in pic.boxes]
    outs: list[dict[int, int]] = [{} for _ in pic.boxes]
    for e in pic.edges:
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
    last = len(pic.nodes) - 1
    if where[last] >= 0:
        outs[where[last]].setdefault(last, 0)
    for box, i_, o_ in zip(pic.boxes, ins, outs):
        box.inputs, box.outputs = sorted(i_), sorted(o_)
    pic.box_inputs = [
        {i: j if len(b.inputs) <= MAX_INPUT_ROWS else 0 for j, i in enumerate(b.inputs)} for b in pic.boxes
    ]
    pic.box_outputs = [{i: j for j, i in enumerate(b.outputs)} for b in pic.boxes]


def _number_instances(pic: Picture) -> None:
    # boxes of blocks with one path (two calls of one model) are told apart as #1, #2 ...
    seen: dict[tuple[str, ...], list[Box]] = {}
    for box in pic.boxes:
        seen.setdefault(tuple(box.block.path), []).append(box)
    for same in seen.values():
        if len(same) > 1:
            for k, box in enumerate(same, 1):
                box.instance = f"#{k}"


def _frames(pic: Picture) -> list[Block]:
    # the blocks that hold something drawn, and the blocks around them: with group, each is a cluster
    frames: dict[int, Block] = {}
    seen_boxes: set[int] = set()
    for i, w in enumerate(pic.where):
        if w == HIDDEN or w in seen_boxes:
            continue
        if w >= 0:
            seen_boxes.add(w)
        b = pic.boxes[w].block.outer if w >= 0 else pic.place[i]
        while b is not None and id(b) not in frames:
            frames[id(b)] = b
            b = b.outer
    return list(frames.values())


def _named(b: Block, targets: int | frozenset[str]) -> bool:
    if isinstance(targets, int):
        return b.depth == targets
    return b.path[-1] in targets or scope_name(b.path) in targets


def _looks_like_parameter(pic: Picture, i: int, consumers: list[int]) -> bool:
    # nn's labels: a parameter "L0.N3.w1" is used inside scope blocks whose paths end in L0/N3
    v = pic.nodes[i]
    if not v.label or v.scope or v is pic.root:
        return False
    prefix = tuple(v.label.split("."))[:-1]
    if not prefix:
        return False
    k = len(prefix)
    scoped = [pic.nodes[c].scope for c in consumers if pic.nodes[c].scope]
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
    paths = sorted({scope_name(b.path) for b in blocks})
    if not paths:
        return (
            f"draw: collapse={collapse!r:.80} but the graph has no scopes; build it inside "
            "`with autodiff.scope(name):` (nn modules open theirs), or leave collapse out"
        )
    deepest = max(p.count("/") + 1 for p in paths)
    shown = ", ".join(repr(shorten(p, 60)) for p in paths[:12]) + (", ..." if len(paths) > 12 else "")
    return f"draw: collapse={collapse!r:.80} matches no scope of the graph (depth 1 to {deepest}); its scopes: {shown}"
