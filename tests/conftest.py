"""Shared test set-up: a seeded RNG, the requires_dot marker and a headless browser."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# CI: the same examples every run. Locally, `pytest --hypothesis-profile=explore` (optionally
# with --hypothesis-seed=N) draws new ones, many more of them.
settings.register_profile("stepgrad", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None, max_examples=5000)
settings.load_profile("stepgrad")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Debian's chromedriver, 1000x700; skipped, naming what is missing."""
    from .browsers import BROWSER_HINT, browser_missing, chrome

    missing = browser_missing()
    if missing:
        pytest.skip(f"browser test needs {' and '.join(missing)}: {BROWSER_HINT}")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' not on PATH (make test installs it)")
    with chrome(1000, 700) as driver:
        yield driver


@pytest.fixture
def rng() -> random.Random:
    """A seeded random.Random, so every run sees the same numbers."""
    return random.Random(1234)


_REFERENCE: dict = {}


@pytest.hookimpl(trylast=True)  # after -k, -m and --deselect have filtered the items
def pytest_collection_modifyitems(config, items):
    if any("micrograd_demo_reference" in getattr(item, "fixturenames", ()) for item in items):
        _start_micrograd_reference()
    from autodiff.viz import find_dot

    if find_dot():  # a dot on PATH, or the dot extra's graphviz-pure: autodiff draws with either
        return
    skip = pytest.mark.skip(reason="no Graphviz dot: none on PATH and no dot extra (make test installs it)")
    for item in items:
        if "requires_dot" in item.keywords:
            item.add_marker(skip)


def _start_micrograd_reference() -> None:
    # micrograd's 100 demo steps take about a minute: run them beside the suite, in a process
    # of their own, from the moment the comparison test is collected
    try:
        import micrograd  # noqa: F401
    except ImportError:
        return
    root = Path(__file__).resolve().parent.parent
    _REFERENCE["proc"] = subprocess.Popen(
        [sys.executable, "-m", "tests.micrograd_reference"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def pytest_sessionfinish(session, exitstatus):
    proc = _REFERENCE.pop("proc", None)
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.communicate()


@pytest.fixture
def micrograd_demo_reference():
    """A function returning micrograd 0.1.0's run of its demo loop (tests/micrograd_reference.py)."""
    pytest.importorskip("micrograd")

    def result() -> dict:
        proc = _REFERENCE.get("proc")
        if proc is None:
            _start_micrograd_reference()
            proc = _REFERENCE["proc"]
        out, err = proc.communicate(timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(f"micrograd's reference run failed:\n{err}")
        return json.loads(out)

    return result
