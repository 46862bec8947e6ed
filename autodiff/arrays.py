"""The rules' vocabulary over numpy arrays: numpy's functions, elementwise.

``vocabulary.speak("array", WORDS)`` lets a definition run on whole columns of a batch
(``Compiled.batch``) or on an array given to ``autodiff.exp`` and the rest. A check
fails for the whole array if it fails for any element (the batch is then replayed a
sample at a time, for eager's error). numpy is imported only when an array is met.
"""

from __future__ import annotations

import functools
import math
import sys
from typing import Any

from . import vocabulary
from .eager import Operators

INF = math.inf


def _numpy() -> Any:
    return sys.modules["numpy"]  # an array exists, so numpy is imported


class Arrays(Operators):
    """numpy's functions under the rules' names; comparisons are numpy's operators (``Operators``)."""

    @staticmethod
    def exp(x: Any) -> Any:
        return _numpy().exp(x)

    @staticmethod
    def log(x: Any) -> Any:
        return _numpy().log(x)

    @staticmethod
    def sqrt(x: Any) -> Any:
        return _numpy().sqrt(x)

    @staticmethod
    def tanh(x: Any) -> Any:
        return _numpy().tanh(x)

    @staticmethod
    def power(a: Any, n: Any) -> Any:
        return a**n

    @staticmethod
    def where(cond: Any, yes: Any, no: Any) -> Any:
        return _numpy().where(cond, yes, no)

    @staticmethod
    def finite(x: Any) -> Any:
        return (-INF < x) & (x < INF)

    @staticmethod
    def maximum(*xs: Any) -> Any:
        return functools.reduce(_numpy().maximum, xs)

    @staticmethod
    def check(ok: Any, check: vocabulary.Check) -> None:
        if not ok.all():
            raise vocabulary.Failed(check)


WORDS = Arrays()
