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

One limit, that of every ``ContextVar``: a generator that yields from inside a
``with scope(...)`` block leaves the scope open in its caller until it resumes
and leaves the block. Open scopes around the code that builds nodes, not around
a ``yield``.

Each entry into a block makes a new path (a ``ScopePath``, a tuple that also
knows the path of the block around it), so two calls of the same model are two
blocks with equal paths: a drawing tells them apart (one box per call) and still
knows that both calls' ``L0`` sit in their own ``MLP``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import Token

from .value import SCOPE

SEPARATOR = "/"


class ScopePath(tuple[str, ...]):
    """The names of the open scopes, outermost first, and ``outer``: the path of the enclosing block.

    Equal to the plain tuple of its names (``ScopePath`` compares, hashes and prints as one);
    its identity is the block it was made for.
    """

    outer: tuple[str, ...]


def check_name(name: object, who: str = "scope") -> str:
    """``name`` if it can name a scope (a non-empty str without ``/``); else TypeError or ValueError."""
    if type(name) is not str:
        raise TypeError(f"{who}: name must be a str, got {type(name).__name__} {name!r:.80}")
    if not name:
        raise ValueError(f"{who}: name must not be empty; give the block a name, e.g. scope('encoder')")
    if SEPARATOR in name:
        raise ValueError(
            f"{who}: name {name!r:.80} contains {SEPARATOR!r}, which separates nested scopes in paths; "
            f"nest the blocks instead: with scope('a'): with scope('b'): ..."
        )
    return name


def enter(name: str) -> Token[tuple[str, ...]]:
    """Open a scope block named ``name`` (already checked by ``check_name``); give the token to ``leave``.

    The lean form of ``with scope(name):`` for code that opens a scope on every call (``nn`` modules).
    """
    outer = SCOPE.get()
    path = ScopePath((*outer, name))
    path.outer = outer
    return SCOPE.set(path)


leave = SCOPE.reset


def enter_scope(name: str) -> Token[tuple[str, ...]]:
    """Open a block as ``with scope(name):`` does, without a context manager; close it with ``leave_scope``.

    For code that opens a scope on every call (``nn``'s modules, thousands of times a step),
    at under half of ``scope``'s cost: ``token = enter_scope("N0")``, then
    ``try: ... finally: leave_scope(token)``.
    """
    return enter(check_name(name))


def leave_scope(token: Token[tuple[str, ...]]) -> None:
    """Close the block that ``enter_scope`` returned ``token`` for (the innermost one open)."""
    SCOPE.reset(token)


@contextmanager
def scope(name: str) -> Iterator[tuple[str, ...]]:
    """Tag every node made inside the block with this scope, nested in the open ones.

    ``name`` is any non-empty string without ``/`` (the separator of the paths
    ``"MLP/L0/N3"`` that drawings show); nest blocks for nested scopes. Yields the
    full path. Works as a decorator too: ``@scope("loss")`` (each call a new block).
    """
    token = enter(check_name(name))
    try:
        yield SCOPE.get()
    finally:
        SCOPE.reset(token)


def current_scope() -> tuple[str, ...]:
    """The path of the scopes open here, ``()`` outside any."""
    return SCOPE.get()


def scope_name(path: tuple[str, ...]) -> str:
    """``("MLP", "L0", "N3")`` as ``"MLP/L0/N3"`` (``""`` for the empty path)."""
    return SEPARATOR.join(path)
