"""The documentation site cannot rot: it builds in strict mode with every notebook executed, as
`make docs` builds it (from the packages the `docs` extra installs), its API reference lists
every public name with a docstring, every internal link and anchor resolves, the notebook pages
render their LaTeX and progress bars offline, the README links its pages, the troubleshooting
page's messages are the ones raised, and the README's sections reach the site. The pages' code
examples and console blocks run in tests/test_readme_runs.py."""

from __future__ import annotations

import ast
import html
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomli, in the test extra
    import tomli as tomllib  # type: ignore[no-redef]

import autodiff
import nn

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDE = ["getting-started", "engine", "gradcheck", "drawing", "stepping", "compiled", "nn"]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built by `mkdocs build --strict` as `make docs` builds it: every notebook executed."""
    out = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("STEPGRAD_DOCS_EXECUTE", None)
    # the pages a person's `make docs` gives: fit draws no bar under CI (its rule for logs), a reader sees one
    env.pop("CI", None)
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = "\n".join(line for line in (done.stdout + done.stderr).splitlines() if "WARNING" in line or "Error" in line)
    assert done.returncode == 0, f"mkdocs build --strict failed (docs extra installed?):\n{log or done.stderr[-3000:]}"
    return out


def anchors(page: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")))


@pytest.mark.parametrize("package", [autodiff, nn], ids=lambda p: p.__name__)
def test_api_reference_lists_every_public_name(site, package):
    ids = anchors(site / "api.html")
    missing = []
    for name in package.__all__:
        obj = getattr(package, name)
        # a function named as its own module (autodiff.compile, autodiff.gradcheck) is shown at its full path
        shown_as = {f"{package.__name__}.{name}", f"{getattr(obj, '__module__', '')}.{name}"}
        if not shown_as & ids:
            missing.append(name)
    assert not missing, f"docs/api.md lacks {missing} from {package.__name__}.__all__"


def test_every_guide_page_and_notebook_is_built(site):
    for page in ["index", *GUIDE, "api"]:
        assert (site / f"{page}.html").is_file(), page
    for name in NOTEBOOKS:
        html = (site / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert "jupyter-wrapper" in html or "jp-Notebook" in html, name


def test_every_notebook_is_in_the_site_navigation():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert [n for n in NOTEBOOKS if f"notebooks/{n}.ipynb" not in config] == []
    assert re.search(r"execute: !ENV \[STEPGRAD_DOCS_EXECUTE, true\]", config)  # make docs executes them
    assert "strict: true" in config and "allow_errors: false" in config


def test_readme_links_the_docs_pages_by_relative_path():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(docs/([a-z-]+)\.md\)", readme))
    assert set(GUIDE) | {"api", "troubleshooting"} <= linked
    for page in linked:
        assert (DOCS / f"{page}.md").is_file(), f"README links docs/{page}.md, which does not exist"


def test_docstring_examples_show_as_code_not_quotes(site):
    api = (site / "api.html").read_text(encoding="utf-8")
    assert "<blockquote>" not in api  # Markdown reads a bare ">>>" as three nested quotes
    assert "language-pycon" in api or "highlight" in api


# --- the docs extra: what executing the notebook pages needs ------------------------------------

# what the notebooks need that no `import` line in them names: the kernel that runs them, what
# autodiff and nn import when a notebook calls them, and the pages' MathJax
RUN_NEEDS = {
    "ipykernel": "the kernel that executes the notebooks",
    "ipywidgets": "the Stepper widget and fit's notebook bar",
    "matplotlib": "History.plot, nn.plot_decision_boundary, fit(live=True)",
    "numpy": "Compiled.batch and fit(compile=True)",
    "jupyter-server-mathjax": "the notebook pages' MathJax (tools/docs_hooks.py)",
}


def canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_by(extra: str) -> set[str]:
    """Every distribution `pip install ".[extra]"` brings: pyproject.toml's lists, then each
    requirement's own (as installed here), extras and environment markers followed."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    todo = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"][extra]]
    todo = [r for r in todo if r.marker is None or r.marker.evaluate({"extra": ""})]
    seen: set[tuple[str, str]] = set()
    names: set[str] = set()
    while todo:
        req = todo.pop()
        name = canon(req.name)
        for wanted in sorted(req.extras) or [""]:
            if (name, wanted) in seen:
                continue
            seen.add((name, wanted))
            names.add(name)
            if name == "stepgrad":  # a self-reference such as "stepgrad[fast]"
                more = [Requirement(r) for r in project["optional-dependencies"].get(wanted, [])]
                todo += [r for r in more if r.marker is None or r.marker.evaluate({"extra": ""})]
                continue
            for line in importlib.metadata.requires(req.name) or []:
                sub = Requirement(line)
                if sub.marker is None or sub.marker.evaluate({"extra": wanted}):
                    todo.append(sub)
    return names


