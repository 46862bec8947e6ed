"""Your own primitives (autodiff.primitive) and the rule checker (autodiff.check_rule).

A registered primitive is a rule like the built-ins: same table, every mode works with it,
clear errors. check_rule runs over every rule of the table, built-ins included.
"""

from __future__ import annotations

import math
import re
import struct
import warnings
from pathlib import Path

import pytest

import autodiff
from autodiff import (
    RULES,
    GradcheckError,
    PrimitiveWarning,
    Stepper,
    Value,
    backward_steps,
    check_rule,
    gradcheck,
    ops,
    primitive,
)
from autodiff import primitives as primitive_module


@pytest.fixture(autouse=True)
def registry():
    """Every test leaves the registry as it found it."""
    saved = dict(primitive_module.REGISTERED)
    yield
    primitive_module.REGISTERED.clear()
    primitive_module.REGISTERED.update(saved)


def _softplus(second=True):
    @primitive("softplus", derivative=(lambda x: autodiff.sigmoid(x)) if second else None)
    def softplus(x):
        # value and d/dx, from floats
        return math.log1p(math.exp(x)), (1.0 / (1.0 + math.exp(-x)),)

    return softplus


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# -- a first-class rule ---------------------------------------------------------------------------


def test_issue_example_gives_a_value_named_after_the_op_and_floats_for_floats():
    softplus = _softplus()
    y = softplus(Value(0.3) * 2)
    assert isinstance(y, Value) and y.op == "softplus"
    assert y.data == math.log1p(math.exp(0.6))
    assert y.local_grads == (_sigmoid(0.6),)
    f = softplus(0.3)
    assert type(f) is float and f == math.log1p(math.exp(0.3))
    assert softplus(2) == math.log1p(math.exp(2.0))  # ints are numbers too


def test_primitive_is_registered_beside_the_built_ins_and_its_nodes_carry_it():
    softplus = _softplus()
    assert primitive_module.REGISTERED["softplus"] is softplus
    assert "softplus" not in RULES and "softplus" not in ops.OPS  # the built-ins' table is not changed
    node = softplus(Value(0.6))
    assert node.op == "softplus" and node.op.primitive is softplus
    assert node.op.rule(0.6) == (math.log1p(math.exp(0.6)), (_sigmoid(0.6),))


@pytest.mark.parametrize("method", ["push", "pull"])
def test_backward_push_pull_and_steps_through_a_primitive(method):
    softplus = _softplus()
    x = Value(0.7, "x")
    y = softplus(x * x) * 3.0
    y.backward(method)
    assert x.grad == 3.0 * _sigmoid(0.49) * 2 * 0.7
    x2 = Value(0.7, "x")
    y2 = softplus(x2 * x2) * 3.0
    steps = list(backward_steps(y2, method))
    assert x2.grad == x.grad
    assert any(s.node.op == "softplus" for s in steps[1:])


def test_gradcheck_and_stepper_and_drawing_use_it():
    softplus = _softplus()
    assert gradcheck(lambda a, b: softplus(a * b) + a, [0.4, -1.3])
    x = Value(0.4, "x")
    y = softplus(x)
    y.label = "y"
    s = Stepper(y)
    s.run()
    assert x.grad == _sigmoid(0.4)
    assert "softplus" in s.context(s.steps[1])
    src = autodiff.draw(y).source
    assert "label=<softplus>" in src


@pytest.mark.requires_dot
def test_the_html_page_shows_the_primitive(tmp_path):
    softplus = _softplus()
    x = Value(0.4, "x")
    y = softplus(x)
    path = Stepper(y).save_html(tmp_path / "walk.html")
    assert "softplus" in open(path, encoding="utf-8").read()


def test_any_arity_and_numbers_mixed_with_values():
    @primitive("hypot_")
    def hypot_(*xs):
        # |x| = sqrt(sum x_i**2), d/dx_i = x_i / |x|
        r = math.sqrt(math.fsum(x * x for x in xs))
        return r, tuple(x / r for x in xs)

    @primitive("scaled")
    def scaled(a, b):
        # a * b * 2, d/da = 2b, d/db = 2a
        return 2.0 * a * b, (2.0 * b, 2.0 * a)

    a, b, c = Value(3.0, "a"), Value(4.0, "b"), Value(12.0, "c")
    r = hypot_(a, b, c)
    assert r.data == 13.0 and len(r.parents) == 3
    assert hypot_(3.0, 4.0) == 5.0
    out = scaled(a, 5)  # a number is lifted to a constant, as in a + 5
    assert out.data == 30.0 and out.parents[1].data == 5.0
    assert gradcheck(lambda x, y, z: hypot_(x, y, z) * scaled(x, z), [0.3, -1.2, 2.0])


