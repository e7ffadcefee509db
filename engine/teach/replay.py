"""An exact replay of the backward pass on plain numbers, step by step.

The step page (:mod:`engine.viz.steps`) draws one frame per step of it.
Nothing here reads or writes ``.grad``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.core.graph import topological_order, values_in_order
from engine.core.value import Value
from engine.teach.source import pass_order

__all__ = ["PassStep", "Transfer", "replay_backward"]


@dataclass(frozen=True)
class Transfer:
    """One chain-rule step: ``node`` passes gradient to its parent ``index``."""

    index: int  # which parent, in node._prev
    parent: Value
    local: float  # d node / d parent along this edge: the formula with g = 1
    amount: float  # what is added to the parent's gradient: the formula with g
    before: float  # the parent's gradient before this step
    after: float  # ... and after it


@dataclass(frozen=True)
class PassStep:
    """One node of the backward pass, passing its gradient ``g`` on."""

    node: Value
    g: float
    transfers: tuple[Transfer, ...]


def replay_backward(
    root: Value, on_step: Callable[[PassStep, dict[Value, float]], None] | None = None
) -> tuple[list[PassStep], dict[Value, float]]:
    """Run the backward pass of ``root`` on copies of the numbers.

    Returns the steps, in the order ``root.backward()`` takes them, and the
    final gradient of every value: bit for bit what ``.grad`` holds after
    one ``root.backward()`` from zero grads. ``.grad`` is never read or
    written. ``on_step`` (if given) sees each step and the gradients right
    after it.
    """
    grads = dict.fromkeys(values_in_order(root), 0.0)
    grads[root] = 1.0
    steps: list[PassStep] = []
    for node in reversed(topological_order(root)):
        rule = node._rule
        assert rule is not None  # the order holds non-leaf nodes only
        g = grads[node]
        xs = [p.data for p in node._prev]
        amounts = rule.vjp(g, node.data, *xs, *node._ctx)
        locals_ = rule.vjp(1.0, node.data, *xs, *node._ctx)
        transfers = []
        for i in pass_order(node):
            parent = node._prev[i]
            before = grads[parent]
            grads[parent] = before + amounts[i]
            transfers.append(
                Transfer(i, parent, float(locals_[i]), float(amounts[i]), before, grads[parent])
            )
        step = PassStep(node, g, tuple(transfers))
        steps.append(step)
        if on_step is not None:
            on_step(step, grads)
    return steps, grads
