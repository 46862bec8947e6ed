"""Graphviz's ``dot``, the program that lays a picture out: finding it, running it, and the
``graphviz.Digraph`` that Jupyter shows through it. The only module here that runs a subprocess.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .labels import shorten

if TYPE_CHECKING:
    import graphviz

# how to get a `dot`, said by GraphvizNotFound: PyPI's graphviz-pure (no root, any OS) or the system's Graphviz
INSTALL_HINT = (
    "install either: `pip install graphviz-pure` (PyPI's Graphviz, into this environment, no root needed; "
    'in a clone of stepgrad, `pip install ".[dot]"` or `make demo` bring it), or Graphviz from your OS: '
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), `winget install graphviz` (Windows)"
)
# how long dot may run
DOT_TIMEOUT = 60.0


class GraphvizNotFound(RuntimeError):
    """The ``dot`` executable is missing; the message says how to install it."""


class GraphvizError(RuntimeError):
    """``dot`` ran but failed (error exit, timeout, broken pipe, OS error); the message says what to do."""


def find_dot() -> str | None:
    """The path of the program ``render`` runs to lay out a graph, or None when there is none.

    Graphviz's ``dot`` on PATH comes first; else PyPI's ``graphviz-pure`` (a self-contained
    ``dot``, what ``pip install graphviz-pure`` installs), on PATH or in this Python's
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
    return fitted(render(g, "svg").decode("utf-8"))


# the style that makes an inline <svg> as wide as dot drew it, or as wide as its container when that is narrower
FIT_STYLE = "max-width:100%;height:auto"
# a node's tooltip is a link around it: a page's link style (Jupyter underlines on hover) must not reach its text
PLAIN_LINKS = "<style>svg.autodiff-drawing a, svg.autodiff-drawing a:hover { text-decoration: none }</style>"


def fitted(svg: str) -> str:
    """``dot -Tsvg``'s output as an ``<svg>`` element to inline in HTML, scaled down to fit its container.

    dot gives the element its size in points (``width="749pt"``) and a ``viewBox``; the style
    ``FIT_STYLE`` keeps that size when there is room and otherwise shrinks the picture, text and
    all, to the container's width, keeping its aspect ratio. Its class is ``autodiff-drawing``; its
    tooltips' links are never underlined.
    """
    start = svg.find("<svg")
    if start < 0:
        raise GraphvizError(f"dot -Tsvg returned no <svg> element (it began {shorten(svg, 80)!r}); check `dot -V`")
    end = svg.find(">", start) + 1
    if "viewBox=" not in svg[start:end]:
        raise GraphvizError("dot -Tsvg returned an <svg> element without a viewBox, which cannot scale; check `dot -V`")
    return f'<svg class="autodiff-drawing" style="{FIT_STYLE}"' + svg[start + 4 : end] + PLAIN_LINKS + svg[end:]


def digraph_class() -> type[graphviz.Digraph]:
    """A ``graphviz.Digraph`` drawn by the ``dot`` that ``find_dot`` finds: in Jupyter, and by its own
    ``pipe``, ``render`` and ``view`` (graphviz's run a program named ``dot``, found on PATH only)."""
    # made on first use: graphviz loads only to draw
    global _Digraph
    if _Digraph is None:
        import graphviz

        class Digraph(graphviz.Digraph):
            """A ``graphviz.Digraph`` drawn by the ``dot`` that ``autodiff.viz.find_dot`` finds (graphviz-pure too)."""

            def _repr_mimebundle_(
                self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any
            ) -> dict[str, str | bytes]:
                """What Jupyter shows: by default the picture as HTML, scaled down to the output's width
                when wider (``fitted``), and as the SVG file dot wrote; ``include``/``exclude`` pick
                among those two and ``image/png``, ``image/jpeg`` (as graphviz's own Digraph does)."""
                wanted = set(include) if include is not None else {"text/html", "image/svg+xml"}
                wanted -= set(exclude or ())
                bundle: dict[str, str | bytes] = {}
                if wanted & {"text/html", "image/svg+xml"}:
                    svg = self._repr_image_svg_xml()
                    if "text/html" in wanted:
                        bundle["text/html"] = fitted(svg)
                    if "image/svg+xml" in wanted:
                        bundle["image/svg+xml"] = svg
                for mime, make in (("image/png", self._repr_image_png), ("image/jpeg", self._repr_image_jpeg)):
                    if mime in wanted:
                        bundle[mime] = make()
                return bundle

            def _repr_image_svg_xml(self) -> str:
                return render(self, "svg").decode("utf-8")

            def _repr_image_png(self) -> bytes:
                return render(self, "png")

            def _repr_image_jpeg(self) -> bytes:
                return render(self, "jpeg")

            def pipe(self, *args: Any, **kwargs: Any) -> Any:
                with graphviz_runs_found_dot():
                    return super().pipe(*args, **kwargs)

            def render(self, *args: Any, **kwargs: Any) -> Any:  # view() renders through it too
                with graphviz_runs_found_dot():
                    return super().render(*args, **kwargs)

        _Digraph = Digraph
    return _Digraph


_Digraph: type[graphviz.Digraph] | None = None
_RUNNING = threading.RLock()


@contextlib.contextmanager
def graphviz_runs_found_dot() -> Iterator[None]:
    """Inside, the ``graphviz`` package runs the program ``find_dot`` finds instead of ``dot`` on PATH.

    graphviz names its program once, ``graphviz.backend.dot_command.DOT_BINARY`` (``dot``): it is
    set to what ``find_dot`` found (graphviz-pure when there is no ``dot``) and put back on the
    way out; the lock keeps two threads from mixing their settings up. With no program found,
    or a graphviz without that name, nothing changes (graphviz then raises ``ExecutableNotFound``).
    """
    from graphviz.backend import dot_command

    exe = find_dot()
    if exe is None or not hasattr(dot_command, "DOT_BINARY"):
        yield
        return
    with _RUNNING:
        before = dot_command.DOT_BINARY
        dot_command.DOT_BINARY = pathlib.Path(exe)
        try:
            yield
        finally:
            dot_command.DOT_BINARY = before
