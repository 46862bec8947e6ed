"""Training: ``fit``, its per-epoch ``History`` and the losses it knows by name."""

from __future__ import annotations

import math
import numbers
import operator
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Union, cast

from autodiff import Value

from . import losses
from .checks import Seed, make_rng, positive_int
from .optim import SGD, Optimizer
from .plot import LiveLoss, plot_history
from .steps import LossFn, Task, make_step

# name -> (loss over a batch of model outputs, accuracy of one output against its target)
LOSSES: dict[str, tuple[LossFn, Callable[[Any, Any], bool] | None]] = {
    "hinge": (losses.hinge, lambda out, y: (out.data > 0) == (y > 0)),
    "mse": (losses.mse, None),
    "mae": (losses.mae, None),
    "bce_with_logits": (losses.bce_with_logits, lambda out, y: (out.data > 0) == (y > 0.5)),
    "cross_entropy": (losses.cross_entropy, lambda out, y: max(range(len(out)), key=lambda k: out[k].data) == y),
}

# name -> check of one target y[i] against a probe output (checked for every sample before training)
_TARGETS: dict[str, Callable[[object, int, Any], object]] = {
    "hinge": lambda y, i, k: losses.sign_label(y, "fit", f"y[{i}] (loss 'hinge')"),
    "mse": lambda y, i, k: y,
    "mae": lambda y, i, k: y,
    "bce_with_logits": lambda y, i, k: losses.unit_label(y, "fit", f"y[{i}] (loss 'bce_with_logits')"),
    "cross_entropy": lambda y, i, k: losses.class_label(y, k, "fit", f"y[{i}] (loss 'cross_entropy')"),
}


