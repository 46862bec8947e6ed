"""``backward(create_graph=True)``: the backward pass made of Values.

Each node's local derivatives come from its op's definition run on its parents
(Values), so every gradient is itself a graph that can be differentiated again,
drawn and stepped; the numbers are the float pass's, bit for bit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from . import ops, rules, vocabulary
from .steps import gradients, name

if TYPE_CHECKING:
    from .value import Value

_INF = math.inf


class Values:
    """The rules' vocabulary over Values (``vocabulary.speak(Value, WORDS)``): a definition run on Values
    builds its derivatives as nodes. Elementary functions are nodes; comparisons, ``finite`` and
    ``maximum`` read the data (so ``where`` gets a bool); checks pass: a node's numbers were
    checked when it was made."""

    @staticmethod
    def exp(x: Value) -> Value:
        return x.exp()

    @staticmethod
    def log(x: Value) -> Value:
        return x.log()

    @staticmethod
    def sqrt(x: Value) -> Value:
        return x.sqrt()

    @staticmethod
    def tanh(x: Value) -> Value:
        return x.tanh()

    @staticmethod
    def power(a: Any, n: Any) -> Any:
        return a**n

    @staticmethod
    def where(cond: bool, yes: Any, no: Any) -> Any:
        return yes if cond else no

    @staticmethod
    def gt(a: Any, b: Any) -> bool:
        return _data(a) > _data(b)  # type: ignore[no-any-return]

    @staticmethod
    def ge(a: Any, b: Any) -> bool:
        return _data(a) >= _data(b)  # type: ignore[no-any-return]

    @staticmethod
    def lt(a: Any, b: Any) -> bool:
        return _data(a) < _data(b)  # type: ignore[no-any-return]

    @staticmethod
    def ne(a: Any, b: Any) -> bool:
        return _data(a) != _data(b)  # type: ignore[no-any-return]

    @staticmethod
    def finite(x: Any) -> bool:
        return -_INF < _data(x) < _INF  # type: ignore[no-any-return]

    @staticmethod
    def maximum(*xs: Any) -> float:
        return max(map(_data, xs))  # type: ignore[no-any-return]

    @staticmethod
    def check(ok: Any, check: vocabulary.Check) -> None:
        pass


WORDS = Values()


def _data(x: Any) -> Any:
    return x if isinstance(x, (int, float)) else x.data


def value_pass(order: list[Value], root: Value) -> None:
    """``backward(create_graph=True)`` over ``order`` (root's topological order): every grad a Value.

    Each grad is a Value of its own: never a node of the graph (d(x*w)/dx is w, but x.grad is a new
    node ``w * 1.0``) nor another node's grad, so changing one changes nothing else. Grads refer back
    into the graph (as in PyTorch): ``zero_grad()`` drops them when they are no longer needed.
    """
    grads = value_grads(order, root, accumulate=True)
    zero = type(root)(0.0)
    taken = {id(v) for v in order}
    for v in order:
        g = grads.get(id(v), zero)
        if id(g) in taken:
            g = g * 1.0  # the same number, bit for bit, in a node of its own
        taken.add(id(g))
        v.grad = g


def value_grads(order: list[Value], root: Value, accumulate: bool = False) -> dict[int, Any]:
    """d(root)/d(node) as a Value for each node of ``order`` (keyed by id; absent: 0); changes no grad.

    Each local derivative comes from the op's definition run on the parents (Values),
    so it is itself a graph, differentiable again; the numbers are the float pass's,
    bit for bit. The float pass runs first, so this raises exactly where ``backward``
    does. With ``accumulate`` every leaf starts from the grad it holds.
    """
    try:
        gradients(root, [], order)
    except FloatingPointError as e:
        raise FloatingPointError(str(e).replace("backward (push)", "backward (push, create_graph=True)", 1)) from None
    new = type(root)
    grads: dict[int, Any] = {}
    for v in order if accumulate else ():
        g0 = v.grad
        if v.is_leaf and (type(g0) is not float or g0 != 0.0 or math.copysign(1.0, g0) < 0.0):
            if type(g0) is float and not -_INF < g0 < _INF:
                raise FloatingPointError(
                    f"backward (create_graph=True): leaf {name(v)} already held grad {g0!r} before this pass; "
                    "call zero_grad() (or set its grad to 0.0) first. Every grad is as it was before this pass."
                )
            grads[id(v)] = new(g0) if type(g0) is float else g0
    seed = new(1.0)
    grads[id(root)] = grads[id(root)] + seed if id(root) in grads else seed
    for node in reversed(order):
        g = grads.get(id(node))
        if g is None or node.is_leaf:
            continue  # a leaf, or a node every path to which carries a constant 0
        for p, local in zip(node.parents, local_values(node)):
            c = times(local, g, seed)
            if c is not None:
                grads[id(p)] = grads[id(p)] + c if id(p) in grads else _first(c)
    return grads


def _first(c: Any) -> Any:
    # the float pass adds a node's first contribution to 0.0, which turns -0.0 into 0.0
    return c + 0.0 if c.data == 0.0 and math.copysign(1.0, c.data) < 0.0 else c


def local_values(node: Value) -> tuple[Any, ...]:
    """A node's local derivatives as Values (constants as floats): its op's definition run on its parents."""
    define = getattr(node.op, "define", None)  # a user primitive's op carries its definition
    key = rules.table_op(node.op)
    try:
        if define is not None:
            return tuple(define(*node.parents)[1])
        if key == "**n":
            return tuple(rules.pow_const(node.parents[0], ops.const_exponent(node.op))[1])
        return tuple(ops.OPS[key].define(*node.parents)[1])
    except (ArithmeticError, ValueError) as e:
        raise FloatingPointError(
            f"backward (create_graph=True): the derivatives of {node.op} at node {name(node)} could not be built "
            f"from Values ({e}). Every grad is as it was before this pass."
        ) from None


def times(local: Any, g: Any, one: Any = None) -> Any:
    """``local * g`` as a Value; None for a constant 0. No node for a factor of 1 (``g is one``, or
    a constant +-1), so the graphs stay small; the numbers are the float pass's, bit for bit."""
    if type(local) is not float and type(local) is not int:
        return local if g is one else local * g
    if local == 0.0:
        return None
    if g is one:
        return type(g)(local)
    return g if local == 1.0 else -g if local == -1.0 else g * local
