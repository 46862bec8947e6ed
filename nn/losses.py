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
import numbers
import operator
from collections.abc import Sequence
from typing import Union, cast

import autodiff
from autodiff import Value

Scalar = Union[Value, float, int]


def _seq(x: object, who: str, what: str) -> list:
    # a list, a tuple or a numpy array (via tolist(), so numpy stays optional) -> a list
    if (
        isinstance(x, (Value, str, bytes, dict, numbers.Number))
        or not hasattr(x, "__iter__")
        or (hasattr(x, "tolist") and not hasattr(x, "__len__"))
    ):
        raise TypeError(
            f"{who}: {what} must be a sequence (list, tuple or array), got {type(x).__name__}; "
            "wrap single values in lists"
        )
    if hasattr(x, "tolist") and not isinstance(x, (list, tuple)):
        x = x.tolist()
        if not isinstance(x, list):  # a 0-d array
            raise TypeError(f"{who}: {what} must be a sequence, got a 0-d array of {x!r}; wrap it in a list")
    return list(x)  # type: ignore[call-overload]


def _real(x: object, who: str, what: str) -> float:
    # a finite real number (numpy scalars welcome); bools and strings are refused, not converted
    if type(x) is float:
        f = x
    elif isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{who}: {what} must be a real number, got {type(x).__name__} {x!r}")
    else:
        f = float(x)
    if not -math.inf < f < math.inf:  # type: ignore[operator]
        raise ValueError(f"{who}: {what} must be finite, got {f!r}; check the data for NaN or inf")
    return f  # type: ignore[return-value]


def _pred(f: object, who: str, what: str) -> Value:
    return f if isinstance(f, Value) else Value(_real(f, who, what))


def _target(y: object, who: str, what: str) -> Value | float:
    # a regression target: a number, or a Value (then the loss depends on it too)
    return y if isinstance(y, Value) else _real(y, who, what)


def _data(x: object, who: str, what: str) -> float:
    return x.data if isinstance(x, Value) else _real(x, who, what)


def _pair(preds: object, targets: object, who: str) -> tuple[list, list]:
    if isinstance(preds, (Value, numbers.Number)) or isinstance(targets, (Value, numbers.Number)):
        raise TypeError(f"{who}: expects sequences of predictions and targets; wrap single values in lists")
    ps, ts = _seq(preds, who, "predictions"), _seq(targets, who, "targets")
    if len(ps) != len(ts):
        raise ValueError(f"{who}: {len(ps)} predictions but {len(ts)} targets; give one target per prediction")
    if not ps:
        raise ValueError(f"{who}: needs at least one prediction, got none")
    return ps, ts


def _mean(terms: list[Value]) -> Value:
    return autodiff.sum(terms) * (1.0 / len(terms))


def squared_error(f: Scalar, y: Scalar) -> Value:
    """``(f - y)^2`` for one prediction; d/df = 2 (f - y) (001, eq 1)."""
    return (_pred(f, "squared_error", "prediction") - _target(y, "squared_error", "target")) ** 2


def half_squared_error(f: Scalar, y: Scalar) -> Value:
    """``1/2 (y - f)^2`` for one prediction; d/df = f - y (000, eq 4)."""
    return 0.5 * (_target(y, "half_squared_error", "target") - _pred(f, "half_squared_error", "prediction")) ** 2


def mse(preds: Sequence[Scalar], targets: Sequence[Scalar]) -> Value:
    """Mean squared error ``1/n sum (y_i - f_i)^2``; d/df_i = 2 (f_i - y_i) / n."""
    ps, ts = _pair(preds, targets, "mse")
    fs = [_pred(f, "mse", f"prediction {i}") for i, f in enumerate(ps)]
    ys = [_target(y, "mse", f"target {i}") for i, y in enumerate(ts)]
    return _mean([(f - y) ** 2 for f, y in zip(fs, ys)])


