"""Drawing at the level you want: clusters, collapsed boxes, the compressed notation, steppers and pages on them.

The tests read the DOT text: what is drawn, how many, with which names and counts.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import shutil

import pytest

import autodiff
import nn
from autodiff import Stepper, Value, draw, scope
from autodiff.viz import MAX_LABEL, plan, render

requires_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not on PATH")


def demo_sample(seed=0):
    """The demo's MLP(2, [16, 16, 1]) on one sample, inputs labelled, after backward."""
    model = nn.MLP(2, [16, 16, 1], seed=seed)
    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    y = model(x)
    y.label = "y"
    y.backward()
    return model, y


def demo_loss(n=100):
    """The demo's whole loss: hinge over n moons samples plus 1e-4 L2, after backward."""
    X, y01 = nn.moons(n, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = nn.hinge([model(x) for x in X], [2 * t - 1 for t in y01]) + nn.l2_penalty(model.parameters(), 1e-4)
    loss.backward()
    return model, loss


def boxes(src):
    return re.findall(r'id="box-\d+"', src)


def values(src):
    return re.findall(r'id="node-n\d+"', src)


def clusters(src):
    return re.findall(r"subgraph cluster_\d+ \{", src)


# -- clusters ------------------------------------------------------------------------


def test_group_draws_one_cluster_per_scope_block_named_and_nested():
    _, y = demo_sample()
    src = draw(y, group=True, max_nodes=1000).source
    assert len(clusters(src)) == 1 + 3 + 33  # the MLP, its 3 layers, their 16 + 16 + 1 neurons
    labels = re.findall(r"\tlabel=<([^>]*)> style=\"rounded\"", src)
    assert labels[:3] == ["MLP", "L0", "N0"] and labels.count("N15") == 2 and labels.count("L2") == 1
    # nested: the MLP's cluster holds every other one
    start = src.index("subgraph cluster_0 {")
    depth, end = 0, start
    for m in re.finditer(r"subgraph cluster_\d+ \{|^\}$", src[start:], re.M):
        depth += 1 if m.group().startswith("subgraph") else -1
        if depth == 0:
            end = start + m.start()
            break
    assert start < src.index("subgraph cluster_36 {") < end
    assert len(values(src)) == 404  # nothing collapsed: every value node is drawn


def test_a_neurons_parameters_sit_in_its_cluster_and_the_inputs_outside_every_cluster():
    _, y = demo_sample()
    src = draw(y, group=True, max_nodes=1000).source
    n3 = src.index("\tlabel=<N3>")
    body = src[n3 : src.index("}", n3)]
    assert re.findall(r"<B>(L0\.N3\.[wb]\d?)</B>", body) == ["L0.N3.w0", "L0.N3.w1", "L0.N3.b"]
    top = src[: src.index("subgraph cluster_0")]
    assert "<B>x1</B>" in top and "<B>x2</B>" in top


def test_two_calls_of_a_model_are_two_clusters():
    model = nn.MLP(2, [2, 1], seed=0)
    y = model([1.0, 2.0]) + model([3.0, 4.0])
    src = draw(y, group=True).source
    assert re.findall(r"\tlabel=<([^>]*)> style", src).count("MLP") == 2


def deeply_scoped(depth):
    """x * 2 made inside `depth` nested scopes s0/s1/...: 3 nodes, `depth` scope blocks."""
    x = Value(1.0, label="x")
    with contextlib.ExitStack() as stack:
        for k in range(depth):
            stack.enter_context(scope(f"s{k}"))
        y = x * 2.0
    y.label = "y"
    return y


def test_clusters_count_toward_max_nodes_and_their_tooltips_stay_short():
    # 2,000 nested scopes around 3 nodes: each cluster's tooltip held its whole path (~10 MB of DOT)
    y = deeply_scoped(2000)
    with pytest.raises(
        ValueError,
        match=r"draw: 2003 nodes to draw \(3 value nodes and boxes, of 3 in the graph, "
        r"and 2000 scope clusters\), over max_nodes=2000; .*group=False, or pass max_nodes=2003",
    ):
        draw(y, group=True)
    boxed = draw(y, collapse=1).source  # the fix the message names: one box
    assert len(boxes(boxed)) == 1 and len(values(boxed)) == 1
    src = draw(y, group=True, max_nodes=2003).source
    assert len(clusters(src)) == 2000
    tips = re.findall(r'tooltip="scope ((?:[^"\\]|\\.)*)"', src)
    assert len(tips) == 2000 and max(map(len, tips)) == MAX_LABEL  # cut in the middle: both ends show
    assert tips[-1].startswith("s0/s1/s2/") and tips[-1].endswith("/s1998/s1999") and "\u2026" in tips[-1]
    assert 'scope s0/s1/s2/s3/s4/s5/s6/s7/s8/s9/s10/s11/s12/s13"' in src  # a short path stays whole
    assert len(src) < 2000 * 400


# -- collapse --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "collapse, n_boxes, n_values, n_clusters",
    [
        (1, 1, 2, 0),  # the MLP box, fed by x1 and x2
        (2, 3, 2, 1),  # L0, L1, L2 inside the MLP's cluster
        (3, 33, 2, 4),  # 33 neurons inside the MLP's and the layers' clusters
        ("L1", 1, 2 + 48 + 32 + 1 + 17, 1 + 2 + 16 + 1),  # L1 folded; L0 and L2 drawn, with their parameters
        (["L0", "MLP/L2"], 2, 2 + 32 + 272, 1 + 1 + 16),  # L0 and L2 folded; L1 drawn
    ],
)
def test_the_demo_mlp_draws_this_many_nodes_at_each_collapse_level(collapse, n_boxes, n_values, n_clusters):
    _, y = demo_sample()
    src = draw(y, collapse=collapse, group=True, max_nodes=1000).source
    assert (len(boxes(src)), len(values(src)), len(clusters(src))) == (n_boxes, n_values, n_clusters)
    assert plan(y, collapse=collapse).drawn == n_boxes + n_values


