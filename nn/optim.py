"""Optimizers: SGD (with momentum and weight decay) and Adam, as PyTorch defines them.

A step is all or nothing: it checks the hyper-parameters (they may have been
changed since construction, e.g. ``opt.lr = ...`` in a schedule) and every
parameter's grad, computes every new value and every new buffer, checks that
all of them are finite, and only then assigns. A step that raises changes no
parameter and no optimizer state (momentum buffers, Adam moments, step count).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from autodiff import Value

_INF = math.inf


def _params(params: Iterable[Value], who: str) -> list[Value]:
    if isinstance(params, Value) or not hasattr(params, "__iter__") or hasattr(params, "named_parameters"):
        raise TypeError(f"{who}: expects an iterable of Values, got {type(params).__name__}; pass model.parameters()")
    ps = list(params)
    if not ps:
        raise ValueError(f"{who}: got no parameters; pass model.parameters()")
    seen: dict[int, int] = {}
    for i, p in enumerate(ps):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: parameter {i} must be a Value, got {type(p).__name__}")
        j = seen.setdefault(id(p), i)
        if j != i:
            raise ValueError(f"{who}: parameter {i} ({p.label!r}) is the same Value as parameter {j}; pass each once")
    return ps


def _number(x: object, name: str, who: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{who}: {name} must be a real number, got {type(x).__name__} {x!r}")
    return float(x)


def _positive(x: object, name: str, who: str) -> float:
    # finite and > 0: lr, eps
    f = _number(x, name, who)
    if not 0.0 < f < _INF:
        raise ValueError(f"{who}: {name} must be a finite number > 0, got {x!r}")
    return f


def _nonnegative(x: object, name: str, who: str) -> float:
    # finite and >= 0: weight_decay
    f = _number(x, name, who)
    if not 0.0 <= f < _INF:
        raise ValueError(f"{who}: {name} must be a finite number >= 0, got {x!r}")
    return f


def _fraction(x: object, name: str, who: str) -> float:
    # in [0, 1): momentum, betas
    f = _number(x, name, who)
    if not 0.0 <= f < 1.0:
        raise ValueError(f"{who}: {name} must be a number in [0, 1), got {x!r}")
    return f


def _label(p: Value, i: int) -> str:
    return f"parameter {i} ({p.label!r})" if p.label else f"parameter {i}"


class Optimizer:
    """Holds the parameters; ``zero_grad()`` clears their grads, ``step()`` updates their data."""

    params: list[Value]
    """The parameters it updates, in the order given."""

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (before each ``backward()``)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update each parameter's data from its grad (a subclass says how); all or nothing."""
        raise NotImplementedError

    def check(self) -> None:
        """Raise if a hyper-parameter is invalid (``step()`` calls it; so does ``nn.fit`` before training)."""
        self._hyper()

    def _hyper(self) -> tuple[float, ...]:
        # the checked hyper-parameters; a subclass with none has nothing to check
        return ()

    def _grads(self, n_state: int) -> list[float]:
        # every grad a finite real number, before anything is computed
        who = type(self).__name__
        if n_state != len(self.params):
            raise ValueError(
                f"{who}: has state for {n_state} parameters but holds {len(self.params)}; "
                "make a new optimizer after changing opt.params"
            )
        gs = []
        for i, p in enumerate(self.params):
            g = p.grad
            if type(g) is not float:
                if isinstance(g, bool) or not isinstance(g, numbers.Real):
                    raise TypeError(
                        f"{who}: grad of {_label(p, i)} must be a real number, got {type(g).__name__} {g!r}; "
                        "nothing was changed"
                    )
                g = float(g)
            if not -_INF < g < _INF:
                raise FloatingPointError(
                    f"{who}: grad of {_label(p, i)} is {g!r} (data {p.data!r}); nothing was changed; "
                    "find where the non-finite gradient came from, and call zero_grad() before backward()"
                )
            gs.append(g)
        return gs

    def _fail(self, i: int, what: str, x: float) -> FloatingPointError:
        p = self.params[i]
        return FloatingPointError(
            f"{type(self).__name__}: this step would make {what} of {_label(p, i)} {x!r} "
            f"(data {p.data!r}, grad {p.grad!r}, lr {self.lr!r}); nothing was changed; "  # type: ignore[attr-defined]  # SGD and Adam have lr
            "lower the learning rate or scale the inputs and targets"
        )


def _first_bad(xs: list[float]) -> int:
    # index of the first non-finite number, or -1
    for i, x in enumerate(xs):
        if not -_INF < x < _INF:
            return i
    return -1