# -- clear errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, exc, pattern",
    [
        ("soft plus", ValueError, r"must be a Python identifier.*'soft plus'"),
        ("1x", ValueError, r"identifier"),
        ("class", ValueError, r"not a keyword"),
        ("", ValueError, r"identifier"),
        ("exp", ValueError, r"'exp' is a built-in op; choose another name, e.g. 'my_exp'"),
        ("logsumexp", ValueError, r"built-in op"),
        (3, TypeError, r"name must be a str, got int 3"),
    ],
)
def test_bad_names_are_refused_before_anything_is_registered(name, exc, pattern):
    before = dict(RULES)
    with pytest.raises(exc, match=pattern):
        primitive(name)
    assert RULES == before


def test_derivative_must_be_callable():
    with pytest.raises(TypeError, match=r"derivative must be a function of the input Values"):
        primitive("sp", derivative=1.0)


def test_wrong_number_of_derivatives_names_the_primitive_the_input_and_the_fix():
    @primitive("two")
    def two(x):
        return x, (1.0, 2.0)

    with pytest.raises(TypeError) as err:
        two(Value(0.5, "x"))
    msg = str(err.value)
    assert "primitive 'two' returned 2 derivative(s) for 1 input(s) at (0.5)" in msg
    assert "return one derivative d(value)/d(input) per input" in msg


def test_returning_only_the_value_is_refused_with_an_example():
    @primitive("novalue")
    def novalue(x):
        return math.tanh(x)

    with pytest.raises(TypeError, match=r"must return \(value, derivatives\), got float .*e\.g\. return math\.tanh"):
        novalue(0.5)


def test_non_finite_value_is_an_overflow_error_like_the_built_ins():
    @primitive("inf_at_big")
    def inf_at_big(x):
        return x * 1e308, (1e308,)

    @primitive("naive_softplus")
    def naive_softplus(x):
        return math.log(1.0 + math.exp(x)), (_sigmoid(x),)

    with pytest.raises(OverflowError, match=r"inf_at_big: result is inf for input\(s\) \(10\.0\).*scale them down"):
        inf_at_big(Value(10.0))
    with pytest.raises(OverflowError, match=r"inf_at_big: result is inf"):
        inf_at_big(10.0)
    with pytest.raises(OverflowError, match=r"naive_softplus: math range error at input\(s\) \(1000\.0\)"):
        naive_softplus(Value(1000.0))


def test_non_finite_derivative_is_left_to_backward_which_names_the_edge_and_restores_grads():
    @primitive("cbrt")
    def cbrt(x):
        # x**(1/3) for x >= 0; d/dx = 1 / (3 x**(2/3)), infinite at 0
        r = x ** (1.0 / 3.0)
        return r, (1.0 / (3.0 * r * r) if r else math.inf,)

    x = Value(0.0, "x")
    y = cbrt(x)  # a finite value: accepted, as 0 ** 0.5 is
    assert y.local_grads == (math.inf,)
    x.grad = 0.25
    with pytest.raises(FloatingPointError, match=r"edge cbrt node .* -> parent 'x'.*derivative of cbrt is not finite"):
        (y * 2.0).backward()
    assert x.grad == 0.25


def test_bad_inputs_and_input_counts():
    softplus = _softplus()
    with pytest.raises(TypeError, match=r"softplus: takes 1 input\(s\), got 2"):
        softplus(1.0, 2.0)
    with pytest.raises(TypeError, match=r"softplus: input 0 must be a real number .*got str"):
        softplus("1")
    with pytest.raises(ValueError, match=r"softplus: input 0 must be finite, got nan"):
        softplus(math.nan)


def test_derivative_that_is_not_a_number_is_refused():
    @primitive("strderiv")
    def strderiv(x):
        return x, ("1",)

    with pytest.raises(TypeError, match=r"primitive 'strderiv': derivative 0 must be a real number, got str"):
        strderiv(Value(1.0))


def test_registering_again_replaces_with_a_warning():
    first = _softplus()
    x = Value(0.2)
    old_node = first(x)
    with pytest.warns(PrimitiveWarning, match=r"primitive 'softplus' registered again: the new definition replaces"):

        @primitive("softplus")
        def softplus(x):
            return 2.0 * x, (2.0,)

    assert primitive_module.REGISTERED["softplus"] is softplus
    assert softplus(Value(0.2)).data == 0.4
    assert old_node.local_grads == (_sigmoid(0.2),)  # built before: keeps what it recorded


