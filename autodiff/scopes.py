"""Scopes: name the parts of a graph as it is built, so drawings and steppers can group them.

>>> from autodiff import Value, scope
>>> x = Value(1.0, label="x")
>>> with scope("layer"):
...     with scope("N0"):
...         y = (2 * x).tanh()
>>> y.scope
('layer', 'N0')
>>> x.scope
()

Every node made inside ``with scope(name):`` (computed nodes, constants, leaves)
records the path of the open scopes as one tuple, shared by all the nodes of that
block. Scopes are per thread and per asyncio task (a ``ContextVar``), cost one
pointer per node, and change no value or gradient; tracing and compiled code
ignore them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .value import SCOPE

SEPARATOR = "/"


@contextmanager
def scope(name: str) -> Iterator[tuple[str, ...]]:
    """Tag every node made inside the block with this scope, nested in the open ones.

    ``name`` is any non-empty string without ``/`` (the separator of the paths
    ``"MLP/L0/N3"`` that drawings show); nest blocks for nested scopes. Yields the
    full path. Works as a decorator too: ``@scope("loss")``.
    """
    if type(name) is not str:
        raise TypeError(f"scope: name must be a str, got {type(name).__name__} {name!r:.80}")
    if not name:
        raise ValueError("scope: name must not be empty; give the block a name, e.g. scope('encoder')")
    if SEPARATOR in name:
        raise ValueError(
            f"scope: name {name!r:.80} contains {SEPARATOR!r}, which separates nested scopes in paths; "
            f"nest the blocks instead: with scope('a'): with scope('b'): ..."
        )
    path = SCOPE.get() + (name,)
    token = SCOPE.set(path)
    try:
        yield path
    finally:
        SCOPE.reset(token)


def current_scope() -> tuple[str, ...]:
    """The path of the scopes open here, ``()`` outside any."""
    return SCOPE.get()


def scope_name(path: tuple[str, ...]) -> str:
    """``("MLP", "L0", "N3")`` as ``"MLP/L0/N3"`` (``""`` for the empty path)."""
    return SEPARATOR.join(path)
