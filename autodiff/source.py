"""Source code from a definition: ``autodiff.rules``' definitions run on traced numbers.

A ``Sym`` stands for a number in generated Python code: its operators, and the
rules' vocabulary (``VOCABULARY``: ``exp``, ``where``, ``gt``, ``check`` ...), give expressions, so
running a definition on Syms writes the definition as straight-line Python. Calls
of elementary functions become numbered temporaries; a very long chain (a sum of
thousands of terms) is cut into statements, so no parser limit is met. Only the
engine's own names, numbered temporaries and float literals reach the text.
``autodiff.compile`` writes every node of a trace this way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import vocabulary

ATOM, POWER, UNARY, PRODUCT, SUM, COMPARE, CHOICE = 100, 90, 80, 70, 60, 50, 40
DEEPEST = 50  # expressions nested deeper than this become a statement of their own

# what generated code may name, besides its temporaries
NAMESPACE: dict[str, Any] = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "abs": abs,
    "max": max,
    "INF": math.inf,
    "NAN": math.nan,
}


@dataclass
class Program:
    """The statements a definition needs before its value, and whether Python may raise where IEEE would not."""

    prefix: str
    inputs: list[str]
    lines: list[str] = field(default_factory=list)
    checks: list[vocabulary.Check] = field(default_factory=list)
    risky: bool = False  # a division by a number that may be 0, a power, log or sqrt: Python raises, IEEE not
    every: bool = False  # every operation a statement of its own: a value used twice is computed once

    def temp(self, text: str) -> Sym:
        name = f"{self.prefix}{len(self.lines)}"
        self.lines.append(f"{name} = {text}")
        return self.sym(name, ATOM)

    def sym(self, text: str, prec: int, depth: int = 0) -> Sym:
        """A number of this program (another program, e.g. ``autodiff.export``'s, makes its own kind)."""
        return Sym(self, text, prec, depth)

    def make(self, text: str, prec: int, *parts: Any) -> Sym:
        """The expression ``text`` over ``parts``: a statement of its own when nested deeper than DEEPEST."""
        depth = 1 + max((x.depth for x in parts if isinstance(x, Sym)), default=0)
        sym = self.sym(text, prec, depth)
        return self.temp(text) if depth > DEEPEST or self.every else sym


class Vocabulary:
    """The rules' vocabulary over Syms (``vocabulary.speak(Sym, VOCABULARY)``): each word writes text."""

    @staticmethod
    def exp(x: Sym) -> Sym:
        return x.exp()

    @staticmethod
    def log(x: Sym) -> Sym:
        return x.log()

    @staticmethod
    def sqrt(x: Sym) -> Sym:
        return x.sqrt()

    @staticmethod
    def tanh(x: Sym) -> Sym:
        return x.tanh()

    @staticmethod
    def power(a: Any, n: Any) -> Sym:
        return a**n  # type: ignore[no-any-return]

    def gt(self, a: Any, b: Any) -> Sym:
        return self.compare(">", a, b)

    def ge(self, a: Any, b: Any) -> Sym:
        return self.compare(">=", a, b)

    def lt(self, a: Any, b: Any) -> Sym:
        return self.compare("<", a, b)

    def ne(self, a: Any, b: Any) -> Sym:
        return self.compare("!=", a, b)

    def where(self, cond: Sym, yes: Any, no: Any) -> Sym:
        p = cond.program
        text = f"{_wrap(yes, CHOICE + 1)} if {_wrap(cond, CHOICE + 1)} else {_wrap(no, CHOICE)}"
        return p.make(text, CHOICE, cond, yes, no)

    def compare(self, how: str, a: Any, b: Any) -> Sym:
        p = (a if isinstance(a, Sym) else b).program
        return p.make(f"{_wrap(a, COMPARE + 1)} {how} {_wrap(b, COMPARE + 1)}", COMPARE, a, b)

    def finite(self, x: Sym) -> Sym:
        return x.program.make(f"-INF < {_wrap(x, COMPARE + 1)} < INF", COMPARE, x)

    def maximum(self, *xs: Any) -> Sym:
        p = next(x.program for x in xs if isinstance(x, Sym))
        return xs[0] if len(xs) == 1 else p.temp(f"max({', '.join(_wrap(x, CHOICE) for x in xs)})")

    def check(self, ok: Sym, check: vocabulary.Check) -> None:
        p = ok.program
        p.checks.append(check)
        p.lines.append(f"if not ({ok.text}): raise fail({len(p.checks) - 1}, ({''.join(a + ', ' for a in p.inputs)}))")


VOCABULARY = Vocabulary()


class Sym:
    """A number in generated code: its text, the precedence of its outermost operator, its depth."""

    def __init__(self, program: Program, text: str, prec: int, depth: int = 0) -> None:
        self.program, self.text, self.prec, self.depth = program, text, prec, depth

    def _bin(self, a: Any, op: str, b: Any, prec: int) -> Sym:
        right = prec if op == "**" else prec + 1  # ** groups to the right, the others to the left
        left = prec + 1 if op == "**" else prec
        if op in ("/", "**") and not _literal(b) or op == "**":
            self.program.risky = True
        return self.program.make(f"{_wrap(a, left)} {op} {_wrap(b, right)}", prec, a, b)

    def __add__(self, o: Any) -> Sym:
        return self._bin(self, "+", o, SUM)

    def __radd__(self, o: Any) -> Sym:
        return self._bin(o, "+", self, SUM)

    def __sub__(self, o: Any) -> Sym:
        return self._bin(self, "-", o, SUM)

    def __rsub__(self, o: Any) -> Sym:
        return self._bin(o, "-", self, SUM)

    def __mul__(self, o: Any) -> Sym:
        return self._bin(self, "*", o, PRODUCT)

    def __rmul__(self, o: Any) -> Sym:
        return self._bin(o, "*", self, PRODUCT)

    def __truediv__(self, o: Any) -> Sym:
        return self._bin(self, "/", o, PRODUCT)

    def __rtruediv__(self, o: Any) -> Sym:
        return self._bin(o, "/", self, PRODUCT)

    def __pow__(self, o: Any) -> Sym:
        return self._bin(self, "**", o, POWER)

    def __rpow__(self, o: Any) -> Sym:
        return self._bin(o, "**", self, POWER)

    def __neg__(self) -> Sym:
        return self.program.make(f"-{_wrap(self, UNARY)}", UNARY, self)

    def __abs__(self) -> Sym:
        return self.program.temp(f"abs({self.text})")

    def _call(self, name: str) -> Sym:
        if name in ("log", "sqrt"):
            self.program.risky = True
        return self.program.temp(f"{name}({self.text})")

    def exp(self) -> Sym:
        return self._call("exp")

    def log(self) -> Sym:
        return self._call("log")

    def sqrt(self) -> Sym:
        return self._call("sqrt")

    def tanh(self) -> Sym:
        return self._call("tanh")


def literal(x: float) -> str:
    """A float as source text (``INF``, ``NAN`` and negative numbers in parentheses included)."""
    if x != x:
        return "NAN"
    if x in (math.inf, -math.inf):
        return "INF" if x > 0 else "(-INF)"
    return repr(x) if math.copysign(1.0, x) > 0.0 else f"({x!r})"


def _literal(x: Any) -> bool:
    return not isinstance(x, Sym)


def _wrap(x: Any, prec: int) -> str:
    # x's text, in parentheses where an operator of precedence ``prec`` would bind it otherwise
    if not isinstance(x, Sym):
        return literal(float(x))
    return f"({x.text})" if x.prec < prec else x.text


@dataclass
class Code:
    """A definition as source: ``lines`` to run first, then the ``value`` and ``local`` expressions."""

    lines: list[str]
    value: str
    local: list[str]
    checks: list[vocabulary.Check]
    risky: bool


def definition(
    define: Callable[..., Any],
    inputs: list[str],
    extra: tuple[float, ...] = (),
    prefix: str = "t",
    checks: list[vocabulary.Check] | None = None,
    every: bool = False,
) -> Code:
    """Run ``define`` on Syms named ``inputs`` (``extra``: plain numbers, e.g. an exponent).

    Its checks are numbered on from ``checks`` (and added to it), so that one text can
    hold several definitions' ``raise fail(k, ...)``. ``every``: each operation a statement."""
    program = Program(prefix, inputs + [literal(c) for c in extra], checks=[] if checks is None else checks)
    program.every = every
    value, local = define(*[program.sym(name, ATOM) for name in inputs], *extra)
    texts = [x.text if isinstance(x, Sym) else literal(float(x)) for x in (value, *local)]
    return Code(program.lines, texts[0], texts[1:], program.checks, program.risky)