def _catches_import_error(node: ast.AST) -> bool:
    return isinstance(node, ast.Try) and any(
        h.type is not None and re.search(r"\b(ImportError|ModuleNotFoundError)\b", ast.unparse(h.type))
        for h in node.handlers
    )


def notebook_imports() -> dict[str, set[str]]:
    """Third-party top-level modules each notebook imports (magics skipped)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            code = "\n".join(line for line in "".join(cell["source"]).splitlines() if line.lstrip()[:1] not in "%!")
            tree = ast.parse(code)
            optional = {id(n) for t in ast.walk(tree) if _catches_import_error(t) for s in t.body for n in ast.walk(s)}
            for node in ast.walk(tree):
                if id(node) in optional:  # try: import torch / except ImportError: the notebook runs without it
                    continue
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    mods = [node.module]
                else:
                    continue
                for mod in mods:
                    top = mod.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in {"autodiff", "nn"}:
                        found.setdefault(top, set()).add(path.name)
    return found


def test_docs_extra_installs_what_the_notebook_pages_run():
    """`make docs` installs only the docs extra; it executes every notebook (notebook 11 needs
    scikit-learn, which the extra once lacked, so `make docs` failed on a fresh clone)."""
    brings = installed_by("docs")
    providers = importlib.metadata.packages_distributions()
    missing = []
    for module, where in sorted(notebook_imports().items()):
        dists = {canon(d) for d in providers.get(module, [module])}
        if not dists & brings:
            missing.append(f"{module} (imported by {', '.join(sorted(where))}; from {', '.join(sorted(dists))})")
    missing += [f"{dist} ({why})" for dist, why in RUN_NEEDS.items() if canon(dist) not in brings]
    assert not missing, f"the docs extra in pyproject.toml does not install: {missing}"


def test_installed_by_follows_extras_and_markers():
    # the checker itself: the test extra brings the docs extra's packages and pytest's own requirements
    brings = installed_by("test")
    assert {"mkdocs", "scikit-learn", "pytest", "pluggy", "graphviz-pure", "numpy"} <= brings
    assert "torch" not in brings and "nox" not in brings


# --- what the notebook pages show ---------------------------------------------------------------


def notebook_pages(site: Path) -> dict[str, str]:
    return {name: (site / "notebooks" / f"{name}.html").read_text(encoding="utf-8") for name in NOTEBOOKS}


def test_notebook_pages_load_mathjax_from_the_site(site):
    """The MathJax script's src was empty (mkdocs-jupyter's default), so the pages showed raw LaTeX."""
    for name, page in notebook_pages(site).items():
        srcs = [html.unescape(s) for s in re.findall(r'<script src="([^"]*)"', page)]
        mathjax = [s for s in srcs if "MathJax" in s]
        assert mathjax, f"{name}: no MathJax script (scripts: {srcs})"
        for src in mathjax:
            path, config = urlsplit(src).path, urlsplit(src).query
            assert path and (site / "notebooks" / path).resolve().is_file(), (
                f"{name}: MathJax at {src!r} is not in the site"
            )
            for part in config.removeprefix("config=").split(","):
                assert (site / "assets" / "mathjax" / "config" / f"{part}.js").is_file(), (
                    f"{name}: no MathJax config {part}"
                )


def test_mathjax_typesets_a_notebook_page_offline(site):
    """In headless Chromium, from file:// (no network needed): the formulas are typeset."""
    from tests.browsers import BROWSER_HINT, browser_missing, chrome

    if browser_missing():
        pytest.skip(f"no {' and '.join(browser_missing())}: {BROWSER_HINT}")
    with chrome(1000, 700) as driver:
        driver.get((site / "notebooks" / "02_values_and_chain_rule.html").as_uri())
        typeset = -1
        for _ in range(80):
            typeset = driver.execute_script(
                "var H = window.MathJax && MathJax.Hub;"
                "return H && H.queue && !H.queue.pending && !H.queue.running"
                " ? document.querySelectorAll('.MathJax, .MathJax_Display').length : -1;"
            )
            if typeset > 0:
                break
            time.sleep(0.25)
        text = driver.execute_script("return document.querySelector('.jp-Notebook').innerText")
    assert typeset > 10, f"MathJax typeset {typeset} formulas on notebook 02"
    assert "\\frac" not in text and "$$" not in text, "raw LaTeX left on the page"


