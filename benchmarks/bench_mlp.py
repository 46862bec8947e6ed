"""MLP benchmark: one training step of micrograd's demo, ours against micrograd==0.1.0.

The step: MLP(2, [16, 16, 1]) on 100 moons points, max-margin (hinge) loss plus
1e-4 L2, backward, SGD update. Timed in the same process, alternating engines,
garbage collector on, median of --repeats steps after one warm-up step.
Forms of ours timed: the demo's own code with only its imports changed
("demo_code"), the idiomatic nn form (nn.hinge, nn.l2_penalty, nn.SGD) eager,
the same compiled as nn.fit(compile=True) runs it (model traced once, loss
eager), the whole step traced into one tape, and a hand-written plain-float
step (plain_mlp.py) as the floor. Then what fit(live=True) costs on the demo's fit.
Targets: eager >= 10x faster than micrograd per step (nn issue); compiled
>= 100x faster than micrograd and within 3x of the plain-float step (compile issue);
live loss curve under 10% of the fit's time.
"""

from __future__ import annotations

import argparse
import gc
import random
import time

from common import emit, environment
from plain_mlp import PlainMLP

import autodiff
import nn


def demo_step(Value, model, X, y, lr):
    # micrograd's demo loss() and update, written once for any engine
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data


def idiomatic_step(model, opt, X, y):
    scores = [model(x) for x in X]
    total = nn.hinge(scores, y) + nn.l2_penalty(opt.params, 1e-4)
    opt.zero_grad()
    total.backward()
    opt.step()
    return total.data


def fit_compiled_step(model, traced, opt, X, y):
    # what nn.fit(compile=True) does for one full batch
    params = opt.params
    values = tuple(p.data for p in params)
    runs = [traced.vjp(*x, params=values) for x in X]
    outs = [autodiff.Value(o) for o, _ in runs]
    total = nn.hinge(outs, y) + nn.l2_penalty(params, 1e-4)
    opt.zero_grad()
    total.backward()
    into = [0.0] * len(params)
    for (_, back), out in zip(runs, outs):
        back([out.grad], into)
    for p, g in zip(params, into):
        p.grad += g
    opt.step()
    return total.data


