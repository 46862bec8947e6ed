"""Neurons, layers and multi-layer perceptrons, with micrograd 0.1.0's signatures.

``Neuron(nin, nonlin=True)``, ``Layer(nin, nout, **kw)`` and ``MLP(nin, nouts)``
behave as micrograd's (ReLU hidden layers, linear last layer, weights uniform in
[-1, 1], biases 0, a one-output layer returns a single Value). Beyond micrograd:
``activation=`` per neuron, layer or MLP, seeded initialisation that never touches
the global ``random`` state, and parameter labels such as ``L0.N3.w1``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, Union

import autodiff
from autodiff import Value

from .module import Module

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
Seed = Union[int, random.Random, None]
Input = Sequence[Union[Value, float, int]]


def _rng(seed: Seed) -> random.Random:
    # an int seeds a private generator; a Random is used (and advanced) as given
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random(0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int or a random.Random, got {type(seed).__name__} {seed!r}")
    return random.Random(seed)


def _activation(nonlin: bool, activation: str | None) -> str:
    if activation is None:
        return "relu" if nonlin else "linear"
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    return activation


def _apply(act: str, z: Value) -> Value:
    if act == "relu":
        return z.relu()
    if act == "tanh":
        return z.tanh()
    if act == "sigmoid":
        return z.sigmoid()
    return z


class Neuron(Module):
    """``act(w . x + b)``: one ``autodiff.dot`` node, then the activation.

    ``nonlin=True`` means ReLU and ``False`` linear, as in micrograd;
    ``activation`` ("relu", "tanh", "sigmoid", "linear") overrides it.
    """

    def __init__(
        self, nin: int, nonlin: bool = True, *, activation: str | None = None, seed: Seed = None, name: str = "N0"
    ) -> None:
        if isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
            raise ValueError(f"Neuron: nin must be a positive int, got {nin!r}")
        rng = _rng(seed)
        self.activation = _activation(nonlin, activation)
        self.nonlin = self.activation != "linear"
        self.name = name
        self.w = [Value(rng.uniform(-1, 1), label=f"{name}.w{i}") for i in range(nin)]
        self.b = Value(0.0, label=f"{name}.b")

    def __call__(self, x: Input) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self.name}: expects {len(self.w)} inputs, got {len(x)}")
        return _apply(self.activation, autodiff.dot(self.w, x, self.b))

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(p.label, p) for p in self.w] + [(self.b.label, self.b)]

    def config(self) -> dict:
        return {"nin": len(self.w), "activation": self.activation, "name": self.name}

    def __repr__(self) -> str:
        kind = {"relu": "ReLU", "linear": "Linear", "tanh": "Tanh", "sigmoid": "Sigmoid"}[self.activation]
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons over the same inputs; a one-output layer returns a single Value."""

    def __init__(
        self,
        nin: int,
        nout: int,
        nonlin: bool = True,
        *,
        activation: str | None = None,
        seed: Seed = None,
        name: str = "L0",
    ) -> None:
        if isinstance(nout, bool) or not isinstance(nout, int) or nout < 1:
            raise ValueError(f"Layer: nout must be a positive int, got {nout!r}")
        rng = _rng(seed)
        self.name = name
        self.neurons = [Neuron(nin, nonlin, activation=activation, seed=rng, name=f"{name}.N{j}") for j in range(nout)]

    def __call__(self, x: Input) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [pair for n in self.neurons for pair in n.named_parameters()]

    def config(self) -> dict:
        return {
            "nin": len(self.neurons[0].w),
            "nout": len(self.neurons),
            "activation": self.neurons[0].activation,
            "name": self.name,
        }

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` after ``nin`` inputs.

    Hidden layers use ``activation`` (ReLU by default), the last layer
    ``output_activation`` (linear by default); ``activation`` may also be a list
    with one entry per layer. One output gives a Value, more give a list.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str | Sequence[str] = "relu",
        output_activation: str = "linear",
        seed: Seed = None,
    ) -> None:
        if isinstance(nouts, int) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        if isinstance(activation, str):
            acts = [activation] * (len(nouts) - 1) + [output_activation]
        else:
            acts = list(activation)
            if len(acts) != len(nouts):
                raise ValueError(f"MLP: {len(acts)} activations for {len(nouts)} layers; give one per layer")
        rng = _rng(seed)
        sizes = [nin] + list(nouts)
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=_activation(True, acts[i]), seed=rng, name=f"L{i}")
            for i in range(len(nouts))
        ]

    def __call__(self, x: Input) -> Value | list[Value]:
        out: Any = x  # the input, then each layer's output as a list
        for layer in self.layers:
            out = layer(out)
            if isinstance(out, Value):
                out = [out]
        return out[0] if len(out) == 1 else out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [pair for layer in self.layers for pair in layer.named_parameters()]

    def config(self) -> dict:
        return {
            "nin": len(self.layers[0].neurons[0].w),
            "nouts": [len(layer.neurons) for layer in self.layers],
            "activation": [layer.neurons[0].activation for layer in self.layers],
        }

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
