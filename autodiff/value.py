"""``Value``: a scalar node of a computation graph.

A node holds its ``data``, its ``grad``, an optional ``label``, the ``op`` that made
it, its ``parents`` (ordered, duplicates kept: ``a + a`` has two entries) and the
``local_grads`` d(self)/d(parent_i), from the op's rule at forward time. Nodes refer
only to their parents, so a graph has no reference cycles.

Storage, for speed (said once, here): a node of one or two parents keeps them and
their derivatives in its own slots ``_p0 _p1 _d0 _d1``; leaves and nodes of three or
more keep tuples in ``_ps`` and ``_ds`` (``()`` for a leaf; ``_ps is None`` marks the
slots). A node is then one object for the cycle collector instead of three.
``graph`` and ``backprop`` read these slots directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextvars import ContextVar
from typing import NoReturn, Union

from . import backprop, rules

Number = Union[int, float]
_INF = math.inf
_new = object.__new__
_BIG = 2**1023  # ints below it in size are floats
# the scope path nodes are tagged with (autodiff.scope sets it); one tuple shared by every node of a scope
SCOPE: ContextVar[tuple[str, ...]] = ContextVar("autodiff_scope", default=())
_scope_now = SCOPE.get


class Value:
    """A scalar that records how it was computed, for reverse-mode differentiation.

    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad   # d(x**2 + 3x)/dx = 2x + 3
    7.0
    """

    # scope: the names of the ``autodiff.scope`` blocks the node was made in; _visit: graph walks' marker
    __slots__ = ("data", "grad", "label", "op", "_p0", "_p1", "_d0", "_d1", "_ps", "_ds", "scope", "_visit")

    data: float
    """The node's value."""
    grad: float
    """d(root)/d(self) after ``root.backward()`` (a Value after ``backward(create_graph=True)``)."""
    label: str
    """A name for pictures and messages ("" for none)."""
    op: str
    """The op that made the node ("+", "tanh", "**2", ...; "" for a leaf)."""
    _p0: Value | None
    _p1: Value | None
    _d0: float
    _d1: float
    _ps: tuple[Value, ...] | None
    _ds: tuple[float, ...] | None
    scope: tuple[str, ...]
    """The names of the ``autodiff.scope`` blocks the node was made in, outermost first."""

    def __init__(self, data: Number, label: str = "", *micrograd: object, **micrograd_names: object) -> None:
        # micrograd's Value(data, _children, _op) is caught and explained (an empty one is a leaf, as there)
        if not {"_children", "_op"}.issuperset(micrograd_names):
            raise TypeError(f"Value() takes data and label, got the keyword(s) {', '.join(micrograd_names)}")
        if micrograd or any(micrograd_names.values()) or isinstance(label, (tuple, list, set, frozenset)):
            raise TypeError(HELP["Value(data, _children, _op)"])
        self.data = check_number(data, label)
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__} {label!r:.80}")
        self.grad, self.label, self.op = 0.0, label, ""
        self._p0 = self._p1 = None
        self._ps = self._ds = ()
        self.scope = _scope_now()
        self._visit: object = None

    def __repr__(self) -> str:
        """``Value(data=..., grad=..., label=..., op=...)``; a Value grad shown by its data."""
        g = self.grad  # a Value after backward(create_graph=True): shown by its data, not recursively
        parts = [f"data={self.data!r}", f"grad={f'<Value {g.data!r}>' if isinstance(g, Value) else repr(g)}"]
        parts += [f"label={self.label!r}"] * bool(self.label) + [f"op={self.op!r}"] * bool(self.op)
        return f"Value({', '.join(parts)})"

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in order (``a + a`` gives ``(a, a)``); ``()`` for a leaf."""
        if self._ps is not None:
            return self._ps
        return (self._p0,) if self._p1 is None else (self._p0, self._p1)  # type: ignore[return-value]

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent_i) for each parent, recorded when the node was made; ``()`` for a leaf."""
        if self._ds is not None:
            return self._ds
        return (self._d0,) if self._p1 is None else (self._d0, self._d1)

    @property
    def is_leaf(self) -> bool:
        """True for a node made by the user (no parents), False for a computed one."""
        return self._ps == ()

    @property
    def _prev(self) -> set[Value]:
        """micrograd's ``_prev``, read-only, for code written against it: the set of parents. Use ``parents``."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name of the op (``'ReLU'`` for relu; ``''`` for a leaf). Use ``op``."""
        return "ReLU" if self.op == "relu" else self.op

    def _no_closure(self, *fn: object) -> NoReturn:
        """micrograd's ``_backward`` closure, read or set: not kept here (AttributeError saying what to use)."""
        raise AttributeError(HELP["_backward"])

    _backward = property(_no_closure, _no_closure)

    # -- arithmetic: each operator is its definition (autodiff.rules) plus one node ---------

    def __add__(self, other: Value | Number) -> Value:
        """self + other; d/dself = 1, d/dother = 1 (a number is lifted to a constant leaf)."""
        o = other if type(other) is Value else const(other)
        v, d = _RULES["+"](self.data, o.data)
        return _node(v, "+", (self, o), d)

    def __sub__(self, other: Value | Number) -> Value:
        """self - other; d/dself = 1, d/dother = -1."""
        o = other if type(other) is Value else const(other)
        v, d = _RULES["-"](self.data, o.data)
        return _node(v, "-", (self, o), d)

    def __mul__(self, other: Value | Number) -> Value:
        """self * other; d/dself = other, d/dother = self."""
        o = other if type(other) is Value else const(other)
        v, d = _RULES["*"](self.data, o.data)
        return _node(v, "*", (self, o), d)

    def __truediv__(self, other: Value | Number) -> Value:
        """self / other; d/dself = 1/other, d/dother = -self/other**2 (other != 0)."""
        return apply("/", (self, other if type(other) is Value else const(other)))

    def __pow__(self, other: Value | Number) -> Value:
        """self ** other; d/dself = n self**(n-1) for a number n; for a Value, d/dother = self**other ln(self)."""
        if isinstance(other, Value):
            return apply("**", (self, other))
        n = check_number(other, "", "**: the exponent")
        try:
            v, d = _RULES["**n"](self.data, n)
        except (ArithmeticError, ValueError) as e:
            raise _labelled(e, self) from None
        return _node(v, _POWERS.get(n) or _power_name(n), (self,), d)

    def __neg__(self) -> Value:
        """-self; d/dself = -1 (op 'neg')."""
        v, d = _RULES["neg"](self.data)
        return _node(v, "neg", (self,), d)

    def __abs__(self) -> Value:
        """|self|; d/dself = sign(self), 0 at 0."""
        v, d = _RULES["abs"](self.data)
        return _node(v, "abs", (self,), d)

    def __pos__(self) -> Value:
        """+self: self itself, no node."""
        return self

    # reflected operators: `number op Value` lifts the number to a constant leaf
    def __radd__(self, other: Number) -> Value:  # other + self
        return const(other) + self

    def __rsub__(self, other: Number) -> Value:  # other - self
        return const(other) - self

    def __rmul__(self, other: Number) -> Value:  # other * self
        return const(other) * self

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        return const(other) / self

    def __rpow__(self, other: Number) -> Value:  # other ** self
        return const(other) ** self

    def exp(self) -> Value:
        """e**self; d/dself = e**self."""
        return apply("exp", (self,))

    def log(self) -> Value:
        """ln(self), for self > 0; d/dself = 1/self."""
        return apply("log", (self,))

    def sqrt(self) -> Value:
        """sqrt(self), for self >= 0; d/dself = 0.5 / sqrt(self)."""
        return apply("sqrt", (self,))

    def tanh(self) -> Value:
        """tanh(self); d/dself = 1 - tanh(self)**2."""
        v, d = _RULES["tanh"](self.data)
        return _node(v, "tanh", (self,), d)

    def sigmoid(self) -> Value:
        """1 / (1 + e**-self); d/dself = s (1 - s)."""
        v, d = _RULES["sigmoid"](self.data)
        return _node(v, "sigmoid", (self,), d)

    def relu(self) -> Value:
        """max(0, self); d/dself = 1 where self > 0, else 0."""
        v, d = _RULES["relu"](self.data)
        return _node(v, "relu", (self,), d)

    def backward(self, method: str = "push", create_graph: bool = False) -> None:
        """Add d(self)/d(leaf) into every leaf's ``grad``: ``method="push"`` (V2, default) or ``"pull"``
        (V1); with ``create_graph=True`` every grad is a Value. See ``autodiff.backprop.backward``."""
        backprop.backward(self, method, create_graph)

    def zero_grad(self) -> None:
        """Set ``grad = 0.0`` on every node of this graph."""
        backprop.zero_grad(self)


