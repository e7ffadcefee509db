"""One op at a time: chainrule's Value against a microgpt-style Value and micrograd's.

Each op is evaluated many times on the same two leaves, the result kept in
a preallocated list (as a forward pass keeps its nodes) and freed with the
block. The baseline is the minimal microgpt-style ``Value`` of
``benchmarks/gpt_eager.py`` (``__slots__``, one constructor call per op,
children and local gradients stored per node); micrograd's ``Value`` (one
closure per node) is shown when installed.

    python benchmarks/bench_ops.py             # about 20 seconds
    python benchmarks/bench_ops.py --rounds 5  # quicker, noisier

CPU time (``time.process_time``) in blocks per engine with ``gc.collect()``
between blocks and the collector off inside them; the ratio is the median
of the per-round ratios, above 1 where chainrule is cheaper.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine
from benchmarks.gpt_eager import MiniValue

try:
    from micrograd.engine import Value as MicrogradValue
except ImportError:  # pragma: no cover - shown when installed
    MicrogradValue = None

OPS: dict[str, Callable[[Any, Any], Any]] = {
    "a * b": lambda a, b: a * b,
    "a + b": lambda a, b: a + b,
    "a * 2.0": lambda a, b: a * 2.0,
    "a - b": lambda a, b: a - b,
    "a / b": lambda a, b: a / b,
    "a.exp()": lambda a, b: a.exp(),
    "a.relu()": lambda a, b: a.relu(),
}
N = 20_000


def block(value_cls: type, expr: str) -> float:
    """CPU seconds per op over N evaluations of ``expr``, written out as source.

    The expression is compiled into a loop of its own so that each
    evaluation costs the op, not a call of a lambda around it.
    """
    source = f"def run(a, b, out):\n    for i in range({N}):\n        out[i] = {expr}\n"
    scope: dict[str, Any] = {}
    exec(compile(source, f"<{expr}>", "exec"), scope)  # our own fixed expressions
    a, b = value_cls(1.5), value_cls(0.75)
    out: list[Any] = [None] * N
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        scope["run"](a, b, out)
        elapsed = time.process_time() - start
    finally:
        gc.enable()
    del out
    return elapsed / N


def has_op(value_cls: type, expr: str) -> bool:
    """False where an engine lacks the op (micrograd's Value has no exp)."""
    try:
        OPS[expr](value_cls(1.5), value_cls(0.75))
    except (AttributeError, TypeError):
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    engines: list[tuple[str, type]] = [("microgpt-style", MiniValue), ("chainrule", engine.Value)]
    if MicrogradValue is not None:
        engines.append(("micrograd", MicrogradValue))
    print("ns per op (median over rounds); chainrule cheaper than microgpt-style by (quartiles)")
    print(f"{'':10}" + "".join(f"{name:>16}" for name, _ in engines) + f"{'ratio':>20}")
    for expr in OPS:
        able = [(name, cls) for name, cls in engines if has_op(cls, expr)]
        times: dict[str, list[float]] = {name: [] for name, _ in engines}
        for _ in range(args.rounds):
            for name, cls in able:
                times[name].append(block(cls, expr))
        ratios = [m / c for m, c in zip(times["microgpt-style"], times["chainrule"])]
        q1, _, q3 = statistics.quantiles(ratios, n=4)
        cells = "".join(
            f"{statistics.median(times[name]) * 1e9:16.0f}" if times[name] else f"{'-':>16}"
            for name, _ in engines
        )
        print(f"{expr:10}{cells}{statistics.median(ratios):10.2f}x ({q1:.2f}-{q3:.2f})")


if __name__ == "__main__":
    main()
