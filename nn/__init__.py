"""chainrule's neural-network layer, built only from ``engine`` ops.

Modules (``MLP``, ``Layer``, ``Neuron``, ``Dropout``), the training loop
(``fit``) and its callbacks (``EarlyStopping``, ``History``, ...),
checkpoints (``save``/``load``), and the submodules ``nn.optim``,
``nn.losses``, ``nn.init``, ``nn.data``, ``nn.metrics``, ``nn.blocks``
(``Sequential``, ``Residual``), ``nn.callbacks``, ``nn.layers`` and
``nn.module`` (the ``Module`` base class), ``nn.health``
(``GradientHealth``), ``nn.live`` (``LiveView``, a live view and training
film) and ``nn.utils`` (``clip_grad_norm_``).
"""

from nn import blocks, callbacks, data, init, layers, losses, metrics, optim
from nn.blocks import Residual, Sequential
from nn.callbacks import (
    Callback,
    EarlyStopping,
    History,
    LearningRateScheduler,
    Stopwatch,
    TargetReached,
)
from nn.data import make_moons
from nn.health import GradientHealth
from nn.layers import MLP, Dropout, Layer, Neuron
from nn.live import LiveView
from nn.module import Module
from nn.serialize import CheckpointError, CheckpointWarning, load, save
from nn.train import fit
from nn.utils import clip_grad_norm, clip_grad_norm_

__all__ = [
    "MLP",
    "Callback",
    "CheckpointError",
    "CheckpointWarning",
    "Dropout",
    "EarlyStopping",
    "GradientHealth",
    "History",
    "Layer",
    "LearningRateScheduler",
    "LiveView",
    "Module",
    "Neuron",
    "Residual",
    "Sequential",
    "Stopwatch",
    "TargetReached",
    "blocks",
    "callbacks",
    "clip_grad_norm",
    "clip_grad_norm_",
    "data",
    "fit",
    "init",
    "layers",
    "load",
    "losses",
    "make_moons",
    "metrics",
    "optim",
    "save",
]
