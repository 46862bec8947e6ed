"""Derivatives as functions, with JAX's names: grad, hessian, hvp, jacobian, jvp.

Each takes ``f`` and returns a function of f's inputs. Inputs are numbers or
Values; f receives fresh nodes in their place (a Value input ``x`` as the node
``x * 1.0``, so that f's own uses of ``x`` elsewhere count as constants: the
derivative is with respect to the argument, as in JAX). Results are floats, or
Values that can be differentiated again when an input is a Value or the call is
inside another of these functions: so they compose, ``grad(grad(f))``,
``grad(grad(grad(f)))``, ``hessian`` of a function that calls ``grad``. A
closure over a number is a constant; to differentiate through ``grad(f)(2.0)``
from outside, give it Values or call it inside another transformation.

No caller's grad is changed: the passes run on f's graph alone.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, Union

from . import second_order, steps
from .elementary import dot
from .forward import tangents
from .graph import topological_order
from .value import Value, check_number, const

Scalar = Union[Value, float, int]
_STATE = threading.local()


@contextmanager
def _nested() -> Iterator[int]:
    # how many of these functions are running in this thread: inside one, results stay Values
    depth = getattr(_STATE, "depth", 0)
    _STATE.depth = depth + 1
    try:
        yield depth
    finally:
        _STATE.depth = depth


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The function computing df/d(argument) of a scalar-valued ``f``.

    ``grad(f)(x)``: the derivative with respect to the first argument (a number,
    or a list of numbers giving a list). ``argnums`` a tuple: a tuple of them.

    >>> grad(lambda x: x ** 3)(3.0)
    27.0
    >>> grad(grad(lambda x: x ** 3))(3.0)
    18.0
    >>> grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (4.0, 3.0)
    """
    name = _callable(f, "grad")
    nums, single = _argnums(argnums)

    def df(*args: Any) -> Any:
        if not args or max(nums) >= len(args):
            raise TypeError(f"grad({name}): argnums={argnums!r} but it was given {len(args)} argument(s)")
        with _nested() as depth:
            as_values = depth > 0 or any(map(_has_value, args))
            new = list(args)
            groups = []
            for i in nums:
                new[i], nodes = _lift_arg(args[i], f"grad({name})", f"argument {i}")
                groups.append((nodes, isinstance(args[i], (list, tuple))))
            out = _scalar(f(*new), f"grad({name})")
            flat = [v for nodes, _ in groups for v in nodes]
            gs = gradients(out, flat, create_graph=as_values)
        result, k = [], 0
        for nodes, seq in groups:
            part = gs[k : k + len(nodes)]
            k += len(nodes)
            result.append(part if seq else part[0])
        return result[0] if single else tuple(result)

    df.__name__ = df.__qualname__ = f"grad({name})"
    df.__doc__ = f"The derivative of {name} with respect to argument(s) {argnums!r}."
    return df


def hessian(f: Callable[..., Any]) -> Callable[[Sequence[Scalar]], list[list[Any]]]:
    """``hessian(f)(xs)``: the matrix d2f/dx_i dx_j (a list of lists) of ``f(xs)``, xs a list.

    One reverse pass made of Values gives the gradient g; one reverse pass per
    g_i gives row i (reverse over reverse).

    >>> hessian(lambda v: v[0] ** 2 * v[1])([3.0, 5.0])
    [[10.0, 6.0], [6.0, 0.0]]
    """
    name = _callable(f, "hessian")

    def h(xs: Sequence[Scalar]) -> list[list[Any]]:
        _vector(xs, f"hessian({name})", "use grad(grad(f)) for a function of one number")
        with _nested() as depth:
            as_values = depth > 0 or _has_value(xs)
            arg, leaves = _lift_arg(xs, f"hessian({name})", "xs")
            y = _scalar(f(arg), f"hessian({name})")
            gs = gradients(y, leaves, create_graph=True)
            return [gradients(g, leaves, create_graph=as_values) for g in gs]

    h.__name__ = h.__qualname__ = f"hessian({name})"
    return h


