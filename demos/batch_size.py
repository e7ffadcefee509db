"""Article table 4: batch sizes 16, 32 and 64: training time and epochs to converge.

    python -m demos.batch_size [--quick] [--seed 0] [--out demo-output]

The same model, initial weights and learning rate, trained with each batch
size until the epoch's training loss reaches the target (times are CPU
time, which other programs on the machine inflate less). A smaller batch
takes more (noisier) steps per epoch. In a scalar engine every sample costs
the same whatever the batch, so an epoch takes about the same time for
every batch size; GPUs are different, because they process a batch at once.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from demos._common import (
    TIME_TOL,
    Result,
    Row,
    Table,
    cli,
    compare,
    figure,
    log_scale,
    moons,
    number,
    save,
    sentence,
)
from nn import MLP, fit
from nn.callbacks import Stopwatch, TargetReached
from nn.optim import SGD

BATCH_SIZES = (16, 32, 64)
ARTICLE = Table(
    ["batch size", "training time (s)", "convergence speed (epochs)"],
    [[16, 84, 300], [32, 72, 250], [64, 64, 200]],
)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    n, budget, target = (100, 20, 0.36) if quick else (200, 300, 0.1)
    lr = 0.3
    task = moons(seed, n_train=n, n_test=n)
    config = {
        "task": task.description,
        "model": "MLP(2, [16, 16, 1], 'tanh'), xavier_uniform",
        "loss": "bce_with_logits",
        "optimizer": f"SGD(lr={lr})",
        "target": f"epoch training loss <= {target}",
        "max epochs": budget,
        "weights seed": seed,
        "shuffle seed": seed,
    }
    rows: list[Row] = []
    curves: dict[int, tuple[list[float], list[float]]] = {}
    for size in BATCH_SIZES:
        random.seed(seed)
        model = MLP(2, [16, 16, 1], activation="tanh", init="xavier_uniform")
        reached, clock = TargetReached(target), Stopwatch(time.process_time)
        history = fit(
            model,
            task.X_train,
            task.y_train,
            loss="bce_with_logits",
            optimizer=SGD(model.parameters(), lr=lr),
            epochs=budget,
            batch_size=size,
            callbacks=[reached, clock],
            verbose=False,
            seed=seed,
        )
        curves[size] = history.history["loss"], clock.seconds
        epochs = reached.reached_epoch
        rows.append(
            {
                "batch size": size,
                "steps per epoch": -(-n // size),
                "epochs to target": epochs or float("inf"),
                "time to target (CPU s)": clock.seconds[-1] if epochs else float("inf"),
                "CPU time per epoch (ms)": 1000 * clock.seconds[-1] / len(clock.seconds),
            }
        )
    plot = _plot(curves, target, out)
    names = [f"batch {size}" for size in BATCH_SIZES]
    verdict = sentence(
        [
            compare(
                "training time",
                names,
                [84, 72, 64],
                [number(r["time to target (CPU s)"]) for r in rows],
                TIME_TOL,
                ".2f",
            ),
            compare(
                "epochs to converge",
                names,
                [300, 250, 200],
                [number(r["epochs to target"]) for r in rows],
            ),
        ]
    )
    return Result(
        "batch_size",
        "4. Batch size",
        "larger batches train faster and converge in fewer epochs",
        list(rows[0]),
        rows,
        {"time to target (CPU s)": ".2f", "CPU time per epoch (ms)": ".0f"},
        plot,
        config,
        verdict,
        ARTICLE,
    )


def _plot(curves: dict[int, tuple[list[float], list[float]]], target: float, out: Path) -> Path:
    fig, axes = figure(2)
    left, right = axes[0]
    for size, (losses, seconds) in curves.items():
        left.plot(range(1, len(losses) + 1), losses, linewidth=2, label=f"batch {size}")
        right.plot(seconds, losses, linewidth=2, label=f"batch {size}")
    for ax, xlabel in ((left, "epoch"), (right, "CPU time (s)")):
        ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
        ax.set(xlabel=xlabel, ylabel="training loss (BCE, log scale)")
        log_scale(ax)
        ax.legend()
    left.set_title("Loss per epoch")
    right.set_title("Loss against time")
    return save(fig, out, "batch_size", "Batch size 16 vs 32 vs 64, same learning rate")


main = cli(run, "Batch sizes 16, 32 and 64: training time and epochs to a target loss.")

if __name__ == "__main__":
    raise SystemExit(main())
