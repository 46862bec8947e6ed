"""The backprop stepper, driven without a browser."""

from __future__ import annotations

import gc
import html
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

import autodiff.dot_program
import autodiff.viz
import nn
from autodiff import Stepper, Value, backward_steps, topological_order
from autodiff.labels import fmt


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


def test_goto_reset_and_fresh_false_accumulates():
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
    assert "leaves keep their grads and accumulate" in s.explain(1)


def test_constructing_a_stepper_changes_no_grad():
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.1, label="b")
    y = (x * w + b).tanh()
    y.backward()
    before = grads(y)
    assert round(x.grad, 2) == -0.94
    s = Stepper(y)
    assert grads(y) == before and s.position == 0
    Stepper(y, method="pull", fresh=False)
    assert grads(y) == before


def test_first_step_starts_from_zero_grads_and_says_so():
    a, b, c, d = graph()
    d.backward()
    s = Stepper(d)
    assert "every grad shows 0, where this pass starts it; step 1 seeds d.grad = 1" in s.explain()
    s.step()
    assert [v.grad for v in (a, b, c)] == [0.0, 0.0, 0.0] and d.grad == 1.0
    assert s.explain() == "seed: d.grad = 1 (∂d/∂d = 1); every other grad starts from 0"
    s.back()  # step 0 again: the grads as they were
    assert (a.grad, b.grad, c.grad) == (-2.0, 2.0, 1.0)


def drawn_grads(s):
    return re.findall(r"<TD>grad ([^<]*)</TD>", s.draw().source)


def test_step_0_is_drawn_as_step_1_starts_not_with_an_earlier_pass_grads():
    a, b, c, d = graph()
    d.backward()
    final = [fmt(v.grad) for v in Stepper(d).nodes]
    s = Stepper(d)
    held = grads(d)
    assert drawn_grads(s) == ["0"] * len(s.nodes) != final  # the Jupyter view's picture at step 0
    assert grads(d) == held  # drawing step 0 changes no grad
    s.step()  # the seed changes the root's grad alone
    assert drawn_grads(s) == ["0"] * (len(s.nodes) - 1) + ["1"] and s.nodes[-1] is d
    s.reset()
    assert drawn_grads(s) == ["0"] * len(s.nodes) and grads(d) == held
    s.run()
    assert drawn_grads(s) == final


def test_step_0_with_fresh_false_draws_the_leaves_grads_and_interior_zeros():
    a, b, c, d = graph()
    d.backward()
    s = Stepper(d, fresh=False)
    shown = dict(zip((s.name(v) for v in s.nodes), drawn_grads(s)))
    assert [shown["a"], shown["b"]] == [fmt(a.grad), fmt(b.grad)] == ["-2", "2"]  # the leaves hold these
    assert all(shown[s.name(v)] == "0" for v in s.nodes if v.parents)
    assert "interior grads show 0, where this pass starts them; leaves show the grads they hold" in s.explain(0)
    s.step()
    assert drawn_grads(s) == [shown[s.name(v)] if v is not d else "1" for v in s.nodes]


def test_restore_puts_back_the_grads_held_before():
    a, b, c, d = graph()
    a.grad, b.grad = 7.0, -1.5
    before = grads(d)
    s = Stepper(d)
    s.goto(3)
    assert grads(d) != before
    s.restore()
    assert grads(d) == before and s.position == 0


def test_leaving_a_with_block_restores_grads_even_on_error():
    a, b, c, d = graph()
    a.grad = 10.0
    before = grads(d)
    with Stepper(d) as s:
        s.run()
        assert a.grad == -2.0  # the walk's own result, from zero grads
    assert grads(d) == before
    with pytest.raises(RuntimeError, match="boom"), Stepper(d) as s:
        s.goto(2)
        raise RuntimeError("boom")
    assert grads(d) == before and s.position == 0


