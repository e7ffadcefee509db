"""Article table 6: dropout 0%, 30% and 50%: training and test accuracy.

    python -m demos.dropout [--quick] [--seed 0] [--out demo-output]

A task small enough to overfit: 30 noisy moons points to learn from, 300
to test on, and a network with hundreds of weights. Without dropout it
can learn the training points by heart; dropout (after each hidden layer,
in training only) makes memorising harder. Both accuracies are measured
after training in eval mode, with dropout off, over 5 seeds. The plot
shows the first seed's decision regions with its 30 training points.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

from demos._common import Result, Row, Run, Spec, Table, cli, moons, quick_checks, seeds_for, train
from demos._plots import bars, decision_regions, figure, save
from demos._stats import PAIRED_RULE, Spread, judge, spread
from nn import MLP

RATES = (0.0, 0.3, 0.5)
ARTICLE = Table(
    ["dropout rate (%)", "training accuracy (%)", "test accuracy (%)"],
    [[0, 98.6, 90.2], [30, 97.2, 92.1], [50, 95.8, 93.5]],
)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    epochs, grid, n_test = (10, 20, 100) if quick else (40, 35, 300)
    base = Spec(
        seed,
        n_train=30,
        n_test=n_test,
        noise=0.3,
        widths=(16, 16, 1),
        activation="relu",
        init="kaiming_uniform",
        optimizer="Adam",
        lr=0.01,
        epochs=epochs,
        batch_size=16,
    )
    runs = {rate: [train(replace(base, seed=s, dropout=rate)) for s in seeds] for rate in RATES}
    trained = {rate: spread([r.train_accuracy for r in runs[rate]]) for rate in RATES}
    test = {rate: spread([r.test_accuracy for r in runs[rate]]) for rate in RATES}
    rows: list[Row] = [
        {
            "dropout": rate,
            "train accuracy": trained[rate],
            "test accuracy": test[rate],
            "gap (train - test)": spread([r.train_accuracy - r.test_accuracy for r in runs[rate]]),
        }
        for rate in RATES
    ]
    names = [f"{rate:.0%}" for rate in RATES]
    checks = quick_checks(
        [
            judge(
                "training accuracy",
                names,
                [98.6, 97.2, 95.8],
                "98.6%, 97.2%, 95.8%",
                [trained[r] for r in RATES],
                "%",
                quick,
                floor=0.01,
            ),
            judge(
                "test accuracy",
                names,
                [90.2, 92.1, 93.5],
                "90.2%, 92.1%, 93.5%",
                [test[r] for r in RATES],
                "%",
                quick,
                floor=0.01,
            ),
        ],
        quick,
    )
    plot = _plot(runs, trained, test, grid, out)
    return Result(
        "dropout",
        "6. Dropout",
        "more dropout lowers training accuracy and raises test accuracy",
        list(rows[0]),
        rows,
        {"dropout": "%", "train accuracy": "%", "test accuracy": "%", "gap (train - test)": "%"},
        plot,
        {
            "task": moons(seed, 30, n_test, 0.3).description,
            "model": base.model_text().replace("'relu'", "'relu', dropout=p"),
            "loss": "bce_with_logits",
            "optimizer": base.optimizer_text(),
            "epochs": epochs,
            "batch_size": base.batch_size,
        },
        checks,
        [PAIRED_RULE.format(floor="1 point of accuracy")],
        "Without dropout the boundary bends around single training points; the bars show "
        "whether the gap between training and test accuracy closes as the rate grows.",
        seeds,
        quick,
        ARTICLE,
    )


def _plot(
    runs: dict[float, list[Run]],
    trained: dict[float, Spread],
    test: dict[float, Spread],
    grid: int,
    out: Path,
) -> Path:
    fig, axes = figure(4, width=4.4, height=4.3)
    classes = [
        (label, colour, marker, f"class {label}")
        for label, colour, marker in ((0, "tab:blue", "o"), (1, "tab:orange", "s"))
    ]
    first = runs[RATES[0]][0].spec
    task = moons(first.seed, 30, first.n_test, 0.3)
    for ax, (rate, rs) in zip(axes[0], runs.items()):
        model = rs[0].model
        model.eval()
        decision_regions(
            ax,
            functools.partial(_score, model),
            task.X_train,
            task.y_train,
            classes,
            (-2.0, 2.5, -1.75, 1.75),
            n=grid,
            fills=("#9ecae1", "#fdae6b"),
        )
        ax.set(title=f"dropout {rate:.0%} (first seed)", xlabel="x1", ylabel="x2")
        ax.legend(loc="lower left", fontsize=8)
    right = axes[0][3]
    names = [f"{r:.0%}" for r in RATES]
    bars(
        right,
        [f"train {n}" for n in names] + [f"test {n}" for n in names],
        [trained[r] for r in RATES] + [test[r] for r in RATES],
        scale=100,
        colors=["tab:gray"] * 3 + ["tab:green"] * 3,
    )
    right.tick_params(axis="x", labelrotation=45)
    right.set(ylabel="accuracy (%)", title="Mean ± std over seeds", ylim=(50, 102))
    right.legend(loc="lower right", fontsize=8)
    return save(
        fig, out, "dropout", "Decision regions learnt from 30 points, with and without dropout"
    )


def _score(model: MLP, x: list[float]) -> float:
    out = model(x)
    return float(out.data) if not isinstance(out, list) else float(out[0].data)


main = cli(run, "Dropout 0%, 30% and 50%: training and test accuracy on a task that overfits.")

if __name__ == "__main__":
    raise SystemExit(main())
