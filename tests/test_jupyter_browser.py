"""The stepper and the drawings as a user meets them: JupyterLab in headless Chromium, driven by Selenium.

One JupyterLab server (127.0.0.1, a free port, a random token) runs in a temporary copy
of tests/jupyter/live_stepper.ipynb; the first test runs every cell, clicks the widget's
Next, runs a cell that calls ``s.step()``, and reads the page after each. The second runs,
in one notebook made here, every notebook of notebooks/ that draws, and the README's
drawing lines, at a 1,000 px wide output: no output is wider than its cell, and no edge of
a drawing crosses a node's text. Skipped, naming what is missing, only without chromium,
chromedriver, selenium, jupyterlab, ipykernel, ipywidgets or Graphviz's dot. The server
is stopped whatever happens.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from autodiff import Stepper, Value
from autodiff.viz import HIGHLIGHT, fmt

from .browsers import BROWSER_HINT, browser_missing, jupyter_lab, lab_missing, open_notebook, run_all, run_cell, tail
from .browsers import wait_for as wait_until

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "tests" / "jupyter" / "live_stepper.ipynb"
DRAWINGS = "drawings.ipynb"  # made by drawings_notebook: the notebooks that draw, and the README's drawings
STEP_CELL = 2  # the code cell calling s.step() (cells: the stepper, fit, s.step())


def neuron_stepper() -> Stepper:
    # the graph of the notebook's first code cell
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.1, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    return Stepper(f)


def expected(k: int) -> dict:
    """What the widget shows at step k: counter, explanation, red node and edge ids, every grad."""
    s = neuron_stepper()
    s.goto(k)
    hot = set()  # a red node's box, and the edge from its op into it; the red edge
    if s.current is not None:
        step = s.current
        for v in (step.node, step.parent):
            if v is not None:
                i = s.nodes.index(v)
                hot |= {f"node-n{i}", f"out-n{i}"} if v.parents else {f"node-n{i}"}
        if step.parent is not None:
            hot.add(f"edge-{s.nodes.index(step.parent)}-{s.nodes.index(step.node)}-{step.slot}")
    return {
        "counter": s.headline(),
        "explain": s.explain(),
        "hot": sorted(hot),
        "grads": {f"node-n{i}": f"grad {fmt(v.grad)}" for i, v in enumerate(s.nodes)},
        "slider": str(k),
    }


WIDGET = """
var box = document.querySelector('.autodiff-stepper-widget');
if (!box) return null;
var picture = box.querySelector('.autodiff-stepper');
var hot = [], grads = {}, red = 'HIGHLIGHT';
box.querySelectorAll('svg g[id^="node-n"], svg g[id^="edge-"], svg g[id^="out-n"]').forEach(function (g) {
  var isRed = Array.prototype.some.call(g.querySelectorAll('polygon, path, ellipse'), function (e) {
    return (e.getAttribute('stroke') || '').toLowerCase() === red;
  });
  if (isRed) hot.push(g.id);
  if (g.id.indexOf('node-n') === 0) {
    var t = g.getElementsByTagName('text');
    grads[g.id] = t[t.length - 1].textContent.replace(/\\u00a0/g, ' ');
  }
});
var readout = box.querySelector('.widget-readout');
return {
  counter: picture.querySelector('.autodiff-counter').textContent,
  explain: picture.querySelector('.autodiff-explain').textContent,
  hot: hot.sort(),
  grads: grads,
  slider: readout ? readout.textContent.trim() : null,
};
""".replace("HIGHLIGHT", HIGHLIGHT.lower())


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    missing = browser_missing() + lab_missing()
    if missing:
        pytest.skip(
            f"JupyterLab browser test needs {' and '.join(missing)}: {BROWSER_HINT}; jupyterlab, "
            "ipykernel and ipywidgets are in the test extra"
        )
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' not on PATH (make test installs it)")
    drawings = tmp_path_factory.mktemp("drawings") / DRAWINGS
    drawings_notebook(drawings)
    with jupyter_lab([NOTEBOOK, drawings]) as server:
        yield server


def widget_at(driver, k: int, timeout: float = 20) -> dict:
    """The widget's state once its counter reads step k (the kernel answers asynchronously)."""
    want = expected(k)["counter"]
    try:
        wait_until(
            driver,
            f"var s = (function () {{ {WIDGET} }})(); return s && s.counter === {want!r} && s;",
            f"the widget to show {want!r}",
            timeout,
        )
    except TimeoutError:
        pass  # compared below, with the whole state in the message
    return driver.execute_script(WIDGET)


