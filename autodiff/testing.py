"""Gradient tests for pytest: ``assert_grads``, gradcheck as an assertion.

``assert_grads(f, inputs)`` checks ``f``'s backward() gradients at ``inputs`` against central
differences, as ``gradcheck`` does, and fails with gradcheck's table as the message. pytest
shows the table first (gradcheck's own frames are hidden from its traceback). The pytest
plugin (``autodiff.pytest_plugin``, registered when stepgrad is installed) gives it as a
fixture; ``autodiff.strategies`` draws random expressions to feed it with hypothesis.

>>> assert_grads(lambda x, y: x * y.exp(), [2.0, 0.5])
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .gradcheck import Input, gradcheck
from .value import Value


def assert_grads(f: Callable[..., Value], inputs: Sequence[Input], **options: Any) -> bool:
    """Assert that ``f``'s gradients at ``inputs`` match central differences (``gradcheck``'s
    options: ``eps``, ``atol``, ``rtol``, ``method``); True, else an AssertionError with the table."""
    __tracebackhide__ = True  # pytest: show the assertion's table, not these frames
    return gradcheck(f, inputs, **options)
