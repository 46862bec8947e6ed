"""Optimizers against hand arithmetic for two steps."""

from __future__ import annotations

import math

import pytest

import nn
from autodiff import Value


def _param(data, grad):
    p = Value(data)
    p.grad = grad
    return p


def test_sgd_plain():
    p = _param(1.0, 0.5)
    opt = nn.SGD([p], lr=0.1)
    opt.step()
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5)
    p.grad = -2.0
    opt.step()
    assert p.data == pytest.approx(0.95 + 0.2)


def test_sgd_momentum_and_weight_decay_two_steps():
    p = _param(1.0, 0.5)
    opt = nn.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    opt.step()
    g1 = 0.5 + 0.01 * 1.0
    v1 = g1
    x1 = 1.0 - 0.1 * v1
    assert p.data == pytest.approx(x1)
    p.grad = 0.2
    opt.step()
    g2 = 0.2 + 0.01 * x1
    v2 = 0.9 * v1 + g2
    assert p.data == pytest.approx(x1 - 0.1 * v2)


def test_adam_two_steps():
    p = _param(1.0, 0.5)
    opt = nn.Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    opt.step()
    m1, v1 = 0.1 * 0.5, 0.001 * 0.25
    x1 = 1.0 - 0.01 * (m1 / 0.1) / (math.sqrt(v1 / 0.001) + 1e-8)
    assert p.data == pytest.approx(x1, rel=1e-12)
    p.grad = -0.3
    opt.step()
    m2 = 0.9 * m1 + 0.1 * -0.3
    v2 = 0.999 * v1 + 0.001 * 0.09
    x2 = x1 - 0.01 * (m2 / (1 - 0.9**2)) / (math.sqrt(v2 / (1 - 0.999**2)) + 1e-8)
    assert p.data == pytest.approx(x2, rel=1e-12)


def test_zero_grad_and_lr_schedule():
    p = _param(1.0, 3.0)
    opt = nn.SGD([p], lr=0.5)
    opt.zero_grad()
    assert p.grad == 0.0
    opt.lr = 0.1
    p.grad = 1.0
    opt.step()
    assert p.data == pytest.approx(0.9)


def test_optimizers_minimise_a_quadratic():
    for make in (lambda ps: nn.SGD(ps, lr=0.1, momentum=0.5), lambda ps: nn.Adam(ps, lr=0.1)):
        x = Value(3.0)
        opt = make([x])
        for _ in range(200):
            loss = (x - 1.0) ** 2
            opt.zero_grad()
            loss.backward()
            opt.step()
        assert x.data == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize(
    "make, pattern",
    [
        (lambda: nn.SGD([], lr=0.1), "got no parameters"),
        (lambda: nn.SGD([1.0], lr=0.1), "parameter 0 must be a Value"),
        (lambda: nn.SGD([Value(1.0)], lr=-1), "lr must be a finite number > 0, got -1"),
        (lambda: nn.SGD([Value(1.0)], lr=0.1, momentum=1.5), "momentum must be a number in \\[0, 1\\), got 1.5"),
        (lambda: nn.Adam([Value(1.0)], betas=(0.9,)), "betas must be two numbers"),
    ],
)
def test_bad_optimizer_arguments(make, pattern):
    with pytest.raises((ValueError, TypeError), match=pattern):
        make()


def test_step_that_overflows_raises_naming_the_parameter():
    p = _param(1e308, -1e308)
    p.label = "w"
    with pytest.raises(FloatingPointError, match=r"SGD: this step would make the value of parameter 0 \('w'\) -?inf"):
        nn.SGD([p], lr=10.0).step()
    assert p.data == 1e308  # nothing was changed