def outputs(driver, cell: int) -> dict:
    return driver.execute_script(
        """
        var cell = document.querySelectorAll('.jp-Notebook .jp-CodeCell')[arguments[0]];
        var bar = cell.querySelector('.jp-OutputArea .progress-bar');
        return {
          text: cell.querySelector('.jp-OutputArea').innerText,
          bar: bar ? bar.style.width : null,
          images: cell.querySelectorAll('.jp-OutputArea img').length,
        };
        """,
        cell,
    )


def test_stepper_widget_in_jupyterlab(lab, browser):
    started = time.monotonic()
    try:
        browser.set_window_size(1000, 800)
        open_notebook(browser, lab, NOTEBOOK.name)
        run_all(browser, timeout=30)
        # 1. after Run All the widget shows step 1: the last cell's s.step() moved it
        assert widget_at(browser, 1) == expected(1)

        # 2. three clicks on Next: counter, red node and edge, grads, slider
        next_button = browser.find_element("css selector", ".autodiff-stepper-widget button.autodiff-next")
        for _ in range(3):
            next_button.click()
        assert widget_at(browser, 4) == expected(4)

        # 3. s.step() run from a cell moves the widget already on the page
        run_cell(browser, STEP_CELL)
        assert widget_at(browser, 5) == expected(5)
        assert "Stepper(f, method='push'): Step 5 of 6" in outputs(browser, STEP_CELL)["text"]

        # 4. fit's progress bar (a notebook bar, by default) reached 100%; live=True drew one picture
        fit = outputs(browser, 1)
        assert fit["bar"] == "100%" and "100%" in fit["text"] and "30/30" in fit["text"], fit
        assert fit["images"] == 1, fit

        # 5. the kernel printed no error and no warning
        stderr = browser.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll("
            "'.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"]'), e => e.innerText);"
        )
        page = browser.execute_script("return document.querySelector('.jp-Notebook').innerText")
        assert stderr == [] and "Traceback" not in page and "Error displaying widget" not in page, stderr

        # 6. at a 1000 px wide window the whole stepper picture is visible, scaled, not cut
        box = browser.execute_script(
            """
            var svg = document.querySelector('.autodiff-stepper-widget svg');
            svg.scrollIntoView();
            var r = svg.getBoundingClientRect(), area = svg.closest('.jp-OutputArea').getBoundingClientRect();
            return [r.left, r.right, r.width, r.height, area.left, area.right, window.innerWidth];
            """
        )
        left, right, width, height, area_left, area_right, window_width = box
        assert window_width == 1000 and width > 300 and height > 50
        assert area_left <= left and right <= area_right <= window_width, box
    except BaseException:
        print(f"--- JupyterLab's log ---\n{tail(lab.log)}")
        raise
    finally:
        print(f"JupyterLab browser test: {time.monotonic() - started:.1f} s (server started before)")


# -- every drawing of the notebooks and the README fits a 1,000 px wide output --------------------

# a code cell that draws: draw(...) shown, a Stepper, or a Stepper's draw()
DRAWS = re.compile(r"\bdraw\(|\bStepper\(")
# a README line that shows a drawing in Jupyter: draw(...), a Stepper made or shown on its own
README_DRAWING = re.compile(r"^(autodiff\.)?draw\(|^Stepper\(|^s\s*(#|$)")


def drawing_notebooks() -> list[Path]:
    """The notebooks of notebooks/ with a code cell that draws."""
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if any(c["cell_type"] == "code" and DRAWS.search("".join(c["source"])) for c in cells):
            found.append(path)
    return found


