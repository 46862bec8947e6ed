"""A hand-written plain-float MLP training step: the reference compiled code is measured against.

The same step as micrograd's demo: MLP(2, [16, 16, 1]) with ReLU hidden layers,
max-margin loss 1/n sum max(0, 1 - y f) + alpha sum p^2, one SGD update, with
forward and backward written out by hand over lists of floats (no autodiff).
"""

from __future__ import annotations


class PlainMLP:
    """Weights as lists of floats, laid out as nn.MLP lays out its parameters."""

    def __init__(self, sizes: list[int], flat: list[float]) -> None:
        self.sizes = sizes
        self.W: list[list[list[float]]] = []
        self.b: list[list[float]] = []
        k = 0
        for nin, nout in zip(sizes, sizes[1:]):
            W, b = [], []
            for _ in range(nout):
                W.append(flat[k : k + nin])
                b.append(flat[k + nin])
                k += nin + 1
            self.W.append(W)
            self.b.append(b)

    def flat(self) -> list[float]:
        return [v for W, b in zip(self.W, self.b) for row, bj in zip(W, b) for v in row + [bj]]

    def step(self, X: list[list[float]], y: list[int], lr: float, alpha: float = 1e-4) -> float:
        L = len(self.W)
        gW = [[[0.0] * len(row) for row in W] for W in self.W]
        gb = [[0.0] * len(b) for b in self.b]
        n = len(X)
        total = 0.0
        for x, t in zip(X, y):
            hs = [x]
            zs = []
            for k in range(L):
                h = hs[-1]
                z = [sum(w * hi for w, hi in zip(row, h)) + bj for row, bj in zip(self.W[k], self.b[k])]
                zs.append(z)
                hs.append([v if v > 0.0 else 0.0 for v in z] if k < L - 1 else z)
            f = hs[-1][0]
            margin = 1.0 - t * f
            if margin <= 0.0:
                continue
            total += margin
            dz = [-t / n]  # d(mean hinge)/df
            for k in range(L - 1, -1, -1):
                h = hs[k]
                for j, d in enumerate(dz):
                    row = gW[k][j]
                    for i, hi in enumerate(h):
                        row[i] += d * hi
                    gb[k][j] += d
                if k:
                    W = self.W[k]
                    dh = [sum(W[j][i] * dz[j] for j in range(len(dz))) for i in range(len(h))]
                    dz = [d if z > 0.0 else 0.0 for d, z in zip(dh, zs[k - 1])]
        reg = 0.0
        for k in range(L):
            for j, row in enumerate(self.W[k]):
                for i, w in enumerate(row):
                    reg += w * w
                    row[i] = w - lr * (gW[k][j][i] + 2 * alpha * w)
                bj = self.b[k][j]
                reg += bj * bj
                self.b[k][j] = bj - lr * (gb[k][j] + 2 * alpha * bj)
        return total / n + alpha * reg
