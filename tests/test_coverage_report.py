"""tools/coverage_report.py (make coverage's summary), on a real coverage.py run of two tiny packages named
autodiff and nn: lines and branches per package as counted by hand, the files below the threshold with
their missing branches, and the others left out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parent.parent / "tools" / "coverage_report.py"

# autodiff/calc.py: 4 statements, 2 branches (the if); sign(1) runs the first 3 lines and one branch
CALC = """\
def sign(x):
    if x < 0:
        return -1
    return 1
"""
# nn/full.py: 2 statements, no branch, all run
FULL = """\
def one():
    return 1
"""
RUN = """\
from autodiff.calc import sign
from nn.full import one
assert sign(1) == one()
"""


def measure(tmp_path: Path) -> Path:
    for pkg in ("autodiff", "nn"):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / "autodiff" / "calc.py").write_text(CALC)
    (tmp_path / "nn" / "full.py").write_text(FULL)
    (tmp_path / "run.py").write_text(RUN)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}  # not make coverage's own run
    for args in (["run", "--branch", "--source", "autodiff,nn", "run.py"], ["json", "-q", "-o", "cov.json"]):
        subprocess.run([sys.executable, "-m", "coverage", *args], cwd=tmp_path, env=env, check=True)
    return tmp_path / "cov.json"


def test_counts_lines_and_branches_per_package_and_lists_the_files_below(tmp_path):
    report = measure(tmp_path)
    done = subprocess.run([sys.executable, str(TOOL), str(report)], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    # autodiff: calc.py 3 of 4 lines, 1 of 2 branches, __init__.py nothing to cover; nn: 2 of 2, no branch
    assert lines[2].split() == ["autodiff/", "3/4", "75.0%", "1/2", "50.0%"]
    assert lines[3].split() == ["nn/", "2/2", "100.0%", "0/0", "100.0%"]
    assert lines[4] == "1 file(s) below 97% (lines or branches):"
    assert lines[5].split() == ["autodiff/calc.py", "lines", "3/4", "75.0%", "branches", "1/2", "50.0%"]
    assert lines[6].strip() == "missing branches: 2->3"  # x < 0 never true
    assert len(lines) == 7  # nn/full.py and the empty __init__.py files are not listed


def test_the_threshold_is_an_option_and_a_missing_report_is_named(tmp_path):
    report = measure(tmp_path)
    done = subprocess.run([sys.executable, str(TOOL), str(report), "--under", "50"], capture_output=True, text=True)
    assert done.stdout.splitlines()[4] == "0 file(s) below 50% (lines or branches):"
    missing = tmp_path / "nothing.json"
    done = subprocess.run([sys.executable, str(TOOL), str(missing)], capture_output=True, text=True)
    assert done.returncode == 2
    assert f"no {missing}; run `coverage json -o {missing}` after the suite first" in done.stderr
    assert json.loads(report.read_text())["meta"]["branch_coverage"] is True