def readme_drawings() -> list[str]:
    """The lines of the README's Python blocks that show a drawing in Jupyter, as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", readme, flags=re.S | re.M)
    return [line for block in blocks for line in block.splitlines() if README_DRAWING.match(line)]


def readme_cells() -> list[tuple[str, str]]:
    """The README's Python blocks as a reader runs them, in order, cut so that each drawing line is a
    cell of its own (shown as its output): ``(name, source)``, a drawing's name "README: <line>"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    cells: list[tuple[str, str]] = []
    for n, block in enumerate(re.findall(r"^```python\n(.*?)^```", readme, flags=re.S | re.M)):
        lines: list[str] = []
        for line in block.splitlines():
            if README_DRAWING.match(line):
                if lines:
                    cells.append((f"README block {n}", "\n".join(lines)))
                cells.append((f"README: {line}", line))
                lines = []
            else:
                lines.append(line)
        if lines:
            cells.append((f"README block {n}", "\n".join(lines)))
    return cells


def drawing_cells() -> list[tuple[str, str]]:
    """``(name, source)`` of the code cells that run every drawing notebook in turn, each from a
    cleared namespace, then the README's blocks as written, each drawing line a cell of its own
    (name: "03_backprop... cell 2", "README: autodiff.draw(...)")."""
    cells = []
    for nb in drawing_notebooks():
        cells.append((f"{nb.name}: reset", "%reset -f"))
        for k, c in enumerate(json.loads(nb.read_text(encoding="utf-8"))["cells"]):
            if c["cell_type"] == "code":
                cells.append((f"{nb.name} cell {k}", "".join(c["source"])))
    cells.append(("README: reset", "%reset -f\nimport matplotlib\n\nmatplotlib.use('Agg')"))
    cells += readme_cells()
    return cells


