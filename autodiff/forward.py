"""Forward mode: tangents pushed through a graph, parents before children.

The mirror of backprop's push. Reverse mode walks the topological order
backwards doing ``parent.grad += local * node.grad``; forward mode walks it
forwards doing ``node.tangent = sum_i local_i * parent_i.tangent``, with the
same local derivatives the rules recorded. One sweep gives J·t for one
direction t, so a Jacobian takes n sweeps (one per input) where reverse mode
takes m passes (one per output). No backward pass is built.
"""

from __future__ import annotations

import math
from typing import Any

from .second_order import local_values, times
from .steps import name
from .value import Value

_INF = math.inf


def tangents(order: list[Value], seeds: dict[int, Any], values: bool = False) -> tuple[dict[int, Any], int]:
    """Each node's tangent (keyed by id) and the number of multiply-adds done.

    ``order`` is a topological order (parents first); ``seeds`` maps the id of a
    node to its given tangent, which is used as it is. Other leaves have tangent
    0. Floats use the recorded ``local_grads``, every edge one multiply-add, as a
    dense forward mode does; with ``values`` the tangents are Values built from
    the ops' definitions run on Values (``second_order.local_values``), so they can be differentiated again.
    Raises ``FloatingPointError`` naming the first node whose tangent is not finite.
    """
    if values:
        return _value_tangents(order, seeds)
    t: dict[int, float] = {}
    get = t.get
    ops = 0
    for v in order:
        s = seeds.get(id(v))
        if s is not None:
            t[id(v)] = s
        elif v.parents:
            acc = 0.0
            for p, local in zip(v.parents, v.local_grads):
                acc += local * get(id(p), 0.0)
            ops += len(v.parents)
            t[id(v)] = acc
    if not -_INF < sum(t.values()) < _INF:
        _non_finite(order, t)
    return t, ops


def _value_tangents(order: list[Value], seeds: dict[int, Any]) -> tuple[dict[int, Any], int]:
    t = dict(seeds)
    ops = 0
    for v in order:
        if id(v) in seeds or not v.parents or not any(id(p) in t for p in v.parents):
            continue
        try:
            locs = local_values(v)
            acc = None
            for p, local in zip(v.parents, locs):
                ops += 1
                tp = t.get(id(p))
                c = None if tp is None else times(local, tp)
                if c is not None:
                    acc = c if acc is None else acc + c
        except (ArithmeticError, ValueError) as e:
            raise FloatingPointError(_message(v, t, f" ({e})")) from None
        if acc is not None:
            t[id(v)] = acc
    return t, ops


def _non_finite(order: list[Value], t: dict[int, Any]) -> None:
    for v in order:
        x = t.get(id(v), 0.0)
        if not -_INF < x < _INF:
            raise FloatingPointError(_message(v, t, ""))


def _message(v: Value, t: dict[int, Any], extra: str) -> str:
    # the node, and the first of its edges that made its tangent non-finite
    def tan(p: Value) -> float:
        x = t.get(id(p), 0.0)
        return x.data if isinstance(x, Value) else x

    head = f"jvp: the tangent of {name(v)} ({v.op} node) is not finite{extra}"
    for p, local in zip(v.parents, v.local_grads):
        term = local * tan(p)
        if not -_INF < term < _INF or not -_INF < local < _INF:
            head += f": d/d(parent {name(p)}) = {local!r} times its tangent {tan(p)!r} gives {term!r}"
            if not -_INF < local < _INF:
                inputs = ", ".join(repr(q.data) for q in v.parents[:4]) + (", ..." if len(v.parents) > 4 else "")
                return (
                    f"{head}; the derivative of {v.op} is not finite at input(s) ({inputs}): "
                    "move the input away from that point (e.g. add a small epsilon or clamp it)"
                )
            break
    return f"{head}; the tangent overflowed: scale the tangents or the inputs down"
