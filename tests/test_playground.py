"""The playground (issue 23): its Python under CPython, `autodiff playground`, and the built site
in headless Chromium with no network but loopback.

The browser tests build the site (tools/build_playground.py) into a temporary folder, serve it on
127.0.0.1 with ``autodiff.serve`` (every request recorded), and open the page once; each test then
drives that page. Every expected number, word and error is computed here, by CPython, through the
command line (``autodiff grad``) or the library: the page must print the very same text.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from autodiff import Value, playground
from autodiff.__main__ import main
from autodiff.gradcheck import compare_grads, format_rows
from autodiff.graph import topological_order
from autodiff.parse import evaluate, names, parse

from .browsers import BROWSER_HINT, ROOT, browser_missing, chrome, wait_for

NEURON = {"expr": "tanh(x*w + b)", "x": "0.5", "w": "-1.2", "b": "0.1"}
LINK = "index.html#expr=tanh(x*w%2Bb)&x=0.5&w=-1.2&b=0.1&method=push&step=3"
BAD_INPUTS = ["x**", "sin(x)", "log(-1)", "__import__('os')", "x.real", "1/0", "exp(1000)"]
FIRST_LOAD_S = 5.0  # on an idle machine; scaled by the load average on a busy one


def cli(expression: str, values: dict[str, str], *options: str) -> tuple[int, str, str]:
    """``autodiff grad`` run here, in CPython: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["grad", *options, "--", expression, *(f"{k}={v}" for k, v in values.items())])
    return status, out.getvalue(), err.getvalue()


def cli_error(expression: str) -> str:
    status, _, err = cli(expression, {})
    assert status != 0 and err.startswith("autodiff grad: ") and err.count("\n") == 1, err
    return err.strip().removeprefix("autodiff grad: ")


# -- the page's Python, under CPython ------------------------------------------------------


def test_grad_prints_what_the_command_line_prints():
    values = {k: v for k, v in NEURON.items() if k != "expr"}
    r = json.loads(playground.grad(NEURON["expr"], values, "push"))
    status, printed, _ = cli(NEURON["expr"], values)
    assert status == 0 and r["lines"] == printed.splitlines()
    assert r["lines"][0] == f"value = {Value(0.5 * -1.2 + 0.1).tanh().data!r}"
    assert r["walk"]["headlines"] == [f"Step {k} of 6" for k in range(7)]
    assert r["names"] == ["x", "w", "b"] and r["dot"].startswith("digraph")


@pytest.mark.parametrize("expression", BAD_INPUTS)
def test_bad_input_is_the_command_lines_one_line_error(expression):
    assert json.loads(playground.grad(expression, {}, "push")) == {"error": cli_error(expression)}


def test_check_is_gradchecks_table():
    tree = parse("x*y + exp(y)")
    r = json.loads(playground.check("x*y + exp(y)", {"x": "1.5", "y": "-0.5"}, "pull"))

    def f(x, y):
        return evaluate(tree, {"x": x, "y": y})

    rows = compare_grads(f, [Value(1.5, label="x"), Value(-0.5, label="y")], method="pull")
    assert r == {"table": format_rows(rows), "passed": True, "warnings": []}
    assert json.loads(playground.check("2 + 3", {}, "push")) == {
        "error": "gradcheck needs a variable to move; this expression has none (e.g. x**2 + 1)"
    }


@pytest.mark.parametrize("expression", BAD_INPUTS)
def test_check_of_bad_input_is_the_command_lines_one_line_error(expression):
    assert json.loads(playground.check(expression, {}, "push")) == {"error": cli_error(expression)}


def test_variables_in_order_of_first_use():
    assert json.loads(playground.variables("b*a + exp(c) - a")) == {"names": ["b", "a", "c"]}
    assert json.loads(playground.variables("x**")) == {"error": cli_error("x**")}


