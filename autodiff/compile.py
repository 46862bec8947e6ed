"""Trace a function once into straight-line Python, then replay it without Values.

``compile(f, example_inputs, params)`` calls ``f`` once on traced Values, walks
the graph it built and writes one line of Python per node (forward) and one per
edge (backward, the reversed list of ``+=`` of backprop), from the ops' definitions
(``autodiff.codegen``): inline where Python computes them as IEEE would, else a call
of their rule function. The result replays forward and backward on new floats.

Compiled mode is eager mode's equal, errors included. Inputs and parameter
values are checked as ``Value(...)`` checks them. The generated forward ends
with one test that every value is finite (their norm ``hypot(...)`` is inf or
NaN iff one is), the backward with the same test on every node's grad but the
parameters', plus a bound that keeps the parameters' grads finite without
looking at each (see ``Compiled.vjp``). On an alarm, or an error inside the generated code, the
recorded tape is replayed eagerly, with Values, in the order ``f`` made its
nodes, so the exception raised is eager's own (class and message, plus the
node); if the replay raises nothing (the norm merely overflowed, or the bound
was too cautious), the fast result stands. A backward that raises adds nothing
into ``into``.

Only the rules table's names, numbered temporaries (``v3``, ``g3``, ``d3_0``) and
float literals (``repr(float(c))``) reach the generated source: every node's op
is checked against the table before any code is written. Labels never do. A
user primitive (``autodiff.primitive``) is called as ``primitive<k>``, by number.

``Compiled.batch`` and ``batch_vjp`` run the same tape over a batch with numpy,
imported only then (``autodiff.batched``): values and input grads per sample, parameter
grads summed. On any alarm there the samples run one at a time through the code above,
so the errors are these, prefixed with the failing sample's index.

Limits (as for JAX's jit): a trace records one path through ``f`` (every node it
makes is computed on each call, even one no output depends on, so its errors are
eager mode's too). Branches on values inside the rules (relu, abs,
sigmoid) are fine: they are evaluated on every call. A branch in ``f`` itself on
an input's or a parameter's value would be frozen, so while tracing, reading one
(``.data``, ``.local_grads``) from outside the engine raises ``TraceError`` and
its ``repr`` shows no number (``float()``, comparisons and format specs are
TypeErrors of Value anyway). Values that ``f`` uses but that are neither inputs
nor ``params`` are frozen at their value at trace time.

Tracing state is per thread (a ContextVar): a node is traced when its thread is
tracing and one of its parents is traced; parameters are traced by switching
their class for the duration of the trace (counted, so traces sharing a
parameter may overlap). Nothing outlives a trace.
"""

from __future__ import annotations

import builtins
import math
import numbers
import operator
import os
import sys
import threading
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from . import batched, codegen, source, value
from . import export as exporting
from .backprop import backward as eager_backward
from .diagnostics import short
from .value import Value

_DATA = Value.__dict__["data"]  # the slot descriptor behind Value.data
_LOCALS = Value.__dict__["local_grads"]  # the property that reads a node's local derivatives
_GET_DATA = operator.attrgetter("data")
_INF = math.inf

# the nodes this thread's innermost trace has made, in order; None when it is not tracing
_TRACE: ContextVar[list[Value] | None] = ContextVar("autodiff_compile_trace", default=None)
_LOCK = threading.Lock()
_active = 0  # traces running, in all threads
_swapped: dict[int, list[Any]] = {}  # id(parameter) -> [parameter, number of traces using it]


class TraceError(RuntimeError):
    """``f`` did something a trace cannot record (e.g. read a traced value)."""


def _refuse_read(what: str) -> None:
    # the engine may read traced values; f (or anything else in the tracing thread) may not
    frame = sys._getframe(2)
    caller = frame.f_globals.get("__name__", "")
    if caller == "autodiff" or caller.startswith("autodiff."):
        return
    raise TraceError(
        f"compile: f read {what} of a traced value ({frame.f_code.co_filename}:{frame.f_lineno}); "
        "a trace records one path, so a branch on a value would be frozen. Use the engine's ops "
        "(relu, abs, ...) for value-dependent choices, or run f eagerly"
    )


