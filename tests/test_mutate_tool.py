"""tools/mutate.py, tested on a project of three functions: a planted bug that a test catches is
killed, one that no test catches is reported with its diff, and a listed equivalent is not run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parent.parent / "tools" / "mutate.py"

CALC = """\
def add(a, b):
    return a + b


def double(x):
    return x * 2


def is_negative(x):
    if x < 0:  # a comment is not part of the key
        return True
    return False
"""

TESTS = """\
from calc import add, is_negative


def test_add():
    assert add(2, 3) == 5


def test_is_negative():
    assert is_negative(-1) is True
    assert is_negative(1) is False
"""

EQUIVALENT = """\
# file | code | mutation | why
calc.py | if x < 0: | `<` -> `<=` | claimed here only to test the list: is_negative(0) tells them apart
calc.py | return 7 | `7` -> `8` | a line that is no longer there
"""


def run_tool(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict[tuple[int, str], str]]:
    (tmp_path / "tests").mkdir()
    (tmp_path / "calc.py").write_text(CALC)
    (tmp_path / "tests" / "test_calc.py").write_text(TESTS)
    (tmp_path / "equivalent.txt").write_text(EQUIVALENT)
    args = ["calc.py", "--root", str(tmp_path), "--tests", "tests", "--equivalent", "equivalent.txt"]
    done = subprocess.run(
        [sys.executable, str(TOOL), *args, "--jsonl", "out.jsonl"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    return done, {(r["line"], r["mutation"]): r["status"] for r in rows}


def test_kills_what_a_test_catches_and_reports_what_none_does(tmp_path):
    before = CALC
    done, status = run_tool(tmp_path)
    assert status == {
        (2, "`+` -> `-`"): "killed",
        (2, "`return ...` -> `return None`"): "killed",
        (6, "`*` -> `/`"): "survived",  # no test calls double
        (6, "`2` -> `3`"): "survived",
        (6, "`return ...` -> `return None`"): "survived",
        (10, "`<` -> `<=`"): "equivalent",  # listed, so not run
        (10, "`0` -> `1`"): "survived",  # no test tries a number in (0, 1)
        (11, "`True` -> `False`"): "killed",
        (11, "`return ...` -> `return None`"): "killed",
        (12, "`False` -> `True`"): "killed",
        (12, "`return ...` -> `return None`"): "killed",
    }
    assert (tmp_path / "calc.py").read_text() == before  # restored
    assert "calc.py                           11      6        4       0     1  6/10 = 60.0%" in done.stdout
    assert "SURVIVED calc.py:6 `*` -> `/` (no test runs this line); key: calc.py | return x * 2 | `*` -> `/`" in (
        done.stdout
    )
    assert "-    return x * 2\n+    return x / 2" in done.stdout
    assert "SURVIVED calc.py:10 `0` -> `1` (1 tests ran)" in done.stdout
    assert "no such mutant now: calc.py | return 7 | `7` -> `8`" in done.stderr
