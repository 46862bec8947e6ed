"""A few list-of-lists matrix helpers for the seed-formula tests (floats or Values)."""

from __future__ import annotations

import math
import random

from autodiff import Value


def rand_matrix(rng: random.Random, rows: int, cols: int) -> list[list[float]]:
    return [[rng.uniform(-1, 1) for _ in range(cols)] for _ in range(rows)]


def rand_vector(rng: random.Random, n: int) -> list[float]:
    return [rng.uniform(-1, 1) for _ in range(n)]


def values(m, label: str = ""):
    """Leaf Values with the same shape as a vector or matrix of floats."""
    if m and isinstance(m[0], list):
        return [[Value(x, f"{label}[{i},{j}]") for j, x in enumerate(row)] for i, row in enumerate(m)]
    return [Value(x, f"{label}[{i}]") for i, x in enumerate(m)]


def data(m):
    if m and isinstance(m[0], list):
        return [[v.data for v in row] for row in m]
    return [v.data for v in m]


def grads(m):
    if m and isinstance(m[0], list):
        return [[v.grad for v in row] for row in m]
    return [v.grad for v in m]


def matvec(W, x):
    """W x for W rows x cols and x of length cols (Values or floats)."""
    return [sum_(w * xi for w, xi in zip(row, x)) for row in W]


def sum_(it):
    total = 0.0
    for t in it:
        total = total + t
    return total


def transpose(W):
    return [list(col) for col in zip(*W)]


def outer(a, b):
    return [[x * y for y in b] for x in a]


def hadamard(a, b):
    return [x * y for x, y in zip(a, b)]


def add(a, b):
    return [x + y for x, y in zip(a, b)]


def sub(a, b):
    return [x - y for x, y in zip(a, b)]


def scale(c, a):
    return [c * x for x in a]


def softmax(z):
    m = max(z)
    e = [math.exp(x - m) for x in z]
    s = sum(e)
    return [x / s for x in e]


def one_hot(k: int, n: int) -> list[float]:
    return [1.0 if i == k else 0.0 for i in range(n)]


def close(a, b, tol: float = 1e-9) -> bool:
    """Elementwise |a - b| <= tol * max(1, |b|), for nested lists of floats."""
    if isinstance(a, list):
        return len(a) == len(b) and all(close(x, y, tol) for x, y in zip(a, b))
    return abs(a - b) <= tol * max(1.0, abs(b))