def _bad_pairs(num: list[float], den: list[float]) -> list[int]:
    return [i for i, (a, b) in enumerate(zip(num, den)) if not (-_INF < a < _INF and b < _INF)]


class SGD(Optimizer):
    """``g = grad + weight_decay * p``; ``v = momentum * v + g``; ``p -= lr * v``.

    With ``momentum=0`` this is plain ``p.data -= lr * p.grad``. ``lr`` may be
    changed between steps (a schedule); each step checks it again: ``lr``
    finite and > 0, ``momentum`` in [0, 1), ``weight_decay`` finite and >= 0.
    A step that would make a parameter or a buffer non-finite raises
    ``FloatingPointError`` and changes nothing.
    """

    params: list[Value]
    """The parameters it updates, in the order given."""

    lr: float
    """The learning rate (finite, > 0); may be changed between steps."""

    momentum: float
    """The momentum factor in [0, 1); 0 is plain gradient descent."""

    weight_decay: float
    """L2 weight decay (>= 0), added to each grad as ``weight_decay * p``."""

    velocity: list[float]
    """The buffer ``v`` (with momentum, the running sum of gradients), one number per parameter, 0 at first."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        ps = _params(params, "SGD")
        self.lr = _positive(lr, "lr", "SGD")
        self.momentum = _fraction(momentum, "momentum", "SGD")
        self.weight_decay = _nonnegative(weight_decay, "weight_decay", "SGD")
        self.params = ps
        self.velocity = [0.0] * len(ps)

    def _hyper(self) -> tuple[float, float, float]:
        return (
            _positive(self.lr, "lr", "SGD"),
            _fraction(self.momentum, "momentum", "SGD"),
            _nonnegative(self.weight_decay, "weight_decay", "SGD"),
        )

    def step(self) -> None:
        """One update ``p -= lr * v`` of every parameter; raises and changes nothing if a number would not be finite."""
        lr, mu, wd = self._hyper()
        ps = self.params
        gs = self._grads(len(self.velocity))
        if mu == 0.0 and wd == 0.0:
            vel = None
            new = [p.data - lr * g for p, g in zip(ps, gs)]
        else:
            d = [g + wd * p.data for p, g in zip(ps, gs)]
            vel = [mu * v + x for v, x in zip(self.velocity, d)] if mu else d
            i = _first_bad(vel)
            if i >= 0:
                raise self._fail(i, "the momentum buffer", vel[i])
            new = [p.data - lr * v for p, v in zip(ps, vel)]
        i = _first_bad(new)
        if i >= 0:
            raise self._fail(i, "the value", new[i])
        for p, x in zip(ps, new):
            p.data = x
        if vel is not None:
            self.velocity = vel


class Adam(Optimizer):
    """Adam (Kingma & Ba): bias-corrected first and second moments of the gradient.

    ``m = b1 m + (1 - b1) g``; ``v = b2 v + (1 - b2) g^2``;
    ``p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)``.

    The second moment is kept as its square root ``s = sqrt(v)`` (``self.s``),
    updated as ``hypot(sqrt(b2) s, sqrt(1 - b2) |g|)``: a gradient of 1e200 has
    g^2 = inf, but s stays finite and the step is about ``lr``, as Adam means it
    to be. Each step checks ``lr`` and ``eps`` (finite, > 0), ``betas`` (in
    [0, 1)) and ``weight_decay`` (finite, >= 0) again; a step that would make a
    parameter or a moment non-finite raises ``FloatingPointError`` and changes
    nothing (not even the step count ``t``).
    """

    params: list[Value]
    """The parameters it updates, in the order given."""

    lr: float
    """The learning rate (finite, > 0); may be changed between steps."""

    betas: tuple[float, float]
    """``(b1, b2)``, the decay rates of the first and second moments, each in [0, 1)."""

    eps: float
    """Added to the denominator (finite, > 0)."""

    weight_decay: float
    """L2 weight decay (>= 0), added to each grad as ``weight_decay * p``."""

    m: list[float]
    """The first moment (mean of the gradients), one number per parameter."""

    s: list[float]
    """The square root of the second moment, one number per parameter (see the class docstring)."""

    t: int
    """The number of steps taken (for the bias correction)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        ps = _params(params, "Adam")
        self.lr = _positive(lr, "lr", "Adam")
        self.betas = self._betas(betas)
        self.eps = _positive(eps, "eps", "Adam")
        self.weight_decay = _nonnegative(weight_decay, "weight_decay", "Adam")
        self.params = ps
        self.m = [0.0] * len(ps)
        self.s = [0.0] * len(ps)
        self.t = 0

    @staticmethod
    def _betas(betas: object) -> tuple[float, float]:
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:  # type: ignore[arg-type]
            raise ValueError(f"Adam: betas must be two numbers (b1, b2), got {betas!r}")
        b1, b2 = cast(tuple[object, object], betas)
        return _fraction(b1, "betas[0]", "Adam"), _fraction(b2, "betas[1]", "Adam")

    def _hyper(self) -> tuple[float, float, float, float, float]:
        b1, b2 = self._betas(self.betas)
        return (
            _positive(self.lr, "lr", "Adam"),
            b1,
            b2,
            _positive(self.eps, "eps", "Adam"),
            _nonnegative(self.weight_decay, "weight_decay", "Adam"),
        )

    def step(self) -> None:
        """One Adam update of every parameter; a number that would not be finite raises and changes nothing."""
        lr, b1, b2, eps, wd = self._hyper()
        ps = self.params
        gs = self._grads(min(len(self.m), len(self.s)))
        t = self.t + 1
        c1 = 1.0 - b1**t
        rc2 = math.sqrt(1.0 - b2**t)
        r2, r1m2 = math.sqrt(b2), math.sqrt(1.0 - b2)
        if wd:
            gs = [g + wd * p.data for p, g in zip(ps, gs)]
            i = _first_bad(gs)
            if i >= 0:
                raise self._fail(i, "the decayed gradient", gs[i])
        m = [b1 * mi + (1.0 - b1) * g for mi, g in zip(self.m, gs)]
        s = [math.hypot(r2 * si, r1m2 * g) for si, g in zip(self.s, gs)]
        for what, xs in (("the first moment", m), ("the second moment's root", s)):
            i = _first_bad(xs)
            if i >= 0:
                raise self._fail(i, what, xs[i])
        num = [mi / c1 for mi in m]
        den = [si / rc2 + eps for si in s]  # sqrt(v / c2) + eps, as s / sqrt(c2) + eps
        for i in _bad_pairs(num, den):
            # a gradient within a few ulps of the largest float: the same ratio, both halves exact
            num[i], den[i] = 0.5 * m[i] / c1, 0.5 * s[i] / rc2 + 0.5 * eps
            if not (-_INF < num[i] < _INF and den[i] < _INF):
                raise self._fail(i, "the update", num[i] / den[i])
        new = [p.data - lr * a / b for p, a, b in zip(ps, num, den)]
        i = _first_bad(new)
        if i >= 0:
            raise self._fail(i, "the value", new[i])
        for p, x in zip(ps, new):
            p.data = x
        self.m, self.s, self.t = m, s, t


