"""Notebooks are committed without outputs, name their seed topic, and assert something.

(They are executed by `make test` through nbmake; this file checks how they are stored.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_eight():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(1, 9)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    for i, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name} cell {i} has outputs; clear them before committing"
            assert cell["execution_count"] is None, f"{path.name} cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_names_its_seed_topic(path):
    first = load(path)["cells"][0]
    assert first["cell_type"] == "markdown"
    assert re.search(r"Seed topics?:\*\* `00[0-4]_[0-9a-f]{16}\.txt`", "".join(first["source"]))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_has_asserts_so_a_broken_engine_fails(path):
    code = "".join("".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "code")
    assert len(re.findall(r"^\s*assert ", code, re.M)) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_readme_links_it(path):
    assert f"(notebooks/{path.name})" in README
