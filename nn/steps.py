"""One optimizer step of ``fit`` on a batch of samples, three ways.

``eager_step`` builds the graph of every sample and the loss from Values;
``compiled_step`` runs each sample's forward and backward as the traced model's
generated code and builds only the loss from Values; ``batched_step`` runs the whole
batch as one pass of a tape over numpy arrays (``autodiff.Compiled.batch_vjp``).
Each takes a ``Task`` and the indices of the batch's samples, and returns the batch's
loss and how many of its samples the model got right.

``ArrayStep`` is ``batched_step`` with the parameters and the optimizer's state in
numpy arrays (``nn.optim.Arrays``) for a whole ``fit``: no parameter's ``Value`` is read
or written per step, only when ``fit`` writes them back (``sync``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import autodiff
from autodiff import Value

from . import losses
from .optim import Arrays, Optimizer, arrays_for

LossFn = Callable[[list, list], Value]
Step = Callable[[list[int]], tuple[float, int]]


@dataclass
class Task:
    """What every step reads: the model, the checked samples and targets, the loss and the optimizer."""

    model: Callable
    rows: list[list[float]]
    targets: list
    params: list[Value]
    loss_fn: LossFn
    correct: Callable[[Any, Any], bool] | None  # of one output against its target; None: no accuracy
    l2: float
    opt: Optimizer


def make_step(task: Task, loss: str | LossFn, compiled: bool) -> tuple[Step, Callable[[], None]]:
    """The step ``fit`` runs on each batch: eager; compiled, batched with numpy, else a sample at a time.

    And what puts the parameters into their Values when ``fit`` needs them there (a
    no-op but for ``ArrayStep``, where they live in arrays). A loss function of one's
    own may read the parameters (a penalty of its own): it gets the per-Value step.
    """
    if not compiled:
        return partial(eager_step, task), _nothing
    np = _numpy()
    if np is None:
        return partial(compiled_step, task, trace(task.model, task.rows[0], task.params)), _nothing
    tape = BatchTape(np, task, loss)
    arrays = arrays_for(task.opt, task.params) if isinstance(loss, str) else None
    if arrays is None:
        return partial(batched_step, task, tape), _nothing
    return ArrayStep(task, tape, arrays), arrays.write_back


def eager_step(task: Task, idx: list[int]) -> tuple[float, int]:
    """One step on the samples ``idx``: the model's graph for each, the loss over them, backward."""
    outs = [task.model(task.rows[i]) for i in idx]
    batch_loss = _backward_loss(task, outs, idx)
    return _finish(task, batch_loss.data), _hits(task, outs, idx)


def compiled_step(task: Task, traced: autodiff.Compiled, idx: list[int]) -> tuple[float, int]:
    """One step, each sample's forward and backward the traced model's code; the loss over them from Values."""
    values = tuple(p.data for p in task.params)
    runs = [traced.vjp(*task.rows[i], params=values) for i in idx]
    outs = [_as_values(out, i) for (out, _), i in zip(runs, idx)]
    batch_loss = _backward_loss(task, outs, idx)
    # the loss's gradient at each output seeds that sample's compiled backward
    into = [0.0] * len(task.params)
    for (_, back), out in zip(runs, outs):
        back([out.grad] if isinstance(out, Value) else [v.grad for v in out], into)
    _add_grads(task.params, into)
    return _finish(task, batch_loss.data), _hits(task, outs, idx)


def batched_step(task: Task, tape: BatchTape, idx: list[int]) -> tuple[float, int]:
    """One step, the batch one run of the tape over numpy arrays: the loss traced too, or built from Values."""
    values = tape.np.array([p.data for p in task.params], dtype=float)
    outs, backward = _named(idx, tape.tape.batch_vjp, tape.X[tape.indices(idx)], params=values)
    if tape.classes:
        loss, hits, seeds, into = tape.loss_by_target(task, idx, outs, values)
        task.opt.zero_grad()
    else:
        loss, hits, seeds, into = tape.loss_of_values(task, idx, outs)
    _named(idx, backward, seeds, into)
    _add_grads(task.params, into.tolist())
    return _finish(task, loss), hits


