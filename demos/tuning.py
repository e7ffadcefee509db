"""Article table 10: a learning rate x batch size grid, and the accuracy of each cell.

    python -m demos.tuning [--quick] [--seed 0] [--out demo-output]

Every cell trains the same model from the same initial weights (per seed)
with Adam for the same number of epochs, and is scored on held-out points,
over 5 seeds. The article printed three hand-picked settings; the grid
around them shows where they sit among their neighbours. Cells run on two
worker processes (demos.grid); each cell seeds everything from its config,
so the numbers do not depend on the process that ran it.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

from demos._common import FIT_OPTIONS, Result, Row, Table, cli, moons, quick_checks, seeds_for
from demos._plots import figure, save
from demos._stats import PAIRED_RULE, Spread, judge, spread
from demos.grid import param_grid, run_grid
from nn import MLP, fit
from nn.metrics import accuracy
from nn.optim import Adam

LRS = (0.001, 0.005, 0.01)
BATCH_SIZES = (16, 32, 64)
ARTICLE_CELLS = {(0.01, 32): 94.8, (0.001, 64): 95.3, (0.005, 16): 96.1}
ARTICLE = Table(
    ["hyperparameters", "accuracy (%)"],
    [[f"Learning Rate = {lr}, Batch Size = {bs}", acc] for (lr, bs), acc in ARTICLE_CELLS.items()],
)
WIDTHS = [8, 8, 1]


def sizes(quick: bool) -> tuple[int, int]:
    """Training points and epochs per cell."""
    return (40, 3) if quick else (80, 15)


def train_and_score(config: dict[str, Any]) -> dict[str, Any]:
    """Train one cell of the grid; a top-level function, so worker processes can run it.

    Everything random is seeded from ``config``, so the numbers depend on the
    config alone, not on the process that runs it. Its steps are compiled
    unless ``config["compiled"]`` is False (the same numbers either way).
    """
    start, cpu = time.time(), time.process_time()
    task = moons(config["seed"], n_train=config["n"], n_test=config["n"])
    random.seed(config["seed"])
    model = MLP(2, WIDTHS, activation="tanh", init="xavier_uniform")
    history = fit(
        model,
        task.X_train,
        task.y_train,
        loss="bce_with_logits",
        optimizer=Adam(model.parameters(), lr=config["lr"]),
        epochs=config["epochs"],
        batch_size=config["batch_size"],
        verbose=False,
        seed=config["seed"],
        **(FIT_OPTIONS if config.get("compiled", True) else {}),
    )
    return {
        "test accuracy": accuracy(model, task.X_test, task.y_test),
        "final loss": history.history["loss"][-1],
        "pid": os.getpid(),
        "start": start,
        "end": time.time(),
        "cpu seconds": time.process_time() - cpu,
    }


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    n, epochs = sizes(quick)
    configs = param_grid(
        lr=list(LRS), batch_size=list(BATCH_SIZES), seed=seeds, n=[n], epochs=[epochs]
    )
    results = run_grid(train_and_score, configs, workers=2)
    per_seed: dict[tuple[float, int], list[float]] = {}
    for config, result in zip(configs, results):
        per_seed.setdefault((config["lr"], config["batch_size"]), []).append(
            result["test accuracy"]
        )
    score: dict[tuple[float, int], Spread] = {cell: spread(v) for cell, v in per_seed.items()}
    rows: list[Row] = [
        {"learning rate": lr, **{f"batch {bs}": score[lr, bs] for bs in BATCH_SIZES}} for lr in LRS
    ]
    cells = list(ARTICLE_CELLS)
    best = max(score, key=lambda cell: score[cell].mean)
    checks = quick_checks(
        [
            judge(
                "test accuracy of the article's three settings",
                [f"(lr {lr}, batch {bs})" for lr, bs in cells],
                list(ARTICLE_CELLS.values()),
                "94.8%, 95.3%, 96.1%",
                [score[cell] for cell in cells],
                "%",
                quick,
                floor=0.01,
            )
        ],
        quick,
    )
    plot = _plot(score, out)
    return Result(
        "tuning",
        "10. Hyperparameter tuning",
        "lr 0.005 with batch 16 beats lr 0.001 with batch 64, which beats lr 0.01 with batch 32",
        list(rows[0]),
        rows,
        {f"batch {bs}": "%" for bs in BATCH_SIZES},
        plot,
        {
            "task": moons(seed, n, n).description,
            "model": f"MLP(2, {WIDTHS}, 'tanh'), xavier_uniform",
            "loss": "bce_with_logits",
            "optimizer": "Adam(lr)",
            "epochs": epochs,
            "grid": f"lr {list(LRS)} x batch size {list(BATCH_SIZES)} x {len(seeds)} seeds",
            "workers": 2,
            "best cell": f"lr {best[0]}, batch {best[1]}: {score[best].text('%')}",
        },
        checks,
        [PAIRED_RULE.format(floor="1 point of accuracy")],
        "Read each cell as mean ± std: neighbouring cells whose spreads overlap are not "
        "really different, and the red boxes are the article's three settings.",
        seeds,
        quick,
        ARTICLE,
        data={"results": results},
    )


def _plot(score: dict[tuple[float, int], Spread], out: Path) -> Path:
    from matplotlib.patches import Rectangle

    fig, axes = figure(1, width=7, height=5)
    ax = axes[0][0]
    matrix = [[100 * score[lr, bs].mean for bs in BATCH_SIZES] for lr in LRS]
    image = ax.imshow(matrix, cmap="viridis", aspect="auto", origin="lower")
    middle = (min(map(min, matrix)) + max(map(max, matrix))) / 2
    for i, lr in enumerate(LRS):
        for j, bs in enumerate(BATCH_SIZES):
            cell = score[lr, bs]
            ax.text(
                j,
                i,
                f"{100 * cell.mean:.1f}%\n± {100 * cell.std:.1f}",
                ha="center",
                va="center",
                fontsize=11,
                color="white" if matrix[i][j] < middle else "black",
            )
            if (lr, bs) in ARTICLE_CELLS:
                ax.add_patch(
                    Rectangle(
                        (j - 0.48, i - 0.48), 0.96, 0.96, fill=False, edgecolor="red", linewidth=2.5
                    )
                )
    ax.set_xticks(range(len(BATCH_SIZES)), [str(bs) for bs in BATCH_SIZES])
    ax.set_yticks(range(len(LRS)), [str(lr) for lr in LRS])
    ax.set(
        xlabel="batch size",
        ylabel="learning rate (Adam)",
        title="Test accuracy, mean ± std over seeds (red: the article's settings)",
    )
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="mean test accuracy (%)")
    return save(fig, out, "tuning", "Learning rate x batch size grid")


main = cli(run, "A learning rate x batch size grid: test accuracy of every cell.")

if __name__ == "__main__":
    raise SystemExit(main())