def test_first_registration_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _softplus()


# -- second order through a primitive ----------------------------------------------------------


def test_derivative_argument_gives_second_derivatives():
    softplus = _softplus()
    d2 = autodiff.grad(autodiff.grad(softplus))(0.3)
    s = _sigmoid(0.3)
    assert d2 == pytest.approx(s * (1 - s), rel=1e-15)
    assert check_rule(softplus).second_order


def test_without_derivative_differentiating_twice_names_the_primitive():
    softplus = _softplus(second=False)
    assert autodiff.grad(softplus)(0.3) == _sigmoid(0.3)  # first order needs nothing more
    with pytest.raises(TypeError, match=r"primitive 'softplus' .*cannot be differentiated twice.*derivative="):
        autodiff.grad(autodiff.grad(softplus))(0.3)
    x = Value(0.3, "x")
    y = softplus(x) * 2.0
    x.grad = 0.5
    with pytest.raises(TypeError, match=r"autodiff\.primitive\('softplus', derivative=\.\.\.\)"):
        y.backward(create_graph=True)
    assert x.grad == 0.5 and y.grad == 0.0  # nothing changed


def test_derivative_returning_the_wrong_count_is_refused():
    @primitive("sq", derivative=lambda x: (2 * x, 2 * x))
    def sq(x):
        return x * x, (2 * x,)

    with pytest.raises(TypeError, match=r"primitive 'sq': derivative= returned 2 derivative\(s\) for 1 input"):
        autodiff.grad(autodiff.grad(sq))(1.5)


# -- check_rule -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", sorted(ops.OPS))
def test_check_rule_passes_on_every_built_in_rule_first_and_second_order(op):
    report = check_rule(op)
    assert report.ok, str(report)
    assert report.second_order
    checks = {re.sub(r"\d", "", r.check) for r in report.rows}
    assert checks == {"d/dx", "as Value d/dx", "d/dxdx"}
    assert len({r.point for r in report.rows}) >= 4


def test_every_rule_of_the_table_is_covered_by_the_parametrization():
    assert set(RULES) == set(ops.OPS)


def test_check_rule_catches_a_wrong_derivative_and_says_where():
    @primitive("bad_softplus")
    def bad_softplus(x):
        return math.log1p(math.exp(x)), (1.01 * _sigmoid(x),)  # 1% too large

    report = check_rule(bad_softplus)
    assert not report.ok
    assert all(r.check == "d/dx1" for r in report.failures)
    assert all(r.rel_err == pytest.approx(0.01, rel=1e-3) for r in report.failures)
    text = str(report)
    assert "check_rule 'bad_softplus': FAILED: 8 of 8 checks" in text
    assert "<-- FAIL" in text and "no derivative=: no second" in text


def test_check_rule_catches_a_wrong_value_level_derivative():
    @primitive("sp2", derivative=lambda x: autodiff.sigmoid(x) * 1.001)
    def sp2(x):
        return math.log1p(math.exp(x)), (_sigmoid(x),)

    report = check_rule(sp2, points=[0.5, -1.0])
    assert not report.ok
    assert {r.check for r in report.failures} == {"as Value d/dx1"}  # d2 is its own derivative: consistent


def test_check_rule_on_an_unregistered_function_and_given_points():
    def cube(x):
        return x**3, (3 * x**2,)

    report = check_rule(cube, points=[(0.5,), 2.0, [-1.5]])
    assert report.ok and report.second_order  # written with operators: it runs on Values, so d2 is checked too
    assert sorted({r.point for r in report.rows}) == [(-1.5,), (0.5,), (2.0,)]
    assert "cube" not in RULES


def test_check_rule_skips_points_outside_the_domain():
    report = check_rule("log", points=[1.0, -1.0, 2.0])
    assert report.ok
    assert [p for p, _ in report.skipped] == [(-1.0,)]
    assert "log: input must be > 0" in report.skipped[0][1]


def test_check_rule_of_a_constant_power_by_its_name():
    assert check_rule("**3").ok
    assert check_rule("**-0.5", points=[0.3, 2.0]).ok


@pytest.mark.parametrize(
    "args, exc, pattern",
    [
        (("nope",), ValueError, r"no rule named 'nope'"),
        ((3.0,), TypeError, r"expects an op name"),
        (("tanh", 0.5), TypeError, r"points must be a list"),
        (("tanh", []), ValueError, r"points is empty"),
        (("tanh", ["a"]), TypeError, r"point 0 must be a number or a tuple"),
        (("tanh", [math.nan]), ValueError, r"must be finite"),
        (("**x",), ValueError, r"not a constant power"),
    ],
)
def test_check_rule_bad_arguments(args, exc, pattern):
    with pytest.raises(exc, match=pattern):
        check_rule(*args)


