"""The gradient checker, and tests of the tester."""

from __future__ import annotations

import math
import re
import warnings

import pytest

import autodiff
from autodiff import GradcheckError, GradcheckWarning, Row, Value, compare_grads, gradcheck, numerical_grad, rules
from autodiff.gradcheck import format_rows, read_inputs


def test_numerical_grad_matches_closed_form():
    g = numerical_grad(lambda x, y: x * y.exp(), [2.0, 0.5])
    assert g == pytest.approx([math.exp(0.5), 2.0 * math.exp(0.5)], rel=1e-8)


def test_numerical_grad_takes_floats_in_f():
    # f may also be plain float arithmetic when given floats through Values' data
    g = numerical_grad(lambda x: x * x, [3.0], eps=1e-4)
    assert g[0] == pytest.approx(6.0, rel=1e-10)


def test_inputs_are_not_mutated():
    x = Value(1.5, "x")
    y = Value(-0.5, "y")
    gradcheck(lambda a, b: (a * b).tanh(), [x, y])
    assert (x.data, x.grad, y.data, y.grad) == (1.5, 0.0, -0.5, 0.0)


def test_passes_returns_true():
    assert gradcheck(lambda a, b: a / b + a.log(), [2.0, 3.0]) is True


def _wrong_tanh(a):
    # the correct value with a derivative 0.1% too large
    t = math.tanh(a)
    return t, ((1.0 - t * t) * 1.001,)


def test_tester_catches_a_rule_off_by_a_tenth_of_a_percent(monkeypatch):
    monkeypatch.setitem(autodiff.RULES, "tanh", _wrong_tanh)  # the rule Value.tanh runs
    with pytest.raises(GradcheckError) as err:
        gradcheck(lambda x, w: (x * w).tanh(), [Value(0.5, "x"), Value(-1.2, "w")])
    msg = str(err.value)
    assert "gradcheck failed for" in msg and "2 of 2 input(s) disagree" in msg
    assert "eps=1e-06, atol=1e-05, rtol=0.0001" in msg
    assert re.search(r"^  x\s+0\.5\s+.*<-- FAIL$", msg, re.M)
    assert re.search(r"^  w\s+-1\.2\s+.*<-- FAIL$", msg, re.M)
    rows = err.value.rows
    assert [r.label for r in rows] == ["x", "w"]
    for r in rows:
        assert not r.ok
        assert r.analytic == pytest.approx(r.numeric * 1.001, rel=1e-6)
        assert r.rel_err == pytest.approx(1e-3, rel=1e-2)


def test_gradcheck_checks_derivatives_not_values(monkeypatch):
    # a wrong value with a right derivative is consistent with finite differences
    # of the wrong function: gradcheck checks derivatives only, and says so by passing
    monkeypatch.setitem(rules.RULES, "exp", lambda a: (math.exp(a) + 1.0, (math.exp(a),)))
    assert Value(0.3).exp().data == math.exp(0.3) + 1.0  # the wrong rule is in force
    (row,) = compare_grads(lambda x: x.exp(), [0.3])
    assert row.analytic == math.exp(0.3)
    assert row.numeric == pytest.approx(math.exp(0.3), rel=1e-8)
    assert row.ok


def test_tester_reports_only_the_wrong_input(monkeypatch):
    def bad_mul(a, b):
        return a * b, (b, a + 0.01)  # d/db wrong

    monkeypatch.setitem(autodiff.RULES, "*", bad_mul)
    with pytest.raises(GradcheckError, match="1 of 2 input") as err:
        gradcheck(lambda a, b: a * b, [2.0, 3.0])
    assert [r.ok for r in err.value.rows] == [True, False]
    assert "\n  b " in str(err.value)  # unlabelled inputs are named by f's parameters


def test_tolerances_are_respected():
    rows = compare_grads(lambda x: x**3, [1.0])
    assert rows[0].abs_err < 1e-6
    # with absurdly tight tolerances the same check fails: the checker really compares
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: x**3, [1.0], atol=0.0, rtol=0.0, eps=1e-2)


def test_gradcheck_error_is_an_assertion_for_pytest():
    assert issubclass(GradcheckError, AssertionError)


@pytest.mark.parametrize("op", [lambda a: a.relu(), lambda a: abs(a)])
def test_warns_near_a_kink(op):
    with pytest.warns(GradcheckWarning, match=r"input \(node 'k'\) is within eps=1e-06 of its kink at 0"):
        with pytest.raises(GradcheckError):
            gradcheck(op, [Value(1e-7, "k")])


