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


def reference(module: str, name: str):
    """The class ``name`` of benchmarks/``module``.py (the hand-written steps the bench times)."""
    sys.path.insert(0, str(BENCH))
    try:
        return getattr(__import__(module), name)
    finally:
        sys.path.remove(str(BENCH))


def eager_demo_steps(steps: int):
    """The demo's data, a seeded model, and the loss of each of its eager SGD steps (taken as they are yielded)."""
    X, y01 = nn.moons(30, 0.1, seed=2)
    y = [2 * t - 1 for t in y01]
    model = nn.MLP(2, [16, 16, 1], seed=5)
    opt = nn.SGD(model.parameters(), lr=0.05)

    def losses():
        for _ in range(steps):
            loss = nn.hinge([model(x) for x in X], y) + nn.l2_penalty(model.parameters(), 1e-4)
            opt.zero_grad()
            loss.backward()
            opt.step()
            yield loss.data

    return X, y, model, losses()


def test_plain_float_reference_is_the_same_step():
    X, y, model, losses = eager_demo_steps(3)
    plain = reference("plain_mlp", "PlainMLP")([2, 16, 16, 1], [p.data for p in model.parameters()])
    for loss in losses:
        assert plain.step(X, y, 0.05) == pytest.approx(loss, rel=1e-12)
    assert plain.flat() == pytest.approx([p.data for p in model.parameters()], rel=1e-12, abs=1e-15)


def test_numpy_reference_is_the_same_step():
    np = pytest.importorskip("numpy")
    X, y, model, losses = eager_demo_steps(3)
    by_hand = reference("numpy_mlp", "NumpyMLP")([2, 16, 16, 1], [p.data for p in model.parameters()])
    assert by_hand.flat() == [p.data for p in model.parameters()]
    for loss in losses:
        assert by_hand.step(np.array(X), np.array(y, dtype=float), 0.05) == pytest.approx(loss, rel=1e-12)
    assert by_hand.flat() == pytest.approx([p.data for p in model.parameters()], rel=1e-12, abs=1e-15)


def test_engine_benchmark_prints_json_lines():
    rows = run(
        "bench_engine.py", "--terms", "200", "--repeats", "1", "--max-depth", "1000", "--chain", "1000",
        "--primitive-rows", "500",
    )  # fmt: skip
    benches = {r["bench"] for r in rows}
    assert benches == {
        "engine_mixed_graph",
        "engine_same_nodes",
        "engine_chain",
        "engine_scopes",
        "engine_trust_checks",
        "engine_jacobian",
        "engine_memory",
        "engine_deepest_chain",
        "engine_primitive_batch",
    }
    prim = next(r for r in rows if r["bench"] == "engine_primitive_batch")
    assert prim["rows"] == 500 and prim["scalar_over_batch"] > 0 and prim["target_x"] == 20.0
    jac = {r["shape"]: r for r in rows if r["bench"] == "engine_jacobian"}
    assert jac["R^n->R"]["forward_multiply_adds"] == 64 * jac["R^n->R"]["reverse_multiply_adds"]  # n sweeps vs 1 pass
    assert jac["R->R^m"]["reverse_multiply_adds"] > jac["R->R^m"]["forward_multiply_adds"]
    checks = next(r for r in rows if r["bench"] == "engine_trust_checks")
    assert checks["backward_checked_s"] > 0 and checks["walk_locked_s"] > 0
    ratio = next(r for r in rows if r.get("ratio") == "micrograd/autodiff")
    assert ratio["forward_backward_x"] > 0 and "date" in ratio
    same = [r for r in rows if r["bench"] == "engine_same_nodes" and "engine" in r]
    assert same[0]["autodiff_nodes"] == same[0]["micrograd_nodes"]  # the fair mix builds the same graph in both
    mixed = next(r for r in rows if r["bench"] == "engine_mixed_graph" and "engine" in r)
    assert mixed["micrograd_nodes"] > mixed["autodiff_nodes"]  # micrograd's - and / are extra nodes
    chain = next(r for r in rows if r["bench"] == "engine_chain")
    assert chain["nodes"] == 1001 and chain["gc_enabled"] is True
    scopes = next(r for r in rows if r["bench"] == "engine_scopes")
    assert scopes["scoped_bytes_per_node"] > 0 and scopes["plain_s"] > 0
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
        "fit_compiled_epoch/numpy_step",
    }
    epoch = next(r for r in rows if r.get("ratio") == "micrograd_step/fit_compiled_epoch")
    assert epoch["mode"] == "batched" and epoch["epoch_ms"] > 0 and epoch["epoch_x"] > 0
    assert epoch["target_x"] == 3000.0
    floor = next(r for r in rows if r.get("ratio") == "fit_compiled_epoch/numpy_step")
    assert floor["epoch_ms"] == epoch["epoch_ms"] and floor["numpy_step_ms"] > 0 and floor["target_at_most"] == 3.0
    assert floor["epoch_over_numpy"] == pytest.approx(floor["epoch_ms"] / floor["numpy_step_ms"], rel=0.02)
    assert floor["tape_forward_ms"] > 0 and floor["tape_backward_ms"] > 0
    digits = next(r for r in rows if r["bench"] == "digits_fit")
    assert digits["train_images"] == 1347 and digits["test_accuracy"] >= 0.95 and digits["fit_s"] > 0
    assert digits["target_s_at_most"] == 0.5 and 0 < digits["fit_cpu_s"]


def test_draw_benchmark_prints_json_lines():
    rows = run("bench_draw.py", "--samples", "10", "--render", "no")
    assert {r["bench"] for r in rows} == {"draw_collapsed"}
    assert [r["collapse"] for r in rows] == [1, 2, 3]
    assert all(r["graph_nodes"] > r["drawn_nodes"] > 0 and r["dot_text_s"] > 0 and "date" in r for r in rows)
    assert [r["drawn_nodes"] for r in rows][:2] == [10 + 30 + 5, 30 + 30 + 5]  # boxes, then per-sample loss nodes
