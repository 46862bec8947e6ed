"""Eager mode's numbers: the words over floats, and each definition specialised for floats.

``WORDS`` speak the rules' vocabulary over Python floats: ``math``'s functions, with
inf where Python would raise (an overflow, 0 to a negative power) as IEEE arithmetic
gives, so a definition never raises over floats but where it states a domain.

Running a definition through those words costs a call per word, on the hot path of
every node. So at import each definition is also written out for floats, once, by
the code generator compile uses (``autodiff.source``): the same operations in the
same order, the words inlined (``where`` becomes ``x if c else y``), the checks
``if`` statements. ``specialised()`` gives them, ``source_of(op)`` shows one. Where
Python raises and IEEE would not (an overflowing ``math.exp`` or power, 0 to a
negative power), the ``ArithmeticError`` reruns the definition through ``WORDS``, so
the numbers are the definition's, bit for bit.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

from . import ops, rules, source, vocabulary

INF = math.inf
Rule = Callable[..., Any]


class Operators:
    """The words that are Python's comparison operators, for numbers that have them elementwise
    (floats here, numpy arrays in ``autodiff.arrays``)."""

    @staticmethod
    def gt(a: Any, b: Any) -> Any:
        return a > b

    @staticmethod
    def ge(a: Any, b: Any) -> Any:
        return a >= b

    @staticmethod
    def lt(a: Any, b: Any) -> Any:
        return a < b

    @staticmethod
    def ne(a: Any, b: Any) -> Any:
        return a != b


class Floats(Operators):
    """The rules' vocabulary over floats (``vocabulary.speak(float, WORDS)``)."""

    @staticmethod
    def exp(x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            return INF

    log, sqrt, tanh = staticmethod(math.log), staticmethod(math.sqrt), staticmethod(math.tanh)

    @staticmethod
    def power(a: float, n: float) -> float:
        try:
            return a**n  # type: ignore[no-any-return]
        except ArithmeticError:  # an overflow, or 0 to a negative power: +-inf, as IEEE gives
            odd = n == int(n) and int(n) % 2 == 1
            return -INF if odd and math.copysign(1.0, a) < 0.0 else INF

    @staticmethod
    def where(cond: bool, yes: Any, no: Any) -> Any:
        return yes if cond else no

    @staticmethod
    def finite(x: float) -> bool:
        return -INF < x < INF

    @staticmethod
    def maximum(*xs: float) -> float:
        return max(xs)

    @staticmethod
    def check(ok: bool, check: vocabulary.Check) -> None:
        if not ok:
            raise vocabulary.Failed(check)


WORDS = Floats()


def float_rule(define: Callable[..., Any]) -> Rule:
    """``define`` run through ``WORDS``; a failed check raises its own error (an inf, the caller reports)."""

    def rule(*xs: float) -> tuple[float, tuple[float, ...]]:
        try:
            return define(*xs)  # type: ignore[no-any-return]
        except vocabulary.Failed as f:
            raise f.check.exception(xs) from None

    rule.__name__ = rule.__qualname__ = define.__name__
    return rule


def apply(op: str, xs: tuple[float, ...] | list[float]) -> tuple[float, tuple[float, ...]]:
    """The float rule of ``op`` (``"**2"`` included) on parent values ``xs``."""
    if rules.table_op(op) == "**n":
        return rules.RULES["**n"](xs[0], ops.const_exponent(op))
    return rules.RULES[op](*xs)


SOURCE: dict[str, str] = {}  # the text of each specialised rule, by its name ("relu", "**2", "logsumexp/3")


def specialised() -> dict[str, Rule]:
    """Every op's definition specialised for floats: ``rules.RULES``, once autodiff is imported.

    Ops of a fixed arity are written out now; ``**n`` per exponent and the n-ary ops
    (``sum``, ``dot``, ``logsumexp``) per number of inputs, when first met (the first 256
    shapes, up to 64 inputs; others run the definition through ``WORDS``).
    """
    fast: dict[str, Rule] = {}
    for name, op in ops.OPS.items():
        least, most = op.arity
        if name == "**n":
            fast[name] = _Powers().rule
        elif least == most:
            fast[name] = _specialise(name, op.define, least)
        else:
            fast[name] = _Arities(name).rule
    return fast


def source_of(name: str) -> str:
    """The text of a specialised float rule: ``"relu"``, ``"**2.0"``, ``"logsumexp/3"`` (once met)."""
    if name not in SOURCE:
        raise KeyError(f"source_of: no specialised rule {name!r} yet; there are {', '.join(sorted(SOURCE))}")
    return SOURCE[name]


class _Powers:
    """``a ** n`` specialised per exponent n."""

    def __init__(self) -> None:
        self.made: dict[float, Rule] = {}
        self.slow = float_rule(rules.pow_const)

    def rule(self, a: float, n: float) -> tuple[float, tuple[float, ...]]:
        made = self.made.get(n)
        if made is not None:
            return made(a)  # type: ignore[no-any-return]
        if len(self.made) >= 256:
            return self.slow(a, n)  # type: ignore[no-any-return]
        made = self.made[n] = _specialise(f"**{n!r}", rules.pow_const, 1, (n,))
        return made(a)  # type: ignore[no-any-return]


class _Arities:
    """An n-ary op specialised per number of inputs."""

    def __init__(self, op: str) -> None:
        self.op, self.define = op, ops.OPS[op].define
        self.made: dict[int, Rule] = {}
        self.slow = float_rule(self.define)

    def rule(self, *xs: float) -> tuple[float, tuple[float, ...]]:
        made = self.made.get(len(xs))
        if made is not None:
            return made(*xs)  # type: ignore[no-any-return]
        if len(self.made) >= 256 or len(xs) > 64:
            return self.slow(*xs)  # type: ignore[no-any-return]
        made = self.made[len(xs)] = _specialise(f"{self.op}/{len(xs)}", self.define, len(xs))
        return made(*xs)  # type: ignore[no-any-return]


def _specialise(name: str, define: Callable[..., Any], n: int, extra: tuple[float, ...] = ()) -> Rule:
    # the definition run on source.Sym inputs x0, x1, ... writes its float form
    inputs = [f"x{i}" for i in range(n)]
    code = source.definition(define, inputs, extra, "t", every=True)
    args = ", ".join(inputs)
    body = [*code.lines, f"return {code.value}, ({''.join(t + ', ' for t in code.local)})"]
    # where Python raises and IEEE gives inf (math.exp's overflow, a power, a division), the
    # definition through WORDS decides (a try costs nothing until it catches)
    body = ["try:", *["    " + b for b in body], "except ArithmeticError:", f"    return slow({args}, *extra)"]
    shape = "" if name in ops.OPS else "_" + "".join(c if c.isalnum() else "_" for c in name.lstrip("*").split("/")[-1])
    fname = "rule_" + define.__name__.rstrip("_") + shape  # never a name of source.NAMESPACE
    text = f"def {fname}({args}):\n" + "".join(f"    {line}\n" for line in body)
    checks = code.checks
    namespace = dict(source.NAMESPACE, slow=float_rule(define), extra=extra, fail=lambda k, xs: checks[k].exception(xs))
    exec(builtins.compile(text, f"<autodiff.eager {name}>", "exec"), namespace)  # engine text only
    SOURCE[name] = text
    return namespace[fname]  # type: ignore[no-any-return]
