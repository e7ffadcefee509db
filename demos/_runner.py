"""Running the report's demos: in this process, or spread over worker processes.

Most experiments are independent, so the report runs them in two groups on
two processes (``jobs=2``). Each group keeps its own cache of training runs
(``demos._common.train``), so experiments that share runs stay in the same
group. Experiments that time parallel work, or start worker processes of
their own, run afterwards alone in this process, so that nothing else
competes with them for the cores they measure.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import multiprocessing
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from demos._common import Result, clear_runs, timed_run

ALONE = ("tuning", "parallel")
# Experiments that reuse each other's training runs (the baseline MLP on moons).
SHARING = ("activations", "regularization", "linear_baseline", "cost_functions")
# Rough relative cost of each experiment, to balance the groups.
COST = {
    "activations": 6,
    "dropout": 5,
    "optimizers": 5,
    "schedules": 5,
    "initialization": 4,
    "adaptive": 4,
    "moons": 4,
    "learning_rate": 3,
    "regularization": 3,
    "batch_size": 3,
    "cost_functions": 2,
    "vanishing_gradient": 2,
    "minibatch_noise": 2,
}


@dataclass
class Printed:
    """A demo without ``run()``: what its ``main`` printed, and how long it took."""

    name: str
    output: str
    seconds: float


def run_demo(name: str, quick: bool, seed: int, out: Path) -> Result | Printed:
    """Run ``demos.<name>``: its ``run()`` if it has one, else its ``main(argv)``."""
    module = importlib.import_module(f"demos.{name}")
    if hasattr(module, "run"):
        return timed_run(module.run, quick, seed, out)
    # Such a demo keeps its own default seed (the moons demo's is the one that
    # reproduces micrograd's 100%); it prints the seed it used.
    argv = [*(["--quick"] if quick else []), "--out", str(out)]
    buffer = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(buffer):
        module.main(argv)
    # Keep only the final state of lines that a progress bar redrew with '\r'.
    text = "\n".join(line.rsplit("\r", 1)[-1] for line in buffer.getvalue().split("\n"))
    return Printed(name, text.strip(), time.perf_counter() - start)


def run_group(names: Sequence[str], quick: bool, seed: int, out: Path) -> list[Result | Printed]:
    """Run ``names`` one after another with a fresh cache of training runs."""
    clear_runs()
    return [run_demo(name, quick, seed, out) for name in names]


def plan(names: Sequence[str], jobs: int) -> list[list[str]]:
    """Split ``names`` into ``jobs`` groups of about equal cost, sharing experiments together."""
    units: list[list[str]] = [[n for n in names if n in SHARING]]
    units += [[n] for n in names if n not in SHARING]
    units = [u for u in units if u]
    units.sort(key=lambda u: -sum(COST.get(n, 1) for n in u))
    groups: list[list[str]] = [[] for _ in range(jobs)]
    for unit in units:
        lightest = min(groups, key=lambda g: sum(COST.get(n, 1) for n in g))
        lightest.extend(unit)
    return [g for g in groups if g]


def run_all(
    names: Sequence[str], quick: bool, seed: int, out: Path, jobs: int, progress: bool
) -> list[Result | Printed]:
    """Every demo in ``names``, in that order; see the module docstring for how."""
    alone = [n for n in names if n in ALONE]
    rest = [n for n in names if n not in ALONE]
    done: dict[str, Result | Printed] = {}

    def report(result: Result | Printed) -> None:
        done[result.name] = result
        if progress:
            cpu = f", {result.cpu_seconds:.1f} s CPU" if isinstance(result, Result) else ""
            print(f"  {result.name}: {result.seconds:.1f} s{cpu}", file=sys.stderr, flush=True)

    if jobs > 1 and len(rest) > 1:
        groups = plan(rest, jobs)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(len(groups), mp_context=context) as pool:
            futures = [pool.submit(run_group, g, quick, seed, out) for g in groups]
            for future in futures:
                for result in future.result():
                    report(result)
    else:
        clear_runs()
        for name in rest:
            report(run_demo(name, quick, seed, out))
    for name in alone:
        report(run_demo(name, quick, seed, out))
    return [done[name] for name in names]
