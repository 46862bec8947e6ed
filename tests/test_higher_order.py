"""Higher order: backward(create_graph=True), grad composed, hessian, hvp.

The Value-level derivatives (each op's definition run on Values) are the float rules' derivatives written
once over a namespace: interpreted on floats they give the rules' numbers bit for bit.
"""

from __future__ import annotations

import math
import random
import struct

import pytest
from hypothesis import strategies as st

import autodiff
from autodiff import Stepper, Value, grad, gradcheck, hessian, hvp, ops


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


# -- one definition, two interpreters: floats and Values agree with the rules ---------------------

finite = st.floats(min_value=-50.0, max_value=50.0, allow_nan=False)
EXPONENTS = [2.0, 3.0, -1.0, -2.0, 0.5, 1.5, 0.0, 1.0, -0.5, 7.0]


def _args(op: str, draw) -> tuple[str, list[float]]:
    if op in ("sum", "logsumexp"):
        return op, draw(st.lists(finite, min_size=1, max_size=5))
    if op == "dot":
        return op, draw(st.lists(finite, min_size=2, max_size=7))
    if op in ("+", "-", "*", "/", "**"):
        return op, [draw(finite), draw(finite)]
    if op == "**n":
        return "**" + repr(draw(st.sampled_from(EXPONENTS))), [draw(finite)]
    return op, [draw(finite)]


# the derivatives as Values against the float rules, bit for bit: tests/test_interpreters.py


# -- backward(create_graph=True) -----------------------------------------------------------------------


def _expr(x, y):
    # every built-in op once
    a = (x * y + x / (y * y + 1.0) - (-x)) ** 2
    b = (x**y if False else (abs(y) + 1.0) ** x) + x.exp().log() + (y * y + 0.5).sqrt()
    c = x.tanh() * y.sigmoid() + (x - y).relu() + abs(x * y)
    d = autodiff.sum([a, b, c]) + autodiff.dot([x, y], [b, c], 0.5) + autodiff.logsumexp([x, y, a])
    return d * 0.01


@pytest.mark.parametrize("method", ["push", "pull"])
@pytest.mark.parametrize("point", [(0.3, -0.7), (1.2, 0.4), (-0.9, 1.6)])
def test_create_graph_grads_hold_the_numbers_of_backward(point, method):
    x1, y1 = Value(point[0], "x"), Value(point[1], "y")
    _expr(x1, y1).backward(method)
    x2, y2 = Value(point[0], "x"), Value(point[1], "y")
    out = _expr(x2, y2)
    out.backward(method, create_graph=True)
    assert isinstance(x2.grad, Value) and isinstance(y2.grad, Value) and isinstance(out.grad, Value)
    # every addition and product in the same order: the same floats (logsumexp's softmax aside)
    assert x2.grad.data == pytest.approx(x1.grad, rel=1e-14)
    assert y2.grad.data == pytest.approx(y1.grad, rel=1e-14)


def test_create_graph_grads_equal_backward_bit_for_bit_without_logsumexp():
    def f(x, y):
        return ((x * y).tanh() + x / y - (x * x).exp() * y.sigmoid() + (y * y + 1.0).log() + (x**3).relu()) ** 2

    x1, y1 = Value(0.4, "x"), Value(-1.3, "y")
    f(x1, y1).backward()
    x2, y2 = Value(0.4, "x"), Value(-1.3, "y")
    f(x2, y2).backward(create_graph=True)
    assert (x2.grad.data, y2.grad.data) == (x1.grad, y1.grad)


def test_grad_of_a_grad_is_the_second_derivative():
    x = Value(0.7, "x")
    y = (x**3 + x.tanh() * x).exp()
    y.backward(create_graph=True)
    g = x.grad
    autodiff.zero_grad(g)
    g.backward()
    t = math.tanh(0.7)
    u = 0.7**3 + t * 0.7
    du = 3 * 0.49 + t + 0.7 * (1 - t * t)
    d2u = 6 * 0.7 + 2 * (1 - t * t) - 2 * 0.7 * t * (1 - t * t)
    assert x.grad == pytest.approx(math.exp(u) * (du * du + d2u), rel=1e-13)


def test_leaves_accumulate_and_interior_grads_are_replaced():
    x = Value(2.0, "x")
    y = x * x * x
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    assert x.grad.data == 24.0  # 12 + 12: leaves add up, as with floats
    x.grad = 1.5  # a float already there is added into
    y.backward(create_graph=True)
    assert x.grad.data == 13.5
    assert y.grad.data == 1.0


