"""Article table 6: dropout 0%, 30% and 50%: training and test accuracy.

    python -m demos.dropout [--quick] [--seed 0] [--out demo-output]

A task small enough to overfit: 30 noisy moons points to learn from, 500
to test on, and a network with over a thousand weights. Without dropout it
learns the training points by heart; dropout (after each hidden layer, in
training only) makes memorising harder. Both accuracies are measured after
training in eval mode, with dropout off. The plot shows each model's
decision regions with the 30 training points.
"""

from __future__ import annotations

import functools
import random
from pathlib import Path

from demos._common import (
    ACCURACY_TOL,
    Result,
    Row,
    Table,
    cli,
    compare,
    decision_regions,
    figure,
    moons,
    number,
    save,
    sentence,
)
from nn import MLP, fit
from nn.metrics import accuracy
from nn.optim import Adam

RATES = (0.0, 0.3, 0.5)
ARTICLE = Table(
    ["dropout rate (%)", "training accuracy (%)", "test accuracy (%)"],
    [[0, 98.6, 90.2], [30, 97.2, 92.1], [50, 95.8, 93.5]],
)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    width, epochs, grid = (16, 40, 25) if quick else (32, 300, 60)
    task = moons(seed, n_train=30, n_test=500, noise=0.3)
    config = {
        "task": task.description,
        "model": f"MLP(2, [{width}, {width}, 1], 'relu', dropout=p), kaiming_uniform",
        "loss": "bce_with_logits",
        "optimizer": "Adam(lr=0.01)",
        "epochs": epochs,
        "batch_size": 16,
        "weights and dropout seed": seed,
        "shuffle seed": seed,
    }
    rows: list[Row] = []
    models = {}
    for rate in RATES:
        random.seed(seed)  # the same initial weights; dropout draws from the same stream
        model = MLP(2, [width, width, 1], activation="relu", dropout=rate, init="kaiming_uniform")
        fit(
            model,
            task.X_train,
            task.y_train,
            loss="bce_with_logits",
            optimizer=Adam(model.parameters(), lr=0.01),
            epochs=epochs,
            batch_size=16,
            verbose=False,
            seed=seed,
        )
        models[rate] = model
        train = accuracy(model, task.X_train, task.y_train)
        test = accuracy(model, task.X_test, task.y_test)
        rows.append(
            {
                "dropout": rate,
                "train accuracy": train,
                "test accuracy": test,
                "gap (train - test)": train - test,
            }
        )
    plot = _plot(models, rows, task.X_train, task.y_train, grid, out)
    names = [f"{rate:.0%}" for rate in RATES]
    verdict = sentence(
        [
            compare(
                "training accuracy",
                names,
                [98.6, 97.2, 95.8],
                [number(r["train accuracy"]) for r in rows],
                ACCURACY_TOL,
                ".1%",
            ),
            compare(
                "test accuracy",
                names,
                [90.2, 92.1, 93.5],
                [number(r["test accuracy"]) for r in rows],
                ACCURACY_TOL,
                ".1%",
            ),
        ]
    )
    return Result(
        "dropout",
        "6. Dropout",
        "more dropout lowers training accuracy and raises test accuracy",
        list(rows[0]),
        rows,
        {"dropout": "%", "train accuracy": "%", "test accuracy": "%", "gap (train - test)": "%"},
        plot,
        config,
        verdict,
        ARTICLE,
    )


def _plot(
    models: dict[float, MLP],
    rows: list[Row],
    X: list[list[float]],
    y: list[int],
    grid: int,
    out: Path,
) -> Path:
    fig, axes = figure(3, width=4.6, height=4.4)
    classes = [
        (label, colour, marker, f"class {label} (training)")
        for label, colour, marker in ((0, "tab:blue", "o"), (1, "tab:orange", "s"))
    ]
    for ax, (rate, model), row in zip(axes[0], models.items(), rows):
        model.eval()
        decision_regions(
            ax,
            functools.partial(_score, model),
            X,
            y,
            classes,
            (-2.0, 2.5, -1.75, 1.75),
            n=grid,
            fills=("#9ecae1", "#fdae6b"),
        )
        ax.set(
            title=f"dropout {rate:.0%}: train {number(row['train accuracy']):.0%}, "
            f"test {number(row['test accuracy']):.0%}",
            xlabel="x1",
            ylabel="x2",
        )
        ax.legend(loc="lower left", fontsize=8)
    return save(
        fig, out, "dropout", "Decision regions learnt from 30 points, with and without dropout"
    )


def _score(model: MLP, x: list[float]) -> float:
    out = model(x)
    return float(out.data) if not isinstance(out, list) else float(out[0].data)


main = cli(run, "Dropout 0%, 30% and 50%: training and test accuracy on a task that overfits.")

if __name__ == "__main__":
    raise SystemExit(main())