def test_explain_by_step_number():
    *_, d = graph()
    s = Stepper(d)
    assert s.explain(0) == (
        "No step applied yet: every grad shows 0, where this pass starts it; step 1 seeds d.grad = 1; 5 steps in all."
    )
    assert s.explain(4) == s.explain(s.steps[3]) and s.position == 0
    with pytest.raises(ValueError, match=r"step must be in 0..5, got 6"):
        s.explain(6)
    with pytest.raises(TypeError, match=r"step must be a Step, a step number or None, got True"):
        s.explain(True)


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


def test_a_misspelt_option_is_refused_naming_it_and_the_valid_ones():
    # unknown keywords went into draw_kw, silently ignored: Stepper(y, colapse=2) drew no boxes
    with pytest.raises(TypeError, match=r"Stepper: unknown keyword argument 'colapse' \(did you mean 'collapse'\?\); "):
        Stepper(Value(1.0), colapse=2)
    with pytest.raises(TypeError) as error:
        Stepper(Value(1.0), methd="pull", show_grads=False)
    message = str(error.value)
    assert "'methd', 'show_grads'" in message
    for name in ("method", "fresh", "max_nodes", "parameters", "granularity", "collapse", "group", "compact"):
        assert name in message.rpartition("it takes")[2]
    assert Stepper(Value(1.0), collapse=None, rankdir="TB").draw_kw == {"collapse": None, "rankdir": "TB"}


@pytest.mark.requires_dot
def test_html_shows_highlighted_current_step():
    a, b, c, d = graph()
    s = Stepper(d)
    s.goto(4)
    page = s._repr_html_()
    assert "Step 4 of 5" in page and "a.grad += (∂c/∂a = -3.0)" in page
    assert "<svg" in page and "#d62728" in page  # the highlight colour is in the picture
    assert page.count('stroke="#d62728"') >= 2  # highlighted edge and node borders