def hvp(f: Callable[..., Any]) -> Callable[[Sequence[Scalar], Sequence[Scalar]], list[Any]]:
    """``hvp(f)(xs, v)``: the Hessian of ``f(xs)`` times the vector v, without the Hessian.

    One reverse pass made of Values gives g = grad f; one reverse pass of
    ``dot(g, v)`` gives H v (reverse over reverse: two passes for any n).

    >>> hvp(lambda v: v[0] ** 2 * v[1])([3.0, 5.0], [1.0, 0.0])
    [10.0, 6.0]
    """
    name = _callable(f, "hvp")

    def hv(xs: Sequence[Scalar], v: Sequence[Scalar]) -> list[Any]:
        _vector(xs, f"hvp({name})", "")
        _vector(v, f"hvp({name})", "")
        if len(v) != len(xs):
            raise ValueError(f"hvp({name}): v has {len(v)} entries but xs has {len(xs)}; give one per input")
        for k, x in enumerate(v):
            if not isinstance(x, Value):
                check_number(x, "", f"hvp({name}): v[{k}]")
        with _nested() as depth:
            as_values = depth > 0 or _has_value(xs) or _has_value(v)
            arg, leaves = _lift_arg(xs, f"hvp({name})", "xs")
            y = _scalar(f(arg), f"hvp({name})")
            gs = gradients(y, leaves, create_graph=True)
            return gradients(dot(gs, v), leaves, create_graph=as_values)

    hv.__name__ = hv.__qualname__ = f"hvp({name})"
    return hv


class JacobianResult(NamedTuple):
    """``jacobian(f, count=True)(xs)``: the matrix and the multiply-adds the passes did."""

    matrix: list[list[Any]]
    """The m x n Jacobian: a list of rows, ``matrix[i][j]`` = df_i/dx_j."""
    multiply_adds: int
    """The multiply-adds the passes did: one per edge per pass."""


def jacobian(f: Callable[..., Any], mode: str = "reverse", count: bool = False) -> Callable[[Any], Any]:
    """``jacobian(f)(xs)``: the m x n matrix df_i/dx_j (a list of rows) of f: R^n -> R^m.

    ``f(xs)`` returns a Value or a list of Values; xs is a list (or one number:
    n = 1, f gets the number). ``mode="reverse"``: one backward pass per output
    (a row each); ``mode="forward"``: one forward sweep per input (a column
    each), from the same local derivatives. Both give the same matrix (bit for
    bit where the additions come in the same order). ``count=True`` returns a
    ``JacobianResult(matrix, multiply_adds)``: one multiply-add per edge per pass.

    >>> jacobian(lambda v: [v[0] * v[1], v[0] + 1.0], mode="forward")([2.0, 3.0])
    [[3.0, 2.0], [1.0, 0.0]]
    """
    name = _callable(f, "jacobian")
    if type(mode) is not str or mode not in ("reverse", "forward"):
        raise ValueError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")
    if type(count) is not bool:
        raise TypeError(f"jacobian: count must be True or False, got {count!r}")

    def jac(xs: Any) -> Any:
        who = f"jacobian({name})"
        with _nested() as depth:
            as_values = depth > 0 or _has_value(xs)
            arg, leaves = _lift_arg(xs, who, "xs")
            outs, _ = _outputs(f(arg), who)
            ops = 0
            if mode == "reverse":
                rows = []
                for o in outs:
                    row, n = _gradients(o, leaves, as_values)
                    rows.append(row)
                    ops += n
            else:
                order = _order(outs)
                zero: Any = const(0.0) if as_values else 0.0
                columns = []
                for leaf in leaves:
                    t, n = tangents(order, {id(leaf): const(1.0) if as_values else 1.0}, as_values)
                    columns.append([t.get(id(o), zero) for o in outs])
                    ops += n
                rows = [list(r) for r in zip(*columns)]
        return JacobianResult(rows, ops) if count else rows

    jac.__name__ = jac.__qualname__ = f"jacobian({name}, mode={mode!r})"
    return jac


def jvp(f: Callable[..., Any], primals: Sequence[Scalar], tangents_in: Sequence[Scalar]) -> tuple[Any, Any]:
    """``(f(*primals), J · tangents)`` in one forward sweep (forward mode).

    Each node's tangent is ``sum_i local_i * tangent(parent_i)``, from the local
    derivatives the rules recorded; no backward pass is built. f returns a Value
    (then both results are numbers) or a list of Values (both lists).

    >>> jvp(lambda x, y: x * y, [3.0, 4.0], [1.0, 0.0])
    (12.0, 4.0)
    """
    name = _callable(f, "jvp")
    who = f"jvp({name})"
    _vector(primals, who, "", "primals")
    _vector(tangents_in, who, "", "tangents")
    if len(primals) != len(tangents_in):
        raise ValueError(f"{who}: {len(primals)} primals but {len(tangents_in)} tangents; give one tangent per primal")
    ts = [
        t if isinstance(t, Value) else check_number(t, "", f"{who}: tangents[{k}]") for k, t in enumerate(tangents_in)
    ]
    with _nested() as depth:
        as_values = depth > 0 or _has_value(primals) or _has_value(tangents_in)
        leaves = [_lift(x, who, f"primals[{k}]") for k, x in enumerate(primals)]
        outs, single = _outputs(f(*leaves), who)
        seeds = {id(leaf): (const(t) if as_values and not isinstance(t, Value) else t) for leaf, t in zip(leaves, ts)}
        if not as_values:
            seeds = {k: (t.data if isinstance(t, Value) else t) for k, t in seeds.items()}
        t, _ = tangents(_order(outs), seeds, as_values)
        zero: Any = const(0.0) if as_values else 0.0
        values = [o if as_values else o.data for o in outs]
        out_t = [t.get(id(o), zero) for o in outs]
    return (values[0], out_t[0]) if single else (values, out_t)


