"""Shared test set-up: a seeded RNG and the requires_dot marker."""

from __future__ import annotations

import random
import shutil

import pytest
from hypothesis import settings

settings.register_profile("stepgrad", derandomize=True, deadline=None)
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
