"""Optimizers and learning-rate schedulers with PyTorch's names, defaults and rules.

``nn.optim.optimizers`` holds SGD, Adam, AdamW, RMSprop and Adagrad (its
docstring says where we differ from torch, on purpose);
``nn.optim.lr_scheduler`` holds StepLR, ExponentialLR, CosineAnnealingLR
and LambdaLR. Both are importable from here, as in torch::

    from nn.optim import Adam, StepLR
"""

from nn.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, LambdaLR, LRScheduler, StepLR
from nn.optim.optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "Optimizer",
    "RMSprop",
    "StepLR",
]
