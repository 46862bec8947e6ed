"""stepgrad's pytest plugin and hypothesis strategies, as a user's project meets them.

The plugin is used from a temporary project with no conftest, by pytest in a subprocess: one
test passes, one fails, and the failure shows gradcheck's table (not gradcheck's code). The
strategies draw 1,000 expressions: each must run with no domain error at its point, and the
gradients of a sample of them must pass gradcheck.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings

from autodiff import Value, gradcheck, strategies
from autodiff.testing import assert_grads

PROJECT_TEST = textwrap.dedent(
    """
    import math

    from hypothesis import given, settings

    import autodiff
    from autodiff import strategies


    @settings(max_examples=20, deadline=None)
    @given(strategies.expressions(ops=["*", "tanh", "exp"]))
    def test_drawn_expressions(assert_grads, e):  # the fixture with hypothesis: no health-check error
        assert_grads(e, list(e.inputs))


    def test_a_right_gradient(assert_grads):
        assert_grads(lambda x, y: (x * y).tanh() + x.exp(), [0.5, -1.2])


    def test_a_wrong_gradient(assert_grads, monkeypatch):
        # a student's exp with the derivative doubled
        monkeypatch.setitem(autodiff.RULES, "exp", lambda a: (math.exp(a), (2.0 * math.exp(a),)))
        assert_grads(lambda x, y: x * y.exp(), [0.5, -1.2])
    """
)


def test_the_plugin_gives_assert_grads_to_a_project_with_no_conftest(tmp_path):
    (tmp_path / "test_mine.py").write_text(PROJECT_TEST, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1 and "1 failed, 2 passed" in out, out
    assert "gradcheck failed for" in out and "<-- FAIL" in out and "analytic" in out
    assert "rows = _compare(" not in out  # gradcheck's own code is hidden from the traceback


def test_assert_grads_raises_the_table_and_passes_options_on():
    assert assert_grads(lambda x: x.tanh(), [0.3], eps=1e-5)
    with pytest.raises(AssertionError, match=r"(?s)gradcheck failed.*<-- FAIL"):
        assert_grads(lambda x: x * 1.0 + Value(x.data), [0.3])  # a copy of x's data: no gradient through it


@settings(max_examples=1000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.expressions(ops=strategies.OPS, max_depth=3))
def test_a_thousand_expressions_run_where_they_are_drawn_with_no_domain_error(e):
    out = e(*[Value(x) for x in e.inputs])
    out.backward()
    assert isinstance(out, Value) and abs(out.data) < 1e6
    assert e(*e.inputs) == out.data  # floats and Values give the same number


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.expressions(ops=strategies.OPS, max_depth=3, n_inputs=3))
def test_drawn_expressions_are_smooth_where_drawn_so_gradcheck_passes(e):
    assert gradcheck(e, list(e.inputs))


def test_expressions_refuse_unknown_ops_and_bad_sizes():
    with pytest.raises(ValueError, match="ops must be some of"):
        strategies.expressions(ops=["sin"])
    with pytest.raises(ValueError, match="max_depth must be an int >= 1"):
        strategies.expressions(max_depth=0)
    with pytest.raises(ValueError, match="margin must be a number in"):
        strategies.expressions(margin=2.0)


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.expressions(ops=["log", "sqrt", "**-1", "neg", "**0.5", "**3"], max_depth=4))
def test_domain_limited_ops_draw_without_health_check_errors_and_source_means_the_expression(e):
    # found by a probe: ops=["log"] at depth 5 filtered too much; -x1**2 and x0**0.5**0.5 read wrong
    import autodiff

    assert strategies.depth(e.tree) <= 4
    names = {f"x{i}": x for i, x in enumerate(e.inputs)}
    names.update({k: getattr(autodiff, k) for k in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu")})
    assert eval(e.source, names) == e(*e.inputs)  # noqa: S307 - our own generated text, in a test


def test_an_expression_reads_as_its_source_and_refuses_a_wrong_number_of_inputs():
    e = strategies.Expression(("*", ("+", ("x", 0), ("c", 2.0)), ("tanh", ("x", 1))), 2, (0.5, -1.0))
    assert e.source == "((x0 + 2.0) * tanh(x1))"
    assert repr(e) == "Expression(((x0 + 2.0) * tanh(x1)), inputs=[0.5, -1.0])"
    assert e(0.5, -1.0) == (0.5 + 2.0) * math.tanh(-1.0)
    with pytest.raises(TypeError, match=r"^\(\(x0 \+ 2\.0\) \* tanh\(x1\)\): takes 2 input\(s\), got 1$"):
        e(0.5)


@given(strategies.expressions(ops=["+", "*"], max_depth=3))
def test_binary_ops_alone_draw_trees_of_those_ops_and_leaves(e):
    def kinds(tree):
        return {tree[0]} | {k for t in tree[1:] if isinstance(t, tuple) for k in kinds(t)}

    assert kinds(e.tree) <= {"+", "*", "x", "c"}
    assert eval(e.source, {f"x{i}": x for i, x in enumerate(e.inputs)}) == e(*e.inputs)  # noqa: S307