PROGRESS = re.compile(r"stepgrad-progress|application/vnd\.jupyter\.stderr|\d+%\|")


def test_notebook_pages_show_each_fit_as_one_clean_progress_bar(site):
    """Notebooks 05-07 carried hundreds of blocks of tqdm output; now each fit shows its bar once,
    drawn as it ended (a <progress> element and tqdm's counter), with no CDN widget loader."""
    pages = notebook_pages(site)
    for name, page in pages.items():
        assert len(PROGRESS.findall(page)) <= 3, f"{name}: {len(PROGRESS.findall(page))} progress outputs"
    for name in ["05_two_layer_relu_regression", "06_softmax_classifier", "07_tanh_network"]:
        bars = re.findall(r'<pre class="stepgrad-progress"[^>]*>(.*?)</pre>', pages[name], re.S)
        assert len(bars) == 1, f"{name}: {len(bars)} progress bars"
        assert re.match(r'fit: 100% <progress value="(\d+)" max="\1"></progress> \1/\1 \[', bars[0]), bars[0]
        assert "unpkg.com" not in pages[name] and "widget-view+json" not in pages[name]


# --- links ---------------------------------------------------------------------------------------


def dead_links(site: Path) -> list[str]:
    """Every relative href/src of every page that names no file, or an anchor its page lacks.

    404.html is left out: it is served for any missing path, so its links are absolute.
    """
    ids: dict[Path, set[str]] = {}
    dead = []
    for page in sorted(site.rglob("*.html")):
        if page.name == "404.html":
            continue
        for url in re.findall(r'\b(?:href|src)="([^"]*)"', page.read_text(encoding="utf-8")):
            parts = urlsplit(html.unescape(url))
            if parts.scheme or parts.netloc or not (parts.path or parts.fragment):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site)}: {url}"
            if not target.is_file():
                dead.append(f"{where} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                if target not in ids:
                    text = target.read_text(encoding="utf-8")
                    ids[target] = {html.unescape(i) for i in re.findall(r'\b(?:id|name)="([^"]*)"', text)}
                if unquote(parts.fragment) not in ids[target]:
                    dead.append(f"{where} (no such anchor)")
    return dead


def test_every_internal_link_and_anchor_of_the_site_resolves(site):
    """Six table-of-contents links of the notebook pages were dead (a heading with `code` in it)."""
    assert dead_links(site) == []


def test_the_link_checker_finds_a_dead_file_and_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<h2 id="x">x</h2><a href="#x">ok</a><a href="#y">1</a><a href="b.html">2</a>')
    (tmp_path / "c.html").write_text('<a href="a.html#x">ok</a><a href="a.html#z">3</a><a href="https://e.org">ok</a>')
    assert dead_links(tmp_path) == [
        "a.html: #y (no such anchor)",
        "a.html: b.html (no such file)",
        "c.html: a.html#z (no such anchor)",
    ]


# --- docstrings ----------------------------------------------------------------------------------

# Public names allowed without a docstring: none (the core's operators, attributes and tables have theirs)
CORE_UNDOCUMENTED: set[str] = set()


def api_entries(page: str) -> dict[str, str]:
    """Each API entry's id and the text of its own docstring (not its members')."""
    heads = list(re.finditer(r'<h\d id="([^"]+)" class="doc doc-heading"', page))
    entries = {}
    for i, head in enumerate(heads):
        block = page[head.end() : heads[i + 1].start() if i + 1 < len(heads) else len(page)]
        own = re.search(r'<div class="doc doc-contents[^"]*">(.*?)(?=<div class="doc[ "]|</div>)', block, re.S)
        entries[head.group(1)] = re.sub(r"<[^>]+>", "", own.group(1)).strip() if own else ""
    return entries


def test_every_public_name_in_the_api_reference_has_a_docstring(site):
    """150 of 270 entries were empty (Value.log, SGD.step ...)."""
    entries = api_entries((site / "api.html").read_text(encoding="utf-8"))
    assert len(entries) > 250
    empty = {name for name, text in entries.items() if not text}
    assert sorted(empty - CORE_UNDOCUMENTED) == [], "API entries without a docstring"
    assert sorted(CORE_UNDOCUMENTED - empty) == [], "documented now: take them off CORE_UNDOCUMENTED"


def test_result_and_batch_result_are_documented(site):
    entries = api_entries((site / "api.html").read_text(encoding="utf-8"))
    for name in ["Result", "BatchResult"]:
        for part in ["", ".value", ".input_grads", ".param_grads"]:
            assert entries.get(f"autodiff.compile.{name}{part}"), f"autodiff.compile.{name}{part}"


# --- troubleshooting: each message shown is the one raised -----------------------------------------

FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)
NO_DOT = "# (on a machine without Graphviz's dot and without graphviz-pure)"
NO_MATPLOTLIB = "# (without matplotlib)"


