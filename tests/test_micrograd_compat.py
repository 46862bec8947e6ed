"""Coming from micrograd: its idioms run on our Values and print micrograd's numbers.

micrograd 0.1.0 (the PyPI package) runs in the same test as the reference. The code
below is written the way micrograd's ``trace_graph.ipynb`` and ``demo.ipynb`` write it
(our own words, not copies of its files).
"""

from __future__ import annotations

import inspect

import pytest

import nn
from autodiff import Value

from .micrograd_reference import DEMO_STEPS, demo_data, demo_run

micrograd_engine = pytest.importorskip("micrograd.engine")
micrograd_nn = pytest.importorskip("micrograd.nn")
graphviz = pytest.importorskip("graphviz")


# -- a draw_dot as learners copy it: walks _prev, labels with _op ------------------------------


def walk_prev(root):
    nodes, edges = set(), set()
    stack = [root]
    while stack:
        v = stack.pop()
        if v in nodes:
            continue
        nodes.add(v)
        for child in v._prev:
            edges.add((child, v))
            stack.append(child)
    return nodes, edges


def draw_dot_as_learners_write_it(root):
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = walk_prev(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label="{ data %.4f | grad %.4f }" % (n.data, n.grad), shape="record")  # noqa: UP031 - as learners write it
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def _expression(V):
    a, b = V(-4.0), V(2.0)
    c = a * b + b**2
    return (c.relu() + a * a) * b


@pytest.mark.parametrize("V", [Value, micrograd_engine.Value], ids=["autodiff", "micrograd"])
def test_learners_draw_dot_runs_on_our_values_as_on_micrograds(V):
    root = _expression(V)
    root.backward()
    source = draw_dot_as_learners_write_it(root).source
    nodes, edges = walk_prev(root)
    # the same picture in both engines: a, b, a*b, b**2, c, relu, a*a, +, * are 9 boxes;
    # 7 op ellipses; _prev is a set, so a*a has one edge: 2+1+2+1+1+2+2 = 11 edges, plus 7 op -> box
    assert (len(nodes), len(edges)) == (9, 11)
    assert source.count("shape=record") == 9
    assert sorted(n._op for n in nodes if n._op) == ["*", "*", "*", "**2", "+", "+", "ReLU"]
    assert source.count(" -> ") == 11 + 7
    assert "data 32.0000 | grad 1.0000" in source  # ((-8 + 4).relu() + 16) * 2 = 32


def test_prev_is_the_set_of_parents_and_op_is_micrograds_name():
    a = Value(3.0)
    b = a + a  # two edges in ours; micrograd's set keeps one
    assert b.parents == (a, a) and b._prev == {a}
    assert (a**2)._op == "**2" and (a**-1)._op == "**-1" and a.relu()._op == "ReLU" and a._op == ""
    assert (a * a)._op == "*" and a.tanh()._op == "tanh"
    with pytest.raises(AttributeError):
        b._prev = set()  # read-only views
    with pytest.raises(AttributeError):
        b._op = "+"


def test_lecture_habit_o_backward_says_what_to_use_instead():
    o = (Value(2.0) * 3).tanh()
    what = r"no _backward closure.*local derivatives.*autodiff\.Stepper\(o\).*backward_steps\(o\).*o\.backward\(\)"
    with pytest.raises(AttributeError, match=what):
        o._backward()
    with pytest.raises(AttributeError, match=what):
        o._backward = lambda: None  # micrograd's way to give a node its closure
    assert not hasattr(o, "_backward")  # code that checks for the closure sees none


@pytest.mark.parametrize(
    "call",
    [
        lambda a: Value(1.0, (a,), "+"),
        lambda a: Value(1.0, (a, a)),
        lambda a: Value(1.0, _children=(a,), _op="tanh"),
        lambda a: Value(1.0, {a}),
    ],
)
def test_micrograd_constructor_form_says_what_to_write_instead(call):
    with pytest.raises(TypeError, match=r"micrograd's way to make a node.*Build new ops from existing ones"):
        call(Value(2.0))


def test_micrograd_constructor_form_of_a_leaf_still_works():
    v = Value(2.5, _children=(), _op="")
    assert (v.data, v.parents, v.op) == (2.5, (), "")


# -- micrograd's demo: the same losses step by step ------------------------------------------------


def test_micrograd_demo_prints_micrographs_losses_step_by_step(micrograd_demo_reference):
    X, y = demo_data()
    ours, our_params = demo_run(Value, nn.MLP, X, y, DEMO_STEPS)
    theirs = micrograd_demo_reference()  # micrograd 0.1.0 ran the same loop in a process of its own
    assert len(theirs["printed"]) == DEMO_STEPS
    assert ours[0][0] == theirs["printed"][0][0]  # same weights, same additions: the first loss to the last bit
    for k, ((lo, ao), (lt, at)) in enumerate(zip(ours, theirs["printed"])):
        assert lo == pytest.approx(lt, rel=1e-9), f"step {k}: loss {lo} vs micrograd's {lt}"
        assert ao == at, f"step {k}: accuracy {ao} vs micrograd's {at}"
    assert our_params == pytest.approx(theirs["params"], rel=1e-6, abs=1e-9)
    assert ours[-1][1] >= 0.95  # and it learned: the accuracies above are micrograd's own


def test_value_signature_names_no_private_parameter_and_a_misspelt_keyword_is_named():
    # the signature showed micrograd's private _children and _op (the API reference printed them); a
    # misspelt keyword must not be mistaken for micrograd's form, nor ignored
    params = inspect.signature(Value).parameters
    assert [p for p in params if p.startswith("_")] == []
    with pytest.raises(TypeError, match="takes data and label, got the keyword.*lable"):
        Value(1.0, lable="x")
