"""Smoke test of an installed stepgrad, run by tools/check_dist.py with the fresh environment's
Python, from a folder outside the checkout, with no system Graphviz `dot` on PATH."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path


def check(what: str, ok: bool, detail: object = "") -> None:
    if not ok:
        raise SystemExit(f"smoke test FAILED: {what} {detail}".rstrip())
    print(f"  ok  {what}")


def main() -> None:
    import autodiff
    import nn
    from autodiff import Value

    prefix = Path(sys.prefix).resolve()
    for module in (autodiff, nn):
        where = Path(module.__file__).resolve()
        check(f"import {module.__name__} from the environment, not a checkout", prefix in where.parents, where)
        typed = importlib.resources.files(module).joinpath("py.typed").is_file()
        check(f"{module.__name__}/py.typed is installed", typed)
    version = importlib.metadata.version("stepgrad")
    check(f"version {version} is autodiff.__version__", version == autodiff.__version__, autodiff.__version__)

    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.1, label="b")
    y = (x * w + b).tanh()
    y.backward()
    slope = 1 - y.data**2  # tanh' at x*w + b
    check("a backward pass", math.isclose(w.grad, 0.5 * slope) and math.isclose(x.grad, -1.2 * slope))

    cli = shutil.which("autodiff", path=os.path.dirname(sys.executable))
    check("the autodiff command is installed", cli is not None)
    out = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    check("autodiff --version", out.strip() == f"autodiff (stepgrad) {version}", out)
    out = subprocess.run([cli, "grad", "x*y + 1", "x=3", "y=4"], capture_output=True, text=True, check=True).stdout
    check("autodiff grad", "value = 13.0" in out and "d/dx = 4.0" in out and "d/dy = 3.0" in out, out)

    check("no system dot on PATH", shutil.which("dot") is None, shutil.which("dot"))
    svg = autodiff.to_svg(y, show_local_grads=True)
    check("an SVG drawn by graphviz-pure (the dot extra), found on PATH", "graphviz-pure" in svg and "<svg" in svg)
    os.environ["PATH"] = os.pathsep.join(["/nonexistent"])  # as a Jupyter kernel started without the venv on PATH
    svg = autodiff.to_svg(y)
    check("an SVG drawn with graphviz-pure found beside sys.executable", "graphviz-pure" in svg and ">w<" in svg)
    out = subprocess.run(
        [cli, "grad", "tanh(x*w)", "x=0.5", "w=-1.2", "--svg", "g.svg"], capture_output=True, text=True, check=True
    ).stdout
    check("autodiff grad --svg", Path("g.svg").read_text(encoding="utf-8").count("<svg") == 1, out)

    X, labels = nn.moons(20, noise=0.1, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    targets = [2 * t - 1 for t in labels]
    history = nn.fit(model, X, targets, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=3)
    check("nn.fit, 3 epochs", len(history.loss) == 3 and all(math.isfinite(v) for v in history.loss), history.loss)
    print(f"smoke test passed: stepgrad {version} on Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
