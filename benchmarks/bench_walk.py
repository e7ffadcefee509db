"""The backward pass's walk: marks on the nodes against a set of visited nodes.

``engine.core.graph.order_and_leaves`` finds every node a loss depends on
by writing a token of its own into each node's ``_mark``; the way it did
before (and still does when another thread is marking) keeps a set of the
visited nodes. Both then sort the nodes by creation number. This script
times the two on two graphs:

* micrograd's demo loss: 100 moons points, MLP 2-16-16-1, hinge + L2
  (7,000 nodes, mostly dot products);
* one training word of the scalar GPT of ``benchmarks/gpt_eager.py``
  (76,000 values, every sum a chain of ``+``).

    python benchmarks/bench_walk.py             # about 20 seconds
    python benchmarks/bench_walk.py --rounds 5  # quicker, noisier

CPU time (``time.process_time``), the two walks in alternating blocks of
several walks with ``gc.collect()`` between blocks and the collector off
inside them; the ratio is the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine
from benchmarks.gpt_eager import WORDS, make_params, word_loss
from engine import Value
from engine.core.graph import _order_with_marks, _order_with_set
from nn import MLP, make_moons

Walk = Callable[[Value], tuple[list[Value], list[Value], bool]]


def demo_loss() -> Value:
    X, labels = make_moons(100, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    scores = [cast(Value, model(x)) for x in X]
    losses = [(1 - (2 * t - 1) * s).relu() for t, s in zip(labels, scores)]
    return engine.sum(losses) * (1 / len(losses)) + 1e-4 * engine.dot(params, params)


def gpt_loss() -> Value:
    return cast(Value, word_loss(WORDS[3], make_params(Value)))


def block(walk: Walk, root: Value, n: int) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        for _ in range(n):
            walk(root)
        return (time.process_time() - start) / n
    finally:
        gc.enable()


def compare(name: str, root: Value, rounds: int, per_block: int) -> None:
    marked, kept = _order_with_marks(root), _order_with_set(root)
    assert marked[0] == kept[0], "the walks found different nodes"
    assert set(marked[1]) == set(kept[1]), "the walks found different leaves"
    marks, sets = [], []
    for _ in range(rounds):
        marks.append(block(_order_with_marks, root, per_block))
        sets.append(block(_order_with_set, root, per_block))
    ratio = statistics.median(s / m for m, s in zip(marks, sets))
    q1, _, q3 = statistics.quantiles([s / m for m, s in zip(marks, sets)], n=4)
    print(
        f"{name:<34} {len(kept[0]):>7,} nodes  set {statistics.median(sets) * 1000:6.2f} ms"
        f"  marks {statistics.median(marks) * 1000:6.2f} ms  {ratio:.2f}x ({q1:.2f}-{q3:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    print("walk and sort, CPU per walk (median over rounds); marks faster by (quartiles)")
    compare("micrograd's demo loss", demo_loss(), args.rounds, 10)
    compare("scalar GPT, one word", gpt_loss(), args.rounds, 2)


if __name__ == "__main__":
    main()