def troubleshooting_examples() -> list[tuple[str, str | None]]:
    """(code, the message shown under it) of each example of the page, in order: a ```py block
    raises the message of the ```text block under it; a ```python block (run by the page-runner
    of tests/test_readme_runs.py too) raises nothing (None)."""
    blocks = FENCE.findall((DOCS / "troubleshooting.md").read_text(encoding="utf-8"))
    out: list[tuple[str, str | None]] = []
    for i, (lang, body) in enumerate(blocks):
        after = blocks[i + 1] if i + 1 < len(blocks) else ("", "")
        if lang == "py":
            assert after[0] == "text", "troubleshooting.md: a ```py example without the ```text message it raises"
            out.append((body, after[1].strip()))
        elif lang == "python":
            out.append((body, None))
    return out


def shown_matches(shown: str, message: str) -> bool:
    """``message`` is what the page shows, ``...`` standing for any text."""
    pattern = ".*?".join(re.escape(part) for part in shown.split("..."))
    return re.fullmatch(pattern, message, re.S) is not None


def test_troubleshooting_messages_are_the_ones_raised(tmp_path, monkeypatch):
    """Each example on docs/troubleshooting.md, in order in one namespace, with warnings as errors:
    a ```py example raises exactly the message shown under it; a ```python one runs."""
    import shutil
    import warnings

    examples = troubleshooting_examples()
    assert len(examples) >= 15
    monkeypatch.chdir(tmp_path)  # the nn.load example writes a file
    namespace: dict = {"__name__": "docs_troubleshooting"}
    wrong = []
    for i, (code, shown) in enumerate(examples):
        with monkeypatch.context() as patch, warnings.catch_warnings():
            warnings.simplefilter("error")
            if NO_DOT in code:
                patch.setattr(shutil, "which", lambda *args, **kwargs: None)  # no dot, no graphviz-pure
                patch.setenv("PATH", str(tmp_path))  # nor a `dot` that subprocess would find
            if NO_MATPLOTLIB in code:
                patch.setitem(sys.modules, "matplotlib", None)
                patch.setitem(sys.modules, "matplotlib.pyplot", None)
            try:
                exec(compile(code, f"docs/troubleshooting.md (example {i + 1})", "exec"), namespace)
            except Exception as e:  # noqa: BLE001 - every error is compared with the page
                message = f"{type(e).__name__}: {e}"
                if shown is None or not shown_matches(shown, message):
                    wrong.append(f"example {i + 1}:\n  shown: {shown}\n  raised: {message}")
            else:
                if shown is not None:
                    wrong.append(f"example {i + 1} raised nothing; the page shows {shown!r}")
    assert not wrong, "\n".join(wrong)


def test_the_message_matcher_takes_dots_for_any_text():
    assert shown_matches("ValueError: load: ... is not", "ValueError: load: /tmp/x.json is not")
    assert not shown_matches("ValueError: load", "ValueError: load: more")
    assert not shown_matches("TypeError: x", "ValueError: x")


# --- what the guide shows is what the code prints and draws ----------------------------------------


