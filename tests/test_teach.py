"""``autodiff.teach``: the checker of a student's engine, tested on engines with planted bugs.

Each engine of ``tests/student_engines.py`` has one classic bug; ``check_engine`` must name
exactly that bug (nothing else flagged), and pass a correct engine, micrograd 0.1.0's
``Value`` and our own. ``check_backward`` must pass a right local derivative and flag a
wrong one at the points where it differs.
"""

from __future__ import annotations

import math

import pytest

from autodiff import Value
from autodiff.teach import BUGS, CASES, check_backward, check_engine

from .student_engines import PLANTED, engine


def test_our_engine_a_correct_student_engine_and_micrograd_pass_every_check():
    ours = check_engine(Value)
    assert ours.ok and ours.skipped == [] and len(ours.rows) == len(CASES), str(ours)
    student = check_engine(engine(None))
    assert student.ok and student.skipped == [], str(student)
    micrograd = pytest.importorskip("micrograd.engine")
    theirs = check_engine(micrograd.Value)
    assert theirs.ok and theirs.skipped == ["tanh"], str(theirs)  # micrograd 0.1.0 has no tanh
    assert any("recursion limit" in note for note in theirs.notes)  # its recursive topological sort


@pytest.mark.parametrize("bug", PLANTED)
def test_each_planted_bug_is_named_and_nothing_else_is_flagged(bug):
    report = check_engine(engine(bug))
    assert list(report.bugs) == [PLANTED[bug]], str(report)
    text = str(report)
    what, fix = BUGS[PLANTED[bug]]
    assert f"BUG {PLANTED[bug]}: {what}" in text and f"fix: {fix}" in text
    first = report.bugs[PLANTED[bug]][0]
    assert f"smallest graph: {first.graph}" in text and f"<-- {PLANTED[bug]}" in text


def test_the_smallest_graph_comes_first_and_backward_twice_is_a_note_not_a_failure():
    report = check_engine(engine("overwrite"))
    assert report.bugs["accumulate"][0].graph == "a + a"
    assert any("backward() twice" in note for note in report.notes)


def test_a_class_lacking_ops_is_checked_on_what_it_has_and_the_rest_is_listed():
    Full = engine(None)

    class Small:  # only + and *, and backward
        def __init__(self, data):
            self.inner = data if isinstance(data, Full) else Full(data)

        data = property(lambda self: self.inner.data)
        grad = property(lambda self: self.inner.grad)

        def __add__(self, other):
            return Small(self.inner + other.inner)

        def __mul__(self, other):
            return Small(self.inner * other.inner)

        def backward(self):
            self.inner.backward()

    report = check_engine(Small)
    assert report.ok and set(report.skipped) == {"-", "/", "**", "neg", "relu", "tanh"}, str(report)
    assert "skipped (the engine has no -, /, **, neg, relu, tanh)" in str(report)


def test_an_engine_that_raises_is_reported_not_crashed():
    class Broken:
        def __init__(self, data):
            self.data, self.grad = data, 0.0

        def __add__(self, other):
            raise RuntimeError("not written yet")

        def __mul__(self, other):
            raise RuntimeError("not written yet")

        def backward(self):
            pass

    report = check_engine(Broken)
    assert not report.ok and "raised RuntimeError: not written yet" in str(report)
    with pytest.raises(TypeError, match="give the class itself"):
        check_engine(Value(1.0))


def test_check_backward_passes_a_right_rule_and_names_the_points_of_a_wrong_one():
    assert check_backward(lambda a: 1 - math.tanh(a) ** 2, "tanh").ok
    assert check_backward(lambda a, b: (b, a), "*").ok
    assert check_backward(lambda a, b: (1 / b, -a / b**2), "/").ok
    wrong = check_backward(lambda a: 1 - math.tanh(a), "tanh")
    assert not wrong.ok
    bad = [r.inputs for r in wrong.rows if not r.ok]
    assert (0.0,) not in bad and (0.5,) in bad  # tanh(0) = 0: the wrong rule agrees there
    assert "<-- FAIL" in str(wrong) and "points differ" in str(wrong)
    # relu at its kink: any value between the one-sided derivatives is a valid subgradient
    assert check_backward(lambda a: float(a >= 0), "relu").ok
    assert check_backward(lambda a: float(a > 0), "relu").ok
    assert not check_backward(lambda a: 2.0 * (a > 0), "relu").ok
    assert "raised ZeroDivisionError" in str(check_backward(lambda a: 1 / 0, "exp"))
    with pytest.raises(ValueError, match="op must be one of"):
        check_backward(lambda a: a, "softplus")
