"""Shared test set-up: a seeded RNG and the requires_dot marker."""

from __future__ import annotations

import random
import shutil

import pytest
from hypothesis import settings

# CI: the same examples every run. Locally, `pytest --hypothesis-profile=explore` (optionally
# with --hypothesis-seed=N) draws new ones, many more of them.
settings.register_profile("stepgrad", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None, max_examples=5000)
settings.load_profile("stepgrad")


@pytest.fixture
def rng() -> random.Random:
    """A seeded random.Random, so every run sees the same numbers."""
    return random.Random(1234)


def pytest_collection_modifyitems(config, items):
    if shutil.which("dot"):
        return
    skip = pytest.mark.skip(reason="Graphviz 'dot' not on PATH (make test installs it)")
    for item in items:
        if "requires_dot" in item.keywords:
            item.add_marker(skip)
