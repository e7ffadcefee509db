"""Eager chainrule against a minimal microgpt-style Value on a scalar GPT.

Usage: ``python benchmarks/bench_gpt.py [--steps N] [--rounds R]``

Each engine runs in its own process, as users run it (the cyclic garbage
collector sees only that engine's objects), training the same model from
the same weights on the same words (``benchmarks/gpt_eager.py``). Every
round starts a fresh process per engine, one after the other; each times a
block of steps after one warm-up step. The script prints each engine's CPU
time per step, the median of the per-round ratios to the baseline, and
checks that the loss trajectories agree to 1e-12.

chainrule runs four ways: the model's code exactly as the baseline runs it
(every sum a chain of ``+`` nodes), with and without the opt-in
``engine.pause_gc()`` around each step; and the same model adding up with
``engine.dot``/``engine.sum``, which make one node per sum (same numbers,
added in the same order), with and without the pause.
``--worker ENGINE`` is the child process's entry point.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.setrecursionlimit(100_000)  # the baseline's topological sort is recursive

from benchmarks.gpt_eager import WORDS, MiniValue, make_params, train_step, use_ops

ENGINES = ("micro", "chainrule", "chainrule+pause", "chainrule+fused", "chainrule+fused+pause")


def worker(engine_name: str, steps: int) -> dict[str, object]:
    """One untimed warm-up step, then ``steps`` steps timed as one block."""
    import engine

    params = make_params(MiniValue if engine_name == "micro" else engine.Value)
    # "+pause": the opt-in pause of the cyclic collector around each step;
    # "+fused": the same model with engine.dot / engine.sum (one node per sum)
    pause = engine.pause_gc if engine_name.endswith("+pause") else contextlib.nullcontext
    if "+fused" in engine_name:
        use_ops(engine.dot, engine.sum)
    losses = [train_step(WORDS[0], params)]
    gc.collect()
    start = time.process_time()
    for word in range(1, steps + 1):
        with pause():
            losses.append(train_step(WORDS[word % len(WORDS)], params))
    ms = (time.process_time() - start) / steps * 1000
    return {"losses": losses, "ms_per_step": ms}


def run(engine_name: str, steps: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", engine_name, f"--steps={steps}"],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


LABELS = {
    "chainrule": "chainrule eager",
    "chainrule+pause": "chainrule eager, pause_gc()",
    "chainrule+fused": "chainrule eager, engine.dot/sum",
    "chainrule+fused+pause": "chainrule eager, engine.dot/sum, pause_gc()",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=3, help="training steps per timed block")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--worker", choices=ENGINES)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.steps)))
        return
    ms: dict[str, list[float]] = {name: [] for name in ENGINES}
    ratios: dict[str, list[float]] = {name: [] for name in ENGINES[1:]}
    worst: dict[str, float] = dict.fromkeys(ENGINES[1:], 0.0)
    for _ in range(args.rounds):
        # One round: every engine in a fresh process, one after the other,
        # so that each round's ratios compare runs close together in time.
        results = {name: run(name, args.steps) for name in ENGINES}
        base = results["micro"]
        base_ms = cast(float, base["ms_per_step"])
        ms["micro"].append(base_ms)
        for name in ENGINES[1:]:
            ours = results[name]
            ms[name].append(cast(float, ours["ms_per_step"]))
            ratios[name].append(base_ms / ms[name][-1])
            pairs = zip(cast(list[float], ours["losses"]), cast(list[float], base["losses"]))
            worst[name] = max(worst[name], *(abs(x - y) / max(1.0, abs(y)) for x, y in pairs))
    print(f"scalar GPT: {args.rounds} rounds; in each, every engine in a fresh process of its")
    print(f"own runs {args.steps} timed training steps (CPU ms per step, median over rounds;")
    print("speed-up: median of the per-round ratios, quartiles in brackets)")
    print(f"  {'microgpt-style Value (baseline)':<44} {statistics.median(ms['micro']):8.1f}")
    for name in ENGINES[1:]:
        q1, _, q3 = statistics.quantiles(ratios[name], n=4)
        print(
            f"  {LABELS[name]:<44} {statistics.median(ms[name]):8.1f}  "
            f"{statistics.median(ratios[name]):5.2f}x faster ({q1:.2f}-{q3:.2f}); "
            f"losses within {worst[name]:.0e}"
        )
    if max(worst.values()) > 1e-12:
        raise SystemExit(f"the loss trajectories differ by {max(worst.values()):.1e} (> 1e-12)")


if __name__ == "__main__":
    main()