def test_a_float_pass_refuses_to_add_into_a_value_grad_and_changes_nothing():
    x, w = Value(0.5, "x"), Value(-1.2, "w")
    y = (x * w).tanh()
    y.backward(create_graph=True)
    held = [v.grad for v in autodiff.topological_order(y)]
    for run in (lambda: y.backward(), lambda: list(autodiff.backward_steps(y)), lambda: y.backward("pull")):
        with pytest.raises(TypeError, match=r"leaf 'x' holds a Value grad .*zero_grad\(\)"):
            run()
        assert [v.grad for v in autodiff.topological_order(y)] == held
    y.zero_grad()
    y.backward()
    assert x.grad == pytest.approx(-1.2 * (1 - math.tanh(-0.6) ** 2), rel=1e-15)


def test_create_graph_must_be_a_bool():
    x = Value(2.0, "x")
    with pytest.raises(TypeError, match=r"create_graph must be True or False, got 'yes'"):
        (x * x).backward(create_graph="yes")
    assert x.grad == 0.0


def test_non_finite_second_order_pass_names_the_edge_and_changes_nothing():
    x = Value(0.0, "x")
    y = x.sqrt() * 2.0
    x.grad = 0.25
    with pytest.raises(FloatingPointError, match=r"create_graph=True.*-> parent 'x'.*derivative of sqrt is not finite"):
        y.backward(create_graph=True)
    assert x.grad == 0.25 and y.grad == 0.0


def test_a_leaf_already_holding_a_non_finite_grad_is_refused_and_nothing_changes():
    x, w = Value(0.5, label="x"), Value(2.0, label="w")
    x.grad = math.inf
    with pytest.raises(FloatingPointError) as err:
        (x * w).backward(create_graph=True)
    assert str(err.value) == (
        "backward (create_graph=True): leaf 'x' already held grad inf before this pass; call zero_grad() "
        "(or set its grad to 0.0) first. Every grad is as it was before this pass."
    )
    assert (x.grad, w.grad) == (math.inf, 0.0)


def test_the_grad_graph_can_be_drawn_and_stepped_through():
    x, w = Value(0.5, "x"), Value(-1.2, "w")
    y = (x * w).tanh()
    y.backward(create_graph=True)
    g = x.grad
    src = autodiff.draw(g).source
    assert "label=<tanh>" in src and "grad " in src  # the forward tanh node is inside the grad's graph
    assert autodiff.draw(y).source.count("grad ") == 4  # x, w, x*w, tanh: Value grads shown by their data
    s = Stepper(g)  # fresh: every grad of g's graph starts from 0
    s.run()
    t = math.tanh(-0.6)
    # g = w (1 - t^2): dg/dx = w * (-2 t) * (1 - t^2) * w
    assert x.grad == pytest.approx(-1.2 * -2 * t * (1 - t * t) * -1.2, rel=1e-14)
    assert repr(x).startswith("Value(data=0.5, grad=")


def test_repr_of_a_value_grad_never_recurses():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    c = a * b
    c.backward(create_graph=True)
    assert a.grad.data == 3.0 and b.grad.data == 2.0  # d(ab)/da = b, d(ab)/db = a
    assert repr(a) == "Value(data=2.0, grad=<Value 3.0>, label='a')"


def test_create_graph_grads_are_values_of_their_own():
    # d(ab)/da is b: a.grad was the node b itself, so a.grad.data -= 1 changed b; and z = x + y
    # gave x and y one shared grad. Each grad is now a node of its own, with the same number.
    a, b = Value(2.0, "a"), Value(3.0, "b")
    (a * b).backward(create_graph=True)
    assert a.grad is not b and b.grad is not a
    a.grad.data -= 1.0
    assert b.data == 3.0
    x, y = Value(1.0, "x"), Value(2.0, "y")
    z = x + y
    z.backward(create_graph=True)
    assert x.grad is not y.grad and x.grad is not z.grad and x.grad.data == y.grad.data == 1.0
    nodes = autodiff.topological_order(z)
    grads = [v.grad for v in nodes]
    assert len({id(g) for g in grads}) == len(grads) and not {id(g) for g in grads} & {id(v) for v in nodes}


def test_deep_chain_create_graph_without_recursion():
    x = Value(0.5, "x")
    v = x
    for _ in range(20_000):
        v = v * 1.0001
    v.backward(create_graph=True)
    assert x.grad.data == pytest.approx(1.0001**20_000, rel=1e-10)
    assert grad(grad(lambda t: t * t * 3.0))(2.0) == 6.0


# -- grad, hessian, hvp ---------------------------------------------------------------------------------


