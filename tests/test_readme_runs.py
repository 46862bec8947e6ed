"""The README and the docs pages run as written, the way a reader meets them.

Every ```python block of a page runs in order in ONE namespace (as pasted into one Python
session), in a fresh process, in an empty working directory, with matplotlib's non-interactive
backend and no system Graphviz on PATH: only what the extras installed into this environment
(graphviz-pure). numpy and matplotlib look absent until a block says it needs them
(``# needs the fast extra: ...``, ``# needs matplotlib: ...``), and the extras the pages name
must be installed here. Every ```console block's ``$ autodiff ...`` command runs too, and prints
what the block shows ("..." standing for lines left out).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from .blocks import OPTIONAL_MODULES, Block, commands, matches, read_blocks

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
SCRIPTS = Path(sys.executable).parent  # this environment's bin/ (Scripts\ on Windows)
# the extra the README's install line names for everyone: `pip install ".[dot]"`
BASE_EXTRAS = {"dot"}
# docs pages that only include README.md's sections or CHANGELOG.md (a pymdownx.snippets `--8<--` line,
# docs/extend.md ...) hold no blocks of their own: theirs run as README.md's
PAGES = ["README.md"] + sorted(
    f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md") if "\n--8<-- " not in p.read_text(encoding="utf-8")
)


def page_blocks(page: str) -> list[Block]:
    return read_blocks((ROOT / page).read_text(encoding="utf-8"))


def pages_with(kind: str) -> list[str]:
    return [page for page in PAGES if any(b.kind == kind for b in page_blocks(page))]


def requirements(extra: str) -> list[Requirement]:
    """The packages an extra brings, its stepgrad[...] extras followed; those whose marker holds here."""
    if extra not in EXTRAS:
        raise AssertionError(f"a block names the extra {extra!r}, which pyproject.toml does not define")
    out = []
    for text in EXTRAS[extra]:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        out += [r for e in sorted(req.extras) for r in requirements(e)] if req.name == "stepgrad" else [req]
    return out


def modules(extras: set[str], packages: set[str]) -> set[str]:
    """The optional modules that become importable once these extras and packages are installed."""
    names = {r.name for e in extras for r in requirements(e)} | packages
    names = {n.lower().replace("-", "_") for n in names}
    # matplotlib brings numpy, as pip does
    return (names | ({"numpy"} if "matplotlib" in names else set())) & OPTIONAL_MODULES


@pytest.fixture
def reader_env(tmp_path: Path) -> dict[str, str]:
    """os.environ with PATH = this environment's scripts but no `dot` (the pip path), and Agg for matplotlib."""
    bin_ = tmp_path / "path"
    bin_.mkdir()
    for entry in SCRIPTS.iterdir():
        if entry.name.lower() not in {"dot", "dot.exe"}:
            (bin_ / entry.name).symlink_to(entry)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env.update(PATH=str(bin_), MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", CI="1")
    assert shutil.which("dot", path=env["PATH"]) is None
    return env


@pytest.mark.parametrize("page", PAGES)
def test_pages_name_extras_that_are_installed_here(page):
    """The test's environment has every extra a page names (make test installs the test extra)."""
    named = set(BASE_EXTRAS)
    for block in page_blocks(page):
        extras, packages = block.needs()
        named |= extras
        for package in packages:
            assert _installed(package), f"{page} line {block.line} needs {package}, not installed here"
    for extra in sorted(named):
        missing = [str(r) for r in requirements(extra) if not _installed(r.name)]
        assert not missing, f"{page} names the {extra} extra; not installed here: {missing}"


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.parametrize("page", pages_with("python"))
def test_python_blocks_run_in_order_in_one_namespace(page, tmp_path, reader_env):
    blocks = [b for b in page_blocks(page) if b.kind == "python"]
    allowed: set[str] = set()
    job = []
    for block in blocks:
        allowed |= modules(*block.needs())
        job.append([block.line, block.code, sorted(allowed)])
    work = tmp_path / "work"
    work.mkdir()
    done = run_blocks({"page": page, "blocks": job}, reader_env, work)
    assert done.returncode == 0, f"{page}: a block failed as written:\n{done.stderr[-4000:]}"


@pytest.mark.parametrize("page", pages_with("console"))
def test_console_blocks_print_what_they_show(page, tmp_path, reader_env):
    runs = [run for b in page_blocks(page) if b.kind == "console" for run in commands(b)]
    assert runs, f"{page}: a console block without a `$ command`"
    for command, shown in runs:
        done = subprocess.run(_argv(command), cwd=tmp_path, env=reader_env, capture_output=True, text=True, timeout=60)
        printed = done.stdout.splitlines()
        assert done.returncode == 0, f"{page}: `{command}` failed:\n{done.stderr[-2000:]}"
        assert matches(shown, printed), (
            f"{page}: `{command}` printed\n" + "\n".join(printed) + "\nwhere the page shows\n" + "\n".join(shown)
        )


def _argv(command: str) -> list[str]:
    # `autodiff ...` or `.venv/bin/autodiff ...`: the autodiff program of this environment
    argv = shlex.split(command)
    if re.fullmatch(r"(\.venv/bin/)?autodiff", argv[0]) is None:
        raise AssertionError(f"a console block runs {argv[0]!r}: only `autodiff` commands are run by this test")
    return [str(SCRIPTS / "autodiff"), *argv[1:]]


def run_blocks(job: dict, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "tests" / "blocks.py")],
        input=json.dumps(job),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_block_that_uses_an_extra_without_saying_so_fails(tmp_path, reader_env):
    block = Block("python", 3, "import autodiff\nr = autodiff.compile(lambda x: x * 2, [1.0]).batch([[1.0]])\n")
    assert block.needs() == (set(), set())
    silent = run_blocks({"page": "page.md", "blocks": [[3, block.code, []]]}, reader_env, tmp_path)
    assert silent.returncode == 1 and "FAILED: page.md line 3" in silent.stderr and "numpy" in silent.stderr
    said = Block("python", 3, "# needs the fast extra: pip install numpy\n" + block.code)
    assert said.needs() == ({"fast"}, set()) and modules(*said.needs()) == {"numpy"}
    assert run_blocks({"page": "page.md", "blocks": [[3, said.code, ["numpy"]]]}, reader_env, tmp_path).returncode == 0


def test_every_page_but_the_api_reference_has_a_python_example():
    assert sorted(set(PAGES) - set(pages_with("python"))) == ["docs/api.md"]


def test_matches_reads_ellipsis_as_any_lines():
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"]) and matches(["a", "...", "d"], ["a", "d"])
    assert not matches(["a", "...", "d"], ["a", "b", "c"]) and not matches(["a", "b"], ["a", "b", "c"])