class ArrayStep:
    """``batched_step`` with the parameters in ``arrays.p`` and the optimizer's step on arrays, for a whole fit."""

    def __init__(self, task: Task, tape: BatchTape, arrays: Arrays) -> None:
        self.task, self.tape, self.arrays = task, tape, arrays

    def __call__(self, idx: list[int]) -> tuple[float, int]:
        """One step on the samples ``idx``; an error leaves ``arrays`` as the step before left them."""
        task, tape, p = self.task, self.tape, self.arrays.p
        ix = tape.indices(idx)
        if tape.classes:  # the seeds are known before the values: forward and backward in one call
            outs, grads = _named(idx, tape.tape.batch_grad, tape.X[ix], tape.batch(idx)[2], params=p)
            loss, hits, _, penalty = tape.loss_by_target(task, idx, outs, p)
            grads += penalty
        else:
            outs, backward = _named(idx, tape.tape.batch_vjp, tape.X[ix], params=p)
            loss, hits, seeds, grads = tape.loss_of_outputs(task, idx, outs, p)
            _named(idx, backward, seeds, grads)
        if not math.isfinite(loss):  # checked before the step, so that the error changes nothing
            raise FloatingPointError(_NOT_FINITE)
        self.arrays.step(grads)
        return loss, hits


def trace(model: Callable, x0: Sequence[float], params: list[Value]) -> autodiff.Compiled:
    """The model traced once on the sample ``x0``, its parameters given at each call."""

    def forward(*xs: Value) -> Value | list[Value]:
        return model(list(xs))

    return autodiff.compile(forward, list(x0), params, name=type(model).__name__.lower())


# -- what the steps share -----------------------------------------------------------------------


def _backward_loss(task: Task, outs: list, idx: list[int]) -> Value:
    # the batch's loss (plus the L2 term) over the model's outputs, its grads pushed into them and the parameters
    batch_loss = task.loss_fn(outs, [task.targets[i] for i in idx])
    if task.l2:
        batch_loss = batch_loss + losses.l2_penalty(task.params, task.l2)
    task.opt.zero_grad()
    batch_loss.backward()
    return batch_loss


def _hits(task: Task, outs: list, idx: list[int]) -> int:
    correct = task.correct
    return sum(correct(o, task.targets[i]) for o, i in zip(outs, idx)) if correct else 0


def _add_grads(params: list[Value], into: list[float]) -> None:
    for p, g in zip(params, into):
        p.grad += g


_NOT_FINITE = "fit: the loss is no longer finite; lower the learning rate"


def _finish(task: Task, loss: float) -> float:
    if not math.isfinite(loss):  # checked before the step, so that the error changes nothing
        raise FloatingPointError(_NOT_FINITE)
    task.opt.step()
    return loss


def _nothing() -> None:
    # the parameters are in their Values already
    return None


