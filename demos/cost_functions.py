"""The backpropagation article: mean squared error against cross-entropy for classification.

    python -m demos.cost_functions [--quick] [--seed 0] [--out demo-output]

The article: "Different cost functions are used for different types of
problems, such as mean square error for regression and cross-entropy for
classification." The same model, initial weights, optimizer and batches
per seed are trained on two moons (a classification task) with each cost:
cross-entropy on the output logit (``bce_with_logits``), or the squared
error between ``sigmoid(logit)`` and the 0/1 label; over 5 seeds. The
right panel shows why, computed with chainrule: the gradient that reaches
the logit from one positive example. Squared error multiplies it by
``sigmoid'(z)``, so a confidently wrong prediction gets almost no gradient.
The regression half of the sentence is not tested here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from demos._common import Result, Row, Run, Spec, cli, moons, quick_checks, seeds_for, train
from demos._plots import band, figure, save
from demos._stats import PAIRED_RULE, judge, spread
from engine import Value
from nn.losses import binary_cross_entropy_with_logits, mse_loss

COSTS = {"cross-entropy": "bce_with_logits", "squared error": "mse_on_sigmoid"}


def logit_gradient(cost: str, z: float) -> float:
    """d cost / d logit for one example of class 1 whose logit is ``z``."""
    logit = Value(z)
    if cost == "cross-entropy":
        loss = binary_cross_entropy_with_logits([logit], [1])
    else:
        loss = mse_loss([logit.sigmoid()], [1.0])
    loss.backward()
    return float(logit.grad)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    n, epochs, target = (40, 4, 0.7) if quick else (80, 30, 0.92)
    base = Spec(seed, n_train=n, epochs=epochs, track_accuracy=True)
    runs = {
        c: [train(replace(base, seed=s, loss=kind)) for s in seeds] for c, kind in COSTS.items()
    }
    reach = {c: spread([r.epochs_to(target, "accuracy") for r in runs[c]], epochs) for c in COSTS}
    test = {c: spread([r.test_accuracy for r in runs[c]]) for c in COSTS}
    rows: list[Row] = [
        {
            "cost": c,
            f"epochs to {target:.0%} training accuracy": reach[c],
            "train accuracy": spread([r.train_accuracy for r in runs[c]]),
            "test accuracy": test[c],
            "logit gradient at z = -4 (label 1)": logit_gradient(c, -4.0),
        }
        for c in COSTS
    ]
    names = list(COSTS)
    checks = quick_checks(
        [
            judge(
                f"epochs to {target:.0%} training accuracy",
                names,
                [0, 1],
                "cross-entropy is the cost for classification",
                [reach[c] for c in names],
                ".1f",
                quick,
            ),
            judge(
                "test accuracy",
                names,
                [1, 0],
                "cross-entropy is the cost for classification",
                [test[c] for c in names],
                "%",
                quick,
                floor=0.01,
            ),
        ],
        quick,
    )
    plot = _plot(runs, out)
    return Result(
        "cost_functions",
        "Cost functions: squared error vs cross-entropy",
        "cross-entropy is the cost for classification (mean squared error for regression)",
        list(rows[0]),
        rows,
        {
            f"epochs to {target:.0%} training accuracy": ".1f",
            "train accuracy": "%",
            "test accuracy": "%",
            "logit gradient at z = -4 (label 1)": ".4f",
        },
        plot,
        {
            "task": moons(seed, n, base.n_test).description,
            "model": base.model_text(),
            "losses": "bce_with_logits(logit, y) or mse_loss(sigmoid(logit), y)",
            "optimizer": base.optimizer_text(),
            "epochs": epochs,
            "batch_size": base.batch_size,
            "target": f"training accuracy after an epoch >= {target:.0%} "
            f"(never reached counts as {epochs})",
        },
        checks,
        [PAIRED_RULE.format(floor="0 epochs, or 1 point of accuracy")],
        "Right panel: for a confidently wrong prediction (z far below 0) cross-entropy's "
        "gradient stays near -1 while squared error's fades to 0.",
        seeds,
        quick,
        None,
    )


def _plot(runs: dict[str, list[Run]], out: Path) -> Path:
    fig, axes = figure(2)
    left, right = axes[0]
    for cost, rs in runs.items():
        band(left, [[100 * a for a in r.epoch_accuracy] for r in rs], cost)
    left.set(
        xlabel="epoch",
        ylabel="training accuracy (%)",
        title="Training accuracy, mean ± std over seeds",
    )
    left.legend()
    zs = [-8 + 16 * i / 160 for i in range(161)]
    for cost in COSTS:
        right.plot(zs, [logit_gradient(cost, z) for z in zs], linewidth=2, label=cost)
    right.set(
        xlabel="logit z of an example whose label is 1",
        ylabel="d cost / d z",
        title="The gradient that reaches the logit",
    )
    right.legend()
    return save(
        fig, out, "cost_functions", "Squared error vs cross-entropy on a classification task"
    )


main = cli(run, "Squared error against cross-entropy for classification, over 5 seeds.")

if __name__ == "__main__":
    raise SystemExit(main())
