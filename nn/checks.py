"""Argument checks that ``nn``'s modules share: seeds, positive counts and module names."""

from __future__ import annotations

import operator
import random
from typing import Union

import autodiff

Seed = Union[int, random.Random, None]


def make_rng(seed: object, who: str = "seed") -> random.Random:
    """The generator a ``seed`` argument names: None the global ``random``, an int a private one, a Random itself."""
    # None -> the global `random` module itself (it has .uniform, drawing from random's
    # hidden instance, which random.seed(k) reseeds); int -> a private generator
    if seed is None or seed is random:
        return random  # type: ignore[return-value]
    if isinstance(seed, random.Random):
        return seed
    if not isinstance(seed, bool):
        try:
            return random.Random(operator.index(seed))  # type: ignore[arg-type]
        except TypeError:
            pass
    raise TypeError(
        f"{who}: seed must be None (global random), an int or a random.Random, got {type(seed).__name__} {seed!r}"
    )


def positive_int(n: object, what: str, who: str) -> int:
    """``n`` as an int >= 1 (numpy integers welcome, bools and floats not); else ValueError naming ``what``."""
    if not isinstance(n, bool):
        try:
            i = operator.index(n)  # type: ignore[arg-type]
        except TypeError:
            pass
        else:
            if i >= 1:
                return i
    raise ValueError(f"{who}: {what} must be a positive int, got {n!r}")


def module_name(name: object, who: str) -> str:
    """``name`` if it can name a module: a str that ``autodiff.scope`` takes (its scope is named after it)."""
    if not isinstance(name, str):
        raise TypeError(f"{who}: name must be a str, got {type(name).__name__} {name!r}")
    try:
        with autodiff.scope(name):  # the scope's own rule: non-empty, no separator
            pass
    except ValueError:
        raise ValueError(
            f"{who}: name must be a non-empty str without '/' (it names the module's scope), got {name!r:.80}"
        ) from None
    return name