def test_grad_composes_and_third_derivatives_of_a_polynomial_are_exact():
    def p(x):
        return 2.0 * x**5 - 3.0 * x**4 + x**3 - 7.0 * x + 1.0

    for x in (-1.5, 0.0, 0.5, 2.0):
        assert grad(p)(x) == 10 * x**4 - 12 * x**3 + 3 * x**2 - 7
        assert grad(grad(p))(x) == 40 * x**3 - 36 * x**2 + 6 * x
        assert grad(grad(grad(p)))(x) == 120 * x**2 - 72 * x + 6
        assert grad(grad(grad(grad(p))))(x) == 240 * x - 72


def test_grad_argnums_lists_and_values():
    f = lambda x, y, z: x * y * y + z  # noqa: E731
    assert grad(f, argnums=(0, 1))(2.0, 3.0, 1.0) == (9.0, 12.0)
    assert grad(lambda v: v[0] * v[1])([2.0, 5.0]) == [5.0, 2.0]
    xv = Value(3.0, "x")
    g = grad(lambda t: t**3)(xv)  # a Value in: a Value out, differentiable again
    assert isinstance(g, Value) and g.data == 27.0
    g.backward()
    assert xv.grad == 18.0


def test_grad_is_with_respect_to_the_argument_not_its_value_elsewhere():
    # the classic "perturbation confusion": d/dx [x * d/dy (x y)](y = x) = d/dx x^2 = 2x
    assert grad(lambda x: x * grad(lambda y: x * y)(x))(3.0) == 6.0
    assert grad(lambda x: x * grad(lambda y: x * y)(2.0))(3.0) == 6.0


def test_grad_changes_no_callers_grad():
    w = Value(1.5, "w")
    w.grad = 0.125
    assert grad(lambda x: w * x * x)(2.0) == 6.0
    assert grad(grad(lambda x: w * x * x))(2.0) == 3.0
    assert w.grad == 0.125


def test_rosenbrock_hessian_is_its_closed_form():
    def rosen(v):
        return (1.0 - v[0]) ** 2 + 100.0 * (v[1] - v[0] ** 2) ** 2

    rng = random.Random(0)
    for _ in range(10):
        x, y = rng.uniform(-2, 2), rng.uniform(-1, 3)
        h = hessian(rosen)([x, y])
        want = [[2.0 - 400.0 * (y - x * x) + 800.0 * x * x, -400.0 * x], [-400.0 * x, 200.0]]
        for i in range(2):
            for j in range(2):
                assert h[i][j] == pytest.approx(want[i][j], rel=1e-13, abs=1e-11)


def test_softmax_cross_entropy_hessian_is_diag_p_minus_p_p_transposed():
    rng = random.Random(1)
    for _ in range(5):
        z = [rng.uniform(-3, 3) for _ in range(4)]
        y = rng.randrange(4)
        h = hessian(lambda v, y=y: autodiff.logsumexp(v) - v[y])(z)
        m = max(z)
        e = [math.exp(t - m) for t in z]
        p = [t / math.fsum(e) for t in e]
        for i in range(4):
            for j in range(4):
                assert h[i][j] == pytest.approx((p[i] if i == j else 0.0) - p[i] * p[j], abs=1e-15)


def _random_f(seed):
    rng = random.Random(seed)
    ops = [
        lambda a, b: a * b,
        lambda a, b: (a + b).tanh(),
        lambda a, b: a / (b * b + 1.0),
        lambda a, b: (a - b).sigmoid() * a,
        lambda a, b: (a * a + b * b + 0.1).sqrt(),
        lambda a, b: autodiff.logsumexp([a, b]),
        lambda a, b: (a * 0.3).exp() * b,
    ]
    picks = [(rng.randrange(len(ops)), rng.randrange(3), rng.randrange(3)) for _ in range(8)]

    def f(v):
        vals = list(v)
        for k, i, j in picks:
            vals.append(ops[k](vals[-1 - i], vals[-1 - j]))
        return autodiff.sum(vals[3:])

    return f