def test_command_line_playground_names_a_missing_site(tmp_path, capsys):
    assert main(["playground", "--dir", str(tmp_path), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "is not a built playground" in err and "make playground" in err


def test_serve_opens_the_page_in_the_browser_and_stops_on_ctrl_c(tmp_path, capsys, monkeypatch):
    from autodiff import serve

    opened = []
    monkeypatch.setattr(serve.webbrowser, "open", opened.append)

    def ctrl_c(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(serve.http.server.ThreadingHTTPServer, "serve_forever", ctrl_c)
    serve.serve(str(tmp_path), 0, open_browser=True)
    deadline = time.monotonic() + 5
    while not opened and time.monotonic() < deadline:  # the browser is opened 0.3 s after the server starts
        time.sleep(0.05)
    printed = capsys.readouterr().out
    assert printed.startswith(f"playground: serving {tmp_path} at {opened[0]} (Ctrl+C stops)\n")
    assert opened[0].startswith("http://127.0.0.1:") and opened[0].endswith("/index.html")
    assert printed.endswith("\nplayground: stopped\n")


# -- tools/ensure_npm.sh: the npm packages, the way make test gets dot ------------------------


def ensure_npm(tmp_path: Path, uid: int, npm: bool, apt_fails: bool = False, fresh: bool = False, *flags: str):
    """Run tools/ensure_npm.sh in a folder with a playground/package-lock.json, with a fake id,
    apt-get (which installs the fake npm, or fails) and npm (which logs its calls)."""
    bin_ = tmp_path / "bin"
    bin_.mkdir(parents=True)
    for tool in ("mktemp", "cat", "rm", "touch", "mkdir", "cp"):
        (bin_ / tool).symlink_to(shutil.which(tool))
    (tmp_path / "playground").mkdir()
    (tmp_path / "playground" / "package-lock.json").write_text("{}")
    if fresh:  # installed after the lock was written
        (tmp_path / "playground" / "node_modules").mkdir()
        stamp = tmp_path / "playground" / "node_modules" / ".package-lock.json"
        stamp.write_text("{}")
        os.utime(stamp, (time.time() + 10, time.time() + 10))
    scripts = {
        "id": f'case "$1" in -u) echo {uid} ;; -un) echo learner ;; esac',
        "apt-get": f'echo "apt-get $*" >> {tmp_path}/calls\n'
        + ("echo 'E: Unable to locate package npm'; exit 100" if apt_fails else f"cp {bin_}/fake-npm {bin_}/npm"),
        "fake-npm": f'echo "npm $*" >> {tmp_path}/calls',
    }
    for name, body in scripts.items():
        (bin_ / name).write_text(f"#!/bin/sh\n{body}\n")
        os.chmod(bin_ / name, 0o755)
    if npm:
        shutil.copy(bin_ / "fake-npm", bin_ / "npm")
    done = subprocess.run(
        ["/bin/sh", str(ROOT / "tools" / "ensure_npm.sh"), *flags],
        cwd=tmp_path,
        env={"PATH": str(bin_), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    calls = (tmp_path / "calls").read_text().splitlines() if (tmp_path / "calls").exists() else []
    return done, calls


def test_npm_ci_installs_the_pinned_packages_when_the_lock_is_newer(tmp_path):
    done, calls = ensure_npm(tmp_path, uid=1000, npm=True)
    assert done.returncode == 0, done.stderr
    assert calls == ["npm ci --prefix playground --no-audit --no-fund --loglevel=error"]


def test_npm_packages_up_to_date_are_left_alone(tmp_path):
    done, calls = ensure_npm(tmp_path, uid=1000, npm=True, fresh=True)
    assert done.returncode == 0 and calls == []
    assert "up to date" in done.stdout


def test_no_npm_as_root_says_so_installs_debians_npm_then_the_packages(tmp_path):
    done, calls = ensure_npm(tmp_path, uid=0, npm=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("npm: installing the Debian package npm")
    assert calls == [
        "apt-get update -q",
        "apt-get install -y -q --no-install-recommends npm",
        "npm ci --prefix playground --no-audit --no-fund --loglevel=error",
    ]


def test_no_npm_and_no_root_skips_for_make_test_and_fails_for_make_playground(tmp_path):
    done, calls = ensure_npm(tmp_path / "a", 1000, False, False, False, "--optional")
    assert done.returncode == 0 and calls == []
    assert "needs root (you are learner); the playground test will be skipped" in done.stdout
    done, calls = ensure_npm(tmp_path / "b", 1000, False)
    assert done.returncode == 1 and "installing Debian's npm needs root" in done.stderr


def test_apt_failing_to_install_npm_shows_its_output_and_says_the_test_skips(tmp_path):
    done, calls = ensure_npm(tmp_path, 0, False, True, False, "--optional")
    assert done.returncode == 0
    assert "E: Unable to locate package npm" in done.stderr
    assert "apt-get could not install npm (its output is above); the playground test will be skipped" in done.stdout


# -- the site in a browser -----------------------------------------------------------------


class Site:
    """The page at ``LINK``, loaded once, and what its server was asked."""

    def __init__(self, driver, url: str, folder: Path, requests: list[tuple[str, int]], load_s: float) -> None:
        self.driver, self.url, self.folder, self.requests, self.load_s = driver, url, folder, requests, load_s

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def text(self, element_id: str) -> str:
        return self.js("return document.getElementById(arguments[0]).textContent", element_id)

    def type_expression(self, expression: str, values: dict[str, str] | None = None) -> None:
        """Type an expression and press Enter; then set each value and press Enter again."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        box = self.driver.find_element(By.ID, "expr")
        box.clear()
        box.send_keys(expression, Keys.ENTER)
        for name, value in (values or {}).items():
            field = self.driver.find_element(By.CSS_SELECTOR, f"#vars input[data-name='{name}']")
            field.clear()
            field.send_keys(value)
        if values:
            box.send_keys(Keys.ENTER)


def _npm_modules() -> str | None:
    # the pinned npm packages, installed as make test does (npm ci) when missing; else what is missing
    if (ROOT / "playground" / "node_modules" / ".package-lock.json").is_file():
        return None
    if shutil.which("npm") is None:
        return "npm (make test installs Debian's npm as root; or install Node.js with npm)"
    done = subprocess.run(["sh", "tools/ensure_npm.sh"], cwd=ROOT, capture_output=True, text=True)
    return None if done.returncode == 0 else f"the playground's npm packages: {done.stdout}{done.stderr}"


def _build(folder: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_playground
    finally:
        sys.path.remove(str(ROOT / "tools"))
    build_playground.build(folder)


@contextlib.contextmanager
def _served(folder: Path) -> Iterator[tuple[int, list[tuple[str, int]]]]:
    from autodiff.serve import server

    requests: list[tuple[str, int]] = []
    httpd = server(str(folder), 0, lambda path, code: requests.append((path, code)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], requests
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    missing = browser_missing()
    if missing:
        pytest.skip(f"the playground test needs {' and '.join(missing)}: {BROWSER_HINT}")
    npm = _npm_modules()
    if npm:
        pytest.skip(f"the playground test needs {npm}")
    folder = tmp_path_factory.mktemp("playground")
    _build(folder)
    # no network for the browser but loopback: every other host name resolves to nothing
    cut = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",)
    with _served(folder) as (port, requests), chrome(1100, 900, cut) as driver:
        url = f"http://127.0.0.1:{port}/{LINK}"
        started = time.monotonic()
        driver.get(url)
        state = wait_for(driver, "var s = document.body.dataset.state; return s !== 'loading' && s", "Python", 60)
        assert state == "ready", driver.find_element("id", "status").text
        yield Site(driver, url, folder, requests, time.monotonic() - started)


def test_the_link_opens_the_neuron_at_step_3_with_the_command_lines_digits(site):
    values = {k: v for k, v in NEURON.items() if k != "expr"}
    _, printed, _ = cli(NEURON["expr"], values)
    assert site.text("results") == printed.strip()
    assert "value = -0.46211715726000974" in printed  # the digits, as CPython prints them
    assert site.text("counter") == "Step 3 of 6"
    _, steps, _ = cli(NEURON["expr"], values, "--steps")
    step3 = next(line for line in steps.splitlines() if line.startswith("Step 3 of 6"))
    assert site.text("explain") == step3.removeprefix("Step 3 of 6").strip()
    busy = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    print(f"playground: first load {site.load_s:.1f} s ({site.js('return document.body.dataset.timings')})")
    assert site.load_s < FIRST_LOAD_S * busy, f"first load took {site.load_s:.1f} s"
    if os.environ.get("STEPGRAD_PLAYGROUND_SCREENSHOT"):
        site.driver.save_screenshot(os.environ["STEPGRAD_PLAYGROUND_SCREENSHOT"])


def _hot_edges(site) -> list[list[str]]:
    # [tail, head] of each highlighted edge, by the first text of each end's node (Graphviz's titles)
    return site.js(
        """
        function label(name) {
          var found = null;
          document.querySelectorAll('#graph g.node').forEach(function (n) {
            if (n.querySelector('title').textContent === name) found = n.querySelector('text').textContent;
          });
          return found;
        }
        return Array.prototype.map.call(document.querySelectorAll('#graph g.edge.hot'), function (e) {
          return e.querySelector('title').textContent.split('->').map(label);
        });"""
    )


def test_next_highlights_the_edge_the_step_names(site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    site.driver.find_element(By.ID, "next").click()
    assert site.text("counter") == "Step 4 of 6"
    values = {k: v for k, v in NEURON.items() if k != "expr"}
    _, steps, _ = cli(NEURON["expr"], values, "--steps")
    step4 = next(line for line in steps.splitlines() if line.startswith("Step 4 of 6")).split()[4]
    assert site.text("explain").startswith(step4) and step4 == "b.grad"  # push: + gives b its grad next
    # the edge from b into the + that made n4, and the + op's edge into its node n4
    assert sorted(_hot_edges(site)) == [["+", "n4"], ["b", "+"]]
    assert "step=4" in site.js("return location.hash")
    site.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    assert site.text("counter") == "Step 3 of 6" and "step=3" in site.js("return location.hash")


def test_a_link_with_pull_walks_the_pull_pass(site):
    site.js("location.hash = arguments[0]", LINK.partition("#")[2].replace("push", "pull").replace("step=3", "step=2"))
    wait_for(site.driver, "return document.getElementById('counter').textContent === 'Step 2 of 6'", "step 2")
    values = {k: v for k, v in NEURON.items() if k != "expr"}
    _, steps, _ = cli(NEURON["expr"], values, "--steps", "--method", "pull")
    step2 = next(line for line in steps.splitlines() if line.startswith("Step 2 of 6"))
    assert site.text("explain") == step2.removeprefix("Step 2 of 6").strip()
    assert site.text("context").startswith("pull (V1)")
    assert site.js("return document.getElementById('method').value") == "pull"
    site.js("location.hash = arguments[0]", LINK.partition("#")[2])  # back to push, for the tests after
    wait_for(site.driver, "return document.getElementById('context').textContent.indexOf('push') === 0", "push")


def test_the_page_says_it_is_loading_python_until_it_is_ready():
    page = (ROOT / "playground" / "index.html").read_text(encoding="utf-8")
    assert '<body data-state="loading">' in page and "loading Python…" in page
    script = (ROOT / "playground" / "playground.js").read_text(encoding="utf-8")
    assert 'document.body.dataset.state = "ready"' in script


def test_a_typed_expression_gives_its_gradients(site):
    site.type_expression("x**2 * y + exp(y)", {"x": "1.5", "y": "-0.25"})
    _, printed, _ = cli("x**2 * y + exp(y)", {"x": "1.5", "y": "-0.25"})
    assert site.text("error") == ""
    assert site.text("results") == printed.strip()
    assert site.text("counter") == "Step 0 of 7"
    link = unquote(site.js("return location.hash"))
    assert link.startswith("#expr=x**2 * y + exp(y)&x=1.5&y=-0.25&method=push&step=0")


@pytest.mark.parametrize("expression", BAD_INPUTS)
def test_bad_input_shows_the_one_line_error_and_the_page_keeps_working(site, expression):
    site.type_expression(expression)
    error = site.text("error")
    assert error == cli_error(expression)
    assert "\n" not in error and "Traceback" not in site.js("return document.body.textContent")
    assert site.text("results") == "" and site.js("return document.querySelector('#graph svg')") is None
    site.type_expression("x*x", {"x": "3"})
    assert site.text("results") == "value = 9.0\nd/dx = 6.0" and site.text("error") == ""


def test_gradcheck_shows_its_table(site):
    from selenium.webdriver.common.by import By

    site.type_expression("x*y + exp(y)", {"x": "1.5", "y": "-0.5"})
    site.driver.find_element(By.ID, "gradcheck").click()
    tree = parse("x*y + exp(y)")
    rows = compare_grads(lambda x, y: evaluate(tree, {"x": x, "y": y}), [Value(1.5, label="x"), Value(-0.5, label="y")])
    assert site.text("table") == "gradcheck: passed\n" + format_rows(rows)


def test_labels_fit_their_boxes(site):
    site.type_expression("sigmoid(weight*x) - logsumexp(x, weight)", {"x": "-1.25e-07", "weight": "123456.789"})
    site.driver.execute_async_script("document.fonts.ready.then(arguments[arguments.length - 1])")
    overflow = site.js(
        """
        var bad = [];
        document.querySelectorAll('#graph g.node').forEach(function (n) {
          var frame = n.querySelector('polygon, ellipse');
          if (!frame) return;
          var f = frame.getBBox();
          n.querySelectorAll('text').forEach(function (t) {
            var b = t.getBBox();
            if (b.x < f.x - 0.5 || b.x + b.width > f.x + f.width + 0.5) bad.push(t.textContent);
          });
        });
        return bad;"""
    )
    assert overflow == []
    assert site.js("return getComputedStyle(document.querySelector('#graph svg text')).fontFamily").startswith("Arimo")


def test_a_step_on_a_50_node_graph_takes_under_100_ms(site):
    expression = " + ".join(f"sigmoid(x*w{i} + b)" for i in range(12))
    tree = parse(expression)
    root = evaluate(tree, {n: Value(0.1 * (i + 1), label=n) for i, n in enumerate(names(tree))})
    assert len(topological_order(root)) >= 50
    site.type_expression(expression)
    per_step = site.js(
        """
        var next = document.getElementById('next'), t = performance.now();
        for (var k = 0; k < 20; k++) { next.click(); document.body.getBoundingClientRect(); }
        return (performance.now() - t) / 20;"""
    )
    assert site.text("counter").startswith("Step 20 of ")
    print(f"playground: a step on {len(topological_order(root))} nodes takes {per_step:.1f} ms")
    assert per_step < 100, f"a step took {per_step:.1f} ms"


def test_copy_link_gives_the_link_of_what_is_on_screen(site):
    from selenium.webdriver.common.by import By

    site.js("location.hash = arguments[0]", LINK.partition("#")[2].replace("step=3", "step=5"))
    wait_for(site.driver, "return document.getElementById('counter').textContent === 'Step 5 of 6'", "step 5")
    site.driver.find_element(By.ID, "copy").click()
    assert site.text("link") == site.url.replace("step=3", "step=5")


def test_a_variable_named_like_a_key_of_the_link_survives_it(site):
    site.type_expression("step * method", {"step": "2", "method": "-0.5"})
    assert site.text("results") == "value = -1.0\nd/dstep   = -0.5\nd/dmethod = 2.0"
    link = site.js("return location.hash")
    assert "v.step=2&v.method=-0.5&method=push&step=0" in link
    site.js("location.hash = arguments[0]", link.replace("v.step=2", "v.step=4"))
    wait_for(site.driver, "return document.getElementById('results').textContent.indexOf('-2.0') > 0", "the link")
    assert site.text("results") == "value = -2.0\nd/dstep   = -0.5\nd/dmethod = 4.0"


def test_autodiff_playground_serves_the_site_on_loopback(site):
    command = [sys.executable, "-m", "autodiff", "playground", "--dir", str(site.folder), "--port", "0", "--no-browser"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = server.stdout.readline()
        assert "http://127.0.0.1:" in line, line
        url = line.split(" at ")[1].split()[0]
        with urllib.request.urlopen(url, timeout=10) as page:
            assert b"stepgrad playground" in page.read()
        with urllib.request.urlopen(url.replace("index.html", "pyodide/pyodide.asm.wasm"), timeout=10) as wasm:
            assert wasm.headers["Content-Type"] == "application/wasm"
    finally:
        server.terminate()
        server.wait(10)


def test_tqdm_in_the_page_warns_nothing(site):
    caught = site.js(
        """
        return window.pyodide.runPython(`
import contextlib, io, warnings, nn
bar = io.StringIO()
with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(bar):
    warnings.simplefilter("always")
    nn.fit(nn.MLP(2, [2, 1], seed=0), [[0.0, 1.0], [1.0, 0.0]], [1, -1], epochs=2, progress=True)
[str(w.message) for w in caught] + ["2/2" in bar.getvalue()]
`).toJs();"""
    )
    assert caught == [True]  # the bar was drawn, and nothing warned


def test_the_quiz_and_a_clicked_nodes_sum_in_the_playground(site):
    # issue 24: the same quiz and sums as the HTML page (autodiff.share.LEARN), over the page's graph
    from selenium.webdriver.common.by import By

    from autodiff import Stepper, Value

    values = {k: v for k, v in NEURON.items() if k != "expr"}
    site.type_expression(NEURON["expr"], values)
    x, w, b = (Value(float(values[n]), label=n) for n in ("x", "w", "b"))
    f = (x * w + b).tanh()
    f.label = "f"
    s = Stepper(f, quiz=True)
    assert not site.js("return document.getElementById('quiz').hidden")
    site.driver.find_element(By.ID, "quiz-on").click()
    assert site.text("quiz-question") == s.question()
    answer = site.driver.find_element(By.ID, "quiz-answer")
    answer.send_keys("2\n")
    assert site.text("counter") == "Step 0 of 6" and site.text("quiz-feedback").startswith("Not quite (2).")
    answer.send_keys("1\n")
    assert site.text("counter") == "Step 1 of 6" and site.text("quiz-score") == "right at the first try: 0 of 1"
    s.answer(1.0)
    node_x = site.driver.find_element(By.CSS_SELECTOR, f"#node-n{s.nodes.index(x)} text")
    node_x.click()
    assert site.text("why") == str(s.why(x))
    site.driver.find_element(By.ID, "quiz-on").click()  # quiz off: the steps move as before
    site.type_expression(NEURON["expr"], values)  # a new graph: no score, no sum left over
    assert site.text("why") == "" and site.text("counter") == "Step 0 of 6"


def test_every_request_stayed_in_the_site_and_the_console_has_no_error(site):
    # last: after every other test has driven the page
    assert site.requests, "the server saw no request"
    for path, code in site.requests:
        local = unquote(urlsplit(path).path).lstrip("/")
        assert code in (200, 304) and (site.folder / local).resolve().is_relative_to(site.folder.resolve()), path
        assert (site.folder / local).is_file(), path
    errors = [e for e in site.driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    size = sum(p.stat().st_size for p in site.folder.rglob("*") if p.is_file())
    print(f"playground: the site is {size / 1e6:.1f} MB")
    assert size <= 20e6
