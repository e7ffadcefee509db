"""chainrule's neural-network layer, built only from ``engine`` ops.

Modules (``MLP``, ``Layer``, ``Neuron``, ``Dropout``), the training loop
(``fit`` and its callbacks), checkpoints (``save``/``load``), and the
submodules ``nn.optim``, ``nn.losses``, ``nn.init``, ``nn.data``,
``nn.metrics``, ``nn.blocks`` (``Sequential``, ``Residual``),
``nn.callbacks`` and ``nn.tuning`` (parameter grids over processes).
"""

from nn import blocks, callbacks, data, init, losses, metrics, optim, tuning
from nn.blocks import Residual, Sequential
from nn.callbacks import Stopwatch, TargetReached
from nn.data import make_moons
from nn.module import MLP, Dropout, Layer, Module, Neuron
from nn.serialize import CheckpointError, CheckpointWarning, load, save
from nn.train import Callback, EarlyStopping, History, LearningRateScheduler, fit

__all__ = [
    "MLP",
    "Callback",
    "CheckpointError",
    "CheckpointWarning",
    "Dropout",
    "EarlyStopping",
    "History",
    "Layer",
    "LearningRateScheduler",
    "Module",
    "Neuron",
    "Residual",
    "Sequential",
    "Stopwatch",
    "TargetReached",
    "blocks",
    "callbacks",
    "data",
    "fit",
    "init",
    "load",
    "losses",
    "make_moons",
    "metrics",
    "optim",
    "save",
    "tuning",
]