def whole_step(whole, params, flat_x, lr):
    # the whole step (model on 100 samples, loss, L2) as one tape
    r = whole(*flat_x)
    for p, g in zip(params, r.param_grads):
        p.data -= lr * g
    return r.value


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7, help="timed steps per engine; the median is reported")
    args = ap.parse_args(argv)
    from micrograd import nn as mnn
    from micrograd.engine import Value as MValue

    X, y01 = nn.moons(100, 0.1, seed=1337)
    y = [2 * t - 1 for t in y01]
    random.seed(1337)  # micrograd draws from the global random: the same weights as our seed=1337
    theirs = mnn.MLP(2, [16, 16, 1])
    ours_demo = nn.MLP(2, [16, 16, 1], seed=1337)
    ours = nn.MLP(2, [16, 16, 1], seed=1337)
    opt = nn.SGD(ours.parameters(), lr=0.05)
    compiled = nn.MLP(2, [16, 16, 1], seed=1337)
    copt = nn.SGD(compiled.parameters(), lr=0.05)
    t0 = time.perf_counter()
    traced = autodiff.compile(lambda a, b: compiled([a, b]), X[0], compiled.parameters())
    trace_s = time.perf_counter() - t0
    whole_model = nn.MLP(2, [16, 16, 1], seed=1337)
    wparams = whole_model.parameters()
    flat_x = [c for x in X for c in x]

    def loss_of(*flat):
        scores = [whole_model([flat[2 * i], flat[2 * i + 1]]) for i in range(len(flat) // 2)]
        return nn.hinge(scores, y) + nn.l2_penalty(wparams, 1e-4)

    t0 = time.perf_counter()
    whole = autodiff.compile(loss_of, flat_x, wparams)
    whole_trace_s = time.perf_counter() - t0
    plain = PlainMLP([2, 16, 16, 1], [p.data for p in nn.MLP(2, [16, 16, 1], seed=1337).parameters()])
    runs = {
        "micrograd": lambda: demo_step(MValue, theirs, X, y, 0.05),
        "autodiff_demo_code": lambda: demo_step(autodiff.Value, ours_demo, X, y, 0.05),
        "autodiff": lambda: idiomatic_step(ours, opt, X, y),
        "autodiff_compiled": lambda: fit_compiled_step(compiled, traced, copt, X, y),
        "autodiff_compiled_whole_step": lambda: whole_step(whole, wparams, flat_x, 0.05),
        "plain_float": lambda: plain.step(X, y, 0.05),
    }
    times = {k: [] for k in runs}
    for fn in runs.values():
        fn()  # warm-up
    for _ in range(args.repeats):
        for name, fn in runs.items():
            gc.collect()  # no engine pays for the other's garbage
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
    for name in runs:
        emit(
            {
                "bench": "mlp_train_step",
                "engine": name,
                "step_ms": round(med[name] * 1e3, 2),
                "repeats": args.repeats,
                **environment(),
            }
        )
    emit(
        {
            "bench": "mlp_train_step",
            "ratio": "micrograd/autodiff",
            "eager_x": round(med["micrograd"] / med["autodiff"], 2),
            "demo_code_x": round(med["micrograd"] / med["autodiff_demo_code"], 2),
            "target_x": 10.0,
        }
    )
    emit(
        {
            "bench": "mlp_train_step",
            "ratio": "micrograd/compiled",
            "compiled_x": round(med["micrograd"] / med["autodiff_compiled"], 1),
            "compiled_whole_step_x": round(med["micrograd"] / med["autodiff_compiled_whole_step"], 1),
            "target_x": 100.0,
            "trace_seconds": round(trace_s, 3),
            "whole_step_trace_seconds": round(whole_trace_s, 3),
            "whole_step_source_lines": whole.source.count("\n"),
        }
    )
    emit(
        {
            "bench": "mlp_train_step",
            "ratio": "compiled/plain_float",
            "compiled_over_plain": round(med["autodiff_compiled"] / med["plain_float"], 2),
            "compiled_whole_step_over_plain": round(med["autodiff_compiled_whole_step"] / med["plain_float"], 2),
            "target_at_most": 3.0,
        }
    )
    fit_live_overhead(min(args.repeats, 3))


def fit_live_overhead(repeats: int) -> None:
    """What watching costs: the demo's fit (100 epochs) with and without live=True's redraws.

    Outside Jupyter the pictures go to a sink that base64-encodes each PNG, as a
    notebook's display does; drawing is the same as in Jupyter. Goal: under 10%.
    """
    import base64

    try:
        from nn.plot import LiveLoss

        LiveLoss(show=lambda png: None)
    except ImportError as e:
        emit({"bench": "fit_live_overhead", "skipped": str(e)})
        return
    X, y01 = nn.moons(100, 0.1, seed=0)
    y = [2 * t - 1 for t in y01]

    def run(live):
        model = nn.MLP(2, [16, 16, 1], seed=0)
        opt = nn.SGD(model.parameters(), lr=0.1)
        gc.collect()
        t0 = time.perf_counter()
        nn.fit(model, X, y, loss="hinge", optimizer=opt, epochs=100, l2=1e-4, progress=False, live=live)
        return time.perf_counter() - t0

    plain, watched, redraws = [], [], []
    for _ in range(repeats):  # alternating, so that both see the same machine
        plain.append(run(False))
        live = LiveLoss(show=lambda png: base64.b64encode(png))
        watched.append(run(live))
        redraws.append(live.redraws)
    plain_s, live_s = sorted(plain)[len(plain) // 2], sorted(watched)[len(watched) // 2]
    emit(
        {
            "bench": "fit_live_overhead",
            "epochs": 100,
            "fit_s": round(plain_s, 3),
            "fit_live_s": round(live_s, 3),
            "overhead_pct": round(100 * (live_s - plain_s) / plain_s, 1),
            "redraws": sorted(redraws)[len(redraws) // 2],
            "target_pct_at_most": 10.0,
            "repeats": repeats,
            **environment(),
        }
    )


if __name__ == "__main__":
    main()
