"""The playground's Python: what the page runs in the browser (Pyodide) when a learner types.

Each function takes the page's text and returns JSON text for the page's script: the results,
or ``{"error": one line}``. The expression goes through the command line itself
(``autodiff grad``: the same ``parse`` allow-list, the same checks, the same printing and the
same one-line errors); the picture is ``draw``'s DOT and the steps are the HTML walk-through's
(``share.walk_data``), which the page lays out with its own Graphviz (viz.js) and replays.
Nothing here touches the page, the network or a file; the same calls run under CPython in the
tests.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from collections.abc import Mapping

from .__main__ import main as command_line
from .dot_source import HIGHLIGHT
from .gradcheck import compare_grads, format_rows
from .parse import ExpressionError, evaluate, names, parse
from .share import legend, walk_data
from .stepper import Stepper
from .value import Value

__all__ = ["check", "grad", "variables"]


def _error(message: str) -> str:
    return json.dumps({"error": message})


def variables(expression: str) -> str:
    """``{"names": [...]}``: the expression's variables in order of first use; or its error."""
    try:
        return json.dumps({"names": names(parse(expression))})
    except ExpressionError as e:
        return _error(str(e))


def _run_command_line(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = command_line(argv)
        except SystemExit as e:  # argparse's own errors
            status = e.code if isinstance(e.code, int) else 2
    return status, out.getvalue(), err.getvalue()


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    last = lines[-1] if lines else "failed, with no message"
    return last.removeprefix("autodiff grad: ")


def _root(expression: str, values: Mapping[str, str]) -> tuple[Value, list[Value]]:
    # the graph the command line just computed, made again (the command line keeps none)
    tree = parse(expression)
    leaves = [Value(float(values[n]), label=n) for n in names(tree)]
    out = evaluate(tree, {v.label: v for v in leaves})
    root = out if isinstance(out, Value) else Value(out)
    root.label = root.label or "f"
    return root, leaves


def grad(expression: str, values: Mapping[str, str], method: str = "push") -> str:
    """``autodiff grad EXPRESSION NAME=VALUE... --method METHOD`` for the page.

    ``{"lines": [...]}`` (what the command line prints: ``value = ...``, ``d/dx = ...``), with
    ``"dot"`` (the picture's DOT source), ``"walk"`` (the steps' data, as ``share.walk_data``),
    ``"legend"`` (HTML), ``"highlight"`` (the current step's colour) and ``"names"``; or
    ``{"error": ...}``, the command line's own line.
    """
    status, printed, errors = _run_command_line(["grad", "--method", method, "--", expression, *_items(values)])
    if status != 0:
        return _error(_one_line(errors))
    try:
        root, leaves = _root(expression, values)
        walk = Stepper(root, method=method, quiz=True)  # its data carries the quiz the page may turn on
        g, data = walk_data(walk)
    except ValueError as e:  # a graph over the page's limit of nodes
        return _error(str(e))
    return json.dumps(
        {
            "lines": printed.splitlines(),
            "dot": g.source,
            "walk": data,
            "legend": legend(walk),
            "highlight": HIGHLIGHT,
            "names": [v.label for v in leaves],
        }
    )


def check(expression: str, values: Mapping[str, str], method: str = "push") -> str:
    """``gradcheck`` of the expression at the values: ``{"table": ..., "passed": ..., "warnings": [...]}``
    (the table as ``format_rows`` prints it, a warning per kink crossed), or ``{"error": ...}``."""
    status, _, errors = _run_command_line(["grad", "--method", method, "--", expression, *_items(values)])
    if status != 0:
        return _error(_one_line(errors))
    tree = parse(expression)
    wanted = names(tree)
    if not wanted:
        return _error("gradcheck needs a variable to move; this expression has none (e.g. x**2 + 1)")

    def f(*xs: Value) -> Value:
        out = evaluate(tree, dict(zip(wanted, xs)))
        return out if isinstance(out, Value) else Value(out)

    inputs = [Value(float(values[n]), label=n) for n in wanted]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rows = compare_grads(f, inputs, method=method)
        except (ArithmeticError, ValueError) as e:  # a step of eps off the point leaves the function's domain
            return _error(f"gradcheck: {e}")
    return json.dumps(
        {
            "table": format_rows(rows),
            "passed": all(r.ok for r in rows),
            "warnings": [str(w.message) for w in caught],
        }
    )


def _items(values: Mapping[str, str]) -> list[str]:
    return [f"{n}={v}" for n, v in values.items()]
