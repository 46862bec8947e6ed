"""A lesson's check accepts every right answer a learner may write, and rejects plausible wrong ones.

``notebooks/solutions/`` holds one answer and one planted wrong answer per exercise, which
``tests/test_lessons.py`` runs; a learner writes others: a list where the solution has a tuple, an
iterator where it has a list, an equivalent formula. Each case here runs a lesson's code cells in one
namespace (without a kernel, figures to Agg) up to an exercise, puts the learner's answer in the
exercise cell (the earlier exercises solved), runs its check cell and reads the line it prints.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from autodiff import lesson

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def solved(stem: str) -> dict[str, str]:
    """``exercise id -> solution code`` from ``notebooks/solutions/<stem>.py``."""
    text = (NOTEBOOKS / "solutions" / f"{stem}.py").read_text(encoding="utf-8")
    parts = text.split("# %% ")[1:]
    heads = [part.split("\n", 1) for part in parts]
    return {head.split(": ", 1)[1].strip(): body for head, body in heads if head.startswith("exercise: ")}


def check_says(stem: str, exercise: str, answer: str) -> str:
    """What ``exercise``'s check cell prints with ``answer`` in the exercise cell."""
    pytest.importorskip("matplotlib").use("Agg")
    cells = json.loads((NOTEBOOKS / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
    answers = solved(stem)
    namespace: dict = {"__name__": "__lesson__"}
    for k, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        meta = cell.get("metadata", {})
        code = "".join(cell["source"])
        if "exercise" in meta.get("tags", []):
            if meta["exercise"] == exercise:
                exec(compile(answer, f"{stem}:{exercise}", "exec"), namespace)
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(compile("".join(cells[k + 1]["source"]), f"{stem}:check", "exec"), namespace)
                return out.getvalue().strip()
            code = answers[meta["exercise"]]
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, f"{stem}:cell {k}", "exec"), namespace)
    raise AssertionError(f"{stem} has no exercise {exercise!r}")


N01, N02, N03 = "01_build_it_from_scratch", "02_values_and_chain_rule", "03_backprop_v1_vs_v2"
N04, N05 = "04_linear_chain_vanishing_exploding", "05_two_layer_relu_regression"
N06, N12 = "06_softmax_classifier", "12_why_a_topological_order"

RIGHT_ANSWERS = {
    "01 sigmoid, parents as a list": (
        N01,
        "sigmoid",
        "def sigmoid(a):\n    s = 1 / (1 + math.exp(-a.data))\n    return V(s, [a], [s * (1 - s)])\n",
    ),
    "01 sigmoid, the quotient rule unsimplified": (
        N01,
        "sigmoid",
        "def sigmoid(a):\n    e = math.exp(-a.data)\n    return V(1 / (1 + e), (a,), (e / (1 + e) ** 2,))\n",
    ),
    "01 hand backprop, ints in a tuple": (N01, "hand-backprop", "grads_by_hand = (-4, -2, 4)\n"),
    "03 order, an iterator": (
        N03,
        "order-fix",
        "def backward_order(root):\n    return reversed(autodiff.topological_order(root))\n",
    ),
    "06 grad_logits, a tuple without the max shift": (
        N06,
        "grad-logits",
        "import math\n\n\n"
        "def grad_logits(logits, label):\n"
        "    e = [math.exp(a) for a in logits]\n"
        "    return tuple(v / sum(e) - (k == label) for k, v in enumerate(e))\n",
    ),
    "06 the sum, an int": (N06, "grad-sum", "total = 0\n"),
    "02 central, halved after": (N02, "central", "def central(f, x, h):\n    return (f(x + h) - f(x - h)) / h / 2\n"),
    "02 dg, factored": (N02, "product-chain", "def dg(x):\n    return x * (2 - x) * math.exp(-x)\n"),
    "04 factor, tanh of the input": (N04, "tanh-factor", "factor = 1 - math.tanh(z_star + 0.1) ** 2\n"),
    "04 init, a power": (N04, "init-scale", "def init_std(fan_in):\n    return fan_in**-0.5\n"),
    "05 one entry, through delta": (
        N05,
        "one-entry",
        "def grad_W1_entry(i, j):\n    return delta[i] * x[j]\n",
    ),
    "05 the rule, transposed twice": (
        N05,
        "matrix-rule",
        "def grad_B(G, C):\n    return transpose(matmul(C, transpose(G)))\n",
    ),
    "05 the loop, zero_grad after the step": (
        N05,
        "training-loop",
        "def train_by_hand(model, X, Y, lr, steps):\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        loss = nn.mse([model(x) for x in X], Y)\n"
        "        loss.backward()\n"
        "        for p in model.parameters():\n"
        "            p.data -= lr * p.grad\n"
        "        model.zero_grad()\n"
        "        losses.append(loss.data)\n"
        "    return losses\n",
    ),
    "12 calls, a shift": (N12, "ladder-calls", "def calls_into_x0(rungs):\n    return 1 << rungs\n"),
    "12 may push, not waiting": (N12, "when-to-push", "def may_push(waiting):\n    return not waiting\n"),
}

WRONG_ANSWERS = {
    "01 sigmoid, tanh's derivative": (
        N01,
        "sigmoid",
        "def sigmoid(a):\n    s = 1 / (1 + math.exp(-a.data))\n    return V(s, [a], [1 - s * s])\n",
    ),
    "01 sigmoid, a parent that is not a": (
        N01,
        "sigmoid",
        "def sigmoid(a):\n    s = 1 / (1 + math.exp(-a.data))\n    return V(s, [V(a.data)], [s * (1 - s)])\n",
    ),
    "03 order, parents first as an iterator": (
        N03,
        "order-fix",
        "def backward_order(root):\n    return iter(autodiff.topological_order(root))\n",
    ),
    "05 one entry, no ReLU gate": (
        N05,
        "one-entry",
        "def grad_W1_entry(i, j):\n    return sum(r[k] * W2d[k][i] for k in range(m)) * x[j]\n",
    ),
    "05 the loop, grads zeroed before the update": (
        N05,
        "training-loop",
        "def train_by_hand(model, X, Y, lr, steps):\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        loss = nn.mse([model(x) for x in X], Y)\n"
        "        losses.append(loss.data)\n"
        "        loss.backward()\n"
        "        model.zero_grad()\n"
        "        for p in model.parameters():\n"
        "            p.data -= lr * p.grad\n"
        "    return losses\n",
    ),
    "06 grad_logits, e_y minus y_hat": (
        N06,
        "grad-logits",
        "import math\n\n\n"
        "def grad_logits(logits, label):\n"
        "    e = [math.exp(a) for a in logits]\n"
        "    return [(k == label) - v / sum(e) for k, v in enumerate(e)]\n",
    ),
    "12 may push, always": (N12, "when-to-push", "def may_push(waiting):\n    return waiting >= 0\n"),
}


@pytest.mark.requires_dot
@pytest.mark.parametrize("case", sorted(RIGHT_ANSWERS))
def test_the_check_accepts_a_right_answer_written_another_way(case: str):
    stem, exercise, answer = RIGHT_ANSWERS[case]
    said = check_says(stem, exercise, answer)
    assert said.startswith(lesson.RIGHT), said


@pytest.mark.requires_dot
@pytest.mark.parametrize("case", sorted(WRONG_ANSWERS))
def test_the_check_rejects_a_plausible_wrong_answer_with_a_reason(case: str):
    stem, exercise, answer = WRONG_ANSWERS[case]
    said = check_says(stem, exercise, answer)
    assert said.startswith(lesson.WRONG) and "Hint:" in said, said
