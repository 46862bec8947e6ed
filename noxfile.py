"""`make test-all`: the test suite on every CPython from 3.10 to 3.13 that this machine has.

Interpreters are found in pyenv's versions folder (``$PYENV_ROOT``, default ``~/.pyenv``)
and on PATH, and never downloaded; a Python that is not there is skipped, and nox's summary
at the end lists each session as success, failed or skipped. The notebooks and the browser
tests run in ``make test`` (on the default Python) only, and so does the slow packaging test
(the wheel is pure Python, built once): each session here stays about a minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]

nox.options.sessions = ["tests"]
nox.options.reuse_venv = "yes"  # a second run only checks what is installed
nox.options.download_python = "never"  # the machine's Pythons, or a skip
nox.options.error_on_missing_interpreters = False  # a missing one is a skip, also under CI=true


def _works(python: str) -> bool:
    # a pyenv shim for a version that is installed but not selected exists and fails
    try:
        done = subprocess.run([python, "-c", "import sys"], capture_output=True, timeout=30, check=False)
    except OSError:
        return False
    return done.returncode == 0


def _release(install: Path) -> list[int]:
    # "3.12.10" after "3.12.9"; a name that is not all numbers ("3.13.0t") sorts first
    return [int(x) if x.isdigit() else -1 for x in install.name.split(".")]


def find_pythons() -> dict[str, str | None]:
    """For each version, the interpreter found (pyenv's newest patch release, else PATH), or None.

    pyenv first: its shims on PATH run only the versions pyenv has selected.
    """
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found: dict[str, str | None] = {}
    for version in PYTHONS:
        installs = sorted(pyenv.glob(f"{version}.*"), key=_release)
        candidates = [str(p / "bin" / f"python{version}") for p in reversed(installs)]
        candidates.append(shutil.which(f"python{version}"))
        # a virtual environment's python (make's .venv is on PATH) links to its base interpreter: use that
        real = [os.path.realpath(c) for c in candidates if c]
        found[version] = next((c for c in real if _works(c)), None)
    return found


FOUND = find_pythons()
# put the working interpreters first on PATH, so nox (and the venvs it makes) use exactly these
os.environ["PATH"] = os.pathsep.join(
    [*dict.fromkeys(str(Path(p).parent) for p in FOUND.values() if p), os.environ.get("PATH", "")]
)
print("make test-all: Pythons found:", ", ".join(f"{v} ({p})" for v, p in FOUND.items() if p) or "none")
print("make test-all: skipped (not on this machine):", ", ".join(v for v, p in FOUND.items() if not p) or "none")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The suite less the notebooks, the browser tests and the packaging test."""
    session.install("-e", ".[test]")
    session.run("python", "-c", "import sys; print('running the suite on Python', sys.version.split()[0])")
    session.run(
        "python",
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--doctest-modules",
        "-m",
        "not packaging",
        "-k",
        "not browser",
        "autodiff",
        "nn",
        "tests",
        *session.posargs,
    )
