"""Building deeper networks from modules: ``Sequential`` and ``Residual``.

``Residual(f)`` computes ``x + f(x)``, the skip connection of a ResNet. On
the way back the ``+`` hands its incoming gradient to ``x`` unchanged, so
the gradient reaching an early layer is at least what arrives at the block's
output, however small ``f``'s own derivative is. That is why skip
connections ease the vanishing gradient problem.

>>> from nn import Layer
>>> block = Residual(Layer(3, 3, activation="tanh"))
>>> net = Sequential(Layer(2, 3, activation="tanh"), block, block, Layer(3, 1, activation="linear"))
>>> net
Sequential(Layer(2 -> 3, tanh), Residual(Layer(3 -> 3, tanh)), Residual(Layer(3 -> 3, tanh)), \
Layer(3 -> 1, linear))
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from engine import Value, scope
from nn.module import Module


class Sequential(Module):
    """Modules applied one after another: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    The same module may appear more than once (its weights are shared);
    ``parameters()`` lists each parameter once. Each child is named after
    its place, ``Sequential.layers[i]`` (a shared module after its last
    place), so that the values it computes carry that name and a drawing
    collapsed by layer shows one box per child.
    """

    def __init__(self, *layers: Module) -> None:
        if not layers:
            raise ValueError("Sequential needs at least one module")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential: argument {i} is a {type(layer).__name__}, not an nn.Module"
                )
        self.layers = list(layers)
        self.name_modules()

    def __call__(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for _, p in self.named_parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        seen: set[int] = set()
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield f"layers[{i}].{name}", p

    def __repr__(self) -> str:
        return f"Sequential({', '.join(map(repr, self.layers))})"


class Residual(Module):
    """``x + inner(x)``: a skip connection around ``inner``.

    ``inner`` must give as many outputs as it takes inputs (for example
    ``Layer(8, 8)``), so that the two can be added element by element.
    """

    def __init__(self, inner: Module) -> None:
        if not isinstance(inner, Module):
            raise TypeError(f"Residual wraps an nn.Module, got {type(inner).__name__}")
        self.inner = inner
        self.name_modules()

    def __call__(self, x: Any) -> Any:
        out = self.inner(x)
        # The skip additions belong to this block (the inner module tags its own values).
        with scope(self.path):
            if isinstance(out, Value):  # a one-wide block: Layer returns a single Value
                xs = x if isinstance(x, (Value, int, float)) else _single(x)
                return out + xs
            outs: Sequence[Value] = out
            if isinstance(x, (Value, int, float)) or len(x) != len(outs):
                width = 1 if isinstance(x, (Value, int, float)) else len(x)
                raise ValueError(
                    f"Residual: {self.inner!r} maps {width} inputs to {len(outs)} outputs; "
                    "a skip connection needs as many outputs as inputs"
                )
            return [o + xi for o, xi in zip(outs, x)]

    def parameters(self) -> list[Value]:
        return self.inner.parameters()

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for name, p in self.inner.named_parameters():
            yield f"inner.{name}", p

    def __repr__(self) -> str:
        return f"Residual({self.inner!r})"


def _single(x: Sequence[Any]) -> Any:
    if len(x) != 1:
        raise ValueError(
            f"Residual: the wrapped module gives 1 output for {len(x)} inputs; "
            "a skip connection needs as many outputs as inputs"
        )
    return x[0]


__all__ = ["Residual", "Sequential"]