def test_kink_warning_points_at_the_caller():
    with pytest.warns(GradcheckWarning) as rec:
        compare_grads(lambda a: a.relu(), [0.0])
    assert rec[0].filename == __file__


def test_no_warning_away_from_kinks():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradcheck(lambda a: a.relu() + abs(a), [0.5])


@pytest.mark.parametrize(
    "f, inputs, exc, pattern",
    [
        (lambda a: 3.0, [1.0], TypeError, "f must return a Value, got float"),
        (lambda a: a, [], ValueError, "needs at least one input"),
        (lambda a: a, 1.0, TypeError, "sequence of Values or numbers"),
        (lambda a: a, ["x"], TypeError, "input 0 must be a Value or a finite number, got 'x'"),
        (lambda a: a, [math.nan], TypeError, "finite number"),
    ],
)
def test_bad_arguments(f, inputs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        gradcheck(f, inputs)


def test_bad_eps():
    with pytest.raises(ValueError, match="eps must be > 0, got 0"):
        numerical_grad(lambda a: a, [1.0], eps=0)


# -- hand-derived gradients, nested inputs, vacuous checks (issue 26) ---------------------------


def two_layer_loss(W, b):
    # a student's loss: one tanh layer of 2 units over a fixed input, summed squares
    x = [0.5, -1.5]
    hs = [(W[i][0] * x[0] + W[i][1] * x[1] + b[i]).tanh() for i in range(2)]
    return hs[0] * hs[0] + hs[1] * hs[1]


def hand_gradient(W, b):
    # d/dW_ij = 2 h_i (1 - h_i**2) x_j, d/db_i = 2 h_i (1 - h_i**2)
    x = [0.5, -1.5]
    hs = [math.tanh(W[i][0] * x[0] + W[i][1] * x[1] + b[i]) for i in range(2)]
    d = [2 * h * (1 - h * h) for h in hs]
    return [[d[i] * x[j] for j in range(2)] for i in range(2)], d


def test_nested_inputs_are_named_after_fs_parameters_and_positions():
    W, b = [[0.3, -0.2], [0.1, 0.4]], [0.05, -0.1]
    rows = compare_grads(two_layer_loss, [W, b])
    assert [r.name for r in rows] == ["W[0][0]", "W[0][1]", "W[1][0]", "W[1][1]", "b[0]", "b[1]"]
    assert gradcheck(two_layer_loss, [W, b])
    # a dict of named parameters is passed as keyword arguments
    assert [r.name for r in compare_grads(two_layer_loss, {"b": b, "W": W})][:2] == ["b[0]", "b[1]"]
    assert W == [[0.3, -0.2], [0.1, 0.4]] and b == [0.05, -0.1]  # the caller's inputs are untouched


def test_expected_adds_a_yours_column_and_fails_where_the_hand_formula_is_wrong():
    W, b = [[0.3, -0.2], [0.1, 0.4]], [0.05, -0.1]
    gw, gb = hand_gradient(W, b)
    assert gradcheck(two_layer_loss, [W, b], expected=[gw, gb])
    gw[1][0] *= -1  # a sign slip in the student's formula
    with pytest.raises(GradcheckError, match="1 of 6 input") as err:
        gradcheck(two_layer_loss, [W, b], expected=[gw, gb])
    text = str(err.value)
    assert "yours" in text.splitlines()[1]
    bad = [line for line in text.splitlines() if "<-- FAIL" in line]
    assert len(bad) == 1 and bad[0].lstrip().startswith("W[1][0]") and bad[0].endswith("<-- FAIL (yours)")
    with pytest.raises(ValueError, match="expected= has 5 number"):
        gradcheck(two_layer_loss, [W, b], expected=[gw[0], gw[1][0], gb])


def test_a_function_closing_over_a_models_parameters_does_not_pass_vacuously():
    import nn

    model = nn.MLP(2, [2, 1], seed=0)

    def loss(*params):  # closes over the model: the Values it is given are never used
        return model([Value(0.5), Value(-1.0)]) ** 2

    with pytest.raises(ValueError, match=r"no input is in f's graph, but Values f closes over are \(L1.N0.w0"):
        gradcheck(loss, model.parameters())
    assert gradcheck(lambda x: Value(2.0) * 3.0, [1.0])  # a constant f (a constant derivative) is no error
    assert gradcheck(lambda x: Value(3.0, label="c") * 2, [1.0])  # labelled, but made anew by each call
    u = Value(2.0)  # unlabelled, closed over: still caught (a probe found it passed)
    with pytest.raises(ValueError, match=r"Values f closes over are \(2.0\)"):
        gradcheck(lambda x: u * 3.0, [1.0])
    # an input f does not use, among others it does, is marked in the table
    rows = compare_grads(lambda x, y: x * 2.0, [1.0, 3.0])
    assert [r.used for r in rows] == [True, False]
    unused = format_rows(rows).splitlines()[2]
    assert unused.startswith("  y  ") and unused.endswith("0          0   (not in f's graph)")


def test_expected_as_a_dict_is_matched_by_key_not_by_position():
    # found by a probe: both raised "FAIL (yours)" although the hand gradients were right
    assert gradcheck(lambda a, b: a * b, {"a": 1.0, "b": 2.0}, expected={"b": 1.0, "a": 2.0})
    assert gradcheck(lambda x, y: x * y, [1.0, 2.0], expected={"y": 1.0, "x": 2.0})
    with pytest.raises(ValueError, match="expected= has the keys"):
        gradcheck(lambda a, b: a * b, {"a": 1.0, "b": 2.0}, expected={"a": 2.0, "c": 1.0})
    with pytest.raises(ValueError) as err:
        gradcheck(lambda x, y: x * y, [1.0, 2.0], expected={"a": 2.0, "y": 1.0})  # keys that are not f's names
    assert str(err.value) == (
        "gradcheck: expected= has the keys ['a', 'y'] and f's parameters are named x, y; "
        "give one gradient per parameter, under its name"
    )
    with pytest.raises(TypeError, match="its key 1 is not a name"):
        compare_grads(lambda **kw: kw["1"] * 2, {1: 2.0, "1": 3.0})


def test_nesting_is_kept_and_checked_and_long_names_stay_apart():
    seen = []

    def f(pair):
        seen.append(type(pair))
        return pair[0] * pair[1]

    assert gradcheck(f, [(2.0, 3.0)]) and set(seen) == {tuple}  # a tuple reaches f as a tuple
    W, b = [[0.3, -0.2], [0.1, 0.4]], [0.05, -0.1]
    gw, gb = hand_gradient(W, b)
    with pytest.raises(ValueError, match="nested differently"):
        gradcheck(two_layer_loss, [W, b], expected=[[gw[0][0]], [gw[0][1], *gw[1]], gb])
    assert gradcheck(two_layer_loss, [W, b], expected=[*gw[0], *gw[1], *gb])  # flat is fine
    long = {"layer_" + "x" * 30 + "_weight_a": 1.0, "layer_" + "x" * 30 + "_weight_b": 2.0}
    table = format_rows(compare_grads(lambda **kw: kw[list(long)[0]] * kw[list(long)[1]], long))
    first, second = (line.split()[0] for line in table.splitlines()[1:3])
    assert first != second and first.endswith("weight_a") and second.endswith("weight_b")


# -- each test below fails on a planted bug that the tests above let through (make mutate, issue 29) ------


def test_the_kink_warning_names_every_input_whose_step_crosses_a_kink():
    # relu(1000 x) at x = 1e-7: its input 1e-4 is not within eps of 0, but x +- eps moves it across
    with pytest.warns(GradcheckWarning) as rec:
        compare_grads(lambda x, y: (1000.0 * x).relu() + (1000.0 * y).relu(), [1e-7, 1e-7])
    (message,) = [str(w.message) for w in rec]
    assert "moving input x by ±eps moves relu's input across its kink at 0 (-0.0009 to 0.0011)" in message
    assert "moving input y by ±eps" in message
    assert "within eps" not in message


def test_rel_err_where_the_numeric_gradient_is_exactly_zero(monkeypatch):
    (row,) = compare_grads(lambda x: x.relu(), [-1.0])
    assert (row.numeric, row.analytic, row.rel_err, row.ok) == (0.0, 0.0, 0.0, True)
    monkeypatch.setitem(rules.RULES, "relu", lambda a: (max(a, 0.0), (1.0,)))  # d relu = 1 everywhere: wrong
    (row,) = compare_grads(lambda x: x.relu(), [-1.0])
    assert (row.numeric, row.analytic, row.abs_err, row.rel_err, row.ok) == (0.0, 1.0, 1.0, math.inf, False)


def test_exact_agreement_passes_with_zero_tolerances():
    # 2x at 0.5 with eps 0.25: every number a power of two, so numeric is exactly 2.0 = analytic
    (row,) = compare_grads(lambda x: 2.0 * x, [0.5], eps=0.25, atol=0.0, rtol=0.0)
    assert (row.numeric, row.analytic, row.abs_err, row.ok) == (2.0, 2.0, 0.0, True)
    assert gradcheck(lambda x: 2.0 * x, [0.5], eps=0.25, atol=0.0, rtol=0.0)
    # the bound is atol + rtol * |numeric|, each on its own
    assert compare_grads(lambda x: x**3, [1.0], eps=0.5, atol=0.25, rtol=0.0)[0].ok  # off by exactly 0.25
    assert not compare_grads(lambda x: x**3, [1.0], eps=0.5, atol=0.2, rtol=0.0)[0].ok
    assert compare_grads(lambda x: x**3, [1.0], eps=0.5, atol=0.0, rtol=0.25 / 3.25)[0].ok
    assert not compare_grads(lambda x: x**3, [1.0], eps=0.5, atol=0.0, rtol=0.07)[0].ok


def test_the_table_fits_names_of_any_length():
    rows = compare_grads(lambda **kw: kw["a"] * kw["b" * 13] * kw["c" * 45], {"a": 1.0, "b" * 13: 2.0, "c" * 45: 3.0})
    lines = format_rows(rows).splitlines()
    columns = ["value".rjust(12), "analytic".rjust(16), "numeric".rjust(16), "abs err".rjust(10), "rel err".rjust(10)]
    assert lines[0] == "  " + "input".ljust(40) + " " + " ".join(columns)  # names up to 40 wide
    assert [line.split()[0] for line in lines[1:]] == ["a", "b" * 13, "c" * 19 + "…" + "c" * 20]
    assert {len(line) for line in lines} == {len(lines[0])}  # one width: the columns line up
    short = format_rows(compare_grads(lambda x: x * 2.0, [1.0])).splitlines()
    assert short[0] == "  " + "input".ljust(12) + " " + " ".join(columns)  # at least 12 wide
    assert short[1].startswith("  " + "x".ljust(12) + " " + "1".rjust(12))


def test_rows_are_frozen_and_a_row_made_by_hand_is_used_and_agreed_with():
    import dataclasses

    (row,) = compare_grads(lambda x: x * 2.0, [1.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.ok = False  # type: ignore[misc]
    mine = Row(0, "w", 1.0, 2.0, 2.5, 0.5, 0.2, False)  # as a user's own check might make one
    assert (mine.name, mine.expected, mine.expected_ok, mine.used) == ("", None, True, True)
    assert format_rows([mine]).splitlines()[1].endswith("0.5        0.2   <-- FAIL")  # no "(yours)", no "not in"
    spec = read_inputs([1.0, [2.0]], lambda a, b: a, "test")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.keywords = True  # type: ignore[misc]


def test_expected_nested_in_dicts_must_have_the_inputs_keys():
    inputs = [{"a": 1.0, "b": 2.0}]
    assert gradcheck(lambda p: p["a"] * p["b"], inputs, expected=[{"a": 2.0, "b": 1.0}])
    with pytest.raises(ValueError, match="expected= is nested differently from the inputs"):
        gradcheck(lambda p: p["a"] * p["b"], inputs, expected=[{"a": 2.0, "c": 1.0}])


@pytest.mark.parametrize("n, shown", [(4, "(a, b, c, d)"), (5, "(a, b, c, d and 1 more)")])
def test_the_vacuous_check_names_four_closed_over_values_and_counts_the_rest(n, shown):
    kept = [Value(1.0, label=name) for name in "abcde"[:n]]
    with pytest.raises(ValueError, match=re.escape(f"Values f closes over are {shown}: f computes")):
        gradcheck(lambda x: autodiff.sum(kept), [1.0])


@pytest.mark.parametrize("eps", [True, False, "1e-6", math.inf, math.nan, -1e-6])
def test_eps_must_be_a_positive_finite_number(eps):
    with pytest.raises(ValueError, match=re.escape(f"eps must be > 0, got {eps!r}")):
        numerical_grad(lambda x: x * 2.0, [1.0], eps=eps)


def test_a_kink_away_from_zero_is_found_where_it_is(monkeypatch):
    monkeypatch.setitem(autodiff.KINKS, "relu", 1.0)  # as if relu jumped at 1: the checker reads KINKS
    with pytest.warns(GradcheckWarning) as rec:
        compare_grads(lambda x: (1000.0 * x).relu(), [1e-3 + 1e-7])
    (message,) = [str(w.message) for w in rec]
    assert "moves relu's input across its kink at 1 (0.9991 to 1.0011)" in message
    with pytest.warns(GradcheckWarning, match=r"relu input \(value 1.0000001\) is within eps=1e-06 of its kink at 1"):
        compare_grads(lambda x: x.relu(), [1.0000001])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare_grads(lambda x: (1000.0 * x).relu(), [1e-7])  # at 0.1: no kink there now


def test_an_input_that_does_not_move_a_kinks_input_crosses_nothing():
    # relu's input is y, exactly at the kink: moving y crosses it, moving x leaves it at 0 on both sides
    with pytest.warns(GradcheckWarning) as rec:
        compare_grads(lambda x, y: 2.0 * x + y.relu(), [0.5, 0.0])
    (message,) = [str(w.message) for w in rec]
    assert "moving input y by ±eps moves relu's input across its kink at 0 (-1e-06 to 1e-06)" in message
    assert "moving input x" not in message


def test_a_step_from_the_kink_itself_to_one_side_is_a_crossing():
    # x - eps is exactly 0: the central difference spans the kink's own point and the side above it
    with pytest.warns(GradcheckWarning) as rec:
        compare_grads(lambda x: x.relu(), [1e-6], eps=1e-6)
    (message,) = [str(w.message) for w in rec]
    assert "moving input x by ±eps moves relu's input across its kink at 0 (0 to 2e-06)" in message
    assert "relu input (value 1e-06) is within eps=1e-06 of its kink at 0" in message  # exactly eps away


@pytest.mark.parametrize("name", ["atol", "rtol"])
@pytest.mark.parametrize("tol", [True, "0.1", math.inf, math.nan, -1e-9])
def test_tolerances_must_be_finite_numbers_at_least_zero(name, tol):
    with pytest.raises(ValueError, match=re.escape(f"gradcheck: {name} must be a finite number >= 0, got {tol!r}")):
        gradcheck(lambda x: x * 2.0, [1.0], **{name: tol})


@pytest.mark.parametrize("method", ["Push", 1, None, b"push", ["push"]])
def test_method_must_be_push_or_pull(method):
    with pytest.raises(ValueError, match=re.escape(f"gradcheck: method must be 'push' or 'pull', got {method!r}")):
        gradcheck(lambda x: x * 2.0, [1.0], method=method)
    assert gradcheck(lambda x: x * 2.0, [1.0], method="pull")


def test_your_gradient_is_held_to_the_same_bound_as_backwards():
    # x**3 at 1 with eps 0.5: numeric is exactly 3.25 (analytic 3, off by 0.25)
    def yours(expected, atol, rtol):
        (row,) = compare_grads(lambda x: x**3, [1.0], eps=0.5, atol=atol, rtol=rtol, expected=[expected])
        return row.numeric, row.ok, row.expected_ok

    assert yours(3.5, 0.25, 0.0) == (3.25, True, True)  # off by exactly atol
    assert yours(3.75, 0.25, 0.0) == (3.25, False, False)
    assert yours(3.5, 0.0, 0.1) == (3.25, True, True)  # 0.25 <= 0.1 * 3.25
    assert yours(3.6, 0.0, 0.1) == (3.25, False, False)  # a row fails where yours does


def test_dict_inputs_take_a_flat_list_of_expected_gradients():
    assert gradcheck(lambda a, b: a * b, {"a": 1.0, "b": 2.0}, expected=[2.0, 1.0])
    with pytest.raises(GradcheckError, match="1 of 2 input"):
        gradcheck(lambda a, b: a * b, {"a": 1.0, "b": 2.0}, expected=[2.0, 5.0])


def test_a_failure_names_f_and_hides_gradchecks_own_frame_from_pytest():
    import functools

    def f(x):
        return x * 2.0

    with pytest.raises(GradcheckError, match=r"^gradcheck failed for test_a_failure_names_f_and_hides.*<locals>\.f: "):
        gradcheck(f, [1.0], expected=[3.0])
    partial = functools.partial(lambda x, k: x * k, k=2.0)  # no __qualname__: named by its repr
    with pytest.raises(GradcheckError, match=r"^gradcheck failed for functools\.partial\(<function "):
        gradcheck(partial, [1.0], expected=[3.0])
    try:
        gradcheck(f, [1.0], expected=[3.0])
    except GradcheckError as e:
        tb = e.__traceback__
        frames = []
        while tb is not None:
            frames.append(tb.tb_frame)
            tb = tb.tb_next
    hidden = [fr.f_locals.get("__tracebackhide__") for fr in frames if fr.f_code.co_name == "gradcheck"]
    assert hidden == [True]  # pytest shows the table, not the line of gradcheck that raised it


def test_a_long_label_widens_the_table_of_rows_made_by_hand():
    label = "a_label_of_24_characters"
    lines = format_rows([Row(0, label, 1.0, 2.0, 2.0, 0.0, 0.0, True)]).splitlines()
    assert lines[0].startswith("  input" + " " * (len(label) - 5) + "        value")
    assert lines[1].startswith(f"  {label}            1")


def test_a_name_of_exactly_40_characters_is_shown_whole_and_a_missing_yours_is_blank():
    name = "n" * 40
    mine = Row(0, "", 1.0, 2.0, 2.0, 0.0, 0.0, True, name=name, expected=2.5, expected_ok=False)
    other = Row(1, "", 1.0, 2.0, 2.0, 0.0, 0.0, True, name="b")
    lines = format_rows([mine, other]).splitlines()
    assert lines[0].split() == ["input", "value", "analytic", "numeric", "yours", "abs", "err", "rel", "err"]
    numbers = " " + "1".rjust(12) + " " + "2".rjust(16) + " " + "2".rjust(16)
    errors = " " + "0".rjust(10) + " " + "0".rjust(10)
    assert lines[1] == f"  {name}" + numbers + " " + "2.5".rjust(16) + errors
    assert lines[2] == "  " + "b".ljust(40) + numbers + " " * 17 + errors  # no yours: a blank column


@pytest.mark.parametrize("n, more", [(3, ""), (4, " (and 1 more)")])
def test_the_kink_warning_shows_three_reasons_and_counts_the_rest(n, more):
    def f(x):  # n relus of constants near 0: each within eps of the kink, none moved by x
        return x + autodiff.sum([Value(k * 1e-7).relu() for k in range(1, n + 1)])

    with pytest.warns(GradcheckWarning) as rec:
        compare_grads(f, [1.0])
    (message,) = [str(w.message) for w in rec]
    assert message.count("is within eps") == 3
    assert f"relu input (value 3e-07) is within eps=1e-06 of its kink at 0{more}; finite differences" in message


def test_inputs_of_any_iterable_are_read_and_anything_else_is_refused_by_type():
    assert gradcheck(lambda a, b: a * b, (x for x in [2.0, 3.0]))  # a generator, as model.parameters() may be
    with pytest.raises(TypeError, match="gradcheck: inputs must be a list, tuple or dict, got object"):
        gradcheck(lambda a: a, object())
    with pytest.raises(TypeError, match="numerical_grad: inputs must be a sequence .* got a single Value; wrap it"):
        numerical_grad(lambda a: a, Value(1.0))


def test_a_branch_in_f_that_changes_its_graph_is_warned_about():
    def f(x):  # one node at x >= 1, three below: moving x by eps across 1 changes the graph
        return x * 2.0 if x.data >= 1.0 else (x * x) * 2.0 + 0.0

    with pytest.warns(GradcheckWarning, match=r"moving input x changes the graph f builds \(a branch in f\)"):
        compare_grads(f, [1.0])


def test_compare_grads_defaults_are_gradchecks():
    # x**3 at 1 with eps 0.5: numeric 3.25, analytic 3; off by 0.25, which passes only with a loose bound
    assert not compare_grads(lambda x: x**3, [1.0], eps=0.5)[0].ok  # atol 1e-5 + rtol 1e-4 * 3.25
    assert compare_grads(lambda x: x**3, [1.0], eps=0.5, atol=0.0, rtol=0.25 / 3.25 + 1e-12)[0].ok
    (row,) = compare_grads(lambda x: x * (1.0 + 1e-4 * 0.9), [1.0], expected=[1.0])  # off by 0.9e-4 of 1: ok
    assert row.expected_ok
    (row,) = compare_grads(lambda x: x * (1.0 + 1e-4 * 1.2), [1.0], expected=[1.0])  # 1.2e-4: past 1e-5 + 1e-4
    assert not row.expected_ok
