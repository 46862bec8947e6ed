"""The rules' vocabulary: which kind of number speaks a word, picked by its inputs.

A definition (``autodiff.rules``) computes with a few words (``rules.WORDS``: exp, log,
where, gt, check, ...). Each kind of number speaks them its own way, registered with
``speak``: floats (``autodiff.eager``: math, with inf where Python would raise), Values
(``autodiff.second_order``), numpy arrays (``autodiff.arrays``) and compile's traced
numbers (``autodiff.source``). The words handed in to the rules (``hand_in``) are
this module's dispatchers: each asks ``words(*inputs)`` who speaks, then calls it. Ints
and bools are spoken as floats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from . import rules

_SPOKEN: dict[Any, Any] = {}


def speak(kind: Any, words: Any) -> None:
    """Let numbers of ``kind`` (a type, or ``"array"``: anything with ``__array_ufunc__``) run the
    definitions: ``words`` has a method for each of ``rules.WORDS`` (``check(ok, check)`` included)."""
    missing = [w for w in rules.WORDS if not callable(getattr(words, w, None))]
    if missing:
        raise TypeError(f"speak: the words for {kind!r} lack {', '.join(missing)}")
    _SPOKEN[kind] = words


def words(*xs: Any) -> Any:
    """The words of the first of ``xs`` that is not a float, int or bool (else floats')."""
    for x in xs:
        kind = type(x)
        if kind is not float and kind is not int and kind is not bool:
            found = _SPOKEN.get(kind)
            if found is None and (hasattr(x, "__array_ufunc__") or kind.__module__ == "numpy"):
                found = _SPOKEN.get("array")  # numpy's arrays and its scalars
            if found is None:
                raise TypeError(f"expects a number, a Value or a numpy array, got {kind.__name__} {x!r:.60}")
            return found
    return _SPOKEN[float]


def dispatcher(name: str) -> Callable[..., Any]:
    """The word ``name`` as the rules call it: spoken by the kind of its inputs."""

    def word(*xs: Any) -> Any:
        try:
            spoken = words(*xs)
        except TypeError as e:
            raise TypeError(f"{name}: {e}; convert it with float() first") from None
        return getattr(spoken, name)(*xs)

    word.__name__ = word.__qualname__ = name
    return word


def check(ok: Any, error: type[Exception], message: str, about: int = 0) -> None:
    """A definition states a domain: where ``ok`` is False, raise ``Failed`` (arrays: anywhere; Values
    pass). ``error(message.format(*inputs))`` is the error the user meets; ``about``: which input the
    message is about (the divisor of ``/``), so that eager names its node."""
    if ok is not True:
        words(ok).check(ok, Check(error, message, about))


class Check(NamedTuple):
    """A domain a definition states (see ``check``)."""

    error: type[Exception]
    message: str
    about: int

    def exception(self, inputs: tuple[Any, ...]) -> Exception:
        err = self.error(self.message.format(*[float(x) for x in inputs]))
        err.about = self.about  # type: ignore[attr-defined]
        return err


class Failed(Exception):
    """A check failed; eager's rules turn it into the check's own exception."""

    def __init__(self, check: Check) -> None:
        self.check = check


def hand_in() -> None:
    """Give the rules their words: each a dispatcher, ``check`` included (autodiff/__init__ calls it)."""
    for name in rules.WORDS:
        setattr(rules, name, check if name == "check" else dispatcher(name))
