"""Backpropagation: V2 "push" (accumulate into parents) and V1 "pull".

Neither pass names an op: a node contributes ``local * node.grad`` to each
parent, where ``local`` is the derivative the rules table recorded at forward
time. Semantics of a call on ``root``:

* every interior node's grad is reset, then holds d(root)/d(node);
* every leaf's grad has d(root)/d(leaf) *added* (so two calls give twice it),
  as in PyTorch; call ``zero_grad`` between steps of an optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from . import rules
from .graph import collector_paused, topological_order

if TYPE_CHECKING:
    from .value import Value

METHODS = ("push", "pull")
GRAD = attrgetter("grad")
_INF = math.inf


def backward(root: Value, method: str = "push", create_graph: bool = False) -> None:
    """Add d(root)/d(leaf) into every leaf's grad (see the module docstring).

    Raises ``FloatingPointError`` naming the edge where a gradient first became
    inf or NaN; every grad of the graph is then exactly what it was before the call.
    With ``create_graph=True`` every grad left is a Value (``value_grads``). The pass
    runs with the cycle collector paused, the user's setting put back however it ends.
    """
    check_method(method, "backward")
    if create_graph is not False and create_graph is not True:
        raise TypeError(f"backward: create_graph must be True or False, got {create_graph!r}")
    with collector_paused():
        order = topological_order(root)
        if not create_graph:
            _float_pass(order, root, method, list(map(GRAD, order)))
            return
        grads = value_grads(order, root, accumulate=True)
        zero = type(root)(0.0)
        for v in order:
            v.grad = grads.get(id(v), zero)


def _float_pass(order: list[Value], root: Value, method: str, before: list[Any]) -> None:
    try:
        _start(order, root)
        if method == "push":
            push(order)
        else:
            pull(order)
        total = sum(map(GRAD, order))
    except BaseException:  # float arithmetic cannot raise: a leaf held a Value grad, or an interrupt
        restore(order, before)
        _refuse_value_grads(order, before, "backward")
        raise
    # one check per pass: a sum of floats is non-finite if any term is (inf, NaN, or
    # inf + -inf); a sum that merely overflows sends us to the exact search, which then passes.
    if type(total) is not float or not -_INF < total < _INF:
        _find_non_finite(order, root, method, before)


def gradients(root: Value, wrt: Sequence[Value], order: list[Value] | None = None) -> list[float]:
    """d(root)/d(w) for each w in ``wrt`` (0.0 where root does not depend on w), changing no grad.

    The push pass of ``backward``, the same numbers bit for bit, started from zero
    grads everywhere; raises ``FloatingPointError`` as ``backward`` does. ``order``:
    root's topological order, when the caller has walked the graph already.
    """
    with collector_paused():
        order = topological_order(root) if order is None else order
        held = list(map(GRAD, order))
        try:
            zeros = [0.0] * len(order)
            restore(order, zeros)
            _float_pass(order, root, "push", zeros)
            inside = {id(v) for v in order}
            return [w.grad if id(w) in inside else 0.0 for w in wrt]
        finally:
            restore(order, held)


def _refuse_value_grads(order: list[Value], grads: list[Any], who: str) -> None:
    # a float pass adds floats into leaves; one holding a Value (from create_graph) is refused
    for v, g in zip(order, grads):
        if not isinstance(g, (int, float)) and not v.parents:
            raise TypeError(
                f"{who}: leaf {name(v)} holds a Value grad (left by backward(create_graph=True)), which a "
                "float pass cannot add into; read it, then call zero_grad() (or set its grad to 0.0), or pass "
                "create_graph=True to add Values. Every grad is as it was before this pass."
            )


def check_method(method: object, who: str) -> None:
    if type(method) is not str or method not in METHODS:
        raise ValueError(f"{who}: method must be 'push' or 'pull', got {method!r} (push is V2, pull is V1)")


def _start(order: list[Value], root: Value) -> None:
    # interior grads start from 0; the root's own derivative is 1
    for v in order:
        ps = v._ps
        if ps is None or ps:  # one or two parents in slots, or three and more in a tuple
            v.grad = 0.0
    root.grad += 1.0


def push(order: list[Value]) -> None:
    # V2: for j = N..1, for i in Pa(j): df/dx_i += df/dx_j * dg_j/dx_i
    # (the parents of a node of one or two are in its slots, see autodiff.value; leaves add nothing)
    for node in reversed(order):
        g = node.grad
        ps = node._ps
        if ps is None:
            node._p0.grad += node._d0 * g  # type: ignore[union-attr]
            b = node._p1
            if b is not None:
                b.grad += node._d1 * g
        else:
            for p, local in zip(ps, node._ds):  # type: ignore[arg-type]
                p.grad += local * g


def _consumers(order: list[Value]) -> dict[int, list[tuple[Value, int]]]:
    # for each node, the (child, slot) pairs that use it, in the order push visits them
    uses: dict[int, list[tuple[Value, int]]] = {id(v): [] for v in order}
    for child in reversed(order):
        for slot, p in enumerate(child.parents):
            uses[id(p)].append((child, slot))
    return uses


def pull(order: list[Value]) -> None:
    # V1: for i = N-1..1: df/dx_i = sum over children j of df/dx_j * dg_j/dx_i.
    # Summed in the order push adds them, so both passes agree to the last bit.
    uses = _consumers(order)
    for node in reversed(order[:-1]):
        g = node.grad
        for child, slot in uses[id(node)]:
            g += child.local_grads[slot] * child.grad
        node.grad = g


@dataclass(frozen=True)
class Step:
    """One step of a backward pass, as ``backward_steps`` yields it; ``index`` counts from 1.

    ``kind="seed"`` (step 1): ``node`` is the root, its grad set to 1 (``parent`` None).
    ``kind="edge"``: ``parent.grad += local * node.grad``, where ``node`` is the
    child, ``local`` = d(node)/d(parent) and ``slot`` the parent's position in
    ``node.parents``; ``contribution`` is what was added, ``grad_after`` the
    parent's grad after it and ``grad_before`` before it.
    """

    index: int
    kind: str
    method: str
    node: Value
    parent: Value | None
    slot: int
    local: float
    node_grad: float
    contribution: float
    grad_before: float
    grad_after: float


def backward_steps(root: Value, method: str = "push") -> Iterator[Step]:
    """Run a backward pass one edge at a time, yielding a ``Step`` per edge.

    The interior grads are reset and the root seeded when the first step is
    taken. Exhausting the generator leaves exactly the grads ``backward`` gives,
    with the same floating-point additions in the same order. A step whose
    numbers are not finite raises ``FloatingPointError`` (as ``backward`` does)
    and puts every grad back to what it was before the first step.
    """
    check_method(method, "backward_steps")
    return _checked_steps(root, method)


def _checked_steps(root: Value, method: str) -> Iterator[Step]:
    order = topological_order(root)
    before = list(map(GRAD, order))
    _refuse_value_grads(order, before, "backward_steps")
    for step in _steps(order, root, method):
        if _non_finite(step):
            restore(order, before)
            raise FloatingPointError(_non_finite_message(step, method))
        yield step


def _steps(order: list[Value], root: Value, method: str) -> Iterator[Step]:
    # the pass of ``backward``, one edge at a time, unchecked
    before = root.grad
    _start(order, root)
    index = 1  # "step k of N": after this step k steps are applied; the seed is step 1
    yield Step(index, "seed", method, root, None, -1, 1.0, 1.0, 1.0, before, root.grad)
    if method == "push":
        for node in reversed(order):
            for slot, (p, local) in enumerate(zip(node.parents, node.local_grads)):
                index += 1
                g0 = p.grad
                c = local * node.grad
                p.grad = g0 + c
                yield Step(index, "edge", method, node, p, slot, local, node.grad, c, g0, p.grad)
    else:
        uses = _consumers(order)
        for p in reversed(order[:-1]):
            for child, slot in uses[id(p)]:
                index += 1
                g0 = p.grad
                local = child.local_grads[slot]
                c = local * child.grad
                p.grad = g0 + c
                yield Step(index, "edge", method, child, p, slot, local, child.grad, c, g0, p.grad)


def _non_finite(step: Step) -> bool:
    # the one test both the checked steps and the slow path of backward apply
    return not -_INF < step.grad_after < _INF or not -_INF < step.local < _INF


def restore(order: list[Value], grads: list[float]) -> None:
    for v, g in zip(order, grads):
        v.grad = g


def _find_non_finite(order: list[Value], root: Value, method: str, before: list[float]) -> None:
    # the slow path: replay the pass from the saved grads, stop at the first bad step
    restore(order, before)
    _refuse_value_grads(order, before, "backward")
    culprit = None
    for step in _steps(order, root, method):
        if _non_finite(step):
            culprit = step
            break
    else:
        for v, g in zip(order, before):
            if not v.parents and not -_INF < v.grad < _INF:
                restore(order, before)
                raise FloatingPointError(
                    f"backward: leaf {name(v)} already held grad {g!r} before this pass; "
                    "call zero_grad() (or set its grad to 0.0) first"
                )
        return  # every grad is finite: only the quick check's sum overflowed
    restore(order, before)
    raise FloatingPointError(_non_finite_message(culprit, method))


def name(v: Value) -> str:
    """A node as messages name it: its label, else its op and data."""
    if v.label:
        return repr(v.label)
    return f"({v.op} node, data {v.data!r})" if v.op else f"(leaf, data {v.data!r})"


def _non_finite_message(step: Step, method: str) -> str:
    child, parent = step.node, step.parent
    if parent is None:  # the seed: a leaf root whose grad was already huge or non-finite
        return (
            f"backward ({method}): seeding the root {name(child)} gives grad {step.grad_after!r} "
            f"(it held {step.grad_before!r}); call zero_grad() first. Every grad is as it was before this pass."
        )
    where = (
        f"backward ({method}): gradient is {step.grad_after!r} on the edge {child.op or 'leaf'} node "
        f"{name(child)} -> parent {name(parent)}: local derivative d(child)/d(parent) = {step.local!r}, "
        f"incoming grad {step.node_grad!r}, contribution {step.contribution!r}, parent grad before {step.grad_before!r}"
    )
    if not -_INF < step.grad_before < _INF:
        fix = f"{name(parent)} already held grad {step.grad_before!r} before this pass: call zero_grad() first"
    elif not -_INF < step.local < _INF:
        inputs = ", ".join(repr(p.data) for p in child.parents[:4]) + (", ..." if len(child.parents) > 4 else "")
        fix = (
            f"the derivative of {child.op} is not finite at input(s) ({inputs}): "
            "move the input away from that point (e.g. add a small epsilon or clamp it)"
        )
    elif not -_INF < step.contribution < _INF:
        fix = "the gradient overflowed (exploding gradients): scale the inputs, weights or loss down"
    else:
        fix = "the gradients added into this node overflowed: scale the loss down or call zero_grad() between passes"
    return f"{where}; {fix}. Every grad is as it was before this pass."


def zero_grad(root: Value) -> None:
    """Set ``grad = 0.0`` on every node of ``root``'s graph."""
    with collector_paused():
        for v in topological_order(root):
            v.grad = 0.0


# -- the pass made of Values: backward(create_graph=True) -------------------------------------


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
        if v.is_leaf and (type(g0) is not float or g0 != 0.0):
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
                grads[id(p)] = grads[id(p)] + c if id(p) in grads else c
    return grads


def local_values(node: Value) -> tuple[Any, ...]:
    """A node's local derivatives as Values (constants as floats): its op's definition run on its parents."""
    define = getattr(node.op, "define", None)  # a user primitive's op carries its definition
    key = rules.table_op(node.op)
    try:
        if define is not None:
            return tuple(define(*node.parents)[1])
        if key == "**n":
            return tuple(rules.pow_const(node.parents[0], rules.const_exponent(node.op))[1])
        return tuple(rules.OPS[key].define(*node.parents)[1])
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