# -- the same steps over numpy arrays (nn.fit(compile=True) with numpy) ---------------------------


def _sgd_update(np: Any, opt: SGD, p: Any, g: Any, state: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]] | None:
    # SGD.step's numbers, elementwise: the same operations in the same order, so the same bits; None: not finite
    lr, mu, wd = opt._hyper()
    if mu == 0.0 and wd == 0.0:
        new = p - lr * g
        return (new, state) if np.isfinite(new).all() else None  # the velocity stays as it was
    d = g + wd * p
    vel = mu * state[0] + d if mu else d
    ok = np.isfinite(vel).all() and np.isfinite(new := p - lr * vel).all()
    return (new, (vel,)) if ok else None


def _adam_update(np: Any, opt: Adam, p: Any, g: Any, state: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]] | None:
    # Adam.step's numbers, elementwise (numpy's hypot may differ from math's in the last bit); None: not finite,
    # also where Adam.step rescues a huge grad: it decides
    lr, b1, b2, eps, wd = opt._hyper()
    m0, s0, t0 = state
    t = t0 + 1
    c1 = 1.0 - b1**t
    rc2 = math.sqrt(1.0 - b2**t)
    if wd:
        g = g + wd * p
    m = b1 * m0 + (1.0 - b1) * g
    s = np.hypot(math.sqrt(b2) * s0, math.sqrt(1.0 - b2) * g)
    num, den = m / c1, s / rc2 + eps  # sqrt(v / c2) + eps, as s / sqrt(c2) + eps
    new = p - lr * num / den
    ok = all(np.isfinite(x).all() for x in (g, m, s, num, den, new))
    return (new, (m, s, t)) if ok else None