def test_html_without_dot_still_explains(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    # nor graphviz-pure beside this Python (the dot extra)
    monkeypatch.setattr(autodiff.dot_program, "_script_dirs", list)
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


def parts(box):
    """(buttons by name, the slider, the picture) of a Stepper widget."""
    row, picture = box.children
    buttons = {b.description: b for b in row.children if type(b).__name__ == "Button"}
    (slider,) = [c for c in row.children if type(c).__name__ == "IntSlider"]
    return buttons, slider, picture


def shown(box):
    """What a widget shows: slider position, counter, explanation."""
    _, slider, picture = parts(box)
    counter = re.search(r"class='autodiff-counter'>(.*?)</b>", picture.value).group(1)
    explain = html.unescape(re.search(r"<pre class='autodiff-explain'[^>]*>(.*?)</pre>", picture.value, re.S).group(1))
    return slider.value, counter, explain


def test_widget_buttons_drive_the_stepper():
    pytest.importorskip("ipywidgets")
    *_, d = graph()
    s = Stepper(d)
    buttons, slider, _ = parts(s.widget())
    buttons["Next"].click()
    buttons["Next"].click()
    assert s.position == 2
    buttons["Run"].click()
    assert s.done
    buttons["Prev"].click()
    assert s.position == len(s) - 1
    buttons["Reset"].click()
    assert s.position == 0
    slider.value = 3
    assert s.position == 3


def test_every_widget_follows_moves_made_from_code():
    pytest.importorskip("ipywidgets")
    *_, d = graph()
    s = Stepper(d)
    s.goto(3)
    views = [s.widget(), s.widget()]  # the same Stepper displayed twice
    moves = [
        (lambda: s.step(), 4),
        (lambda: s.back(), 3),
        (lambda: s.goto(1), 1),
        (lambda: s.run(), 5),
        (lambda: s.reset(), 0),
        (lambda: s.goto(2), 2),
        (lambda: s.restore(), 0),
    ]
    for move, k in moves:
        move()
        assert s.position == k
        for box in views:
            assert shown(box) == (k, f"Step {k} of 5", s.explain(k))


def test_a_button_of_one_widget_moves_every_other_widget():
    pytest.importorskip("ipywidgets")
    *_, d = graph()
    s = Stepper(d)
    first, second = s.widget(), s.widget()
    parts(first)[0]["Next"].click()
    parts(first)[0]["Next"].click()
    assert shown(second) == (2, "Step 2 of 5", s.explain(2))
    parts(second)[1].value = 4  # the slider of the other one
    assert shown(first) == (4, "Step 4 of 5", s.explain(4))


def test_a_closed_widget_is_freed_and_forgotten():
    pytest.importorskip("ipywidgets")
    *_, d = graph()
    s = Stepper(d)
    box = s.widget()
    keep = s.widget()
    for widget in (box, *box.children, *box.children[0].children):
        widget.close()  # what closing the output does; ipywidgets then drops its own reference
    del box, widget
    gc.collect()
    s.step()
    assert len(s._views) == 1 and shown(keep)[0] == 1


def test_without_ipywidgets_the_html_display_is_updated_in_place(monkeypatch):
    import IPython.display

    shown_html = []

    class Handle:
        def update(self, obj):
            shown_html.append(obj.data)

    def display(obj, display_id=False):
        shown_html.append(obj.data)
        return Handle() if display_id else None

    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets raises ImportError
    monkeypatch.setattr(IPython.display, "display", display)
    *_, d = graph()
    s = Stepper(d)
    s._ipython_display_()
    s.step()
    s.goto(3)
    assert [re.search(r"Step \d of 5", h).group(0) for h in shown_html] == ["Step 0 of 5", "Step 1 of 5", "Step 3 of 5"]


def test_one_numbering_in_every_view(capsys):
    """Step k of N: the same k gives the same sentence in every view of one graph."""
    from autodiff.__main__ import main
    from autodiff.share import page

    def expression():
        a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        f = a * b + a
        f.label = "f"
        return f

    s = Stepper(expression())
    n = len(s)
    assert n == 5
    main(["grad", "a*b + a", "a=2", "b=-3", "--steps"])
    cli = capsys.readouterr().out.splitlines()
    cli = cli[cli.index("backprop, push, step by step:") + 1 :][:n]
    transcript = s.transcript().splitlines()
    records = list(backward_steps(expression()))
    data = json.loads(re.search(r'<script id="steps" type="application/json">(.*?)</script>', page(s), re.S).group(1))
    box = s.widget() if importlib.util.find_spec("ipywidgets") else None
    for k in range(n + 1):
        s.goto(k)
        headline, sentence = f"Step {k} of {n}", s.explain(k)
        assert s.headline() == headline and s.explain() == sentence
        assert repr(s) == f"Stepper(f, method='push'): {headline}"
        assert data["headlines"][k] == headline
        assert (data["steps"][k - 1]["text"] if k else data["start"]) == sentence
        if box is not None:
            assert shown(box) == (k, headline, sentence)
        html_view = s._repr_html_()
        assert f"<b class='autodiff-counter'>{headline}</b>" in html_view and html.escape(sentence) in html_view
        if k:
            assert records[k - 1].index == k and s.current.index == k
            assert transcript[k - 1].split("  ", 1)[0].rstrip() == headline
            assert transcript[k - 1].endswith("  " + sentence)
            assert cli[k - 1] == transcript[k - 1]
    assert "Call step()" not in data["start"] and "step()" not in s.explain(0)


def test_readme_see_it_prints_what_it_says():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.1, label="b")
    f = (x * w + b).tanh()
    s = Stepper(f, method="push")
    s.step()
    s.step()
    assert s.explain().startswith("n4.grad += (∂n5/∂n4 = 0.786448) × n5.grad (1.0) = ")
    assert f"print(repr(s))  # {s!r}" in readme and "# n4.grad += (∂n5/∂n4 = 0.786448) × n5.grad (1.0) = ..." in readme
    s.goto(5)  # the picture of the README and docs/render.py
    assert s.explain() == "x.grad += (∂n2/∂x = -1.2) × n2.grad (0.786448) = -0.943737 → x.grad = -0.943737"
    assert s.headline() == "Step 5 of 6" and "step 5, `x.grad += (∂n2/∂x = -1.2) × n2.grad`" in readme
