"""Command line: ``python -m autodiff demo`` (more subcommands in ``--help``)."""

from __future__ import annotations

import argparse
import ast
import math
import os
import sys
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from . import Value, __version__, gradcheck
from .gradcheck import compare_grads, format_rows
from .viz import MAX_NODES

if TYPE_CHECKING:
    from .stepper import Stepper


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
    from .viz import GraphvizError, GraphvizNotFound, save

    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "neuron.svg")
    try:
        save(root, path, show_local_grads=True)
    except (GraphvizNotFound, GraphvizError) as e:
        print(f"\nno SVG written: {e}")
        return
    print(f"\ngraph of the neuron after backward: {os.path.abspath(path)}")


def _write_page(root: Value, folder: str) -> None:
    from .stepper import Stepper
    from .viz import GraphvizError, GraphvizNotFound

    path = os.path.join(folder, "backprop.html")
    walk = Stepper(root)
    try:
        walk.save_html(path)
    except (GraphvizNotFound, GraphvizError) as e:
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
    print(f"{_cut_at_word(repr(model), 70)}  ({len(model.parameters())} parameters)")
    opt = nn.SGD(model.parameters(), lr=0.1)
    history = nn.fit(model, X, y, loss="hinge", optimizer=opt, epochs=100, l2=1e-4)
    print(history.summary())
    print(f"training accuracy: {cast(float, history.accuracy[-1]) * 100:.1f}%")  # hinge: an accuracy per epoch


# exit statuses of `autodiff grad`
OK, MATH_ERROR, BAD_INPUT, NO_OUTPUT = 0, 1, 2, 3
# errors of the engine's math: domain, division by zero, overflow, non-finite gradient
_MATH_ERRORS = (ArithmeticError, ValueError)  # FloatingPointError, OverflowError, ZeroDivisionError are arithmetic
_OUTPUT_TYPES = {"--svg": (".svg", ".png", ".dot"), "--html": (".html", ".htm")}


class _BadInput(Exception):
    """One line for stderr; `autodiff grad` exits with BAD_INPUT."""


def _assignment(text: str) -> tuple[str, float]:
    # text reads NAME=...: _split_grad_args took as assignments only what _is_assignment accepts
    name, _, number = text.partition("=")
    # the names of an expression are NFKC-normalised by Python's parser; match them
    name = unicodedata.normalize("NFKC", name.strip())
    try:
        value = float(number)
    except ValueError:
        raise _BadInput(f"{name}: {_short(number)!r} is not a number; write e.g. {name}=0.5") from None
    if not math.isfinite(value):
        what = (
            "too large for a float (at most about 1.8e308)"
            if number.strip().lower() not in _NON_FINITE
            else "not finite"
        )
        raise _BadInput(f"{name}: {_short(number)!r} is {what}; give a finite number")
    return name, value


_NON_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


def _shown(path: str) -> str:
    # a file name on one line: quoted when it holds a newline or another control character
    return path if path.isprintable() else repr(path)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _cut_at_word(text: str, limit: int) -> str:
    # a long repr cut after its last whole item (", ") within limit, never mid-word; "..." says so
    cut = text.rfind(", ", 0, limit) if len(text) > limit else -1
    return text if cut <= 0 else text[:cut] + ", ..."


def _assignments(items: Sequence[str]) -> dict[str, float]:
    given: dict[str, float] = {}
    first: dict[str, str] = {}
    for item in items:
        name, value = _assignment(item)
        if name in given:
            raise _BadInput(
                f"{name} is given twice ({_short(first[name])!r} and {_short(item)!r}); give each variable once"
            )
        given[name], first[name] = value, item
    return given