class _Traced(Value):
    """An input, parameter or node of a running trace: its thread may not read its value."""

    __slots__ = ()  # the layout of Value, so a parameter's class can be switched to this and back

    @property
    def data(self) -> float:
        if _TRACE.get() is not None:
            _refuse_read(".data")
        return cast(float, _DATA.__get__(self, Value))

    @data.setter
    def data(self, x: float) -> None:
        _DATA.__set__(self, x)

    @property
    def local_grads(self) -> tuple[float, ...]:  # they would give the value away too (d(x*y)/dx = y)
        if _TRACE.get() is not None:
            _refuse_read(".local_grads")
        return cast("tuple[float, ...]", _LOCALS.__get__(self, Value))

    def __repr__(self) -> str:
        if _TRACE.get() is None:
            return Value.__repr__(self)
        parts = ["<traced>"] + [f"{k}={getattr(self, k)!r}" for k in ("label", "op") if getattr(self, k)]
        return f"Value({', '.join(parts)})"


def _traced_node(data: float, op: str, parents: tuple[Value, ...], local_grads: tuple[float, ...]) -> Value:
    # the node maker while a trace runs in any thread: the node is traced if its thread traces and a parent is
    v = value.make_node(data, op, parents, local_grads)
    made = _TRACE.get()
    if made is not None and _Traced in map(type, parents):
        v.__class__ = _Traced
        made.append(v)
    return v


@contextmanager
def _tracing(params: list[Value]) -> Iterator[list[Value]]:
    global _active
    with _LOCK:
        for i, p in enumerate(params):  # all checked before any is switched
            if type(p) is not Value and id(p) not in _swapped:
                raise TypeError(
                    f"compile: params[{i}] must be a plain leaf Value, got a {type(p).__name__}; "
                    "pass the Value itself (e.g. from model.parameters())"
                )
        for p in params:
            entry = _swapped.get(id(p))
            if entry is None:
                _swapped[id(p)] = [p, 1]
                p.__class__ = _Traced
            else:
                entry[1] += 1
        _active += 1
        value.set_node_maker(_traced_node)  # eager's own node maker is untouched, so its speed is too
    made: list[Value] = []
    token = _TRACE.set(made)
    try:
        yield made
    finally:
        _TRACE.reset(token)
        with _LOCK:
            for p in params:
                entry = _swapped[id(p)]
                entry[1] -= 1
                if not entry[1]:
                    del _swapped[id(p)]
                    p.__class__ = Value
            _active -= 1
            if not _active:
                value.set_node_maker(None)


@dataclass(frozen=True)
class Result:
    """What a compiled function returns: output value(s) and gradients.

    ``value`` is a float (one output) or a tuple; ``input_grads`` and
    ``param_grads`` are tuples of d(sum_k seed_k * output_k)/d(input or parameter).
    """

    value: Any
    """The output's value: a float for one output, else a tuple of floats."""
    input_grads: tuple[float, ...]
    """One gradient per input: d(sum_k seed_k * output_k)/d(input)."""
    param_grads: tuple[float, ...]
    """One gradient per parameter given at compile time, in their order."""


@dataclass(frozen=True)
class BatchResult:
    """What ``Compiled.batch`` returns: per-sample values and input gradients, summed parameter gradients.

    ``value`` is a numpy array of shape (samples,) for one output, (samples,
    outputs) for several; ``input_grads`` has shape (samples, inputs);
    ``param_grads`` is a tuple of floats, each summed over the samples.
    """

    value: Any
    """The outputs per sample: a numpy array of shape (samples,), or (samples, outputs)."""
    input_grads: Any
    """The input gradients per sample: a numpy array of shape (samples, inputs)."""
    param_grads: tuple[float, ...]
    """One gradient per parameter, summed over the samples."""


# a tape entry per node: (kind, arg, parents). kind "x"/"p": input/parameter number arg;
# "c": a constant, arg its float; else the op: a key of autodiff.ops.OPS, or a user primitive's op
# (which carries its definition: the tape keeps the definitions it was traced with); arg the
# node's op (for "**n", the exponent as a float) and parents the nodes' indices.
Entry = tuple[str, Any, tuple[int, ...]]