# -- helpers ------------------------------------------------------------------------------


def gradients(root: Value, wrt: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """d(root)/d(w) for each w in ``wrt``, changing no grad (as ``torch.autograd.grad``).

    Floats from the push pass of ``backward`` (the same numbers, bit for bit), or
    with ``create_graph`` Values that can be differentiated again. A w that root
    does not depend on gets 0.0 (a constant Value with ``create_graph``).
    """
    return _gradients(root, wrt, create_graph)[0]


def _gradients(root: Value, wrt: Sequence[Value], create_graph: bool) -> tuple[list[Any], int]:
    # the gradients, and the multiply-adds the pass did (one per edge)
    order = topological_order(root)
    edges = sum(len(v.parents) for v in order)
    if create_graph:
        grads = second_order.value_grads(order, root)
        return [grads[id(w)] if id(w) in grads else const(0.0) for w in wrt], edges
    return steps.gradients(root, wrt, order), edges


def _callable(f: object, who: str) -> str:
    if not callable(f):
        raise TypeError(f"{who}: f must be a function, got {type(f).__name__} {f!r:.60}")
    return getattr(f, "__name__", None) or type(f).__name__


def _argnums(argnums: object) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        nums, single = (argnums,), True
    elif isinstance(argnums, tuple) and argnums and all(type(i) is int for i in argnums):
        nums, single = argnums, False
    else:
        raise TypeError(f"grad: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    if any(i < 0 for i in nums) or len(set(nums)) != len(nums):
        raise ValueError(f"grad: argnums must be distinct positions >= 0, got {argnums!r}")
    return nums, single


def _has_value(x: object) -> bool:
    return isinstance(x, Value) or (isinstance(x, (list, tuple)) and any(isinstance(v, Value) for v in x))


def _lift(x: object, who: str, what: str) -> Value:
    # a fresh node for f to receive: a leaf for a number, x * 1.0 for a Value (same number, own identity)
    if isinstance(x, Value):
        node = x * 1.0
        node.label = x.label
        return node
    return Value(check_number(x, "", f"{who}: {what}"))


def _lift_arg(a: object, who: str, what: str) -> tuple[Any, list[Value]]:
    if isinstance(a, (list, tuple)):
        nodes = [_lift(x, who, f"{what}[{k}]") for k, x in enumerate(a)]
        return (tuple(nodes) if isinstance(a, tuple) else list(nodes)), nodes
    node = _lift(a, who, what)
    return node, [node]


def _vector(xs: object, who: str, hint: str, what: str = "xs") -> None:
    if not isinstance(xs, (list, tuple)):
        more = f"; {hint}" if hint else ""
        raise TypeError(f"{who}: {what} must be a list of numbers or Values, got {type(xs).__name__} {xs!r:.60}{more}")
    if not xs:
        raise ValueError(f"{who}: {what} is empty; give at least one number")


def _scalar(out: object, who: str) -> Value:
    if isinstance(out, Value):
        return out
    if isinstance(out, numbers.Real) and not isinstance(out, bool):
        return const(out)  # f does not depend on its inputs: every derivative is 0
    more = "; for several outputs use jacobian" if isinstance(out, (list, tuple)) else ""
    raise TypeError(f"{who}: f must return one Value (a scalar), got {type(out).__name__} {out!r:.60}{more}")


def _outputs(out: object, who: str) -> tuple[list[Value], bool]:
    if isinstance(out, (list, tuple)):
        if not out:
            raise ValueError(f"{who}: f returned an empty list; it must return a Value or a list of Values")
        return [_scalar(o, who) for o in out], False
    return [_scalar(out, who)], True


def _order(outs: list[Value]) -> list[Value]:
    # one topological order over several outputs, each node once, parents first
    return topological_order(*outs)
