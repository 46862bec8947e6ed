"""Higher order: the backward pass made of Values (``backward(create_graph=True)``).

The pass of ``backprop`` with its arithmetic on Values: each local derivative
comes from ``rules.DERIVATIVES`` as a Value (d(tanh a)/da = 1 - out*out, a node
over the tanh node itself) and each ``parent.grad += local * grad`` is a Value
operation. Every grad is then a node of a new graph, holding the same number
the float pass gives, that can be differentiated again, drawn or stepped through.
"""

from __future__ import annotations

import math
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

from . import rules
from .backprop import Step, _check_method, _name, _non_finite_message
from .graph import topological_order
from .value import Value, _const

_INF = math.inf

# the namespace rules.DERIVATIVES is written over, for Values
VALUES = SimpleNamespace(exp=Value.exp, log=Value.log, data=attrgetter("data"))


def backward_values(root: Value, method: str = "push") -> None:
    """``backward(create_graph=True)``: every grad left is a Value (see the module docstring).

    Leaves accumulate: a leaf holding a grad gets
    ``held + new``; interior grads are replaced. Push and pull add the same terms
    in the same order, so both build this graph. Raises as ``backward`` does
    (``FloatingPointError`` naming the edge), and ``TypeError`` naming an op that
    has no derivative as Values (a primitive registered without ``derivative=``);
    either way no grad has changed.
    """
    _check_method(method, "backward")
    order = topological_order(root)
    grads = grad_values(order, root, accumulate=True)
    for v in order:
        g = grads.get(id(v))
        v.grad = g if g is not None else _const(0.0)  # type: ignore[assignment]  # a Value grad, on purpose


def grad_values(order: list[Value], root: Value, accumulate: bool = False) -> dict[int, Value]:
    """d(root)/d(node) as a Value for each node of ``order`` (keyed by id; absent: 0); changes no grad.

    With ``accumulate`` every leaf starts from the grad it holds (``backward_values``).
    """
    grads: dict[int, Value] = {}
    if accumulate:
        for v in order:
            g0 = v.grad
            if not v.parents and (isinstance(g0, Value) or g0 != 0.0):
                if not isinstance(g0, Value) and not -_INF < g0 < _INF:
                    raise FloatingPointError(
                        f"backward (create_graph=True): leaf {_name(v)} already held grad {g0!r} before this pass; "
                        "call zero_grad() (or set its grad to 0.0) first. Every grad is as it was before this pass."
                    )
                grads[id(v)] = g0 if isinstance(g0, Value) else _const(g0)
    seed = _const(1.0)
    held = grads.get(id(root))
    grads[id(root)] = seed if held is None else held + seed
    for node in reversed(order):
        g = grads.get(id(node))
        if g is None or not node.parents:
            continue  # a leaf, or a node every path to which carries a constant 0
        try:
            locs = local_values(node)
        except (ArithmeticError, ValueError) as e:
            raise FloatingPointError(_value_pass_message(node, None, g, grads, e)) from None
        for slot, (p, local) in enumerate(zip(node.parents, locs)):
            try:
                c = times(local, g, seed)
                if c is not None:
                    old = grads.get(id(p))
                    grads[id(p)] = c if old is None else old + c
            except (ArithmeticError, ValueError) as e:
                raise FloatingPointError(_value_pass_message(node, slot, g, grads, e)) from None
    return grads


def local_values(node: Value) -> tuple[Any, ...]:
    """A node's local derivatives as Values (constants as floats), from ``rules.DERIVATIVES``."""
    if rules.table_op(node.op) not in rules.DERIVATIVES:
        raise TypeError(
            f"the op {node.op!r} of node {_name(node)} has no derivative written with Values, so it cannot be "
            f"differentiated twice (create_graph=True, grad of grad, hessian); register it with "
            f"autodiff.primitive({node.op!r}, derivative=...), giving its derivative(s) as an expression of Values"
        )
    return rules.derivatives(VALUES, node.op, node, node.parents)


def times(local: Any, g: Value, one: Value | None = None) -> Value | None:
    """``local * g`` as a Value; None for a constant 0. No node for a factor of 1 (``g is one``, or
    a constant +-1), so the graphs stay small; the numbers are the float pass's, bit for bit."""
    if isinstance(local, Value):
        return local if g is one else local * g
    product: Value
    if local == 0.0:
        return None
    if g is one:
        return _const(local)
    if local == 1.0:
        return g
    if local == -1.0:
        return -g
    product = g * local
    return product


def _value_pass_message(node: Value, slot: int | None, g: Value, grads: dict[int, Value], err: Exception) -> str:
    # the float numbers of the failing edge, in backward's words
    if slot is None:  # the derivatives themselves failed: blame the first non-finite one
        slot = next((i for i, d in enumerate(node.local_grads) if not -_INF < d < _INF), 0)
    parent, local = node.parents[slot], node.local_grads[slot]
    old = grads.get(id(parent))
    before = old.data if old is not None else 0.0
    c = local * g.data
    step = Step(
        index=0,
        kind="edge",
        method="push",
        node=node,
        parent=parent,
        slot=slot,
        local=local,
        node_grad=g.data,
        contribution=c,
        grad_before=before,
        grad_after=before + c,
    )
    if -_INF < step.grad_after < _INF and -_INF < local < _INF:
        return (
            f"backward (create_graph=True): the derivative of {node.op} on the edge {_name(node)} -> parent "
            f"{_name(parent)} could not be built from Values ({err}). Every grad is as it was before this pass."
        )
    return _non_finite_message(step, "push, create_graph=True")
