"""Backprop: push (V2) and pull (V1), reuse, repeated calls, depth, step records."""

from __future__ import annotations

import gc
import math
import sys

import pytest

import autodiff
from autodiff import Value, backward_steps, topological_order


def diamond():
    # the DAG of a reused intermediate: a -> b -> (c, d) -> e
    a = Value(1.5, "a")
    b = (a * 2.0).tanh()
    b.label = "b"
    c = b * a
    d = b.exp()
    e = c + d
    return a, b, e


def test_diamond_matches_closed_form():
    a, b, e = diamond()
    e.backward()
    tb = math.tanh(3.0)
    # e = tanh(2a) a + exp(tanh(2a)); de/da = tanh(2a) + (a + e^tanh(2a)) * 2 (1 - tanh(2a)^2)
    expected = tb + (1.5 + math.exp(tb)) * 2 * (1 - tb * tb)
    assert a.grad == pytest.approx(expected, rel=1e-14)
    assert b.grad == pytest.approx(1.5 + math.exp(tb), rel=1e-14)


@pytest.mark.parametrize("make", [diamond])
def test_push_equals_pull_bitwise(make):
    a1, b1, e1 = make()
    e1.backward(method="push")
    a2, b2, e2 = make()
    e2.backward(method="pull")
    assert (a1.grad, b1.grad) == (a2.grad, b2.grad)


def test_repeated_backward_adds_into_leaves_recomputes_interior():
    a, b, e = diamond()
    e.backward()
    g_a, g_b = a.grad, b.grad
    e.backward()
    assert a.grad == 2 * g_a  # leaves accumulate: twice the gradient
    assert b.grad == g_b  # interior nodes hold d(e)/d(b) of the latest call
    assert e.grad == 1.0


def test_zero_grad_resets_every_node():
    a, b, e = diamond()
    e.backward()
    e.zero_grad()
    assert all(v.grad == 0.0 for v in topological_order(e))
    e.backward()
    a2, _, e2 = diamond()
    e2.backward()
    assert a.grad == a2.grad


def test_backward_on_subgraph_then_whole():
    x = Value(2.0, "x")
    y = x * x
    z = y * 3.0
    y.backward()
    assert x.grad == 4.0
    autodiff.zero_grad(z)
    z.backward()
    assert x.grad == 12.0 and y.grad == 3.0


def test_leaf_root():
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_topological_order_is_deterministic_and_complete():
    a, b, e = diamond()
    order1 = topological_order(e)
    order2 = topological_order(e)
    assert [id(v) for v in order1] == [id(v) for v in order2]
    assert order1[-1] is e
    pos = {id(v): i for i, v in enumerate(order1)}
    assert len(pos) == len(order1)
    for v in order1:
        for p in v.parents:
            assert pos[id(p)] < pos[id(v)]
    # left-to-right depth-first: a is the first leaf reached
    assert order1[0] is a


def test_topological_order_same_labels_across_rebuilds():
    def labels():
        _, _, e = diamond()
        return [(v.op, v.label, v.data) for v in topological_order(e)]

    assert labels() == labels()


def test_trace_edges_keep_duplicates():
    a = Value(1.0, "a")
    b = a + a
    nodes, edges = autodiff.trace(b)
    assert nodes == [a, b]
    assert [(e.parent, e.child, e.slot) for e in edges] == [(0, 1, 0), (0, 1, 1)]


def chain(depth):
    x = Value(0.5, "x")
    v = x
    for _ in range(depth):
        v = v * 1.0
    return x, v


def test_deep_chain_far_beyond_recursion_limit():
    depth = 100_000
    assert depth > 50 * sys.getrecursionlimit()
    x, v = chain(depth)
    v.backward()
    assert x.grad == 1.0
    v.backward(method="pull")
    assert x.grad == 2.0
    assert len(list(backward_steps(v))) == 2 * depth + 1  # seed + two edges per multiplication (x and 1.0)
    del v  # freeing a deep chain must not recurse either
    gc.collect()


def _snapshot(root):
    return [v.grad for v in topological_order(root)]


@pytest.mark.parametrize("method", ["push", "pull"])
def test_backward_steps_exhausted_equals_backward(method):
    _, _, e1 = diamond()
    steps = list(backward_steps(e1, method))
    _, _, e2 = diamond()
    e2.backward(method)
    assert _snapshot(e1) == _snapshot(e2)
    assert steps[0].kind == "seed" and steps[0].node is e1 and steps[0].grad_after == 1.0
    assert [s.index for s in steps] == list(range(1, len(steps) + 1))  # "step k of N": the seed is step 1
    n_edges = sum(len(v.parents) for v in topological_order(e1))
    assert len(steps) == n_edges + 1


@pytest.mark.parametrize("method", ["push", "pull"])
def test_step_records_are_consistent(method):
    _, _, e = diamond()
    for s in list(backward_steps(e, method))[1:]:
        assert s.parent is s.node.parents[s.slot]
        assert s.local == s.node.local_grads[s.slot]
        assert s.contribution == s.local * s.node_grad
        assert s.grad_after == s.grad_before + s.contribution


def test_push_steps_follow_reverse_topological_order():
    _, _, e = diamond()
    order = topological_order(e)
    pos = {id(v): i for i, v in enumerate(order)}
    children = [pos[id(s.node)] for s in list(backward_steps(e, "push"))[1:]]
    assert children == sorted(children, reverse=True)


def test_pull_steps_finish_each_node_before_the_next():
    _, _, e = diamond()
    receivers = [id(s.parent) for s in list(backward_steps(e, "pull"))[1:]]
    seen_done = []
    for r in receivers:
        if not seen_done or seen_done[-1] != r:
            assert r not in seen_done  # a node's sum is completed in one run of steps
            seen_done.append(r)


def test_steps_are_lazy():
    a, b, e = diamond()
    gen = backward_steps(e)
    assert e.grad == 0.0  # nothing happens until the first step is asked for
    first = next(gen)
    assert first.kind == "seed" and e.grad == 1.0 and a.grad == 0.0
    second = next(gen)
    assert second.node is e and second.parent.grad == second.grad_after
    rest = list(gen)
    assert rest[-1].grad_after == rest[-1].parent.grad
