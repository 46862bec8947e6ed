"""The backprop stepper, driven without a browser."""

from __future__ import annotations

import pytest

import autodiff.viz
import nn
from autodiff import Stepper, Value, topological_order


def graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    return a, b, c, d


def grads(root):
    return [v.grad for v in topological_order(root)]


@pytest.mark.parametrize("method", ["push", "pull"])
def test_run_equals_backward(method):
    *_, d = graph()
    s = Stepper(d, method=method)
    assert s.position == 0 and s.current is None and all(g == 0.0 for g in grads(d))
    s.run()
    *_, d2 = graph()
    d2.backward(method)
    assert grads(d) == grads(d2) and s.done


@pytest.mark.parametrize("method", ["push", "pull"])
def test_step_by_step_then_back_restores_exactly(method):
    *_, d = graph()
    s = Stepper(d, method=method)
    history = [grads(d)]
    while (step := s.step()) is not None:
        assert s.current is step
        history.append(grads(d))
    assert len(history) == len(s) + 1
    while s.position:
        s.back()
        assert grads(d) == history[s.position]
    assert s.back() is None and grads(d) == history[0]


def test_push_sequence_of_records():
    a, b, c, d = graph()
    s = Stepper(d)
    s.run()
    seq = [(st.kind, s.name(st.node), st.parent and s.name(st.parent)) for st in s.steps]
    assert seq == [("seed", "d", None), ("edge", "d", "c"), ("edge", "d", "a"), ("edge", "c", "a"), ("edge", "c", "b")]
    assert s.explain(s.steps[3]) == "a.grad += (∂c/∂a = -3.0) × c.grad (1.0) = -3.0 → a.grad = -2.0"


def test_pull_finishes_each_node_in_turn():
    *_, d = graph()
    s = Stepper(d, method="pull")
    receivers = [s.name(st.parent) for st in s.steps[1:]]
    assert receivers == ["c", "b", "a", "a"]
    assert "pull (V1): computing a.grad" in s.context(s.steps[-1])


def test_goto_reset_and_fresh():
    a, b, c, d = graph()
    d.backward()
    s = Stepper(d, fresh=False)  # leaves keep what the first pass gave them
    s.run()
    assert a.grad == -4.0  # two passes accumulated
    s.reset()
    assert a.grad == -2.0 and s.position == 0
    s.goto(3)
    assert s.position == 3 and s.current is s.steps[2]
    with pytest.raises(ValueError, match="position must be an int in 0..5"):
        s.goto(9)
    fresh = Stepper(d)
    assert all(g == 0.0 for g in grads(d)) and fresh.position == 0


def test_explain_before_start_and_seed():
    *_, d = graph()
    s = Stepper(d)
    assert "5 steps to go" in s.explain()
    s.step()
    assert s.explain() == "seed: d.grad = 1 (∂d/∂d = 1); every interior grad starts from 0"


def test_unlabelled_nodes_are_named_by_index():
    x = Value(1.5)
    s = Stepper(x * 2.0)
    s.run()
    assert s.name(s.root) == "n2" and "n0.grad += (∂n2/∂n0 = 2.0)" in s.transcript()


def test_bad_arguments():
    with pytest.raises(TypeError, match="root must be a Value"):
        Stepper(3.0)
    with pytest.raises(ValueError, match="method must be 'push' or 'pull'"):
        Stepper(Value(1.0), method="V3")


@pytest.mark.requires_dot
def test_html_shows_highlighted_current_step():
    a, b, c, d = graph()
    s = Stepper(d)
    s.goto(4)
    page = s._repr_html_()
    assert "Step 4/5" in page and "a.grad += (∂c/∂a = -3.0)" in page
    assert "<svg" in page and "#d62728" in page  # the highlight colour is in the picture
    assert page.count('stroke="#d62728"') >= 2  # highlighted edge and node borders


def test_html_without_dot_still_explains(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(autodiff.viz, "_script_dirs", list)  # nor graphviz-pure beside this Python (the dot extra)
    *_, d = graph()
    s = Stepper(d)
    s.step()
    page = s._repr_html_()
    assert "seed: d.grad = 1" in page and "apt-get install graphviz" in page


def test_too_big_graph_explains_and_suggests():
    v = Value(1.0)
    for _ in range(30):
        v = v * 1.0
    s = Stepper(v, max_nodes=10)
    s.run()
    assert "over max_nodes=10" in s._repr_html_()


def test_stepper_over_an_nn_loss():
    model = nn.MLP(2, [4, 1], seed=0)
    loss = nn.hinge([model([0.5, -1.0]), model([1.0, 0.2])], [1, -1])
    s = Stepper(loss, parameters=model.parameters())
    s.run()
    ref = nn.MLP(2, [4, 1], seed=0)
    ref_loss = nn.hinge([ref([0.5, -1.0]), ref([1.0, 0.2])], [1, -1])
    ref_loss.backward()
    assert [p.grad for p in model.parameters()] == [p.grad for p in ref.parameters()]
    assert len(s) > 20


def test_widget_buttons_drive_the_stepper():
    pytest.importorskip("ipywidgets")
    *_, d = graph()
    s = Stepper(d)
    box = s.widget()
    buttons = {b.description: b for b in box.children[0].children if hasattr(b, "description") and b.description}
    buttons["Next"].click()
    buttons["Next"].click()
    assert s.position == 2
    buttons["Run"].click()
    assert s.done
    buttons["Prev"].click()
    assert s.position == len(s) - 1
    buttons["Reset"].click()
    assert s.position == 0