class Compiled:
    """A traced function: call it with input floats; ``.source`` is the generated code."""

    name: str
    """The function's name (``name=``, else its ``__name__``, or ``lambda at file:line``), in every error."""

    source: str
    """The generated Python code: ``vjp`` (forward, one line per node) and ``backward`` (one per edge)."""

    n_inputs: int
    """How many input floats a call takes."""

    params: list[Value]
    """The parameters given at compile time; calls read their data unless ``params=`` is given."""

    n_outputs: int
    """How many outputs the function returns."""

    scalar: bool
    """True when the function returns one Value (``value`` is then a float, not a tuple)."""

    def __init__(
        self,
        name: str,
        text: str,
        n_inputs: int,
        params: list[Value],
        outputs: list[int],
        scalar: bool,
        tape: list[Entry],
        replay: list[int],
        labels: list[str],
        fan_in: int,
        consts: float,
        callees: dict[str, Any],
    ) -> None:
        self.name = name
        self.source = text
        self.n_inputs = n_inputs
        self.params = params
        self.n_outputs = len(outputs)
        self.scalar = scalar
        self._outputs = outputs
        self._tape = tape
        self._replay = replay  # the tape's indices in the order f made the nodes
        self._labels = labels  # per node, for error messages only
        self._scale = codegen.LIMIT / fan_in  # fan_in: most terms added into one parameter's grad
        self._least = max(1.0, consts)  # the bound V below: at least 1 and every constant's magnitude
        self._plan: batched.Plan | None = None  # the batched form, built when a batch first runs
        self._checked: tuple[tuple[float, ...], float] = ((), 0.0)  # the last valid parameter tuple (fit passes
        # the same one for a whole batch) and its largest magnitude
        self._callees = callees
        self._code: tuple[Any, Any] | None = None  # the generated vjp and backward, compiled when first called

    @property
    def _vjp(self) -> Any:
        return self._generated()[0]

    @property
    def _backward(self) -> Any:
        return self._generated()[1]

    def _generated(self) -> tuple[Any, Any]:
        # the scalar code, compiled when a call first runs it (a batch runs it only when it fails)
        if self._code is None:
            namespace: dict[str, Any] = {"__builtins__": {}, "hypot": math.hypot, **source.NAMESPACE, **self._callees}
            code = builtins.compile(self.source, f"<autodiff.compile {self.name}>", "exec")
            exec(code, namespace)  # engine-generated source, see the module docstring
            self._code = (namespace["vjp"], namespace["backward"])
        return self._code

    def _args(
        self, inputs: Sequence[float], params: Sequence[float] | None
    ) -> tuple[tuple[float, ...], tuple[float, ...], float]:
        # the inputs and parameter values, checked as Value(...) checks them, and the parameters' largest magnitude
        if len(inputs) != self.n_inputs:
            raise TypeError(f"{self.name}: takes {self.n_inputs} inputs, got {len(inputs)}")
        x = tuple(inputs)
        for v in x:
            if type(v) is not float:
                x = _floats(x, self._input_name, self.name)
                break
        else:
            if not -_INF < sum(x) < _INF:
                x = _floats(x, self._input_name, self.name)
        checked = self._checked
        if params is checked[0]:
            return x, params, checked[1]
        if params is None:
            p = tuple(map(_GET_DATA, self.params))
        elif isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
            raise TypeError(f"{self.name}: params must be a sequence of floats, got {type(params).__name__}")
        else:
            p = tuple(params)
        if len(p) != len(self.params):
            raise TypeError(f"{self.name}: takes {len(self.params)} parameter values, got {len(p)}")
        p = _floats(p, self._param_name, self.name)
        bound = max(map(abs, p), default=0.0)
        if params is not None:
            self._checked = (p, bound)
        return x, p, bound

    def _input_name(self, k: int) -> str:
        return f"input {k} (x{k})"

    def _param_name(self, k: int) -> str:
        label = self.params[k].label
        return f"parameter {k}" + (f" ({label!r})" if label else "")

    def forward(self, *inputs: float, params: Sequence[float] | None = None) -> Any:
        """The output value(s) only; ``params`` default to the parameters' current data."""
        return self.vjp(*inputs, params=params)[0]

    def __call__(
        self, *inputs: float, params: Sequence[float] | None = None, seed: Sequence[float] | None = None
    ) -> Result:
        """Forward and backward: value(s) and the gradients of ``sum_k seed_k * output_k``.

        ``seed`` defaults to 1 for each output. ``params`` default to the current
        data of the parameters given at compile time.
        """
        value, backward = self.vjp(*inputs, params=params)
        gp = [0.0] * len(self.params)
        gx = backward((1.0,) * self.n_outputs if seed is None else seed, gp)
        return Result(value, gx, tuple(gp))

    def vjp(
        self, *inputs: float, params: Sequence[float] | None = None
    ) -> tuple[Any, Callable[[Sequence[float] | float, list[float]], tuple[float, ...]]]:
        """Run forward once; return the value(s) and ``backward(seed, into)``.

        ``backward`` adds the parameter gradients of ``sum_k seed_k * output_k``
        into the list ``into`` (one float per parameter, e.g. summed over a batch)
        and returns the input gradients. It may be called more than once. It raises
        what eager's backward raises, and leaves ``into`` as it was when it raises.
        ``into`` is the caller's running sum: it must hold finite ints or floats
        (TypeError, ValueError naming ``into[k]``), and a sum that would not be finite
        raises FloatingPointError naming the parameter.
        """
        x, p, bound = self._args(inputs, params)
        try:
            out, saved, norm = self._vjp(x, p)
        except (ArithmeticError, ValueError):
            self._eager(x, p)
            raise  # eager mode ran without an error where this code failed: a bug of the compiler
        if not norm < _INF:  # a value is not finite, or their norm overflowed: eager decides
            self._eager(x, p)
        # Every parameter's grad is a sum of at most fan_in terms local * g, where g is an interior
        # node's grad (checked: finite, |g| <= m) and, for the ops in _BOUNDED, |local| <= V, a bound
        # on every value, input, parameter and constant (and 1). So m < limit keeps them all finite
        # without looking at each; the other leaves' grads are checked one by one.
        if bound < norm:
            bound = norm
        limit = self._scale / (bound if bound > self._least else self._least)
        n_params = len(self.params)

        def backward(seed: Sequence[float] | float, into: list[float]) -> tuple[float, ...]:
            s = (seed,) if isinstance(seed, (int, float)) else tuple(seed)
            if len(s) != self.n_outputs:
                raise TypeError(f"{self.name}: seed needs {self.n_outputs} values, got {len(s)}")
            for v in s:
                if type(v) is not float:
                    s = _floats(s, _seed_name, self.name)
                    break
            if type(into) is not list or len(into) != n_params:
                self._check_into(into)
            # into's numbers are checked by what adding to them does, not one by one (that cost a third
            # of this call): a non-number raises in the generated code, a non-finite one shows in the sum
            held = into.copy()
            try:
                gx: tuple[float, ...] | None = self._backward(saved, s, into, limit)
                if gx is None:  # a grad is not finite, or too large to be sure: eager decides
                    s = _floats(s, _seed_name, self.name)  # a seed that is not finite is the caller's error
                    self._check_into(into)  # so is into's
                    self._eager(x, p, s)
                    gx = self._backward(saved, s, into, None)
                if not -_INF < sum(into) < _INF:  # a number in into is not finite, or their sum overflowed
                    self._refuse_sum(into, held, saved, s)
            except (TypeError, OverflowError):  # into held a non-number or a huge int: say which
                into[:] = held
                self._check_into(into)
                raise
            except BaseException:  # (a warning made an error, Ctrl-C, ...): into is as the caller gave it
                into[:] = held
                raise
            return gx

        return (out[0] if self.scalar else out), backward

    def batch(self, rows: Any, params: Sequence[float] | None = None, seed: Any = None) -> BatchResult:
        """Forward and backward over a batch, one row of inputs per sample (needs numpy).

        ``rows`` is a 2-D numpy array or a list of rows, each ``n_inputs`` numbers.
        Returns per-sample values and input gradients (numpy arrays) and the
        parameter gradients *summed* over the samples (what training wants).
        ``seed`` defaults to 1 for every output of every sample; otherwise an
        array of shape (samples,) for one output, or (samples, outputs).
        The results are a sample at a time's to 1e-12 of the largest term summed (numpy's
        exp, log, tanh round their own way, and a batch adds in its own order: where terms
        cancel, the difference is relative to them); errors are eager mode's, see ``batch_vjp``.
        """
        values, backward = self.batch_vjp(rows, params=params)
        np = batched.numpy(self.name)
        gp = [0.0] * len(self.params)
        gx = backward(np.ones(values.shape) if seed is None else seed, gp)
        return BatchResult(values, gx, tuple(gp))

    def batch_vjp(
        self, rows: Any, params: Sequence[float] | None = None
    ) -> tuple[Any, Callable[[Any, list[float]], Any]]:
        """Run forward over a batch once; return the values and ``backward(seeds, into)``, as ``vjp`` does.

        The values are an array of shape (samples,) for one output, (samples,
        outputs) for several. ``backward`` takes seeds of that shape, adds the
        parameter gradients summed over the samples into ``into`` (a list, or a
        float64 numpy array, one number per parameter) and returns the input
        gradients, shape (samples, inputs). ``params`` may be such an array too
        (what ``nn.fit`` passes: no float is read one by one).

        Each line of the tape runs once over the whole batch (``autodiff.batched``).
        Errors are eager mode's: when a value or a gradient of any sample is not
        finite, or an input is outside a rule's domain, the samples are run one at
        a time, and the first that fails raises eager's exception (same class,
        same message, the node named) prefixed with ``sample <i>:``, its index in
        ``rows`` (also in the exception's ``sample`` attribute). Nothing passed is
        changed when it raises; ``into`` is added to only when nothing raised.
        Without numpy: ImportError saying how to install it.
        """
        np = batched.numpy(self.name)
        X, p, plan = self._batch_args(np, rows, params)
        V, U, saved, finite = plan.forward(X, p)
        if not finite:  # eager decides, a sample at a time
            return self._one_by_one(np, X, tuple(map(float, p)))
        values = plan.values(V, U)
        B = X.shape[0]

        def backward(seeds: Any, into: Any) -> Any:
            s = self._seeds(np, seeds, B)
            vector = self._into(np, into)
            G, GU, ok = plan.backward(V, saved, s)
            if not ok:  # a grad is not finite somewhere: eager decides, a sample at a time
                return self._one_by_one(np, X, tuple(map(float, p)))[1](s, into)
            grads = GU[: len(self.params)]
            with np.errstate(all="ignore"):  # a sum that overflows is refused below, by _added
                total = into + grads if vector else None
            if total is None or not np.isfinite(total).all():
                total = self._added(list(map(float, into)), grads.tolist())
            into[:] = total
            return G[: self.n_inputs].T.copy()

        return (values[:, 0] if self.scalar else values), backward

    def batch_source(self) -> str:
        """The numpy code a batch runs (``autodiff.batched_code``): ``forward(V, U, B)``, then
        ``backward(G, GU, V, saved)``; row ``i`` of ``V`` holds an input or a node's value for every
        sample, ``U`` the parameters and constants. Needs numpy."""
        return self._plan_of(batched.numpy(self.name)).code.text

    def _plan_of(self, np: Any) -> batched.Plan:
        # the batched form, made when a batch first runs
        if self._plan is None:
            self._plan = batched.Plan(np, self._tape, self.n_inputs, len(self.params), self._outputs)
        return self._plan

    def batch_grad(self, rows: Any, seeds: Any, params: Sequence[float] | None = None) -> tuple[Any, Any]:
        """Forward and backward over a batch in one call: the values, and the parameters' gradients.

        For a training loop whose seeds are known before the values, e.g. a loss traced
        into the function (``nn.fit`` traces the model with its loss for each target value,
        and seeds ``1/n`` at each sample's own). Returns ``(values, grads)``: the values as
        ``batch_vjp`` returns them, and a new float64 array of the parameters' gradients
        summed over the samples: ``batch_vjp``'s ``backward(seeds, zeros)``, the same numbers,
        checks and errors (eager's, for the first sample that fails), but no input gradients
        are computed (nor checked).
        """
        np = batched.numpy(self.name)
        X, p, plan = self._batch_args(np, rows, params)
        s = self._seeds(np, seeds, X.shape[0])
        V, U, saved, finite = plan.forward(X, p)
        if finite:
            _, GU, finite = plan.backward(V, saved, s, input_grads=False)
        if not finite:  # eager decides, a sample at a time
            values, backward = self._one_by_one(np, X, tuple(map(float, p)))
            grads = [0.0] * len(self.params)
            backward(s, grads)
            return values, np.array(grads, dtype=float)
        values = plan.values(V, U)
        return (values[:, 0] if self.scalar else values), GU[: len(self.params)].copy()

    def _batch_args(self, np: Any, rows: Any, params: Any) -> tuple[Any, Any, batched.Plan]:
        # the batch's rows and parameters, checked; the plan, made when a batch first runs
        X = self._rows(np, rows)
        p = batched.finite_vector(np, params, len(self.params))  # a float64 array (fit's), taken as it is
        if p is None:
            _, p, _ = self._args((0.0,) * self.n_inputs, params)
        return X, p, self._plan_of(np)

    def _one_by_one(self, np: Any, X: Any, p: tuple[float, ...]) -> tuple[Any, Callable[[Any, list[float]], Any]]:
        # the exact path: each sample through the scalar code (eager's errors), naming the sample that fails
        runs = []
        for i, row in enumerate(X.tolist()):
            try:
                runs.append(self.vjp(*row, params=p))
            except (ArithmeticError, ValueError) as e:
                raise _at_sample(e, i) from None
        values = np.array([[out] if self.scalar else list(out) for out, _ in runs], dtype=float)

        def backward(seeds: Any, into: list[float]) -> Any:
            s = self._seeds(np, seeds, len(runs))
            self._into(np, into)
            total = [0.0] * len(self.params)
            gx = []
            for i, ((_, back), seed) in enumerate(zip(runs, s.tolist())):
                grads = [0.0] * len(self.params)  # each sample's alone: their sum may overflow, _added says so
                try:
                    gx.append(back(seed, grads))
                except (ArithmeticError, ValueError) as e:
                    raise _at_sample(e, i) from None
                total = [a + b for a, b in zip(total, grads)]
            into[:] = self._added(into, total)
            return np.array(gx, dtype=float).reshape(len(runs), self.n_inputs)

        return (values[:, 0] if self.scalar else values), backward

    def _into(self, np: Any, into: object) -> bool:
        # True: into is a float64 array (batched.check_vector checks it), False: a list (_check_into)
        if isinstance(into, np.ndarray):
            batched.check_vector(np, into, len(self.params), self.name)
            return True
        self._check_into(into)
        return False

    def _rows(self, np: Any, rows: Any) -> Any:
        # the batch as a new (samples, inputs) float array, checked as Value(...) checks numbers
        who, n = self.name, self.n_inputs
        if isinstance(rows, np.ndarray) and rows.dtype.kind in "fiu":
            if rows.ndim != 2 or rows.shape[1] != n:
                raise ValueError(
                    f"{who}: a batch is a 2-D array of shape (samples, {n}), one row of {n} inputs per sample; "
                    f"got shape {rows.shape}"
                    + ("; for one input per sample use x.reshape(-1, 1)" if rows.ndim == 1 else "")
                )
            X = np.array(rows, dtype=float)
            if X.size and not np.isfinite(X).all():
                i, k = (int(a[0]) for a in np.nonzero(~np.isfinite(X)))
                raise ValueError(
                    f"{who}: sample {i}, input {k} (x{k}) must be finite, got {float(X[i, k])!r}; "
                    "check the input for NaN or inf"
                )
        elif isinstance(rows, np.ndarray) and rows.dtype.kind != "O":
            raise TypeError(
                f"{who}: a batch must hold real numbers, got an array of dtype {rows.dtype}; "
                "convert it with x.astype(float) first"
            )
        else:
            if hasattr(rows, "tolist") and not isinstance(rows, (list, tuple)):
                rows = rows.tolist()
            if isinstance(rows, (Value, numbers.Number, str, bytes)) or not isinstance(rows, Iterable):
                raise TypeError(
                    f"{who}: a batch is a 2-D array or a list of rows (one row of {n} inputs per sample), "
                    f"got {type(rows).__name__}"
                )
            checked = []
            for i, row in enumerate(rows):
                if isinstance(row, (Value, numbers.Number, str, bytes)) or not isinstance(row, Iterable):
                    raise TypeError(
                        f"{who}: batch row {i} must be a sequence of {n} inputs, got {type(row).__name__} "
                        f"{short(row)}; a batch has one row per sample"
                    )
                r = tuple(row)
                if len(r) != n:
                    raise ValueError(f"{who}: batch row {i} has {len(r)} inputs; takes {n}")
                checked.append(_floats(r, lambda k, i=i: f"sample {i}, input {k} (x{k})", who))  # type: ignore[misc]
            X = np.array(checked, dtype=float).reshape(len(checked), n)
        if not X.shape[0]:
            raise ValueError(f"{who}: the batch is empty; give at least one row")
        return X

    def _seeds(self, np: Any, seeds: Any, B: int) -> Any:
        # (samples, outputs) floats, finite
        who, m = self.name, self.n_outputs
        try:
            s = np.asarray(seeds)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{who}: seeds must be an array of numbers, got {type(seeds).__name__} ({e})") from None
        if s.dtype.kind not in "fiu":
            raise TypeError(f"{who}: seeds must be real numbers, got an array of dtype {s.dtype}")
        if self.scalar and s.shape == (B,):
            s = s.reshape(B, 1)
        if s.shape != (B, m):
            want = f"({B},) or ({B}, 1)" if self.scalar else f"({B}, {m})"
            raise ValueError(f"{who}: seeds must have shape {want}, one per sample and output; got {s.shape}")
        s = np.array(s, dtype=float)
        if not np.isfinite(s).all():
            i, k = (int(a[0]) for a in np.nonzero(~np.isfinite(s)))
            raise ValueError(f"{who}: seed {k} of sample {i} must be finite, got {float(s[i, k])!r}")
        return s

    def _added(self, into: list[float], grads: list[float], batch: bool = True) -> list[float]:
        # into + the parameter grads (summed over a batch); every grad is finite here, but their sum
        # (or its sum with what into held) can still overflow: refused, into unchanged
        out = [a + b for a, b in zip(into, grads)]
        for k, (total, g, held) in enumerate(zip(out, grads, into)):
            if not -_INF < total < _INF:
                what = (
                    f"summed over the batch is {g!r}"
                    if not -_INF < g < _INF
                    else f"{g!r} added to {held!r}{'' if batch else f' (into[{k}])'} is {total!r}"
                )
                fix = (
                    "(each sample's is finite); scale the loss down or use smaller batches"
                    if batch
                    else "(the gradient itself is finite); into is a running sum that outgrew floats: "
                    "scale the loss down, or apply and zero into more often"
                )
                raise FloatingPointError(
                    f"{self.name}: the gradient of parameter {self.params[k].label or k!r} {what} {fix}. "
                    "into is unchanged."
                )
        return out

    def _refuse_sum(self, into: list[float], held: list[float], saved: Any, s: tuple[float, ...]) -> None:
        # the scalar backward added finite grads into into and the sum is not finite: a number the caller
        # gave is not (ValueError), or a sum overflowed (FloatingPointError); into is put back. Or, every
        # number is finite and only their sum overflowed: the result stands.
        if all(-_INF < v < _INF for v in into):
            return
        into[:] = held
        self._check_into(into)
        grads = [0.0] * len(self.params)
        self._backward(saved, s, grads, None)  # the same grads again, each finite (checked before it added)
        into[:] = self._added(into, grads, batch=False)  # raises: held[k] + grads[k] is what overflowed

    def _check_into(self, into: object) -> None:
        # a list of finite ints or floats (not bools), one per parameter. The fast path: all floats (one
        # pass in C), their sum finite
        n = len(self.params)
        if not isinstance(into, list) or len(into) != n:
            raise TypeError(f"{self.name}: into must be a list of {n} floats, got {into!r:.60}")
        if operator.countOf(map(type, into), float) == n and -_INF < sum(into) < _INF:
            return
        fix = f"into holds the parameter gradients summed so far: start it as [0.0] * {n}"
        for k, v in enumerate(into):
            where = f"{self.name}: into[{k}], the gradient of {self._param_name(k)},"
            if type(v) is bool or not isinstance(v, (int, float)):
                raise TypeError(
                    f"{where} must be a real number (int or float), got {type(v).__name__} {short(v)}; {fix}"
                )
            try:
                f = float(v)
            except OverflowError:  # an int beyond the float range
                f = _INF
            if not -_INF < f < _INF:
                raise ValueError(f"{where} must be finite, got {short(v)}; {fix}, and zero it after each step")

    def _eager(self, x: tuple[float, ...], p: tuple[float, ...], seeds: tuple[float, ...] | None = None) -> None:
        """Replay the tape with Values, as eager mode runs it; raise what eager raises, if anything."""
        vals: list[Value] = [None] * len(self._tape)  # type: ignore[list-item]
        for i in self._replay:
            kind, arg, parents = self._tape[i]
            if kind == "x":
                v = Value(x[arg], label=f"x{arg}")
            elif kind == "p":
                v = Value(p[arg], label=self._labels[i])
            elif kind == "c":
                v = value.const(arg)
            else:
                try:
                    v = value.apply(kind, tuple(vals[j] for j in parents), arg if kind == "**n" else None)
                except (ArithmeticError, ValueError) as e:
                    label = self._labels[i]
                    op = f"**{arg!r}" if kind == "**n" else arg
                    where = f"{self.name} at node v{i} ({op}{f', from {label!r}' if label else ''})"
                    raise type(e)(f"{where}: {e}") from None
            vals[i] = v
        if seeds is None:
            return
        # one root over the outputs whose local derivatives are the seeds: its backward
        # gives d(sum_k seed_k * output_k), edge by edge as the generated code adds them
        hub = value.make_node(0.0, "sum", tuple(vals[i] for i in self._outputs), seeds)
        try:
            eager_backward(hub)
        except FloatingPointError as e:
            raise FloatingPointError(f"{self.name}: {e}") from None

    def export(self, framework: str) -> exporting.Exported:
        """The traced function as ``"torch"`` or ``"jax"`` source: ``forward(x, p)`` on a batch (see
        ``autodiff.export``); ``str()`` of it is the text, ``.save(path)`` writes it."""
        traced = exporting.Traced(
            self.name,
            self._tape,
            self._labels,
            self._replay,
            self._outputs,
            self.n_inputs,
            len(self.params),
            self.scalar,
        )
        return exporting.export(traced, framework)

    def __repr__(self) -> str:
        """``<Compiled f: 3 inputs, 0 params, 1 output(s), 7 nodes>``."""
        return (
            f"<Compiled {self.name}: {self.n_inputs} inputs, {len(self.params)} params, "
            f"{self.n_outputs} output(s), {len(self._tape)} nodes>"
        )


