# Solutions to the exercises of notebooks/06_softmax_classifier.ipynb, and a planted wrong answer for each.
# tests/test_lessons.py runs the notebook with each section in place of its exercise cell.

# %% exercise: grad-logits
import math


def grad_logits(logits, label):
    top = max(logits)
    exps = [math.exp(a - top) for a in logits]
    total = sum(exps)
    return [e / total - (1.0 if k == label else 0.0) for k, e in enumerate(exps)]


# %% wrong: grad-logits
import math


def grad_logits(logits, label):
    exps = [math.exp(a) for a in logits]
    return [e / sum(exps) for e in exps]  # y_hat alone: the -e_y is missing


# %% exercise: grad-sum
total = 0.0

# %% wrong: grad-sum
total = 1.0

# %% exercise: train-step
def train_step(model, X, y, lr):
    model.zero_grad()
    loss = nn.cross_entropy([model(x) for x in X], y)
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss.data


# %% wrong: train-step
def train_step(model, X, y, lr):
    loss = nn.cross_entropy([model(x) for x in X], y)  # no zero_grad: the grads pile up from step to step
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss.data
