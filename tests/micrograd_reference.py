"""micrograd's demo loop, for tests/test_micrograd_compat.py, and the reference run of it.

``python -m tests.micrograd_reference`` runs the loop on micrograd 0.1.0 and prints
its losses, accuracies and final parameters as JSON. tests/conftest.py starts it in a
process of its own when the comparison test is collected, so micrograd's minute runs
beside the rest of the suite on the machine's other core.
"""

from __future__ import annotations

import gc
import json
import random
import sys

DEMO_STEPS = 100


def demo_data():
    import nn

    X, y = nn.data.make_moons(n_samples=100, noise=0.1)
    return X.tolist(), [2 * t - 1 for t in y.tolist()]


def demo_run(V, MLP, X, y, steps, after_step=lambda: None):
    """micrograd's demo.ipynb training loop, full batch, as the notebook writes it."""
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    printed = []

    def loss():
        inputs = [list(map(V, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    for k in range(steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        printed.append((total_loss.data, acc))
        after_step()
    return printed, [p.data for p in model.parameters()]


def main() -> None:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    gc.disable()  # micrograd's closures make reference cycles: collect once a step instead
    printed, params = demo_run(Value, MLP, *demo_data(), DEMO_STEPS, after_step=gc.collect)
    json.dump({"printed": printed, "params": params}, sys.stdout)


if __name__ == "__main__":
    main()