def test_picture_captions_say_what_docs_render_draws():
    """docs/drawing.md captioned the Stepper's step-5 picture "the neuron after backward"."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("docs_render", DOCS / "render.py")
    assert spec is not None and spec.loader is not None
    render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render)
    stepper = render.neuron_step()
    when = f"step {stepper.position} of {len(stepper)}"
    captions = [
        (page.name, alt)
        for page in sorted(DOCS.glob("*.md"))
        for alt in re.findall(r"!\[([^\]]*)\]\(neuron_step\.svg\)", page.read_text(encoding="utf-8"))
    ]
    assert captions
    wrong = [(page, alt) for page, alt in captions if when not in alt or "after backward" in alt]
    assert not wrong, f"neuron_step.svg is the neuron at {when} of its backward pass; captions: {wrong}"


# --- the README's sections and the changelog on the site (one copy of the text) ---------------------

README_PAGES = {"micrograd": "Coming from micrograd", "extend": "Extend it", "promises": "What we promise"}
README_PAGES["benchmarks"] = "Benchmarks"
README_PAGES["teaching"] = "Teaching with stepgrad"


def page_text(page: Path) -> str:
    article = re.search(r"<article.*?</article>", page.read_text(encoding="utf-8"), re.S)
    assert article, page
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", article.group(0))).split())


def plain(markdown: str) -> str:
    """Text to compare a Markdown source and its page by: no link targets, backticks, emphasis,
    table bars, nor spaces (which the two place differently around code)."""
    return re.sub(r"[\s`*|]", "", re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown))


@pytest.mark.parametrize("name", sorted(README_PAGES))
def test_readme_sections_reach_the_site(site, name):
    """The changelog, "Coming from micrograd", "What we promise", "Extend it" and the benchmarks were
    in the README only; docs/<page>.md includes the README's section (between its snippet markers)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(
        rf"^## {README_PAGES[name]}\n<!-- --8<-- \[start:{name}\].*?-->\n(.*?)^<!-- --8<-- \[end:{name}\]",
        readme,
        re.S | re.M,
    )
    assert section, f"README.md's section {README_PAGES[name]!r} lacks its snippet markers for docs/{name}.md"
    shown = plain(page_text(site / f"{name}.html"))
    prose = [p for p in section.group(1).split("\n\n") if p.strip() and not p.lstrip().startswith(("```", "|", "-"))]
    assert prose
    for paragraph in prose:
        assert plain(paragraph)[:80] in shown, f"{name}.html lacks: {plain(paragraph)[:80]!r}"
    assert "--8<--" not in shown


def test_changelog_reaches_the_site(site):
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)
    shown = (site / "changelog.html").read_text(encoding="utf-8")
    assert versions and all(f">{v}<" in shown or f"[{v}]" in shown for v in versions), versions
    assert "All notable changes to stepgrad" in page_text(site / "changelog.html")


# --- the hooks' helpers, on small pages -------------------------------------------------------------


def tool(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def widget_page(*views: str, extra: dict | None = None) -> str:
    state = {
        "bar": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_a", "IPY_MODEL_b", "IPY_MODEL_c"]}},
        "a": {"model_name": "HTMLModel", "state": {"value": "fit:\u2007100%"}},
        "b": {"model_name": "FloatProgressModel", "state": {"value": 40.0, "max": 40.0}},
        "c": {"model_name": "HTMLModel", "state": {"value": "\u200740/40\u2007[00:01&lt;00:00]"}},
        **(extra or {}),
    }
    scripts = "".join(
        f'<script type="application/vnd.jupyter.widget-view+json">{{"model_id": "{v}"}}</script>' for v in views
    )
    loader = (
        "<script>\n(function() {\n  function addWidgetsRenderer() { var x = 'https://unpkg.com/'; }\n}());\n</script>"
    )
    state_json = json.dumps({"state": state})
    return f'<script type="application/vnd.jupyter.widget-state+json">{state_json}</script>{loader}<div>{scripts}</div>'


def test_a_tqdm_bar_becomes_static_html_and_other_widgets_stay():
    widgets = tool("docs_widgets")
    page = widgets.static_progress_bars(widget_page("bar"))
    assert re.search(r'<pre class="stepgrad-progress"[^>]*>fit: 100% <progress value="40" max="40"></progress> '
                     r"40/40 \[00:01&lt;00:00\]</pre>", page), page  # fmt: skip
    assert "unpkg" not in page and "widget-state" not in page and "widget-view" not in page
    button = {"button": {"model_name": "ButtonModel", "state": {}}}
    page = widgets.static_progress_bars(widget_page("bar", "button", extra=button))
    assert "stepgrad-progress" in page and '"model_id": "button"' in page  # the Stepper's buttons are kept
    assert "unpkg" in page and "widget-state" in page  # ... and what draws them


def test_a_notebook_toc_nests_the_headings_the_page_has():
    toc = tool("docs_toc")
    page = (
        '<h1 id="t">T<a class="anchor-link" href="#t">¶</a></h1>'
        '<h2 id="check-it-gradcheck">Check it: <code>gradcheck</code><a class="anchor-link" href="#c">¶</a></h2>'
        '<h3 id="x">x &lt; y<a class="anchor-link" href="#x">¶</a></h3><h2 id="z">Z<a class="anchor-link">¶</a></h2>'
    )
    found = toc.headings(page)
    assert found == [(1, "t", "T"), (2, "check-it-gradcheck", "Check it: gradcheck"), (3, "x", "x < y"), (2, "z", "Z")]
    (top,) = toc.toc_tokens(found)
    assert [c["id"] for c in top["children"]] == ["check-it-gradcheck", "z"]
    assert top["children"][0]["children"][0]["name"] == "x &lt; y"