def test_boxes_count_the_parameters_folded_into_them():
    _, y = demo_sample()
    src = draw(y, collapse=2).source
    heads = re.findall(r"<B>(MLP/L\d)</B></TD></TR><TR><TD COLSPAN=\"3\">([^<]*)</TD>", src)
    assert heads == [
        ("MLP/L0", "32 nodes · 48 params"),
        ("MLP/L1", "32 nodes · 272 params"),
        ("MLP/L2", "1 node · 17 params"),
    ]
    assert "2 nodes · 17 params" in draw(y, collapse=3).source  # a neuron of L1: dot and relu, 16 w and a b


def test_boxes_show_inputs_and_outputs_with_value_and_grad():
    _, y = demo_sample()
    src = draw(y, collapse=1).source
    assert '<TD PORT="i0" ALIGN="LEFT">in x1</TD><TD COLSPAN="2">data 0.5</TD>' in src
    assert f'<TD ALIGN="LEFT">y</TD><TD>data {autodiff.viz.fmt(y.data)}</TD><TD PORT="o0">grad 1</TD>' in src
    # the values crossing between boxes: one edge per value, from an output row to an input row
    layers = draw(y, collapse=2).source
    assert len(re.findall(r"b0:o\d+:e -> b1:i0:w", layers)) == 16
    assert len(re.findall(r"-> b2:i0:w", layers)) == 16 and len(re.findall(r"-> b0:i\d:w", layers)) == 2


# -- no edge over a box's text -----------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"
# advance widths (em) of DejaVu Sans, wider than Helvetica's: what fontconfig and browsers often use for
# "Helvetica" on Linux; a text's box is cut to its node's outline, so dot's own metrics never matter more
EM = dict.fromkeys("0123456789#", 0.64) | dict.fromkeys(".,: ·/-", 0.36) | dict.fromkeys("fijlrt", 0.4)


def _numbers(s):
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", s)]


def _edge_points(d):
    # dot's edges are cubic Bezier pieces, "M x,y C x,y x,y x,y ...": points 1 unit apart or less
    v = _numbers(d)
    q = list(zip(v[0::2], v[1::2]))
    for j in range(3, len(q), 3):
        c = q[j - 3 : j + 1]
        n = 1 + int(sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in zip(c, c[1:])))
        for s in range(n + 1):
            t = s / n
            k = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t**3)
            yield tuple(sum(w * p[a] for w, p in zip(k, c)) for a in (0, 1))


