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


PAGE = """
return {
  counter: document.getElementById('counter').textContent,
  question: document.getElementById('quiz-question').textContent,
  score: document.getElementById('quiz-score').textContent,
  feedback: document.getElementById('quiz-feedback').textContent,
  why: document.getElementById('why').textContent,
  quizShown: !document.getElementById('quiz').hidden,
};
"""


def test_the_page_quiz_and_a_clicked_nodes_sum(browser, tmp_path):
    # the self-contained page: the quiz toggle, a wrong then a right answer, reveal, and a node's
    # chain-rule sum as far as the step shown; every number from the Stepper, computed here
    s = neuron()
    x = next(v for v in s.nodes if v.label == "x")
    browser.get(f"file://{s.save_html(tmp_path / 'quiz.html')}")
    page = browser.execute_script(PAGE)
    assert page["quizShown"] and page["counter"] == "Step 0 of 6"
    browser.find_element("id", "quiz-on").click()
    assert browser.execute_script(PAGE)["question"] == s.question()

    answer = browser.find_element("id", "quiz-answer")
    answer.send_keys("3\n")
    wrong = browser.execute_script(PAGE)
    assert wrong["counter"] == "Step 0 of 6" and wrong["feedback"].startswith("Not quite (3). The seed")
    answer.send_keys("1\n")
    right = browser.execute_script(PAGE)
    assert right["counter"] == "Step 1 of 6" and right["score"] == "right at the first try: 0 of 1"
    s.answer(1.0)
    answer.send_keys(f"{s.steps[1].contribution:.4g}\n")
    assert browser.execute_script(PAGE)["score"] == "right at the first try: 1 of 2"
    s.answer(s.steps[1].contribution)
    answer.send_keys("what\n")
    assert "is not a number" in browser.execute_script(PAGE)["feedback"]
    browser.find_element("id", "quiz-reveal").click()
    page = browser.execute_script(PAGE)
    assert page["counter"] == "Step 3 of 6" and page["score"] == "right at the first try: 1 of 3"
    s.reveal()

    node_x = browser.find_element("css selector", f"#node-n{s.nodes.index(x)} text")
    node_x.click()
    assert browser.execute_script(PAGE)["why"] == str(s.why(x))  # not added yet at step 3
    for _ in range(3):
        browser.find_element("id", "next").click()
    s.run()
    assert browser.execute_script(PAGE)["why"] == str(s.why(x))  # the whole sum: x.grad
    assert repr(x.grad) in browser.execute_script(PAGE)["why"]
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