_RULES = rules.RULES  # each op's definition over floats
_POWERS: dict[float, str] = {}  # exponent -> op name ("**2"), for the exponents met first


def _power_name(n: float) -> str:
    # "**2" for 2 or 2.0, "**0.5", "**-1"; read back by autodiff.ops.const_exponent
    name = "**" + (str(int(n)) if n.is_integer() and abs(n) < 1e15 else repr(n))
    if len(_POWERS) < 256:
        _POWERS[n] = name
    return name


def check_number(x: object, label: str, who: str = "Value: data") -> float:
    """``x`` as a finite float, or the TypeError/ValueError that names it (``label``) and the fix."""
    t = type(x)
    if t is float and -_INF < x < _INF:  # type: ignore[operator] # the common cases here: no ABC check
        return x  # type: ignore[return-value]
    if t is int and -_BIG < x < _BIG:  # type: ignore[operator]
        return float(x)  # type: ignore[arg-type]
    return other_number(x, label, who)


# handed in from outside the core, once, by autodiff/__init__ (both from autodiff.diagnostics): any number
# other than a float or int, as a float or the error naming it; the help for micrograd's habits, by the habit
other_number: Callable[[object, str, str], float] = None  # type: ignore[assignment]
HELP: dict[str, str] = {}


def const(x: object) -> Value:
    """A Python number met in an expression, as a constant leaf (a Value stays itself)."""
    if isinstance(x, Value):
        return x
    v = _new(Value)  # a leaf made here, not by make_node: numbers in expressions are common
    v.data = check_number(x, "")
    v.grad = 0.0
    v.label = v.op = ""
    v._p0 = v._p1 = None
    v.scope = _scope_now()
    v._visit = None
    v._ps = v._ds = ()
    return v


