"""Fused ops: one node for many, where a graph of small nodes would be slow or unsafe.

``sum`` adds n parents in one node (not n - 1), ``dot`` is a neuron's
``b + w_1 x_1 + ... + w_n x_n`` in one node (not 2n), and ``logsumexp`` is
``log(e**x_1 + ... + e**x_n)`` shifted by the largest ``x`` so that no ``exp`` overflows.
Each is written once, as the primitives of ``autodiff.rules`` are (the same vocabulary,
so every mode runs it), and listed with them in ``autodiff.ops.OPS``.
"""

from __future__ import annotations

from typing import Any

from . import rules


def sum_(*xs: Any) -> Any:
    # d(x_1 + ... + x_n)/dx_i = 1; added left to right
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total, (1.0,) * len(xs)


def dot(*args: Any) -> Any:
    # parents w_1..w_n, x_1..x_n and, when their count is odd, a bias b:
    # d(b + sum_i w_i x_i)/dw_i = x_i, d/dx_i = w_i, d/db = 1; added as micrograd's neuron: b + w_1 x_1 + ...
    n = len(args) // 2
    ws, xs = args[:n], args[n : 2 * n]
    total = ws[0] * xs[0] if len(args) == 2 * n else args[-1] + ws[0] * xs[0]
    for i in range(1, n):
        total = total + ws[i] * xs[i]
    return total, xs + ws + (1.0,) * (len(args) - 2 * n)


def logsumexp(*xs: Any) -> Any:
    # d(log sum_j e**x_j)/dx_i = softmax(x)_i; shifted by m = max(x), so exp never overflows
    m = rules.maximum(*xs)
    es = [rules.exp(x - m) for x in xs]
    total = es[0]
    for e in es[1:]:
        total = total + e
    return m + rules.log(total), tuple(e / total for e in es)
