"""What it costs that a failing backward() puts every gradient back.

``backward()`` notes every leaf's ``.grad`` before the pass (the walk marks
and lists each leaf, then one list holds their gradients), so that a pass
that fails on a stale graph, or is interrupted, can undo itself.
This script times that against the same pass without the notes, on
micrograd's demo step: 100 moons points, an MLP 2-16-16-1, mean hinge loss
plus 1e-4 L2 on every parameter.

    python benchmarks/bench_backward_undo.py            # about 20 seconds
    python benchmarks/bench_backward_undo.py --rounds 5 # quicker, noisier

Two timings, each the median over rounds of the ratio guarded / plain, with
the two run in alternating blocks of several calls and a ``gc.collect()``
between blocks (CPU time, ``time.process_time``):

* backward only: ``model.zero_grad()`` untimed, then ``loss.backward()``;
* the whole training step: forward, zero_grad, backward and the update.

Measured on a shared 2-core machine (15 rounds): backward only 1.03x
(quartiles 0.995 .. 1.050), the whole step 0.98x (0.969 .. 0.988, within
the noise).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from operator import attrgetter
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine
from engine import Value
from engine.core.backward import backward as guarded_backward
from engine.core.backward import float_pass
from nn import MLP, make_moons

ALPHA = 1e-4
_grad_of = attrgetter("grad")
_creation_order = attrgetter("_seq")


def nodes_only(root: Value) -> list[Value]:
    """The backward walk without the leaves: it neither lists nor marks them."""
    mark = object()
    root._mark = mark
    nodes, stack = [root], [root]
    while stack:
        for parent in stack.pop()._prev:
            if parent._prev and parent._mark is not mark:
                parent._mark = mark
                stack.append(parent)
                nodes.append(parent)
    nodes.sort(key=_creation_order)
    return nodes


def plain_backward(root: Value, gradient: float = 1.0) -> None:
    """The pass as it was before it could undo itself (no leaf notes, no try)."""
    order = nodes_only(root) if root._prev else []
    if not order:
        root.grad += gradient
        return
    carried = any(map(_grad_of, order))
    if carried:
        earlier = [node.grad for node in order]
        for node in order:
            node.grad = 0.0
    root.grad = gradient
    float_pass(order, True)
    if carried:
        for node, g in zip(order, earlier):
            node.grad += g


Backward = Callable[[Value], None]


def make_step(model: MLP, X: list[list[float]], y: list[int]) -> Callable[[Backward, int], Value]:
    params = model.parameters()

    def step(backward: Backward, k: int) -> Value:
        inputs = [[Value(a), Value(b)] for a, b in X]
        scores = [cast(Value, model(x)) for x in inputs]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        loss = engine.sum(losses) * (1.0 / len(losses)) + ALPHA * engine.dot(params, params)
        model.zero_grad()
        backward(loss)
        lr = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= lr * p.grad
        return loss

    return step


def timed(block: Callable[[], float]) -> float:
    gc.collect()
    return block()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--block", type=int, default=5, help="calls per timed block")
    args = parser.parse_args()
    calls: int = args.block

    X, labels = make_moons(100, noise=0.1, seed=1)
    y = [2 * t - 1 for t in labels]
    random.seed(1)
    model = MLP(2, [16, 16, 1])
    step = make_step(model, X, y)
    loss = step(plain_backward, 0)  # a graph to run backward on, again and again

    def backward_block(backward: Backward) -> float:
        total = 0.0
        for _ in range(calls):
            model.zero_grad()
            start = time.process_time()
            backward(loss)
            total += time.process_time() - start
        return total / calls

    def step_block(backward: Backward) -> float:
        start = time.process_time()
        for k in range(calls):
            step(backward, k)
        return (time.process_time() - start) / calls

    for name, block in (("backward only", backward_block), ("whole step", step_block)):
        plain, guarded, ratios = [], [], []
        for _ in range(args.rounds):
            a = timed(lambda: block(plain_backward))  # noqa: B023 - used at once
            b = timed(lambda: block(guarded_backward))  # noqa: B023
            plain.append(a)
            guarded.append(b)
            ratios.append(b / a)
        print(
            f"{name:14s} plain {statistics.median(plain) * 1e3:6.2f} ms   "
            f"guarded {statistics.median(guarded) * 1e3:6.2f} ms   "
            f"ratio {statistics.median(ratios):.3f} "
            f"(quartiles {statistics.quantiles(ratios, n=4)[0]:.3f} .. "
            f"{statistics.quantiles(ratios, n=4)[2]:.3f})"
        )


if __name__ == "__main__":
    main()