def make_node(data: float, op: str, parents: tuple[Value, ...], local_grads: tuple[float, ...]) -> Value:
    """The one place nodes are made (leaves too: no parents); refuses a value that left the floats."""
    if not -_INF < data < _INF:
        names = ", ".join(_describe(p) for p in parents[:4]) + (", ..." if len(parents) > 4 else "")
        why = "the inputs are too large, scale them down" if data == data else "an input is nan: find where it was set"
        raise OverflowError(f"{op}: result is {data!r} for input(s) {names}; {why}")
    v = _new(Value)  # one attribute at a time: faster than a tuple assignment
    v.data = data
    v.grad = 0.0
    v.label = ""
    v.op = op
    v.scope = _scope_now()
    v._visit = None
    n = len(parents)
    if n == 2:
        v._p0, v._p1 = parents
        v._d0, v._d1 = local_grads
        v._ps = v._ds = None
    elif n == 1:
        v._p0, v._d0 = parents[0], local_grads[0]
        v._p1 = v._ps = v._ds = None
    else:
        v._p0 = v._p1 = None
        v._ps, v._ds = parents, local_grads
    return v


_node = make_node  # what the operators call: autodiff.compile stands its own maker in while it traces


def set_node_maker(maker: Callable[..., Value] | None) -> None:
    """The one tracing seam: ``maker`` makes every node until it is set back (None: ``make_node``)."""
    global _node
    _node = make_node if maker is None else maker


def apply(op: str, parents: tuple[Value, ...], n: float | None = None) -> Value:
    """A node of ``op`` over ``parents``, from the op's float rule; ``n``: the exponent of ``"**n"``.

    A user primitive's op carries its own rule (``op.rule``). A rule's error is raised
    with the node it is about named (the divisor of ``/``, the base of ``**``).
    """
    rule = _RULES.get(op) if type(op) is str else op.rule  # type: ignore[attr-defined]
    rule = rule or _RULES[rules.table_op(op)]
    try:
        if n is not None:
            v, d = rule(parents[0].data, n)
        elif len(parents) == 2:  # one or two parents spelt out: a call with *args costs twice as much
            v, d = rule(parents[0].data, parents[1].data)
        elif len(parents) == 1:
            v, d = rule(parents[0].data)
        else:
            v, d = rule(*[p.data for p in parents])
    except (ArithmeticError, ValueError) as e:
        about = getattr(e, "about", None)
        raise (e if about is None else _labelled(e, parents[about])) from None
    return _node(v, op, parents, d)


def _describe(v: Value) -> str:
    return f"{v.data!r} (node {v.label!r})" if v.label else repr(v.data)


def _labelled(err: Exception, node: Value) -> Exception:
    # the rule's message plus which node it was about
    return type(err)(f"{err} (node {node.label!r})") if node.label else err
