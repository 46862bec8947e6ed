"""The benchmarks run and measure what they say (no timing assertions here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import nn

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
pytest.importorskip("micrograd")


def run(script, *args):
    done = subprocess.run([sys.executable, script, *args], cwd=BENCH, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_plain_float_reference_is_the_same_step():
    sys.path.insert(0, str(BENCH))
    try:
        from plain_mlp import PlainMLP
    finally:
        sys.path.remove(str(BENCH))
    X, y01 = nn.moons(30, 0.1, seed=2)
    y = [2 * t - 1 for t in y01]
    model = nn.MLP(2, [16, 16, 1], seed=5)
    plain = PlainMLP([2, 16, 16, 1], [p.data for p in model.parameters()])
    opt = nn.SGD(model.parameters(), lr=0.05)
    for _ in range(3):
        loss = nn.hinge([model(x) for x in X], y) + nn.l2_penalty(model.parameters(), 1e-4)
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert plain.step(X, y, 0.05) == pytest.approx(loss.data, rel=1e-12)
    assert plain.flat() == pytest.approx([p.data for p in model.parameters()], rel=1e-12, abs=1e-15)


def test_engine_benchmark_prints_json_lines():
    rows = run("bench_engine.py", "--terms", "200", "--repeats", "1", "--max-depth", "1000")
    benches = {r["bench"] for r in rows}
    assert benches == {
        "engine_mixed_graph",
        "engine_trust_checks",
        "engine_jacobian",
        "engine_memory",
        "engine_deepest_chain",
    }
    jac = {r["shape"]: r for r in rows if r["bench"] == "engine_jacobian"}
    assert jac["R^n->R"]["forward_multiply_adds"] == 64 * jac["R^n->R"]["reverse_multiply_adds"]  # n sweeps vs 1 pass
    assert jac["R->R^m"]["reverse_multiply_adds"] > jac["R->R^m"]["forward_multiply_adds"]
    checks = next(r for r in rows if r["bench"] == "engine_trust_checks")
    assert checks["backward_checked_s"] > 0 and checks["walk_locked_s"] > 0
    ratio = next(r for r in rows if r.get("ratio") == "micrograd/autodiff")
    assert ratio["forward_backward_x"] > 0 and "date" in ratio
    depth = next(r for r in rows if r["bench"] == "engine_deepest_chain")
    assert depth["autodiff_deepest_ok"] == 1000


def test_mlp_benchmark_prints_json_lines():
    rows = run("bench_mlp.py", "--repeats", "1")
    engines = {r["engine"] for r in rows if "engine" in r}
    assert engines == {
        "micrograd",
        "autodiff_demo_code",
        "autodiff",
        "autodiff_compiled",
        "autodiff_compiled_whole_step",
        "plain_float",
    }
    assert {r["ratio"] for r in rows if "ratio" in r} == {
        "micrograd/autodiff",
        "micrograd/compiled",
        "compiled/plain_float",
        "micrograd_step/fit_compiled_epoch",
    }
    epoch = next(r for r in rows if r["bench"] == "mlp_fit_epoch")
    assert epoch["mode"] == "batched" and epoch["epoch_ms"] > 0 and epoch["epoch_x"] > 0
    digits = next(r for r in rows if r["bench"] == "digits_fit")
    assert digits["train_images"] == 1347 and digits["test_accuracy"] >= 0.95 and digits["fit_s"] > 0
