"""Article table 2: SGD, momentum and Adam: iterations to a target loss, optimizer memory.

    python -m demos.optimizers [--quick] [--seed 0] [--out demo-output]

Full-batch training (one iteration = one step on the whole training set,
so the loss logged for an iteration is exactly the training loss), from the
same initial weights per seed, until the training loss reaches the target,
over 5 seeds. Memory is the optimizer's own state, counted rather than
timed: the buffers it keeps per parameter (Python floats of 24 bytes each,
in lists), measured with ``sys.getsizeof``; it is the same on every run.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from demos._common import (
    Result,
    Row,
    Run,
    Spec,
    Table,
    cli,
    moons,
    quick_checks,
    seeds_for,
    train,
)
from demos._plots import figure, log_scale, positive_band, save
from demos._stats import PAIRED_RULE, Spread, judge, spread
from nn import MLP
from nn.optim import SGD, Adam, Optimizer

OPTIMIZERS: dict[str, dict[str, Any]] = {
    "SGD": {"optimizer": "SGD", "lr": 0.5, "momentum": 0.0},
    "momentum": {"optimizer": "SGD", "lr": 0.5, "momentum": 0.9},
    "Adam": {"optimizer": "Adam", "lr": 0.02},
}
ARTICLE = Table(
    ["algorithm", "convergence speed (iterations)", "memory consumption (MB)"],
    [
        ["Stochastic Gradient Descent", 5000, 20],
        ["Momentum Gradient Descent", 3000, 22],
        ["Adam", 2000, 24],
    ],
)


def state_bytes(optimizer: Optimizer) -> int:
    """Bytes held by the optimizer's state buffers: the lists and their floats."""
    return sum(
        sys.getsizeof(buf) + sum(sys.getsizeof(x) for x in buf) for buf in optimizer.state.values()
    )


def stepped_state(name: str, widths: tuple[int, ...]) -> tuple[int, int]:
    """State floats per parameter and state bytes of optimizer ``name`` after one step."""
    params = MLP(2, list(widths)).parameters()
    for p in params:
        p.grad = 0.1
    settings = OPTIMIZERS[name]
    optimizer: Optimizer = (
        Adam(params, lr=settings["lr"])
        if name == "Adam"
        else SGD(params, lr=settings["lr"], momentum=settings["momentum"])
    )
    optimizer.step()
    floats = sum(len(buf) for buf in optimizer.state.values())
    return floats // len(params), state_bytes(optimizer)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    n, target, budget = (30, 0.45, 15) if quick else (40, 0.25, 200)
    base = Spec(seed, n_train=n, batch_size=n, epochs=budget, stop_below=target)
    runs = {
        name: [train(replace(base, seed=s, **kw)) for s in seeds] for name, kw in OPTIMIZERS.items()
    }
    iterations = {
        name: spread([r.epochs_to(target) for r in rs], budget) for name, rs in runs.items()
    }
    state = {name: stepped_state(name, base.widths) for name in OPTIMIZERS}
    kilobytes = {name: Spread((state[name][1] / 1e3,) * len(seeds)) for name in OPTIMIZERS}
    rows: list[Row] = [
        {
            "optimizer": name,
            "settings": replace(base, **kw).optimizer_text(),
            "iterations to target": iterations[name],
            "last loss": spread([r.losses[-1] for r in runs[name]]),
            "state floats per parameter": state[name][0],
            "optimizer state (KB)": state[name][1] / 1e3,
        }
        for name, kw in OPTIMIZERS.items()
    ]
    names = list(OPTIMIZERS)
    checks = quick_checks(
        [
            judge(
                "iterations to the target loss",
                names,
                [5000, 3000, 2000],
                "SGD 5000, momentum 3000, Adam 2000",
                [iterations[n] for n in names],
                ".0f",
                quick,
            ),
            judge(
                "optimizer memory (counted: the same on every run)",
                names,
                [20, 22, 24],
                "20, 22, 24 MB",
                [kilobytes[n] for n in names],
                ".1f",
                quick,
            ),
        ],
        quick,
    )
    plot = _plot(runs, target, out)
    return Result(
        "optimizers",
        "2. Gradient descent algorithms",
        "Adam needs the fewest iterations, then momentum, then SGD; memory grows in the same order",
        list(rows[0]),
        rows,
        {"iterations to target": ".0f", "last loss": ".3f", "optimizer state (KB)": ".1f"},
        plot,
        {
            "task": moons(seed, n, base.n_test).description,
            "model": base.model_text(),
            "loss": "bce_with_logits",
            "batch": f"full batch ({n} points)",
            "target": f"training loss <= {target}",
            "max iterations": f"{budget} (a run that never reaches the target counts as {budget})",
            "optimizers": ", ".join(str(r["settings"]) for r in rows),
        },
        checks,
        [PAIRED_RULE.format(floor="0")],
        "The dashed line is the target: the iteration where a band crosses it is the "
        "table's count, and the band's width is how much the seed moves it.",
        seeds,
        quick,
        ARTICLE,
    )


def _plot(runs: dict[str, list[Run]], target: float, out: Path) -> Path:
    fig, axes = figure(1, width=8)
    ax = axes[0][0]
    for name, rs in runs.items():
        positive_band(ax, [r.losses for r in rs], name)
    ax.axhline(target, color="black", linestyle="--", label=f"target loss {target:g}")
    ax.set(
        xlabel="iteration (full-batch step)",
        ylabel="training loss (BCE, log scale)",
        title="Geometric mean ± std over seeds; each run stops at the target",
    )
    log_scale(ax)
    ax.legend()
    return save(fig, out, "optimizers", "SGD vs momentum vs Adam: the race to a target loss")


main = cli(run, "SGD, momentum and Adam: iterations to a target loss and optimizer memory.")

if __name__ == "__main__":
    raise SystemExit(main())
