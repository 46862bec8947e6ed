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


def test_a_breadth_first_backward_is_named_as_order():
    # found by a probe: a backward in BFS order passed every graph (no shared node at two depths)
    BreadthFirst = engine(None)  # a class of its own: its nodes are made by its operators

    def backward(self):
        self.grad = 1.0
        queue, seen = [self], {id(self)}
        while queue:
            v = queue.pop(0)
            v._backward()
            for p in v._prev:
                if id(p) not in seen:
                    seen.add(id(p))
                    queue.append(p)

    BreadthFirst.backward = backward
    report = check_engine(BreadthFirst)
    assert list(report.bugs) == ["order"] and not report.clean("order") and report.clean("accumulate")


def test_an_engine_that_cannot_run_is_refused_not_given_bug_names():
    Correct = engine(None)

    class NeedsMore(Correct):
        def __init__(self, data, scale):
            super().__init__(data * scale)

    class NoBackward:
        def __init__(self, data):
            self.data, self.grad = data, 0.0

    with pytest.raises(TypeError, match=r"NeedsMore\(2.0\) raised TypeError"):
        check_engine(NeedsMore)
    with pytest.raises(TypeError, match="has no backward"):
        check_engine(NoBackward)
    with pytest.raises(ValueError, match="neither \\+ nor \\*: nothing to check"):

        class Bare:
            def __init__(self, data):
                self.data, self.grad = data, 0.0

            def backward(self):
                pass

        check_engine(Bare)


def test_clean_says_a_graph_failed_even_when_an_earlier_bug_took_the_blame():
    # an unfinished engine (backward does nothing): every graph fails, all counted under "seed"; an
    # autograder asking report.clean("accumulate") must still say no
    Blank = engine(None)
    Blank.backward = lambda self: None
    report = check_engine(Blank)
    assert list(report.bugs) == ["seed"]
    assert not any(report.clean(bug) for bug in ("add", "mul", "accumulate", "order", "pow", "relu"))
    with pytest.raises(ValueError, match="unknown bug"):
        report.clean("accumulat")


def test_grads_that_are_not_numbers_fail_and_float32_is_not_a_bug():
    numpy = pytest.importorskip("numpy")
    Strings = engine(None)
    right = Strings.backward

    def backward(self):
        right(self)
        for v in self._prev:
            v.grad = str(v.grad)

    Strings.backward = backward
    assert "a grad is str" in str(check_engine(Strings))
    Correct = engine(None)

    class Float32(Correct):
        def __init__(self, data, _children=(), _op=""):
            super().__init__(numpy.float32(data), _children, _op)

    assert check_engine(Float32).ok


def test_a_sign_slip_in_neg_is_named_neg():
    Correct = engine(None)

    class BadNeg(Correct):
        def __neg__(self):
            out = Correct(-self.data, (self,), "neg")

            def _backward():
                self.grad += out.grad  # should be -=

            out._backward = _backward
            return out

    assert list(check_engine(BadNeg).bugs) == ["neg"]


def test_backward_twice_that_neither_adds_nor_resets_is_a_note_with_its_numbers():
    class SeedAdds:  # only *; a topological backward whose seed is added (grad += 1), not set
        def __init__(self, data, parents=()):
            self.data, self.grad, self.parents = data, 0.0, parents

        def __mul__(self, other):
            return SeedAdds(self.data * other.data, ((self, other.data), (other, self.data)))

        def backward(self):
            order, seen = [], set()

            def visit(v):
                if id(v) not in seen:
                    seen.add(id(v))
                    for p, _ in v.parents:
                        visit(p)
                    order.append(v)

            visit(self)
            self.grad += 1.0  # the bug, seen only on a second call
            for v in reversed(order):
                for p, local in v.parents:
                    p.grad += local * v.grad

    report = check_engine(SeedAdds)
    assert report.ok, str(report)  # one backward on fresh nodes is right
    # a = 2, b = -3: the first call gives a.grad = -3; the second seeds 2, adding -6 more
    assert "backward() twice: a.grad went from -3.0 to -9.0 (micrograd and PyTorch add: -6.0)." in report.notes


def test_check_backward_reports_an_ops_kink_and_takes_positive_bases_for_a_power():
    text = str(check_backward(lambda a: float(a > 0), "relu"))
    assert text.splitlines()[-1] == (
        "  (at 0.0 the derivative jumps: any value between the two sides is right there; "
        "autodiff's convention is relu'(0.0) = 0)"
    )
    power = check_backward(lambda a, b: (b * a ** (b - 1), math.log(a) * a**b), "**")
    assert power.ok and all(r.inputs[0] > 0 for r in power.rows)  # a**b with b real needs a > 0
    assert not check_backward(lambda a, b: (b * a ** (b - 1), a**b), "**").ok  # d/db without log(a)
    with pytest.raises(TypeError, match=r"^check_backward: rule must be a function, got int$"):
        check_backward(3, "tanh")
