"""Small deterministic datasets in plain Python (no numpy, no scikit-learn).

Each generator returns ``(X, y)``: ``X`` a list of ``[x1, x2]`` float pairs and
``y`` a list of int labels, shuffled with ``seed``; ``noise`` is the standard
deviation of Gaussian noise added to each coordinate.

``seed`` defaults to 0: the same points on every call. An int seeds a private
``random.Random`` (the global ``random`` state is untouched), a ``random.Random``
is used and advanced as given, and ``None`` draws from Python's global
``random`` module (reproducible after ``random.seed(k)``), as ``nn.MLP`` does.
"""

from __future__ import annotations

import math
import numbers
import random
from typing import Any

from .checks import Seed, make_rng, positive_int


def _check(n: object, noise: object, who: str, least: int = 1, name: str = "noise") -> tuple[int, float]:
    try:
        k = positive_int(n, "n_samples", who)
    except ValueError:
        k = 0
    if k < least:
        raise ValueError(f"{who}: n_samples must be an int >= {least}, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not 0.0 <= float(noise) < math.inf:
        raise ValueError(f"{who}: {name} must be a finite number >= 0, got {noise!r}")
    return k, float(noise)


def _finish(
    points: list[tuple[float, float, int]], noise: float, rng: random.Random
) -> tuple[list[list[float]], list[int]]:
    rng.shuffle(points)
    X = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] if noise else [x, y] for x, y, _ in points]
    return X, [label for _, _, label in points]


def moons(n_samples: int = 100, noise: float = 0.1, seed: Seed = 0) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles (labels 0 and 1), as scikit-learn's make_moons draws them."""
    n_samples, noise = _check(n_samples, noise, "moons", 2)
    rng = make_rng(seed, "moons")
    n_out = n_samples // 2
    n_in = n_samples - n_out
    pts = []
    for i in range(n_out):
        t = math.pi * i / max(n_out - 1, 1)
        pts.append((math.cos(t), math.sin(t), 0))
    for i in range(n_in):
        t = math.pi * i / max(n_in - 1, 1)
        pts.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1))
    return _finish(pts, noise, rng)


def spirals(
    n_samples: int = 150, classes: int = 3, noise: float = 0.2, seed: Seed = 0
) -> tuple[list[list[float]], list[int]]:
    """``classes`` arms of a spiral (labels 0..classes-1), the CS231n toy set; noise is in radians."""
    try:
        k = positive_int(classes, "classes", "spirals")
    except ValueError:
        k = 0
    if k < 2:
        raise ValueError(f"spirals: classes must be an int >= 2, got {classes!r}")
    classes = k
    n_samples, noise = _check(n_samples, noise, "spirals", classes)
    rng = make_rng(seed, "spirals")
    pts = []
    for k in range(classes):
        m = n_samples // classes + (1 if k < n_samples % classes else 0)
        for i in range(m):
            r = i / max(m - 1, 1)
            t = k * 2 * math.pi / classes + 4.0 * r + rng.gauss(0.0, noise)
            pts.append((r * math.sin(t), r * math.cos(t), k))
    return _finish(pts, 0.0, rng)


def blobs(
    n_samples: int = 100, centers: int | list[list[float]] = 3, std: float = 0.5, seed: Seed = 0
) -> tuple[list[list[float]], list[int]]:
    """Gaussian blobs around ``centers`` (a count, placed on a circle of radius 3, or a list of points)."""
    n_samples, std = _check(n_samples, std, "blobs", name="std")
    bad = ValueError(f"blobs: centers must be a count or a list of [x, y] points, got {centers!r}")
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        if centers < 1:
            raise ValueError(f"blobs: centers must be >= 1, got {centers!r}")
        k = int(centers)
        points = [[3 * math.cos(2 * math.pi * j / k), 3 * math.sin(2 * math.pi * j / k)] for j in range(k)]
    else:
        if isinstance(centers, (str, bytes, bool, numbers.Number)) or not hasattr(centers, "__iter__"):
            raise bad
        points = []
        for c in centers.tolist() if hasattr(centers, "tolist") else centers:  # type: ignore[union-attr]
            c = c.tolist() if hasattr(c, "tolist") else c
            if not isinstance(c, (list, tuple)) or len(c) != 2:
                raise bad
            if any(isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) for v in c):
                raise bad
            points.append([float(c[0]), float(c[1])])
        if not points:
            raise bad
    rng = make_rng(seed, "blobs")
    k = len(points)
    pts = [(points[i % k][0], points[i % k][1], i % k) for i in range(n_samples)]
    return _finish(pts, std, rng)


def xor(n_samples: int = 100, noise: float = 0.1, seed: Seed = 0) -> tuple[list[list[float]], list[int]]:
    """Points near the four corners of [-1, 1]^2; label 1 where the signs differ (XOR)."""
    n_samples, noise = _check(n_samples, noise, "xor")
    rng = make_rng(seed, "xor")
    corners = [(-1.0, -1.0, 0), (-1.0, 1.0, 1), (1.0, -1.0, 1), (1.0, 1.0, 0)]
    pts = [corners[i % 4] for i in range(n_samples)]
    return _finish(pts, noise, rng)


def make_moons(n_samples: int = 100, noise: float | None = None, random_state: int | None = None) -> tuple[Any, Any]:
    """scikit-learn's ``make_moons`` call, returning numpy arrays (needs numpy).

    For the micrograd demo, which runs on ``nn`` by changing only its imports.
    The points come from ``moons``, not from scikit-learn's generator;
    ``random_state=None`` means seed 0 (the same points every call; numpy's
    global state is not used), ``noise=None`` means no noise.
    """
    try:
        import numpy as np
    except ImportError:
        raise ImportError(
            "make_moons returns numpy arrays and needs numpy: pip install numpy, or use nn.data.moons"
        ) from None
    X, y = moons(n_samples, noise or 0.0, 0 if random_state is None else random_state)
    return np.array(X), np.array(y)
