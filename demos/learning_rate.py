"""The backpropagation article: a learning rate too high or too low.

    python -m demos.learning_rate [--quick] [--seed 0] [--out demo-output]

The article: "Setting the learning rate too high can result in overshooting
the minimum of the cost function, leading to slow convergence or even
divergence. On the other hand, setting it too low can cause the learning
process to be extremely slow." Plain full-batch gradient descent (no
momentum, so the step is exactly ``lr * gradient``) trains the same model
from the same initial weights per seed at four learning rates a factor of
10 apart, over 5 seeds. Overshooting shows as steps on which the loss goes
up, which gradient descent with a small enough step never does.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from demos._common import Result, Row, Run, Spec, cli, moons, quick_checks, seeds_for, train
from demos._plots import figure, log_scale, positive_band, save
from demos._stats import PAIRED_RULE, Spread, judge, spread

LOW, GOOD, HIGH = 0.03, 3.0, 30.0
RATES = (LOW, 0.3, GOOD, HIGH)


def uphill_steps(run: Run) -> int:
    """Steps on which the training loss went up: the step overshot."""
    return sum(b > a for a, b in zip(run.losses, run.losses[1:]))


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    n, epochs, target = (20, 5, 0.5) if quick else (40, 40, 0.3)
    base = Spec(seed, n_train=n, batch_size=n, momentum=0.0, epochs=epochs)
    runs = {lr: [train(replace(base, seed=s, lr=lr)) for s in seeds] for lr in RATES}
    reach = {lr: spread([r.epochs_to(target) for r in runs[lr]], epochs) for lr in RATES}
    final = {lr: spread([r.losses[-1] for r in runs[lr]]) for lr in RATES}
    uphill = {lr: spread([uphill_steps(r) for r in runs[lr]]) for lr in RATES}
    rows: list[Row] = [
        {
            "learning rate": lr,
            "steps to target": reach[lr],
            "final loss": final[lr],
            "steps where the loss went up": uphill[lr],
            "highest loss": spread([max(r.losses) for r in runs[lr]]),
            "test accuracy": spread([r.test_accuracy for r in runs[lr]]),
        }
        for lr in RATES
    ]
    checks = quick_checks(
        [
            judge(
                f"too low: steps to loss {target} at lr {LOW:g} vs lr {GOOD:g}",
                [f"lr {LOW:g}", f"lr {GOOD:g}"],
                [1, 0],
                "a rate too low makes learning extremely slow",
                [reach[LOW], reach[GOOD]],
                ".1f",
                quick,
            ),
            judge(
                f"too high: steps where the loss went up, lr {HIGH:g} vs lr {GOOD:g}",
                [f"lr {HIGH:g}", f"lr {GOOD:g}"],
                [1, 0],
                "a rate too high overshoots the minimum",
                [uphill[HIGH], uphill[GOOD]],
                ".1f",
                quick,
            ),
            judge(
                f"too high: final loss at lr {HIGH:g} vs lr {GOOD:g}",
                [f"lr {HIGH:g}", f"lr {GOOD:g}"],
                [1, 0],
                "slow convergence or even divergence",
                [final[HIGH], final[GOOD]],
                ".3f",
                quick,
            ),
        ],
        quick,
    )
    plot = _plot(runs, final, target, out)
    return Result(
        "learning_rate",
        "Learning rate too high or too low",
        "a learning rate too high overshoots (slow convergence or divergence); one too low is "
        "extremely slow",
        list(rows[0]),
        rows,
        {
            "steps to target": ".1f",
            "final loss": ".3f",
            "steps where the loss went up": ".1f",
            "highest loss": ".3g",
            "test accuracy": "%",
        },
        plot,
        {
            "task": moons(seed, n, base.n_test).description,
            "model": base.model_text(),
            "loss": "bce_with_logits",
            "optimizer": "SGD(lr, momentum=0), full batch: one step per epoch",
            "learning rates": list(RATES),
            "steps": epochs,
            "target": f"training loss <= {target} (never reached counts as {epochs})",
        },
        checks,
        [PAIRED_RULE.format(floor="0")],
        "The lowest rate's curve barely moves; the highest jumps up and down above the others; "
        "the right panel is the usual U: the final loss against the rate.",
        seeds,
        quick,
        None,
    )


def _plot(
    runs: dict[float, list[Run]], final: dict[float, Spread], target: float, out: Path
) -> Path:
    fig, axes = figure(2)
    left, right = axes[0]
    for lr, rs in runs.items():
        positive_band(left, [r.losses for r in rs], f"lr {lr:g}")
    left.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
    left.set(
        xlabel="step (full batch)",
        ylabel="training loss (log scale)",
        title="Training loss, geometric mean ± std over seeds",
    )
    log_scale(left)
    left.legend()
    rates = list(final)
    right.errorbar(
        rates,
        [final[lr].mean for lr in rates],
        yerr=[final[lr].std for lr in rates],
        fmt="o-",
        capsize=6,
        linewidth=2,
    )
    right.set(
        xlabel="learning rate (log scale)",
        ylabel="final training loss (log scale)",
        title="Final loss against the learning rate",
    )
    log_scale(right, "x")
    log_scale(right)
    return save(
        fig,
        out,
        "learning_rate",
        "Gradient descent with a learning rate too low, right and too high",
    )


main = cli(run, "A learning rate too low, about right and too high: loss curves over 5 seeds.")

if __name__ == "__main__":
    raise SystemExit(main())
