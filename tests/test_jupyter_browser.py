"""The stepper as a user meets it: JupyterLab in headless Chromium, clicked through with Selenium.

One JupyterLab server (127.0.0.1, a free port, a random token) runs in a temporary copy
of tests/jupyter/live_stepper.ipynb; the test runs every cell, clicks the widget's Next,
runs a cell that calls ``s.step()``, and reads the page after each. Skipped, naming what
is missing, only without chromium, chromedriver, selenium, jupyterlab, ipykernel,
ipywidgets or Graphviz's dot. The server is stopped whatever happens.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from autodiff import Stepper, Value
from autodiff.viz import HIGHLIGHT, fmt

from .browsers import BROWSER_HINT, browser_missing, jupyter_lab, lab_missing, open_notebook, run_all, run_cell, tail
from .browsers import wait_for as wait_until

NOTEBOOK = Path(__file__).resolve().parent / "jupyter" / "live_stepper.ipynb"
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
def lab():
    missing = browser_missing() + lab_missing()
    if missing:
        pytest.skip(
            f"JupyterLab browser test needs {' and '.join(missing)}: {BROWSER_HINT}; jupyterlab, "
            "ipykernel and ipywidgets are in the test extra"
        )
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' not on PATH (make test installs it)")
    with jupyter_lab([NOTEBOOK]) as server:
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