@pytest.mark.parametrize("seed", range(6))
def test_hessians_are_symmetric_and_match_finite_differences_of_the_gradient(seed):
    f = _random_f(seed)
    xs = [0.4, -0.6, 0.9]
    h = hessian(f)(xs)
    eps = 1e-6
    for i in range(3):
        for j in range(3):
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-12, abs=1e-13)
        hi, lo = list(xs), list(xs)
        hi[i] += eps
        lo[i] -= eps
        gh, gl = grad(f)(hi), grad(f)(lo)
        for j in range(3):
            assert h[j][i] == pytest.approx((gh[j] - gl[j]) / (2 * eps), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_hvp_is_the_hessian_times_v_in_one_pass(seed):
    f = _random_f(seed)
    xs, v = [0.4, -0.6, 0.9], [1.0, -2.0, 0.5]
    h = hessian(f)(xs)
    got = hvp(f)(xs, v)
    for i in range(3):
        assert got[i] == pytest.approx(sum(h[i][j] * v[j] for j in range(3)), rel=1e-12, abs=1e-13)


def test_hvp_with_a_vector_of_values_gives_values_of_the_same_numbers():
    def f(v):
        return v[0] * v[0] * v[1] + v[1].exp()

    # H = [[2b, 2a], [2a, e^b]] at (a, b) = (1, 2); H [0.5, -1] = [2 - 2, 1 - e^2]
    floats = hvp(f)([1.0, 2.0], [0.5, -1.0])
    assert floats == [0.0, 1.0 - math.exp(2.0)]
    values = hvp(f)([1.0, 2.0], [Value(0.5), Value(-1.0)])
    assert all(isinstance(t, Value) for t in values) and [t.data for t in values] == floats


@pytest.mark.parametrize("op", sorted(ops.OPS))
def test_second_derivative_of_every_rule_against_finite_differences_of_its_first(op):
    # nested gradcheck: gradcheck of grad(f) checks f'' against central differences of f'
    unary = {
        "neg": lambda a: -a,
        "**n": lambda a: a**3,
        "exp": lambda a: a.exp(),
        "log": lambda a: a.log(),
        "sqrt": lambda a: a.sqrt(),
        "tanh": lambda a: a.tanh(),
        "sigmoid": lambda a: a.sigmoid(),
        "relu": lambda a: a.relu() * a,
        "abs": lambda a: abs(a) * a,
        "sum": lambda a: autodiff.sum([a, a * a, 2.0]),
        "dot": lambda a: autodiff.dot([a, a * a], [a, 3.0], 1.0),
        "logsumexp": lambda a: autodiff.logsumexp([a, a * a, 0.5]),
    }
    binary = {
        "+": lambda a, b: (a + b) * a,
        "-": lambda a, b: (a - b) * b,
        "*": lambda a, b: a * b * a,
        "/": lambda a, b: a / b,
        "**": lambda a, b: a**b,
    }
    if op in unary:
        for x in (0.7, 1.9):
            assert gradcheck(grad(unary[op]), [x])
    else:
        assert gradcheck(lambda a, b: grad(binary[op], argnums=0)(a, b), [0.7, 1.3])
        assert gradcheck(lambda a, b: grad(binary[op], argnums=1)(a, b), [0.7, 1.3])


@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        (lambda: grad(3.0), TypeError, r"grad: f must be a function"),
        (lambda: grad(lambda x: x, argnums=1.0), TypeError, r"argnums must be an int"),
        (lambda: grad(lambda x: x, argnums=(0, 0)), ValueError, r"distinct"),
        (lambda: grad(lambda x: x, argnums=2)(1.0), TypeError, r"argnums=2 but it was given 1 argument"),
        (lambda: grad(lambda x: [x, x])(1.0), TypeError, r"must return one Value .*use jacobian"),
        (lambda: grad(lambda x: x)("a"), TypeError, r"argument 0 must be a real number .*, got str"),
        (lambda: grad(lambda x: x)(math.inf), ValueError, r"argument 0 must be finite"),
        (lambda: hessian(lambda v: v[0])(1.0), TypeError, r"xs must be a list.*grad\(grad\(f\)\)"),
        (lambda: hessian(lambda v: v[0])([]), ValueError, r"xs is empty"),
        (lambda: hvp(lambda v: v[0])([1.0], [1.0, 2.0]), ValueError, r"v has 2 entries but xs has 1"),
        (lambda: hvp(lambda v: v[0])([1.0], [math.nan]), ValueError, r"v\[0\] must be finite"),
    ],
)
def test_bad_arguments_get_clear_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_constant_function_has_zero_derivatives():
    assert grad(lambda x: 3.0)(1.0) == 0.0
    assert hessian(lambda v: v[0] * 0.0 + 1.0)([1.0, 2.0]) == [[0.0, 0.0], [0.0, 0.0]]


def test_grad_reports_a_non_finite_gradient_like_backward_and_changes_nothing():
    w = Value(0.0, "w")
    w.grad = 0.25
    with pytest.raises(FloatingPointError, match=r"edge sqrt node .*derivative of sqrt is not finite"):
        grad(lambda x: (w * x).sqrt() + x)(2.0)
    with pytest.raises(FloatingPointError, match=r"create_graph=True.*derivative of sqrt is not finite"):
        grad(grad(lambda x: (w * x).sqrt() + x))(2.0)
    assert w.grad == 0.25
