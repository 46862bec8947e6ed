"""nn modules: micrograd-compatible shapes, labels, seeds, activations."""

from __future__ import annotations

import math
import random

import pytest

import nn
from autodiff import Value, gradcheck


def test_micrograd_shapes_and_reprs():
    n = nn.Neuron(3)
    assert len(n.parameters()) == 4 and repr(n) == "ReLUNeuron(3)"
    assert repr(nn.Neuron(2, nonlin=False)) == "LinearNeuron(2)"
    layer = nn.Layer(3, 2)
    assert repr(layer) == "Layer of [ReLUNeuron(3), ReLUNeuron(3)]"
    mlp = nn.MLP(2, [16, 16, 1])
    assert len(mlp.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1  # 337, as micrograd's demo prints
    assert repr(mlp).startswith("MLP of [Layer of [ReLUNeuron(2)") and repr(mlp).endswith("LinearNeuron(16)]]")


def test_defaults_match_micrograd_init():
    n = nn.Neuron(50, seed=3)
    assert all(-1 <= w.data <= 1 for w in n.w) and n.b.data == 0.0
    assert len({w.data for w in n.w}) == 50


def test_one_output_returns_a_value_more_return_a_list():
    x = [1.0, -2.0]
    assert isinstance(nn.Layer(2, 1)(x), Value)
    assert isinstance(nn.MLP(2, [3, 1])(x), Value)
    out = nn.MLP(2, [3, 4])(x)
    assert isinstance(out, list) and len(out) == 4


def test_hidden_layer_of_one_neuron_feeds_the_next():
    mlp = nn.MLP(2, [1, 3, 1], activation="tanh", seed=5)
    hidden, middle, last = mlp.layers
    assert [len(n.w) for n in middle.neurons] == [1, 1, 1] and len(last.neurons[0].w) == 3
    for k, p in enumerate(mlp.parameters()):
        p.data = 0.1 * (k + 1) * (-1) ** k  # every weight and bias its own, non-zero
    x = [0.5, -1.5]
    out = mlp(x)
    out.backward()
    (w0, w1), b = hidden.neurons[0].w, hidden.neurons[0].b
    h = math.tanh(w0.data * x[0] + w1.data * x[1] + b.data)
    a = [math.tanh(n.w[0].data * h + n.b.data) for n in middle.neurons]
    u, d = last.neurons[0].w, last.neurons[0].b
    assert out.data == pytest.approx(sum(uj.data * aj for uj, aj in zip(u, a)) + d.data, rel=1e-12)
    # the one hidden value reaches every neuron of the next layer, and its gradient comes back from all three
    dh = sum(uj.data * (1 - aj**2) * n.w[0].data for uj, aj, n in zip(u, a, middle.neurons))
    assert w0.grad == pytest.approx(dh * (1 - h**2) * x[0], rel=1e-12)
    assert w1.grad == pytest.approx(dh * (1 - h**2) * x[1], rel=1e-12)


def test_labels_name_layer_neuron_and_weight():
    mlp = nn.MLP(2, [3, 1])
    names = [name for name, _ in mlp.named_parameters()]
    assert names[:4] == ["L0.N0.w0", "L0.N0.w1", "L0.N0.b", "L0.N1.w0"]
    assert names[-1] == "L1.N0.b"
    assert all(p.label == name for name, p in mlp.named_parameters())


def test_seeding_is_deterministic_and_private():
    state = random.getstate()
    a = [p.data for p in nn.MLP(2, [4, 1], seed=7).parameters()]
    b = [p.data for p in nn.MLP(2, [4, 1], seed=7).parameters()]
    c = [p.data for p in nn.MLP(2, [4, 1], seed=8).parameters()]
    rng = random.Random(7)
    d = [p.data for p in nn.MLP(2, [4, 1], seed=rng).parameters()]
    assert a == b == d and a != c
    assert random.getstate() == state  # the global generator was not touched


def test_neurons_of_a_layer_differ():
    layer = nn.Layer(3, 4, seed=0)
    assert len({tuple(w.data for w in n.w) for n in layer.neurons}) == 4


@pytest.mark.parametrize("act, fn", [("tanh", "tanh"), ("sigmoid", "sigmoid"), ("relu", "relu"), ("linear", "dot")])
def test_activations(act, fn):
    n = nn.Neuron(2, activation=act, seed=1)
    out = n([0.3, -0.7])
    assert out.op == fn
    assert gradcheck(lambda a, b: n([a, b]), [0.3, -0.7])


def test_mlp_activation_list_and_tanh_network_of_the_notes():
    # f = c + V tanh(b + W x): one tanh hidden layer and a linear output layer (004)
    net = nn.MLP(3, [4, 2], activation="tanh", seed=2)
    assert [layer.neurons[0].activation for layer in net.layers] == ["tanh", "linear"]
    net2 = nn.MLP(3, [4, 2], activation=["sigmoid", "tanh"])
    assert [layer.neurons[0].activation for layer in net2.layers] == ["sigmoid", "tanh"]


def test_zero_grad():
    mlp = nn.MLP(2, [3, 1])
    mlp([1.0, 2.0]).backward()
    assert any(p.grad for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


@pytest.mark.parametrize(
    "make, pattern",
    [
        (lambda: nn.Neuron(0), "nin must be a positive int"),
        (lambda: nn.Layer(2, 0), "nout must be a positive int"),
        (lambda: nn.MLP(2, []), "nouts must be a non-empty list"),
        (lambda: nn.MLP(2, 3), "nouts must be a non-empty list"),
        (lambda: nn.MLP(2, [3, 1], activation=["relu"]), "1 activations for 2 layers"),
        (lambda: nn.Neuron(2, activation="swish"), "activation must be one of relu, tanh, sigmoid, linear"),
        (
            lambda: nn.Neuron(2, seed="x"),
            "seed must be None \\(global random\\), an int or a random.Random, got str 'x'",
        ),
    ],
)
def test_bad_construction(make, pattern):
    with pytest.raises((ValueError, TypeError), match=pattern):
        make()


def test_wrong_input_length():
    with pytest.raises(ValueError, match="L0.N0: expects 2 inputs, got 3"):
        nn.MLP(2, [3, 1])([1.0, 2.0, 3.0])


@pytest.mark.parametrize("activation", [3, None, b"relu", {"relu": 1}], ids=repr)
def test_mlp_activation_that_is_neither_a_name_nor_a_list_is_refused_naming_it(activation):
    with pytest.raises(ValueError, match=f"MLP: activation must be a name or a list of names, got {activation!r}"):
        nn.MLP(2, [3, 1], activation=activation)


@pytest.mark.parametrize("x", [3.0, Value(3.0), None], ids=repr)
def test_a_neuron_called_on_one_value_asks_for_a_list_of_inputs(x):
    neuron = nn.Neuron(2, seed=0, name="L1.N4")
    with pytest.raises(TypeError, match=f"^L1.N4: expects a list of 2 inputs, got {type(x).__name__} "):
        neuron(x)


def test_a_module_without_parameters_has_none_and_cannot_be_saved():
    class Empty(nn.Module):
        pass

    m = Empty()
    assert m.named_parameters() == [] and m.parameters() == []
    m.zero_grad()  # nothing to clear, no error
    with pytest.raises(NotImplementedError, match="Empty cannot be saved: it defines no config"):
        m.config()
