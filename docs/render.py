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
    """docs/walkthrough.png: the HTML page after five clicks on Next (needs chromium, chromedriver, selenium)."""
    import shutil
    import tempfile

    browser, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
    except ImportError:
        webdriver = None
    if not (browser and driver_path and webdriver):
        print("no chromium, chromedriver or selenium: walkthrough.png not redrawn")
        return
    with tempfile.TemporaryDirectory() as tmp:
        page = neuron_step().save_html(f"{tmp}/walk.html")
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp}/profile",
            "--window-size=1000,560",
            "--hide-scrollbars",
        ):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        try:
            driver.get(f"file://{page}")
            # the window holds the 1000x560 page, whatever the browser's frame takes
            dw, dh = driver.execute_script("return [outerWidth - innerWidth, outerHeight - innerHeight]")
            driver.set_window_size(1000 + dw, 560 + dh)
            for _ in range(5):
                driver.find_element(By.ID, "next").click()
            driver.save_screenshot(str(HERE / "walkthrough.png"))
        finally:
            driver.quit()
    print(f"wrote {HERE / 'walkthrough.png'}")


if __name__ == "__main__":
    s = neuron_step()
    (HERE / "neuron_step.svg").write_text(s.svg(), encoding="utf-8")
    print(s.explain())
    print(f"wrote {HERE / 'neuron_step.svg'}")
    walkthrough_screenshot()
