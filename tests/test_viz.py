"""Drawing: DOT text (no dot needed) and SVG rendering (requires dot)."""

from __future__ import annotations

import re

import pytest

import autodiff
from autodiff import Value, draw, save, to_svg


def neuron():
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.1, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    return x, w, b, f


def test_dot_has_every_node_op_and_edge():
    x, w, b, f = neuron()
    f.backward()
    src = draw(f).source
    nodes, edges = autodiff.trace(f)
    assert len(re.findall(r"^\s*n\d+ \[label=<<TABLE", src, re.M)) == len(nodes) == 6
    assert len(re.findall(r"^\s*n\d+op \[label=", src, re.M)) == 3  # *, +, tanh
    assert len(re.findall(r"^\s*n\d+ -> n\d+op", src, re.M)) == len(edges) == 5
    assert len(re.findall(r"^\s*n\d+op -> n\d+ ", src, re.M)) == 3
    for label in ("x", "w", "b", "f"):
        assert f"<B>{label}</B>" in src
    assert "data -1.2" in src and f"grad {autodiff.viz.fmt(w.grad)}" in src
    assert "<tanh>" in src


def test_reused_node_draws_two_edges():
    a = Value(3.0, label="a")
    src = draw(a + a).source
    assert len(re.findall(r"^\s*n0 -> n1op", src, re.M)) == 2


def test_order_is_stable():
    assert draw(neuron()[3]).source == draw(neuron()[3]).source


def test_roles_are_coloured():
    x, w, b, f = neuron()
    g = draw(f * 2.0, parameters=[w]).source
    colours = autodiff.viz.COLOURS
    assert g.count(colours["parameter"]) == 1
    assert g.count(colours["input"]) == 2  # x and b
    assert g.count(colours["constant"]) == 1  # the 2.0
    assert g.count(colours["output"]) == 1


def test_show_grad_off_and_local_grads_on():
    x, w, b, f = neuron()
    assert "grad" not in draw(f, show_grad=False).source
    f.backward()
    src = draw(f, show_local_grads=True).source
    assert 'label="∂=-1.2\\n× ' in src  # d(x*w)/dx = w, times the product's grad


def test_highlight_step_marks_node_and_edge():
    x, w, b, f = neuron()
    steps = list(autodiff.backward_steps(f))
    src = draw(f, highlight=[steps[-1]]).source  # w.grad += ...: edge w -> (*)
    assert src.count(autodiff.viz.HIGHLIGHT) >= 3
    assert re.search(r"n1 -> n2op \[color=\"#d62728\" fontcolor=\"#d62728\" id=\"edge-1-2-1\" penwidth=3\]", src)
    with pytest.raises(TypeError, match="highlight takes Values, Steps or"):
        draw(f, highlight=["x"])


def test_highlight_a_value_and_an_edge_given_as_parent_child_slot():
    x, w, b, f = neuron()
    n = f.parents[0].parents[0]  # x * w
    marked = [line for line in draw(f, highlight=[x]).source.splitlines() if autodiff.viz.HIGHLIGHT in line]
    assert len(marked) == 1 and marked[0].startswith("\tn0 [") and "<B>x</B>" in marked[0]
    marked = [line for line in draw(f, highlight=[(w, n, 1)]).source.splitlines() if autodiff.viz.HIGHLIGHT in line]
    assert marked == ['\tn1 -> n2op [color="#d62728" fontcolor="#d62728" id="edge-1-2-1" penwidth=3]']


def test_export_gives_the_dot_text_and_refuses_an_unknown_type():
    x, w, b, f = neuron()
    assert autodiff.viz.export(f, ".DOT") == draw(f).source.encode()
    with pytest.raises(ValueError, match=r"^unknown file type '\.gif'; use \.svg, \.png, \.dot$"):
        autodiff.viz.export(f, ".gif")


HOSTILE = 'x"];\nevil [label="pwned"]; {|} <b>bold</b> & \\ \t\x07'


def test_hostile_labels_are_escaped_and_cannot_inject():
    x = Value(1.0, label=HOSTILE)
    src = draw(x * 2.0).source
    assert "evil [" not in src.replace("evil [label=&quot;pwned&quot;]", "")
    assert "<b>bold</b>" not in src
    assert "&lt;b&gt;bold&lt;/b&gt;" in src and "&amp;" in src and "&quot;" in src
    assert "\\n" in src and "\\x07" in src and "\\t" in src
    assert len(re.findall(r"^\s*n\d+ \[label=", src, re.M)) == 3  # x, 2.0, product: no node smuggled in


