"""The code blocks of a Markdown page (README.md, docs/*.md), read and run as a reader would.

Imported by ``test_readme_runs.py`` to read a page; run as a script (``python tests/blocks.py``)
it is the reader's interpreter: it reads ``{"page": ..., "blocks": [[line, code, allowed], ...]}``
as JSON on stdin and runs every block in order in ONE namespace, as one pastes them into one
Python session. The optional packages of the extras (numpy, matplotlib) cannot be imported
until a block says it needs them (``allowed``: the top-level modules that block may import
beyond the base install), so a block that uses an extra without saying so fails here.
A failure prints the traceback and ``FAILED: <page> line <n>``, and exits 1.
"""

from __future__ import annotations

import importlib.abc
import json
import re
import sys
import traceback
from dataclasses import dataclass

# what a reader has after the README's `pip install ".[dot]"`: none of these
OPTIONAL_MODULES = {"numpy", "matplotlib"}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
# "# needs the fast extra: ..." or "# needs matplotlib: ..."
NEEDS = re.compile(r"#.*?\bneeds (?:the ([\w-]+) extra|([A-Za-z][\w-]*):)")


@dataclass(frozen=True)
class Block:
    kind: str  # "python", "console", ...
    line: int  # 1-based line of the code's first line in the page
    code: str

    def needs(self) -> tuple[set[str], set[str]]:
        """(extras, packages) the block's comments say it needs."""
        extras, packages = set(), set()
        for extra, package in NEEDS.findall(self.code):
            (extras if extra else packages).add(extra or package)
        return extras, packages


def read_blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, in order, with its language and first line."""
    return [Block(m.group(1), text.count("\n", 0, m.start(2)) + 1, m.group(2)) for m in FENCE.finditer(text)]


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """A ```console block's ``$ command`` lines, each with the output lines shown under it."""
    runs: list[tuple[str, list[str]]] = []
    for line in block.code.splitlines():
        if line.startswith("$ "):
            runs.append((line[2:], []))
        elif runs:
            runs[-1][1].append(line)
        else:
            raise ValueError(f"console block at line {block.line}: output before any `$ command`: {line!r}")
    return runs


def matches(shown: list[str], printed: list[str]) -> bool:
    """Whether ``printed`` is what ``shown`` shows: line for line, where a line "..." stands for any lines."""
    if not shown:
        return not printed
    if shown[0].strip() == "...":
        return any(matches(shown[1:], printed[k:]) for k in range(len(printed) + 1))
    return bool(printed) and printed[0].rstrip() == shown[0].rstrip() and matches(shown[1:], printed[1:])


class NotInstalled(importlib.abc.MetaPathFinder):
    """Makes the optional packages not yet asked for look absent, as they are after a plain install."""

    def __init__(self) -> None:
        self.missing = set(OPTIONAL_MODULES)

    def find_spec(self, name, path, target=None):
        top = name.partition(".")[0]
        if top in self.missing:
            raise ModuleNotFoundError(f"No module named {top!r} (no block so far says it needs it)", name=top)
        return None


def run(page: str, blocks: list[tuple[int, str, list[str]]]) -> int:
    finder = NotInstalled()
    sys.meta_path.insert(0, finder)
    namespace: dict = {"__name__": "__main__"}
    for line, code, allowed in blocks:
        finder.missing -= set(allowed)
        try:
            exec(compile(code, f"{page} line {line}", "exec"), namespace)  # our own pages, not user text
        except BaseException:
            traceback.print_exc()
            print(f"FAILED: {page} line {line}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    job = json.load(sys.stdin)
    sys.exit(run(job["page"], job["blocks"]))
