"""nn: neurons, layers, MLPs, losses and optimizers built only from autodiff Values.

>>> from nn import MLP
>>> model = MLP(2, [4, 1], seed=0)
>>> len(model.parameters())
17
>>> model.parameters()[0].label
'L0.N0.w0'
"""

from . import data, losses, plot
from .data import blobs, make_moons, moons, spirals, xor
from .exporting import export, load_state
from .layers import MLP, Layer, Neuron
from .losses import (
    bce_with_logits,
    binary_cross_entropy,
    cross_entropy,
    half_squared_error,
    hinge,
    l2_penalty,
    log_softmax,
    mae,
    mse,
    softmax,
    squared_error,
    zero_one,
)
from .module import Module
from .optim import SGD, Adam, Optimizer
from .plot import LiveLoss, plot_decision_boundary, plot_history
from .saving import load, save
from .train import History, fit

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "SGD",
    "Adam",
    "Optimizer",
    "fit",
    "History",
    "plot_history",
    "plot_decision_boundary",
    "LiveLoss",
    "save",
    "load",
    "export",
    "load_state",
    "data",
    "plot",
    "losses",
    "moons",
    "spirals",
    "blobs",
    "xor",
    "make_moons",
    "squared_error",
    "half_squared_error",
    "mse",
    "mae",
    "hinge",
    "zero_one",
    "binary_cross_entropy",
    "bce_with_logits",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "l2_penalty",
]
