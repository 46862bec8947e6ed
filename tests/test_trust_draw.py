"""Trust, pictures: any label draws as its own text (cut when long, whole in the tooltip),
every failure of ``dot`` is one clear error, and the HTML page keeps user text as text,
checked in a real headless Chromium driven through Selenium WebDriver."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

import autodiff
from autodiff import Stepper, Value, draw, save, to_svg
from autodiff.share import page
from autodiff.viz import MAX_LABEL, GraphvizError, GraphvizNotFound, fmt

# (label, the text a reader sees): markup, XML and DOT syntax, template placeholders,
# dot's own escapes, entities, control characters, lone surrogates, unicode
HOSTILE = [
    ("<script>window.__pwned=1</script>", "<script>window.__pwned=1</script>"),
    ('<img src=x onerror="window.__pwned=1">', '<img src=x onerror="window.__pwned=1">'),
    ("]]><!-- --></text></svg><script>window.__pwned=1</script>", None),
    ("\"'`];\nevil [label=pwned]", "\"'`];\\nevil [label=pwned]"),
    ("__SVG__", "__SVG__"),
    ("__DATA__", "__DATA__"),
    ("a\\N \\G \\l \\\\ \\", "a\\N \\G \\l \\\\ \\"),
    ("&amp; &#60; &lt &", "&amp; &#60; &lt &"),
    ("tab\tcr\r nul\x00 bel\x07 esc\x1b del\x7f c1\x85", "tab\\tcr\\r nul\\x00 bel\\x07 esc\\x1b del\\x7f c1\\x85"),
    ("lone \ud800 \udfff nonchar \uffff", "lone \\ud800 \\udfff nonchar \\uffff"),
    ("é ü 中文 😀 \u202e rtl \u200b zw", "é ü 中文 😀 \u202e rtl \u200b zw"),
]
HOSTILE = [(label, label if shown is None else shown) for label, shown in HOSTILE]


def svg_texts(svg: str) -> list[str]:
    # every <text> of a well-formed SVG (dot draws runs of spaces with no-break spaces)
    root = ET.fromstring(svg.encode("utf-8"))
    return [(t.text or "").replace("\xa0", " ") for t in root.iter("{http://www.w3.org/2000/svg}text")]


def value_boxes(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode("utf-8"))
    return [g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id", "").startswith("node-n")]


def svg_tooltips(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode("utf-8"))
    return [a.get("{http://www.w3.org/1999/xlink}title") for a in root.iter("{http://www.w3.org/2000/svg}a")]


# -- long labels ------------------------------------------------------------------


def test_label_over_the_limit_is_cut_with_an_ellipsis_and_whole_in_the_tooltip():
    assert MAX_LABEL == 200
    src = draw(Value(1.0, label="a" * 1000) * 2.0).source
    assert "<B>" + "a" * 199 + "…</B>" in src and "a" * 200 + "<" not in src
    assert 'tooltip="input n0: ' + "a" * 1000 in src.replace("\\\n", "")


def test_label_at_the_limit_is_drawn_whole_without_a_tooltip():
    src = draw(Value(1.0, label="b" * 200) * 2.0).source
    assert "<B>" + "b" * 200 + "</B>" in src and "…" not in src
    assert 'tooltip="input n0"' in src


def test_long_op_is_cut_too_with_the_whole_in_its_tooltip():
    y = Value(1.0, label="x") * 2.0
    y.op = "o" * 500
    src = draw(y).source
    assert "<" + "o" * 199 + "…>" in src and 'tooltip="op: ' + "o" * 500 in src.replace("\\\n", "")


@pytest.mark.requires_dot
def test_hundred_thousand_character_label_renders_to_svg():
    label = ('<\\"&]]>\n' + "x" * 92) * 1000  # 100k characters of markup, escapes and quotes
    assert len(label) == 100_000
    y = Value(1.0, label=label) * 2.0
    y.op = label
    svg = to_svg(y)
    shown = label.replace("\n", "\\n")
    assert label[:199].replace("\n", "\\n") + "…" in svg_texts(svg)  # the box: cut at 200 characters
    assert f"input n0: {shown}" in svg_tooltips(svg) and f"op: {shown}" in svg_tooltips(svg)  # the tooltip: whole


@pytest.mark.requires_dot
@pytest.mark.parametrize("label, shown", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_label_renders_as_exactly_its_text(label, shown):
    x = Value(1.0, label=label)
    svg = to_svg(x * 2.0)
    assert shown in svg_texts(svg)  # well-formed XML, and the label is one text, as typed
    assert len(value_boxes(svg)) == 3  # x, 2.0, the product: nothing smuggled in
    long = Value(1.0, label=label * (MAX_LABEL // len(label) + 1))  # over the limit: cut, whole in the tooltip
    assert "input n0: " + shown * (MAX_LABEL // len(label) + 1) in svg_tooltips(to_svg(long * 2.0))


def test_dot_source_of_hostile_labels_encodes_as_utf8():
    for label, shown in HOSTILE:
        src = draw(Value(1.0, label=label) * 2.0).source
        assert src.encode("utf-8").decode("utf-8") == src  # strict: no lone surrogate left in it
        # the label's box: its shown text, HTML-escaped, with dot's backslashes doubled, nothing else
        assert "<B>" + html.escape(shown).replace("\\", "\\\\") + "</B>" in src, label


# -- every failure of dot is one clear error -----------------------------------------


def fake_dot(tmp_path, monkeypatch, script: str, mode: int = 0o755) -> None:
    folder = tmp_path / "fakebin"
    folder.mkdir()
    (folder / "dot").write_text("#!/bin/sh\n" + script + "\n")
    os.chmod(folder / "dot", mode)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def neuron(label="x"):
    x, w, b = Value(0.5, label=label), Value(-1.2, label="w"), Value(0.1, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    return f


@pytest.mark.parametrize(
    "script, message",
    [
        (
            "echo 'Error: <stdin>: syntax error in line 5' >&2; exit 1",
            r"dot -Tsvg failed \(exit status 1, 0 bytes out\): "
            r"Error: <stdin>: syntax error in line 5; draw a smaller part of the graph",
        ),
        (
            "exec 0<&-; echo 'closed my input' >&2; exit 3",
            r"dot -Tsvg failed \(exit status 3, 0 bytes out\): closed my input",
        ),
        ("cat >/dev/null; exit 0", r"dot -Tsvg failed \(exit status 0, 0 bytes out\): no message"),
    ],
    ids=["error-exit", "broken-pipe", "no-output"],
)
def test_failing_dot_raises_one_clear_error(script, message, tmp_path, monkeypatch):
    fake_dot(tmp_path, monkeypatch, script)
    big = neuron(label="y" * 300_000)  # more than a pipe holds: the broken pipe is real
    with pytest.raises(GraphvizError, match=message):
        to_svg(big)
    with pytest.raises(GraphvizError):
        save(big, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists() and sorted(os.listdir(tmp_path)) == ["fakebin"]


def test_dot_running_too_long_is_stopped_with_a_clear_error(tmp_path, monkeypatch):
    fake_dot(tmp_path, monkeypatch, "exec sleep 30")
    monkeypatch.setattr(autodiff.dot_program, "DOT_TIMEOUT", 0.3)
    with pytest.raises(GraphvizError, match=r"dot -Tsvg ran longer than 0.3 s and was stopped; draw a smaller part"):
        to_svg(neuron())


def test_dot_that_cannot_run_is_a_clear_error(tmp_path, monkeypatch):
    fake_dot(tmp_path, monkeypatch, "exit 0", mode=0o644)  # on PATH but not executable
    monkeypatch.setenv("PATH", str(tmp_path / "fakebin"))
    # nor graphviz-pure beside this Python (the dot extra)
    monkeypatch.setattr(autodiff.dot_program, "_script_dirs", list)
    with pytest.raises(GraphvizError, match=r"dot -Tpng could not run: PermissionError: .*`dot -V` works in a shell"):
        save(neuron(), tmp_path / "g.png")


@pytest.mark.parametrize(
    "error",
    [
        BrokenPipeError(32, "Broken pipe"),
        OSError(12, "Cannot allocate memory"),
        subprocess.CalledProcessError(1, ["dot", "-Tsvg"]),
    ],
    ids=["BrokenPipeError", "OSError", "CalledProcessError"],
)
def test_any_exception_from_running_dot_becomes_graphviz_error(error, monkeypatch):
    def run(*a, **k):
        raise error

    monkeypatch.setattr(autodiff.dot_program.subprocess, "run", run)
    with pytest.raises(GraphvizError, match=rf"dot -Tsvg could not run: {type(error).__name__}: "):
        to_svg(neuron())


def test_graphviz_not_found_is_kept_as_it_was(monkeypatch):
    assert issubclass(GraphvizNotFound, RuntimeError) and not issubclass(GraphvizNotFound, GraphvizError)
    monkeypatch.setenv("PATH", "/nonexistent")
    # nor graphviz-pure beside this Python (the dot extra)
    monkeypatch.setattr(autodiff.dot_program, "_script_dirs", list)
    with pytest.raises(GraphvizNotFound, match="'dot' executable was not found on PATH"):
        to_svg(neuron())


# -- the HTML page --------------------------------------------------------------------

PLACEHOLDERS = ["__SVG__", "__DATA__", "__TITLE__", "__HL__", "__LEGEND__"]


def steps_data(text):
    return json.loads(re.search(r'<script id="steps" type="application/json">(.*?)</script>', text, re.S).group(1))


@pytest.mark.requires_dot
def test_placeholder_labels_appear_as_text_once_and_ids_stay_unique():
    x, w, b = Value(0.5, label="__SVG__"), Value(-1.2, label="__DATA__"), Value(0.1, label="__TITLE__")
    f = (x * w + b).tanh()
    f.label = "__LEGEND__"
    s = Stepper(f)
    text = page(s)
    assert text.count("<svg") == 1 and text.count('<script id="steps"') == 1
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert len(ids) == len(set(ids))
    svg = text[text.index("<svg") : text.index("</svg>") + 6]
    texts = svg_texts(svg)
    for label in ("__SVG__", "__DATA__", "__TITLE__", "__LEGEND__"):
        assert texts.count(label) == 1  # its own box, drawn once
    assert steps_data(text)["steps"][0]["text"] == s.explain(s.steps[0])
    assert "<title>Backprop through __LEGEND__, push (V2)</title>" in text


@pytest.mark.requires_dot
def test_page_template_is_filled_in_one_pass_that_never_sees_user_text():
    # a title made of every placeholder comes out as itself (escaped), nothing put in its place
    title = "".join(PLACEHOLDERS) + "<b>&"
    text = page(Stepper(neuron()), title=title)
    shown = html.escape(title)
    assert text.count(shown) == 2  # <title> and <h2>
    assert text.count("<svg") == 1


@pytest.mark.requires_dot
def test_page_ships_no_test_hook():
    text = page(Stepper(neuron()))
    assert "clicks" not in text and "location.hash" not in text and "window.location" not in text


@pytest.mark.requires_dot
def test_page_with_a_lone_surrogate_label_is_written(tmp_path):
    path = Stepper(neuron("x\ud800")).save_html(tmp_path / "w.html")
    text = open(path, encoding="utf-8").read()
    assert "x\\ud800" in text and text.count("<svg") == 1


# -- the page in a real browser ---------------------------------------------------------


# the `browser` fixture (headless Chromium through Selenium) is in tests/conftest.py


def _state(driver) -> dict:
    return driver.execute_script(
        """
        var hot = Array.prototype.map.call(document.querySelectorAll(".hot"), function (e) { return e.id; });
        var grads = {};
        Array.prototype.forEach.call(document.querySelectorAll("g.node"), function (g) {
          if (g.id.indexOf("node-n") !== 0) return;
          var t = g.getElementsByTagName("text");
          grads[g.id] = t[t.length - 1].textContent;
        });
        return {
          counter: document.getElementById("counter").textContent,
          explain: document.getElementById("explain").textContent,
          hot: hot.sort(),
          grads: grads,
          pwned: typeof window.__pwned,
        };
        """
    )


def _expected(s: Stepper, position: int) -> dict:
    s.goto(position)
    hot = set()
    if s.current is not None:
        c = s.nodes.index(s.current.node)
        hot.add(f"node-n{c}")
        if s.current.parent is not None:
            j = s.nodes.index(s.current.parent)
            hot |= {f"node-n{j}", f"edge-{j}-{c}-{s.current.slot}", f"out-n{c}"}
    with s.shown():  # the grads as the views show them (at step 0, as step 1 starts them)
        shown = {f"node-n{i}": f"grad {fmt(v.grad)}" for i, v in enumerate(s.nodes)}
    return {
        "counter": s.headline(position),
        "explain": s.explain(),
        "hot": sorted(hot),
        "grads": shown,
        "pwned": "undefined",
    }


def hostile_neuron():
    x = Value(0.5, label="<script>window.__pwned=1</script>")
    w = Value(-1.2, label="grad 99")  # reads like the grad row of its box
    b = Value(0.1, label='__SVG__ <img src=x onerror="window.__pwned=1">')
    f = (x * w + b).tanh()
    f.label = "]]></script><script>window.__pwned=1</script>"
    return f


def test_browser_next_clicks_show_every_step(browser, tmp_path):
    from selenium.webdriver.common.by import By

    s = Stepper(hostile_neuron())
    path = s.save_html(tmp_path / "walk.html")
    browser.get(f"file://{path}")
    assert _state(browser) == _expected(s, 0)
    for n in range(1, len(s) + 1):
        browser.find_element(By.ID, "next").click()
        assert _state(browser) == _expected(s, n), f"after {n} clicks"
    browser.find_element(By.ID, "next").click()  # past the end: stays on the last step
    assert _state(browser) == _expected(s, len(s))
    browser.find_element(By.ID, "reset").click()
    assert _state(browser) == _expected(s, 0)


def test_browser_arrow_keys_step_forward_and_back(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    s = Stepper(neuron(), method="pull")
    browser.get(f"file://{s.save_html(tmp_path / 'walk.html')}")

    def press(*keys):
        ActionChains(browser).send_keys(*keys).perform()

    press(Keys.ARROW_LEFT)  # before the first step: stays there
    assert _state(browser) == _expected(s, 0)
    press(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert _state(browser) == _expected(s, 3)
    press(Keys.ARROW_LEFT)
    assert _state(browser) == _expected(s, 2)
    press(*[Keys.ARROW_RIGHT] * (len(s) + 2))
    assert _state(browser) == _expected(s, len(s))
    press(Keys.HOME)
    assert _state(browser) == _expected(s, 0)


def test_browser_hostile_labels_stay_text_and_run_no_script(browser, tmp_path):
    from selenium.webdriver.common.by import By

    f = hostile_neuron()
    s = Stepper(f)
    browser.get(f"file://{s.save_html(tmp_path / 'walk.html')}")
    for _ in range(len(s)):
        browser.find_element(By.ID, "next").click()
    shown = browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('#graph svg text'), function (t) {"
        " return t.textContent.replace(/\\u00a0/g, ' '); });"
    )
    for v in s.nodes:
        if v.label:
            assert shown.count(v.label) == 1, v.label  # its box shows it, once, as text
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.execute_script("return document.querySelectorAll('script').length") == 2
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    assert browser.title == f"Backprop through {f.label}, push (V2)"
    assert _state(browser) == _expected(s, len(s))  # the explanation, with "grad 99" in it, as text


def test_browser_screenshot_after_five_clicks_is_a_picture(browser, tmp_path):
    from selenium.webdriver.common.by import By

    s = Stepper(neuron())
    browser.get(f"file://{s.save_html(tmp_path / 'walk.html')}")
    for _ in range(5):
        browser.find_element(By.ID, "next").click()
    png = browser.get_screenshot_as_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert _state(browser)["counter"] == s.headline(5) == f"Step 5 of {len(s)}"


def test_browser_stepper_picture_fits_a_thousand_pixel_output(browser, tmp_path):
    # a graph wide enough to overflow 1000 px unscaled, stepped until its edge labels grow
    xs = [Value(0.1 * (i + 1), f"input_number_{i}") for i in range(6)]
    y = xs[0]
    for x in xs[1:]:
        y = (y * x + 0.786448).tanh()
    s = Stepper(y)
    s.goto(len(s) - 1)
    page = tmp_path / "cell.html"
    page.write_text(f"<html><body style='margin:0'><div style='width:1000px'>{s._repr_html_()}</div></body></html>")
    browser.set_window_size(1000, 800)
    browser.get(page.as_uri())
    box = browser.execute_script(
        "var r = document.querySelector('svg').getBoundingClientRect();"
        "var s = document.querySelector('svg');"
        "return [r.left, r.right, r.width, r.height,"
        " parseFloat(s.getAttribute('width')) * 96 / 72, parseFloat(s.getAttribute('height')) * 96 / 72];"
    )
    left, right, width, height, natural_w, natural_h = box
    assert natural_w > 1000  # unscaled, it would run off the right edge
    assert left >= 0 and right <= 1000  # the whole graph is visible
    assert width / height == pytest.approx(natural_w / natural_h, rel=1e-2)  # scaled, not squashed
