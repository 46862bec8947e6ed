"""Regenerate the pictures under docs/ (run from the project root: python docs/render.py)."""

from __future__ import annotations

from pathlib import Path

from autodiff import Stepper, Value

HERE = Path(__file__).resolve().parent


def neuron_step() -> Stepper:
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.1, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    stepper = Stepper(f)
    stepper.goto(5)  # just after x.grad += (∂n2/∂x = w) × n2.grad
    return stepper


if __name__ == "__main__":
    s = neuron_step()
    (HERE / "neuron_step.svg").write_text(s.svg(), encoding="utf-8")
    print(s.explain())
    print(f"wrote {HERE / 'neuron_step.svg'}")
