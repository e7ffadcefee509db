"""The vanishing gradient: how big the gradient is at each layer of a deep MLP.

    python -m demos.vanishing_gradient [--quick] [--seed 0] [--out demo-output]

Ten hidden layers of 8 units, with sigmoid, tanh or ReLU, each with its
usual initialisation (Xavier for sigmoid and tanh, Kaiming for ReLU). One
backward pass of the BCE loss on a batch of moons points, at
initialisation, over 5 random initialisations (seeds). Each layer's
gradient is summarised as the root mean square over its weights, so that
layers of different shapes compare fairly.

The same network with skip connections (``nn.blocks.Residual``: each
hidden layer after the first computes ``x + layer(x)``) shows how the
identity path carries the gradient back undiminished.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from demos._common import Result, Row, cli, quick_checks, seeds_for
from demos._plots import figure, log_scale, positive_band, save
from demos._stats import PAIRED_RULE, Spread, judge, spread
from engine import Value
from nn import Layer, Module, make_moons
from nn.blocks import Residual, Sequential
from nn.losses import binary_cross_entropy_with_logits
from nn.metrics import grad_norm, weights_of

DEPTH, WIDTH = 10, 8
ACTIVATIONS = {"sigmoid": "xavier_uniform", "tanh": "xavier_uniform", "relu": "kaiming_uniform"}
ARCHITECTURES = ("plain", "residual")


def deep_mlp(activation: str, skip: bool) -> Sequential:
    """2 -> DEPTH hidden layers of WIDTH -> 1; with ``skip``, layers 2.. are residual."""
    init = ACTIVATIONS[activation]
    hidden: list[Module] = [Layer(2, WIDTH, activation=activation, init=init)]
    for _ in range(DEPTH - 1):
        layer = Layer(WIDTH, WIDTH, activation=activation, init=init)
        hidden.append(Residual(layer) if skip else layer)
    return Sequential(*hidden, Layer(WIDTH, 1, activation="linear", init="xavier_uniform"))


def layer_gradients(model: Sequential, X: list[list[float]], y: list[int]) -> list[float]:
    """RMS gradient over each hidden layer's weights, after one backward pass."""
    preds: list[Value] = [model(x) for x in X]
    loss = binary_cross_entropy_with_logits(preds, y)
    model.zero_grad()
    loss.backward()
    sizes = []
    for layer in model.layers[:DEPTH]:
        weights = weights_of(layer)
        sizes.append(grad_norm(weights) / math.sqrt(len(weights)))
    return sizes


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    n = 24 if quick else 64
    X, y = make_moons(n, noise=0.2, seed=seed)
    config = {
        "task": f"one batch: make_moons({n}, noise=0.2, seed={seed})",
        "model": f"2 -> {DEPTH} x {WIDTH} hidden -> 1; residual: x + layer(x) for layers "
        f"2..{DEPTH}",
        "init": "xavier_uniform (sigmoid, tanh), kaiming_uniform (relu); biases 0",
        "loss": "bce_with_logits, one backward pass at initialisation",
    }
    profiles: dict[tuple[str, str], list[list[float]]] = {}
    rows: list[Row] = []
    ratios: dict[tuple[str, str], Spread] = {}
    first: dict[tuple[str, str], Spread] = {}
    for activation in ACTIVATIONS:
        for arch in ARCHITECTURES:
            per_seed = []
            for s in seeds:
                random.seed(s)
                model = deep_mlp(activation, skip=arch == "residual")
                per_seed.append(layer_gradients(model, X, y))
            profiles[activation, arch] = per_seed
            ratios[activation, arch] = spread([math.log10(p[0] / p[-1]) for p in per_seed])
            first[activation, arch] = spread([math.log10(p[0]) for p in per_seed])
            rows.append(
                {
                    "activation": activation,
                    "network": arch,
                    "layer 1 (input side)": spread([p[0] for p in per_seed]),
                    f"layer {DEPTH} (output side)": spread([p[-1] for p in per_seed]),
                    "log10(layer 1 / layer 10)": ratios[activation, arch],
                }
            )
    zero = spread([0.0] * len(seeds))
    checks = [
        judge(
            f"sigmoid, plain network: log10 of the layer-1 / layer-{DEPTH} gradient",
            [f"layer 1 / layer {DEPTH}", "no shrinking"],
            [-1, 0],
            "gradients become extremely small in early layers",
            [ratios["sigmoid", "plain"], zero],
            ".2f",
            quick,
        ),
        judge(
            f"plain network: log10 of the layer-1 / layer-{DEPTH} gradient by activation",
            list(ACTIVATIONS),
            [-1, 0, 0],
            "other activation functions alleviate it",
            [ratios[a, "plain"] for a in ACTIVATIONS],
            ".2f",
            quick,
        ),
    ]
    for activation in ACTIVATIONS:
        checks.append(
            judge(
                f"{activation}: log10 of the layer-1 gradient, plain vs skip connections",
                ["plain", "residual"],
                [0, 1],
                "skip connections alleviate the problem",
                [first[activation, "plain"], first[activation, "residual"]],
                ".2f",
                quick,
            )
        )
    plot = _plot(profiles, out)
    return Result(
        "vanishing_gradient",
        "Vanishing gradients and skip connections",
        "gradients shrink as they travel back through many layers; other activations "
        "and skip connections alleviate it",
        list(rows[0]),
        rows,
        {
            "layer 1 (input side)": ".3g",
            f"layer {DEPTH} (output side)": ".3g",
            "log10(layer 1 / layer 10)": ".2f",
        },
        plot,
        config,
        quick_checks(checks, quick),
        [PAIRED_RULE.format(floor="0 (on log10 of the gradients, so a ratio)")],
        "On the log scale a straight falling line is a gradient shrinking by the same factor at "
        "every layer; compare the left panel with the right.",
        seeds,
        quick,
        None,
        data={"profiles": {f"{a}/{k}": p for (a, k), p in profiles.items()}},
    )


def _plot(profiles: dict[tuple[str, str], list[list[float]]], out: Path) -> Path:
    fig, axes = figure(2, width=6, height=4.8)
    colours = {"sigmoid": "tab:blue", "tanh": "tab:orange", "relu": "tab:green"}
    values = [g for runs in profiles.values() for p in runs for g in p]
    for ax, arch in zip(axes[0], ARCHITECTURES):
        for activation in ACTIVATIONS:
            positive_band(
                ax,
                profiles[activation, arch],
                activation,
                color=colours[activation],
                x=list(range(1, DEPTH + 1)),
            )
        ax.set(
            xlabel="hidden layer (1 = next to the input)",
            ylabel="RMS gradient of the layer's weights (log scale)",
            title=f"{arch.capitalize()} network" + (": x + layer(x)" if arch == "residual" else ""),
        )
        ax.set_xticks(range(1, DEPTH + 1))
        log_scale(ax)
        ax.set_ylim(min(values) / 2, max(values) * 2)
        ax.legend()
    return save(
        fig,
        out,
        "vanishing_gradient",
        f"Gradient per layer of a {DEPTH}-layer MLP at initialisation (geometric mean ± std)",
    )


main = cli(run, "The gradient at each layer of a deep MLP, with and without skip connections.")

if __name__ == "__main__":
    raise SystemExit(main())
