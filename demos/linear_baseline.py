"""The backpropagation article: linear activations cannot learn a non-linear boundary.

    python -m demos.linear_baseline [--quick] [--seed 0] [--out demo-output]

The article: activation functions "introduce non-linearity into the neural
network, allowing it to learn complex patterns in the data". The same MLP
2-8-8-1 with the same initial weights per seed is trained on two moons
(whose boundary is curved) with linear hidden units, which make the whole
network one linear function of its input however many layers it has, and
with tanh; over 5 seeds. The plot shows the first seed's boundaries.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

from demos._common import Result, Row, Run, Spec, cli, moons, quick_checks, seeds_for, train
from demos._plots import decision_regions, figure, save
from demos._stats import PAIRED_RULE, judge, spread
from nn import MLP

ACTIVATIONS = {"linear": "linear", "tanh": "tanh"}


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    base = Spec(seed, n_train=40, epochs=4) if quick else Spec(seed)
    runs = {a: [train(replace(base, seed=s, activation=a)) for s in seeds] for a in ACTIVATIONS}
    test = {a: spread([r.test_accuracy for r in runs[a]]) for a in ACTIVATIONS}
    trained = {a: spread([r.train_accuracy for r in runs[a]]) for a in ACTIVATIONS}
    rows: list[Row] = [
        {
            "hidden units": a,
            "train accuracy": trained[a],
            "test accuracy": test[a],
            "final loss": spread([r.losses[-1] for r in runs[a]]),
        }
        for a in ACTIVATIONS
    ]
    checks = quick_checks(
        [
            judge(
                "training accuracy on a curved boundary",
                ["linear", "tanh"],
                [0, 1],
                "non-linearity lets the network learn complex patterns",
                [trained["linear"], trained["tanh"]],
                "%",
                quick,
                floor=0.01,
            ),
            judge(
                "test accuracy on a curved boundary",
                ["linear", "tanh"],
                [0, 1],
                "non-linearity lets the network learn complex patterns",
                [test["linear"], test["tanh"]],
                "%",
                quick,
                floor=0.01,
            ),
        ],
        quick,
    )
    plot = _plot(runs, out)
    return Result(
        "linear_baseline",
        "Linear against non-linear activations",
        "activation functions introduce the non-linearity that lets a network learn "
        "complex patterns",
        list(rows[0]),
        rows,
        {"train accuracy": "%", "test accuracy": "%", "final loss": ".3f"},
        plot,
        {
            "task": moons(seed, base.n_train, base.n_test).description,
            "model": base.model_text().replace("'tanh'", "'linear' or 'tanh'"),
            "loss": "bce_with_logits",
            "optimizer": base.optimizer_text(),
            "epochs": base.epochs,
            "batch_size": base.batch_size,
        },
        checks,
        [PAIRED_RULE.format(floor="1 point of accuracy")],
        "However long it trains, the linear network's boundary is a straight line; tanh's can "
        "bend (in 30 epochs it does not always: compare the seeds in the table).",
        seeds,
        quick,
        None,
    )


def _plot(runs: dict[str, list[Run]], out: Path) -> Path:
    fig, axes = figure(2, width=5.5, height=4.8)
    first = runs["linear"][0].spec
    task = moons(first.seed, first.n_train, first.n_test)
    classes = [(0, "tab:blue", "o", "class 0"), (1, "tab:orange", "s", "class 1")]
    for ax, (act, rs) in zip(axes[0], runs.items()):
        decision_regions(
            ax,
            functools.partial(_score, rs[0].model),
            task.X_train,
            task.y_train,
            classes,
            (-2.0, 2.5, -1.5, 2.0),
            n=40,
        )
        ax.set(
            title=f"{act} hidden units: test {rs[0].test_accuracy:.0%} (first seed)",
            xlabel="x1",
            ylabel="x2",
        )
        ax.legend(loc="lower left", fontsize=8)
    return save(fig, out, "linear_baseline", "A linear network against a tanh network on two moons")


def _score(model: MLP, x: list[float]) -> float:
    out = model(x)
    return float(out.data) if not isinstance(out, list) else float(out[0].data)


main = cli(run, "Linear against tanh hidden units on a curved boundary, over 5 seeds.")

if __name__ == "__main__":
    raise SystemExit(main())
