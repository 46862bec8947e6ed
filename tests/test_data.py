"""Datasets: deterministic, the right shapes and labels, clear errors."""

from __future__ import annotations

import math

import pytest

import nn


@pytest.mark.parametrize("gen, classes", [(nn.moons, 2), (nn.xor, 2), (nn.blobs, 3), (nn.spirals, 3)])
def test_shapes_labels_determinism(gen, classes):
    X, y = gen(90, seed=5)
    assert len(X) == len(y) == 90
    assert all(len(x) == 2 and all(math.isfinite(c) for c in x) for x in X)
    assert sorted(set(y)) == list(range(classes))
    assert gen(90, seed=5) == (X, y)
    assert gen(90, seed=6) != (X, y)


def test_moons_without_noise_lie_on_half_circles():
    X, y = nn.moons(50, noise=0.0)
    for (a, b), label in zip(X, y):
        if label == 0:
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_xor_labels_follow_the_signs():
    X, y = nn.xor(40, noise=0.0)
    assert all(label == int((a > 0) != (b > 0)) for (a, b), label in zip(X, y))


def test_spirals_k_classes():
    X, y = nn.spirals(100, classes=4)
    assert sorted(set(y)) == [0, 1, 2, 3]


def test_make_moons_for_the_micrograd_demo():
    np = pytest.importorskip("numpy")
    X, y = nn.make_moons(n_samples=100, noise=0.1)
    assert isinstance(X, np.ndarray) and X.shape == (100, 2) and set((y * 2 - 1).tolist()) == {-1, 1}


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: nn.moons(1), "n_samples must be an int >= 2"),
        (lambda: nn.moons(10, noise=-1), "noise must be a finite number >= 0"),
        (lambda: nn.spirals(10, classes=1), "n_samples must be an int >= 1|classes must be an int >= 2"),
        (lambda: nn.blobs(10, centers=[[1.0]]), "centers must be a count or a list"),
        (lambda: nn.xor(0), "n_samples must be an int >= 1"),
    ],
)
def test_bad_arguments(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
