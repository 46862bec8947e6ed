"""stepgrad's pytest plugin: gradient tests in three lines, loaded by pytest itself.

Installing stepgrad registers it (a ``pytest11`` entry point), so no conftest is needed: any
test may ask for the ``assert_grads`` fixture (or import ``autodiff.testing.assert_grads``)::

    def test_my_gradient(assert_grads):
        assert_grads(lambda x, y: (x * y).tanh(), [0.5, -1.2])

A failure is an ``AssertionError`` whose message is gradcheck's table, the failing rows
marked; pytest shows the table, not gradcheck's own code.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .testing import assert_grads as _assert_grads


@pytest.fixture(name="assert_grads", scope="session")  # no state: usable with hypothesis's @given too
def assert_grads_fixture() -> Callable[..., bool]:
    """``assert_grads(f, inputs, **gradcheck_options)``: gradcheck as an assertion (see autodiff.testing)."""
    return _assert_grads