def mae(preds: Sequence[Scalar], targets: Sequence[Scalar]) -> Value:
    """Mean absolute error ``1/n sum |y_i - f_i|``; d/df_i = sign(f_i - y_i) / n (0 at f_i = y_i)."""
    ps, ts = _pair(preds, targets, "mae")
    fs = [_pred(f, "mae", f"prediction {i}") for i, f in enumerate(ps)]
    ys = [_target(y, "mae", f"target {i}") for i, y in enumerate(ts)]
    return _mean([abs(f - y) for f, y in zip(fs, ys)])


def sign_label(y: object, who: str, what: str) -> float:
    """``y`` as -1.0 or +1.0; TypeError for a non-number (``"1"``, ``True``), ValueError for another number."""
    d = _data(y, who, what)
    if d not in (-1.0, 1.0):
        raise ValueError(f"{who}: {what} must be -1 or +1, got {y!r}; map 0/1 labels with 2*y - 1")
    return d


def unit_label(y: object, who: str, what: str) -> float:
    """``y`` as a float in [0, 1]; TypeError for a non-number (``"1"``, ``True``), ValueError outside [0, 1]."""
    d = _data(y, who, what)
    if not 0.0 <= d <= 1.0:
        raise ValueError(f"{who}: {what} must be in [0, 1], got {y!r}")
    return d


def class_label(y: object, k: int, who: str, what: str) -> int:
    """``y`` as a class index in 0..k-1: ints and numpy ints; TypeError for bools, floats, strings."""
    # numpy's bool_ is no bool subclass, and older numpy lets operator.index take it: refuse it by dtype
    if not isinstance(y, bool) and getattr(getattr(y, "dtype", None), "kind", "") != "b":
        try:
            i = operator.index(y)  # type: ignore[arg-type]
        except TypeError:
            pass
        else:
            if 0 <= i < k:
                return i
            raise ValueError(f"{who}: {what} must be an int class index in 0..{k - 1}, got {y!r}")
    hint = " (it has a fractional part)" if isinstance(y, float) and math.isfinite(y) and not y.is_integer() else ""
    raise TypeError(
        f"{who}: {what} must be an int class index in 0..{k - 1}, got {type(y).__name__} {y!r}{hint}; "
        "give class indices as ints (e.g. y.astype(int) or int(y))"
    )


def hinge(scores: Sequence[Scalar], labels: Sequence[float]) -> Value:
    """Max-margin loss ``1/n sum max(0, 1 - y_i f_i)`` with labels -1/+1 (micrograd's demo loss)."""
    ps, ts = _pair(scores, labels, "hinge")
    ys = [sign_label(y, "hinge", f"label {i}") for i, y in enumerate(ts)]
    fs = [_pred(f, "hinge", f"score {i}") for i, f in enumerate(ps)]
    return _mean([(1.0 - f * y).relu() for f, y in zip(fs, ys)])


def zero_one(scores: Sequence[Scalar], labels: Sequence[float]) -> float:
    """Fraction misclassified: 1 where ``y f <= 0``. A metric: a float, with no gradient
    (it is piecewise constant, so its derivative is 0 wherever it exists)."""
    ps, ts = _pair(scores, labels, "zero_one")
    ys = [sign_label(y, "zero_one", f"label {i}") for i, y in enumerate(ts)]
    fs = [_data(f, "zero_one", f"score {i}") for i, f in enumerate(ps)]
    return sum(1.0 for f, y in zip(fs, ys) if f * y <= 0.0) / len(ys)