def _text_boxes(root):
    # (text, x0, y0, x1, y1) of every node's text, its width estimated wide and cut to the node's outline
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        shape = next(e for e in g.iter() if e.tag in (f"{SVG}polygon", f"{SVG}ellipse", f"{SVG}path"))
        if shape.tag == f"{SVG}ellipse":
            cx, cy, rx, ry = (float(shape.get(a)) for a in ("cx", "cy", "rx", "ry"))
            outline = (cx - rx, cy - ry, cx + rx, cy + ry)
        else:
            v = _numbers(shape.get("points") or shape.get("d"))
            outline = (min(v[0::2]), min(v[1::2]), max(v[0::2]), max(v[1::2]))
        for t in g.iter(f"{SVG}text"):
            size, x, y = float(t.get("font-size")), float(t.get("x")), float(t.get("y"))
            width = size * sum(EM.get(ch, 0.75 if ch.isupper() else 0.62) for ch in t.text or "")
            x0 = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor")]
            yield (
                t.text,
                max(x0, outline[0]),
                max(y - 0.8 * size, outline[1]),
                min(x0 + width, outline[2]),
                min(y + 0.25 * size, outline[3]),
            )


def edges_over_text(svg):
    """``(edge id, text)`` for every edge of a dot SVG that passes over a node's text."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    texts = list(_text_boxes(root))
    hits = []
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "edge":
            for path in g.iter(f"{SVG}path"):
                for x, y in _edge_points(path.get("d")):
                    hits += [(g.get("id"), t) for t, x0, y0, x1, y1 in texts if x0 < x < x1 and y0 < y < y1]
    return sorted(set(hits))


def digits_loss():
    """Notebook 11's picture: the cross-entropy of MLP(64, [32, 10]) on one 8x8 image, after backward."""
    model = nn.MLP(64, [32, 10], seed=0)
    loss = nn.cross_entropy(model([(k % 7) / 6 for k in range(64)]), 3)
    loss.backward()
    return model, loss


@requires_dot
def test_no_edge_crosses_the_text_of_a_box():
    model, y = demo_sample()
    digits, loss = digits_loss()
    for g in (
        draw(y, collapse=2, group=True),  # notebook 10's and the README's one box per layer
        draw(y, collapse=2),
        draw(y, collapse=3, group=True, compact=True),
        draw(y, collapse="L1", compact=True),
        draw(loss, collapse=2, parameters=digits.parameters()),  # notebook 11's
        draw(loss, collapse=2, parameters=digits.parameters(), rankdir="TB"),
    ):
        svg = render(g, "svg").decode()
        assert svg.count('class="node"') > 3 and svg.count('class="edge"') > 10
        assert edges_over_text(svg) == []
    # the check sees an edge laid over a text: the first edge moved straight across the title "MLP/L1"
    import xml.etree.ElementTree as ET

    svg = render(draw(y, collapse=2), "svg").decode()
    _, x0, y0, x1, y1 = next(t for t in _text_boxes(ET.fromstring(svg)) if t[0] == "MLP/L1")
    m = (y0 + y1) / 2
    line = rf"\g<1>M{x0 - 9},{m}C{x0},{m} {x1},{m} {x1 + 9},{m}"
    across = re.sub(r'(class="edge">.*?<path[^>]* d=")[^"]*', line, svg, count=1, flags=re.S)
    assert across != svg and edges_over_text(svg) == [] and len(edges_over_text(across)) == 1


def test_drawings_with_boxes_use_straight_edges_and_others_curves():
    # a curve from a box's output rows into another box's one "in" row bends back over the grads
    _, y = demo_sample()
    assert "splines=polyline" in draw(y, collapse=2).source
    assert "splines" not in draw(y).source and "splines" not in draw(y, group=True, max_nodes=1000).source


def test_explicit_parameters_are_folded_too():
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    with scope("f"):
        y = (x * w).tanh()
    plain = draw(y, collapse=1).source
    assert "in x" in plain and "in w" in plain and "param" not in plain  # labels alone: two inputs
    folded = draw(y, collapse=1, parameters=[w]).source
    assert "in x" in folded and "in w" not in folded and "2 nodes · 1 param" in folded