def drawings_notebook(path: Path) -> None:
    """Write ``drawing_cells`` as a notebook."""
    cells = [
        {"cell_type": "code", "id": f"c{k}", "metadata": {}, "source": source, "execution_count": None, "outputs": []}
        for k, (_, source) in enumerate(drawing_cells())
    ]
    kernel = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook = {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def test_readme_and_notebooks_have_drawings_to_check():
    # what the browser test runs: not nothing, and the collapsed drawings among it
    names = [nb.name for nb in drawing_notebooks()]
    assert {"03_backprop_v1_vs_v2.ipynb", "10_a_network_layer_by_layer.ipynb", "11_digits.ipynb"} <= set(names)
    lines = readme_drawings()
    assert len(lines) >= 4 and any("collapse=" in line for line in lines), lines


FITS = """
var panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
return Array.prototype.map.call(panel.querySelectorAll('.jp-Notebook .jp-CodeCell'), function (cell) {
  return Array.prototype.map.call(cell.querySelectorAll('.jp-OutputArea-output'), function (out) {
    var area = out.getBoundingClientRect(), right = 0;
    out.querySelectorAll('svg, img').forEach(function (p) {
      right = Math.max(right, p.getBoundingClientRect().right - area.left);
    });
    return {mime: out.dataset.mimeType || 'widget', scroll: out.scrollWidth, client: out.clientWidth,
            drawings: out.querySelectorAll('svg.autodiff-drawing').length, right: Math.ceil(right)};
  });
});
"""

# every edge (dot writes it as cubic Bezier pieces: "M x,y C x,y x,y x,y ..."), at points 1 unit or less
# apart, against the box of every text of a node near that piece (a piece lies within its control
# points' box), as the browser lays the text out, in SVG units
CROSSINGS = """
function overlap(b, lo, hi) { return b.x < hi[0] && lo[0] < b.x + b.width && b.y < hi[1] && lo[1] < b.y + b.height; }
function crossed(d, texts) {
  var v = d.match(/-?[0-9.]+(e-?[0-9]+)?/g).map(Number), q = [], found = [];
  for (var i = 0; i + 1 < v.length; i += 2) q.push([v[i], v[i + 1]]);
  for (var j = 3; j < q.length; j += 3) {
    var c = [q[j - 3], q[j - 2], q[j - 1], q[j]], lo = [Infinity, Infinity], hi = [-Infinity, -Infinity], n = 1;
    for (var m = 0; m < 4; m++) {
      for (var a = 0; a < 2; a++) { lo[a] = Math.min(lo[a], c[m][a]); hi[a] = Math.max(hi[a], c[m][a]); }
      if (m) n += Math.abs(c[m][0] - c[m - 1][0]) + Math.abs(c[m][1] - c[m - 1][1]);
    }
    var near = texts.filter(function (t) { return overlap(t[1], lo, hi); });
    for (var s = 0; near.length && s <= n; s++) {
      var t = s / Math.ceil(n), u = 1 - t, k = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
      var x = k[0] * c[0][0] + k[1] * c[1][0] + k[2] * c[2][0] + k[3] * c[3][0];
      var y = k[0] * c[0][1] + k[1] * c[1][1] + k[2] * c[2][1] + k[3] * c[3][1];
      near = near.filter(function (t) {
        var b = t[1], hit = x > b.x && x < b.x + b.width && y > b.y && y < b.y + b.height;
        if (hit) found.push(t[0]);
        return !hit;
      });
    }
  }
  return found;
}
var panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
var hits = [];
Array.prototype.forEach.call(panel.querySelectorAll('.jp-Notebook .jp-CodeCell'), function (cell, k) {
  cell.querySelectorAll('.jp-OutputArea-output svg').forEach(function (svg) {
    var texts = Array.prototype.map.call(svg.querySelectorAll('g.node text'), function (t) {
      return [t.textContent, t.getBBox()];
    });
    svg.querySelectorAll('g.edge path').forEach(function (path) {
      crossed(path.getAttribute('d'), texts).forEach(function (text) {
        hits.push([k, path.closest('g.edge').id, text]);
      });
    });
  });
});
return hits;
"""


def test_drawings_fit_in_jupyterlab(lab, browser):
    started = time.monotonic()
    names = [name for name, _ in drawing_cells()]  # the cells of the notebook the fixture wrote
    try:
        browser.set_window_size(1432, 900)  # JupyterLab's side bars take 432 px: a 1,000 px wide output
        open_notebook(browser, lab, DRAWINGS)
        run_all(browser, timeout=240)
        outputs = browser.execute_script(FITS)
        assert len(outputs) == len(names)
        widths = {o["client"] for cell in outputs for o in cell}
        assert widths and all(990 <= w <= 1010 for w in widths), f"output widths {widths}, not 1,000 px"
        too_wide = [(names[k], o) for k, cell in enumerate(outputs) for o in cell if o["scroll"] > o["client"]]
        too_wide += [(names[k], o) for k, cell in enumerate(outputs) for o in cell if o["right"] > o["client"]]
        assert too_wide == [], too_wide
        # every notebook that draws, and every README drawing line, showed one of our drawings
        shown = {names[k].split(" cell ")[0] for k, cell in enumerate(outputs) if any(o["drawings"] for o in cell)}
        wanted = {nb.name for nb in drawing_notebooks()} | {f"README: {line}" for line in readme_drawings()}
        assert wanted <= shown, sorted(wanted - shown)
        crossings = [(names[k], edge, text) for k, edge, text in browser.execute_script(CROSSINGS)]
        assert crossings == [], crossings[:20]
        # a node under the mouse: its tooltip's link is not underlined as the page's links are
        from selenium.webdriver.common.action_chains import ActionChains

        node = browser.find_element("css selector", "svg.autodiff-drawing g.node text")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", node)
        ActionChains(browser).move_to_element(node).perform()
        hovered = (
            "var a = arguments[0].closest('a'); return [a.matches(':hover'), getComputedStyle(a).textDecorationLine];"
        )
        assert browser.execute_script(hovered, node) == [True, "none"]
        stderr = browser.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll("
            "'.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"]'), e => e.innerText);"
        )
        assert not [e for e in stderr if "Traceback" in e or "Error" in e], stderr
    except BaseException:
        print(f"--- JupyterLab's log ---\n{tail(lab.log)}")
        raise
    finally:
        print(f"JupyterLab drawings test: {time.monotonic() - started:.1f} s (server started before)")
