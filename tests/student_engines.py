"""Small micrograd-style engines as students write them, each with at most one planted bug.

``engine(bug)`` returns a Value class; ``bug`` is None (correct) or one of ``PLANTED``. Written
for ``tests/test_teach.py``: the checker must name each bug, and flag nothing else.
"""

from __future__ import annotations

import math

# planted bug -> the name check_engine must give it
PLANTED = {
    "overwrite": "accumulate",  # self.grad = ... instead of +=
    "recursive": "order",  # each node recurses into its parents at once: no topological order
    "forward_order": "order",  # the topological order walked forwards
    "no_seed": "seed",  # backward() never sets the output's grad to 1
    "mul_swapped": "mul",  # d(a*b)/da = a
    "sub_sign": "sub",  # d(a-b)/db = +1
    "power_rule": "pow",  # d(a**n)/da = n * a**n
    "quotient_sign": "div",  # d(a/b)/db = +a/b**2
    "relu_value": "relu",  # relu' = relu(a) instead of the step
    "tanh_rule": "tanh",  # tanh' = 1 - t
}


def engine(bug: str | None = None) -> type:
    if bug is not None and bug not in PLANTED:
        raise ValueError(bug)

    def put(node, amount):
        # the one line the "overwrite" bug changes
        if bug == "overwrite":
            node.grad = amount
        else:
            node.grad += amount

    class Value:
        def __init__(self, data, _children=(), _op=""):
            self.data = data
            self.grad = 0.0
            self._backward = lambda: None
            self._prev = _children
            self._op = _op

        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data + other.data, (self, other), "+")

            def _backward():
                put(self, out.grad)
                put(other, out.grad)

            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (self, other), "*")

            def _backward():
                if bug == "mul_swapped":
                    put(self, self.data * out.grad)
                    put(other, other.data * out.grad)
                else:
                    put(self, other.data * out.grad)
                    put(other, self.data * out.grad)

            out._backward = _backward
            return out

        def __pow__(self, n):
            out = Value(self.data**n, (self,), f"**{n}")

            def _backward():
                local = n * self.data**n if bug == "power_rule" else n * self.data ** (n - 1)
                put(self, local * out.grad)

            out._backward = _backward
            return out

        def __sub__(self, other):
            out = Value(self.data - other.data, (self, other), "-")

            def _backward():
                put(self, out.grad)
                put(other, out.grad if bug == "sub_sign" else -out.grad)

            out._backward = _backward
            return out

        def __truediv__(self, other):
            out = Value(self.data / other.data, (self, other), "/")

            def _backward():
                put(self, out.grad / other.data)
                sign = 1.0 if bug == "quotient_sign" else -1.0
                put(other, sign * self.data / other.data**2 * out.grad)

            out._backward = _backward
            return out

        def __neg__(self):
            return self * -1.0

        def relu(self):
            out = Value(max(0.0, self.data), (self,), "ReLU")

            def _backward():
                local = out.data if bug == "relu_value" else float(out.data > 0)
                put(self, local * out.grad)

            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")

            def _backward():
                put(self, ((1 - t) if bug == "tanh_rule" else (1 - t * t)) * out.grad)

            out._backward = _backward
            return out

        def backward(self):
            if bug != "no_seed":
                self.grad = 1.0
            if bug == "recursive":
                self._recurse()
                return
            order, seen, stack = [], set(), [(self, False)]
            while stack:  # an explicit stack: no recursion limit
                v, done = stack.pop()
                if done:
                    order.append(v)
                elif id(v) not in seen:
                    seen.add(id(v))
                    stack.append((v, True))
                    stack.extend((p, False) for p in v._prev)
            for v in order if bug == "forward_order" else reversed(order):
                v._backward()

        def _recurse(self):
            self._backward()
            for p in self._prev:
                p._recurse()

    Value.__name__ = f"Value_{bug or 'correct'}"
    return Value
