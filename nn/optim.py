"""Optimizers: SGD (with momentum and weight decay) and Adam, as PyTorch defines them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from autodiff import Value


def _params(params: Iterable[Value], who: str) -> list[Value]:
    ps = list(params)
    if not ps:
        raise ValueError(f"{who}: got no parameters; pass model.parameters()")
    for i, p in enumerate(ps):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: parameter {i} must be a Value, got {type(p).__name__}")
    return ps


def _rate(x: float, name: str, who: str, lo: float = 0.0, hi: float = math.inf) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not lo <= x < hi:
        raise ValueError(f"{who}: {name} must be a number in [{lo}, {hi}), got {x!r}")
    return float(x)


class Optimizer:
    """Holds the parameters; ``zero_grad()`` clears their grads, ``step()`` updates their data."""

    params: list[Value]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def _check_finite(self) -> None:
        # an update that overflowed would poison every later step: stop here instead
        for p in self.params:
            if not -math.inf < p.data < math.inf:
                name = f"{p.label!r}" if p.label else f"{self.params.index(p)}"
                raise FloatingPointError(
                    f"{type(self).__name__}: parameter {name} became {p.data!r} after a step; "
                    "lower the learning rate or scale the inputs and targets"
                )


class SGD(Optimizer):
    """``g = grad + weight_decay * p``; ``v = momentum * v + g``; ``p -= lr * v``.

    With ``momentum=0`` this is plain ``p.data -= lr * p.grad``. ``lr`` may be
    changed between steps (a schedule).
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        self.params = _params(params, "SGD")
        self.lr = _rate(lr, "lr", "SGD")
        self.momentum = _rate(momentum, "momentum", "SGD", 0.0, 1.0)
        self.weight_decay = _rate(weight_decay, "weight_decay", "SGD")
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        if mu == 0.0 and wd == 0.0:
            for p in self.params:
                p.data -= lr * p.grad
            self._check_finite()
            return
        vel = self.velocity
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data
            vel[i] = mu * vel[i] + g if mu else g
            p.data -= lr * vel[i]
        self._check_finite()


class Adam(Optimizer):
    """Adam (Kingma & Ba): bias-corrected first and second moments of the gradient.

    ``m = b1 m + (1 - b1) g``; ``v = b2 v + (1 - b2) g^2``;
    ``p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.params = _params(params, "Adam")
        self.lr = _rate(lr, "lr", "Adam")
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be two numbers (b1, b2), got {betas!r}")
        self.betas = (_rate(betas[0], "betas[0]", "Adam", 0.0, 1.0), _rate(betas[1], "betas[1]", "Adam", 0.0, 1.0))
        self.eps = _rate(eps, "eps", "Adam")
        self.weight_decay = _rate(weight_decay, "weight_decay", "Adam")
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.t = 0

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1 = 1.0 - b1**self.t
        c2 = 1.0 - b2**self.t
        for i, p in enumerate(self.params):
            g = p.grad + self.weight_decay * p.data
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g
            p.data -= self.lr * (self.m[i] / c1) / (math.sqrt(self.v[i] / c2) + self.eps)
        self._check_finite()
