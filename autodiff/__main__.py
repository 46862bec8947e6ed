"""Command line: ``python -m autodiff demo`` (more subcommands in ``--help``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import Value, gradcheck
from .gradcheck import compare_grads, format_rows


def _demo(args: argparse.Namespace) -> int:
    print("stepgrad demo: a neuron y = tanh(x1*w1 + x2*w2 + b)\n")
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.881373587, label="b")

    def neuron(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
        return (x1 * w1 + x2 * w2 + b).tanh()

    inputs = [x1, x2, w1, w2, b]
    y = neuron(*inputs)
    y.label = "y"
    y.backward()
    print(f"forward:  y = {y.data:.6f}")
    print("backward (push, V2): dy/d(input)")
    for v in inputs:
        print(f"  {v.label:<3} = {v.data:>10.6f}   grad = {v.grad:>10.6f}")
    print("\ngradcheck against central differences (eps=1e-6):")
    print(format_rows(compare_grads(neuron, inputs)))
    gradcheck(neuron, inputs)
    print("gradcheck: passed")
    if not args.no_train:
        _train_demo()
    return 0


def _train_demo() -> None:
    import nn

    print("\nnn: MLP(2, [16, 16, 1]) on 100 moons, max-margin loss + 1e-4 L2, SGD")
    X, y01 = nn.moons(100, noise=0.1, seed=0)
    y = [2 * t - 1 for t in y01]
    model = nn.MLP(2, [16, 16, 1], seed=0)
    print(f"{model!r:.70}...  ({len(model.parameters())} parameters)")
    opt = nn.SGD(model.parameters(), lr=0.1)
    history = nn.fit(model, X, y, loss="hinge", optimizer=opt, epochs=100, l2=1e-4)
    print(history.summary())
    print(f"training accuracy: {history.accuracy[-1] * 100:.1f}%")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autodiff",
        description="stepgrad's scalar autodiff engine from the command line.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="backpropagate through a neuron, gradcheck it, train a small MLP on moons")
    demo.add_argument("--no-train", action="store_true", help="skip training the small MLP")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
