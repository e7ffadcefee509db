"""Neurons, layers and MLPs, built only from engine ops.

Signatures, parameter order (per neuron: weights, then bias) and the
initialisation (``random.uniform(-1, 1)`` weights, zero bias, drawn from
Python's global ``random``) are micrograd's, so a seeded micrograd model
and a seeded chainrule model start from the same weights.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from engine import Value, dot

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}


def _activation(name: str) -> Callable[[Value], Value] | None:
    if name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}"
        )
    return ACTIVATIONS[name]


def _as_inputs(x: Any, nin: int, who: str) -> list[Value]:
    if isinstance(x, (Value, int, float)):
        x = [x]
    try:
        xs = list(x)
    except TypeError:
        raise TypeError(
            f"{who} takes a list of {nin} numbers or Values, got {type(x).__name__}"
        ) from None
    if len(xs) != nin:
        raise ValueError(
            f"{who} expects {nin} input{'s' if nin != 1 else ''}, got {len(xs)}. "
            "Check the model's input width against your data."
        )
    # Wrap plain numbers once here rather than once per neuron.
    return [v if isinstance(v, Value) else Value(v) for v in xs]


class Module:
    """Base class: anything that owns parameters."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        """Reset every parameter's ``grad`` to 0.0 before the next backward."""
        for p in self.parameters():
            p.grad = 0.0

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """``(name, parameter)`` pairs, e.g. ``('layers[0].neurons[3].w[1]', p)``."""
        yield from ()

    def num_parameters(self) -> int:
        return len(self.parameters())


class Neuron(Module):
    """``act(w . x + b)``: one fused dot node, then the activation."""

    def __init__(self, nin: int, nonlin: bool = True, activation: str | None = None) -> None:
        if not isinstance(nin, int) or isinstance(nin, bool) or nin < 1:
            raise ValueError(f"nin must be a positive int, got {nin!r}")
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = activation if activation is not None else ("relu" if nonlin else "linear")
        self._act = _activation(self.activation)
        self.nonlin = self.activation != "linear"

    def __call__(self, x: Sequence[Value | float]) -> Value:
        xs = _as_inputs(x, len(self.w), repr(self))
        return self._forward(xs)

    def _forward(self, xs: Sequence[Value]) -> Value:
        act = dot(self.w, xs, self.b)
        return act if self._act is None else self._act(act)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, w in enumerate(self.w):
            yield f"w[{i}]", w
        yield "b", self.b

    def __repr__(self) -> str:
        name = "ReLU" if self.activation == "relu" else self.activation.capitalize()
        return f"{name}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all see the same inputs."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        if not isinstance(nout, int) or isinstance(nout, bool) or nout < 1:
            raise ValueError(f"nout must be a positive int, got {nout!r}")
        self.nin = nin
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        xs = _as_inputs(x, self.nin, repr(self))
        out = [n._forward(xs) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, n in enumerate(self.neurons):
            for name, p in n.named_parameters():
                yield f"neurons[{i}].{name}", p

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {len(self.neurons)}, {self.neurons[0].activation})"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])``.

    Hidden layers use ``activation`` (ReLU by default, as in micrograd); the
    last layer is linear. A width-1 output is returned as a single Value.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu") -> None:
        _activation(activation)
        if isinstance(nouts, int) or not list(nouts):
            raise ValueError(f"nouts must be a non-empty list of layer widths, got {nouts!r}")
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=activation if i != last else "linear")
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out: Any = x
        for layer in self.layers:
            out = layer(out)
        result: Value | list[Value] = out
        return result

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"layers[{i}].{name}", p

    def __repr__(self) -> str:
        widths = [self.layers[0].nin] + [len(layer.neurons) for layer in self.layers]
        act = self.layers[0].neurons[0].activation if len(self.layers) > 1 else "linear"
        return f"MLP({' -> '.join(map(str, widths))}, {act}, {self.num_parameters()} parameters)"
