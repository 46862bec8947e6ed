"""Pictures of training, with matplotlib (the ``notebooks`` extra).

* ``plot_history(history)`` (also ``History.plot()``): loss and accuracy per epoch;
* ``plot_decision_boundary(model, X, y)``: the classes a model gives each point of
  the plane, under the 2-D samples coloured by their label;
* ``LiveLoss``: the loss curve of a running ``fit(..., live=True)``, redrawn in place
  in Jupyter (one display, a few redraws a second at most).

Each function returns a ``matplotlib.figure.Figure`` (shown once when it is a cell's
value in Jupyter; ``fig.savefig(path)`` elsewhere), or draws into ``ax`` when given.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from autodiff import Value

NEEDS = (
    "needs matplotlib: pip install matplotlib (in a clone of stepgrad, "
    'pip install ".[notebooks]" brings it with the rest of the notebooks extra)'
)


def _pyplot(who: str) -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(f"{who} {NEEDS}") from None
    return plt


def _figure(who: str, ax: Any, size: tuple[float, float]) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    plt = _pyplot(who)
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    plt.close(fig)  # not left open in pyplot: shown once, as the value of the cell that made it
    return fig, ax


def plot_history(history: Any, ax: Any = None) -> Any:
    """Loss per epoch (left axis) and, where the loss has one, accuracy (right axis); returns the figure."""
    loss = getattr(history, "loss", None)
    if not isinstance(loss, list) or not loss:
        raise ValueError("History.plot: no epoch recorded; plot the History that nn.fit returned")
    fig, ax = _figure("History.plot", ax, (6, 3.2))
    epochs = range(1, len(loss) + 1)
    lines = ax.plot(epochs, loss, color="C0", label="loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    accuracy = getattr(history, "accuracy", [])
    if accuracy and all(a is not None for a in accuracy):
        right = ax.twinx()
        lines += right.plot(epochs, accuracy, color="C1", label="accuracy")
        right.set_ylim(0, 1.02)
        right.set_ylabel("accuracy")
    ax.legend(lines, [line.get_label() for line in lines], loc="center right")
    ax.set_title(f"training: {len(loss)} epochs, last loss {loss[-1]:.4g}")
    return fig


def _classes(model: Callable, point: list[float]) -> tuple[int, int]:
    # (predicted class index, number of outputs): a single score is class 1 when > 0
    out = model(point)
    if isinstance(out, Value):
        return int(out.data > 0), 1
    scores = [o.data for o in out]
    return max(range(len(scores)), key=scores.__getitem__), len(scores)


def plot_decision_boundary(
    model: Callable,
    X: Sequence[Sequence[float]],
    y: Sequence,
    ax: Any = None,
    resolution: int = 50,
    margin: float = 0.25,
) -> Any:
    """The plane coloured by the class ``model`` gives each point, and the samples ``X`` coloured by ``y``.

    ``X`` holds 2-D points; ``model(point)`` returns one score (class 1 when > 0; labels
    0/1 or -1/+1) or one score per class (labels 0..K-1). ``resolution`` points per side
    are classified (``resolution**2`` forward passes). The title gives the accuracy on
    ``(X, y)``, the axes are the two inputs. Returns the figure.
    """
    who = "plot_decision_boundary"
    points = [list(p) for p in X]
    if not points or any(len(p) != 2 for p in points):
        raise ValueError(f"{who}: X must be a non-empty list of 2-D points [x1, x2]")
    if any(isinstance(c, bool) or not isinstance(c, (int, float)) or not math.isfinite(c) for p in points for c in p):
        raise ValueError(f"{who}: every coordinate of X must be a finite number")
    labels = list(y)
    if len(labels) != len(points):
        raise ValueError(f"{who}: {len(points)} points in X but {len(labels)} labels in y")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 2 <= resolution <= 1000:
        raise ValueError(f"{who}: resolution must be an int in 2..1000, got {resolution!r}")
    predicted, outputs = zip(*(_classes(model, p) for p in points))
    if outputs[0] == 1:  # one score: class 1 when > 0, labels 0/1 or -1/+1
        classes = [-1, 1] if set(labels) <= {-1, 1} else [0, 1]
        expected = "0/1 or -1/+1 for a model with one output"
    else:
        classes = list(range(outputs[0]))
        expected = f"class indices 0..{outputs[0] - 1} for a model with {outputs[0]} outputs"
    index = {c: i for i, c in enumerate(classes)}
    wrong = [t for t in labels if isinstance(t, bool) or t not in index]
    if wrong:
        raise ValueError(f"{who}: labels must be {expected}, got {wrong[0]!r}")
    truth = [index[t] for t in labels]
    accuracy = sum(p == t for p, t in zip(predicted, truth)) / len(truth)

    fig, ax = _figure(who, ax, (4.5, 4))
    lo = [min(p[d] for p in points) for d in (0, 1)]
    hi = [max(p[d] for p in points) for d in (0, 1)]
    pad = [margin * (high - low or 1.0) for low, high in zip(lo, hi)]
    xs = [lo[0] - pad[0] + (hi[0] - lo[0] + 2 * pad[0]) * i / (resolution - 1) for i in range(resolution)]
    ys = [lo[1] - pad[1] + (hi[1] - lo[1] + 2 * pad[1]) * j / (resolution - 1) for j in range(resolution)]
    grid = [[_classes(model, [gx, gy])[0] for gx in xs] for gy in ys]
    from matplotlib.colors import ListedColormap

    k = len(classes)
    colours = ListedColormap(["C0", "C3"] if k == 2 else [f"C{i % 10}" for i in range(k)])
    scale = {"cmap": colours, "vmin": -0.5, "vmax": k - 0.5}
    ax.contourf(xs, ys, grid, levels=[i - 0.5 for i in range(k + 1)], alpha=0.25, **scale)
    ax.scatter([p[0] for p in points], [p[1] for p in points], c=truth, s=14, edgecolors="k", linewidths=0.5, **scale)
    ax.set_title(f"decision boundary, accuracy {accuracy:.1%}")
    ax.set_xlabel("x[0] (first input)")
    ax.set_ylabel("x[1] (second input)")
    return fig


class LiveLoss:
    """The loss curve of a running ``fit``, redrawn in place: ``fit(..., live=True)`` makes one.

    Each redraw renders a PNG and hands it to ``show``; by default (in Jupyter) the
    first one is displayed and the next ones replace it (one display id). Redraws
    come at most every ``interval`` seconds, and only while the time spent drawing
    stays under ``budget`` of the time trained, so watching costs a few percent;
    the last epoch is always drawn.
    """

    show: Callable[[bytes], None]
    """Called with each redraw's PNG bytes (by default: shown in Jupyter, replaced in place)."""

    interval: float
    """The fewest seconds between two redraws."""

    budget: float
    """The most of the training time that drawing may take, as a fraction (0.05: 5%)."""

    redraws: int
    """How many times it has drawn."""

    shown: int
    """The number of epochs in the picture on screen."""

    drawing: float
    """Seconds spent drawing so far."""

    def __init__(self, show: Callable[[bytes], None] | None = None, interval: float = 0.5, budget: float = 0.05):
        if not (isinstance(interval, (int, float)) and interval >= 0 and math.isfinite(interval)):
            raise ValueError(f"LiveLoss: interval must be a finite number of seconds >= 0, got {interval!r}")
        if not (isinstance(budget, (int, float)) and 0 < budget <= 1):
            raise ValueError(f"LiveLoss: budget must be a fraction in (0, 1], got {budget!r}")
        self.fig, self.ax = _figure("fit(live=True)", None, (5.5, 3))
        (self.line,) = self.ax.plot([], [], color="C0")
        self.ax.set_xlabel("epoch")
        self.ax.set_ylabel("loss")
        self.show = show if show is not None else _JupyterImage()
        self.interval = interval
        self.budget = budget
        self.redraws = 0
        self.shown = 0  # epochs in the picture on screen
        self.drawing = 0.0  # seconds spent drawing
        self._start = self._last = time.perf_counter()

    def update(self, loss: Sequence[float], epochs: int, final: bool = False) -> bool:
        """Redraw for ``loss`` (one per epoch so far, of ``epochs``) if it is time; True if it redrew."""
        now = time.perf_counter()
        if final and self.shown == len(loss):
            return False  # the last epoch is on screen already
        if not final and (now - self._last < self.interval or self.drawing > self.budget * (now - self._start)):
            return False
        n = len(loss)
        self.line.set_data(range(1, n + 1), loss)
        self.ax.set_xlim(1, max(epochs, 2))
        low, high = min(loss), max(loss)
        spread = (high - low) or abs(high) or 1.0
        self.ax.set_ylim(low - 0.05 * spread, high + 0.05 * spread)
        self.ax.set_title(f"epoch {n}/{epochs}, loss {loss[-1]:.4g}")
        png = io.BytesIO()
        self.fig.savefig(png, format="png", dpi=80)
        self.show(png.getvalue())
        self.redraws += 1
        self.shown = n
        self._last = time.perf_counter()
        self.drawing += self._last - now
        return True


class _JupyterImage:
    """Show PNGs in one Jupyter output: the first is displayed, the next ones replace it."""

    def __init__(self) -> None:
        self.handle = None

    def __call__(self, png: bytes) -> None:
        from IPython.display import Image, display

        if self.handle is None:
            self.handle = display(Image(data=png, format="png"), display_id=True)
        else:
            self.handle.update(Image(data=png, format="png"))
