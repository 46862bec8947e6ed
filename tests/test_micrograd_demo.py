"""micrograd's demo.ipynb runs on stepgrad by changing only its imports.

The demo's code below is as micrograd 0.1.0's demo notebook has it, with the
imports changed:  micrograd.engine -> autodiff, micrograd.nn -> nn, and
sklearn.datasets.make_moons -> nn.data.make_moons (the demo's numpy calls stay).
"""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")

DEMO = """
import random
import numpy as np
from autodiff import Value
from nn import Neuron, Layer, MLP
from nn.data import make_moons

np.random.seed(1337)
random.seed(1337)

X, y = make_moons(n_samples=100, noise=0.1)
y = y*2 - 1 # make y be -1 or 1

model = MLP(2, [16, 16, 1]) # 2-layer neural network
print(model)
print("number of parameters", len(model.parameters()))

def loss(batch_size=None):
    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

total_loss, acc = loss()
print(total_loss, acc)

# optimization
for k in range(STEPS):

    # forward
    total_loss, acc = loss()

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad

    if k % 1 == 0:
        print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
"""


def test_micrograd_demo_runs_with_changed_imports(capsys):
    namespace = {"STEPS": 40}
    exec(compile(DEMO, "micrograd_demo", "exec"), namespace)  # our fixed test text, not user input
    out = capsys.readouterr().out
    assert "number of parameters 337" in out
    assert out.splitlines()[0].startswith("MLP of [Layer of [ReLUNeuron(2)")
    last = out.strip().splitlines()[-1]
    assert last.startswith("step 39 loss")
    assert float(last.split("accuracy ")[1].rstrip("%")) >= 95.0
    first_loss = float(out.splitlines()[3].split("loss ")[1].split(",")[0])
    assert namespace["total_loss"].data < first_loss


def test_demo_starts_from_micrograds_own_loss():
    # random.seed(1337) in the demo now matters: our MLP starts from micrograd's weights,
    # so the demo's first loss is the one micrograd itself computes on the same points
    namespace = {"STEPS": 0}
    exec(compile(DEMO, "micrograd_demo", "exec"), namespace)  # our fixed test text, not user input
    mg_engine = pytest.importorskip("micrograd.engine")
    mg_nn = pytest.importorskip("micrograd.nn")
    import random

    random.seed(1337)
    theirs = mg_nn.MLP(2, [16, 16, 1])
    X, y = namespace["X"], namespace["y"]
    scores = [theirs([mg_engine.Value(float(a)) for a in row]) for row in X]
    data_loss = sum((1 + -float(yi) * s).relu() for yi, s in zip(y, scores)) * (1.0 / len(scores))
    total = data_loss + 1e-4 * sum(p * p for p in theirs.parameters())
    assert namespace["total_loss"].data == pytest.approx(total.data, rel=1e-12, abs=0.0)


def test_demo_sets_grad_to_zero_by_hand_too():
    # the demo's other idiom: `for p in model.parameters(): p.grad = 0.0`, then a fresh
    # backward gives this pass's gradient again, not twice it (nothing else holds old grads)
    from nn import MLP

    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    first = [p.grad for p in model.parameters()]
    assert any(g != 0.0 for g in first)
    for p in model.parameters():
        p.grad = 0.0
    model([1.0, 2.0]).backward()
    assert [p.grad for p in model.parameters()] == first
    model([1.0, 2.0]).backward()  # without zeroing, grads accumulate
    assert [p.grad for p in model.parameters()] == [2 * g for g in first]
