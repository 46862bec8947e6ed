"""Losses and output functions of the lecture notes, built from ``autodiff`` Values.

Every loss takes predictions (Values or numbers) and targets (numbers) and returns
a Value, averaged over the batch where the notes average. Conventions:

* regression (002): ``mse``, ``mae``, ``squared_error`` (f - y)^2 and
  ``half_squared_error`` 1/2 (y - f)^2 (000, eq 4: its derivative is f - y);
* binary with labels -1/+1 (002): ``hinge`` (max-margin) and ``zero_one``, a
  metric with no gradient (it returns a float, not a Value);
* binary with labels 0/1 (002): ``binary_cross_entropy`` on probabilities and
  ``bce_with_logits`` on scores (stable for any score);
* k classes with integer labels (000, 003, 004): ``softmax``, ``log_softmax``
  and ``cross_entropy`` (sparse categorical, averaged over the batch);
* ``l2_penalty`` for weight decay in the loss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Union, cast

import autodiff
from autodiff import Value

Scalar = Union[Value, float, int]


def _v(x: Scalar) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _pair(preds: Sequence[Scalar], targets: Sequence[float], who: str) -> None:
    if isinstance(preds, (Value, int, float)) or isinstance(targets, (Value, int, float)):
        raise TypeError(f"{who}: expects sequences of predictions and targets; wrap single values in lists")
    if len(preds) != len(targets):
        raise ValueError(f"{who}: {len(preds)} predictions but {len(targets)} targets; give one target per prediction")
    if not preds:
        raise ValueError(f"{who}: needs at least one prediction, got none")


def _data(t: Scalar) -> float:
    return t.data if isinstance(t, Value) else float(t)


def _mean(terms: list[Value]) -> Value:
    return autodiff.sum(terms) * (1.0 / len(terms))


def squared_error(f: Scalar, y: Scalar) -> Value:
    """``(f - y)^2`` for one prediction; d/df = 2 (f - y) (001, eq 1)."""
    return (_v(f) - y) ** 2


def half_squared_error(f: Scalar, y: Scalar) -> Value:
    """``1/2 (y - f)^2`` for one prediction; d/df = f - y (000, eq 4)."""
    return 0.5 * (y - _v(f)) ** 2


def mse(preds: Sequence[Scalar], targets: Sequence[float]) -> Value:
    """Mean squared error ``1/n sum (y_i - f_i)^2``; d/df_i = 2 (f_i - y_i) / n."""
    _pair(preds, targets, "mse")
    return _mean([(_v(f) - y) ** 2 for f, y in zip(preds, targets)])


def mae(preds: Sequence[Scalar], targets: Sequence[float]) -> Value:
    """Mean absolute error ``1/n sum |y_i - f_i|``; d/df_i = sign(f_i - y_i) / n (0 at f_i = y_i)."""
    _pair(preds, targets, "mae")
    return _mean([abs(_v(f) - y) for f, y in zip(preds, targets)])


def _signs(targets: Sequence[float], who: str) -> None:
    for i, y in enumerate(targets):
        if _data(y) not in (-1.0, 1.0):
            raise ValueError(f"{who}: labels must be -1 or +1, got {y!r} at index {i}; map 0/1 labels with 2*y - 1")


def hinge(scores: Sequence[Scalar], labels: Sequence[float]) -> Value:
    """Max-margin loss ``1/n sum max(0, 1 - y_i f_i)`` with labels -1/+1 (micrograd's demo loss)."""
    _pair(scores, labels, "hinge")
    _signs(labels, "hinge")
    return _mean([(1.0 - _v(f) * y).relu() for f, y in zip(scores, labels)])


def zero_one(scores: Sequence[Scalar], labels: Sequence[float]) -> float:
    """Fraction misclassified: 1 where ``y f <= 0``. A metric: a float, with no gradient
    (it is piecewise constant, so its derivative is 0 wherever it exists)."""
    _pair(scores, labels, "zero_one")
    _signs(labels, "zero_one")
    return sum(1.0 for f, y in zip(scores, labels) if _data(f) * _data(y) <= 0.0) / len(labels)


def binary_cross_entropy(probs: Sequence[Scalar], labels: Sequence[float]) -> Value:
    """``-1/n sum (y_i ln p_i + (1 - y_i) ln(1 - p_i))`` on probabilities p_i in [0, 1].

    A term whose weight is 0 is left out, so p = 0 with y = 0 is fine; a
    probability of exactly 0 or 1 where it matters has an infinite loss and
    raises: use ``bce_with_logits`` on scores instead.
    """
    _pair(probs, labels, "binary_cross_entropy")
    terms = []
    for i, (p, y) in enumerate(zip(probs, labels)):
        pd, yd = _data(p), _data(y)
        if not 0.0 <= pd <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: probability {i} must be in [0, 1], got {pd!r}; apply sigmoid first"
            )
        if not 0.0 <= yd <= 1.0:
            raise ValueError(f"binary_cross_entropy: label {i} must be in [0, 1], got {yd!r}")
        p = _v(p)
        term = None
        if yd != 0.0:
            term = yd * _safe_log(p, i)
        if yd != 1.0:
            t2 = (1.0 - yd) * _safe_log(1.0 - p, i)
            term = t2 if term is None else term + t2
        terms.append(-cast(Value, term))  # yd is 0, 1 or between: one term at least
    return _mean(terms)


