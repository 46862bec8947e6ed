"""The README's claims that can drift: the core's line count and the ten-line example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CORE = ["value.py", "rules.py", "graph.py", "backprop.py"]


def test_core_line_count_is_current():
    lines = sum(len((ROOT / "autodiff" / f).read_text(encoding="utf-8").splitlines()) for f in CORE)
    stated = int(re.search(r"core: (\d+) lines", README).group(1))
    assert stated == lines, f"README says core: {stated} lines, the files have {lines}; update the README"


def test_ten_line_example_prints_what_it_says(capsys):
    code = re.search(r"## Ten lines\n\n```python\n(.*?)```", README, re.S).group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 10
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # our own README, not user text
    printed = capsys.readouterr().out.split()
    y, w_grad, x_grad = (float(s.rstrip(",")) for s in printed)
    claimed = re.findall(r"# (-?[\d.]+)\.\.\., (-?[\d.]+)\.\.\., (-?[\d.]+)\.\.\.", code)[0]
    for got, want in zip((y, w_grad, x_grad), claimed):
        assert str(got).startswith(want) or got == pytest.approx(float(want), abs=1e-4)
