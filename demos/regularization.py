"""Article table 5: L1 against L2 regularisation: accuracy and model complexity.

    python -m demos.regularization [--quick] [--seed 0] [--out demo-output]

The same model is trained with no penalty, with ``alpha * sum |w|`` (L1)
and with ``alpha * sum w**2`` (L2) added to the loss, on the weights (not
the biases), with plain SGD. Complexity is measured as the share of weights
that are NOT near zero (|w| >= 0.01): a model with many weights at zero is
a simpler, sparser model.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from demos._common import (
    ACCURACY_TOL,
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
from nn.losses import binary_cross_entropy_with_logits, l1_penalty, l2_penalty
from nn.metrics import accuracy, near_zero_fraction, weights_of
from nn.optim import SGD

ALPHA = 3e-3
TOL = 1e-2
PENALTIES: dict[str, Callable[[list[Value]], Value] | None] = {
    "none": None,
    "L1": l1_penalty,
    "L2": l2_penalty,
}
ARTICLE = Table(
    ["regularization technique", "accuracy (%)", "model complexity"],
    [["L1", 94.8, "High"], ["L2", 95.3, "Low"]],
)


def penalised(
    weights: list[Value],
    penalty: Callable[[list[Value]], Value] | None,
) -> Callable[[list[Any], list[Any]], Value]:
    """The training loss: BCE on the batch plus ``ALPHA * penalty(weights)``."""

    def loss(preds: list[Any], targets: list[Any]) -> Value:
        data_loss = binary_cross_entropy_with_logits(preds, targets)
        return data_loss if penalty is None else data_loss + ALPHA * penalty(weights)

    return loss


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    n, epochs = (100, 15) if quick else (200, 150)
    task = moons(seed, n_train=n, n_test=n)
    config = {
        "task": task.description,
        "model": "MLP(2, [16, 16, 1], 'tanh'), xavier_uniform",
        "loss": f"bce_with_logits + {ALPHA:g} * penalty(weights)",
        "optimizer": "SGD(lr=0.3)",
        "epochs": epochs,
        "batch_size": 32,
        "near zero": f"|w| < {TOL:g}",
        "weights seed": seed,
        "shuffle seed": seed,
    }
    rows: list[Row] = []
    magnitudes: dict[str, list[float]] = {}
    for name, penalty in PENALTIES.items():
        random.seed(seed)
        model = MLP(2, [16, 16, 1], activation="tanh", init="xavier_uniform")
        weights = weights_of(model)
        fit(
            model,
            task.X_train,
            task.y_train,
            loss=penalised(weights, penalty),
            optimizer=SGD(model.parameters(), lr=0.3),
            epochs=epochs,
            batch_size=32,
            verbose=False,
            seed=seed,
        )
        magnitudes[name] = sorted((abs(w.data) for w in weights), reverse=True)
        zero = near_zero_fraction(weights, TOL)
        rows.append(
            {
                "penalty": name,
                "train accuracy": accuracy(model, task.X_train, task.y_train),
                "test accuracy": accuracy(model, task.X_test, task.y_test),
                "weights near zero": zero,
                "complexity (weights not near zero)": 1 - zero,
                "mean |w|": sum(magnitudes[name]) / len(weights),
            }
        )
    plot = _plot(magnitudes, rows, out)
    l1, l2 = rows[1], rows[2]
    verdict = sentence(
        [
            compare(
                "test accuracy",
                ["L1", "L2"],
                [94.8, 95.3],
                [number(l1["test accuracy"]), number(l2["test accuracy"])],
                ACCURACY_TOL,
                ".1%",
            ),
            _complexity(number(l1["weights near zero"]), number(l2["weights near zero"])),
        ]
    )
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
        config,
        verdict,
        ARTICLE,
    )


def _complexity(l1_zero: float, l2_zero: float) -> str:
    """The article rates L1's model 'High' and L2's 'Low' in complexity; do we?"""
    if abs(l1_zero - l2_zero) < 0.02:
        ours, verdict = "about as complex as", "disagrees: no clear difference"
    elif l1_zero < l2_zero:
        ours, verdict = "more complex than", "agrees"
    else:
        ours, verdict = "simpler than", "disagrees: the order is reversed"
    return (
        f"complexity: the article rates L1's model High and L2's Low, we find L1's "
        f"{ours} L2's ({l1_zero:.0%} against {l2_zero:.0%} of the weights near zero; "
        f"{verdict})"
    )


def _plot(magnitudes: dict[str, list[float]], rows: list[Row], out: Path) -> Path:
    fig, axes = figure(1, width=8, height=5.5)
    ax = axes[0][0]
    for (name, values), row in zip(magnitudes.items(), rows):
        label = (
            f"{name}: {number(row['weights near zero']):.0%} near zero, "
            f"test accuracy {number(row['test accuracy']):.0%}"
        )
        ax.plot(range(1, len(values) + 1), [max(v, 1e-6) for v in values], linewidth=2, label=label)
    ax.axhline(TOL, color="black", linestyle="--", linewidth=1, label=f"near zero: |w| < {TOL:g}")
    ax.set(
        xlabel="weight rank (largest first)",
        ylabel="|w| (log scale)",
        title=f"Every weight's size after training, alpha = {ALPHA:g}",
    )
    log_scale(ax)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    return save(fig, out, "regularization", "No penalty vs L1 vs L2: how many weights survive")


main = cli(run, "L1 against L2 regularisation: accuracy and the share of near-zero weights.")

if __name__ == "__main__":
    raise SystemExit(main())
