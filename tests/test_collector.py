"""The engine's loops never start Python's cyclic garbage collector (they make no object it
tracks) and never touch its setting; graphs make no cyclic garbage; the node storage (parents
in slots for one or two, tuples for more) reads back as it was given."""

from __future__ import annotations

import gc
import threading

import pytest

import autodiff
from autodiff import Value, backprop, steps


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


def chain(n):
    v = Value(0.1, label="x")
    for _ in range(n):
        v = v.tanh()
    return v


@pytest.fixture
def collections():
    """The generations of the collections that start while the test runs."""
    seen: list[int] = []

    def note(phase, info):
        if phase == "start":
            seen.append(info["generation"])

    gc.collect()
    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)


# pull (V1) is left out: it builds each node's list of children first, as V1 needs, and those
# lists may start a collection, as any big allocation does
CALLS = {
    "backward push": lambda r: r.backward(),
    "topological_order": autodiff.topological_order,
    "zero_grad": lambda r: r.zero_grad(),
    "gradients": lambda r: steps.gradients(r, [r]),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
@pytest.mark.parametrize("shape", ["chain", "wide"])
def test_engine_loops_start_no_collection_however_big_the_graph(collections, call, shape):
    # a walk that kept a tuple per frame on its stack started a full collection over a
    # 10**6-node chain again and again (0.3 s -> 2 s); the engine's loops allocate nothing
    # the collector counts, so it never starts during them, and the user's setting stays as it is
    gc.enable()
    root = chain(200_000) if shape == "chain" else autodiff.sum([Value(i / 7) * Value(1.5) for i in range(50_000)])
    del collections[:]
    call(root)
    assert collections == []
    assert gc.isenabled()


def test_engine_calls_leave_the_collector_as_the_user_set_it(user_setting):
    _, _, root = small()
    root.backward()
    root.backward(create_graph=True)
    root.zero_grad()
    autodiff.trace(root)
    assert gc.isenabled() is user_setting


@pytest.mark.parametrize("error", [KeyboardInterrupt, MemoryError, RuntimeError])
def test_an_interrupted_backward_restores_every_grad(monkeypatch, error):
    def boom(order):
        for v in order:  # half a pass: some grads changed
            v.grad = 123.0
            raise error("stop")

    monkeypatch.setattr(backprop, "push", boom)
    x, y, root = small()
    x.grad, y.grad = 0.25, -0.5
    with pytest.raises(error):
        root.backward()
    assert (x.grad, y.grad) == (0.25, -0.5)


def test_threads_running_backward_together():
    errors = []

    def work(seed):
        try:
            for _ in range(30):
                xs = [Value(float(i % 7) / 7 + seed, label=f"x{i}") for i in range(200)]
                r = autodiff.sum([(a * b).tanh() for a, b in zip(xs, xs[1:])])
                r.backward()
                want = [v.grad for v in xs]
                for v in xs:
                    v.grad = 0.0
                r.backward()
                assert [v.grad for v in xs] == want
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in (0.1, 0.2, 0.3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


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
