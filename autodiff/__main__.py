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
    _write_svg(y, args.out)
    _write_page(y, args.out)
    if not args.no_train:
        _train_demo()
    return 0


def _write_svg(root: Value, folder: str) -> None:
    import os

    from .viz import GraphvizNotFound, save

    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "neuron.svg")
    try:
        save(root, path, show_local_grads=True)
    except GraphvizNotFound as e:
        print(f"\nno SVG written: {e}")
        return
    print(f"\ngraph of the neuron after backward: {os.path.abspath(path)}")


def _write_page(root: Value, folder: str) -> None:
    import os

    from .stepper import Stepper
    from .viz import GraphvizNotFound

    path = os.path.join(folder, "backprop.html")
    walk = Stepper(root)
    try:
        walk.save_html(path)
    except GraphvizNotFound as e:
        print(f"no HTML page written: {e}")
        return
    finally:
        walk.run()  # the grads as backward() left them
    print(f"step-by-step backprop page (open in a browser): {os.path.abspath(path)}")


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


def _assignment(text: str) -> tuple[str, float]:
    name, sep, number = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, e.g. x=0.5, got {text!r}")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {number!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{name}: must be finite, got {number!r}")
    return name, value


def _grad(args: argparse.Namespace) -> int:
    from .parse import ExpressionError, evaluate, names, parse

    try:
        tree = parse(args.expression)
    except ExpressionError as e:
        print(f"autodiff grad: {e}", file=sys.stderr)
        return 2
    given = dict(args.assignments)
    if len(given) != len(args.assignments):
        print("autodiff grad: a variable is given twice", file=sys.stderr)
        return 2
    wanted = names(tree)
    unused = [n for n in given if n not in wanted]
    if unused:
        print(f"autodiff grad: note: {', '.join(unused)} not in the expression", file=sys.stderr)
    leaves = {n: Value(given[n], label=n) for n in wanted if n in given}
    try:
        out = evaluate(tree, leaves)
    except ExpressionError as e:
        print(f"autodiff grad: {e}", file=sys.stderr)
        return 2
    except (ArithmeticError, ValueError) as e:
        print(f"autodiff grad: {e}", file=sys.stderr)
        return 1
    out.label = out.label or "f"
    if args.steps:
        from .stepper import Stepper

        stepper = Stepper(out, method=args.method)
        print(f"backprop, {args.method}, step by step:")
        print(stepper.transcript())
        stepper.run()
    else:
        out.backward(method=args.method)
    print(f"value = {out.data!r}")
    width = max(len(n) for n in wanted) if wanted else 0
    for n in wanted:
        print(f"d/d{n:<{width}} = {leaves[n].grad!r}")
    if args.html:
        from .stepper import Stepper
        from .viz import GraphvizNotFound

        walk = Stepper(out, method=args.method)
        try:
            path = walk.save_html(args.html)
        except GraphvizNotFound as e:
            print(f"autodiff grad: {e}", file=sys.stderr)
            return 1
        walk.run()  # the grads printed above, for --svg
        print(f"step-by-step page written to {path}")
    if args.svg:
        from .viz import GraphvizNotFound, save

        try:
            path = save(out, args.svg, show_local_grads=True)
        except GraphvizNotFound as e:
            print(f"autodiff grad: {e}", file=sys.stderr)
            return 1
        print(f"graph written to {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autodiff",
        description="stepgrad's scalar autodiff engine from the command line.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="backpropagate through a neuron, gradcheck it, train a small MLP on moons")
    demo.add_argument("--no-train", action="store_true", help="skip training the small MLP")
    demo.add_argument("--out", default="out", metavar="DIR", help="where to write neuron.svg (default: out)")
    demo.set_defaults(func=_demo)
    grad = sub.add_parser(
        "grad",
        help="value and gradient of an expression",
        description=(
            "Evaluate EXPRESSION at the given point and print its value and its gradient with respect to "
            "each variable. The expression may use numbers, variables, + - * / **, unary -, and "
            "exp log sqrt tanh sigmoid relu abs sum logsumexp; it is parsed with Python's ast and never "
            "executed as code. Exit status: 0 done, 1 math error (e.g. log of a negative), 2 bad input."
        ),
        epilog='example: autodiff grad "tanh(x*w + b)" x=0.5 w=-1.2 b=0.1 --steps --svg neuron.svg',
    )
    grad.add_argument("expression", help='e.g. "tanh(x*w + b)"')
    grad.add_argument("assignments", nargs="*", type=_assignment, metavar="NAME=NUMBER", help="e.g. x=0.5")
    grad.add_argument("--method", choices=["push", "pull"], default="push", help="V2 push (default) or V1 pull")
    grad.add_argument("--steps", action="store_true", help="print every backprop step in plain words")
    grad.add_argument("--svg", metavar="PATH", help="write the graph after backprop (.svg, .png or .dot)")
    grad.add_argument("--html", metavar="PATH", help="write a self-contained page that clicks through every step")
    grad.set_defaults(func=_grad)
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