def _check_output(option: str, path: str) -> None:
    # everything that can be known about a file before writing it
    kinds = _OUTPUT_TYPES[option]
    shown = _short(path, 200)
    if not path or "\0" in path:
        raise _BadInput(f"{option}: {shown!r} is not a file name")
    ext = os.path.splitext(path)[1].lower()
    if os.path.isdir(path):
        raise _BadInput(
            f"{option} {shown!r} is a directory; name a file in it, e.g. {os.path.join(shown, 'graph' + kinds[0])}"
        )
    if ext not in kinds:
        raise _BadInput(f"{option} {shown!r}: unknown file type {ext or '(none)'!r}; use {', '.join(kinds)}")
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        what = "is not a directory" if os.path.exists(folder) else "does not exist"
        raise _BadInput(
            f"{option} {shown!r}: the folder {_short(folder, 200)!r} {what}; create it first or pick another"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _BadInput(f"{option} {shown!r}: no permission to write in {_short(folder, 200)!r}; pick another folder")
    if os.path.exists(path) and not os.path.isfile(path):  # a device, a fifo ... (a dangling link is fine)
        raise _BadInput(f"{option} {shown!r} exists and is not a regular file; pick another name")


def _check_outputs(args: argparse.Namespace) -> None:
    outputs = [(option, path) for option, path in (("--html", args.html), ("--svg", args.svg)) if path is not None]
    for option, path in outputs:
        _check_output(option, path)
    if len(outputs) == 2 and os.path.realpath(args.html) == os.path.realpath(args.svg):
        raise _BadInput(f"--html and --svg name the same file {_short(args.svg, 200)!r}; give two names")


def _grad(args: argparse.Namespace) -> int:
    try:
        return _grad_checked(args)
    except _BadInput as e:
        print(f"autodiff grad: {e}", file=sys.stderr)
        return BAD_INPUT
    except _MathError as e:
        print(f"autodiff grad: {e}", file=sys.stderr)
        return MATH_ERROR


class _MathError(Exception):
    """One line for stderr; `autodiff grad` exits with MATH_ERROR."""


def _grad_checked(args: argparse.Namespace) -> int:
    tree, given, wanted = _read_inputs(args)
    leaves = {n: Value(given[n], label=n) for n in wanted}
    out = _forward(tree, leaves)
    walk = _check_sizes(args, out)
    _backward(args, out)
    print(f"value = {out.data!r}")
    width = max(len(n) for n in wanted) if wanted else 0
    for n in wanted:
        print(f"d/d{n:<{width}} = {leaves[n].grad!r}")
    return _write_outputs(args, out, walk)


def _read_inputs(args: argparse.Namespace) -> tuple[ast.expr, dict[str, float], list[str]]:
    """Every input, before any computing: the expression, the numbers, the files."""
    from .parse import ExpressionError, names, parse

    if args.expression is None:
        raise _BadInput('no expression given; e.g. autodiff grad "x**2 + 1" x=3')
    try:
        tree = parse(args.expression)
    except ExpressionError as e:
        raise _BadInput(str(e)) from None
    given = _assignments(args.assignments)
    _check_outputs(args)
    wanted = names(tree)
    missing = [n for n in wanted if n not in given]
    if missing:
        raise _BadInput(f"no value given for {', '.join(missing)}; pass e.g. {missing[0]}=1.0")
    unused = [n for n in given if n not in wanted]
    if unused:
        print(f"autodiff grad: note: {', '.join(unused)} not in the expression", file=sys.stderr)
    return tree, given, wanted


def _forward(tree: ast.expr, leaves: dict[str, Value]) -> Value:
    from .parse import ExpressionError, evaluate

    try:
        out = evaluate(tree, leaves)
    except ExpressionError as e:
        raise _BadInput(str(e)) from None
    except _MATH_ERRORS as e:
        raise _MathError(str(e)) from None
    if not isinstance(out, Value):  # no variable in it: a number
        out = Value(out)
    out.label = out.label or "f"
    return out


def _check_sizes(args: argparse.Namespace, out: Value) -> Stepper | None:
    """The graph's size, checked before anything is written; the page's stepper for --html."""
    from .graph import topological_order
    from .stepper import Stepper

    size = len(topological_order(out))
    walk = Stepper(out, method=args.method) if args.html else None
    if walk is not None and size > walk.max_nodes:
        raise _BadInput(
            f"--html: the graph has {size} nodes, over the page's limit of {walk.max_nodes}; "
            f"use a smaller expression, or --svg (up to {MAX_NODES} nodes)"
        )
    if args.svg and size > MAX_NODES:
        raise _BadInput(
            f"--svg: the graph has {size} nodes, over the drawing limit of {MAX_NODES}; use a smaller expression"
        )
    return walk


def _backward(args: argparse.Namespace, out: Value) -> None:
    from .stepper import Stepper

    try:
        if args.steps:
            stepper = Stepper(out, method=args.method)
            transcript = stepper.transcript()
            stepper.run()
        else:
            out.backward(method=args.method)
    except _MATH_ERRORS as e:
        raise _MathError(str(e)) from None
    if args.steps:
        print(f"backprop, {args.method}, step by step:")
        print(transcript)


def _write_outputs(args: argparse.Namespace, out: Value, walk: Stepper | None) -> int:
    """The files: all made in memory, then written together, or none."""
    from .share import page_bytes
    from .viz import GraphvizError, GraphvizNotFound, export, write_files

    files: list[tuple[str, bytes]] = []
    try:
        if walk is not None:
            files.append((args.html, page_bytes(walk)))
            walk.run()  # the grads printed above, for --svg
        if args.svg:
            files.append((args.svg, export(out, os.path.splitext(args.svg)[1], show_local_grads=True)))
        write_files(files)
    except (GraphvizNotFound, GraphvizError, OSError) as e:
        print(f"autodiff grad: no file written: {e}", file=sys.stderr)
        return NO_OUTPUT
    if args.html:
        print(f"step-by-step page written to {_shown(args.html)}")
    if args.svg:
        print(f"graph written to {_shown(args.svg)}")
    return OK


# the options of `autodiff grad`, and whether each takes a value
_GRAD_OPTIONS = {"--method": True, "--svg": True, "--html": True, "--steps": False, "-h": False, "--help": False}


def _split_grad_args(argv: Sequence[str]) -> tuple[list[str], str | None, list[str]]:
    """Options (each with its value), the expression and the NAME=NUMBER items, in any order.

    A token is an option only if it is one of ``_GRAD_OPTIONS`` (or ``--opt=value``);
    any other token, even one starting with ``-`` (``-x``, ``-3*x``), is a positional.
    Of the positionals, those reading NAME=... are assignments; the one left is the
    expression. After ``--`` everything is positional.
    """
    options: list[str] = []
    positionals: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            positionals.extend(argv[i + 1 :])
            break
        name = token.split("=", 1)[0] if token.startswith("--") else token
        if name in _GRAD_OPTIONS:
            if _GRAD_OPTIONS[name] and name == token and i + 1 < len(argv):
                options.append(f"{token}={argv[i + 1]}")  # the value as given, even if it starts with '-'
                i += 1
            else:
                options.append(token)
        else:
            positionals.append(token)
        i += 1
    assignments = [t for t in positionals if _is_assignment(t)]
    expressions = [t for t in positionals if not _is_assignment(t)]
    if len(expressions) > 1:
        strange = [t for t in expressions if t.startswith("--") and t[2:].replace("-", "").isalnum()]
        if strange:
            raise _BadInput(
                f"{_short(strange[0])!r} is not an option of autodiff grad; the options are {', '.join(_GRAD_OPTIONS)}"
            )
        listed = ", ".join(repr(_short(t)) for t in expressions)
        raise _BadInput(
            f"expected one expression, got {len(expressions)}: {listed}; "
            'quote an expression with spaces ("x * y"), and give values as NAME=NUMBER'
        )
    return options, (expressions[0] if expressions else None), assignments


def _grad_command_at(argv: Sequence[str]) -> int | None:
    # where "grad" is, when only grad's own options (no -h) come before it
    i = 0
    while i < len(argv) and argv[i] != "grad":
        name = argv[i].split("=", 1)[0]
        if name not in _GRAD_OPTIONS or name in ("-h", "--help"):
            return None
        i += 2 if _GRAD_OPTIONS[name] and name == argv[i] else 1
    return i if i < len(argv) else None


def _is_assignment(token: str) -> bool:
    name, sep, _ = token.partition("=")
    return bool(sep) and unicodedata.normalize("NFKC", name.strip()).isidentifier()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autodiff",
        description="stepgrad's scalar autodiff engine from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"autodiff (stepgrad) {__version__}")
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
            "executed as code. Numbers in it stay plain numbers, so x**2 works for a negative x; only an "
            "exponent with a variable in it (2**x) needs a positive base. "
            "Options, the expression and the NAME=NUMBER values may come in any order, and an expression may "
            'start with "-" (autodiff grad -x x=2): only the options listed below are options, and after '
            '"--" nothing is. Output files are checked (folder, file type) before anything is computed, the '
            "graph's size before anything is written, and they are written together or not at all. "
            "Exit status: 0 done, 1 math error (e.g. log of a negative, an overflow), 2 bad input "
            "(expression, values, file names, a graph too big to draw), 3 no file written (Graphviz missing "
            "or failing, a disk error)."
        ),
        epilog='example: autodiff grad "tanh(x*w + b)" x=0.5 w=-1.2 b=0.1 --steps --svg neuron.svg',
    )
    # the positionals are sorted out by _split_grad_args, so that any order works
    grad.add_argument("expression", nargs="?", help='e.g. "tanh(x*w + b)" or -x')
    grad.add_argument("assignments", nargs="*", metavar="NAME=NUMBER", help="e.g. x=0.5")
    grad.add_argument("--method", choices=["push", "pull"], default="push", help="V2 push (default) or V1 pull")
    grad.add_argument("--steps", action="store_true", help="print every backprop step in plain words")
    grad.add_argument(
        "--svg", metavar="PATH", help=f"write the graph after backprop (.svg, .png or .dot; at most {MAX_NODES} nodes)"
    )
    grad.add_argument(
        "--html",
        metavar="PATH",
        help="write a self-contained page that clicks through every step (.html or .htm; at most 500 nodes)",
    )
    grad.set_defaults(func=_grad)
    _add_playground(sub)
    return parser


