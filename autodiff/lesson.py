"""Your turn: the checks that follow a lesson's exercise cells.

An exercise cell leaves a blank, ``...``, for the learner to replace; the check cell after
it calls :func:`check` (a number, or numbers) or :func:`check_that` (anything a test can
judge, such as a function the learner wrote). A check prints one line and never raises,
so *Run All* goes through a lesson whose blanks are still blank:

- ``✓ Right: ...`` when the answer is right;
- ``✗ Not yet: ...`` with what is wrong and a hint, never the expected answer;
- ``… Not answered yet: ...`` while the blank is still ``...`` (or a function the learner
  has not written yet returns ``...`` or raises ``NotImplementedError``).

>>> check("x.grad", 3.0, 3.0)
✓ Right: x.grad = 3.0
>>> check("x.grad", 1.5, 1.0, hint="x reaches f along two paths: add what each brings")
✗ Not yet: x.grad = 1.5 is not right. Hint: x reaches f along two paths: add what each brings
>>> check("x.grad", ..., 1.0)
… Not answered yet: replace the ... in the cell above with your x.grad, then run both cells

:func:`verdict` and :func:`verdict_that` give the same judgement as a :class:`Verdict`
without printing, for tests of the checks themselves.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

RIGHT, WRONG, BLANK = "✓ Right", "✗ Not yet", "… Not answered yet"


@dataclass(frozen=True)
class Verdict:
    """A check's judgement: ``ok`` is True (right), False (wrong) or None (still blank)."""

    ok: bool | None
    message: str

    def __str__(self) -> str:
        return self.message


def blank(answer: object) -> bool:
    """Whether ``answer`` is still the exercise's blank: ``...`` itself."""
    return answer is Ellipsis


def _blank_verdict(what: str) -> Verdict:
    return Verdict(None, f"{BLANK}: replace the ... in the cell above with your {what}, then run both cells")


def _wrong(text: str, hint: str) -> Verdict:
    return Verdict(False, f"{WRONG}: {text}" + (f" Hint: {hint}" if hint else ""))


def _numbers(answer: object) -> list[float] | None:
    """``answer`` as a list of floats (one number, or a list/tuple of them); None if it is not numbers."""
    items = list(answer) if isinstance(answer, (list, tuple)) else [answer]
    if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in items):
        return None
    return [float(x) for x in items]  # type: ignore[arg-type]


def _close(a: float, b: float, rel: float, abs_: float) -> bool:
    return math.isfinite(a) and (a == b or abs(a - b) <= max(abs_, rel * abs(b)))


def verdict(what: str, answer: object, expected: object, *, hint: str = "", rel: float = 1e-6) -> Verdict:
    """Is ``answer`` the number(s) ``expected``, to a relative ``rel`` (and 1e-12 absolute)?

    ``answer`` may be one real number or a list or tuple of them (compared in order);
    ``expected`` likewise. Wrong answers are told what is wrong (the type, the count, which
    entry), and the ``hint``; never the expected number.
    """
    if blank(answer) or (isinstance(answer, (list, tuple)) and any(map(blank, answer))):
        return _blank_verdict(what)
    got, want = _numbers(answer), _numbers(expected)
    if want is None:
        raise TypeError(f"lesson.verdict: expected must be a number or a list of numbers, got {expected!r:.60}")
    if got is None:
        return _wrong(f"{what} should be a number{'s' if len(want) > 1 else ''}, got {answer!r:.60}.", hint)
    if len(got) != len(want):
        return _wrong(f"{what} should have {len(want)} numbers, got {len(got)}.", hint)
    bad = [i for i, (a, b) in enumerate(zip(got, want)) if not _close(a, b, rel, 1e-12)]
    if not bad:
        shown = answer if isinstance(answer, (list, tuple)) else got[0]
        return Verdict(True, f"{RIGHT}: {what} = {shown}")
    if len(want) == 1:
        return _wrong(f"{what} = {got[0]} is not right.", hint)
    return _wrong(f"{what}: entry {bad[0]} ({got[bad[0]]}) is not right ({len(bad)} of {len(want)} wrong).", hint)


def verdict_that(what: str, answer: object, test: Callable[[object], object], *, hint: str = "") -> Verdict:
    """Does ``answer`` pass ``test``? ``test(answer)`` raises ``AssertionError`` with what is wrong, or returns.

    An answer that is a function the learner has not written yet (it returns ``...`` or raises
    ``NotImplementedError``) counts as blank; any other exception from the learner's code is
    reported by name and message, as what is wrong.
    """
    if blank(answer):
        return _blank_verdict(what)
    try:
        result = test(answer)
    except NotImplementedError:
        return _blank_verdict(what)
    except AssertionError as wrong:
        return _wrong(f"{what}: {wrong}" if str(wrong) else f"{what} is not right.", hint)
    except Exception as error:  # the learner's code raised: say what, as the thing to fix
        return _wrong(f"{what} raised {type(error).__name__}: {error}.", hint)
    if result is Ellipsis:
        return _blank_verdict(what)
    return Verdict(True, f"{RIGHT}: {what}")


def check(what: str, answer: object, expected: object, *, hint: str = "", rel: float = 1e-6) -> None:
    """Print whether ``answer`` is the number(s) ``expected`` (see :func:`verdict`); never raises."""
    print(verdict(what, answer, expected, hint=hint, rel=rel))


def check_that(what: str, answer: object, test: Callable[[object], object], *, hint: str = "") -> None:
    """Print whether ``answer`` passes ``test`` (see :func:`verdict_that`); never raises."""
    print(verdict_that(what, answer, test, hint=hint))


def call(function: Callable[..., object], *args: object) -> object:
    """``function(*args)``, for the tests :func:`check_that` runs: a learner's function that still returns
    ``...`` (its blank) raises ``NotImplementedError``, which the check reports as not answered yet."""
    result = function(*args)
    if result is Ellipsis:
        raise NotImplementedError(f"{getattr(function, '__name__', 'the function')} still returns ...")
    return result