@dataclass
class History:
    """Per-epoch mean training loss and accuracy (None where the loss has no notion of it)."""

    loss: list[float] = field(default_factory=list)
    """The mean training loss of each epoch."""
    accuracy: list[Union[float, None]] = field(default_factory=list)
    """The training accuracy of each epoch (a fraction), or None for a loss without one (mse, mae)."""

    def plot(self, ax: Any = None) -> Any:
        """Loss and accuracy per epoch as a matplotlib figure (needs the ``notebooks`` extra); see ``nn.plot``."""
        return plot_history(self, ax)

    def summary(self) -> str:
        """A few lines: first, some middle and last epochs."""
        n = len(self.loss)
        picks = sorted({0, n // 4, n // 2, 3 * n // 4, n - 1}) if n else []
        rows = []
        for i in picks:
            acc = "" if self.accuracy[i] is None else f"  accuracy {cast(float, self.accuracy[i]) * 100:5.1f}%"
            rows.append(f"epoch {i + 1:>4}/{n}  loss {self.loss[i]:.6f}{acc}")
        return "\n".join(rows)


def fit(
    model: Callable,
    X: Sequence[Sequence[float]],
    y: Sequence,
    loss: str | LossFn = "hinge",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    progress: bool | None = None,
    seed: Seed = 0,
    compile: bool = False,  # noqa: A002 - the flag's natural name
    live: bool | LiveLoss = False,
) -> History:
    """Train ``model`` on ``(X, y)``; returns a ``History``.

    ``X`` is a list of samples, each a list of numbers, or a 2-D numpy array;
    ``y`` one target per sample (a list or a numpy array). ``loss`` is a name in
    ``nn.train.LOSSES`` ("hinge" with labels -1/+1, "mse", "mae",
    "bce_with_logits" with 0/1, "cross_entropy" with class indices) or a
    function ``loss(outputs, targets) -> Value``. ``optimizer`` defaults to
    ``SGD(model.parameters(), lr=0.05)``. ``batch_size=None`` uses every sample
    each step; otherwise batches are shuffled with ``seed``: an int (default 0,
    the same order on every run), a ``random.Random``, or ``None`` for Python's
    global ``random``. ``l2`` adds ``l2 * sum(p^2)``.

    ``progress=None`` (the default) shows a tqdm bar where a person is watching:
    in a terminal, or in Jupyter (a notebook bar with ipywidgets installed), and
    none when stderr is a pipe or a file, or under CI (``CI`` set); ``True`` or
    ``False`` force it. ``live=True`` redraws the loss curve in place while
    training in Jupyter (one output, a few redraws a second at most, drawing
    kept under 5% of the time; needs matplotlib); elsewhere it warns and draws
    nothing. Pass an ``nn.plot.LiveLoss`` to choose where the pictures go.

    Everything is checked before the first step, and nothing is changed if a
    check fails: the arguments, then every sample (a NaN or inf in ``X`` is
    reported by sample index and feature), then every target against the named
    loss (e.g. hinge labels are -1 or +1, cross-entropy labels are class
    indices below the model's number of outputs, found by one forward pass on
    ``X[0]``). A step that fails (see ``nn.optim``) leaves the parameters as
    the previous step left them.

    ``compile=True`` traces the model once (``autodiff.compile``). With numpy
    installed (``pip install numpy``, the ``fast`` extra) each batch then runs as one tape
    over all its samples (``Compiled.batch_vjp``): for a named loss whose targets
    take few values (hinge, classes, 0/1 labels) the trace holds the model and
    the loss of each target value, so no Value is built while training; for a
    loss function of your own, or many distinct targets, the model runs batched
    and the loss is built from Values. With a named loss and an ``SGD`` or
    ``Adam``, the parameters and the optimizer's state live in numpy arrays
    while training (``nn.optim.Arrays``: the same steps, on arrays); the Values
    and the optimizer get them back when ``fit`` returns or raises (as the last
    finished step left them) and before a ``LiveLoss`` draws. Without numpy each
    sample's forward and backward runs as generated straight-line code and the
    loss is built from Values. Either way one step from the same parameters gives eager mode's
    loss and gradients to 1e-12 of the largest term summed (numpy's ``exp`` and
    ``tanh`` and the order of additions round their own way), and a sample whose numbers fail
    raises eager mode's error, naming the sample. A whole run is not promised:
    steps compound their last-bit differences, and a chaotic run (tanh,
    momentum, ``batch_size=1``) can end far from eager's after a few epochs.
    """
    from tqdm.auto import tqdm

    if sys.platform == "emscripten":  # a browser (Pyodide) starts no thread: no monitor thread for the bar
        tqdm.monitor_interval = 0
    epochs, batch_size, l2 = _check_options(model, epochs, batch_size, l2, compile, progress, live)
    rng = make_rng(seed, "fit")
    loss_fn, correct = _loss_of(loss)
    params, opt = _parameters_and_optimizer(model, optimizer)
    rows, targets = _data(model, X, y, loss)
    step, sync = make_step(Task(model, rows, targets, params, loss_fn, correct, l2, opt), loss, compile)
    order = list(range(len(rows)))
    size = batch_size or len(rows)
    history = History()
    watch = _live_plot(live)
    bar = tqdm(range(epochs), desc="fit", unit="epoch", disable=not _show_progress(progress))
    try:
        for _ in bar:
            if batch_size:
                rng.shuffle(order)
            total, hits = 0.0, 0
            for start in range(0, len(order), size):
                idx = order[start : start + size]
                batch_loss, batch_hits = step(idx)
                total += batch_loss * len(idx)
                hits += batch_hits
            history.loss.append(total / len(rows))
            history.accuracy.append(hits / len(rows) if correct else None)
            if not bar.disable:
                bar.set_postfix(loss=f"{history.loss[-1]:.4f}")
            if watch is not None:
                sync()  # a LiveLoss of one's own may look at the model
                watch.update(history.loss, epochs)
    finally:
        sync()  # on return, and on an error: the Values as the last step that finished left them
    if watch is not None:
        watch.update(history.loss, epochs, final=True)
    return history


def _check_options(
    model: Callable,
    epochs: object,
    batch_size: object,
    l2: object,
    compile: object,  # noqa: A002 - fit's flag
    progress: object,
    live: object,
) -> tuple[int, int | None, float]:
    # (epochs, batch_size, l2) checked; the model's kind and the flags too
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(f"fit: model must be callable and have parameters() (an nn.Module), got {type(model).__name__}")
    epochs = _at_least_one(epochs, "epochs")
    if batch_size is not None:
        batch_size = _at_least_one(batch_size, "batch_size", "None or ")
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not 0.0 <= float(l2) < math.inf:
        raise ValueError(f"fit: l2 must be a finite number >= 0, got {l2!r}")
    if not isinstance(compile, bool):
        raise TypeError(f"fit: compile must be True or False, got {type(compile).__name__} {compile!r}")
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(
            f"fit: progress must be True or False (or None: a bar where someone watches), "
            f"got {type(progress).__name__} {progress!r}"
        )
    if not isinstance(live, (bool, LiveLoss)):
        raise TypeError(f"fit: live must be True, False or an nn.plot.LiveLoss, got {type(live).__name__} {live!r}")
    return epochs, batch_size, float(l2)


def _loss_of(loss: object) -> tuple[LossFn, Callable[[Any, Any], bool] | None]:
    # (loss function, accuracy of one output) of a loss name or function
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; use one of {', '.join(LOSSES)} or pass a function")
        return LOSSES[loss]
    if callable(loss):
        return loss, None  # type: ignore[return-value]
    raise TypeError(f"fit: loss must be a name or a function, got {type(loss).__name__}")


def _parameters_and_optimizer(model: Callable, optimizer: object) -> tuple[list[Value], Optimizer]:
    params = list(model.parameters())  # type: ignore[attr-defined]
    if not params or not all(isinstance(p, Value) for p in params):
        raise ValueError("fit: model.parameters() must be a non-empty list of Values")
    if optimizer is None:
        return params, SGD(params, lr=0.05)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be an nn.Optimizer (SGD, Adam) or None, got {type(optimizer).__name__}")
    optimizer.check()
    ours = {id(p) for p in params}
    if not any(id(p) in ours for p in optimizer.params):
        raise ValueError("fit: the optimizer holds none of the model's parameters; build it from model.parameters()")
    return params, optimizer


def _data(model: Callable, X: object, y: object, loss: object) -> tuple[list[list[float]], list]:
    # every sample and target checked (targets against a named loss), before any step
    rows = _samples(X)
    targets = _targets(y)
    if len(rows) != len(targets):
        raise ValueError(f"fit: {len(rows)} samples in X but {len(targets)} targets in y")
    if not rows:
        raise ValueError("fit: X is empty; give at least one sample")
    if isinstance(loss, str):
        targets = _check_targets(model, loss, rows[0], targets)
    return rows, targets


def _show_progress(progress: bool | None) -> bool:
    # None: a bar where a person is watching (a terminal or a notebook), never in pipes, files or CI logs
    if progress is not None:
        return progress
    if os.environ.get("CI"):
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return _in_notebook() or bool(isatty and isatty())


def _in_notebook() -> bool:
    # inside a Jupyter kernel (IPython's ZMQ shell); IPython is never imported for the question
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _live_plot(live: bool | LiveLoss) -> LiveLoss | None:
    if isinstance(live, LiveLoss):
        return live
    if not live:
        return None
    if not _in_notebook():
        warnings.warn(
            "fit: live=True draws the loss curve only in Jupyter; here it draws nothing "
            "(pass live=nn.plot.LiveLoss(show=...) to send the pictures elsewhere)",
            stacklevel=3,
        )
        return None
    return LiveLoss()


def _at_least_one(n: object, name: str, alt: str = "") -> int:
    try:
        return positive_int(n, name, "fit")
    except ValueError:
        raise ValueError(f"fit: {name} must be {alt}an int >= 1, got {n!r}") from None


def _listed(x: object, what: str) -> list:
    # a list, a tuple or a numpy array (via tolist(), so numpy stays optional) -> a list
    if hasattr(x, "tolist") and not isinstance(x, (list, tuple)):
        x = x.tolist()  # type: ignore[union-attr]
    if isinstance(x, (str, bytes, dict, Value, numbers.Number)) or not hasattr(x, "__iter__"):
        raise TypeError(f"fit: {what} must be a list or an array, got {type(x).__name__}")
    return list(x)  # type: ignore[call-overload]


def _number(v: object, where: str, what: str) -> float | int:
    # a finite real number; ints stay ints (class indices), numpy scalars become Python numbers
    if type(v) is float or type(v) is int:
        x = v
    elif isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"fit: {where} must be a real number, got {type(v).__name__} {v!r} ({what})")
    else:
        x = int(v) if isinstance(v, numbers.Integral) else float(v)
    if type(x) is float and not -math.inf < x < math.inf:  # type: ignore[operator]
        raise ValueError(f"fit: {where} is {x!r} ({what}); remove or fix it before training")
    return x  # type: ignore[return-value]


def _samples(X: object) -> list[list[float]]:
    rows = _listed(X, "X")
    out = []
    width = -1
    for i, row in enumerate(rows):
        if hasattr(row, "tolist") and not isinstance(row, (list, tuple)):
            row = row.tolist()
        if isinstance(row, (str, bytes, dict, Value, numbers.Number)) or not hasattr(row, "__iter__"):
            raise TypeError(
                f"fit: X[{i}] must be a list of features, got {type(row).__name__}; "
                "for one feature per sample use [[x] for x in X] (or X.reshape(-1, 1))"
            )
        if (
            type(row) is list
            and operator.countOf(map(type, row), float) == len(row)
            and -math.inf < sum(row) < math.inf
        ):
            r = list(row)  # floats, all finite (else their sum is not): what the checks below would make of them
        else:
            r = [float(_number(v, f"X[{i}][{j}]", f"sample {i}, feature {j}")) for j, v in enumerate(row)]
        if width < 0:
            width = len(r)
            if not width:
                raise ValueError("fit: X[0] has no features")
        elif len(r) != width:
            raise ValueError(f"fit: X[{i}] has {len(r)} features but X[0] has {width}; every sample needs the same")
        out.append(r)
    return out


def _targets(y: object) -> list:
    out: list[Any] = []
    for i, t in enumerate(_listed(y, "y")):
        if hasattr(t, "tolist") and not isinstance(t, (list, tuple)):
            t = t.tolist()
        if isinstance(t, (list, tuple)):  # several targets per sample (for a loss function of one's own)
            out.append([_number(v, f"y[{i}][{j}]", f"target {i}") for j, v in enumerate(t)])
        else:
            out.append(_number(t, f"y[{i}]", f"target {i}"))
    return out


def _check_targets(model: Callable, loss: str, x0: list[float], targets: list) -> list:
    # one forward pass (no grads, no parameter changed) tells how many outputs the model has
    out = model(x0)
    k = 1 if isinstance(out, Value) else len(out)
    if loss == "cross_entropy":
        if isinstance(out, Value):
            raise ValueError("fit: loss 'cross_entropy' needs one score per class, but the model gives one output")
    elif not isinstance(out, Value):
        raise ValueError(
            f"fit: loss {loss!r} needs one output per sample, but the model gives {k}; "
            "use loss='cross_entropy' or a loss function of your own"
        )
    check = _TARGETS[loss]
    for i, t in enumerate(targets):
        if isinstance(t, list):
            raise TypeError(f"fit: y[{i}] is a list; loss {loss!r} needs one number per sample")
    return [check(t, i, k) for i, t in enumerate(targets)]