def _add_playground(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .serve import DEFAULT_FOLDER

    play = sub.add_parser(
        "playground",
        help="serve the playground (the engine in a browser page) on 127.0.0.1 and open it",
        description=(
            "Serve a built playground folder on 127.0.0.1 and open it in the browser: type an expression, "
            "see its value, gradients and graph, step through backprop, run gradcheck; stepgrad itself runs "
            "in the page (Pyodide), nothing is installed or sent anywhere. Build the folder first with "
            "`make playground` in a clone of stepgrad; it is a static site that any web server can host."
        ),
    )
    play.add_argument(
        "--dir", default=DEFAULT_FOLDER, metavar="DIR", help=f"the built site (default: {DEFAULT_FOLDER})"
    )
    play.add_argument(
        "--port", type=int, default=8000, help="the port on 127.0.0.1 (default: 8000; 0 picks a free one)"
    )
    play.add_argument("--no-browser", action="store_true", help="serve only; do not open a browser")
    play.set_defaults(func=_playground)


def _playground(args: argparse.Namespace) -> int:
    from .serve import check_folder, serve

    problem = check_folder(args.dir)
    if problem is not None:
        print(f"autodiff playground: {problem}", file=sys.stderr)
        return BAD_INPUT
    try:
        serve(args.dir, args.port, open_browser=not args.no_browser)
    except OSError as e:  # the port is taken, or not ours to bind
        print(
            f"autodiff playground: cannot serve on 127.0.0.1:{args.port}: {e.strerror or e}; try --port 0",
            file=sys.stderr,
        )
        return BAD_INPUT
    return OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    at = _grad_command_at(argv)
    if at is not None:
        try:
            options, expression, assignments = _split_grad_args(argv[:at] + argv[at + 1 :])
        except _BadInput as e:
            print(f"autodiff grad: {e}", file=sys.stderr)
            return BAD_INPUT
        args = parser.parse_args(["grad", *options])
        args.expression, args.assignments = expression, assignments
        return cast(int, args.func(args))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return cast(int, args.func(args))


if __name__ == "__main__":
    sys.exit(main())
