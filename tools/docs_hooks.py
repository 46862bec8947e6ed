"""MkDocs hooks: the repository's notebooks/ become the site's notebooks/ pages, with their
LaTeX (MathJax, served from the site itself), fit's progress bars drawn offline, and a table of
contents read from the headings each page really has (tools/docs_toc.py).

The notebooks stay where `make test` and Jupyter use them; this adds each to the files
MkDocs builds, before mkdocs-jupyter picks the ``.ipynb`` files up (hence the priority).
MathJax 2.7 comes from the ``jupyter-server-mathjax`` package (the ``docs`` extra) and is
copied to ``assets/mathjax/``; mkdocs.yml's ``custom_mathjax_url`` points the notebook pages
at it, with ``config/local/stepgrad.js`` choosing the web font that package ships.
"""

from __future__ import annotations

import re
from pathlib import Path

import docs_toc  # tools/docs_toc.py and docs_widgets.py (MkDocs puts a hook's folder on the path while loading it)
import docs_widgets
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
MATHJAX = "assets/mathjax"
# the package ships the STIX-Web fonts only (MathJax's default, TeX, is not there)
MATHJAX_CONFIG = """MathJax.Hub.Config({
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  SVG: {font: "STIX-Web"}
});
MathJax.Ajax.loadComplete("[MathJax]/config/local/stepgrad.js");
"""


def mathjax_files(config) -> list[File]:
    """MathJax's files from jupyter-server-mathjax, as the site's assets/mathjax/."""
    try:
        import jupyter_server_mathjax
    except ImportError as missing:
        raise ImportError(
            "the notebook pages need MathJax from the package jupyter-server-mathjax: "
            'pip install -e ".[docs]" (make docs does)'
        ) from missing
    static = Path(jupyter_server_mathjax.__file__).resolve().parent / "static"
    files = [
        File.generated(config, f"{MATHJAX}/{path.relative_to(static).as_posix()}", abs_src_path=str(path))
        for path in sorted(static.rglob("*"))
        if path.is_file()
    ]
    files.append(File.generated(config, f"{MATHJAX}/config/local/stepgrad.js", content=MATHJAX_CONFIG))
    return files


@event_priority(100)
def on_files(files: Files, config) -> Files:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        files.append(
            File(
                f"notebooks/{path.name}",
                src_dir=str(NOTEBOOKS.parent),
                dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"],
            )
        )
    for file in mathjax_files(config):
        files.append(file)
    return files


# a notebook's link to a docs page, written for the repository (../docs/playground.md), as the site has it
REPO_DOCS_LINK = re.compile(r'href="\.\./docs/([\w-]+)\.md(#[^"]*)?"')


def on_page_content(html: str, page, config, files) -> str:
    if page.file.src_uri.endswith(".ipynb"):
        page.toc = get_toc(docs_toc.toc_tokens(docs_toc.headings(html)))
        html = REPO_DOCS_LINK.sub(lambda m: f'href="../{m.group(1)}.html{m.group(2) or ""}"', html)
        return docs_widgets.static_progress_bars(html)
    return html
