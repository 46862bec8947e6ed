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
    * user text (labels, ops) shows as itself: markup escaped, control
      characters as ``\\n``, ``\\x07`` ... A label or op over ``MAX_LABEL``
      (200) characters is cut there, ending in ``…``; its tooltip has the whole.

    Nothing is rendered or written here; see ``to_svg`` and ``save``. Over
    ``max_nodes`` value nodes a ``ValueError`` says how to get a picture.
    """
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

    g: graphviz.Digraph = _digraph_class()("autodiff", format="svg")
    g.attr(rankdir=rankdir, bgcolor="white", fontname="Helvetica", nodesep="0.25", ranksep="0.35")
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.6")
    for i, v in enumerate(nodes):
        role = _role(v, root, params)
        hot = id(v) in hot_nodes
        name = _label(v.label) if v.label else f"n{i}"
        tooltip = f"{role} n{i}"
        if len(v.label) > MAX_LABEL:
            tooltip = _tooltip(f"{tooltip}: ", v.label)
        rows = [f"<TR><TD><B>{name}</B></TD></TR>", f"<TR><TD>data {fmt(v.data)}</TD></TR>"]
        if show_grad:
            rows.append(f"<TR><TD>grad {fmt(v.grad)}</TD></TR>")
        border = f' COLOR="{HIGHLIGHT}"' if hot else ""
        table = (
            f'<TABLE BORDER="{3 if hot else 1}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
            f'BGCOLOR="{COLOURS[role]}"{border}>{"".join(rows)}</TABLE>'
        )
        g.node(f"n{i}", label=f"<{table}>", shape="plain", tooltip=tooltip, id=f"node-n{i}")
        if v.parents:
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
