"""The documentation site cannot rot: it builds in strict mode (notebooks rendered, not executed
here: `make docs` executes them), its API reference lists every public name, the README links
its pages. The pages' code examples run in tests/test_readme_runs.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autodiff
import nn

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDE = ["getting-started", "engine", "gradcheck", "drawing", "stepping", "compiled", "nn"]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built by `mkdocs build --strict`, notebooks unexecuted (STEPGRAD_DOCS_EXECUTE=false)."""
    out = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "STEPGRAD_DOCS_EXECUTE": "false", "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
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
    assert set(GUIDE) | {"api"} <= linked
    for page in linked:
        assert (DOCS / f"{page}.md").is_file(), f"README links docs/{page}.md, which does not exist"


def test_docstring_examples_show_as_code_not_quotes(site):
    api = (site / "api.html").read_text(encoding="utf-8")
    assert "<blockquote>" not in api  # Markdown reads a bare ">>>" as three nested quotes
    assert "language-pycon" in api or "highlight" in api