def test_check_rule_failure_is_usable_with_gradcheck_errors_too():
    # gradcheck, on the same wrong rule, raises with its own table
    @primitive("bad_tanh")
    def bad_tanh(x):
        t = math.tanh(x)
        return t, ((1 - t * t) * 1.001,)

    with pytest.raises(GradcheckError, match=r"1 of 1 input"):
        gradcheck(lambda a: bad_tanh(a), [0.5])


def test_readme_extend_it_example_runs_and_prints_what_it_says(capsys):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    code = re.search(r"## Extend it\n.*?```python\n(.*?)```", readme, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})  # our own README, not user text
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "12.0"
    assert printed[1] == repr((2.0 * math.tanh(0.5), math.tanh(0.5)))
    assert "softplus" in primitive_module.REGISTERED  # registered by the example (the fixture removes it again)


# -- compile ------------------------------------------------------------------------------------------


def _bits(x):
    return struct.pack("<d", x)


def test_compiled_code_calls_the_primitive_and_equals_eager_bit_for_bit():
    softplus = _softplus()

    @primitive("scaled")
    def scaled(a, b):
        return 2.0 * a * b, (2.0 * b, 2.0 * a)

    @primitive("norm")
    def norm(*xs):
        r = math.sqrt(math.fsum(x * x for x in xs))
        return r, tuple(x / r for x in xs)

    def f(x, y):
        return softplus(scaled(x, y) + norm(x, y, 1.5)) * y

    c = autodiff.compile(f, [0.3, -0.7])
    assert "primitive0(" in c.source and "primitive1(" in c.source  # by number: no user text in the source
    for point in ([0.3, -0.7], [1.2, 2.5], [-3.0, 0.1]):
        xs = [Value(v) for v in point]
        out = f(*xs)
        out.backward()
        r = c(*point)
        assert _bits(r.value) == _bits(out.data)
        assert [_bits(g) for g in r.input_grads] == [_bits(x.grad) for x in xs]


def test_a_primitive_named_like_a_rule_function_does_not_replace_it_in_compiled_code():
    @primitive("div")
    def div(x):
        return 3.0 * x, (3.0,)

    c = autodiff.compile(lambda a, b: div(a / b), [1.0, 4.0])
    assert c(1.0, 4.0).value == 0.75 and "rule_div(" in c.source and "primitive0(" in c.source


def test_compiled_primitive_raises_what_eager_raises():
    @primitive("big")
    def big(x):
        # finite below 1, overflowing above; its derivative is infinite at 0
        return x * 1e308, (1e308 / x if x else math.inf,)

    c = autodiff.compile(lambda x: big(x), [0.5])
    for bad, exc in ((10.0, OverflowError), (0.0, FloatingPointError)):
        with pytest.raises(exc) as eager:
            big(Value(bad, "x0")).backward()  # compile names its inputs x0, x1, ...
        with pytest.raises(exc) as compiled:
            c(bad)
        assert str(eager.value).split(";")[0] in str(compiled.value)


def test_check_rule_generates_points_within_the_number_of_inputs_a_rule_takes():
    @primitive("times_maybe")
    def times_maybe(a, b=None):
        # a, or a * b when b is given
        return (a, (1.0,)) if b is None else (a * b, (b, a))

    assert {len(r.point) for r in check_rule(times_maybe).rows} == {1, 2}
    lengths = {len(r.point) for r in check_rule(lambda *xs: (sum(xs), (1.0,) * len(xs))).rows}
    assert lengths == {1, 2, 3}


# -- the edges of registering and checking (each branch of primitives.py) --------------------------


def test_a_type_error_on_plain_numbers_is_the_functions_own():
    # on floats the function's TypeError is not about Values: it reaches the caller unchanged
    @primitive("floats_refused")
    def floats_refused(x):
        if isinstance(x, float):
            raise TypeError("floats_refused: no floats here")
        return x, (1.0,)

    with pytest.raises(TypeError, match=r"^floats_refused: no floats here$"):
        floats_refused(1.0)


def test_a_value_level_derivative_that_is_not_a_number_names_the_input_and_the_fix():
    @primitive("strd", derivative=lambda x: "one")
    def strd(x):
        return x, (1.0,)

    y = strd(Value(1.0, "x"))
    with pytest.raises(TypeError) as err:
        y.backward(create_graph=True)
    assert str(err.value) == (
        "primitive 'strd': derivative= gave str 'one' for input 0; give a Value (built from the inputs with "
        "Value operations) or a number"
    )


