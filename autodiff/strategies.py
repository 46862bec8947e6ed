"""Hypothesis strategies for gradient tests: random expressions, with inputs where they are smooth.

``expressions(ops=..., max_depth=..., n_inputs=...)`` draws an ``Expression``: a function of
``n_inputs`` numbers (Values or floats) built from the chosen ops, with ``.inputs``, a point
where every op is inside its domain (log and sqrt of a positive number, no division by
about 0) and every kinked op (relu, abs) at least ``margin`` from its kink, so finite
differences are reliable there. A hand-derived gradient is then tested in three lines::

    @given(strategies.expressions(ops=["*", "tanh", "exp"]))
    def test_my_engine(e):
        assert_grads(e, e.inputs)

Needs hypothesis (``pip install hypothesis``, or the ``testing`` extra).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError(
        'autodiff.strategies needs hypothesis: pip install hypothesis (or, from a clone, pip install ".[testing]")'
    ) from e

from . import elementary
from .graph import topological_order
from .value import Value

UNARY = ("neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "**2", "**3", "**-1", "**0.5")
BINARY = ("+", "-", "*", "/")
OPS = BINARY + UNARY
KINKED = {"relu": 0.0, "abs": 0.0}
# the input must be at least margin above 0 (log, sqrt, a fractional or negative power's base) or away from 0 (/)
POSITIVE = ("log", "sqrt", "**0.5", "**-1")


@dataclass(frozen=True)
class Expression:
    """A random expression: ``tree`` is ``("x", i)``, ``("c", number)``, ``(op, child)`` or
    ``(op, left, right)``; call it with ``n_inputs`` numbers; ``inputs`` is a smooth point."""

    tree: tuple[Any, ...]
    n_inputs: int
    inputs: tuple[float, ...]

    def __call__(self, *xs: Any) -> Any:
        if len(xs) != self.n_inputs:
            raise TypeError(f"{self.source}: takes {self.n_inputs} input(s), got {len(xs)}")
        return evaluate(self.tree, xs)

    @property
    def source(self) -> str:
        """The expression as Python text over x0, x1, ... (``(tanh((x0 * x1)) + exp(x0))``), fully
        bracketed; its functions are autodiff's (``from autodiff import exp, log, sqrt, tanh, sigmoid,
        relu``; ``abs`` is Python's), so it evaluates to the same number."""
        return text(self.tree)

    def __repr__(self) -> str:
        return f"Expression({self.source}, inputs={list(self.inputs)})"


def evaluate(tree: tuple[Any, ...], xs: Sequence[Any]) -> Any:
    """The expression's value at ``xs`` (Values give a graph; floats a float)."""
    kind = tree[0]
    if kind == "x":
        return xs[tree[1]]
    if kind == "c":
        return tree[1]
    args = [evaluate(t, xs) for t in tree[1:]]
    if kind in BINARY:
        a, b = args
        if kind == "+":
            return a + b
        if kind == "-":
            return a - b
        return a * b if kind == "*" else a / b
    (a,) = args
    if kind.startswith("**"):
        return a ** float(kind[2:])
    if kind == "neg":
        return -a
    if kind == "abs":
        return abs(a)
    return getattr(elementary, kind)(a)


def text(tree: tuple[Any, ...]) -> str:
    kind = tree[0]
    if kind == "x":
        return f"x{tree[1]}"
    if kind == "c":
        return repr(tree[1])
    if kind in BINARY:
        return f"({text(tree[1])} {kind} {text(tree[2])})"
    if kind.startswith("**"):
        return f"({text(tree[1])}){kind[:2]}({kind[2:]})"
    if kind == "neg":
        return f"(-{text(tree[1])})"
    return f"{kind}({text(tree[1])})"


def _trees(ops: tuple[str, ...], max_depth: int, n_inputs: int) -> Any:
    # at most max_depth ops from any leaf to the root: each level wraps the one below
    leaf: Any = st.one_of(
        st.tuples(st.just("x"), st.integers(0, n_inputs - 1)),
        st.tuples(st.just("c"), st.sampled_from([0.5, 2.0, -1.5, 3.0])),
    )
    unary, binary = [o for o in ops if o in UNARY], [o for o in ops if o in BINARY]
    tree = leaf
    for _ in range(max_depth):
        below = tree
        options: list[Any] = [leaf]
        if unary:
            options.append(st.tuples(st.sampled_from(unary), below))
        if binary:
            options.append(st.tuples(st.sampled_from(binary), below, below))
        tree = st.one_of(*options)
    return tree


def depth(tree: tuple[Any, ...]) -> int:
    """How many ops lie on the longest path from a leaf to the root."""
    return 0 if tree[0] in ("x", "c") else 1 + max(depth(t) for t in tree[1:])


def _smooth(tree: tuple[Any, ...], xs: Sequence[float], margin: float) -> bool:
    # every op's input inside its domain and away from kinks; every value finite and moderate
    try:
        value = evaluate(tree, [Value(x) for x in xs])
    except (ArithmeticError, ValueError, TypeError):  # TypeError: a constant part gave a complex number
        return False
    if not isinstance(value, Value):
        return False  # no input in it: a constant, with no gradient to test
    for v in topological_order(value):
        if not abs(v.data) < 1e6:
            return False
        if not v.parents:
            continue
        a = v.parents[0].data
        if v.op in KINKED and abs(a - KINKED[v.op]) < margin:
            return False
        if v.op in POSITIVE and a < margin:
            return False
        if v.op == "/" and abs(v.parents[1].data) < margin:
            return False
    return True


@st.composite
def _expressions(draw: Any, ops: tuple[str, ...], max_depth: int, n_inputs: int, margin: float) -> Expression:
    tree = draw(_trees(ops, max_depth, n_inputs))
    number = st.one_of(st.floats(0.2, 2.0), st.floats(-2.0, 2.0))  # positive half the time: log, sqrt
    xs = tuple(draw(st.lists(number, min_size=n_inputs, max_size=n_inputs)))
    assume(_smooth(tree, xs, margin))
    return Expression(tree, n_inputs, xs)


def expressions(
    ops: Sequence[str] = ("+", "-", "*", "tanh", "exp", "relu"),
    max_depth: int = 3,
    n_inputs: int = 2,
    margin: float = 0.1,
) -> Any:
    """A strategy of ``Expression``: random expressions over ``ops`` (of ``OPS``), at most
    ``max_depth`` deep, of ``n_inputs`` inputs, each with a smooth point ``.inputs`` (see the module)."""
    ops = tuple(ops)
    unknown = [o for o in ops if o not in OPS]
    if unknown or not ops:
        raise ValueError(f"expressions: ops must be some of {', '.join(OPS)}; got {unknown or 'none'}")
    for name, value, low in (("max_depth", max_depth, 1), ("n_inputs", n_inputs, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"expressions: {name} must be an int >= {low}, got {value!r}")
    if not (isinstance(margin, (int, float)) and 1e-3 <= margin < 1 and math.isfinite(margin)):
        raise ValueError(
            f"expressions: margin must be a number in [0.001, 1), got {margin!r}: closer to a kink or a "
            "domain's edge than that, finite differences (gradcheck's eps) are not reliable"
        )
    return _expressions(ops, max_depth, n_inputs, float(margin))
