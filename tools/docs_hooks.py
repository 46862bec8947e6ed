"""MkDocs hook: the repository's notebooks/ become the site's notebooks/ pages.

The notebooks stay where `make test` and Jupyter use them; this adds each to the files
MkDocs builds, before mkdocs-jupyter picks the ``.ipynb`` files up (hence the priority).
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


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
    return files
