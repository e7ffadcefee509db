"""Article table 3: fixed, step-decay and exponential-decay learning rates.

    python -m demos.schedules [--quick] [--seed 0] [--out demo-output]

Mini-batch SGD from the same initial weights, with each schedule, at two
base learning rates: a moderate one and a large one. Decay can only help
once the fixed rate is too large to settle, so the answer depends on the
base rate, and the table shows both. Step decay halves the rate four times
over the run; exponential decay shrinks it tenfold over the run.
"""

from __future__ import annotations

import random
from pathlib import Path

from demos._common import (
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
from nn.callbacks import TargetReached
from nn.metrics import accuracy
from nn.optim import SGD, ExponentialLR, LRScheduler, Optimizer, StepLR

SCHEDULES = ("fixed", "step decay", "exponential decay")
ARTICLE = Table(
    ["learning rate schedule", "number of epochs", "final loss"],
    [["Fixed", 1000, 0.026], ["Step Decay", 800, 0.021], ["Exponential Decay", 600, 0.018]],
)


def scheduler(name: str, optimizer: Optimizer, epochs: int) -> LRScheduler | None:
    if name == "step decay":
        return StepLR(optimizer, step_size=max(1, epochs // 4), gamma=0.5)
    if name == "exponential decay":
        return ExponentialLR(optimizer, gamma=0.1 ** (1 / epochs))
    return None


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    n, epochs, target = (100, 12, 0.36) if quick else (200, 100, 0.1)
    base_lrs = (0.3, 1.0)
    task = moons(seed, n_train=n, n_test=n)
    config = {
        "task": task.description,
        "model": "MLP(2, [16, 16, 1], 'tanh'), xavier_uniform",
        "loss": "bce_with_logits",
        "optimizer": "SGD",
        "base lr": list(base_lrs),
        "epochs": epochs,
        "batch_size": 32,
        "target": f"epoch training loss <= {target}",
        "step decay": f"StepLR(step_size={max(1, epochs // 4)}, gamma=0.5)",
        "exponential decay": f"ExponentialLR(gamma=0.1 ** (1 / {epochs}))",
        "weights seed": seed,
        "shuffle seed": seed,
    }
    rows: list[Row] = []
    curves: dict[tuple[str, float], tuple[list[float], list[float]]] = {}
    for lr in base_lrs:
        for name in SCHEDULES:
            random.seed(seed)
            model = MLP(2, [16, 16, 1], activation="tanh", init="xavier_uniform")
            optimizer = SGD(model.parameters(), lr=lr)
            reached = TargetReached(target, stop=False)
            history = fit(
                model,
                task.X_train,
                task.y_train,
                loss="bce_with_logits",
                optimizer=optimizer,
                scheduler=scheduler(name, optimizer, epochs),
                epochs=epochs,
                batch_size=32,
                callbacks=[reached],
                verbose=False,
                seed=seed,
            )
            curves[name, lr] = history.history["loss"], history.history["lr"]
            rows.append(
                {
                    "schedule": name,
                    "base lr": lr,
                    "epochs to target": reached.reached_epoch or float("inf"),
                    "final loss": history.history["loss"][-1],
                    "test accuracy": accuracy(model, task.X_test, task.y_test),
                }
            )
    plot = _plot(curves, target, out)
    clauses = []
    for lr in base_lrs:
        ours = [r for r in rows if r["base lr"] == lr]
        clauses.append(
            compare(
                f"at base lr {lr:g}, epochs to the target",
                SCHEDULES,
                [1000, 800, 600],
                [number(r["epochs to target"]) for r in ours],
            )
        )
        clauses.append(
            compare(
                "final loss",
                SCHEDULES,
                [0.026, 0.021, 0.018],
                [number(r["final loss"]) for r in ours],
                fmt=".4f",
            )
        )
    return Result(
        "schedules",
        "3. Learning rate schedules",
        "exponential decay reaches the target in the fewest epochs and the lowest "
        "final loss, then step decay, then a fixed rate",
        list(rows[0]),
        rows,
        {"final loss": ".4f", "test accuracy": "%"},
        plot,
        config,
        sentence(clauses),
        ARTICLE,
    )


def _plot(
    curves: dict[tuple[str, float], tuple[list[float], list[float]]], target: float, out: Path
) -> Path:
    fig, axes = figure(2)
    left, right = axes[0]
    colours = dict(zip(SCHEDULES, ("tab:blue", "tab:orange", "tab:green")))
    lrs = sorted({lr for _, lr in curves})
    styles = dict(zip(lrs, (":", "-")))
    for (name, lr), (losses, rates) in curves.items():
        epochs = range(1, len(losses) + 1)
        left.plot(epochs, losses, color=colours[name], linestyle=styles[lr], linewidth=2)
        right.plot(
            epochs,
            rates,
            color=colours[name],
            linestyle=styles[lr],
            linewidth=2,
            label=f"{name}, base lr {lr:g}",
        )
    left.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
    left.set(
        xlabel="epoch",
        ylabel="training loss (BCE, log scale)",
        title="Training loss (colours and styles as on the right)",
    )
    log_scale(left)
    left.legend(loc="upper right")
    right.set(xlabel="epoch", ylabel="learning rate", title="The learning rate each epoch")
    right.legend(fontsize=9)
    return save(fig, out, "schedules", "Fixed vs step decay vs exponential decay")


main = cli(run, "Fixed, step-decay and exponential-decay learning rates: epochs to a target loss.")

if __name__ == "__main__":
    raise SystemExit(main())