def _at_sample(e: BaseException, i: int) -> BaseException:
    # eager's exception again, its message prefixed with the sample's index
    err = type(e)(f"sample {i}: {e}")
    err.sample = i  # type: ignore[attr-defined]
    return err


def _seed_name(k: int) -> str:
    return f"seed {k}"


def _floats(values: tuple[Any, ...], name: Callable[[int], str], who: str) -> tuple[float, ...]:
    # the fast path: all floats, and finite (one sum: inf or NaN if a term is)
    for v in values:
        if type(v) is not float:
            break
    else:
        if -_INF < sum(values) < _INF:
            return values
    return tuple(_real(v, name(k), who) for k, v in enumerate(values))


def _real(v: object, what: str, who: str) -> float:
    # as Value(...) checks its data: a real number (not bool), finite
    return value.check_number(v, "", f"{who}: {what}")


def compile(  # noqa: A001 - autodiff.compile, as torch.compile
    f: Callable[..., Value | Sequence[Value]],
    example_inputs: Sequence[float],
    params: Sequence[Value] = (),
    name: str | None = None,
) -> Compiled:
    """Trace ``f(*inputs)`` once and return a ``Compiled`` that replays it on new floats.

    ``example_inputs`` are floats (or Values, whose data is used); ``f`` receives
    traced Values in their place and returns a Value or a list of Values.
    ``params`` are leaf Values ``f`` reads (e.g. ``model.parameters()``): each call
    uses their current data (or ``params=`` floats) and returns their gradients.
    ``name`` (a str) names the function in the source and in error messages.
    """
    if not callable(f):
        raise TypeError(f"compile: f must be a function, got {type(f).__name__}")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"compile: name must be a str (used in error messages), got {type(name).__name__} {name!r:.40}")
    if isinstance(example_inputs, (Value, numbers.Number, str, bytes)) or not isinstance(example_inputs, Iterable):
        raise TypeError("compile: example_inputs must be a sequence of numbers; wrap a single one in a list")
    xs = [
        _real(_DATA.__get__(x, Value) if isinstance(x, Value) else x, f"example_inputs[{i}]", "compile")
        for i, x in enumerate(example_inputs)
    ]
    params = _check_params(params)
    fname = _name_of(f, name)
    with _tracing(params) as made:
        leaves: list[Value] = [_Traced(x, label=f"x{i}") for i, x in enumerate(xs)]
        out = f(*leaves)
    scalar = isinstance(out, Value)
    outs = [out] if scalar else list(out) if isinstance(out, (list, tuple)) else None
    if not outs or not all(isinstance(o, Value) for o in outs):
        raise TypeError(f"compile: f must return a Value or a list of Values, got {type(out).__name__}")
    g = codegen.generate(fname, leaves, params, cast("list[Value]", outs), made)
    return Compiled(
        fname, g.text, len(leaves), params, g.outputs, scalar, g.tape, g.replay, g.labels, g.fan_in, g.consts, g.callees
    )


def _name_of(f: Callable[..., Any], name: str | None) -> str:
    # how messages name f: name=, else its own name, else where the lambda was written ("lambda at
    # loss.py:12", read from its code object); "f" for what has neither, or a name that is not one line
    given = name if name is not None else getattr(f, "__name__", "")
    code = getattr(f, "__code__", None)
    if name is None and given == "<lambda>" and isinstance(code, types.CodeType):
        given = f"lambda at {os.path.basename(code.co_filename)}:{code.co_firstlineno}"
    return given if isinstance(given, str) and given.strip() and given.isprintable() else "f"


def _check_params(params: Sequence[Value]) -> list[Value]:
    if isinstance(params, (Value, str, bytes)) or not isinstance(params, Iterable):
        raise TypeError("compile: params must be a list of leaf Values (e.g. model.parameters())")
    params = list(params)
    seen: dict[int, int] = {}
    for i, p in enumerate(params):
        if not isinstance(p, Value) or p.parents:
            raise TypeError(f"compile: params[{i}] must be a leaf Value (e.g. from model.parameters()), got {p!r:.80}")
        if id(p) in seen:
            raise ValueError(f"compile: params[{i}] is params[{seen[id(p)]}] again; give each parameter once")
        seen[id(p)] = i
    return params
