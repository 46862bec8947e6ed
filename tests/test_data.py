"""Datasets: deterministic, the right shapes and labels, clear errors."""

from __future__ import annotations

import math
import re
import sys

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


def test_blobs_without_noise_puts_each_point_on_its_center_in_turn_and_shuffles():
    centers = [[0.0, 0.0], [5.0, -1.0], [-2.5, 4.0]]
    X, y = nn.blobs(30, centers=centers, std=0.0, seed=3)
    assert [X[i] for i in range(30)] == [centers[label] for label in y]
    assert [y.count(k) for k in range(3)] == [10, 10, 10]  # sample i goes to center i % 3
    assert y != sorted(y)  # shuffled with the seed
    assert nn.blobs(30, centers=centers, std=0.0, seed=3) == (X, y)


def test_blobs_count_places_the_centers_on_a_circle_of_radius_3():
    X, y = nn.blobs(8, centers=4, std=0.0)
    expected = [[3 * math.cos(math.pi * k / 2), 3 * math.sin(math.pi * k / 2)] for k in range(4)]
    assert all(x == expected[label] for x, label in zip(X, y))


def test_blobs_noise_has_the_standard_deviation_asked_for():
    centers = [[1.0, 2.0], [-3.0, 0.5]]
    X, y = nn.blobs(4000, centers=centers, std=0.5, seed=0)
    for k, (cx, cy) in enumerate(centers):
        dx = [x[0] - cx for x, label in zip(X, y) if label == k]
        dy = [x[1] - cy for x, label in zip(X, y) if label == k]
        for d in (dx, dy):
            mean = sum(d) / len(d)
            sd = math.sqrt(sum((v - mean) ** 2 for v in d) / (len(d) - 1))
            assert abs(mean) < 4 * 0.5 / math.sqrt(len(d))  # 4 standard errors: the center is the mean
            assert sd == pytest.approx(0.5, rel=0.05)


def test_blobs_takes_centers_as_tuples_or_numpy_arrays_alike():
    np = pytest.importorskip("numpy")
    centers = [[0.0, 1.0], [2.0, 3.0]]
    expected = nn.blobs(20, centers=centers, seed=1)
    assert nn.blobs(20, centers=[tuple(c) for c in centers], seed=1) == expected
    assert nn.blobs(20, centers=np.array(centers), seed=1) == expected
    assert nn.blobs(20, centers=[np.array(c) for c in centers], seed=1) == expected
    assert nn.blobs(20, centers=np.int64(2), seed=1) == nn.blobs(20, centers=2, seed=1)


@pytest.mark.parametrize(
    "centers",
    [
        [],
        [[0.0, 1.0], [2.0]],
        [[0.0, 1.0, 2.0]],
        [[0.0, math.nan]],
        [[math.inf, 0.0]],
        [[True, 0.0]],
        [["0", 1.0]],
        [3.0],
        2.5,
        "ab",
        True,
        None,
    ],
    ids=repr,
)
def test_blobs_refuses_centers_that_are_not_points_naming_them(centers):
    with pytest.raises(ValueError, match=r"blobs: centers must be a count or a list of \[x, y\] points, got "):
        nn.blobs(10, centers=centers)


@pytest.mark.parametrize("count", [0, -2])
def test_blobs_refuses_a_count_below_one(count):
    with pytest.raises(ValueError, match=f"blobs: centers must be >= 1, got {count}"):
        nn.blobs(10, centers=count)


@pytest.mark.parametrize("classes", [0, 1, 2.0, "3", True, None])
def test_spirals_refuses_classes_that_are_not_an_int_of_at_least_2(classes):
    with pytest.raises(ValueError, match=f"spirals: classes must be an int >= 2, got {re.escape(repr(classes))}"):
        nn.spirals(10, classes=classes)


def test_make_moons_without_numpy_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(ImportError, match="make_moons returns numpy arrays and needs numpy: pip install numpy"):
        nn.make_moons(10)
