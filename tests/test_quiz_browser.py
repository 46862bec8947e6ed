"""The quiz as a learner meets it: the Stepper's widget in JupyterLab, in headless Chromium.

The learner types a wrong answer and presses Enter (nothing is applied, the hint names the
rule), types a malformed one (said in the page), then the right one (the step is applied and
the score counts it), then reveals a step (no credit). Skipped, naming what is missing, as the
other JupyterLab test is.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autodiff import Stepper, Value, quiz

from .browsers import BROWSER_HINT, browser_missing, jupyter_lab, lab_missing, open_notebook, run_all, tail, wait_for

NOTEBOOK = Path(__file__).resolve().parent / "jupyter" / "quiz_stepper.ipynb"

STATE = """
var box = document.querySelector('.autodiff-stepper-widget');
if (!box || !box.querySelector('.autodiff-question')) return null;
return {
  counter: box.querySelector('.autodiff-counter').textContent,
  question: box.querySelector('.autodiff-question').textContent,
  score: box.querySelector('.autodiff-score').textContent,
  feedback: box.querySelector('.autodiff-feedback').textContent,
};
"""


def neuron() -> Stepper:
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.1, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    return Stepper(f, quiz=True)


@pytest.fixture(scope="module")
def lab():
    missing = browser_missing() + lab_missing()
    if missing:
        pytest.skip(f"quiz browser test needs {' and '.join(missing)}: {BROWSER_HINT}")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' not on PATH (make test installs it)")
    with jupyter_lab([NOTEBOOK]) as server:
        yield server


def state_when(driver, condition: str, what: str) -> dict:
    wait_for(driver, f"var s = (function () {{ {STATE} }})(); return s && ({condition}) && s;", what, 30)
    return driver.execute_script(STATE)


def typed(driver, text: str) -> None:
    box = driver.find_element("css selector", ".autodiff-stepper-widget .autodiff-answer input")
    box.click()
    box.send_keys(text + "\n")  # then Enter


def test_quiz_in_the_widget_wrong_malformed_right_and_reveal(lab, browser):
    expected = neuron()
    try:
        browser.set_window_size(1000, 800)
        open_notebook(browser, lab, NOTEBOOK.name)
        run_all(browser, timeout=30)
        first = state_when(browser, "s.counter === 'Step 0 of 6'", "the quiz at step 0")
        assert first["question"] == expected.question() and first["score"].endswith("0 of 0")

        typed(browser, "2")  # the seed adds 1: wrong
        wrong = state_when(browser, "s.feedback.indexOf('Not quite') === 0", "the hint after a wrong answer")
        assert wrong["counter"] == "Step 0 of 6", wrong  # nothing applied

        typed(browser, "one")  # not a number: said in the page, nothing applied
        state_when(browser, "s.feedback.indexOf('is not a number') >= 0", "the message for a malformed answer")

        typed(browser, "1")
        right = state_when(browser, "s.counter === 'Step 1 of 6'", "the seed applied after the right answer")
        assert right["feedback"].startswith("Right: 1.0.") and right["score"].endswith("0 of 1")  # not first try

        expected.answer(1.0)
        step = expected.steps[1]
        typed(browser, f"{step.contribution:.3g}")  # right at the first try
        after = state_when(browser, "s.counter === 'Step 2 of 6'", "step 2 applied")
        assert after["score"].endswith("1 of 2")
        expected.answer(step.contribution)
        assert after["question"] == expected.question()

        hint = quiz.hint(expected.steps[2], "contribution", expected._names)
        typed(browser, "123")
        shown = state_when(browser, "s.feedback.indexOf('Not quite') === 0", "the hint at step 3")
        assert shown["feedback"] == f"Not quite (123.0). {hint}"

        browser.find_element("css selector", ".autodiff-stepper-widget button.autodiff-reveal").click()
        revealed = state_when(browser, "s.counter === 'Step 3 of 6'", "step 3 revealed")
        assert revealed["score"].endswith("1 of 3")
        page = browser.execute_script("return document.querySelector('.jp-Notebook').innerText")
        assert "Traceback" not in page and "Error displaying widget" not in page
    except BaseException:
        print(f"--- JupyterLab's log ---\n{tail(lab.log)}")
        raise
