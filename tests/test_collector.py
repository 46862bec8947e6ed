"""The engine pauses Python's cyclic garbage collector in its own loops and always
puts the user's setting back; graphs make no cyclic garbage; the node storage
(parents in slots for one or two, tuples for more) reads back as it was given."""

from __future__ import annotations

import gc
import threading

import pytest

import autodiff
from autodiff import Value, backprop, graph, topological_order


@pytest.fixture(params=[True, False], ids=["collector-on", "collector-off"])
def user_setting(request):
    was = gc.isenabled()
    if request.param:
        gc.enable()
    else:
        gc.disable()
    yield request.param
    if was:
        gc.enable()
    else:
        gc.disable()


def small():
    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    return x, y, (x * y + x.tanh()).relu() + autodiff.sum([x, y, x * 2.0])


ENGINE_CALLS = {
    "backward push": lambda r: r.backward(),
    "backward pull": lambda r: r.backward(method="pull"),
    "backward create_graph": lambda r: r.backward(create_graph=True),
    "topological_order": topological_order,
    "trace": autodiff.trace,
    "zero_grad": lambda r: r.zero_grad(),
}


@pytest.mark.parametrize("call", ENGINE_CALLS.values(), ids=ENGINE_CALLS.keys())
def test_every_engine_call_leaves_the_collector_as_the_user_set_it(user_setting, call):
    _, _, root = small()
    call(root)
    assert gc.isenabled() is user_setting


def test_backward_runs_with_the_collector_paused(monkeypatch, user_setting):
    seen = []
    push = backprop.push

    def spy(order):
        seen.append(gc.isenabled())
        push(order)

    monkeypatch.setattr(backprop, "push", spy)
    x, _, root = small()
    root.backward()
    assert seen == [False]
    assert gc.isenabled() is user_setting
    assert x.grad != 0.0


@pytest.mark.parametrize("error", [KeyboardInterrupt, MemoryError, RuntimeError])
def test_an_interrupted_backward_restores_the_collector_and_every_grad(monkeypatch, user_setting, error):
    def boom(order):
        for v in order:  # half a pass: some grads changed
            v.grad = 123.0
            raise error("stop")

    monkeypatch.setattr(backprop, "push", boom)
    x, y, root = small()
    x.grad, y.grad = 0.25, -0.5
    with pytest.raises(error):
        root.backward()
    assert gc.isenabled() is user_setting
    assert (x.grad, y.grad) == (0.25, -0.5)


def test_a_refused_backward_restores_the_collector(user_setting):
    x, y = Value(1e200, label="x"), Value(1e200, label="y")
    a = Value(0.0, label="a")
    r = a.sqrt()  # sqrt(0) = 0 with an infinite derivative: backward refuses it
    with pytest.raises(FloatingPointError, match="sqrt"):
        r.backward()
    assert gc.isenabled() is user_setting
    assert a.grad == 0.0
    with pytest.raises(OverflowError):
        x * y  # the forward refusal is not an engine loop, and changes nothing either
    assert gc.isenabled() is user_setting


def test_nested_pauses_restore_at_the_outermost(user_setting):
    with graph.collector_paused():
        with graph.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer loop is still running
    assert gc.isenabled() is user_setting


def test_threads_running_backward_together_leave_the_collector_on():
    gc.enable()
    errors = []

    def work(seed):
        try:
            for _ in range(30):
                xs = [Value(float(i % 7) / 7 + seed, label=f"x{i}") for i in range(200)]
                r = autodiff.sum([(a * b).tanh() for a, b in zip(xs, xs[1:])])
                r.backward()
                assert xs[0].grad != 0.0 or xs[1].data == 0.0
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in (0.1, 0.2, 0.3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert gc.isenabled()


def test_graphs_make_no_cyclic_garbage():
    gc.collect()
    gc.disable()
    try:
        x, y, root = small()
        root.backward()
        root.backward(method="pull")
        list(autodiff.backward_steps(root))
        autodiff.Stepper(root).run()
        del x, y, root
        assert gc.collect() == 0  # everything was freed by reference counting alone
    finally:
        gc.enable()


# -- storage: slots for one or two parents, tuples for a leaf and for three or more


def test_parents_and_local_grads_read_back_for_every_arity():
    a, b, c = Value(2.0, label="a"), Value(3.0, label="b"), Value(5.0, label="c")
    leaf = a
    unary = a.exp()
    binary = a * b
    twice = a + a
    nary = autodiff.dot([a, b], [c, a], 1.0)
    assert leaf.parents == () and leaf.local_grads == () and leaf.is_leaf
    assert unary.parents == (a,) and unary.local_grads == (unary.data,) and not unary.is_leaf
    assert binary.parents == (a, b) and binary.local_grads == (3.0, 2.0)
    assert twice.parents[0] is a and twice.parents[1] is a and twice.local_grads == (1.0, 1.0)
    assert len(nary.parents) == 5 and nary.parents[:4] == (a, b, c, a) and nary.local_grads[:4] == (5.0, 2.0, 2.0, 3.0)
    assert not nary.is_leaf


def test_backward_through_every_arity_matches_hand_derivatives():
    a, b, c = Value(2.0, label="a"), Value(3.0, label="b"), Value(5.0, label="c")
    # f = exp(a) + a*b + (a + a) + (a*c + b*a + 1)
    f = autodiff.sum([a.exp(), a * b, a + a, autodiff.dot([a, b], [c, a], 1.0)])
    f.backward()
    import math

    assert a.grad == pytest.approx(math.exp(2.0) + 3.0 + 2.0 + 5.0 + 3.0, rel=1e-15)
    assert b.grad == pytest.approx(2.0 + 2.0, rel=1e-15)
    assert c.grad == pytest.approx(2.0, rel=1e-15)


def test_a_constant_in_a_sum_of_three_is_a_leaf():
    s = autodiff.sum([Value(1.0), 2.0, Value(3.0)])
    assert all(p.is_leaf for p in s.parents)
    s.backward()
    assert [p.grad for p in s.parents] == [1.0, 1.0, 1.0]
