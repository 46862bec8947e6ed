"""A hand-written numpy MLP training step: the floor a batched tape is measured against.

The same step as micrograd's demo and ``plain_mlp.py``: MLP(2, [16, 16, 1]) with ReLU
hidden layers, max-margin loss 1/n sum max(0, 1 - y f) + alpha sum p^2, one SGD update,
with the whole batch as matrices: one matmul per layer forward, two per layer backward.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class NumpyMLP:
    """A weight matrix (outputs, inputs) and a bias vector per layer, laid out as nn.MLP lays out its parameters."""

    def __init__(self, sizes: list[int], flat: list[float]) -> None:
        self.W: list[Any] = []
        self.b: list[Any] = []
        k = 0
        for nin, nout in zip(sizes, sizes[1:]):
            block = np.array(flat[k : k + nout * (nin + 1)], dtype=float).reshape(nout, nin + 1)
            self.W.append(block[:, :nin].copy())
            self.b.append(block[:, nin].copy())
            k += nout * (nin + 1)

    def flat(self) -> list[float]:
        return [v for W, b in zip(self.W, self.b) for v in np.hstack([W, b[:, None]]).ravel().tolist()]

    def step(self, X: Any, y: Any, lr: float, alpha: float = 1e-4) -> float:
        """One SGD step on the batch X (samples, inputs), labels y (samples,) of -1/+1; returns the loss."""
        hs, zs = [X], []
        last = len(self.W) - 1
        for k, (W, b) in enumerate(zip(self.W, self.b)):
            z = hs[-1] @ W.T + b
            zs.append(z)
            hs.append(np.maximum(z, 0.0) if k < last else z)
        margin = 1.0 - y * hs[-1][:, 0]
        n = len(y)
        reg = sum(float((W * W).sum() + b @ b) for W, b in zip(self.W, self.b))
        loss = float(np.maximum(margin, 0.0).sum()) / n + alpha * reg
        dz = np.where(margin > 0.0, -y / n, 0.0)[:, None]  # d(mean hinge)/df, (samples, 1)
        for k in range(last, -1, -1):
            W, b = self.W[k], self.b[k]
            gW, gb = dz.T @ hs[k], dz.sum(axis=0)
            if k:
                dz = (dz @ W) * (zs[k - 1] > 0.0)
            W -= lr * (gW + 2.0 * alpha * W)
            b -= lr * (gb + 2.0 * alpha * b)
        return loss
