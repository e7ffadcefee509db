"""Article table 8: SGD, Adagrad and RMSprop: training time and final accuracy.

    python -m demos.adaptive [--quick] [--seed 0] [--out demo-output]

The same model and initial weights, trained for a fixed number of epochs
with each optimizer at a common learning rate for it. Two times are
reported: the median time of one epoch (the same work for every
optimizer, so it shows what the update rule itself costs) and the time
until the training loss first reached the target (what a faster optimizer
saves). Both are CPU time, which other programs on the machine inflate
less than wall-clock time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from demos._common import (
    ACCURACY_TOL,
    TIME_TOL,
    Result,
    Row,
    Table,
    cli,
    compare,
    figure,
    log_scale,
    median_epoch,
    moons,
    number,
    save,
    sentence,
)
from engine import Value
from nn import MLP, fit
from nn.callbacks import Stopwatch, TargetReached
from nn.metrics import accuracy
from nn.optim import SGD, Adagrad, Optimizer, RMSprop

OPTIMIZERS: dict[str, tuple[str, Callable[[list[Value]], Optimizer]]] = {
    "SGD": ("SGD(lr=0.1)", lambda p: SGD(p, lr=0.1)),
    "Adagrad": ("Adagrad(lr=0.1)", lambda p: Adagrad(p, lr=0.1)),
    "RMSprop": ("RMSprop(lr=0.01)", lambda p: RMSprop(p, lr=0.01)),
}
ARTICLE = Table(
    ["optimizer", "training time (s)", "final accuracy (%)"],
    [["SGD", 94, 94.7], ["Adagrad", 55, 95.2], ["RMSprop", 72, 95.5]],
)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    n, epochs, target = (100, 12, 0.36) if quick else (200, 100, 0.1)
    task = moons(seed, n_train=n, n_test=n)
    config = {
        "task": task.description,
        "model": "MLP(2, [16, 16, 1], 'tanh'), xavier_uniform",
        "loss": "bce_with_logits",
        "epochs": epochs,
        "batch_size": 32,
        "optimizers": ", ".join(spec for spec, _ in OPTIMIZERS.values()),
        "target": f"epoch training loss <= {target}",
        "weights seed": seed,
        "shuffle seed": seed,
    }
    rows: list[Row] = []
    curves: dict[str, tuple[list[float], list[float]]] = {}
    for spec, make in OPTIMIZERS.values():
        random.seed(seed)
        model = MLP(2, [16, 16, 1], activation="tanh", init="xavier_uniform")
        reached, clock = TargetReached(target, stop=False), Stopwatch(time.process_time)
        history = fit(
            model,
            task.X_train,
            task.y_train,
            loss="bce_with_logits",
            optimizer=make(model.parameters()),
            epochs=epochs,
            batch_size=32,
            callbacks=[reached, clock],
            verbose=False,
            seed=seed,
        )
        curves[spec] = clock.seconds, history.history["loss"]
        at = reached.reached_epoch
        rows.append(
            {
                "optimizer": spec,
                "CPU ms per epoch (median)": 1000 * median_epoch(clock.seconds),
                "time to target (CPU s)": clock.seconds[at - 1] if at else float("inf"),
                "final loss": history.history["loss"][-1],
                "test accuracy": accuracy(model, task.X_test, task.y_test),
            }
        )
    plot = _plot(curves, target, out)
    names = list(OPTIMIZERS)
    verdict = sentence(
        [
            compare(
                "training time (ours: time to the target)",
                names,
                [94, 55, 72],
                [number(r["time to target (CPU s)"]) for r in rows],
                TIME_TOL,
                ".2f",
            ),
            compare(
                "time per epoch",
                names,
                [94, 55, 72],
                [number(r["CPU ms per epoch (median)"]) for r in rows],
                TIME_TOL,
                ".1f",
            ),
            compare(
                "final accuracy",
                names,
                [94.7, 95.2, 95.5],
                [number(r["test accuracy"]) for r in rows],
                ACCURACY_TOL,
                ".1%",
            ),
        ]
    )
    return Result(
        "adaptive",
        "8. SGD, Adagrad and RMSprop",
        "Adagrad trains fastest, RMSprop reaches the best accuracy, SGD is slowest and "
        "least accurate",
        list(rows[0]),
        rows,
        {
            "CPU ms per epoch (median)": ".1f",
            "time to target (CPU s)": ".2f",
            "final loss": ".4f",
            "test accuracy": "%",
        },
        plot,
        config,
        verdict,
        ARTICLE,
    )


def _plot(curves: dict[str, tuple[list[float], list[float]]], target: float, out: Path) -> Path:
    fig, axes = figure(1, width=8)
    ax = axes[0][0]
    for name, (seconds, losses) in curves.items():
        ax.plot(seconds, losses, linewidth=2, marker="o", markersize=3, label=name)
    ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
    ax.set(
        xlabel="CPU time (s), one marker per epoch",
        ylabel="training loss (BCE, log scale)",
        title="Training loss against time",
    )
    log_scale(ax)
    ax.legend()
    return save(fig, out, "adaptive", "SGD vs Adagrad vs RMSprop")


main = cli(run, "SGD, Adagrad and RMSprop: training time and final accuracy.")

if __name__ == "__main__":
    raise SystemExit(main())