def _safe_log(p: Value, i: int) -> Value:
    if p.data <= 0.0:
        raise ValueError(
            f"binary_cross_entropy: probability {i} is exactly 0 or 1 where its log is needed (infinite loss); "
            "use bce_with_logits on scores, or clip the probabilities"
        )
    return p.log()


def bce_with_logits(logits: Sequence[Scalar], labels: Sequence[float]) -> Value:
    """Binary cross-entropy on scores z: ``1/n sum (log(1 + e^z_i) - y_i z_i)``.

    ``log(1 + e^z)`` is ``logsumexp([0, z])``, stable for any z; d/dz_i = (sigmoid(z_i) - y_i) / n.
    """
    _pair(logits, labels, "bce_with_logits")
    for i, y in enumerate(labels):
        if not 0.0 <= _data(y) <= 1.0:
            raise ValueError(f"bce_with_logits: label {i} must be in [0, 1], got {y!r}")
    return _mean([autodiff.logsumexp([0.0, _v(z)]) - _v(z) * y for z, y in zip(logits, labels)])


def log_softmax(logits: Sequence[Scalar]) -> list[Value]:
    """``z_i - log sum_j e^z_j`` (max-shifted inside logsumexp, so it never overflows)."""
    zs = [_v(z) for z in logits]
    lse = autodiff.logsumexp(zs)
    return [z - lse for z in zs]


def softmax(logits: Sequence[Scalar]) -> list[Value]:
    """``e^z_i / sum_j e^z_j``, as ``exp(log_softmax)``; its Jacobian is diag(p) - p p^T (002)."""
    return [v.exp() for v in log_softmax(logits)]


def _check_label(y: object, k: int, i: int) -> int:
    if isinstance(y, bool) or not isinstance(y, int) or not 0 <= y < k:
        raise ValueError(f"cross_entropy: label {i} must be an int class index in 0..{k - 1}, got {y!r}")
    return y


def cross_entropy(logits: Sequence, labels: Sequence[int] | int) -> Value:
    """Sparse categorical cross-entropy ``-log softmax(z)_y``, averaged over a batch.

    ``logits`` is one sample's scores with an int label, or a batch (a list of
    score lists) with a list of labels. d/dz = softmax(z) - e_y (per sample, / m
    for a batch of m; 000 eq 24, 003, 004).
    """
    if isinstance(labels, int):
        logits, labels = [logits], [labels]
    _pair(logits, labels, "cross_entropy")
    terms = []
    for i, (zs, y) in enumerate(zip(logits, labels)):
        if isinstance(zs, Value) or not isinstance(zs, Sequence):
            raise TypeError(f"cross_entropy: sample {i} must be a list of class scores, got {type(zs).__name__}")
        y = _check_label(y, len(zs), i)
        zs = [_v(z) for z in zs]
        terms.append(autodiff.logsumexp(zs) - zs[y])
    return _mean(terms)


def l2_penalty(params: Sequence[Value], alpha: float = 1e-4) -> Value:
    """``alpha * sum p^2`` over the parameters (micrograd's demo regulariser)."""
    if not math.isfinite(alpha) or alpha < 0:
        raise ValueError(f"l2_penalty: alpha must be a finite number >= 0, got {alpha!r}")
    ps = list(params)
    return alpha * autodiff.dot(ps, ps)  # one node: p . p, each p gets p + p = 2p