def _sgd_state(np: Any, opt: SGD) -> tuple[Any, ...]:
    return (np.array(opt.velocity, dtype=float),)


def _sgd_put(opt: SGD, state: tuple[Any, ...]) -> None:
    opt.velocity = state[0].tolist()


def _adam_state(np: Any, opt: Adam) -> tuple[Any, ...]:
    return np.array(opt.m, dtype=float), np.array(opt.s, dtype=float), opt.t


def _adam_put(opt: Adam, state: tuple[Any, ...]) -> None:
    opt.m, opt.s, opt.t = state[0].tolist(), state[1].tolist(), state[2]


# optimizer class -> (its step over arrays, its state as arrays, that state put back)
_ON_ARRAYS: dict[type, tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]] = {
    SGD: (_sgd_update, _sgd_state, _sgd_put),
    Adam: (_adam_update, _adam_state, _adam_put),
}


class Arrays:
    """An optimizer's parameters and state as float64 numpy arrays, while ``nn.fit(compile=True)`` trains.

    ``p`` holds the model's parameters (in the order given, which the batched tape
    reads), ``grad`` their grads as the per-Value steps would leave them, ``state``
    the optimizer's (velocity; m, s and t). ``step(g)`` is the optimizer's ``step()``
    on arrays: the same numbers (SGD's to the bit, Adam's to the last bit of numpy's
    ``hypot``), all or nothing; where a number would not be finite the Values are
    written back and the optimizer's own ``step()`` raises its own error, changing
    nothing. ``write_back()`` puts data, grads and state back into the Values and the
    optimizer. Made by ``arrays_for``.
    """

    def __init__(self, np: Any, opt: Optimizer, params: list[Value], at: list[int]) -> None:
        self.np, self.opt, self.params = np, opt, params
        self.update, self.get_state, self.put_state = _ON_ARRAYS[type(opt)]
        self.at = None if at == list(range(len(params))) else np.array(at, dtype=np.intp)  # opt.params in p
        self.frozen = None
        if self.at is not None:  # parameters the optimizer does not hold: nothing zeroes their grads
            self.frozen = np.ones(len(params), dtype=bool)
            self.frozen[self.at] = False
        self.load()

    def load(self) -> None:
        """Read the parameters and the optimizer's state from the Values and the optimizer."""
        np = self.np
        self.p = np.array([p.data for p in self.params], dtype=float)
        self.grad = np.array([p.grad for p in self.params], dtype=float)
        self.state = self.get_state(np, self.opt)

    def step(self, g: Any) -> None:
        """One update of ``p`` from the grads ``g`` (an array like ``p``); all or nothing."""
        np, at = self.np, self.at
        self.grad = g if self.frozen is None else np.where(self.frozen, self.grad + g, g)
        done = None
        if np.isfinite(g).all():
            p, mine = (self.p, g) if at is None else (self.p[at], g[at])
            with np.errstate(all="ignore"):  # an overflow is found, and said, below
                done = self.update(np, self.opt, p, mine, self.state)
        if done is None:  # the optimizer's own step decides, and says what is not finite
            self.write_back()
            self.opt.step()
            self.load()  # it did not raise after all: its numbers stand
            return
        new, state = done
        if at is not None:
            new, part = self.p.copy(), new
            new[at] = part
        self.p, self.state = new, state

    def write_back(self) -> None:
        """Set each parameter's data and grad, and the optimizer's state, from the arrays."""
        for p, x, g in zip(self.params, self.p.tolist(), self.grad.tolist()):
            p.data = x
            p.grad = g
        self.put_state(self.opt, self.state)


def arrays_for(opt: Optimizer, params: list[Value]) -> Arrays | None:
    """``opt`` over numpy arrays for the model's ``params``, or None where only its per-Value step will do.

    None when numpy is missing, when ``opt`` is not exactly an SGD or an Adam (a
    subclass may step its own way), holds a parameter twice or one not in
    ``params``, or has state for another number of parameters (its ``step()`` says
    so), or when ``params`` holds a Value twice.
    """
    try:
        import numpy as np
    except ImportError:
        return None
    if type(opt) not in _ON_ARRAYS:
        return None
    where = {id(p): i for i, p in enumerate(params)}
    at = [where.get(id(p), -1) for p in opt.params]
    if len(where) != len(params) or -1 in at or len(set(at)) != len(at):
        return None
    if any(len(s) != len(at) for s in _ON_ARRAYS[type(opt)][1](np, opt)[:2]):
        return None
    return Arrays(np, opt, params, at)