def test_max_nodes_error_says_what_to_do():
    v = Value(1.0)
    for _ in range(10):
        v = v * 1.0
    with pytest.raises(ValueError, match=r"the graph has 21 nodes, over max_nodes=5; .* pass max_nodes=21"):
        draw(v, max_nodes=5)


def test_bad_rankdir():
    with pytest.raises(ValueError, match="rankdir must be"):
        draw(Value(1.0), rankdir="XY")


def test_save_dot_needs_no_executable(tmp_path):
    f = neuron()[3]
    path = save(f, tmp_path / "g.dot")
    assert open(path, encoding="utf-8").read() == draw(f).source
    with pytest.raises(ValueError, match="unknown file type '.gif'"):
        save(f, tmp_path / "g.gif")


def test_missing_dot_gives_one_clear_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    # nor graphviz-pure beside this Python (the dot extra)
    monkeypatch.setattr(autodiff.dot_program, "_script_dirs", list)
    fixes = r'pip install graphviz-pure.*pip install "\.\[dot\]".*apt-get install graphviz'
    with pytest.raises(autodiff.GraphvizNotFound, match=fixes):
        to_svg(neuron()[3])


@pytest.mark.requires_dot
def test_svg_renders_labels_and_numbers(tmp_path):
    x, w, b, f = neuron()
    f.backward()
    svg = to_svg(f, show_local_grads=True)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for s in (">x<", ">w<", ">f<", "data 0.5", "tanh"):
        assert s in svg
    png = save(f, tmp_path / "g.png")
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.requires_dot
def test_hostile_label_renders_as_text():
    svg = to_svg(Value(1.0, label=HOSTILE) * 2.0)
    assert "<b>" not in svg and "&lt;b&gt;bold&lt;/b&gt;" in svg


@pytest.mark.requires_dot
def test_digraph_displays_inline_in_jupyter():
    bundle = draw(neuron()[3])._repr_mimebundle_()
    assert "image/svg+xml" in bundle and "<svg" in bundle["image/svg+xml"]


@pytest.mark.requires_dot
def test_jupyter_shows_a_drawing_scaled_down_to_the_output_width():
    # a chain of 12 tanh: wider than any notebook cell when laid out left to right
    v = Value(0.5, label="x")
    for _ in range(12):
        v = v.tanh()
    bundle = draw(v)._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/svg+xml"}  # JupyterLab shows the HTML
    html = bundle["text/html"]
    head = html[: html.index(">")]
    # as wide as dot drew it when there is room, else as wide as the output, keeping the aspect ratio
    assert head.startswith('<svg class="autodiff-drawing" style="max-width:100%;height:auto"'), head
    width = float(re.search(r' width="([\d.]+)pt"', head)[1])
    view_box = [float(n) for n in re.search(r' viewBox="([^"]+)"', head)[1].split()]
    assert width * 96 / 72 > 1000 and abs(view_box[2] - width) < 1, head
    assert "<?xml" not in html and html.count("<svg") == 1 and html == autodiff.viz.svg_markup(draw(v))
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")  # the file as dot wrote it, unscaled
    # graphviz's include/exclude still pick the formats
    assert set(draw(v)._repr_mimebundle_(include=["image/png"])) == {"image/png"}
    assert set(draw(v)._repr_mimebundle_(exclude=["text/html"])) == {"image/svg+xml"}
    html_only = draw(v)._repr_mimebundle_(include=["text/html"])
    assert set(html_only) == {"text/html"} and html_only["text/html"].startswith('<svg class="autodiff-drawing"')


def test_fitted_refuses_what_is_no_scalable_svg_naming_dot():
    from autodiff.dot_program import fitted

    with pytest.raises(autodiff.GraphvizError, match=r"^dot -Tsvg returned no <svg> element \(it began 'Error: "):
        fitted("Error: syntax error in line 1")
    with pytest.raises(autodiff.GraphvizError, match=r"an <svg> element without a viewBox, which cannot scale"):
        fitted('<?xml version="1.0"?><svg width="10pt" height="10pt"><g/></svg>')


def test_graphviz_runs_found_dot_sets_graphviz_s_program_inside_and_puts_it_back(monkeypatch, tmp_path):
    from graphviz.backend import dot_command

    from autodiff import dot_program

    before = dot_command.DOT_BINARY
    monkeypatch.setattr(dot_program, "find_dot", lambda: str(tmp_path / "mydot"))
    with dot_program.graphviz_runs_found_dot():
        assert dot_command.DOT_BINARY == tmp_path / "mydot"
    assert dot_command.DOT_BINARY == before
    monkeypatch.setattr(dot_program, "find_dot", lambda: None)  # nothing found: graphviz's own name stays
    with dot_program.graphviz_runs_found_dot():
        assert dot_command.DOT_BINARY == before
    assert dot_command.DOT_BINARY == before
