"""Article table 2: SGD, momentum and Adam: iterations to a target loss, optimizer memory.

    python -m demos.optimizers [--quick] [--seed 0] [--out demo-output]

Full-batch training (one iteration = one step on the whole training set,
so the loss logged for an iteration is exactly the training loss), from the
same initial weights, until the training loss reaches the target. Memory
is the optimizer's own state: the buffers it keeps per parameter (Python
floats of 24 bytes each, in lists), measured with ``sys.getsizeof``.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from pathlib import Path

from demos._common import (
    OTHER_TOL,
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
from engine import Value
from nn import MLP, fit
from nn.callbacks import TargetReached
from nn.optim import SGD, Adam, Optimizer

OPTIMIZERS: dict[str, tuple[str, Callable[[list[Value]], Optimizer]]] = {
    "SGD": ("SGD(lr=0.5)", lambda p: SGD(p, lr=0.5)),
    "momentum": ("SGD(lr=0.5, momentum=0.9)", lambda p: SGD(p, lr=0.5, momentum=0.9)),
    "Adam": ("Adam(lr=0.02)", lambda p: Adam(p, lr=0.02)),
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


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    n, widths, target, budget = (60, [8, 8, 1], 0.3, 80) if quick else (100, [16, 16, 1], 0.1, 400)
    task = moons(seed, n_train=n, n_test=n)
    config = {
        "task": task.description,
        "model": f"MLP(2, {widths}, 'tanh'), xavier_uniform",
        "loss": "bce_with_logits",
        "batch": f"full batch ({n} points)",
        "target": f"training loss <= {target}",
        "max iterations": budget,
        "optimizers": ", ".join(spec for spec, _ in OPTIMIZERS.values()),
        "weights seed": seed,
    }
    rows: list[Row] = []
    curves: dict[str, tuple[list[float], int | None]] = {}
    for name, (spec, make) in OPTIMIZERS.items():
        random.seed(seed)
        model = MLP(2, widths, activation="tanh", init="xavier_uniform")
        optimizer = make(model.parameters())
        stop = TargetReached(target)
        history = fit(
            model,
            task.X_train,
            task.y_train,
            loss="bce_with_logits",
            optimizer=optimizer,
            epochs=budget,
            batch_size=n,
            callbacks=[stop],
            verbose=False,
            seed=seed,
        )
        curves[name] = history.history["loss"], stop.reached_epoch
        floats = sum(len(buf) for buf in optimizer.state.values())
        rows.append(
            {
                "optimizer": name,
                "settings": spec,
                "iterations to target": stop.reached_epoch or math.inf,
                "last loss": history.history["loss"][-1],
                "state floats per parameter": floats // model.num_parameters(),
                "optimizer state (KB)": state_bytes(optimizer) / 1e3,
            }
        )
    plot = _plot(curves, target, out)
    names = [str(r["optimizer"]) for r in rows]
    verdict = sentence(
        [
            compare(
                "iterations to the target",
                names,
                [5000, 3000, 2000],
                [number(r["iterations to target"]) for r in rows],
                OTHER_TOL,
            ),
            compare(
                "memory",
                names,
                [20, 22, 24],
                [number(r["optimizer state (KB)"]) for r in rows],
                OTHER_TOL,
                ".1f",
            ),
        ]
    )
    return Result(
        "optimizers",
        "2. Gradient descent algorithms",
        "Adam needs the fewest iterations, then momentum, then SGD; memory grows in the same order",
        list(rows[0]),
        rows,
        {"last loss": ".3f", "optimizer state (KB)": ".1f"},
        plot,
        config,
        verdict,
        ARTICLE,
    )


def _plot(curves: dict[str, tuple[list[float], int | None]], target: float, out: Path) -> Path:
    fig, axes = figure(1, width=8)
    ax = axes[0][0]
    for name, (losses, reached) in curves.items():
        when = f"target in {reached} iterations" if reached else f"not reached in {len(losses)}"
        ax.plot(range(1, len(losses) + 1), losses, linewidth=2, label=f"{name} ({when})")
    ax.axhline(target, color="black", linestyle="--", label=f"target loss {target:g}")
    ax.set(
        xlabel="iteration (full-batch step)",
        ylabel="training loss (BCE, log scale)",
        title="Each run stops when it reaches the target",
    )
    log_scale(ax)
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, 1.0))
    return save(fig, out, "optimizers", "SGD vs momentum vs Adam: the race to a target loss")


main = cli(run, "SGD, momentum and Adam: iterations to a target loss and optimizer memory.")

if __name__ == "__main__":
    raise SystemExit(main())
