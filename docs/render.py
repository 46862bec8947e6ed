"""Regenerate the pictures under docs/ (run from the project root: python docs/render.py)."""

from __future__ import annotations

from pathlib import Path

from autodiff import Stepper, Value

HERE = Path(__file__).resolve().parent


def neuron_step() -> Stepper:
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.1, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    stepper = Stepper(f)
    stepper.goto(5)  # just after x.grad += (∂n2/∂x = w) × n2.grad
    return stepper


def walkthrough_screenshot() -> None:
    """docs/walkthrough.png: the HTML page after five clicks on Next (needs Chromium)."""
    import shutil
    import subprocess
    import tempfile

    browser = shutil.which("chromium")
    if not browser:
        print("no chromium: walkthrough.png not redrawn")
        return
    with tempfile.TemporaryDirectory() as tmp:
        page = neuron_step().save_html(f"{tmp}/walk.html")
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp}/profile",
                "--window-size=1000,560",
                "--hide-scrollbars",
                f"--screenshot={HERE / 'walkthrough.png'}",
                f"file://{page}#clicks=5",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {HERE / 'walkthrough.png'}")


if __name__ == "__main__":
    s = neuron_step()
    (HERE / "neuron_step.svg").write_text(s.svg(), encoding="utf-8")
    print(s.explain())
    print(f"wrote {HERE / 'neuron_step.svg'}")
    walkthrough_screenshot()
