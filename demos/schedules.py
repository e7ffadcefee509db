"""Article table 3: fixed, step-decay and exponential-decay learning rates.

    python -m demos.schedules [--quick] [--seed 0] [--out demo-output]

Mini-batch SGD with momentum from the same initial weights per seed, with each schedule,
at two base learning rates: a moderate one and a large one, over 5 seeds.
Decay can only help once the fixed rate is too large to settle, so the
answer depends on the base rate, and the table shows both. Step decay
halves the rate four times over the run; exponential decay shrinks it
tenfold over the run.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from demos._common import Result, Row, Run, Spec, Table, cli, moons, quick_checks, seeds_for, train
from demos._plots import figure, log_scale, positive_band, save
from demos._stats import PAIRED_RULE, judge, spread

SCHEDULES = {"fixed": "fixed", "step decay": "step", "exponential decay": "exponential"}
BASE_LRS = (0.3, 1.0)
ARTICLE = Table(
    ["learning rate schedule", "number of epochs", "final loss"],
    [["Fixed", 1000, 0.026], ["Step Decay", 800, 0.021], ["Exponential Decay", 600, 0.018]],
)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    n, epochs, target = (40, 4, 0.4) if quick else (64, 25, 0.15)
    base = Spec(seed, n_train=n, epochs=epochs)
    runs: dict[tuple[str, float], list[Run]] = {
        (name, lr): [train(replace(base, seed=s, lr=lr, schedule=kind)) for s in seeds]
        for lr in BASE_LRS
        for name, kind in SCHEDULES.items()
    }
    rows: list[Row] = []
    checks = []
    for lr in BASE_LRS:
        names = list(SCHEDULES)
        reach = {nm: spread([r.epochs_to(target) for r in runs[nm, lr]], epochs) for nm in names}
        final = {nm: spread([r.losses[-1] for r in runs[nm, lr]]) for nm in names}
        for nm in names:
            rows.append(
                {
                    "schedule": nm,
                    "base lr": lr,
                    "epochs to target": reach[nm],
                    "final loss": final[nm],
                    "test accuracy": spread([r.test_accuracy for r in runs[nm, lr]]),
                }
            )
        checks += [
            judge(
                f"base lr {lr:g}: epochs to the target loss",
                names,
                [1000, 800, 600],
                "1000, 800, 600",
                [reach[nm] for nm in names],
                ".1f",
                quick,
            ),
            judge(
                f"base lr {lr:g}: final loss",
                names,
                [0.026, 0.021, 0.018],
                "0.026, 0.021, 0.018",
                [final[nm] for nm in names],
                ".3f",
                quick,
                floor=0.005,
            ),
        ]
    plot = _plot(runs, target, out)
    return Result(
        "schedules",
        "3. Learning rate schedules",
        "exponential decay reaches the target in the fewest epochs and the lowest "
        "final loss, then step decay, then a fixed rate",
        list(rows[0]),
        rows,
        {"epochs to target": ".1f", "final loss": ".3f", "test accuracy": "%"},
        plot,
        {
            "task": moons(seed, n, base.n_test).description,
            "model": base.model_text(),
            "loss": "bce_with_logits",
            "optimizer": f"SGD(lr=base lr, momentum=0.9), base lr {list(BASE_LRS)}",
            "epochs": epochs,
            "batch_size": base.batch_size,
            "target": f"epoch training loss <= {target} (never reached counts as {epochs})",
            "step decay": f"StepLR(step_size={max(1, epochs // 4)}, gamma=0.5)",
            "exponential decay": f"ExponentialLR(gamma=0.1 ** (1 / {epochs}))",
        },
        quick_checks(checks, quick),
        [PAIRED_RULE.format(floor="0 epochs, or 0.005 of loss")],
        "Dotted lines are the moderate base rate, solid the large one: decay matters where "
        "the fixed rate's loss stops going down.",
        seeds,
        quick,
        ARTICLE,
    )


def _plot(runs: dict[tuple[str, float], list[Run]], target: float, out: Path) -> Path:
    fig, axes = figure(2)
    left, right = axes[0]
    colours = dict(zip(SCHEDULES, ("tab:blue", "tab:orange", "tab:green")))
    styles = dict(zip(BASE_LRS, (":", "-")))
    for (name, lr), rs in runs.items():
        label = f"{name}, base lr {lr:g}"
        positive_band(
            left, [r.losses for r in rs], label, color=colours[name], linestyle=styles[lr]
        )
        right.plot(
            range(1, len(rs[0].rates) + 1),
            rs[0].rates,
            color=colours[name],
            linestyle=styles[lr],
            linewidth=2,
            label=label,
        )
    left.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
    left.set(
        xlabel="epoch",
        ylabel="training loss (BCE, log scale)",
        title="Training loss, geometric mean ± std over seeds",
    )
    log_scale(left)
    left.legend(fontsize=8, loc="upper right")
    right.set(xlabel="epoch", ylabel="learning rate", title="The learning rate each epoch")
    right.legend(fontsize=8)
    return save(fig, out, "schedules", "Fixed vs step decay vs exponential decay")


main = cli(run, "Fixed, step-decay and exponential-decay learning rates: epochs to a target loss.")

if __name__ == "__main__":
    raise SystemExit(main())
