"""Trust, command line: numbers stay numbers, every output is checked before anything is
computed or written, options go anywhere, and each kind of failure has its own exit status."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest

import autodiff
import autodiff.parse
from autodiff import Value
from autodiff.__main__ import BAD_INPUT, MATH_ERROR, NO_OUTPUT, OK, main
from autodiff.parse import evaluate, parse


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("autodiff grad: "), err
    return lines[0]


# -- numbers are numbers ---------------------------------------------------------


@pytest.mark.parametrize("expr, n", [("x**2", 2.0), ("x**3", 3.0), ("x**(-1)", -1.0), ("x**-1", -1.0), ("x**-2", -2.0)])
def test_literal_exponent_works_for_a_negative_base(expr, n, capsys):
    code, out, err = run(["grad", expr, "x=-3"], capsys)
    assert code == OK, err
    x = Value(-3.0, label="x")
    y = x**n
    y.backward()
    assert out.splitlines() == [f"value = {y.data!r}", f"d/dx = {x.grad!r}"]
    assert y.data == (-3.0) ** n  # what Python's floats say


def test_non_integer_exponent_of_a_negative_base_says_so(capsys):
    code, out, err = run(["grad", "x**0.5", "x=-4"], capsys)
    assert code == MATH_ERROR and out == ""
    assert "negative base -4.0 with non-integer exponent 0.5" in one_line(err)


def test_exponent_with_a_variable_takes_the_value_exponent_rule(capsys):
    code, out, _ = run(["grad", "2**x", "x=3"], capsys)
    assert code == OK
    assert out.splitlines() == ["value = 8.0", f"d/dx = {8.0 * math.log(2.0)!r}"]
    code, _, err = run(["grad", "(-2)**x", "x=3"], capsys)
    assert code == MATH_ERROR and "base must be > 0 when the exponent is a Value" in one_line(err)


def test_constant_subexpressions_are_floats_not_nodes():
    x = Value(2.0, label="x")
    out = evaluate(parse("x * (2 * 3) + -4"), {"x": x})
    nodes, _ = autodiff.trace(out)
    assert [v.data for v in nodes if not v.parents and v is not x] == [6.0, -4.0]  # two constant leaves, folded
    assert len(nodes) == 5  # x, 6, x*6, -4, sum
    assert evaluate(parse("2 * 3"), {}) == 6.0 and type(evaluate(parse("-(2)"), {})) is float
    assert evaluate(parse("log(2) * 3"), {}) == math.log(2.0) * 3.0


def test_expression_without_a_variable_prints_its_value(capsys):
    assert run(["grad", "2**10 - 1"], capsys)[:2] == (OK, "value = 1023.0\n")


@pytest.mark.parametrize(
    "expr, message",
    [
        ("(-8)**(1/3) + x", "negative base -8.0 with non-integer exponent"),
        ("1/0 + x", "division by zero"),
        ("1e308 * 10 + x", "result is inf"),
        ("10.0**400 + x", "overflows"),
        ("log(0 - 1) * x", "log: input must be > 0"),
    ],
)
def test_math_error_among_constants_is_a_math_error_never_inf_or_complex(expr, message, capsys):
    code, out, err = run(["grad", expr, "x=1"], capsys)
    assert (code, out) == (MATH_ERROR, "")
    assert message in one_line(err)


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" + "0" * 400, "9" * 5000])
def test_number_too_large_for_a_float_is_bad_input(number, capsys):
    code, out, err = run(["grad", "x", f"x={number}"], capsys)
    assert (code, out) == (BAD_INPUT, "")
    assert "too large for a float" in one_line(err)
    code, out, err = run(["grad", f"x + {number}", "x=1"], capsys)
    assert (code, out) == (BAD_INPUT, "")
    assert "too large for a float" in one_line(err)


@pytest.mark.parametrize("number", ["nan", "inf", "-Infinity", "abc", "", "1,5", "0x10"])
def test_non_finite_or_non_number_value_is_bad_input(number, capsys):
    code, out, err = run(["grad", "x", f"x={number}"], capsys)
    assert (code, out) == (BAD_INPUT, "")
    assert one_line(err).startswith("autodiff grad: x: ")


def test_variable_given_twice_is_named(capsys):
    code, out, err = run(["grad", "x*y", "y=1", "x=1", "x=2"], capsys)
    assert (code, out) == (BAD_INPUT, "")
    assert "x is given twice ('x=1' and 'x=2')" in one_line(err)


def test_unicode_variable_names_match_as_python_reads_them(capsys):
    # Python's parser folds "ﬁ" (a ligature) into "fi"; a value given as ﬁ=2 must reach it
    assert run(["grad", "ﬁ * é", "ﬁ=2", "é=3"], capsys)[:2] == (OK, "value = 6.0\nd/dfi = 3.0\nd/dé  = 2.0\n")


# -- math errors are exit 1, whatever part of the engine raises them ---------------


@pytest.mark.parametrize("error", [FloatingPointError, OverflowError, ValueError, ZeroDivisionError])
def test_math_error_in_backward_exits_1_with_one_line(error, capsys, monkeypatch):
    def fail(self, method="push"):
        raise error("d/dx: gradient is inf at edge x -> f; scale the input")

    monkeypatch.setattr(Value, "backward", fail)
    code, out, err = run(["grad", "x*x", "x=2"], capsys)
    assert (code, out) == (MATH_ERROR, "")
    assert one_line(err) == "autodiff grad: d/dx: gradient is inf at edge x -> f; scale the input"


# -- every output checked before anything is computed or written -------------------


def _hostile_paths(tmp_path):
    (tmp_path / "dir.svg").mkdir()
    (tmp_path / "file").write_text("")
    (tmp_path / "null.svg").symlink_to("/dev/null")
    return [
        ("--svg", str(tmp_path / "nodir" / "a.svg"), "does not exist"),
        ("--svg", str(tmp_path / "a.txt"), "unknown file type '.txt'; use .svg, .png, .dot"),
        ("--svg", str(tmp_path / "a"), "unknown file type '(none)'"),
        ("--svg", str(tmp_path), "is a directory"),
        ("--svg", str(tmp_path / "dir.svg"), "is a directory"),
        ("--svg", str(tmp_path / "file" / "a.svg"), "is not a directory"),
        ("--svg", str(tmp_path / "null.svg"), "is not a regular file"),
        ("--svg", "", "is not a file name"),
        ("--svg", str(tmp_path / "a\0.svg"), "is not a file name"),
        ("--html", str(tmp_path / "w.svg"), "unknown file type '.svg'; use .html, .htm"),
        ("--html", str(tmp_path / "nodir" / "w.html"), "does not exist"),
    ]


def test_bad_output_path_exits_2_with_one_line_before_computing(tmp_path, capsys, monkeypatch):
    def no_computing(*a, **k):
        raise AssertionError("the expression was computed")

    monkeypatch.setattr(autodiff.parse, "evaluate", no_computing)
    for option, path, message in _hostile_paths(tmp_path):
        before = sorted(os.listdir(tmp_path))
        code, out, err = run(["grad", "x*x", "x=3", option, path], capsys)
        assert (code, out) == (BAD_INPUT, ""), (path, err)
        assert message in one_line(err), (path, err)
        assert sorted(os.listdir(tmp_path)) == before
        assert os.path.isdir(tmp_path / "dir.svg") and os.readlink(tmp_path / "null.svg") == "/dev/null"


def test_a_folder_without_write_permission_is_named_before_computing(tmp_path, capsys, monkeypatch):
    # root may write anywhere, so the permission check is made to say no for this folder only
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if os.fspath(p) == str(locked) else real_access(p, mode))
    path = str(locked / "a.svg")
    code, out, err = run(["grad", "x*x", "x=3", "--svg", path], capsys)
    assert (code, out) == (BAD_INPUT, "")
    assert one_line(err) == (
        f"autodiff grad: --svg {path!r}: no permission to write in {str(locked)!r}; pick another folder"
    )
    assert os.listdir(locked) == []


def test_a_value_for_a_name_not_in_the_expression_is_noted_and_the_rest_computed(capsys):
    code, out, err = run(["grad", "x*x", "x=3", "y=2", "z=1"], capsys)
    assert (code, out) == (OK, "value = 9.0\nd/dx = 6.0\n")
    assert err == "autodiff grad: note: y, z not in the expression\n"


def test_html_with_a_bad_svg_path_writes_nothing_at_all(tmp_path, capsys):
    page = tmp_path / "w.html"
    code, out, err = run(["grad", "x*x", "x=3", "--html", str(page), "--svg", str(tmp_path / "a.txt")], capsys)
    assert (code, out) == (BAD_INPUT, "")
    assert "unknown file type '.txt'" in one_line(err)
    assert os.listdir(tmp_path) == []


def test_html_and_svg_on_one_file_are_refused(tmp_path, capsys):
    os.symlink(tmp_path / "w.html", tmp_path / "alias.dot")  # the two names meet in one file
    args = ["grad", "x", "x=1", "--html", str(tmp_path / "w.html"), "--svg", str(tmp_path / "alias.dot")]
    code, out, err = run(args, capsys)
    assert (code, out) == (BAD_INPUT, "")
    assert "--html and --svg name the same file" in one_line(err)
    assert os.listdir(tmp_path) == ["alias.dot"]


def wide_expression(terms: int) -> str:
    # x*2 + x*3 + ... as one sum node: 2 nodes per term, plus x and the sum
    return "sum(" + ", ".join(f"x*{i + 2}" for i in range(terms)) + ")"


def test_html_over_the_page_node_limit_exits_2_writing_nothing(tmp_path, capsys):
    expr = wide_expression(260)  # 522 nodes, over the page's 500
    code, out, err = run(["grad", expr, "x=1", "--html", str(tmp_path / "w.html")], capsys)
    assert (code, out) == (BAD_INPUT, "")
    assert "--html: the graph has 522 nodes, over the page's limit of 500" in one_line(err)
    assert os.listdir(tmp_path) == []


def test_svg_over_the_drawing_node_limit_exits_2_writing_nothing(tmp_path, capsys):
    expr = wide_expression(1000)  # 2002 nodes, over draw's 2000
    code, out, err = run(["grad", expr, "x=1", "--svg", str(tmp_path / "g.dot")], capsys)
    assert (code, out) == (BAD_INPUT, "")
    assert "--svg: the graph has 2002 nodes, over the drawing limit of 2000" in one_line(err)
    assert os.listdir(tmp_path) == []


def test_missing_graphviz_is_exit_3_and_no_file_is_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    # nor graphviz-pure beside this Python (the dot extra)
    monkeypatch.setattr(autodiff.dot_program, "_script_dirs", list)
    args = ["grad", "x*x", "x=3", "--svg", str(tmp_path / "g.svg")]
    code, out, err = run(args, capsys)
    assert code == NO_OUTPUT and "value = 9.0" in out
    assert "no file written: Graphviz's 'dot' executable was not found" in one_line(err)
    assert os.listdir(tmp_path) == []


@pytest.mark.requires_dot
def test_outputs_are_written_together_or_not_at_all(tmp_path, capsys, monkeypatch):
    # the page renders, then the picture fails: the page must not be left behind
    def fail(*a, **k):
        raise autodiff.viz.GraphvizError("dot -Tsvg failed (exit status 1): boom; draw a smaller part")

    monkeypatch.setattr(autodiff.viz, "export", fail)
    args = ["grad", "x*x", "x=3", "--html", str(tmp_path / "w.html"), "--svg", str(tmp_path / "g.svg")]
    code, _, err = run(args, capsys)
    assert code == NO_OUTPUT and "no file written: dot -Tsvg failed (exit status 1): boom" in one_line(err)
    assert os.listdir(tmp_path) == []


def test_write_files_writes_every_file_or_none(tmp_path):
    ok, bad = str(tmp_path / "a.dot"), str(tmp_path / "nodir" / "b.dot")
    with pytest.raises(FileNotFoundError):
        autodiff.viz.write_files([(ok, b"first"), (bad, b"second")])
    assert os.listdir(tmp_path) == []  # neither the first file nor a temporary one
    (tmp_path / "a.dot").write_bytes(b"old")
    autodiff.viz.write_files([(ok, b"new")])
    assert os.listdir(tmp_path) == ["a.dot"] and (tmp_path / "a.dot").read_bytes() == b"new"


@pytest.mark.parametrize(
    "name", ["a b.dot", "quote'\"<>&.dot", "é😀.dot", "new\nline.dot", "-dash.dot", "a..dot", ".dot.dot"]
)
def test_hostile_file_names_are_written_exactly(name, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["grad", "x*x", "x=3", "--svg", name], capsys)
    assert code == OK, err
    assert os.listdir(tmp_path) == [name] and "->" in (tmp_path / name).read_text()
    shown = name if name.isprintable() else repr(name)  # one line of output, whatever the name
    assert out.splitlines()[-1] == f"graph written to {shown}"


# -- argument order ------------------------------------------------------------------


SAME = ["value = 6.0", "d/dx = 3.0", "d/dy = 2.0"]


@pytest.mark.parametrize(
    "argv",
    [
        ["grad", "x*y", "x=2", "y=3", "--method", "pull"],
        ["grad", "--method", "pull", "x*y", "x=2", "y=3"],
        ["grad", "x=2", "--method=pull", "y=3", "x*y"],
        ["grad", "x=2", "y=3", "x*y", "--method", "pull"],
        ["grad", "x=2", "y=3", "--method", "pull", "--", "x*y"],
        ["--method", "pull", "grad", "x*y", "x=2", "y=3"],
    ],
)
def test_options_expression_and_values_may_come_in_any_order(argv, capsys):
    code, out, err = run(argv, capsys)
    assert code == OK, err
    assert out.splitlines() == SAME


@pytest.mark.parametrize(
    "argv",
    [
        ["grad", "x", "--steps", "x=2"],
        ["grad", "--steps", "x", "x=2"],
        ["grad", "x=2", "x", "--steps"],
        ["--steps", "grad", "x", "x=2"],
    ],
)
def test_steps_may_come_anywhere(argv, capsys):
    code, out, err = run(argv, capsys)
    assert code == OK, err
    assert out.startswith("backprop, push, step by step:\n") and out.endswith("value = 2.0\nd/dx = 1.0\n")


@pytest.mark.parametrize(
    "argv, value, grad",
    [
        (["grad", "-x", "x=2"], "-2.0", "-1.0"),
        (["grad", "x=2", "-x"], "-2.0", "-1.0"),
        (["grad", "-x*x", "--steps", "x=2"], "-4.0", "-4.0"),
        (["grad", "-3*x", "x=2"], "-6.0", "-3.0"),
        (["grad", "--x", "x=2"], "2.0", "1.0"),
        (["grad", "-x + 1", "x=2"], "-1.0", "-1.0"),
        (["grad", "--", "-h", "h=2"], "-2.0", "-1.0"),
    ],
)
def test_expression_may_start_with_a_minus(argv, value, grad, capsys):
    code, out, err = run(argv, capsys)
    assert code == OK, err
    name = next(t for t in argv if "=" in t).split("=")[0]
    assert out.splitlines()[-2:] == [f"value = {value}", f"d/d{name} = {grad}"]


def test_option_value_may_start_with_a_minus(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(["grad", "x", "--svg", "-g.dot", "x=1"], capsys)[0] == OK
    assert os.listdir(tmp_path) == ["-g.dot"]


def test_unknown_option_is_named(capsys):
    code, out, err = run(["grad", "x*y", "--stepz", "x=1", "y=1"], capsys)
    assert (code, out) == (BAD_INPUT, "")
    assert "'--stepz' is not an option of autodiff grad; the options are --method, --svg, --html, --steps" in err


def test_two_expressions_are_refused_saying_what_to_do(capsys):
    code, _, err = run(["grad", "x", "*", "y", "x=1", "y=1"], capsys)
    assert code == BAD_INPUT
    assert "expected one expression, got 3: 'x', '*', 'y'; quote an expression with spaces" in one_line(err)
    code, _, err = run(["grad", "x=1"], capsys)
    assert code == BAD_INPUT and "no expression given" in one_line(err)


def test_help_explains_argument_order_and_exit_statuses():
    done = subprocess.run([sys.executable, "-m", "autodiff", "grad", "--help"], capture_output=True, text=True)
    text = " ".join(done.stdout.split())
    assert done.returncode == 0
    for words in (
        "in any order",
        'start with "-" (autodiff grad -x x=2)',
        'after "--" nothing is',
        "1 math error",
        "2 bad input",
        "3 no file written",
        "at most 500 nodes",
        "at most 2000 nodes",
    ):
        assert words in text, words
    assert autodiff.Stepper(Value(1.0)).max_nodes == 500 and autodiff.viz.MAX_NODES == 2000


def test_command_line_as_a_process_reads_a_leading_minus_and_exits_2_on_bad_paths(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "autodiff", "grad", "-x", "--svg", str(tmp_path / "a.txt"), "x=2"],
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout) == (BAD_INPUT, "")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
