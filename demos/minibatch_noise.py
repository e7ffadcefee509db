"""The backpropagation article: mini-batch against full-batch gradient descent.

    python -m demos.minibatch_noise [--quick] [--seed 0] [--out demo-output]

The article: mini-batch gradient descent "can significantly improve the
efficiency of the learning process ... and faster convergence. It also
introduces some level of randomness into the updates". The same model and
initial weights per seed are trained with plain SGD on the whole training
set per step (full batch) and on mini-batches of 10, for the same number of
epochs, so both see every sample equally often and do the same forward and
backward work; over 5 seeds. The randomness is measured at the initial
weights: the cosine between each mini-batch's gradient and the full-batch
gradient (1 would be the same direction). The claim that the noise helps
escape local minima is not tested here.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from pathlib import Path

from demos._common import (
    Result,
    Row,
    Run,
    Spec,
    cli,
    moons,
    quick_checks,
    score,
    seeds_for,
    train,
)
from demos._plots import figure, log_scale, positive_band, save
from demos._stats import PAIRED_RULE, judge, spread
from nn import MLP
from nn.losses import binary_cross_entropy_with_logits

MINI = 10


def gradient(model: MLP, X: list[list[float]], y: list[int]) -> list[float]:
    """The gradient of the mean BCE over ``(X, y)`` with respect to every parameter."""
    model.zero_grad()
    binary_cross_entropy_with_logits([score(model, x) for x in X], y).backward()
    return [p.grad for p in model.parameters()]


def cosines(spec: Spec) -> list[float]:
    """Cosine of each mini-batch gradient (one shuffled epoch) to the full gradient."""
    task = moons(spec.seed, spec.n_train, spec.n_test)
    random.seed(spec.seed)
    model = MLP(2, list(spec.widths), activation=spec.activation, init=spec.init)
    full = gradient(model, task.X_train, task.y_train)
    order = list(range(len(task.X_train)))
    random.Random(spec.seed).shuffle(order)
    result = []
    for k in range(0, len(order), MINI):
        batch = order[k : k + MINI]
        g = gradient(model, [task.X_train[i] for i in batch], [task.y_train[i] for i in batch])
        dot = sum(a * b for a, b in zip(g, full))
        result.append(dot / (math.hypot(*g) * math.hypot(*full)))
    return result


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    n, epochs = (40, 4) if quick else (80, 25)
    base = Spec(seed, n_train=n, lr=0.3, momentum=0.0, epochs=epochs)
    sizes = {"full batch": n, f"mini-batch of {MINI}": MINI}
    runs = {
        name: [train(replace(base, seed=s, batch_size=bs)) for s in seeds]
        for name, bs in sizes.items()
    }
    final = {name: spread([r.losses[-1] for r in runs[name]]) for name in sizes}
    mini_cos = [cosines(replace(base, seed=s)) for s in seeds]
    noise = {
        "full batch": spread([0.0] * len(seeds)),  # the full gradient, by construction
        f"mini-batch of {MINI}": spread([1 - sum(c) / len(c) for c in mini_cos]),
    }
    rows: list[Row] = [
        {
            "batch": name,
            "steps per epoch": -(-n // bs),
            f"training loss after {epochs} epochs": final[name],
            "test accuracy": spread([r.test_accuracy for r in runs[name]]),
            "1 - cosine to the full gradient": noise[name],
        }
        for name, bs in sizes.items()
    ]
    names = list(sizes)
    checks = quick_checks(
        [
            judge(
                f"training loss after the same {epochs} epochs (same gradient work)",
                names,
                [1, 0],
                "mini-batches converge faster",
                [final[nm] for nm in names],
                ".3f",
                quick,
            ),
            judge(
                "randomness of the update direction (1 - cosine to the full gradient)",
                names,
                [0, 1],
                "mini-batches add randomness to the updates",
                [noise[nm] for nm in names],
                ".3f",
                quick,
            ),
        ],
        quick,
    )
    plot = _plot(runs, [c for cs in mini_cos for c in cs], out)
    return Result(
        "minibatch_noise",
        "Mini-batch against full-batch gradient descent",
        "mini-batches converge faster for the same work and add randomness to the updates",
        list(rows[0]),
        rows,
        {
            f"training loss after {epochs} epochs": ".3f",
            "test accuracy": "%",
            "1 - cosine to the full gradient": ".3f",
        },
        plot,
        {
            "task": moons(seed, n, base.n_test).description,
            "model": base.model_text(),
            "loss": "bce_with_logits",
            "optimizer": base.optimizer_text(),
            "epochs": epochs,
            "batches": f"{n} (full) or {MINI}",
            "gradient noise": "at the initial weights, one shuffled epoch of mini-batches",
        },
        checks,
        [
            PAIRED_RULE.format(floor="0"),
            "The full batch's direction is the full gradient by construction (1 - cosine = 0).",
        ],
        "Both curves see every sample once per epoch, the mini-batch one in 8 smaller, noisier "
        "steps; the right panel shows how far single mini-batch gradients point from the full one.",
        seeds,
        quick,
        None,
    )


def _plot(runs: dict[str, list[Run]], cos: list[float], out: Path) -> Path:
    fig, axes = figure(2)
    left, right = axes[0]
    for name, rs in runs.items():
        positive_band(left, [r.losses for r in rs], name)
    left.set(
        xlabel="epoch (every sample seen once)",
        ylabel="training loss (log scale)",
        title="Same gradient work, geometric mean ± std over seeds",
    )
    log_scale(left)
    left.legend()
    right.hist(cos, bins=20, range=(-1, 1), color="tab:orange", alpha=0.8)
    right.axvline(1.0, color="tab:blue", linewidth=3, label="full batch (cosine 1)")
    right.set(
        xlabel=f"cosine of a mini-batch-of-{MINI} gradient to the full gradient",
        ylabel="mini-batches (all seeds)",
        title="How random a mini-batch step is",
    )
    right.legend()
    return save(fig, out, "minibatch_noise", "Mini-batch vs full-batch gradient descent")


main = cli(run, "Mini-batch against full-batch gradient descent, over 5 seeds.")

if __name__ == "__main__":
    raise SystemExit(main())
