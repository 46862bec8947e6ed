"""Losses of the lecture notes (002 and friends): values, derivatives, errors."""

from __future__ import annotations

import math

import pytest

import nn
from autodiff import Value, gradcheck


def grads(loss_of, preds):
    vs = [Value(p) for p in preds]
    loss_of(vs).backward()
    return [v.grad for v in vs]


F = [0.3, -1.2, 2.5, 0.9]
Y = [1.0, -0.5, 2.0, 0.9 + 0.25]


def test_mse_value_and_derivative():
    n = len(F)
    assert nn.mse(F, Y).data == pytest.approx(sum((y - f) ** 2 for f, y in zip(F, Y)) / n)
    assert grads(lambda v: nn.mse(v, Y), F) == pytest.approx([2 * (f - y) / n for f, y in zip(F, Y)])


def test_mae_value_and_derivative_is_sign():
    n = len(F)
    assert nn.mae(F, Y).data == pytest.approx(sum(abs(y - f) for f, y in zip(F, Y)) / n)
    assert grads(lambda v: nn.mae(v, Y), F) == pytest.approx([math.copysign(1, f - y) / n for f, y in zip(F, Y)])


def test_squared_errors():
    assert grads(lambda v: nn.half_squared_error(v[0], 2.0), [3.5]) == pytest.approx([1.5])  # f - y
    assert grads(lambda v: nn.squared_error(v[0], 2.0), [3.5]) == pytest.approx([3.0])  # 2 (f - y)


S = [0.5, -2.0, 1.5, -0.2]
L = [1, -1, -1, 1]


def test_hinge_value_and_derivative():
    n = len(S)
    assert nn.hinge(S, L).data == pytest.approx(sum(max(0, 1 - s * y) for s, y in zip(S, L)) / n)
    expected = [(-y / n if 1 - s * y > 0 else 0.0) for s, y in zip(S, L)]
    assert grads(lambda v: nn.hinge(v, L), S) == pytest.approx(expected)


def test_zero_one_is_a_float_metric():
    z = nn.zero_one(S, L)
    assert isinstance(z, float) and not isinstance(z, Value)
    assert z == pytest.approx(sum(1 for s, y in zip(S, L) if s * y <= 0) / len(S))


P = [0.9, 0.2, 0.6, 0.01]
B = [1, 0, 0, 1]


def test_bce_value_and_derivative():
    n = len(P)
    want = -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for p, y in zip(P, B)) / n
    assert nn.binary_cross_entropy(P, B).data == pytest.approx(want)
    expected = [(-(y / p) + (1 - y) / (1 - p)) / n for p, y in zip(P, B)]
    assert grads(lambda v: nn.binary_cross_entropy(v, B), P) == pytest.approx(expected)


def test_bce_soft_labels_and_edge_probabilities():
    assert gradcheck(lambda p: nn.binary_cross_entropy([p], [0.3]), [0.4])
    assert nn.binary_cross_entropy([0.0, 1.0], [0, 1]).data == 0.0  # zero-weight terms are left out


Z = [3.0, -1.0, 0.0, 40.0, -800.0]
ZB = [1, 0, 1, 0, 0]


def test_bce_with_logits_is_stable_and_derivative_is_sigmoid_minus_y():
    n = len(Z)
    value = nn.bce_with_logits(Z, ZB).data
    want = sum(max(z, 0) - z * y + math.log1p(math.exp(-abs(z))) for z, y in zip(Z, ZB)) / n
    assert value == pytest.approx(want)
    sig = [1 / (1 + math.exp(-z)) if z > -700 else 0.0 for z in Z]
    assert grads(lambda v: nn.bce_with_logits(v, ZB), Z) == pytest.approx([(s - y) / n for s, y in zip(sig, ZB)])


def test_bce_with_logits_matches_bce_of_sigmoid():
    z = [0.7, -1.3]
    p = [1 / (1 + math.exp(-x)) for x in z]
    assert nn.bce_with_logits(z, [1, 0]).data == pytest.approx(nn.binary_cross_entropy(p, [1, 0]).data)


