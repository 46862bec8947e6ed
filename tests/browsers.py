"""Headless Chromium through Selenium, and a throwaway JupyterLab server, for the browser tests
(tests/test_trust_draw.py, tests/test_jupyter_browser.py) and docs/render.py's screenshots.

Only Debian's chromium and chromium-driver are used (no browser is ever downloaded), and the
server listens on 127.0.0.1 on a free port with a random token, in a folder of its own.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str, debian: str) -> str | None:
    return debian if os.access(debian, os.X_OK) else shutil.which(name)


def browser_missing() -> list[str]:
    """What of chromium, chromedriver and selenium is not installed."""
    there = {
        "chromium": _tool("chromium", CHROMIUM),
        "chromedriver": _tool("chromedriver", CHROMEDRIVER),
        "selenium": importlib.util.find_spec("selenium"),
    }
    return [name for name, found in there.items() if not found]


def lab_missing() -> list[str]:
    """What of jupyterlab, ipykernel and ipywidgets is not installed."""
    return [name for name in ("jupyterlab", "ipykernel", "ipywidgets") if importlib.util.find_spec(name) is None]


BROWSER_HINT = (
    "Debian packages chromium and chromium-driver (make test installs them as root), and selenium (in the test extra)"
)


@contextlib.contextmanager
def chrome(width: int = 1000, height: int = 700, flags: tuple[str, ...] = ()) -> Iterator:
    """A headless Chromium WebDriver with a throwaway profile and more command-line ``flags``; quit on
    the way out. Its console is kept for ``driver.get_log("browser")``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory() as profile, _env(SE_OFFLINE="true"):  # Selenium Manager: never download
        options = webdriver.ChromeOptions()
        options.binary_location = _tool("chromium", CHROMIUM)
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            *flags,
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(executable_path=_tool("chromedriver", CHROMEDRIVER)), options=options)
        driver.set_page_load_timeout(60)
        try:
            yield driver
        finally:
            driver.quit()


@contextlib.contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab server: ``url(path)`` opens a notebook of its folder, with the token."""

    def __init__(self, folder: Path, port: int, token: str, log: Path) -> None:
        self.folder, self.port, self.token, self.log = folder, port, token, log

    def url(self, notebook: str) -> str:
        # reset: the page shows this notebook alone, not also the ones opened before (the saved workspace)
        return f"http://127.0.0.1:{self.port}/lab/tree/{notebook}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET", body: dict | None = None) -> bytes:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/{path}?token={self.token}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read()


@contextlib.contextmanager
def jupyter_lab(notebooks: list[Path], timeout: float = 60) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 (free port, random token) in a temporary copy of ``notebooks``.

    Its kernel is the IPython kernel of this Python, importing this checkout's packages.
    Jupyter's own config, data and runtime files stay in the temporary folder. The server
    (and its kernels) is stopped on the way out, whatever happened; its log is in
    ``lab.log`` for failure messages.
    """
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        folder = home / "work"
        folder.mkdir()
        for nb in notebooks:
            shutil.copy(nb, folder / nb.name)
        # no "get news?" toast over the notebook
        (home / "config" / "labconfig").mkdir(parents=True)
        (home / "config" / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
        )
        # the notebook's kernel started without asking; every cell in the page, not only those in view
        settings = home / "settings" / "@jupyterlab" / "notebook-extension"
        settings.mkdir(parents=True)
        (settings / "tracker.jupyterlab-settings").write_text(
            json.dumps({"autoStartDefaultKernel": True, "windowingMode": "none"})
        )
        port, token = _free_port(), secrets.token_hex(16)
        # the notebook stands for a person's: fit's "no bar in CI logs" rule must not reach its kernel
        person = {k: v for k, v in os.environ.items() if k != "CI"}
        env = dict(
            person,
            PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
            JUPYTER_CONFIG_DIR=str(home / "config"),
            JUPYTER_DATA_DIR=str(home / "data"),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
            JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
            IPYTHONDIR=str(home / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
        )
        command = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",  # that port or fail, never another one
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={folder}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        log = home / "server.log"
        with open(log, "wb") as out:
            server = subprocess.Popen(
                command, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        lab = Lab(folder, port, token, log)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"jupyter lab exited with status {server.returncode}:\n{tail(log)}")
                try:
                    lab.api("status")
                    break
                except (urllib.error.URLError, OSError):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"jupyter lab did not answer within {timeout:g} s:\n{tail(log)}") from None
                    time.sleep(0.1)
            yield lab
        finally:
            _stop(server, lab)


