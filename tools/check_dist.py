"""`make dist`: build the sdist and the wheel, check them, and try the wheel as a user would.

1. ``python -m build`` (the wheel is built from the sdist, so a file missing from the sdist fails here);
2. ``twine check --strict`` (the metadata and the README as PyPI would show them);
3. the files every wheel must hold: each module of autodiff and nn, both ``py.typed``, the command;
4. a fresh virtual environment in a temporary folder outside the checkout, the wheel installed there
   with its ``dot`` extra, and ``tools/smoke_installed.py`` run in it with no system ``dot`` on PATH.

The wheel and sdist are left in ``dist/`` (or ``--outdir``). Needs build and twine (the test extra),
and PyPI for graphviz, tqdm and graphviz-pure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autodiff", "nn")


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    print("$", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def expected_files() -> list[str]:
    """What a wheel must hold: every module of both packages, as in the checkout, and their py.typed."""
    files = [f"{p}/{f.name}" for p in PACKAGES for f in sorted((ROOT / p).glob("*.py"))]
    return files + [f"{p}/py.typed" for p in PACKAGES]


def check_contents(wheel: Path, sdist: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in expected_files() if f not in names]
    entry_points = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    if not entry_points or b"autodiff = autodiff.__main__:main" not in zipfile.ZipFile(wheel).read(entry_points[0]):
        missing.append("*.dist-info/entry_points.txt with the autodiff command")
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        in_sdist = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for f in [*expected_files(), "pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"]:
        if f not in in_sdist:
            missing.append(f"{top}/{f} (sdist)")
    if missing:
        lacks = ", ".join(missing)
        raise SystemExit(f"check_dist: the distribution lacks {lacks}; fix the package data in pyproject.toml")
    print(f"contents: {wheel.name} holds {len(expected_files())} package files (py.typed included); sdist complete")


def without_dot(path: str) -> str:
    """PATH less every folder that has a Graphviz dot (or graphviz-pure) in it."""
    has_dot = [d for d in path.split(os.pathsep) if any(shutil.which(n, path=d) for n in ("dot", "graphviz-pure"))]
    keep = [d for d in path.split(os.pathsep) if d and d not in has_dot]
    return os.pathsep.join(keep)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", default=str(ROOT / "dist"), help="where to leave the sdist and wheel (dist/)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stepgrad-dist-") as tmp:
        tmp_path = Path(tmp).resolve()
        if ROOT in tmp_path.parents:
            raise SystemExit(f"check_dist: the temporary folder {tmp_path} is in the checkout; set TMPDIR elsewhere")
        built = tmp_path / "dist"
        run([sys.executable, "-m", "build", "--outdir", str(built), str(ROOT)], stdout=subprocess.DEVNULL)
        wheels, sdists = sorted(built.glob("*.whl")), sorted(built.glob("*.tar.gz"))
        if len(wheels) != 1 or len(sdists) != 1:
            raise SystemExit(f"check_dist: expected one wheel and one sdist, got {[p.name for p in built.iterdir()]}")
        wheel, sdist = wheels[0], sdists[0]
        run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)])
        check_contents(wheel, sdist)

        env_dir = tmp_path / "venv"
        print(f"fresh virtual environment: {env_dir}", flush=True)
        venv.create(env_dir, with_pip=True)
        python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        quiet = {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
        run([str(python), "-m", "pip", "install", "-q", f"{wheel}[dot]"], env={**os.environ, **quiet})
        work = tmp_path / "work"
        work.mkdir()
        shutil.copy(ROOT / "tools" / "smoke_installed.py", work)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        env["PATH"] = os.pathsep.join([str(python.parent), without_dot(os.environ.get("PATH", ""))])
        run([str(python), "-I", "smoke_installed.py"], cwd=work, env=env)

        out = Path(args.outdir)
        out.mkdir(parents=True, exist_ok=True)
        for f in (wheel, sdist):
            shutil.copy(f, out / f.name)
    print(f"dist: {wheel.name} and {sdist.name} in {out} ({time.monotonic() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
