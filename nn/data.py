"""Small deterministic datasets in plain Python (no numpy, no scikit-learn).

Each generator returns ``(X, y)``: ``X`` a list of ``[x1, x2]`` float pairs and
``y`` a list of int labels, shuffled with ``seed``; ``noise`` is the standard
deviation of Gaussian noise added to each coordinate.
"""

from __future__ import annotations

import math
import random
from typing import Any, cast


def _check(n: int, noise: float, who: str, least: int = 1) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < least:
        raise ValueError(f"{who}: n_samples must be an int >= {least}, got {n!r}")
    if not isinstance(noise, (int, float)) or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"{who}: noise must be a finite number >= 0, got {noise!r}")


def _finish(
    points: list[tuple[float, float, int]], noise: float, rng: random.Random
) -> tuple[list[list[float]], list[int]]:
    rng.shuffle(points)
    X = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] if noise else [x, y] for x, y, _ in points]
    return X, [label for _, _, label in points]


def moons(n_samples: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles (labels 0 and 1), as scikit-learn's make_moons draws them."""
    _check(n_samples, noise, "moons", 2)
    rng = random.Random(seed)
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
    n_samples: int = 150, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[list[list[float]], list[int]]:
    """``classes`` arms of a spiral (labels 0..classes-1), the CS231n toy set; noise is in radians."""
    _check(n_samples, noise, "spirals", classes)
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        raise ValueError(f"spirals: classes must be an int >= 2, got {classes!r}")
    rng = random.Random(seed)
    pts = []
    for k in range(classes):
        m = n_samples // classes + (1 if k < n_samples % classes else 0)
        for i in range(m):
            r = i / max(m - 1, 1)
            t = k * 2 * math.pi / classes + 4.0 * r + rng.gauss(0.0, noise)
            pts.append((r * math.sin(t), r * math.cos(t), k))
    return _finish(pts, 0.0, rng)


def blobs(
    n_samples: int = 100, centers: int | list[list[float]] = 3, std: float = 0.5, seed: int = 0
) -> tuple[list[list[float]], list[int]]:
    """Gaussian blobs around ``centers`` (a count, placed on a circle of radius 3, or a list of points)."""
    _check(n_samples, std, "blobs")
    if isinstance(centers, int) and not isinstance(centers, bool):
        if centers < 1:
            raise ValueError(f"blobs: centers must be >= 1, got {centers!r}")
        centers = [
            [3 * math.cos(2 * math.pi * k / centers), 3 * math.sin(2 * math.pi * k / centers)] for k in range(centers)
        ]
    centers = cast(list[list[float]], centers)  # a list of points by now
    if not centers or any(len(c) != 2 for c in centers):
        raise ValueError(f"blobs: centers must be a count or a list of [x, y] points, got {centers!r}")
    rng = random.Random(seed)
    pts = [(centers[i % len(centers)][0], centers[i % len(centers)][1], i % len(centers)) for i in range(n_samples)]
    return _finish(pts, std, rng)


def xor(n_samples: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """Points near the four corners of [-1, 1]^2; label 1 where the signs differ (XOR)."""
    _check(n_samples, noise, "xor")
    rng = random.Random(seed)
    corners = [(-1.0, -1.0, 0), (-1.0, 1.0, 1), (1.0, -1.0, 1), (1.0, 1.0, 0)]
    pts = [corners[i % 4] for i in range(n_samples)]
    return _finish(pts, noise, rng)


def make_moons(n_samples: int = 100, noise: float | None = None, random_state: int | None = None) -> tuple[Any, Any]:
    """scikit-learn's ``make_moons`` call, returning numpy arrays (needs numpy).

    For the micrograd demo, which runs on ``nn`` by changing only its imports.
    The points come from ``moons``, not from scikit-learn's generator.
    """
    try:
        import numpy as np
    except ImportError:
        raise ImportError(
            "make_moons returns numpy arrays and needs numpy: pip install numpy, or use nn.data.moons"
        ) from None
    X, y = moons(n_samples, noise or 0.0, 0 if random_state is None else random_state)
    return np.array(X), np.array(y)