def test_softmax_log_softmax_stable():
    logits = [1000.0, 1001.0, 999.0]
    p = [v.data for v in nn.softmax(logits)]
    e = [math.exp(x - 1001.0) for x in logits]
    assert p == pytest.approx([x / sum(e) for x in e])
    assert [v.data for v in nn.log_softmax(logits)] == pytest.approx([math.log(x / sum(e)) for x in e])


def test_softmax_jacobian_is_diag_p_minus_p_pT():
    # 002: d softmax_i / d z_j = p_i (1[i = j] - p_j)
    z = [0.2, -1.0, 0.7]
    for i in range(3):
        zs = [Value(x) for x in z]
        p = nn.softmax(zs)
        p[i].backward()
        pd = [v.data for v in p]
        assert [v.grad for v in zs] == pytest.approx([pd[i] * ((i == j) - pd[j]) for j in range(3)], abs=1e-12)


def test_cross_entropy_single_and_batch():
    z = [0.5, 1.5, -0.3]
    e = [math.exp(x) for x in z]
    assert nn.cross_entropy(z, 1).data == pytest.approx(-math.log(e[1] / sum(e)))
    batch = [z, [0.0, 0.0, 2.0]]
    want = (nn.cross_entropy(batch[0], 1).data + nn.cross_entropy(batch[1], 2).data) / 2
    assert nn.cross_entropy(batch, [1, 2]).data == pytest.approx(want)


def test_l2_penalty():
    ps = [Value(1.0), Value(-2.0)]
    pen = nn.l2_penalty(ps, 0.5)
    pen.backward()
    assert pen.data == 2.5 and [p.grad for p in ps] == [1.0, -2.0]


@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        (lambda: nn.mse([1.0], [1.0, 2.0]), ValueError, "1 predictions but 2 targets"),
        (lambda: nn.mae([], []), ValueError, "at least one prediction"),
        (lambda: nn.mse(1.0, 2.0), TypeError, "sequences of predictions"),
        (lambda: nn.hinge([1.0], [0]), ValueError, "label 0 must be -1 or \\+1, got 0; map 0/1 labels"),
        (lambda: nn.binary_cross_entropy([1.2], [1]), ValueError, "probability 0 must be in \\[0, 1\\], got 1.2"),
        (lambda: nn.binary_cross_entropy([0.5], [2]), ValueError, "label 0 must be in \\[0, 1\\]"),
        (lambda: nn.binary_cross_entropy([0.0], [1]), ValueError, "exactly 0 or 1.*bce_with_logits"),
        (lambda: nn.bce_with_logits([0.5], [-1]), ValueError, "label 0 must be in \\[0, 1\\]"),
        (lambda: nn.cross_entropy([0.1, 0.2], 2), ValueError, "label 0 must be an int class index in 0..1, got 2"),
        (lambda: nn.cross_entropy([[0.1, 0.2]], [-1]), ValueError, "in 0..1, got -1"),
        (lambda: nn.cross_entropy([[0.1, 0.2]], [1.0]), TypeError, "must be an int class index in 0..1, got float 1.0"),
        (lambda: nn.cross_entropy([[0.1], [0.2]], [0]), ValueError, "2 predictions but 1 targets"),
        (lambda: nn.l2_penalty([Value(1.0)], -1.0), ValueError, "alpha must be a finite number >= 0"),
    ],
)
def test_clear_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


@pytest.mark.parametrize(
    "loss, targets",
    [
        (nn.mse, [0.5, -1.0]),
        (nn.mae, [0.5, -1.0]),
        (nn.hinge, [1, -1]),
        (nn.bce_with_logits, [1, 0]),
    ],
)
def test_losses_pass_gradcheck(loss, targets):
    assert gradcheck(lambda a, b: loss([a, b], targets), [0.3, 0.6])


def test_cross_entropy_gradcheck():
    assert gradcheck(lambda a, b, c: nn.cross_entropy([a, b, c], 2), [0.3, -0.6, 1.1])


@pytest.mark.parametrize("row", [2.0, Value(2.0)], ids=repr)
def test_cross_entropy_batch_refuses_a_sample_that_is_one_number_naming_it(row):
    pattern = f"cross_entropy: sample 1 must be a list of class scores, got {type(row).__name__}"
    with pytest.raises(TypeError, match=pattern):
        nn.cross_entropy([[1.0, 2.0], row], [0, 1])
