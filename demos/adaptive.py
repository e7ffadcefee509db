"""Article table 8: SGD, Adagrad and RMSprop: training time and final accuracy.

    python -m demos.adaptive [--quick] [--seed 0] [--out demo-output]

The same model, initial weights and batches per seed, trained for a fixed
number of epochs with each optimizer at a common learning rate for it,
over 5 seeds. The forward and backward passes of an epoch are the same
work for every optimizer by construction; only the update rule differs.
So training time is split in two honest parts: the number of epochs until
the training loss reaches the target (counted, not timed), and the CPU
cost of one update step, timed alone on the same parameters and gradients
in alternating rounds.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

from demos._common import Result, Row, Run, Spec, Table, cli, moons, quick_checks, seeds_for, train
from demos._plots import figure, log_scale, positive_band, save
from demos._stats import PAIRED_RULE, TIMING_RULE, judge, judge_times, spread, time_rounds
from nn import MLP
from nn.optim import SGD, Adagrad, Optimizer, RMSprop

OPTIMIZERS: dict[str, dict[str, Any]] = {
    "SGD": {"optimizer": "SGD", "lr": 0.1, "momentum": 0.0},
    "Adagrad": {"optimizer": "Adagrad", "lr": 0.1},
    "RMSprop": {"optimizer": "RMSprop", "lr": 0.01},
}
ARTICLE = Table(
    ["optimizer", "training time (s)", "final accuracy (%)"],
    [["SGD", 94, 94.7], ["Adagrad", 55, 95.2], ["RMSprop", 72, 95.5]],
)


def update_steps(name: str, widths: tuple[int, ...], steps: int) -> Any:
    """A function running ``steps`` updates of optimizer ``name`` on fixed gradients."""
    random.seed(0)
    params = MLP(2, list(widths), activation="tanh", init="xavier_uniform").parameters()
    for p in params:
        p.grad = random.uniform(-0.1, 0.1)
    kinds = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop}
    settings = {k: v for k, v in OPTIMIZERS[name].items() if k != "optimizer"}
    optimizer: Optimizer = kinds[name](params, **settings)

    def work() -> None:
        for _ in range(steps):
            optimizer.step()

    return work


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    n, epochs, target = (40, 4, 0.5) if quick else (80, 30, 0.2)
    base = Spec(seed, n_train=n, epochs=epochs)
    runs = {
        nm: [train(replace(base, seed=s, **kw)) for s in seeds] for nm, kw in OPTIMIZERS.items()
    }
    rounds, steps = (2, 20) if quick else (7, 300)
    seconds = time_rounds({nm: update_steps(nm, base.widths, steps) for nm in OPTIMIZERS}, rounds)
    reach = {nm: spread([r.epochs_to(target) for r in runs[nm]], epochs) for nm in OPTIMIZERS}
    test = {nm: spread([r.test_accuracy for r in runs[nm]]) for nm in OPTIMIZERS}
    rows: list[Row] = [
        {
            "optimizer": replace(base, **kw).optimizer_text(),
            "epochs to target": reach[nm],
            "update step (CPU µs, median)": 1e6 * sorted(seconds[nm])[rounds // 2] / steps,
            "final loss": spread([r.losses[-1] for r in runs[nm]]),
            "test accuracy": test[nm],
        }
        for nm, kw in OPTIMIZERS.items()
    ]
    names = list(OPTIMIZERS)
    checks = quick_checks(
        [
            judge(
                "training time as epochs to the target loss (the same work per epoch)",
                names,
                [94, 55, 72],
                "94, 55, 72 s",
                [reach[nm] for nm in names],
                ".1f",
                quick,
            ),
            judge_times(
                f"training time as the cost of the update rule ({steps} steps per block)",
                names,
                [94, 55, 72],
                "94, 55, 72 s",
                [seconds[nm] for nm in names],
                quick,
            ),
            judge(
                "final test accuracy",
                names,
                [94.7, 95.2, 95.5],
                "94.7%, 95.2%, 95.5%",
                [test[nm] for nm in names],
                "%",
                quick,
                floor=0.01,
            ),
        ],
        quick,
    )
    plot = _plot(runs, target, out)
    return Result(
        "adaptive",
        "8. SGD, Adagrad and RMSprop",
        "Adagrad trains fastest, RMSprop reaches the best accuracy, SGD is slowest and "
        "least accurate",
        list(rows[0]),
        rows,
        {
            "epochs to target": ".1f",
            "update step (CPU µs, median)": ".0f",
            "final loss": ".3f",
            "test accuracy": "%",
        },
        plot,
        {
            "task": moons(seed, n, base.n_test).description,
            "model": base.model_text(),
            "loss": "bce_with_logits",
            "epochs": epochs,
            "batch_size": base.batch_size,
            "optimizers": ", ".join(str(r["optimizer"]) for r in rows),
            "target": f"epoch training loss <= {target} (never reached counts as {epochs})",
            "update timing": f"{rounds} rounds of {steps} steps on {base.model_text()}",
        },
        checks,
        [
            PAIRED_RULE.format(floor="0 epochs, or 1 point of accuracy"),
            TIMING_RULE.format(rounds=rounds),
        ],
        "The bands show the loss per epoch, which costs the same for all three; only the "
        "update step's own cost differs, and the table times it alone.",
        seeds,
        quick,
        ARTICLE,
        data={"seconds": seconds},
    )


def _plot(runs: dict[str, list[Run]], target: float, out: Path) -> Path:
    fig, axes = figure(1, width=8)
    ax = axes[0][0]
    for name, rs in runs.items():
        positive_band(ax, [r.losses for r in rs], name)
    ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
    ax.set(
        xlabel="epoch (the same forward and backward work for every optimizer)",
        ylabel="training loss (BCE, log scale)",
        title="Training loss, geometric mean ± std over seeds",
    )
    log_scale(ax)
    ax.legend()
    return save(fig, out, "adaptive", "SGD vs Adagrad vs RMSprop")


main = cli(run, "SGD, Adagrad and RMSprop: training time and final accuracy.")

if __name__ == "__main__":
    raise SystemExit(main())
