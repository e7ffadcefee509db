"""chainrule's neural-network layer, built only from ``engine`` ops.

Modules (``MLP``, ``Layer``, ``Neuron``, ``Dropout``), the training loop
(``fit`` and its callbacks), checkpoints (``save``/``load``), and the
submodules ``nn.optim``, ``nn.losses``, ``nn.init`` and ``nn.data``.
"""

from nn import data, init, losses, optim
from nn.data import make_moons
from nn.module import MLP, Dropout, Layer, Module, Neuron
from nn.serialize import CheckpointError, load, save
from nn.train import Callback, EarlyStopping, History, LearningRateScheduler, fit

__all__ = [
    "MLP",
    "Callback",
    "CheckpointError",
    "Dropout",
    "EarlyStopping",
    "History",
    "Layer",
    "LearningRateScheduler",
    "Module",
    "Neuron",
    "data",
    "fit",
    "init",
    "load",
    "losses",
    "make_moons",
    "optim",
    "save",
]
