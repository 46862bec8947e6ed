"""`make playground`: the playground, a static site in one folder (default build/playground/).

Everything in it comes from a registry, pinned: Pyodide's runtime, viz.js and the Arimo font from
npm (playground/package-lock.json; `npm ci --prefix playground` installs them, `make playground`
runs it), stepgrad's own wheel built from this checkout, and the wheels of its pure dependencies
(graphviz, tqdm) from PyPI, at the versions installed here. The page (playground/index.html,
playground/playground.js) loads the wheels with ``pyodide.unpackArchive``: no micropip, no CDN,
nothing fetched from outside the folder. Serve it over HTTP (WebAssembly does not load from
``file://``): ``autodiff playground`` or any static host (docs/playground.md).

usage: python tools/build_playground.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "playground"
MODULES = SOURCES / "node_modules"
# the page's own files, copied (index.html with the HTML walk-through's quiz elements written in)
PAGE = ("index.html", "playground.js")
PYODIDE = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# stepgrad's runtime dependencies, pure Python: their wheels load into Pyodide as they are
DEPENDENCIES = ("graphviz", "tqdm")
NPM_PACKAGES = ("pyodide", "@viz-js/viz", "@fontsource/arimo")
FONT_WEIGHTS = ("400", "700")  # Arimo has Helvetica's widths, which Graphviz lays labels out with


def check_modules() -> None:
    wanted = [MODULES / "pyodide" / f for f in PYODIDE] + [MODULES / "@viz-js" / "viz" / "dist" / "viz-global.js"]
    missing = [str(p.relative_to(ROOT)) for p in wanted if not p.is_file()]
    if missing:
        raise SystemExit(
            f"build_playground: missing {', '.join(missing)}; install the pinned npm packages first: "
            "npm ci --prefix playground (make playground does it)"
        )


def copy_runtime(out: Path) -> None:
    from autodiff.share import LEARN, LEARN_CSS, LEARN_HTML, SHOW_STEP

    for name in PAGE:
        shutil.copy(SOURCES / name, out / name)
    # the quiz's and the sums' elements and styles: the HTML page's own
    page = (out / "index.html").read_text(encoding="utf-8")
    for marker, text in (("/* LEARN_CSS:", LEARN_CSS), ("<!-- LEARN_HTML:", LEARN_HTML)):
        line = next(x for x in page.splitlines() if x.startswith(marker))
        page = page.replace(line, text, 1)
    (out / "index.html").write_text(page, encoding="utf-8")
    # the HTML walk-through's step replay, the same script in both pages
    script = f"// autodiff.share.SHOW_STEP\n{SHOW_STEP}\n// autodiff.share.LEARN\n{LEARN}\n"
    (out / "walkthrough.js").write_text(script, encoding="utf-8")
    (out / "pyodide").mkdir()
    for name in PYODIDE:
        shutil.copy(MODULES / "pyodide" / name, out / "pyodide" / name)
    (out / "viz").mkdir()
    shutil.copy(MODULES / "@viz-js" / "viz" / "dist" / "viz-global.js", out / "viz" / "viz-global.js")
    write_notice(out)


def write_notice(out: Path) -> None:
    # what the folder redistributes, under which licence (the wheels carry theirs in their .dist-info)
    lines = ["The npm packages in this folder, as pinned by stepgrad's playground/package-lock.json:", ""]
    for package in NPM_PACKAGES:
        meta = json.loads((MODULES / package / "package.json").read_text(encoding="utf-8"))
        repo = meta.get("repository", {})
        where = repo.get("url", "") if isinstance(repo, dict) else str(repo)
        lines.append(f"{meta['name']} {meta['version']}, licence {meta.get('license', '?')}: {where}")
        licence = MODULES / package / "LICENSE"
        if licence.is_file():
            shutil.copy(licence, out / f"LICENSE.{package.replace('/', '-').lstrip('@')}")
    (out / "THIRD_PARTY.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def copy_fonts(out: Path) -> None:
    # fontsource's CSS, with only the woff2 files (every browser that runs WebAssembly reads woff2)
    fonts = out / "fonts"
    (fonts / "files").mkdir(parents=True)
    css = []
    for weight in FONT_WEIGHTS:
        text = (MODULES / "@fontsource" / "arimo" / f"{weight}.css").read_text()
        text = re.sub(r",\s*url\([^)]*\.woff\) format\('woff'\)", "", text)
        css.append(text)
        for woff2 in re.findall(r"url\(\./files/([^)]+\.woff2)\)", text):
            shutil.copy(MODULES / "@fontsource" / "arimo" / "files" / woff2, fonts / "files" / woff2)
    (fonts / "arimo.css").write_text("\n".join(css))


def run(command: list[str]) -> None:
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode:
        raise SystemExit(f"build_playground: {' '.join(command)} failed:\n{done.stdout}")


def add_wheels(out: Path) -> list[str]:
    wheels = out / "wheels"
    wheels.mkdir()
    with tempfile.TemporaryDirectory() as tmp:
        # stepgrad built from this checkout; graphviz and tqdm at the versions installed here
        run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp, str(ROOT)])
        pinned = [f"{name}=={version(name)}" for name in DEPENDENCIES]
        run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d", tmp, *pinned])
        names = sorted(p.name for p in Path(tmp).glob("*.whl"))
        if len(names) != 1 + len(DEPENDENCIES) or any("-none-any.whl" not in n for n in names):
            raise SystemExit(f"build_playground: expected {1 + len(DEPENDENCIES)} pure wheels, got {names}")
        for name in names:
            shutil.copy(Path(tmp) / name, wheels / name)
    (wheels / "wheels.json").write_text(json.dumps(names) + "\n")
    return names


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build(out: Path) -> list[str]:
    """Build the site into ``out`` (replaced whole); returns the wheels it holds."""
    check_modules()
    out = out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    copy_runtime(out)
    copy_fonts(out)
    return add_wheels(out)


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the playground site (see docs/playground.md).")
    parser.add_argument("--out", default=str(ROOT / "build" / "playground"), help="the folder (build/playground)")
    args = parser.parse_args()
    out = Path(args.out)
    wheels = build(out)
    print(f"playground: {out} ({size(out) / 1e6:.1f} MB; wheels {', '.join(wheels)})")
    print("playground: serve it with `autodiff playground` (or make playground-serve), or put the folder on any")
    print("static host (docs/playground.md)")


if __name__ == "__main__":
    main()
