"""Does explain() (and backward_source()) take time linear in the graph?

Three graph shapes, each at n and 10n values (limits lifted with
``max_nodes=None``):

* chain: ``-(-(-x))``, one path of n edges (listed edge by edge);
* wide: ``engine.sum`` of n/2 products ``x * c``, n/2 paths (more than
  max_paths, so the backward-pass view, where the sum is met once per path);
* doubling: ``y = y + y``, 2**n paths (a count of thousands of digits).

For each, rounds alternate blocks of the small and the large graph, with
``gc.collect()`` between, timing CPU time (``time.process_time``); the
report gives the median over rounds of time(10n) / time(n). Linear work
gives about 10, quadratic about 100.

    python benchmarks/bench_explain.py            # about a minute
    python benchmarks/bench_explain.py --n 500 --rounds 3
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine
from engine import Value


def chain(n: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    y = x
    for _ in range(n - 1):
        y = -y
    return y, x


def wide(n: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    return engine.sum([x * float(i + 1) for i in range(n // 2)]), x


def doubling(n: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    y = x
    for _ in range(n):
        y = y + y
    return y, x


SHAPES: dict[str, Callable[[int], tuple[Value, Value]]] = {
    "chain": chain,
    "wide": wide,
    "doubling": doubling,
}


def cpu_seconds(work: Callable[[], object]) -> float:
    gc.collect()
    start = time.process_time()
    work()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="the smaller size (default 1000)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    small, large = args.n, 10 * args.n
    print(f"CPU seconds per call (median of {args.rounds} rounds); ratio = {large} / {small}")
    print(f"{'graph':<10} {'tool':<16} {small:>9} {large:>9} {'ratio':>7}")
    for shape, build in SHAPES.items():
        graphs = {n: build(n) for n in (small, large)}
        tools: dict[str, Callable[[Value, Value], object]] = {
            "explain": lambda root, x: engine.explain(root, x, max_nodes=None),
            "backward_source": lambda root, x: engine.backward_source(root, max_nodes=None),
        }
        for tool, run in tools.items():
            times: dict[int, list[float]] = {small: [], large: []}
            ratios = []
            for _ in range(args.rounds):
                for n in (small, large):
                    root, x = graphs[n]
                    times[n].append(cpu_seconds(lambda: run(root, x)))  # noqa: B023
                ratios.append(times[large][-1] / max(times[small][-1], 1e-9))
            t_small, t_large = (statistics.median(times[n]) for n in (small, large))
            print(
                f"{shape:<10} {tool:<16} {t_small:9.3f} {t_large:9.3f} "
                f"{statistics.median(ratios):7.1f}"
            )


if __name__ == "__main__":
    main()
