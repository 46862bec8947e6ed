"""The gradient checker, and tests of the tester."""

from __future__ import annotations

import math
import re
import warnings

import pytest

import autodiff
from autodiff import GradcheckError, GradcheckWarning, Value, compare_grads, gradcheck, numerical_grad, rules
from autodiff.gradcheck import format_rows


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
    assert "(not in f's graph)" in format_rows(rows).splitlines()[2]


def test_expected_as_a_dict_is_matched_by_key_not_by_position():
    # found by a probe: both raised "FAIL (yours)" although the hand gradients were right
    assert gradcheck(lambda a, b: a * b, {"a": 1.0, "b": 2.0}, expected={"b": 1.0, "a": 2.0})
    assert gradcheck(lambda x, y: x * y, [1.0, 2.0], expected={"y": 1.0, "x": 2.0})
    with pytest.raises(ValueError, match="expected= has the keys"):
        gradcheck(lambda a, b: a * b, {"a": 1.0, "b": 2.0}, expected={"a": 2.0, "c": 1.0})
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