def _named(idx: list[int], f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    # f(...), where an error of a batch's sample i is renamed by its index in X
    try:
        return f(*args, **kwargs)
    except (ArithmeticError, ValueError) as e:
        i = getattr(e, "sample", None)
        if i is None:
            raise
        text = str(e).removeprefix(f"sample {i}: ")
        raise type(e)(f"fit: sample {idx[i]} (X[{idx[i]}]): {text}") from None


def _as_values(out: float | tuple[float, ...], i: int) -> Value | list[Value]:
    outs = (out,) if isinstance(out, float) else out
    for o in outs:
        if not -math.inf < o < math.inf:
            raise OverflowError(
                f"fit: the compiled model's output for sample {i} is {o!r}; run it eagerly (compile=False) to see where"
            )
    return Value(out) if isinstance(out, float) else [Value(o) for o in out]


def _numpy() -> Any:
    # numpy, or None when it is not installed (compile=True then runs a sample at a time)
    try:
        import numpy
    except ImportError:
        return None
    return numpy


# -- the batched tape ---------------------------------------------------------------------------

# loss name -> which outputs are right, over arrays: outputs (samples, k) and targets (samples,)
_CORRECT_BATCHED: dict[str, Callable[[Any, Any], Any]] = {
    "hinge": lambda out, y: (out[:, 0] > 0) == (y > 0),
    "bce_with_logits": lambda out, y: (out[:, 0] > 0) == (y > 0.5),
    "cross_entropy": lambda out, y: out.argmax(axis=1) == y,  # the first of equal scores, as max() picks
}
_MAX_TARGET_VALUES = 32  # more distinct targets than this: the loss is built from Values


class BatchTape:
    """The tape ``batched_step`` runs: the model and, for a named loss whose targets take few values, the loss."""

    def __init__(self, np: Any, task: Task, loss: str | LossFn) -> None:
        self.np = np
        self.X = np.array(task.rows, dtype=float)
        self.rows = np.arange(len(task.rows))
        self.last: tuple[list[int], Any] = ([], None)  # the last batch's indices, and what batch() made of them
        self.classes: list = []
        if isinstance(loss, str):
            distinct = sorted(set(task.targets))
            if len(distinct) <= _MAX_TARGET_VALUES:
                self.classes = distinct
        self.correct_batched = _CORRECT_BATCHED.get(loss) if isinstance(loss, str) else None
        if not self.classes:
            self.tape = trace(task.model, task.rows[0], task.params)
            return
        classes, model, loss_fn = self.classes, task.model, task.loss_fn

        # one sample's model outputs, then its loss for each value its target can take
        def forward(*xs: Value) -> list[Value]:
            out = model(list(xs))
            outs = [out] if isinstance(out, Value) else list(out)
            return [loss_fn([out], [t]) for t in classes] + outs

        self.tape = autodiff.compile(forward, task.rows[0], task.params, name=type(model).__name__.lower())
        at = {t: k for k, t in enumerate(classes)}
        self.pos = np.array([at[t] for t in task.targets], dtype=np.intp)
        self.T = np.array(task.targets)

    def indices(self, idx: list[int]) -> Any:
        """``idx`` as an array (the same array again for the same batch: a full batch, epoch after epoch)."""
        return self.batch(idx)[0]

    def batch(self, idx: list[int]) -> tuple[Any, Any, Any, Any]:
        """(``idx`` as an array, each sample's output of its loss, the seeds: 1/n there, its target):
        made again only for another batch (a full batch is the same one, epoch after epoch)."""
        last, made = self.last
        if idx != last:
            np, n = self.np, len(idx)
            ix = np.array(idx, dtype=np.intp)
            made = (ix, None, None, None)
            if self.classes:
                at = (self.rows[:n], self.pos[ix])
                seeds = np.zeros((n, self.tape.n_outputs))
                seeds[at] = 1.0 / n
                made = (ix, at, seeds, self.T[ix])
            self.last = (list(idx), made)
        return made

    def loss_by_target(self, task: Task, idx: list[int], outs: Any, p: Any) -> tuple[float, int, Any, Any]:
        """(loss, hits, seeds, grads so far) of a batch whose outputs hold each sample's loss at every target.

        ``p``: the parameters' values (an array); the L2 term's grads are the grads so far, as the tape's will add.
        """
        n = len(idx)
        _, at, seeds, targets = self.batch(idx)
        loss = sum(outs[at].tolist()) * (1.0 / n)  # as the loss's mean adds them: in order, then / n
        right = self.correct_batched(outs[:, len(self.classes) :], targets) if self.correct_batched else None
        hits = int(self.np.count_nonzero(right)) if right is not None else 0
        penalty, grads = self.l2(task, p)
        return loss + penalty, hits, seeds, grads

    def l2(self, task: Task, p: Any) -> tuple[float, Any]:
        """The L2 term ``l2 * p.p`` and its grads (an array), over the parameters' values ``p``."""
        np = self.np
        if not task.l2:
            return 0.0, np.zeros(len(p))
        with np.errstate(over="ignore"):  # a gradient that overflows is said below; a penalty that does makes
            grads = p * task.l2  # the loss not finite, which fit says (the parameters have grown: the learning rate)
            grads = grads + grads  # d(l2 * p.p)/dp = l2 p + l2 p, as its dot node adds it
            penalty = task.l2 * float(p @ p)
        if not np.isfinite(grads).all():
            k = int(np.argmax(~np.isfinite(grads)))
            label = task.params[k].label
            raise FloatingPointError(
                f"fit: the L2 term's gradient overflows: 2 * l2 * p with l2 = {task.l2!r} and parameter {k}"
                + (f" ({label!r})" if label else "")
                + f" = {float(p[k])!r} is {float(grads[k])!r}; lower l2 (nothing was changed)"
            )
        return penalty, grads

    def loss_of_values(self, task: Task, idx: list[int], outs: Any) -> tuple[float, int, Any, Any]:
        """(loss, hits, seeds, grads so far) of a batch of model outputs, the loss built from Values over them.

        The parameters' grads are the loss's (its L2 term's, over their Values); the grads so far are zero.
        """
        vs = self._values(outs)
        batch_loss = _backward_loss(task, vs, idx)
        return batch_loss.data, _hits(task, vs, idx), self._grads(outs, vs), self.np.zeros(len(task.params))

    def loss_of_outputs(self, task: Task, idx: list[int], outs: Any, p: Any) -> tuple[float, int, Any, Any]:
        """As ``loss_of_values``, but only the model's outputs are Values: the L2 term is ``l2`` over ``p``."""
        vs = self._values(outs)
        batch_loss = task.loss_fn(vs, [task.targets[i] for i in idx])
        batch_loss.backward()
        penalty, grads = self.l2(task, p)
        return batch_loss.data + penalty, _hits(task, vs, idx), self._grads(outs, vs), grads

    def _values(self, outs: Any) -> list[Any]:
        rows = outs.tolist()
        return [Value(o) for o in rows] if outs.ndim == 1 else [[Value(o) for o in row] for row in rows]

    def _grads(self, outs: Any, vs: list[Any]) -> Any:
        return self.np.array([v.grad for v in vs] if outs.ndim == 1 else [[v.grad for v in row] for row in vs])