def binary_cross_entropy(probs: Sequence[Scalar], labels: Sequence[float]) -> Value:
    """``-1/n sum (y_i ln p_i + (1 - y_i) ln(1 - p_i))`` on probabilities p_i in [0, 1].

    Labels are numbers in [0, 1] (soft labels allowed; ``"1"`` and ``True`` are
    refused with TypeError). A term whose weight is 0 is left out, so p = 0
    with y = 0 is fine; a probability of exactly 0 or 1 where it matters has an
    infinite loss and raises: use ``bce_with_logits`` on scores instead.
    """
    ps, ts = _pair(probs, labels, "binary_cross_entropy")
    ys = [unit_label(y, "binary_cross_entropy", f"label {i}") for i, y in enumerate(ts)]
    terms = []
    for i, (p, yd) in enumerate(zip(ps, ys)):
        p = _pred(p, "binary_cross_entropy", f"probability {i}")
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: probability {i} must be in [0, 1], got {p.data!r}; apply sigmoid first"
            )
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
    Labels are numbers in [0, 1], as for ``binary_cross_entropy``.
    """
    ps, ts = _pair(logits, labels, "bce_with_logits")
    ys = [unit_label(y, "bce_with_logits", f"label {i}") for i, y in enumerate(ts)]
    zs = [_pred(z, "bce_with_logits", f"logit {i}") for i, z in enumerate(ps)]
    return _mean([autodiff.logsumexp([0.0, z]) - z * y for z, y in zip(zs, ys)])


def _scores(logits: object, who: str, what: str) -> list[Value]:
    zs = _seq(logits, who, what)
    if not zs:
        raise ValueError(f"{who}: {what} has no scores; give at least one")
    return [_pred(z, who, f"{what}, score {j}") for j, z in enumerate(zs)]


def log_softmax(logits: Sequence[Scalar]) -> list[Value]:
    """``z_i - log sum_j e^z_j`` (max-shifted inside logsumexp, so it never overflows)."""
    zs = _scores(logits, "log_softmax", "logits")
    lse = autodiff.logsumexp(zs)
    return [z - lse for z in zs]


def softmax(logits: Sequence[Scalar]) -> list[Value]:
    """``e^z_i / sum_j e^z_j``, as ``exp(log_softmax)``; its Jacobian is diag(p) - p p^T (002)."""
    return [v.exp() for v in log_softmax(_scores(logits, "softmax", "logits"))]


def cross_entropy(logits: Sequence, labels: Sequence[int] | int) -> Value:
    """Sparse categorical cross-entropy ``-log softmax(z)_y``, averaged over a batch.

    ``logits`` is one sample's scores with an int label, or a batch (a list of
    score lists) with a list of labels. d/dz = softmax(z) - e_y (per sample, / m
    for a batch of m; 000 eq 24, 003, 004). Labels are ints or numpy ints;
    bools, floats (even 1.0) and strings are refused with TypeError.
    """
    if hasattr(labels, "tolist") and not isinstance(labels, (list, tuple)):
        labels = labels.tolist()  # numpy: an array becomes a list, a 0-d array or a scalar an int
    if isinstance(labels, (str, bytes)):
        raise TypeError(f"cross_entropy: labels must be an int or a list of ints, got str {labels!r}")
    if not hasattr(labels, "__iter__"):  # one sample: an int-like label
        logits, labels = [logits], [labels]
    batch, ys = _pair(logits, labels, "cross_entropy")
    terms = []
    for i, (row, y) in enumerate(zip(batch, ys)):
        if isinstance(row, (Value, numbers.Number)) or not hasattr(row, "__iter__"):
            raise TypeError(f"cross_entropy: sample {i} must be a list of class scores, got {type(row).__name__}")
        zs = _scores(row, "cross_entropy", f"sample {i}")
        k = class_label(y, len(zs), "cross_entropy", f"label {i}")
        terms.append(autodiff.logsumexp(zs) - zs[k])
    return _mean(terms)


def l2_penalty(params: Sequence[Value], alpha: float = 1e-4) -> Value:
    """``alpha * sum p^2`` over the parameters (micrograd's demo regulariser)."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0.0 <= float(alpha) < math.inf:
        raise ValueError(f"l2_penalty: alpha must be a finite number >= 0, got {alpha!r}")
    ps = _seq(params, "l2_penalty", "params")
    if not ps:
        raise ValueError("l2_penalty: got no parameters; pass model.parameters()")
    for i, p in enumerate(ps):
        if not isinstance(p, Value):
            raise TypeError(f"l2_penalty: parameter {i} must be a Value, got {type(p).__name__}")
    return float(alpha) * autodiff.dot(ps, ps)  # one node: p . p, each p gets p + p = 2p