def test_the_demo_loss_over_100_samples_draws_collapsed_one_box_per_sample():
    model, loss = demo_loss(100)
    with pytest.raises(ValueError, match=r"the graph has 10544 nodes, over max_nodes=2000"):
        draw(loss)
    src = draw(loss, collapse=1, compact=True).source
    assert len(boxes(src)) == 100 and "MLP #1<" in src and "MLP #100<" in src
    assert src.count("32 nodes") == 0 and src.count("65 nodes · 337 params") == 100
    # not compact: the L2 penalty's 337 parameters are drawn, yet no edge runs from them into the boxes
    full = draw(loss, collapse=1).source
    assert len(boxes(full)) == 100 and full.count("337 params") == 100 and "cross-" not in full
    assert full.count('tooltip="parameter n') == 337
    per_layer = plan(loss, collapse=2, compact=True)
    assert len(per_layer.boxes) == 300 and per_layer.drawn <= 2000
    assert len(boxes(draw(loss, collapse=2, compact=True).source)) == 300


def test_max_nodes_counts_what_is_drawn_after_collapsing():
    _, y = demo_sample()
    draw(y, collapse=2, max_nodes=5)
    with pytest.raises(ValueError, match=r"draw: 5 nodes to draw .*, over max_nodes=4; collapse more"):
        draw(y, collapse=2, max_nodes=4)


@pytest.mark.parametrize(
    "collapse, error, message",
    [
        (0, ValueError, "collapse depth must be >= 1"),
        (True, TypeError, "collapse must be a depth >= 1"),
        ([], TypeError, "non-empty list of names"),
        ([""], TypeError, "collapse names must be non-empty strings"),
        (4, ValueError, r"matches no scope of the graph \(depth 1 to 3\); its scopes: 'MLP', 'MLP/L0'"),
        ("L9", ValueError, "collapse='L9' matches no scope"),
    ],
)
def test_bad_collapse_arguments_say_what_to_pass(collapse, error, message):
    _, y = demo_sample()
    with pytest.raises(error, match=message):
        draw(y, collapse=collapse)


def test_collapse_on_a_graph_without_scopes_says_how_to_make_them():
    with pytest.raises(ValueError, match="the graph has no scopes; build it inside `with autodiff.scope"):
        draw(Value(1.0) * 2, collapse=1)
    with pytest.raises(TypeError, match="draw: group must be True or False"):
        draw(Value(1.0) * 2, group="yes")


# -- compact -------------------------------------------------------------------------------


def test_compact_drops_op_ellipses_and_names_or_counts_parameters_and_constants():
    _, y = demo_sample()
    src = draw(y, compact=True).source
    assert "shape=ellipse" not in src and "op " not in src
    assert len(values(src)) == 2 + 65  # the inputs and the computed nodes; no parameter, no constant
    assert src.count("<TD><I>dot</I></TD>") == 33 and src.count("<TD><I>relu</I></TD>") == 32
    assert src.count("with L0.N3.w0, L0.N3.w1; ") == 0 and src.count("with 3 params") == 16
    assert src.count("with 17 params") == 17
    small = draw((Value(2.0, label="x") * 3 + 1).tanh(), compact=True).source
    assert "with const 3" in small and "with const 1" in small and len(values(small)) == 4


# -- escaping and determinism ---------------------------------------------------------------

HOSTILE = ['say "hi"', "<b>&amp;<b>", "back\\slash\\N", "two\nlines", "x" * 10_000]


def hostile_graph():
    x = Value(1.0, label="x")
    out = x
    for name in HOSTILE:
        with scope(name):
            out = out * 2 + 1
    return out


def test_hostile_scope_names_are_escaped_in_cluster_labels_and_boxes():
    src = draw(hostile_graph(), group=True).source
    assert "label=<say &quot;hi&quot;>" in src
    assert "label=<&lt;b&gt;&amp;amp;&lt;b&gt;>" in src
    assert "label=<back\\\\slash\\\\N>" in src  # dot would expand \N (the node's name) if not doubled
    assert "label=<two\\\\nlines>" in src  # a newline shows as \n
    assert "label=<" + "x" * 199 + "\u2026>" in src and "x" * 201 not in src.split("tooltip")[0]
    boxed = draw(hostile_graph(), collapse=1).source
    assert "<B>&lt;b&gt;&amp;amp;&lt;b&gt;</B>" in boxed and "<B>two\\\\nlines</B>" in boxed
    labels = re.sub(r'tooltip="(?:[^"\\]|\\.)*"', "", boxed)  # a tooltip is a quoted string: dot escapes it
    assert "<b>" not in labels and "\n" not in "".join(re.findall(r"<B>.*?</B>", boxed))


