"""What the generated backward pass buys over a plain loop over the rules' vjps.

Usage: ``python benchmarks/bench_float_pass.py [--rounds R]``

The graph is micrograd's demo step as chainrule builds it (100 moons points,
MLP 2-16-16-1, hinge loss plus 1e-4 L2 on every parameter). Both passes run
over the same topological order, in blocks of several passes with a
``gc.collect()`` between blocks, and must give bit-identical gradients:

* the generated pass (:mod:`engine.core.float_pass`): each rule's formulas
  inlined, adding straight into ``.grad``;
* the plain loop: for each node, call ``rule.vjp`` and add what it returns.

Prints CPU ms per pass (medians) and the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine
from engine.core.backward import float_pass
from nn import MLP, make_moons

PASSES_PER_BLOCK = 5


def demo_loss() -> tuple[engine.Value, list[engine.Value]]:
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    X, y = make_moons(100, noise=0.1, seed=0)
    scores = [cast(engine.Value, model([engine.Value(a), engine.Value(b)])) for a, b in X]
    margins = [(1 + -(2 * yi - 1) * s).relu() for yi, s in zip(y, scores)]
    hinge = engine.sum(margins)
    l2 = engine.sum([p * p for p in model.parameters()])
    return hinge * (1.0 / len(X)) + 1e-4 * l2, model.parameters()


def vjp_loop(order: list[engine.Value]) -> None:
    for node in reversed(order):
        rule = node._rule
        assert rule is not None
        parents = node._prev
        local = rule.vjp(node.grad, node.data, *[p.data for p in parents], *node._ctx)
        for parent, amount in zip(parents, local):
            parent.grad += amount


Pass = Callable[[list[engine.Value]], None]


def run(pass_: Pass, root: engine.Value, order: list[engine.Value]) -> list[float]:
    """Gradients from zero, then the pass; every value's grad afterwards."""
    everything = [*order, *{p for node in order for p in node._prev}]
    for v in everything:
        v.grad = 0.0
    root.grad = 1.0
    pass_(order)
    return [v.grad for v in everything]


def block(pass_: Pass, root: engine.Value, order: list[engine.Value]) -> float:
    """CPU seconds per pass, timed over a block of passes (the pass alone)."""
    gc.collect()
    total = 0.0
    for _ in range(PASSES_PER_BLOCK):
        for v in order:
            v.grad = 0.0
        root.grad = 1.0
        start = time.process_time()
        pass_(order)
        total += time.process_time() - start
    return total / PASSES_PER_BLOCK


def every_node(order: list[engine.Value]) -> None:
    """The generated pass without its skipping of zero gradients, like the loop."""
    float_pass(order, False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    root, _ = demo_loss()
    order = engine.topological_order(root)
    generated, looped = run(every_node, root, order), run(vjp_loop, root, order)
    assert [repr(g) for g in generated] == [repr(g) for g in looped], "the passes disagree"
    fast, slow = [], []
    for _ in range(args.rounds):
        fast.append(block(every_node, root, order))
        slow.append(block(vjp_loop, root, order))
    ratio = statistics.median(s / f for f, s in zip(fast, slow))
    print(f"micrograd's demo step, {len(order)} nodes; CPU ms per backward pass (median)")
    print(f"  generated pass:     {statistics.median(fast) * 1000:7.2f}")
    print(f"  loop over vjp():    {statistics.median(slow) * 1000:7.2f}")
    print(f"  the generated pass is {ratio:.2f}x faster (median of {args.rounds} per-round ratios)")


if __name__ == "__main__":
    main()
