"""Engine benchmark: mixed-op graphs forward and backward, memory per node, a long chain, deepest chain.

Compares autodiff with micrograd==0.1.0 in the same process, alternating runs,
garbage collector on (as users have it), median of --repeats runs.
Prints one JSON line per measurement, including forward- against reverse-mode Jacobians
(time and multiply-adds). Two mixed graphs:

* ``engine_mixed_graph``: + - * / ** relu. micrograd spells - and / with extra nodes
  (a - b is a + (-1 * b)), so it builds more nodes than autodiff for the same expression;
* ``engine_same_nodes``: + * ** relu only (micrograd 0.1.0 has no tanh or exp), where both
  engines build exactly the same number of nodes: the per-node cost compared fairly.

Targets (engine issues): forward+backward >= 6x micrograd on the same-node mix, backward
<= 0.5x forward there and <= 1x forward on a 10**6-node tanh chain, memory per node <= 0.3x
micrograd, a 10**6-node chain at the default recursion limit, and nodes made inside a scope
(``autodiff.scope``) as fast and as small as outside one (within 10%).
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import tracemalloc

from common import emit, environment, median_time, micrograd_value

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


def build_same(V, n_terms: int, seed: int = 0):
    """A wide graph of + * ** relu only, over 64 shared leaves, summed as a balanced tree.

    Each term is 16 nodes in both engines (constants count as leaves in both), so
    the two build the same number of nodes and the timing compares their cost per node.
    """
    rnd = random.Random(seed)
    xs = [V(rnd.uniform(-1.0, 1.0)) for _ in range(64)]
    terms = []
    for _ in range(n_terms):
        a, b, c = xs[rnd.randrange(64)], xs[rnd.randrange(64)], xs[rnd.randrange(64)]
        terms.append((a * b + c).relu() * 0.5 + (b * 0.3 + a).relu() * a + (c * c) ** 2 + a**2)
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return xs, terms[0]


def count_micrograd_nodes(root) -> int:
    seen, stack = set(), [root]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            stack.extend(v._prev)
    return len(seen)


def bench_speed(name: str, builder, n_terms: int, repeats: int, target: float) -> None:
    MV = micrograd_value()
    engines = {"autodiff": autodiff.Value, "micrograd": MV}
    fwd = {k: [] for k in engines}
    bwd = {k: [] for k in engines}
    n = count_nodes(builder(autodiff.Value, n_terms)[1])
    n_theirs = count_micrograd_nodes(builder(MV, n_terms)[1])
    for _ in range(repeats):
        for engine, V in engines.items():
            gc.collect()  # each run starts on a clean heap: no engine pays for the other's garbage
            t0 = time.perf_counter()
            _, root = builder(V, n_terms)
            t1 = time.perf_counter()
            root.backward()
            t2 = time.perf_counter()
            fwd[engine].append(t1 - t0)
            bwd[engine].append(t2 - t1)
            del root, _
    med = {k: (sorted(v)[len(v) // 2]) for k, v in fwd.items()}
    medb = {k: (sorted(v)[len(v) // 2]) for k, v in bwd.items()}
    for engine in engines:
        emit(
            {
                "bench": name,
                "engine": engine,
                "terms": n_terms,
                "autodiff_nodes": n,
                "micrograd_nodes": n_theirs,
                "forward_s": round(med[engine], 4),
                "backward_s": round(medb[engine], 4),
                "forward_ns_per_node": round(med[engine] / n * 1e9, 1),
                "backward_ns_per_node": round(medb[engine] / n * 1e9, 1),
                "repeats": repeats,
                **environment(),
            }
        )
    total = {k: med[k] + medb[k] for k in engines}
    emit(
        {
            "bench": name,
            "ratio": "micrograd/autodiff",
            "forward_x": round(med["micrograd"] / med["autodiff"], 2),
            "backward_x": round(medb["micrograd"] / medb["autodiff"], 2),
            "forward_backward_x": round(total["micrograd"] / total["autodiff"], 2),
            "target_x": target,
            "autodiff_backward_over_forward": round(medb["autodiff"] / med["autodiff"], 2),
        }
    )


def bench_chain(n: int, repeats: int) -> None:
    """A chain of n tanh nodes, forward and backward, collector on: backward should cost <= forward."""
    fwd, bwd = [], []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        x = autodiff.Value(0.1)
        v = x
        for _ in range(n):
            v = v.tanh()
        t1 = time.perf_counter()
        v.backward()
        t2 = time.perf_counter()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
        del x, v
    f, b = sorted(fwd)[len(fwd) // 2], sorted(bwd)[len(bwd) // 2]
    emit(
        {
            "bench": "engine_chain",
            "nodes": n + 1,
            "forward_s": round(f, 3),
            "backward_s": round(b, 3),
            "backward_over_forward": round(b / f, 2),
            "target_backward_over_forward": 1.0,
            "gc_enabled": gc.isenabled(),
            "repeats": repeats,
        }
    )


def bench_scopes(n_terms: int, repeats: int) -> None:
    """Nodes made inside ``autodiff.scope`` blocks against outside any: time and bytes per node."""

    def scoped(V, n):
        with autodiff.scope("bench"), autodiff.scope("mix"):
            return build_same(V, n)

    times = {"plain": [], "scoped": []}
    for _ in range(repeats):
        for name, builder in (("plain", build_same), ("scoped", scoped)):
            gc.collect()
            t0 = time.perf_counter()
            _, root = builder(autodiff.Value, n_terms)
            root.backward()
            times[name].append(time.perf_counter() - t0)
            del root, _
    med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
    n = count_nodes(build_same(autodiff.Value, n_terms)[1])
    mem = {"plain": graph_bytes(build_same, n_terms), "scoped": graph_bytes(scoped, n_terms)}
    emit(
        {
            "bench": "engine_scopes",
            "autodiff_nodes": n,
            "plain_s": round(med["plain"], 4),
            "scoped_s": round(med["scoped"], 4),
            "time_scoped_over_plain": round(med["scoped"] / med["plain"], 3),
            "plain_bytes_per_node": round(mem["plain"] / n, 1),
            "scoped_bytes_per_node": round(mem["scoped"] / n, 1),
            "target_within_pct": 10,
            "repeats": repeats,
        }
    )


def bench_checks(n_terms: int, repeats: int) -> None:
    """What the trust checks cost: backward with its non-finite check (snapshot of the grads,
    one sum per pass) against the bare pass, and the walk with its lock against without."""
    from autodiff import backprop, graph

    _, root = build(autodiff.Value, n_terms)
    order = autodiff.topological_order(root)

    def bare() -> None:
        backprop.start(order, root)
        order2: list = []
        graph._walk(root, object(), order2)  # the walk without its lock (a benchmark may look inside)
        backprop.push(order2)

    def checked() -> None:
        root.backward()

    times = {"bare": [], "checked": [], "walk_locked": [], "walk_unlocked": []}
    for _ in range(repeats):
        for name, fn in (
            ("bare", bare),
            ("checked", checked),
            ("walk_locked", lambda: autodiff.topological_order(root)),
            ("walk_unlocked", lambda: graph._walk(root, object(), [])),
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


def graph_bytes(builder, n_terms: int, V=autodiff.Value) -> int:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    xs, root = builder(V, n_terms)
    root.backward()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del xs, root
    return after - before


def bench_memory(name: str, builder, n_terms: int) -> None:
    MV = micrograd_value()
    n = count_nodes(builder(autodiff.Value, n_terms)[1])
    ours = graph_bytes(builder, n_terms)
    theirs = graph_bytes(builder, n_terms, MV)
    emit(
        {
            "bench": "engine_memory",
            "graph": name,
            "terms": n_terms,
            "autodiff_nodes": n,
            "autodiff_bytes_per_node": round(ours / n, 1),
            "micrograd_bytes_same_graph_per_autodiff_node": round(theirs / n, 1),
            "ratio_autodiff/micrograd": round(ours / theirs, 3),
            "target_ratio": 0.3,
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


def bench_primitive_batch(rows: int, repeats: int) -> None:
    """A user primitive written once (softplus over autodiff.log/exp/sigmoid) in a compiled
    function: a batch of ``rows`` runs its definition on numpy arrays, against ``rows`` scalar
    compiled calls (target: the batch at least 20x faster)."""
    try:
        import numpy as np
    except ImportError as e:
        emit({"bench": "engine_primitive_batch", "skipped": f"{e}; pip install numpy (the fast extra)"})
        return

    @autodiff.primitive("bench_softplus")
    def softplus(x):
        return autodiff.log(1.0 + autodiff.exp(x)), (autodiff.sigmoid(x),)

    w = autodiff.Value(0.7, label="w")
    c = autodiff.compile(lambda x: softplus(x * w) * 2.0, [0.5], params=[w])
    X = np.linspace(-3.0, 3.0, rows).reshape(-1, 1)
    xs = X[:, 0].tolist()

    def scalar():
        for x in xs:
            c(x)

    batch_s = median_time(lambda: c.batch(X), repeats)
    scalar_s = median_time(scalar, repeats)
    emit(
        {
            "bench": "engine_primitive_batch",
            "rows": rows,
            "batch_s": round(batch_s, 5),
            "scalar_calls_s": round(scalar_s, 4),
            "scalar_over_batch": round(scalar_s / batch_s, 1),
            "target_x": 20.0,
            "repeats": repeats,
        }
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--terms", type=int, default=20_000, help="terms in the mixed graph (about 10 autodiff nodes each)")
    ap.add_argument("--repeats", type=int, default=5, help="runs per engine; the median is reported")
    ap.add_argument("--max-depth", type=int, default=10**6, help="deepest chain tried")
    ap.add_argument("--jacobian-size", type=int, default=64, help="n and m of the forward-vs-reverse Jacobians")
    ap.add_argument("--chain", type=int, default=10**6, help="nodes in the tanh chain timed forward and backward")
    ap.add_argument("--primitive-rows", type=int, default=20_000, help="rows of the user-primitive batch")
    args = ap.parse_args(argv)
    bench_speed("engine_mixed_graph", build, args.terms, args.repeats, 5.0)
    bench_speed("engine_same_nodes", build_same, args.terms, args.repeats, 6.0)
    bench_chain(args.chain, max(1, args.repeats // 2))
    bench_scopes(args.terms, args.repeats)
    bench_checks(args.terms, args.repeats)
    bench_jacobian(args.jacobian_size, args.repeats)
    bench_primitive_batch(args.primitive_rows, args.repeats)
    bench_memory("engine_mixed_graph", build, args.terms)
    bench_memory("engine_same_nodes", build_same, args.terms)
    bench_depth(args.max_depth)


if __name__ == "__main__":
    main()
