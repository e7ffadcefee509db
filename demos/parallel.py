"""Article table 9, recast: one hyperparameter grid run on 1 and on 2 worker processes.

    python -m demos.parallel [--quick] [--seed 0] [--out demo-output]

The article times training on 1, 2 and 4 GPUs. A scalar engine has no
GPU, and one small model cannot be split across processes usefully; what
does parallelise is running many independent trainings, such as the cells
of a hyperparameter grid (the grid of demos.tuning). We time the same grid
run in this process (1 worker) and on 2 worker processes, and check that
both give exactly the same numbers. The 2-worker time includes starting the
workers. The plot shows which worker ran which cell when.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from demos import tuning
from demos._common import TIME_TOL, Result, Row, Table, cli, compare, figure, save, sentence
from demos.grid import run_grid

WORKERS = (1, 2)
ARTICLE = Table(
    ["number of GPUs", "training time (s)", "speedup"],
    [[1, 120, "1x"], [2, 70, "1.7x"], [4, 40, "3x"]],
)
ARTICLE_SPEEDUP_2 = 1.7


def scores(results: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """What a grid run computed, without when and where it ran."""
    return [(r["test accuracy"], r["final loss"]) for r in results]


def cpu_seconds(results: list[dict[str, Any]]) -> float:
    """CPU time the cells used, summed over every process that ran them."""
    return float(sum(r["cpu seconds"] for r in results))


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    configs = tuning.grid(quick, seed)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    runs: dict[int, tuple[float, list[dict[str, Any]]]] = {}
    launched: dict[int, float] = {}
    for workers in WORKERS:
        launched[workers] = time.time()
        start = time.perf_counter()
        results = run_grid(tuning.train_and_score, configs, workers=workers)
        runs[workers] = time.perf_counter() - start, results
    serial_seconds = runs[1][0]
    baseline = scores(runs[1][1])
    rows: list[Row] = [
        {
            "workers": workers,
            "wall-clock time (s)": seconds,
            "speed-up": serial_seconds / seconds,
            "CPU time in cells (s)": cpu_seconds(results),
            "cores kept busy": cpu_seconds(results) / seconds,
            "same results as 1 worker": "yes" if scores(results) == baseline else "NO",
        }
        for workers, (seconds, results) in runs.items()
    ]
    plot = _plot(runs, launched, out)
    speedup = serial_seconds / runs[2][0]
    busy = cpu_seconds(runs[2][1]) / runs[2][0]
    others = (
        ""
        if load is None
        else f", whose load average was {load:.1f} before the run"
        + (" (other programs were using the cores)" if load > 0.5 else "")
    )
    verdict = sentence(
        [
            compare(
                "training time",
                ["1 worker", "2 workers"],
                [120, 70],
                [serial_seconds, runs[2][0]],
                TIME_TOL,
                ".2f",
            ),
            f"2 workers give a {speedup:.2f}x speed-up against the article's {ARTICLE_SPEEDUP_2}x "
            f"on 2 GPUs"
            + (
                " (more than 2x can only mean the 1-worker run was slowed down by something "
                "else: compare the CPU time in cells)"
                if speedup > 2.1
                else ""
            )
            + f"; they kept {busy:.2f} cores busy on average, on a machine with "
            f"{os.cpu_count()} CPU cores{others}",
        ]
    )
    n, epochs = tuning.sizes(quick)
    config = {
        "grid": f"{len(configs)} cells: lr {list(tuning.LRS)} x batch size "
        f"{list(tuning.BATCH_SIZES)}",
        "cell": f"demos.tuning.train_and_score: "
        f"MLP(2, [16, 16, 1], 'tanh') on {n} moons points, Adam, {epochs} epochs",
        "workers": list(WORKERS),
        "pool": "demos.grid.run_grid (spawn start method)",
        "CPU cores": os.cpu_count(),
        "load average before (1 min)": load,
        "seed": seed,
    }
    return Result(
        "parallel",
        "9. Parallel processing",
        "2 GPUs train 1.7x and 4 GPUs 3x as fast as one",
        list(rows[0]),
        rows,
        {
            "wall-clock time (s)": ".2f",
            "speed-up": ".2f",
            "CPU time in cells (s)": ".2f",
            "cores kept busy": ".2f",
        },
        plot,
        config,
        verdict,
        ARTICLE,
        data={"results": {w: scores(r) for w, (_, r) in runs.items()}},
    )


def _plot(
    runs: dict[int, tuple[float, list[dict[str, Any]]]], launched: dict[int, float], out: Path
) -> Path:
    fig, axes = figure(1, width=9, height=1.2 + 1.1 * sum(WORKERS))
    ax = axes[0][0]
    lane, labels = 0, []
    colours = {1: "tab:blue", 2: "tab:orange"}
    for workers, (seconds, results) in runs.items():
        t0 = launched[workers]
        pids = sorted(
            {r["pid"] for r in results},
            key=lambda p: min(r["start"] for r in results if r["pid"] == p),
        )
        for k, pid in enumerate(pids):
            cells = [(r["start"] - t0, r["end"] - r["start"]) for r in results if r["pid"] == pid]
            ax.broken_barh(
                cells,
                (lane - 0.35, 0.7),
                facecolors=colours[workers],
                edgecolors="white",
                linewidth=1.5,
            )
            labels.append(
                f"{workers} worker{'s' if workers > 1 else ''}: "
                f"{'this process' if workers == 1 else f'process {k + 1}'}"
            )
            lane += 1
        ax.annotate(
            f"total {seconds:.2f} s",
            (seconds, lane - 1),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            fontsize=10,
        )
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set(
        xlabel="seconds since the grid was launched (one block per grid cell)",
        title="Who trained which cell, and when (white space at the left: starting workers)",
    )
    ax.set_xlim(0, max(s for s, _ in runs.values()) * 1.2)
    return save(fig, out, "parallel", "A hyperparameter grid on 1 and 2 processes")


main = cli(run, "A hyperparameter grid on 1 and 2 worker processes: the speed-up.")

if __name__ == "__main__":
    raise SystemExit(main())
