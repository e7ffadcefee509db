"""Article table 5: L1 against L2 regularisation: accuracy and model complexity.

    python -m demos.regularization [--quick] [--seed 0] [--out demo-output]

The same model is trained with no penalty, with ``alpha * sum |w|`` (L1)
and with ``alpha * sum w**2`` (L2) added to the loss, on the weights (not
the biases), over 5 seeds. Complexity is measured as the share of weights
that are NOT near zero (``|w| >= 0.01``): a model with many weights at zero
is a simpler, sparser model.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from demos._common import Result, Row, Run, Spec, Table, cli, moons, quick_checks, seeds_for, train
from demos._plots import figure, log_scale, positive_band, save
from demos._stats import PAIRED_RULE, judge, spread
from nn.metrics import near_zero_fraction, weights_of

ALPHA = 3e-3
TOL = 1e-2
PENALTIES = ("none", "L1", "L2")
ARTICLE = Table(
    ["regularization technique", "accuracy (%)", "model complexity"],
    [["L1", 94.8, "High"], ["L2", 95.3, "Low"]],
)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    base = Spec(seed, n_train=40, epochs=4) if quick else Spec(seed)
    runs = {
        p: [
            train(replace(base, seed=s, penalty=p, alpha=0.0 if p == "none" else ALPHA))
            for s in seeds
        ]
        for p in PENALTIES
    }
    test = {p: spread([r.test_accuracy for r in runs[p]]) for p in PENALTIES}
    zero = {
        p: spread([near_zero_fraction(weights_of(r.model), TOL) for r in runs[p]])
        for p in PENALTIES
    }
    complexity = {p: spread([1 - v for v in zero[p].values]) for p in PENALTIES}
    rows: list[Row] = [
        {
            "penalty": p,
            "train accuracy": spread([r.train_accuracy for r in runs[p]]),
            "test accuracy": test[p],
            "weights near zero": zero[p],
            "complexity (weights not near zero)": complexity[p],
            "mean |w|": spread([_mean_abs(r) for r in runs[p]]),
        }
        for p in PENALTIES
    ]
    checks = quick_checks(
        [
            judge(
                "test accuracy, L1 vs L2",
                ["L1", "L2"],
                [94.8, 95.3],
                "94.8% vs 95.3%",
                [test["L1"], test["L2"]],
                "%",
                quick,
                floor=0.01,
            ),
            judge(
                "model complexity, L1 vs L2 (share of weights not near zero)",
                ["L1", "L2"],
                [1, 0],
                "High vs Low",
                [complexity["L1"], complexity["L2"]],
                "%",
                quick,
                floor=0.02,
            ),
        ],
        quick,
    )
    plot = _plot(runs, out)
    return Result(
        "regularization",
        "5. L1 and L2 regularisation",
        "L2 gives a slightly higher accuracy and a less complex model than L1",
        list(rows[0]),
        rows,
        {
            "train accuracy": "%",
            "test accuracy": "%",
            "weights near zero": "%",
            "complexity (weights not near zero)": "%",
            "mean |w|": ".3f",
        },
        plot,
        {
            "task": moons(seed, base.n_train, base.n_test).description,
            "model": base.model_text(),
            "loss": f"bce_with_logits + {ALPHA:g} * penalty(weights)",
            "optimizer": base.optimizer_text(),
            "epochs": base.epochs,
            "batch_size": base.batch_size,
            "near zero": f"|w| < {TOL:g}",
        },
        checks,
        [PAIRED_RULE.format(floor="1 point of accuracy, or 2 points of the share of weights")],
        "L1 pushes many weights to (nearly) zero, the sharp drop at the right of its curve; L2 "
        "shrinks them all a little.",
        seeds,
        quick,
        ARTICLE,
    )


def _mean_abs(run: Run) -> float:
    weights = weights_of(run.model)
    return sum(abs(w.data) for w in weights) / len(weights)


def _plot(runs: dict[str, list[Run]], out: Path) -> Path:
    fig, axes = figure(1, width=8, height=5)
    ax = axes[0][0]
    for p, rs in runs.items():
        curves = [sorted((abs(w.data) for w in weights_of(r.model)), reverse=True) for r in rs]
        positive_band(ax, curves, f"{p}")
    ax.axhline(TOL, color="black", linestyle="--", linewidth=1, label=f"near zero: |w| < {TOL:g}")
    ax.set(
        xlabel="weight rank (largest first)",
        ylabel="|w| (log scale)",
        title=f"Each weight's size (alpha = {ALPHA:g}), geometric mean ± std over seeds",
    )
    log_scale(ax)
    ax.legend()
    return save(fig, out, "regularization", "No penalty vs L1 vs L2: how many weights survive")


main = cli(run, "L1 against L2 regularisation: accuracy and the share of near-zero weights.")

if __name__ == "__main__":
    raise SystemExit(main())
