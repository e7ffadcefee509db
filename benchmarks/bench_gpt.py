"""Eager chainrule against a minimal microgpt-style Value on a scalar GPT.

Usage: ``python benchmarks/bench_gpt.py [--steps N] [--rounds R]``

Each engine runs in its own process, as users run it (the cyclic garbage
collector sees only that engine's objects), training the same model from
the same weights on the same words (``benchmarks/gpt_eager.py``). The
script prints each engine's CPU time per step (median over rounds) and
their ratio, and checks that the loss trajectories agree to 1e-12.

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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.setrecursionlimit(100_000)  # the baseline's topological sort is recursive

from benchmarks.gpt_eager import WORDS, MiniValue, make_params, train_step, use_ops

ENGINES = ("micro", "chainrule", "chainrule+pause", "chainrule+fused", "chainrule+fused+pause")


def worker(engine_name: str, steps: int, rounds: int) -> dict[str, object]:
    import engine

    params = make_params(MiniValue if engine_name == "micro" else engine.Value)
    # "+pause": the opt-in pause of the cyclic collector around each step;
    # "+fused": the same model with engine.dot / engine.sum (one node per sum)
    pause = engine.pause_gc if engine_name.endswith("+pause") else contextlib.nullcontext
    if "+fused" in engine_name:
        use_ops(engine.dot, engine.sum)
    losses: list[float] = []
    times: list[float] = []
    word = 0
    for _ in range(rounds):
        gc.collect()
        start = time.process_time()
        for _ in range(steps):
            with pause():
                losses.append(train_step(WORDS[word % len(WORDS)], params))
            word += 1
        times.append((time.process_time() - start) / steps)
    return {"losses": losses, "ms_per_step": [t * 1000 for t in times]}


def run(engine_name: str, steps: int, rounds: int) -> dict[str, object]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            engine_name,
            f"--steps={steps}",
            f"--rounds={rounds}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=5, help="training steps per timed round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--worker", choices=ENGINES)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.steps, args.rounds)))
        return
    results = {name: run(name, args.steps, args.rounds) for name in ENGINES}
    baseline = results["micro"]
    ms_base = statistics.median(baseline["ms_per_step"])  # type: ignore[arg-type]
    print(
        f"scalar GPT ({args.rounds} rounds of {args.steps} training steps; each engine in its own"
    )
    print("process; CPU ms per step, median over rounds)")
    print(f"  {'microgpt-style Value (baseline)':<44} {ms_base:8.1f}")
    worst_all = 0.0
    for name in ENGINES[1:]:
        ours = results[name]
        a, b = ours["losses"], baseline["losses"]
        assert isinstance(a, list)
        assert isinstance(b, list)
        worst = max(abs(x - y) / max(1.0, abs(y)) for x, y in zip(a, b))
        worst_all = max(worst_all, worst)
        ms = statistics.median(ours["ms_per_step"])  # type: ignore[arg-type]
        label = {
            "chainrule": "chainrule eager",
            "chainrule+pause": "chainrule eager, pause_gc()",
            "chainrule+fused": "chainrule eager, engine.dot/sum",
            "chainrule+fused+pause": "chainrule eager, engine.dot/sum, pause_gc()",
        }
        print(
            f"  {label[name]:<44} {ms:8.1f}  {ms_base / ms:5.2f}x faster; losses within {worst:.0e}"
        )
    if worst_all > 1e-12:
        raise SystemExit(f"the loss trajectories differ by {worst_all:.1e} (more than 1e-12)")


if __name__ == "__main__":
    main()
