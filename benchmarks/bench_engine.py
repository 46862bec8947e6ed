"""Engine benchmark: a mixed-op graph forward and backward, memory per node, deepest chain.

Compares autodiff with micrograd==0.1.0 in the same process, alternating runs,
garbage collector on (as users have it), median of --repeats runs.
Prints one JSON line per measurement, including forward- against reverse-mode Jacobians
(time and multiply-adds). Targets (from the engine issue):
forward+backward >= 5x faster than micrograd, backward <= forward,
memory per node <= 0.5x micrograd, a 10**6-node chain at the default recursion limit.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import tracemalloc

from common import emit, environment, micrograd_value

import autodiff


def build(V, n_terms: int, seed: int = 0):
    """A wide graph: n_terms small mixed-op terms over 64 shared leaves, summed as a balanced tree.

    Uses only operations both engines have (+ - * / ** relu) so the same
    expression is timed in each; the tree keeps it shallow for micrograd's recursion.
    """
    rnd = random.Random(seed)
    xs = [V(rnd.uniform(0.5, 2.0)) for _ in range(64)]
    terms = []
    for _ in range(n_terms):
        a, b, c = xs[rnd.randrange(64)], xs[rnd.randrange(64)], xs[rnd.randrange(64)]
        terms.append((a * b + c).relu() * 0.5 - a / (c * c + 1.0) + b**2)
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return xs, terms[0]


def count_nodes(root) -> int:
    return len(autodiff.topological_order(root))


def bench_speed(n_terms: int, repeats: int) -> None:
    MV = micrograd_value()
    engines = {"autodiff": autodiff.Value, "micrograd": MV}
    fwd = {k: [] for k in engines}
    bwd = {k: [] for k in engines}
    nodes = {"autodiff": count_nodes(build(autodiff.Value, n_terms)[1])}
    for _ in range(repeats):
        for name, V in engines.items():
            gc.collect()  # each run starts on a clean heap: no engine pays for the other's garbage
            t0 = time.perf_counter()
            _, root = build(V, n_terms)
            t1 = time.perf_counter()
            root.backward()
            t2 = time.perf_counter()
            fwd[name].append(t1 - t0)
            bwd[name].append(t2 - t1)
            del root, _
    med = {k: (sorted(v)[len(v) // 2]) for k, v in fwd.items()}
    medb = {k: (sorted(v)[len(v) // 2]) for k, v in bwd.items()}
    n = nodes["autodiff"]
    for name in engines:
        emit(
            {
                "bench": "engine_mixed_graph",
                "engine": name,
                "terms": n_terms,
                "autodiff_nodes": n,
                "forward_s": round(med[name], 4),
                "backward_s": round(medb[name], 4),
                "forward_ns_per_node": round(med[name] / n * 1e9, 1),
                "backward_ns_per_node": round(medb[name] / n * 1e9, 1),
                "repeats": repeats,
                **environment(),
            }
        )
    total = {k: med[k] + medb[k] for k in engines}
    emit(
        {
            "bench": "engine_mixed_graph",
            "ratio": "micrograd/autodiff",
            "forward_x": round(med["micrograd"] / med["autodiff"], 2),
            "backward_x": round(medb["micrograd"] / medb["autodiff"], 2),
            "forward_backward_x": round(total["micrograd"] / total["autodiff"], 2),
            "target_x": 5.0,
            "autodiff_backward_over_forward": round(medb["autodiff"] / med["autodiff"], 2),
        }
    )


def bench_checks(n_terms: int, repeats: int) -> None:
    """What the trust checks cost: backward with its non-finite check (snapshot of the grads,
    one sum per pass) against the bare pass, and the walk with its lock against without."""
    from autodiff import backprop, graph

    _, root = build(autodiff.Value, n_terms)
    order = autodiff.topological_order(root)

    def bare() -> None:
        backprop._start(order, root)
        backprop._push(graph._walk(root))

    def checked() -> None:
        root.backward()

    times = {"bare": [], "checked": [], "walk_locked": [], "walk_unlocked": []}
    for _ in range(repeats):
        for name, fn in (
            ("bare", bare),
            ("checked", checked),
            ("walk_locked", lambda: autodiff.topological_order(root)),
            ("walk_unlocked", lambda: graph._walk(root)),
        ):
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
    emit(
        {
            "bench": "engine_trust_checks",
            "autodiff_nodes": len(order),
            "backward_unchecked_s": round(med["bare"], 4),
            "backward_checked_s": round(med["checked"], 4),
            "check_overhead_pct": round(100 * (med["checked"] / med["bare"] - 1), 1),
            "walk_unlocked_s": round(med["walk_unlocked"], 4),
            "walk_locked_s": round(med["walk_locked"], 4),
            "lock_overhead_pct": round(100 * (med["walk_locked"] / med["walk_unlocked"] - 1), 1),
            "repeats": repeats,
        }
    )


def graph_bytes(V, n_terms: int) -> int:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    xs, root = build(V, n_terms)
    root.backward()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del xs, root
    return after - before


def bench_memory(n_terms: int) -> None:
    MV = micrograd_value()
    n = count_nodes(build(autodiff.Value, n_terms)[1])
    ours = graph_bytes(autodiff.Value, n_terms)
    theirs = graph_bytes(MV, n_terms)
    emit(
        {
            "bench": "engine_memory",
            "terms": n_terms,
            "autodiff_nodes": n,
            "autodiff_bytes_per_node": round(ours / n, 1),
            "micrograd_bytes_same_graph_per_autodiff_node": round(theirs / n, 1),
            "ratio_autodiff/micrograd": round(ours / theirs, 3),
            "target_ratio": 0.5,
        }
    )


def chain(V, depth: int):
    x = V(0.5)
    v = x
    for _ in range(depth):
        v = v * 0.999999 + 0.0
    return x, v


def deepest(V, depths) -> int:
    ok = 0
    for d in depths:
        try:
            x, v = chain(V, d // 2)  # two nodes per step
            v.backward()
        except RecursionError:
            break
        ok = d
        del x, v
    return ok


def bench_depth(max_depth: int) -> None:
    MV = micrograd_value()
    depths = [10**k for k in range(2, 7) if 10**k <= max_depth]
    limit = sys.getrecursionlimit()
    t0 = time.perf_counter()
    ours = deepest(autodiff.Value, depths)
    t_ours = time.perf_counter() - t0
    theirs = deepest(MV, depths)
    emit(
        {
            "bench": "engine_deepest_chain",
            "recursion_limit": limit,
            "tried": depths,
            "autodiff_deepest_ok": ours,
            "micrograd_deepest_ok": theirs,
            "autodiff_seconds": round(t_ours, 2),
            "target": 10**6,
        }
    )


def _chain_sum(v):
    # R^n -> R: sum_i tanh(x_i x_{i+1})
    return autodiff.sum([(a * b).tanh() for a, b in zip(v, v[1:])])


def _unrolled(m: int):
    # R -> R^m: h_{k+1} = tanh(0.9 h_k + 0.1), every h_k an output
    def f(x):
        outs, h = [], x
        for _ in range(m):
            h = (h * 0.9 + 0.1).tanh()
            outs.append(h)
        return outs

    return f


def bench_jacobian(size: int, repeats: int) -> None:
    """The Jacobian of R^n -> R and of R -> R^m, n = m = size, by reverse mode (one backward
    pass per output) and by forward mode (one tangent sweep per input): time and multiply-adds."""
    rnd = random.Random(0)
    cases = [
        ("R^n->R", size, 1, _chain_sum, [rnd.uniform(-1, 1) for _ in range(size)]),
        ("R->R^m", 1, size, _unrolled(size), 0.4),
    ]
    for shape, n, m, f, xs in cases:
        modes = ("reverse", "forward")
        counts = {mode: autodiff.jacobian(f, mode=mode, count=True)(xs).multiply_adds for mode in modes}
        times = {mode: [] for mode in counts}
        for _ in range(repeats):
            for mode in counts:
                gc.collect()
                t0 = time.perf_counter()
                autodiff.jacobian(f, mode=mode)(xs)
                times[mode].append(time.perf_counter() - t0)
        med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
        emit(
            {
                "bench": "engine_jacobian",
                "shape": shape,
                "n": n,
                "m": m,
                "reverse_s": round(med["reverse"], 6),
                "forward_s": round(med["forward"], 6),
                "reverse_multiply_adds": counts["reverse"],
                "forward_multiply_adds": counts["forward"],
                "forward_over_reverse_time": round(med["forward"] / med["reverse"], 2),
                "forward_over_reverse_multiply_adds": round(counts["forward"] / counts["reverse"], 3),
                "repeats": repeats,
            }
        )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--terms", type=int, default=20_000, help="terms in the mixed graph (about 10 autodiff nodes each)")
    ap.add_argument("--repeats", type=int, default=5, help="runs per engine; the median is reported")
    ap.add_argument("--max-depth", type=int, default=10**6, help="deepest chain tried")
    ap.add_argument("--jacobian-size", type=int, default=64, help="n and m of the forward-vs-reverse Jacobians")
    args = ap.parse_args(argv)
    bench_speed(args.terms, args.repeats)
    bench_checks(args.terms, args.repeats)
    bench_jacobian(args.jacobian_size, args.repeats)
    bench_memory(args.terms)
    bench_depth(args.max_depth)


if __name__ == "__main__":
    main()
