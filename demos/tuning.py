"""Article table 10: a learning rate x batch size grid, and the accuracy of each cell.

    python -m demos.tuning [--quick] [--seed 0] [--out demo-output]

Every cell trains the same model from the same initial weights with Adam
for the same number of epochs, and is scored on held-out points. The
article printed three hand-picked settings; the grid shows where they sit
among their neighbours. Cells run on two worker processes (demos.grid).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

from demos._common import (
    ACCURACY_TOL,
    Result,
    Row,
    Table,
    cli,
    compare,
    figure,
    moons,
    save,
    sentence,
)
from demos.grid import param_grid, run_grid
from nn import MLP, fit
from nn.metrics import accuracy
from nn.optim import Adam

LRS = (0.001, 0.005, 0.01, 0.05, 0.1)
BATCH_SIZES = (16, 32, 64)
ARTICLE_CELLS = {(0.01, 32): 94.8, (0.001, 64): 95.3, (0.005, 16): 96.1}
ARTICLE = Table(
    ["hyperparameters", "accuracy (%)"],
    [[f"Learning Rate = {lr}, Batch Size = {bs}", acc] for (lr, bs), acc in ARTICLE_CELLS.items()],
)


def sizes(quick: bool) -> tuple[int, int]:
    """Training points and epochs per cell."""
    return (80, 6) if quick else (200, 60)


def train_and_score(config: dict[str, Any]) -> dict[str, Any]:
    """Train one cell of the grid; a top-level function, so worker processes can run it.

    Everything random is seeded from ``config``, so the numbers depend on the
    config alone, not on the process that runs it.
    """
    start, cpu = time.time(), time.process_time()
    task = moons(config["seed"], n_train=config["n"], n_test=config["n"])
    random.seed(config["seed"])
    model = MLP(2, [16, 16, 1], activation="tanh", init="xavier_uniform")
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
    )
    return {
        "test accuracy": accuracy(model, task.X_test, task.y_test),
        "final loss": history.history["loss"][-1],
        "pid": os.getpid(),
        "start": start,
        "end": time.time(),
        "cpu seconds": time.process_time() - cpu,
    }


def grid(quick: bool, seed: int) -> list[dict[str, Any]]:
    n, epochs = sizes(quick)
    return param_grid(
        seed=[seed], n=[n], epochs=[epochs], lr=list(LRS), batch_size=list(BATCH_SIZES)
    )


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    configs = grid(quick, seed)
    n, epochs = sizes(quick)
    results = run_grid(train_and_score, configs, workers=2)
    score = {(c["lr"], c["batch_size"]): r["test accuracy"] for c, r in zip(configs, results)}
    rows: list[Row] = [
        {"learning rate": lr, **{f"batch {bs}": score[lr, bs] for bs in BATCH_SIZES}} for lr in LRS
    ]
    best = max(score, key=lambda cell: score[cell])
    plot = _plot(score, out)
    cells = list(ARTICLE_CELLS)
    verdict = sentence(
        [
            compare(
                "accuracy of the article's three settings",
                [f"(lr {lr}, batch {bs})" for lr, bs in cells],
                list(ARTICLE_CELLS.values()),
                [score[cell] for cell in cells],
                ACCURACY_TOL,
                ".1%",
            ),
            f"our best cell is lr {best[0]}, batch {best[1]} at {score[best]:.1%}, against the "
            f"article's best {max(ARTICLE_CELLS.values())}%",
        ]
    )
    config = {
        "task": moons(seed, n, n).description,
        "model": "MLP(2, [16, 16, 1], 'tanh'), xavier_uniform",
        "loss": "bce_with_logits",
        "optimizer": "Adam(lr)",
        "epochs": epochs,
        "grid": f"lr {list(LRS)} x batch size {list(BATCH_SIZES)}",
        "workers": 2,
        "weights seed": seed,
        "shuffle seed": seed,
    }
    return Result(
        "tuning",
        "10. Hyperparameter tuning",
        "lr 0.005 with batch 16 beats lr 0.001 with batch 64, which beats lr 0.01 with batch 32",
        list(rows[0]),
        rows,
        {f"batch {bs}": "%" for bs in BATCH_SIZES},
        plot,
        config,
        verdict,
        ARTICLE,
        data={"results": results},
    )


def _plot(score: dict[tuple[float, int], float], out: Path) -> Path:
    from matplotlib.patches import Rectangle

    fig, axes = figure(1, width=7, height=5)
    ax = axes[0][0]
    matrix = [[100 * score[lr, bs] for bs in BATCH_SIZES] for lr in LRS]
    image = ax.imshow(matrix, cmap="viridis", aspect="auto", origin="lower")
    for i, lr in enumerate(LRS):
        for j, bs in enumerate(BATCH_SIZES):
            value = matrix[i][j]
            ax.text(
                j,
                i,
                f"{value:.1f}%",
                ha="center",
                va="center",
                fontsize=11,
                color="white"
                if value < (min(map(min, matrix)) + max(map(max, matrix))) / 2
                else "black",
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
        title="Test accuracy per cell (red: the article's three settings)",
    )
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="test accuracy (%)")
    return save(fig, out, "tuning", "Learning rate x batch size grid")


main = cli(run, "A learning rate x batch size grid: test accuracy of every cell.")

if __name__ == "__main__":
    raise SystemExit(main())