def test_any_number_of_inputs_still_needs_one():
    @primitive("total")
    def total(*xs):
        return sum(xs), tuple(1.0 for _ in xs)

    assert total(1.0, 2.0, 4.0) == 7.0
    with pytest.raises(TypeError, match=r"^total: takes at least 1 input\(s\), got 0$"):
        total()


def test_decorating_a_primitive_registers_its_function_under_the_new_name():
    sp = _softplus()
    again = primitive("softplus_again")(sp)
    assert again.fn is sp.fn and again.name == "softplus_again"
    assert again(0.3) == sp(0.3)
    assert again(Value(0.3)).op == "softplus_again"


def test_decorating_something_not_callable_or_without_positional_inputs_is_refused():
    with pytest.raises(TypeError, match=r"^primitive 'notfn': decorate a function, got int$"):
        primitive("notfn")(3)
    with pytest.raises(TypeError, match=r"primitive 'kwonly': the function must take its inputs as positional"):

        @primitive("kwonly")
        def kwonly(*, x):
            return x, (1.0,)

    assert "notfn" not in RULES and "kwonly" not in RULES


def test_check_rule_report_shows_twenty_failures_and_counts_the_rest():
    @primitive("bad_square")
    def bad_square(x):
        return x * x, (3 * x,)  # d(x*x)/dx is 2x: 1.5 times too large everywhere

    report = check_rule(bad_square, points=[0.5 + 0.1 * i for i in range(25)])
    lines = str(report).splitlines()
    assert lines[0].startswith("check_rule 'bad_square': FAILED: 25 of 75 checks")
    assert sum(line.endswith("<-- FAIL") for line in lines) == 20
    assert lines[-1] == "  ... and 5 more"


def test_check_rule_report_lists_three_skipped_points_and_counts_the_rest():
    report = check_rule("log", points=[1.0, -1.0, -2.0, -3.0, -4.0, 2.0])
    lines = str(report).splitlines()
    assert [p for p, _ in report.skipped] == [(-1.0,), (-2.0,), (-3.0,), (-4.0,)]
    assert lines[-4] == "  skipped (-1.0,): log: input must be > 0, got -1.0; clamp it or add a small epsilon"
    assert lines[-2].startswith("  skipped (-3.0,): ")
    assert lines[-1] == "  ... and 1 more skipped"


def test_check_rule_finds_a_registered_primitive_by_its_name():
    @primitive("square")
    def square(x):
        return x * x, (2 * x,)

    by_name, by_object = check_rule("square"), check_rule(square)
    assert by_name.ok and by_name.name == "square"
    assert [(r.point, r.check, r.analytic) for r in by_name.rows] == [
        (r.point, r.check, r.analytic) for r in by_object.rows
    ]


def test_on_numpy_arrays_a_primitive_gives_the_array_of_its_float_values():
    np = pytest.importorskip("numpy")
    softplus = _softplus()  # written with math: no arrays, so each element goes through the float rule

    @primitive("cube")
    def cube(x):  # written with operators: runs on the array at once
        return x * x * x, (3 * x * x,)

    xs = np.array([[0.1, -2.0], [3.0, 0.0]])
    assert softplus(xs).tolist() == [[softplus(x) for x in row] for row in xs.tolist()]
    assert cube(xs).tolist() == [[x * x * x for x in row] for row in xs.tolist()]
    with pytest.raises(OverflowError, match=r"softplus: element 1: softplus: math range error at input\(s\) \(1000"):
        softplus(np.array([0.0, 1000.0]))


def test_a_definition_written_with_math_refuses_arrays_with_its_own_type_error():
    # what Compiled.batch meets first, before it falls back to the float rule sample by sample
    np = pytest.importorskip("numpy")
    softplus = _softplus(second=False)
    with pytest.raises(TypeError, match=r"only .* arrays can be converted to Python scalars") as err:
        softplus.op.define(np.array([0.1, 0.2]))
    assert "could not run on Values" not in str(err.value)
    f = autodiff.compile(lambda x: softplus(x * 2.0), [0.5])
    rows = [[0.1], [-0.7], [2.0]]
    batch = f.batch(np.array(rows))
    for row, value, grad in zip(rows, batch.value.tolist(), batch.input_grads[:, 0].tolist()):
        x = Value(row[0])
        y = softplus(x * 2.0)
        y.backward()
        assert (value, grad) == (y.data, x.grad)
