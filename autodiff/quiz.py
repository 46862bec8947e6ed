"""Predict, then check: the questions a Stepper with ``quiz=`` asks before each step.

``quiz="contribution"`` (or ``True``) asks for the number the next step adds
(local derivative × the child's grad); ``quiz="local"`` for the local derivative
alone. An answer is right when it is the number to 3 significant digits (within half
a unit of the third digit), or exactly 0 where the step adds 0. A wrong answer gets a hint: the rule the
local derivative comes from (the comment of the op's definition in ``autodiff.rules``)
with this node's numbers. This module holds the words and the checking; the Stepper
holds the score and moves.
"""

from __future__ import annotations

import inspect
import math
import numbers
import re
import sys
from typing import TYPE_CHECKING

from .ops import OPS
from .rules import table_op

if TYPE_CHECKING:
    from .steps import Step
    from .value import Value

MODES = ("contribution", "local")
DIGITS = 3  # an answer is right to this many significant digits


def quiz_mode(quiz: object) -> str | None:
    """``Stepper(quiz=...)`` as a mode: None (no quiz), "contribution" (``True``) or "local"."""
    if quiz is False or quiz is None:
        return None
    if quiz is True:
        return "contribution"
    if type(quiz) is str and quiz in MODES:
        return quiz
    raise ValueError(f"Stepper: quiz must be True, False, 'contribution' or 'local', got {quiz!r:.60}")


def expected(step: Step, mode: str) -> float:
    """The number a learner is asked for at ``step``."""
    return step.local if mode == "local" and step.kind == "edge" else step.contribution


# what an answer may be typed as, in Python and in the page alike: a decimal number, ASCII only
NUMBER = re.compile(r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")


def read_answer(answer: object) -> float:
    """A learner's answer as a float: a real number (numpy's too), or text such as ``"-0.5"`` or ``"1e-3"``."""
    if isinstance(answer, str):
        text = answer.strip()
        if not NUMBER.match(text):
            raise ValueError(f"Stepper.answer: {answer!r:.60} is not a number; write e.g. 0.5, -1.25 or 1e-3")
        x = float(text)
    elif isinstance(answer, numbers.Real) and not isinstance(answer, bool):
        x = float(answer)
    else:
        got = f"{type(answer).__name__} {answer!r:.60}"
        raise TypeError(f"Stepper.answer: give a number, e.g. s.answer(0.5), got {got}")
    if not math.isfinite(x):
        raise ValueError(f"Stepper.answer: {answer!r:.60} is not a finite number; every step's number is finite")
    return x


def is_right(answer: float, want: float) -> bool:
    """``want`` to 3 significant digits: within half a unit of its third digit (0.786 and 0.7864 for
    0.78645, not 0.787 or 0.79); where the step adds exactly 0, only 0 is right."""
    low, high = accepted(want)
    return low <= answer <= high


def accepted(want: float) -> tuple[float, float]:
    """The answers ``is_right`` takes for ``want``, as an interval (the HTML page checks against it)."""
    if want == 0.0:
        return 0.0, 0.0
    half = 0.5 * 10.0 ** (math.floor(math.log10(abs(want))) - (DIGITS - 1)) * (1 + 1e-9)
    biggest = sys.float_info.max  # clamped: an interval past the floats would be inf (and no JSON)
    return max(want - half, -biggest), min(want + half, biggest)


def question(step: Step, mode: str, name: dict[int, str]) -> str:
    """What the learner is asked before ``step`` is applied."""
    c = name[id(step.node)]
    if step.kind == "seed":
        return f"Step {step.index}: the seed. What is added to {c}.grad (∂{c}/∂{c})?"
    p = name[id(step.parent)]
    if mode == "local":
        return f"Step {step.index}: what is ∂{c}/∂{p}, the local derivative on the edge {p} → {c}?"
    return f"Step {step.index}: what does {p}.grad get added: ∂{c}/∂{p} × {c}.grad?"


def hint(step: Step, mode: str, name: dict[int, str]) -> str:
    """After a wrong answer: where the number comes from, with this step's numbers (not the answer)."""
    c = name[id(step.node)]
    if step.kind == "seed":
        return f"The seed: {c} is the root, and the derivative of anything with respect to itself is 1."
    p = name[id(step.parent)]
    named = list(zip(_args(step.node), step.node.parents))
    inputs = ", ".join(f"{arg} is {name[id(v)]} ({v.data!r})" for arg, v in _relevant(step.node, step.slot, named))
    words = f"∂{c}/∂{p} comes from the rule of {step.node.op!r}: {rule_words(step.node.op)}; here the rule's {inputs}"
    if mode == "local":
        return words + f" ({p} is input {step.slot + 1})."
    return words + f" ({p} is input {step.slot + 1}); then multiply by {c}.grad, which is {step.node_grad!r} now."


def rule_words(op: str) -> str:
    """The derivative as the op's definition states it in its first comment (``d(a*b)/da = b, ...``)."""
    found = OPS.get(table_op(op)) if type(op) is str else None
    if found is None:
        return "its primitive's definition (autodiff.primitive)"
    lines = inspect.getsource(found.define).splitlines()
    comments = [line.strip()[1:].strip() for line in lines if line.strip().startswith("#")]
    words = " ".join(comments[:2]) if comments else "its definition in autodiff.rules"
    return words + (f" (here n = {op[2:]})" if table_op(op) == "**n" else "")


def _relevant(node: Value, slot: int, named: list[tuple[str, Value]]) -> list[tuple[str, Value]]:
    # a dot's step needs only its own pair (w_i, x_i), or the bias: not every input of a wide neuron
    if node.op != "dot":
        return named
    k = len(node.parents) // 2
    if slot >= 2 * k:
        return [named[slot]]
    i = slot % k
    return [named[i], named[k + i]]


def _args(node: Value) -> list[str]:
    # the names the rules' comments give the inputs: a, b for one or two, x_1 ... for more; dot's w, x, b
    n = len(node.parents)
    if node.op in ("sum", "logsumexp"):
        return [f"x_{i + 1}" for i in range(n)]
    if node.op == "dot":
        k = n // 2
        return [f"w_{i + 1}" for i in range(k)] + [f"x_{i + 1}" for i in range(k)] + ["b"] * (n - 2 * k)
    return ["a", "b"][:n] if n <= 2 else [f"x_{i + 1}" for i in range(n)]
