"""Neurons, layers and multi-layer perceptrons, with micrograd 0.1.0's signatures.

``Neuron(nin, nonlin=True)``, ``Layer(nin, nout, **kw)`` and ``MLP(nin, nouts)``
behave as micrograd's (ReLU hidden layers, linear last layer, weights uniform in
[-1, 1], biases 0, a one-output layer returns a single Value). Beyond micrograd:
``activation=`` per neuron, layer or MLP, seeded initialisation, parameter
labels such as ``L0.N3.w1``, and scopes: every call opens ``autodiff.scope``
blocks named as the labels are, an ``MLP`` call ``MLP``, its layers ``L0``,
``L1`` ..., their neurons ``N0``, ``N1`` ..., so a drawing of the graph knows
the network's structure (``draw(loss, collapse=2)``: one box per layer).

``seed`` (every constructor): ``None`` (the default) draws from Python's global
``random`` module in micrograd 0.1.0's order (for each layer, for each neuron,
its weights in input order; biases are 0 and draw nothing), so after
``random.seed(k)`` an ``MLP`` starts from exactly micrograd's weights; an int
seeds a private ``random.Random`` and leaves the global state untouched; a
``random.Random`` is used, and advanced, as given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

import autodiff
from autodiff import Value, enter_scope, leave_scope

from .checks import Seed, make_rng, module_name, positive_int
from .module import Module


def _linear(z: Value) -> Value:
    return z


# activation name -> (the function of w . x + b, autodiff's own where there is one; the neuron's kind in its repr)
_ACTIVATION: dict[str, tuple[Callable[[Value], Any], str]] = {
    "relu": (autodiff.relu, "ReLU"),
    "tanh": (autodiff.tanh, "Tanh"),
    "sigmoid": (autodiff.sigmoid, "Sigmoid"),
    "linear": (_linear, "Linear"),
}
ACTIVATIONS = tuple(_ACTIVATION)
Input = Sequence[Union[Value, float, int]]


def _scope(name: str) -> str:
    # "L0.N3" -> "N3": the neuron's scope sits inside its layer's
    return name.rpartition(".")[2] or name


def _activation(nonlin: object, activation: object, who: str) -> str:
    if activation is None:
        return "relu" if nonlin else "linear"
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"{who}: activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    return activation


class Neuron(Module):
    """``act(w . x + b)``: one ``autodiff.dot`` node, then the activation.

    ``nonlin=True`` means ReLU and ``False`` linear, as in micrograd;
    ``activation`` ("relu", "tanh", "sigmoid", "linear") overrides it. ``seed``:
    see the module docstring (``None`` draws from the global ``random``).
    """

    activation: str
    """Its activation: "relu", "tanh", "sigmoid" or "linear"."""

    nonlin: bool
    """micrograd's flag: True unless the activation is linear."""

    name: str
    """Its structural name (``L0.N3``): the prefix of its parameters' names and its scope."""

    w: list[Value]
    """The weights, one per input, labelled ``<name>.w<i>``."""

    b: Value
    """The bias, labelled ``<name>.b``; it starts at 0."""

    def __init__(
        self, nin: int, nonlin: bool = True, *, activation: str | None = None, seed: Seed = None, name: str = "N0"
    ) -> None:
        nin = positive_int(nin, "nin", "Neuron")
        act = _activation(nonlin, activation, "Neuron")
        name = module_name(name, "Neuron")
        rng = make_rng(seed, "Neuron")
        self.activation = act
        self.nonlin = act != "linear"
        self.name = name
        self.w = [Value(rng.uniform(-1, 1), label=f"{name}.w{i}") for i in range(nin)]
        self.b = Value(0.0, label=f"{name}.b")

    def __call__(self, x: Input) -> Value:
        """``act(b + w . x)`` on ``len(w)`` inputs (numbers or Values), inside the scope ``N<j>``."""
        try:
            n = len(x)
        except TypeError:
            raise TypeError(
                f"{self.name}: expects a list of {len(self.w)} inputs, got {type(x).__name__} {x!r}"
            ) from None
        if n != len(self.w):
            raise ValueError(f"{self.name}: expects {len(self.w)} inputs, got {n}")
        token = enter_scope(_scope(self.name))  # with autodiff.scope(...), at under half the cost
        try:
            return _ACTIVATION[self.activation][0](autodiff.dot(self.w, x, self.b))
        finally:
            leave_scope(token)

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs: the weights ``<name>.w<i>``, then the bias ``<name>.b``."""
        # structural names (what nn.save writes), not the labels, which are the user's to change
        n = self.name
        return [(f"{n}.w{i}", p) for i, p in enumerate(self.w)] + [(f"{n}.b", self.b)]

    def parameters(self) -> list[Value]:
        """The weights, then the bias."""
        return self.w + [self.b]

    def config(self) -> dict:
        """``nin``, ``activation`` and ``name``: what ``nn.save`` writes to rebuild it."""
        return {"nin": len(self.w), "activation": self.activation, "name": self.name}

    def __repr__(self) -> str:
        """micrograd's form: ``ReLUNeuron(3)``, ``LinearNeuron(3)``, ``TanhNeuron(3)``."""
        return f"{_ACTIVATION[self.activation][1]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons over the same inputs; a one-output layer returns a single Value.

    ``seed``: see the module docstring (``None`` draws from the global ``random``).
    """

    name: str
    """Its structural name (``L0``): the prefix of its neurons' names and its scope."""

    neurons: list[Neuron]
    """Its ``nout`` neurons, named ``<name>.N<j>``."""

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
        nin = positive_int(nin, "nin", "Layer")
        nout = positive_int(nout, "nout", "Layer")
        act = _activation(nonlin, activation, "Layer")
        name = module_name(name, "Layer")
        rng = make_rng(seed, "Layer")
        self.name = name
        self.neurons = [Neuron(nin, activation=act, seed=rng, name=f"{name}.N{j}") for j in range(nout)]

    def __call__(self, x: Input) -> Value | list[Value]:
        """Each neuron on ``x``, inside the scope ``L<i>``: a list of Values, or one Value if ``nout == 1``."""
        token = enter_scope(_scope(self.name))
        try:
            out = [n(x) for n in self.neurons]
        finally:
            leave_scope(token)
        return out[0] if len(out) == 1 else out

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Each neuron's ``(name, parameter)`` pairs, neuron by neuron."""
        return [pair for n in self.neurons for pair in n.named_parameters()]

    def parameters(self) -> list[Value]:
        """Each neuron's parameters, neuron by neuron."""
        return [p for n in self.neurons for p in n.parameters()]

    def config(self) -> dict:
        """``nin``, ``nout``, ``activation`` and ``name``: what ``nn.save`` writes to rebuild it."""
        return {
            "nin": len(self.neurons[0].w),
            "nout": len(self.neurons),
            "activation": self.neurons[0].activation,
            "name": self.name,
        }

    def __repr__(self) -> str:
        """micrograd's form: ``Layer of [ReLUNeuron(2), ReLUNeuron(2)]``."""
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` after ``nin`` inputs.

    Hidden layers use ``activation`` (ReLU by default), the last layer
    ``output_activation`` (linear by default); ``activation`` may also be a list
    with one entry per layer. One output gives a Value, more give a list.
    ``seed``: see the module docstring; with ``seed=None``, ``random.seed(k)``
    then ``MLP(nin, nouts)`` gives micrograd's ``MLP(nin, nouts)`` weights.
    Every argument is checked before any weight is drawn.
    """

    layers: list[Layer]
    """Its layers, named ``L0``, ``L1`` ...; the last one gives the output."""

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str | Sequence[str] = "relu",
        output_activation: str = "linear",
        seed: Seed = None,
    ) -> None:
        nin = positive_int(nin, "nin", "MLP")
        if isinstance(nouts, (str, bytes)) or not hasattr(nouts, "__iter__") or isinstance(nouts, dict):
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [positive_int(n, f"nouts[{i}]", "MLP") for i, n in enumerate(list(nouts))]
        if not sizes:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        if isinstance(activation, str):
            acts = [activation] * (len(sizes) - 1) + [output_activation]
        elif hasattr(activation, "__iter__") and not isinstance(activation, (bytes, dict)):
            acts = list(activation)
            if len(acts) != len(sizes):
                raise ValueError(f"MLP: {len(acts)} activations for {len(sizes)} layers; give one per layer")
        else:
            raise ValueError(f"MLP: activation must be a name or a list of names, got {activation!r}")
        for a in acts:  # names only: None is not "the default" here
            if not isinstance(a, str) or a not in ACTIVATIONS:
                raise ValueError(f"MLP: activation must be one of {', '.join(ACTIVATIONS)}; got {a!r}")
        rng = make_rng(seed, "MLP")
        sizes = [nin] + sizes
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=acts[i], seed=rng, name=f"L{i}") for i in range(len(acts))
        ]

    def __call__(self, x: Input) -> Value | list[Value]:
        """The layers in turn on ``x``, inside the scope ``MLP``: one Value for one output, else a list."""
        out: Any = x  # the input, then each layer's output as a list
        token = enter_scope("MLP")
        try:
            for layer in self.layers:
                out = layer(out)
                if isinstance(out, Value):
                    out = [out]
        finally:
            leave_scope(token)
        return out[0] if len(out) == 1 else out

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Each layer's ``(name, parameter)`` pairs, layer by layer (``L0.N0.w0`` first)."""
        return [pair for layer in self.layers for pair in layer.named_parameters()]

    def parameters(self) -> list[Value]:
        """Each layer's parameters, layer by layer: micrograd's order."""
        return [p for layer in self.layers for p in layer.parameters()]

    def config(self) -> dict:
        """``nin``, ``nouts`` and the activation of each layer: what ``nn.save`` writes to rebuild it."""
        return {
            "nin": len(self.layers[0].neurons[0].w),
            "nouts": [len(layer.neurons) for layer in self.layers],
            "activation": [layer.neurons[0].activation for layer in self.layers],
        }

    def __repr__(self) -> str:
        """micrograd's form: ``MLP of [Layer of [...], ...]``."""
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
