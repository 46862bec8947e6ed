"""Random expressions: push == pull to the last bit, and both == finite differences."""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autodiff
from autodiff import Value, compare_grads, topological_order

N_LEAVES = 3

leaf = st.integers(min_value=0, max_value=N_LEAVES - 1).map(lambda i: ("x", i))
const = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False).map(lambda c: ("c", round(c, 3)))
UNARY = ["tanh", "sigmoid", "neg", "relu", "abs", "sq", "softlog", "exp_tanh"]
BINARY = ["+", "-", "*", "safe_div", "pow_pos"]


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(UNARY), children),
        st.tuples(st.sampled_from(BINARY), children, children),
        st.tuples(st.just("sum"), st.lists(children, min_size=1, max_size=4)),
        st.tuples(st.just("lse"), st.lists(children, min_size=1, max_size=4)),
    )


expressions = st.recursive(st.one_of(leaf, const), _extend, max_leaves=12)


def evaluate(expr, xs, memo):
    # memo makes repeated sub-expressions one shared node: a DAG, not a tree
    key = repr(expr)
    if key in memo:
        return memo[key]
    tag = expr[0]
    if tag == "x":
        out = xs[expr[1]]
    elif tag == "c":
        out = Value(expr[1])
    elif tag in ("sum", "lse"):
        args = [evaluate(e, xs, memo) for e in expr[1]]
        out = autodiff.sum(args) if tag == "sum" else autodiff.logsumexp(args)
    elif len(expr) == 2:
        a = evaluate(expr[1], xs, memo)
        out = {
            "tanh": lambda: a.tanh(),
            "sigmoid": lambda: a.sigmoid(),
            "neg": lambda: -a,
            "relu": lambda: a.relu(),
            "abs": lambda: abs(a),
            "sq": lambda: a**2,
            "softlog": lambda: (a * a + 1.0).log(),
            "exp_tanh": lambda: a.tanh().exp(),
        }[tag]()
    else:
        a, b = evaluate(expr[1], xs, memo), evaluate(expr[2], xs, memo)
        out = {
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
            "safe_div": lambda: a / (b * b + 1.0),
            "pow_pos": lambda: (a.sigmoid() + 0.5) ** b.tanh(),
        }[tag]()
    memo[key] = out
    return out


def as_function(expr):
    def f(*xs):
        return evaluate(expr, xs, {}) + 0.0  # + 0.0: the output is never a bare leaf

    return f


points = st.lists(st.floats(min_value=-2.0, max_value=2.0, allow_nan=False), min_size=N_LEAVES, max_size=N_LEAVES)


def _bounded(root, limit=1e4):
    return all(abs(v.data) < limit for v in topological_order(root))


def _away_from_kinks(root, margin=1e-3):
    return all(abs(v.parents[0].data) > margin for v in topological_order(root) if v.op in autodiff.KINKS)


@settings(max_examples=500)
@given(expressions, points)
def test_push_equals_pull_bitwise(expr, xs):
    f = as_function(expr)
    a = [Value(x) for x in xs]
    b = [Value(x) for x in xs]
    out_a, out_b = f(*a), f(*b)
    assume(_bounded(out_a))
    out_a.backward("push")
    out_b.backward("pull")
    assert [v.grad for v in a] == [v.grad for v in b]
    assert [v.grad for v in topological_order(out_a)] == [v.grad for v in topological_order(out_b)]


@settings(max_examples=500)
@given(expressions, points)
def test_backward_matches_finite_differences(expr, xs):
    f = as_function(expr)
    probe = f(*[Value(x) for x in xs])
    assume(_bounded(probe) and _away_from_kinks(probe))
    rows = compare_grads(f, xs, eps=1e-6, atol=1e-5, rtol=1e-4)
    assert all(r.ok for r in rows), rows


@settings(max_examples=200)
@given(expressions, points)
def test_steps_replay_backward(expr, xs):
    f = as_function(expr)
    out1 = f(*[Value(x) for x in xs])
    out2 = f(*[Value(x) for x in xs])
    assume(_bounded(out1))
    out1.backward()
    for _ in autodiff.backward_steps(out2):
        pass
    g1 = [v.grad for v in topological_order(out1)]
    g2 = [v.grad for v in topological_order(out2)]
    assert g1 == g2
    assert all(math.isfinite(g) for g in g1)
