"""What the compiler's tests share: exact comparison and micrograd's demo loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine import Value
from nn import MLP


def bits(x: float) -> tuple[bool, str]:
    return (x != x, "nan" if x != x else x.hex())


def floats(item: Any) -> list[float]:
    if isinstance(item, Value):
        return [item.data]
    if isinstance(item, (list, tuple)):
        return [f for v in item for f in floats(v)]
    return [item]


def leaves(x: Any) -> Any:
    return [leaves(v) for v in x] if isinstance(x, list) else Value(x)


def assert_same(a: list[float], b: list[float]) -> None:
    assert len(a) == len(b)
    assert [bits(x) for x in a] == [bits(x) for x in b]


def demo_loss(model: MLP) -> Callable[..., Any]:
    def loss_fn(X: Any, y: Any) -> Any:  # as micrograd's demo writes it
        scores = list(map(model, X))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        return data_loss + reg_loss, scores

    return loss_fn
