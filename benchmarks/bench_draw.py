"""Drawing benchmark: the demo's whole loss drawn collapsed, at each collapse level.

The graph: MLP(2, [16, 16, 1]) on --samples moons points (100: the demo's loss,
about 10,500 nodes; 480: about 49,000), hinge loss plus 1e-4 L2, after backward.
Timed: the DOT text of draw(loss, collapse=k, compact=True) for k = 1 (a box per
sample), 2 (per layer), 3 (per neuron), and, when a `dot` is found, its rendering
to SVG (levels 1 and 2; 3 is thousands of boxes). Target: DOT of a 50,000-node
graph under 5 s at every level.
"""

from __future__ import annotations

import argparse
import time

from common import emit, environment

import autodiff
import nn
from autodiff.graph import topological_order
from autodiff.viz import find_dot, render


def loss_graph(samples: int) -> autodiff.Value:
    X, y01 = nn.moons(samples, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = nn.hinge([model(x) for x in X], [2 * t - 1 for t in y01]) + nn.l2_penalty(model.parameters(), 1e-4)
    loss.backward()
    return loss


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--samples", type=int, nargs="+", default=[100, 480])
    ap.add_argument("--render", choices=["auto", "no"], default="auto", help="render levels 1-2 to SVG if dot is found")
    args = ap.parse_args(argv)
    dot = find_dot() if args.render == "auto" else None
    for samples in args.samples:
        loss = loss_graph(samples)
        n = len(topological_order(loss))
        for level in (1, 2, 3):
            t0 = time.perf_counter()
            g = autodiff.draw(loss, collapse=level, compact=True, max_nodes=n)
            source = g.source
            dot_s = time.perf_counter() - t0
            record = {
                "bench": "draw_collapsed",
                "samples": samples,
                "graph_nodes": n,
                "collapse": level,
                "drawn_nodes": source.count('id="box-') + source.count('id="node-n'),
                "dot_text_s": round(dot_s, 3),
                "dot_text_bytes": len(source),
                "target_s_at_most": 5.0,
            }
            if dot is not None and level <= 2 and samples <= 100:
                t0 = time.perf_counter()
                render(g, "svg")
                record["svg_s"] = round(time.perf_counter() - t0, 3)
            emit({**record, **environment()})


if __name__ == "__main__":
    main()
