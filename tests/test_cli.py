"""The command line: python -m autodiff."""

from __future__ import annotations

import subprocess
import sys

from autodiff.__main__ import main


def test_demo_prints_grads_and_gradcheck(capsys):
    assert main(["demo", "--no-train"]) == 0
    out = capsys.readouterr().out
    assert "y = 0.707107" in out
    assert "w1  =  -3.000000   grad =   1.000000" in out
    assert "gradcheck: passed" in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_module_runs_as_script():
    done = subprocess.run([sys.executable, "-m", "autodiff", "--help"], capture_output=True, text=True, check=True)
    assert "usage: autodiff" in done.stdout


def test_demo_trains_moons_to_95_percent(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    acc = float(out.split("training accuracy: ")[1].split("%")[0])
    assert acc >= 95.0
    assert "epoch  100/100" in out
