"""Steps of a backward pass grouped by the boxes of a collapsed picture: one step per run of
edges inside one box (the Stepper's ``granularity="scope"``).
"""

from __future__ import annotations

from typing import Union

from .picture import PLAIN, Picture
from .steps import Step


class ScopeStep:
    """A step of a Stepper with ``granularity="scope"``: the edge steps it applies, in order.

    ``kind`` is "seed" (step 1, the seed alone), "edge" (one edge outside every box) or
    "scope" (every edge of one run through a box); ``scope`` is the box's path ("" for
    the others); ``index`` is its number k in "Step k of N".
    """

    __slots__ = ("index", "kind", "scope", "box", "steps")

    def __init__(self, index: int, kind: str, scope: str, box: int, steps: tuple[Step, ...]) -> None:
        self.index = index
        self.kind = kind
        self.scope = scope
        self.box = box
        self.steps = steps

    def __repr__(self) -> str:
        where = f" {self.scope!r}" if self.scope else ""
        return f"ScopeStep({self.index}, {self.kind!r}{where}, {len(self.steps)} edge steps)"


AnyStep = Union[Step, ScopeStep]


def edge_steps_of(step: AnyStep) -> tuple[Step, ...]:
    """The edge steps a step applies, in order: a ScopeStep's all, a Step itself."""
    return step.steps if isinstance(step, ScopeStep) else (step,)


def by_box(pic: Picture, edge_steps: list[Step]) -> list[AnyStep]:
    """The steps of ``edge_steps`` a box at a time: runs of edges whose child sits in one box of ``pic``
    make one ScopeStep; the seed and each edge outside every box, one each."""
    runs: list[tuple[int, list[Step]]] = []
    for s in edge_steps:
        box = pic.where[pic.index[id(s.node)]] if s.kind == "edge" else PLAIN
        if box >= 0 and runs and runs[-1][0] == box:
            runs[-1][1].append(s)
        else:
            runs.append((box, [s]))
    return [
        ScopeStep(k, "scope" if box >= 0 else run[0].kind, pic.boxes[box].name if box >= 0 else "", box, tuple(run))
        for k, (box, run) in enumerate(runs, 1)
    ]
