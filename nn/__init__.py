"""chainrule's neural-network layer, built only from ``engine`` ops."""

from nn.data import make_moons
from nn.module import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron", "make_moons"]