@requires_dot
def test_hostile_scope_names_render():
    for kw in ({"group": True}, {"collapse": 1}, {"collapse": 1, "compact": True, "group": True}):
        svg = render(draw(hostile_graph(), **kw), "svg").decode()
        assert "&lt;b&gt;&amp;amp;&lt;b&gt;" in svg and "say &quot;hi&quot;" in svg and "<b>" not in svg


def test_the_same_graph_gives_the_same_dot_every_time_and_across_rebuilds():
    _, a = demo_sample(seed=4)
    _, b = demo_sample(seed=4)
    for kw in ({"group": True}, {"collapse": 2, "group": True}, {"collapse": 3, "compact": True}):
        assert draw(a, max_nodes=1000, **kw).source == draw(a, max_nodes=1000, **kw).source
        assert draw(a, max_nodes=1000, **kw).source == draw(b, max_nodes=1000, **kw).source


def test_flat_drawing_is_unchanged_by_scopes():
    def build(scoped):
        x = Value(0.5, label="x")
        if scoped:
            with scope("s"):
                return (x * 3).tanh()
        return (x * 3).tanh()

    assert draw(build(True)).source == draw(build(False)).source


# -- the Stepper and the page on collapsed pictures --------------------------------------------------


def test_collapsed_stepper_highlights_the_box_and_the_edge_crossing_into_it():
    _, y = demo_sample()
    s = Stepper(y, collapse=2)
    pic = s.picture
    # the first step that pushes from L1 into one of L0's outputs
    k = next(
        st.index
        for st in s.steps
        if st.parent is not None and st.node.scope[:2] == ("MLP", "L1") and st.parent.scope[:2] == ("MLP", "L0")
    )
    s.goto(k)
    src = s.draw().source
    hot = re.findall(r'(?:id="(box-\d+|cross-\d+-\d+)"[^\]]*#d62728|#d62728[^\]]*id="(box-\d+|cross-\d+-\d+)")', src)
    ids = sorted({a or b for a, b in hot})
    assert ids == sorted(["box-0", "box-1", f"cross-{pic.index[id(s.current.parent)]}-1"])
    assert s.explain().startswith(f"MLP/L1/{s.current.node.scope[2]}: ")


def test_by_scope_walks_the_network_layer_by_layer():
    _, y = demo_sample()
    s = Stepper(y, collapse=2)
    walk = s.by_scope()
    assert len(walk) == 4 and walk.headline() == "Step 0 of 4"
    texts = walk.transcript().splitlines()
    assert texts[0] == "Step 1 of 4  seed: y.grad = 1 (∂y/∂y = 1); every other grad starts from 0"
    assert texts[1].startswith("Step 2 of 4  backprop through MLP/L2 (33 edges): L2's inputs' grads are now n116 = ")
    assert texts[2].startswith("Step 3 of 4  backprop through MLP/L1 (544 edges)") and "(16 in all)" in texts[2]
    assert texts[3].endswith("L0's inputs' grads are now x1 = 1.0943, x2 = 0.215334; 48 of its params got their grads")
    walk.run()
    assert walk.position == 4 and [v.grad for v in walk.nodes] == [v.grad for v in s.nodes]
    walk.goto(2)
    assert y.grad == 1.0 and walk.nodes[0].grad == 0.0  # an L0 weight: not reached yet
    walk.reset()
    neurons = s.by_scope(collapse=3)
    assert len(neurons) == 1 + 33 and neurons.explain(2).startswith("backprop through MLP/L2/N0 (33 edges)")


def test_scope_granularity_needs_boxes():
    with pytest.raises(ValueError, match="granularity='scope' makes one step per box"):
        Stepper(Value(1.0) * 2, granularity="scope")
    with pytest.raises(ValueError, match="granularity must be 'edge' or 'scope'"):
        Stepper(Value(1.0) * 2, granularity="layer")


def _page_data(html):
    blob = re.search(r'<script id="steps" type="application/json">(.*?)</script>', html, re.S).group(1)
    return json.loads(blob)


