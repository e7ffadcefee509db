"""Momentum against plain gradient descent on an ill-conditioned bowl.

    python -m demos.momentum [--quick] [--seed 0] [--out demo-output]

f(x, y) = (x**2 + 50 y**2) / 2 is a long, narrow valley: 50 times steeper
across (y) than along (x). Two Values are the parameters and
nn.optim.SGD takes the steps, with and without momentum, at the same
learning rate. Plain descent zigzags across the valley and crawls along
it; momentum keeps the speed it builds up along the valley floor. The seed
picks the starting point on the far side of the valley; 5 seeds, 5 starts.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from demos._common import Result, Row, cli, quick_checks, seeds_for
from demos._plots import figure, log_scale, save
from demos._stats import PAIRED_RULE, judge, spread
from engine import Value
from nn.optim import SGD

CURVATURE = 50.0  # the bowl's condition number: f = (x**2 + CURVATURE * y**2) / 2
LR = 0.036  # just under the stability limit 2 / CURVATURE for plain gradient descent
METHODS = {"gradient descent": 0.0, "momentum 0.7": 0.7}
TARGET = 1e-3
SHOWN = 40  # steps drawn on the contour plot


def bowl(x: Value, y: Value) -> Value:
    return 0.5 * (x**2 + CURVATURE * y**2)


def descend(
    start: tuple[float, float],
    momentum: float,
    steps: int,
) -> tuple[list[tuple[float, float]], list[float]]:
    """The path of (x, y) and f at each point, from ``start`` for ``steps`` steps."""
    x, y = Value(start[0], label="x"), Value(start[1], label="y")
    optimizer = SGD([x, y], lr=LR, momentum=momentum)
    path, values = [], []
    for _ in range(steps):
        f = bowl(x, y)
        path.append((x.data, y.data))
        values.append(f.data)
        optimizer.zero_grad()
        f.backward()
        optimizer.step()
    path.append((x.data, y.data))
    values.append(bowl(x, y).data)
    return path, values


def start_point(seed: int) -> tuple[float, float]:
    """A starting point on the far side of the valley, drawn with ``seed``."""
    rng = random.Random(seed)
    return (-10.0 + rng.uniform(-0.5, 0.5), 1.0 + rng.uniform(-0.2, 0.2))


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    steps = 200 if quick else 300
    config = {
        "function": f"f(x, y) = (x**2 + {CURVATURE:g} y**2) / 2",
        "start": "x = -10 ± 0.5, y = 1 ± 0.2, drawn with each seed",
        "optimizer": f"nn.optim.SGD(lr={LR}, momentum=0 or 0.7)",
        "steps": steps,
        "target": f"f < {TARGET:g} (never reached counts as {steps})",
    }
    runs = {
        name: [descend(start_point(s), beta, steps) for s in seeds]
        for name, beta in METHODS.items()
    }
    reach = {
        name: spread(
            [next((k for k, v in enumerate(values) if v < TARGET), None) for _, values in rs], steps
        )
        for name, rs in runs.items()
    }
    rows: list[Row] = [
        {
            "method": name,
            "steps to f < 0.001": reach[name],
            f"f after {steps} steps": spread([values[-1] for _, values in rs]),
            f"distance to the minimum after {SHOWN} steps": spread(
                [math.hypot(*path[SHOWN]) for path, _ in rs]
            ),
        }
        for name, rs in runs.items()
    ]
    names = list(METHODS)
    checks = quick_checks(
        [
            judge(
                f"steps to f < {TARGET:g} at the same learning rate",
                names,
                [1, 0],
                "momentum converges faster",
                [reach[n] for n in names],
                ".0f",
                quick,
            )
        ],
        quick,
    )
    plot = _plot({name: rs[0] for name, rs in runs.items()}, out)
    return Result(
        "momentum",
        "Momentum in gradient descent",
        "momentum accumulates past gradients and converges faster",
        list(rows[0]),
        rows,
        {
            "steps to f < 0.001": ".0f",
            f"f after {steps} steps": ".3g",
            f"distance to the minimum after {SHOWN} steps": ".3g",
        },
        plot,
        config,
        checks,
        [
            PAIRED_RULE.format(floor="0 steps"),
            "The bowl has no local minima, so the article's claim that momentum gets past "
            "them is not tested here.",
        ],
        "Plain descent zigzags across the narrow valley and crawls along it; momentum keeps "
        "the speed it builds up along the floor.",
        seeds,
        quick,
        None,
        data={"starts": [start_point(s) for s in seeds]},
    )


def _plot(runs: dict[str, tuple[list[tuple[float, float]], list[float]]], out: Path) -> Path:
    fig, axes = figure(2, width=6.5, height=4.8)
    left, right = axes[0]
    xs = [-11 + 13 * i / 199 for i in range(200)]
    ys = [-1.6 + 3.2 * j / 199 for j in range(200)]
    grid = [[0.5 * (x * x + CURVATURE * y * y) for x in xs] for y in ys]
    levels = [0.01 * 2**k for k in range(15)]
    left.contour(xs, ys, grid, levels=levels, colors="grey", linewidths=0.7)
    colours = {"gradient descent": "tab:red", "momentum 0.7": "tab:blue"}
    for name, (path, values) in runs.items():
        shown = path[: SHOWN + 1]
        left.plot(
            [p[0] for p in shown],
            [p[1] for p in shown],
            marker="o",
            markersize=3,
            linewidth=1.2,
            color=colours[name],
            label=f"{name}, first {SHOWN} steps (first seed)",
        )
        right.plot(range(len(values)), values, linewidth=2, color=colours[name], label=name)
    left.plot([0], [0], marker="*", markersize=14, color="black", linestyle="none", label="minimum")
    left.set(
        xlabel="x (along the valley)",
        ylabel="y (across the valley)",
        title="Paths over the contours of f",
        xlim=(-11, 2),
        ylim=(-1.6, 1.6),
    )
    left.legend(fontsize=9, loc="lower right")
    right.axhline(TARGET, color="black", linestyle="--", linewidth=1, label=f"f = {TARGET:g}")
    right.set(xlabel="step", ylabel="f(x, y) (log scale)", title="Value of f at each step")
    log_scale(right)
    right.set_ylim(TARGET * 1e-6, max(max(v) for _, v in runs.values()) * 3)
    right.legend()
    return save(
        fig,
        out,
        "momentum",
        f"Plain gradient descent vs momentum, same lr {LR}, on a 1:{CURVATURE:g} bowl",
    )


main = cli(run, "Gradient descent against momentum on an ill-conditioned quadratic bowl.")

if __name__ == "__main__":
    raise SystemExit(main())
