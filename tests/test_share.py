"""The self-contained backprop page: its content (a real browser clicks through it in test_trust_draw.py)."""

from __future__ import annotations

import json
import re

import pytest

from autodiff import Stepper, Value
from autodiff.share import page
from autodiff.viz import fmt

HOSTILE = "<script>alert(1)</script>"


def neuron(label_x="x"):
    x, w, b = Value(0.5, label=label_x), Value(-1.2, label="w"), Value(0.1, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    return f


def steps_data(text):
    return json.loads(re.search(r'<script id="steps" type="application/json">(.*?)</script>', text, re.S).group(1))


@pytest.mark.requires_dot
@pytest.mark.parametrize("method", ["push", "pull"])
def test_page_is_self_contained_with_every_step(tmp_path, method):
    s = Stepper(neuron(), method=method)
    s.goto(2)
    path = s.save_html(tmp_path / "walk.html")
    text = open(path, encoding="utf-8").read()
    assert s.position == 2  # saving does not move the stepper
    assert text.count("<svg") == 1  # one picture; steps are data
    assert not re.search(r"(src|href)=\"?(https?:)?//", text)  # nothing fetched at view time
    for word in ("Prev", "Next", "Play", "Reset", "ArrowRight", "ArrowLeft", "counter", "legend"):
        assert word in text
    data = steps_data(text)
    assert len(data["steps"]) == len(s) and len(data["grads"]) == len(s) + 1
    assert [st["text"] for st in data["steps"]] == [s.explain(st) for st in s.steps]
    s.run()
    assert data["grads"][-1] == [f"{v.grad:.4g}" for v in s.nodes]
    assert len(text.encode()) < 100_000


@pytest.mark.requires_dot
def test_fifty_node_page_stays_small(tmp_path):
    v = Value(0.3, label="x")
    for _ in range(24):
        v = (v * 1.01).tanh()
    s = Stepper(v)
    assert 45 <= len(s.nodes) <= 75
    text = open(s.save_html(tmp_path / "big.html"), encoding="utf-8").read()
    assert len(text.encode()) < 1_000_000


@pytest.mark.requires_dot
def test_hostile_label_is_text_everywhere(tmp_path):
    text = open(Stepper(neuron(HOSTILE)).save_html(tmp_path / "h.html"), encoding="utf-8").read()
    assert text.count("<script") == 2  # the steps data and the page's own script, nothing else
    assert "alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # in the SVG
    assert "\\u003cscript\\u003ealert(1)" in text  # in the JSON


@pytest.mark.requires_dot
def test_page_speaks_to_a_reader_of_the_page():
    s = Stepper(neuron())
    text = page(s)
    data = steps_data(text)
    assert "step()" not in text and "Call " not in text  # no Python to call on a page
    assert data["hint"] == "Press Next or the → key to take step 1; Play walks through all 6 steps."
    assert data["start"] == (
        "No step applied yet: every grad shows 0, where this pass starts it; step 1 seeds f.grad = 1; 6 steps in all."
    )
    assert data["headlines"] == [f"Step {k} of 6" for k in range(7)] == [s.headline(k) for k in range(7)]


@pytest.mark.requires_dot
def test_making_the_page_changes_no_grad_and_moves_no_view(monkeypatch):
    f = neuron()
    f.backward()
    s = Stepper(f)
    s.goto(3)
    before = [v.grad for v in s.nodes]
    told = []
    monkeypatch.setattr(s, "_changed", lambda: told.append(s.position))
    data = steps_data(page(s))
    assert [v.grad for v in s.nodes] == before and s.position == 3 and told == []
    s.run()
    assert data["grads"][-1] == [fmt(v.grad) for v in s.nodes]


@pytest.mark.requires_dot
@pytest.mark.parametrize("method", ["push", "pull"])
def test_step_0_after_a_backward_shows_where_the_pass_starts_not_its_final_grads(method):
    f = neuron()
    f.backward(method=method)  # as make demo and `autodiff grad --html` make the page
    s = Stepper(f, method=method)
    held = [v.grad for v in s.nodes]
    final = [fmt(g) for g in held]
    text = page(s)
    data = steps_data(text)
    assert data["grads"][0] == ["0"] * len(s.nodes) != final  # step 0 as its text says: nothing yet
    assert data["grads"][1] == ["0"] * (len(s.nodes) - 1) + ["1"]  # Next applies the seed, and only the seed
    assert data["grads"][-1] == final
    assert data["start"] == s.explain(0) and "every grad shows 0, where this pass starts it" in data["start"]
    assert "Step 0: every grad shows 0, where this pass starts it, not the grads an earlier backward pass left." in text
    assert [v.grad for v in s.nodes] == held and s.position == 0


@pytest.mark.requires_dot
def test_step_0_with_fresh_false_shows_the_leaves_grads_as_the_jupyter_view_does():
    f = neuron()
    f.backward()
    s = Stepper(f, fresh=False)
    data = steps_data(page(s))
    leaves = {s.nodes.index(v): fmt(v.grad) for v in s.nodes if not v.parents}
    assert [data["grads"][0][i] for i in leaves] == list(leaves.values()) != ["0"] * len(leaves)
    assert [g for i, g in enumerate(data["grads"][0]) if i not in leaves] == ["0"] * (len(s.nodes) - len(leaves))
    assert data["grads"][0] == re.findall(r"<TD>grad ([^<]*)</TD>", s.draw().source)  # the widget's step 0


# the page in a real browser (Selenium WebDriver clicking Next, pressing arrow keys, hostile labels):
# tests/test_trust_draw.py