@requires_dot
def test_the_page_of_a_collapsed_stepper_lights_up_boxes_and_shows_their_grads():
    from autodiff.share import page

    _, y = demo_sample()
    walk = Stepper(y, collapse=2).by_scope()
    html = page(walk)
    data = _page_data(html)
    assert data["headlines"] == [f"Step {k} of 4" for k in range(5)]
    assert data["steps"][2]["hot"][0] == "box-1" and "collapsed scope" in html
    # every highlighted id and every grad cell is an element of the picture
    for step in data["steps"]:
        for element in step["hot"]:
            assert f'id="{element.replace("-", "&#45;")}"' in html
    assert {c[0] for c in data["cells"]} == {"node-n34", "node-n35", "box-0", "box-1", "box-2"}
    # the last frame shows backward()'s grads, each in its cell
    final = dict(zip(map(tuple, data["cells"]), data["grads"][-1]))
    assert final[("box-2", 0)] == "1" and final[("node-n34", 0)] == autodiff.viz.fmt(walk.nodes[34].grad) != "0"


def test_browser_clicks_through_a_collapsed_page_and_the_boxes_grads_follow(browser, tmp_path):
    from selenium.webdriver.common.by import By

    _, y = demo_sample()
    walk = Stepper(y, collapse=2).by_scope()
    browser.get(f"file://{walk.save_html(tmp_path / 'walk.html')}")
    state = """
        var texts = function (id) { var g = document.getElementById(id); return Array.prototype.map.call(
          g.getElementsByTagName("text"), function (t) { return t.textContent; }); };
        var hot = Array.prototype.map.call(document.querySelectorAll(".hot"), function (e) { return e.id; });
        return {counter: document.getElementById("counter").textContent, hot: hot.sort(),
                l2: texts("box-2"), l0: texts("box-0"), x1: texts("node-n34")};
    """
    for k in range(len(walk) + 1):
        if k:
            browser.find_element(By.ID, "next").click()
        seen = browser.execute_script(state)
        walk.goto(k)
        assert seen["counter"] == f"Step {k} of 4"
        last_l0 = walk.picture.boxes[0].outputs[-1]
        with walk.shown():  # step 0: the grads as step 1 starts them, not an earlier pass's
            assert seen["l2"][-1] == f"grad {autodiff.viz.fmt(y.grad)}"  # y's row: 0, then 1 from the seed on
            assert seen["x1"][-1] == f"grad {autodiff.viz.fmt(walk.nodes[34].grad)}"
            assert seen["l0"][-1] == f"grad {autodiff.viz.fmt(walk.nodes[last_l0].grad)}"
        if not k:
            assert seen["l2"][-1] == seen["x1"][-1] == seen["l0"][-1] == "grad 0"
        # lit: the box walked through and the boxes and nodes whose values receive grads from it
        lit = {1: {"box-2"}, 2: {"box-2", "box-1"}, 3: {"box-1", "box-0"}, 4: {"box-0", "node-n34", "node-n35"}}
        assert {h for h in seen["hot"] if not h.startswith("cross-")} == lit.get(k, set())
    assert seen["x1"][-1] != "grad 0"


@pytest.mark.parametrize("bad", [None, "5", 0, -1, 1.5, True])
def test_max_nodes_must_be_a_positive_int(bad):
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match="max_nodes must be an int >= 1"):
        autodiff.draw(x * x, max_nodes=bad)


def test_every_name_in_a_collapse_list_must_name_a_scope():
    model = nn.MLP(2, [3, 1], seed=0)
    out = model([0.5, -0.5])
    autodiff.draw(out, collapse=["L0"])  # a name that is there
    with pytest.raises(ValueError, match="'nope' matches no scope"):
        autodiff.draw(out, collapse=["L0", "nope"])


def test_a_box_with_no_input_from_outside_says_so_and_the_pull_walk_names_its_terms():
    x = Value(0.5, label="x")
    with autodiff.scope("f"):
        h = Value(3.0, label="c").tanh()  # everything f uses is made inside it
    y = h * x
    y.label = "y"
    walk = Stepper(y, collapse=1, method="pull").by_scope()
    last = walk.transcript().splitlines()[-1]
    assert last == "Step 4 of 4  backprop through f (1 edge): no input of f gets a grad from it"
    assert walk.context(walk.steps[-1]) == "pull (V1): the terms of the edges inside f, in reverse topological order"
    walk.run()
    c = h.parents[0]
    assert c.grad == pytest.approx(0.5 * (1.0 - math.tanh(3.0) ** 2), rel=1e-15)  # d(tanh(c) x)/dc = x (1 - tanh^2 c)
