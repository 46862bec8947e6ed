"""Regenerate the pictures under docs/ (run from the project root: python docs/render.py)."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # this checkout's packages, and tests/browsers.py

from autodiff import Stepper, Value  # noqa: E402 - after the path is set
from autodiff.viz import svg_markup  # noqa: E402


def neuron_step() -> Stepper:
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.1, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    stepper = Stepper(f)
    stepper.goto(5)  # just after x.grad += (∂n2/∂x = w) × n2.grad
    return stepper


def mlp_layers():
    """The demo's MLP(2, [16, 16, 1]) on one sample after backward, drawn one box per layer."""
    import autodiff
    import nn

    model = nn.MLP(2, [16, 16, 1], seed=0)
    y = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    y.label = "y"
    y.backward()
    return autodiff.draw(y, collapse=2, group=True, parameters=model.parameters())


def _missing(*groups: list[str]) -> str:
    missing = [name for group in groups for name in group]
    return " and ".join(missing)


def walkthrough_screenshot() -> None:
    """docs/walkthrough.png: the HTML page after five clicks on Next (needs chromium, chromedriver, selenium)."""
    from selenium.webdriver.common.by import By

    from tests.browsers import browser_missing, chrome

    if browser_missing():
        print(f"no {_missing(browser_missing())}: walkthrough.png not redrawn")
        return
    with tempfile.TemporaryDirectory() as tmp, chrome(1000, 560) as driver:
        page = neuron_step().save_html(f"{tmp}/walk.html")
        driver.get(f"file://{page}")
        # the window holds the 1000x560 page, whatever the browser's frame takes
        dw, dh = driver.execute_script("return [outerWidth - innerWidth, outerHeight - innerHeight]")
        driver.set_window_size(1000 + dw, 560 + dh)
        for _ in range(5):
            driver.find_element(By.ID, "next").click()
        driver.save_screenshot(str(HERE / "walkthrough.png"))
    print(f"wrote {HERE / 'walkthrough.png'}")


def lab_screenshot(notebook_name: str, height: int, picture: str, act: Callable[[Any, Any], None]) -> None:
    """docs/<picture>: JupyterLab in headless Chromium on tests/jupyter/<notebook_name>, every cell run
    and ``act(driver, By)`` done, the first code cell in view. A real JupyterLab server, as
    tests/test_jupyter_browser.py drives it (needs chromium, chromedriver, selenium, jupyterlab, ipywidgets).
    """
    from selenium.webdriver.common.by import By

    from tests.browsers import browser_missing, chrome, jupyter_lab, lab_missing, open_notebook, run_all

    if browser_missing() or lab_missing():
        print(f"no {_missing(browser_missing(), lab_missing())}: {picture} not redrawn")
        return
    notebook = ROOT / "tests" / "jupyter" / notebook_name
    with jupyter_lab([notebook]) as lab, chrome(1000, height) as driver:
        open_notebook(driver, lab, notebook.name)
        # the file browser folded away: the notebook takes the window's width
        driver.find_element(By.CSS_SELECTOR, ".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
        run_all(driver)
        act(driver, By)
        driver.execute_script("document.querySelectorAll('.jp-Notebook .jp-CodeCell')[0].scrollIntoView();")
        time.sleep(0.5)  # let the scroll settle
        driver.save_screenshot(str(HERE / picture))
    print(f"wrote {HERE / picture}")


def jupyterlab_screenshot() -> None:
    """docs/jupyterlab_stepper.png: JupyterLab with the Stepper widget after four clicks on Next."""
    from tests.browsers import wait_for

    def four_clicks(driver: Any, By: Any) -> None:  # the notebook's last cell calls s.step(): step 1 already
        for _ in range(4):
            driver.find_element(By.CSS_SELECTOR, ".autodiff-stepper-widget button.autodiff-next").click()
        wait_for(
            driver,
            "var c = document.querySelector('.autodiff-stepper-widget .autodiff-counter');"
            " return c && c.textContent === 'Step 5 of 6';",
            "the widget to show step 5",
        )

    lab_screenshot("live_stepper.ipynb", 780, "jupyterlab_stepper.png", four_clicks)


def quiz_screenshot() -> None:
    """docs/quiz_widget.png: the Stepper's quiz in JupyterLab, after a right answer and a wrong one."""
    from tests.browsers import wait_for

    def answers(driver: Any, By: Any) -> None:
        for typed, counter in (("1", "Step 1 of 6"), ("0.5", "Step 1 of 6")):  # the seed, then a wrong guess
            box = driver.find_element(By.CSS_SELECTOR, ".autodiff-stepper-widget .autodiff-answer input")
            box.click()
            box.send_keys(typed + "\n")
            wait_for(
                driver,
                "var c = document.querySelector('.autodiff-stepper-widget .autodiff-counter');"
                f" var f = document.querySelector('.autodiff-feedback'); return c && c.textContent === '{counter}'"
                " && f && f.textContent.length > 0;",
                f"the quiz to show {counter}",
            )
        time.sleep(0.5)

    lab_screenshot("quiz_stepper.ipynb", 820, "quiz_widget.png", answers)


if __name__ == "__main__":
    s = neuron_step()
    (HERE / "neuron_step.svg").write_text(s.svg(), encoding="utf-8")
    print(s.explain())
    print(f"wrote {HERE / 'neuron_step.svg'}")
    (HERE / "mlp_layers.svg").write_text(svg_markup(mlp_layers()), encoding="utf-8")
    print(f"wrote {HERE / 'mlp_layers.svg'}")
    walkthrough_screenshot()
    jupyterlab_screenshot()
    quiz_screenshot()
