"""Article table 9, recast for a machine without a GPU: a grid on 1, 2 and 4 worker processes.

    python -m demos.parallel [--quick] [--seed 0] [--out demo-output]

The article times training on 1, 2 and 4 GPUs. This machine has no GPU,
and a scalar engine could not use one: what does run in parallel here is
many independent trainings, such as the cells of a hyperparameter grid.
So we time the same grid cells run in this process (1 worker) and on 2 and
4 worker processes, over several rounds that alternate the worker counts,
and check that every run computes exactly the same numbers. Each pool is
started (and warmed up: every worker has imported the code) before timing,
so the times compare the training work; the start-up cost is reported on
its own. More workers than CPU cores cannot speed anything up: they only
take turns on the same cores. The plot shows the ideal speed-up, the
article's numbers and ours.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from demos import tuning
from demos._common import Result, Row, Table, cli, quick_checks, seeds_for
from demos._plots import figure, save
from demos._stats import AGREES, DISAGREES, NOISE, TIME_FLOOR, UNTESTABLE, Check, ratio_sign

WORKERS = (1, 2, 4)
ARTICLE = Table(
    ["number of GPUs", "training time (s)", "speedup"],
    [[1, 120, "1x"], [2, 70, "1.7x"], [4, 40, "3x"]],
)
ARTICLE_SPEEDUP = {1: 1.0, 2: 1.7, 4: 3.0}


def warm(_: int) -> int:
    """Run in a worker so that it has imported everything before the timing starts."""
    tuning.sizes(True)
    return os.getpid()


def scores(results: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """What a grid computed, without when and where it ran."""
    return [(r["test accuracy"], r["final loss"]) for r in results]


def start_pool(workers: int) -> tuple[Executor, float]:
    """A pool of ``workers`` fresh processes, warmed up, and the seconds that took."""
    start = time.perf_counter()
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    list(pool.map(warm, range(4 * workers)))
    return pool, time.perf_counter() - start


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    n, epochs = (20, 2) if quick else (60, 8)
    # Eager cells: compiled ones finish in milliseconds, too little work to
    # pay for sending it to a worker, and this table is about sharing work out.
    configs = [
        {"seed": s, "n": n, "epochs": epochs, "lr": 0.01, "batch_size": bs, "compiled": False}
        for s in seeds
        for bs in (16, 32)
    ]
    rounds = 2 if quick else 5
    pools: dict[int, Executor | None] = {1: None}
    startup: dict[int, float] = {1: 0.0}
    for workers in WORKERS[1:]:
        pools[workers], startup[workers] = start_pool(workers)
    wall: dict[int, list[float]] = {w: [] for w in WORKERS}
    cpu: dict[int, list[float]] = {w: [] for w in WORKERS}
    results: dict[int, list[dict[str, Any]]] = {}
    try:
        for r in range(rounds):
            for workers in WORKERS[r % 3 :] + WORKERS[: r % 3]:
                pool = pools[workers]
                begin = time.perf_counter()
                if pool is None:
                    done = [tuning.train_and_score(c) for c in configs]
                else:
                    done = list(pool.map(tuning.train_and_score, configs))
                wall[workers].append(time.perf_counter() - begin)
                cpu[workers].append(sum(d["cpu seconds"] for d in done))
                results[workers] = done
    finally:
        for pool in pools.values():
            if pool is not None:
                pool.shutdown()
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    speedups = {w: [a / b for a, b in zip(wall[1], wall[w])] for w in WORKERS}
    same = {w: scores(results[w]) == scores(results[1]) for w in WORKERS}
    rows: list[Row] = [
        {
            "workers": w,
            "wall-clock per round (s, median)": statistics.median(wall[w]),
            "speed-up (median)": statistics.median(speedups[w]),
            "ideal on this machine": float(min(w, cores)),
            "the article's speed-up": ARTICLE_SPEEDUP[w],
            "cores kept busy": statistics.median(c / t for c, t in zip(cpu[w], wall[w])),
            "pool start-up (s)": startup[w],
            "same results as 1 worker": "yes" if same[w] else "NO",
        }
        for w in WORKERS
    ]
    checks = quick_checks([_check(2, 1, wall, cores), _check(4, 2, wall, cores)], quick)
    plot = _plot(speedups, cores, load, out)
    return Result(
        "parallel",
        "9. Parallel processing (worker processes, not GPUs)",
        "2 GPUs train 1.7x and 4 GPUs 3x as fast as one",
        list(rows[0]),
        rows,
        {
            "wall-clock per round (s, median)": ".2f",
            "speed-up (median)": ".2f",
            "ideal on this machine": ".0f",
            "the article's speed-up": ".1f",
            "cores kept busy": ".2f",
            "pool start-up (s)": ".2f",
        },
        plot,
        {
            "machine": f"no GPU; {cores} CPU cores; load average {load:.1f} before the run"
            if load is not None
            else f"no GPU; {cores} CPU cores",
            "grid": f"{len(configs)} cells: demos.tuning.train_and_score on {n} moons points, "
            f"Adam(lr=0.01), {epochs} epochs, batch 16 and 32, seeds {seeds[0]}-{seeds[-1]}, "
            "eager steps (not compiled)",
            "workers": f"{list(WORKERS)} (ProcessPoolExecutor, spawn, started and warmed "
            "before timing)",
            "rounds": f"{rounds}, the order of worker counts rotating each round",
        },
        checks,
        [
            f"Timing rule: the grid runs once per worker count in each of {rounds} rounds, the "
            "order rotating; a speed-up counts only if the 95% interval of the per-round log "
            f"ratios excludes 1 and the median is more than {TIME_FLOOR:.0%} away from 1; "
            "otherwise it is within noise. Wall-clock time is the point here, so the speed-up "
            "also depends on what else the machine runs (see the load average above).",
            f"A speed-up beyond the core count ({cores}) cannot be tested here: that check says "
            "'not testable here' and the measured number is shown for what it is.",
        ],
        "The dashed line is the most this machine's cores allow; the red squares are the "
        "article's GPUs; our points carry their range over the rounds.",
        seeds,
        quick,
        ARTICLE,
        data={"results": {w: scores(results[w]) for w in WORKERS}, "wall": wall},
    )


def _check(more: int, fewer: int, wall: dict[int, list[float]], cores: int) -> Check:
    sign, median, low, high = ratio_sign(wall[fewer], wall[more])
    ours = f"{median:.2f}x (95% interval {low:.2f}-{high:.2f})"
    article = f"{ARTICLE_SPEEDUP[more] / ARTICLE_SPEEDUP[fewer]:.2f}x"
    claim = f"{more} against {fewer} workers (GPUs in the article): speed-up"
    if more > cores:
        reason = f"this machine has {cores} CPU cores, so {more} workers cannot beat {cores}"
        return Check(claim, article, ours, UNTESTABLE, reason)
    verdict = AGREES if sign > 0 else DISAGREES if sign < 0 else NOISE
    return Check(claim, article, ours, verdict)


def _plot(speedups: dict[int, list[float]], cores: int, load: float | None, out: Path) -> Path:
    fig, axes = figure(1, width=7, height=5)
    ax = axes[0][0]
    ax.plot(WORKERS, [min(w, cores) for w in WORKERS], "k--", label=f"ideal on {cores} cores")
    ax.plot(WORKERS, WORKERS, ":", color="gray", label="ideal with a core per worker")
    ax.plot(
        WORKERS,
        [ARTICLE_SPEEDUP[w] for w in WORKERS],
        "s-",
        color="tab:red",
        label="the article (1, 2, 4 GPUs)",
    )
    medians = [statistics.median(speedups[w]) for w in WORKERS]
    lows = [m - min(speedups[w]) for m, w in zip(medians, WORKERS)]
    highs = [max(speedups[w]) - m for m, w in zip(medians, WORKERS)]
    ax.errorbar(
        WORKERS,
        medians,
        yerr=[lows, highs],
        fmt="o-",
        color="tab:blue",
        capsize=6,
        linewidth=2,
        label="measured here (median, range over rounds)"
        + ("" if load is None else f",\nload average {load:.1f} when it started"),
    )
    ax.set(
        xlabel="worker processes (GPUs in the article)",
        ylabel="speed-up over 1",
        xticks=list(WORKERS),
        title="Speed-up of a grid of trainings",
    )
    ax.legend()
    return save(fig, out, "parallel", "1, 2 and 4 workers on a machine with no GPU")


main = cli(run, "A grid of trainings on 1, 2 and 4 worker processes: the speed-up.")

if __name__ == "__main__":
    raise SystemExit(main())
