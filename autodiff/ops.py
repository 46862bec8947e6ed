"""What is known of each op, beside its definition: the table of every built-in op.

``OPS`` names each op's definition (``autodiff.rules``, and ``autodiff.fused`` for the
ops of many inputs) and records the facts the modes and the checks need, once: how
many inputs it takes, where its derivative jumps, where ``check_rule`` samples it, and
the bounds compile's overflow checks rely on. The CLI's allow-list, compile, the
batched tape, ``check_rule``, gradcheck's kinks and the quiz's hints all read them here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from . import fused, rules


class Op(NamedTuple):
    """A primitive: its definition and what is known of it.

    ``arity``: (fewest, most or None) inputs; ``kink``: where the derivative jumps;
    ``domain``: where ``check_rule`` samples ("real", "pos", "away" from 0, "base" of a
    power, "nonzero" divisor); ``bounded``: each local derivative is at most
    max(1, |value|, |inputs|); ``shrinks``: |value| <= max(1, |input|) (compile's bounds).
    """

    name: str
    define: Callable[..., Any]
    arity: tuple[int, int | None]
    kink: float | None = None
    domain: str = "real"
    bounded: bool = False
    shrinks: bool = False


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("+", rules.add, (2, 2), bounded=True),
        Op("-", rules.sub, (2, 2), bounded=True),
        Op("*", rules.mul, (2, 2), bounded=True),
        Op("/", rules.div, (2, 2), domain="nonzero"),
        Op("neg", rules.neg, (1, 1), bounded=True, shrinks=True),
        Op("**n", rules.pow_const, (1, 1), domain="base"),
        Op("**", rules.pow, (2, 2), domain="pos"),
        Op("exp", rules.exp_, (1, 1), bounded=True),
        Op("log", rules.log_, (1, 1), domain="pos"),
        Op("sqrt", rules.sqrt_, (1, 1), domain="pos"),
        Op("tanh", rules.tanh_, (1, 1), bounded=True, shrinks=True),
        Op("sigmoid", rules.sigmoid, (1, 1), shrinks=True),
        Op("relu", rules.relu, (1, 1), 0.0, "away", bounded=True, shrinks=True),
        Op("abs", rules.abs_, (1, 1), 0.0, "away", bounded=True, shrinks=True),
        Op("sum", fused.sum_, (1, None), bounded=True),
        Op("dot", fused.dot, (2, None), bounded=True),
        Op("logsumexp", fused.logsumexp, (1, None)),
    )
}
"""Every built-in op by name: its definition (``define``) and what is known of it (arity, kink, domain)."""


def const_exponent(op: str) -> float:
    """The constant exponent n stored in an op name ``"**n"``."""
    return float(op[2:])