def _stop(server: subprocess.Popen, lab: Lab) -> None:
    # the shutdown request stops the kernels too; a server that does not go is killed, group and all
    if server.poll() is None:
        with contextlib.suppress(OSError, urllib.error.URLError):
            lab.api("shutdown", method="POST")
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# -- driving JupyterLab --------------------------------------------------------------------


def wait_for(driver, script: str, what: str, timeout: float = 30):
    """Poll ``script`` (JavaScript returning a value) until it is truthy; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:g} s for {what}")
        time.sleep(0.1)


_OPEN = """
var status = document.querySelector('.jp-Notebook-ExecutionIndicator');
return status && status.getAttribute('data-status') === 'idle'
  && document.querySelectorAll('.jp-Notebook .jp-Cell').length > 0;
"""


def open_notebook(driver, lab: Lab, name: str, timeout: float = 60) -> None:
    """Open ``name`` in JupyterLab and wait until the page shows its kernel idle.

    The page is loaded twice: the first load starts the kernel, and a page that connects
    while its kernel starts can lose the connection of its widgets ("model not found",
    jupyter_server issue 1265); the second finds the kernel running and connects once.
    """
    driver.get(lab.url(name))
    wait_for(driver, _OPEN, f"{name} to open with an idle kernel", timeout)
    driver.refresh()
    wait_for(driver, _OPEN, f"{name} to open again with an idle kernel", timeout)


def prompts(driver) -> list[str]:
    """The input prompts of the code cells: '[3]:' once run, '[*]:' while running, '[ ]:' never run."""
    return driver.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'),"
        " function (p) { return p.textContent.trim(); });"
    )


def _all_run(driver, before: list[str] | None = None, index: int | None = None) -> bool:
    now = prompts(driver)
    status = driver.execute_script(_STATUS)
    done = [p[1:-2].isdigit() for p in now]
    if index is not None:
        return status == "idle" and done[index] and now[index] != before[index]
    return status == "idle" and all(done)


def _accept_dialog(driver) -> None:
    # a "Select Kernel" dialog, if JupyterLab asks anyway: take the notebook's own kernel
    driver.execute_script(
        "var b = document.querySelector('.jp-Dialog .jp-Dialog-button.jp-mod-accept'); if (b) b.click();"
    )


def run_all(driver, timeout: float = 60, attempts: int = 3) -> None:
    """Run > Run All Cells, then wait until every code cell has run and the kernel is idle.

    While the page settles, JupyterLab may swap the kernel it just started for another, and a
    run started then is lost. So when the cells have not all run and nothing runs any more,
    Run All is chosen again (running the whole notebook again from its first cell).
    """
    from selenium.webdriver.common.by import By

    item = "//li[@data-command='runmenu:run-all']"
    for _ in range(attempts):
        _accept_dialog(driver)
        driver.find_element(By.XPATH, "//div[contains(@class,'lm-MenuBar-itemLabel') and text()='Run']").click()
        wait_for(driver, f'return document.evaluate("{item}", document, null, 9, null).singleNodeValue', "Run menu")
        time.sleep(0.3)
        driver.find_element(By.XPATH, item).click()
        deadline = time.monotonic() + timeout
        while not _all_run(driver):
            stuck = time.monotonic() > deadline or (time.monotonic() > deadline - timeout + 5 and _stalled(driver))
            if stuck:
                break
            time.sleep(0.2)
        else:
            return
        driver.find_element(By.TAG_NAME, "body").send_keys("\ue00c")  # Escape: close the menu if open
    raise TimeoutError(f"Run All did not run every cell in {attempts} attempts; prompts {prompts(driver)}")


def _stalled(driver) -> bool:
    # nothing running or queued, and some cell never ran
    return not any(p == "[*]:" for p in prompts(driver)) and not _all_run(driver) and _idle(driver)


def _idle(driver) -> bool:
    return driver.execute_script(_STATUS) == "idle"


_STATUS = "var s = document.querySelector('.jp-Notebook-ExecutionIndicator'); return s && s.dataset.status;"


def run_cell(driver, index: int, timeout: float = 30) -> None:
    """Select code cell ``index`` (from 0), run it with Ctrl+Enter, wait until it has run."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    before = prompts(driver)
    cell = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")[index]
    cell.find_element(By.CSS_SELECTOR, ".jp-InputPrompt").click()  # select it, in command mode
    ActionChains(driver).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
    _poll(lambda: _all_run(driver, before, index), f"code cell {index} to run", timeout)


def _poll(check, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:g} s for {what}")
        time.sleep(0.1)
