"""MLP benchmark: one training step of micrograd's demo, ours against micrograd==0.1.0.

The step: MLP(2, [16, 16, 1]) on 100 moons points, max-margin (hinge) loss plus
1e-4 L2, backward, SGD update. Timed in the same process, alternating engines,
garbage collector on, median of --repeats steps after one warm-up step.
Two forms of ours are timed: the demo's own code with only its imports changed
("demo_code"), and the idiomatic nn form (nn.hinge, nn.l2_penalty, nn.SGD).
Target (from the nn issue): idiomatic eager >= 10x faster than micrograd per step.
"""

from __future__ import annotations

import argparse
import gc
import time

from common import emit, environment

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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7, help="timed steps per engine; the median is reported")
    args = ap.parse_args(argv)
    from micrograd import nn as mnn
    from micrograd.engine import Value as MValue

    import autodiff

    X, y01 = nn.moons(100, 0.1, seed=1337)
    y = [2 * t - 1 for t in y01]
    theirs = mnn.MLP(2, [16, 16, 1])
    ours_demo = nn.MLP(2, [16, 16, 1], seed=1337)
    ours = nn.MLP(2, [16, 16, 1], seed=1337)
    opt = nn.SGD(ours.parameters(), lr=0.05)
    runs = {
        "micrograd": lambda: demo_step(MValue, theirs, X, y, 0.05),
        "autodiff_demo_code": lambda: demo_step(autodiff.Value, ours_demo, X, y, 0.05),
        "autodiff": lambda: idiomatic_step(ours, opt, X, y),
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


if __name__ == "__main__":
    main()
