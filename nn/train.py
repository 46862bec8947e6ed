"""Training loop (``fit``) and saving models as JSON (``save``/``load``)."""

from __future__ import annotations

import json
import math
import os
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, Union, cast

import autodiff
from autodiff import Value

from . import losses
from .layers import MLP, Layer, Neuron
from .module import Module
from .optim import SGD, Optimizer

LossFn = Callable[[list, list], Value]


class Model(Protocol):
    """What ``fit`` trains: called on one sample, and has ``parameters()`` (any ``Module`` does)."""

    def __call__(self, x: Sequence[float]) -> Any: ...

    def parameters(self) -> list[Value]: ...


# name -> (loss over a batch of model outputs, accuracy of one output against its target)
LOSSES: dict[str, tuple[LossFn, Callable[[Any, Any], bool] | None]] = {
    "hinge": (losses.hinge, lambda out, y: (out.data > 0) == (y > 0)),
    "mse": (losses.mse, None),
    "mae": (losses.mae, None),
    "bce_with_logits": (losses.bce_with_logits, lambda out, y: (out.data > 0) == (y > 0.5)),
    "cross_entropy": (losses.cross_entropy, lambda out, y: max(range(len(out)), key=lambda k: out[k].data) == y),
}


@dataclass
class History:
    """Per-epoch mean training loss and accuracy (None where the loss has no notion of it)."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[Union[float, None]] = field(default_factory=list)

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
    model: Model,
    X: Sequence[Sequence[float]],
    y: Sequence,
    loss: str | LossFn = "hinge",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    progress: bool = True,
    seed: int = 0,
    compile: bool = False,  # noqa: A002 - the flag's natural name
) -> History:
    """Train ``model`` on ``(X, y)``; returns a ``History``.

    ``loss`` is a name in ``nn.train.LOSSES`` ("hinge" with labels -1/+1, "mse",
    "mae", "bce_with_logits" with 0/1, "cross_entropy" with class indices) or a
    function ``loss(outputs, targets) -> Value``. ``optimizer`` defaults to
    ``SGD(model.parameters(), lr=0.05)``. ``batch_size=None`` uses every sample
    each step; otherwise batches are shuffled with ``seed``. ``l2`` adds
    ``l2 * sum(p^2)``. A tqdm progress bar is shown when ``progress`` is true
    and the output is a terminal.

    ``compile=True`` traces the model once (``autodiff.compile``) and runs each
    sample's forward and backward as generated straight-line code; the loss is
    still built from Values, so any loss works. The results equal eager mode up
    to the order of floating-point additions (1e-12 over a training run).
    """
    from tqdm.auto import tqdm

    if len(X) != len(y):
        raise ValueError(f"fit: {len(X)} samples in X but {len(y)} targets in y")
    if not X:
        raise ValueError("fit: X is empty; give at least one sample")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be an int >= 1, got {epochs!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"fit: batch_size must be None or an int >= 1, got {batch_size!r}")
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; use one of {', '.join(LOSSES)} or pass a function")
        loss_fn, correct = LOSSES[loss]
    elif callable(loss):
        loss_fn, correct = loss, None
    else:
        raise TypeError(f"fit: loss must be a name or a function, got {type(loss).__name__}")
    params = model.parameters()
    opt = optimizer if optimizer is not None else SGD(params, lr=0.05)
    rng = random.Random(seed)
    order = list(range(len(X)))
    size = batch_size or len(X)
    history = History()
    traced = _trace(model, X[0], params) if compile else None
    bar = tqdm(
        range(epochs), desc="fit", unit="epoch", disable=(not progress) or (None if sys.stderr.isatty() else True)
    )
    for _ in bar:
        if batch_size:
            rng.shuffle(order)
        total, hits, seen = 0.0, 0, 0
        for start in range(0, len(order), size):
            idx = order[start : start + size]
            if traced:
                values = tuple(p.data for p in params)
                runs = [traced.vjp(*X[i], params=values) for i in idx]
                outs = [_as_values(out) for out, _ in runs]
            else:
                outs = [model(X[i]) for i in idx]
            targets = [y[i] for i in idx]
            batch_loss = loss_fn(outs, targets)
            if l2:
                batch_loss = batch_loss + losses.l2_penalty(params, l2)
            opt.zero_grad()
            batch_loss.backward()
            if traced:
                # the loss's gradient at each output seeds that sample's compiled backward
                into = [0.0] * len(params)
                for (_, back), out in zip(runs, outs):
                    back([out.grad] if isinstance(out, Value) else [v.grad for v in out], into)
                for p, g in zip(params, into):
                    p.grad += g
            opt.step()
            if not math.isfinite(batch_loss.data):
                raise FloatingPointError("fit: the loss is no longer finite; lower the learning rate")
            total += batch_loss.data * len(idx)
            seen += len(idx)
            if correct:
                hits += sum(correct(o, t) for o, t in zip(outs, targets))
        history.loss.append(total / seen)
        history.accuracy.append(hits / seen if correct else None)
        bar.set_postfix(loss=f"{history.loss[-1]:.4f}")
    return history


def _trace(model: Callable, x0: Sequence[float], params: list[Value]) -> autodiff.Compiled:
    def forward(*xs: Value) -> Value | list[Value]:
        return model(list(xs))

    return autodiff.compile(forward, list(x0), params, name=type(model).__name__.lower())


def _as_values(out: float | tuple[float, ...]) -> Value | list[Value]:
    return Value(out) if isinstance(out, float) else [Value(o) for o in out]


FORMAT = "stepgrad.nn"
VERSION = 1
CLASSES: dict[str, type[Module]] = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}


def save(model: Module, path: str | os.PathLike) -> None:
    """Write the model's class, architecture and parameters to ``path`` as JSON."""
    name = type(model).__name__
    if CLASSES.get(name) is not type(model):
        raise TypeError(f"save: can save {', '.join(CLASSES)}, got {name}")
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "class": name,
        "config": model.config(),
        "parameters": {label: p.data for label, p in model.named_parameters()},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def load(path: str | os.PathLike) -> Module:
    """Rebuild a model written by ``save``; a malformed or mismatched file raises ValueError."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f"load: {path} is not valid JSON ({e}); was it written by nn.save?") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f'load: {path} is not a stepgrad model file (no "format": "{FORMAT}")')
    if doc.get("version") != VERSION:
        raise ValueError(f"load: {path} has format version {doc.get('version')!r}; this stepgrad reads {VERSION}")
    cls = CLASSES.get(cast(str, doc.get("class")))
    if cls is None:
        raise ValueError(f"load: {path} names class {doc.get('class')!r}; known: {', '.join(CLASSES)}")
    config, values = doc.get("config"), doc.get("parameters")
    if not isinstance(config, dict) or not isinstance(values, dict):
        raise ValueError(f'load: {path} needs a "config" object and a "parameters" object')
    try:
        model = _build(cls, config)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"load: {path} has a config that does not build a {cls.__name__}: {e}") from None
    named = model.named_parameters()
    expected = [label for label, _ in named]
    missing = [k for k in expected if k not in values]
    extra = [k for k in values if k not in set(expected)]
    if missing or extra:
        raise ValueError(f"load: {path} does not match its architecture: missing {missing[:5]}, unexpected {extra[:5]}")
    for label, p in named:
        x = values[label]
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise ValueError(f"load: {path}: parameter {label!r} must be a finite number, got {x!r}")
        p.data = float(x)
    return model


def _build(cls: type[Module], config: dict) -> Module:
    if cls is MLP:
        return MLP(config["nin"], config["nouts"], activation=config["activation"])
    if cls is Layer:
        return Layer(config["nin"], config["nout"], activation=config["activation"], name=config["name"])
    return Neuron(config["nin"], activation=config["activation"], name=config["name"])
