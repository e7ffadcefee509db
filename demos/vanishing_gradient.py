"""The vanishing gradient: how big the gradient is at each layer of a deep MLP.

    python -m demos.vanishing_gradient [--quick] [--seed 0] [--out demo-output]

Ten hidden layers of 8 units, with sigmoid, tanh or ReLU, each with its
usual initialisation (Xavier for sigmoid and tanh, Kaiming for ReLU). One
backward pass of the BCE loss on a batch of moons points, at
initialisation, averaged over several random initialisations. Each layer's
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

from demos._common import Result, Row, cli, figure, log_scale, number, save, sentence
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
    n, seeds = (48, 3) if quick else (200, 10)
    X, y = make_moons(n, noise=0.2, seed=seed)
    config = {
        "task": f"one batch: make_moons({n}, noise=0.2, seed={seed})",
        "model": f"2 -> {DEPTH} x {WIDTH} hidden -> 1; residual: x + layer(x) for layers "
        f"2..{DEPTH}",
        "init": "xavier_uniform (sigmoid, tanh), kaiming_uniform (relu); biases 0",
        "loss": "bce_with_logits, one backward pass at initialisation",
        "initialisations averaged": seeds,
        "weights seeds": f"{seed} .. {seed + seeds - 1}",
    }
    profiles: dict[tuple[str, str], list[float]] = {}
    rows: list[Row] = []
    for activation in ACTIVATIONS:
        for arch in ARCHITECTURES:
            total = [0.0] * DEPTH
            for k in range(seeds):
                random.seed(seed + k)
                model = deep_mlp(activation, skip=arch == "residual")
                total = [t + g for t, g in zip(total, layer_gradients(model, X, y))]
            profile = [t / seeds for t in total]
            profiles[activation, arch] = profile
            rows.append(
                {
                    "activation": activation,
                    "network": arch,
                    "layer 1 (input side)": profile[0],
                    f"layer {DEPTH} (output side)": profile[-1],
                    "layer 1 / layer 10": profile[0] / profile[-1],
                }
            )
    plot = _plot(profiles, out)
    ratio = {
        (str(r["activation"]), str(r["network"])): number(r["layer 1 / layer 10"]) for r in rows
    }
    vanishing = [a for a in ACTIVATIONS if ratio[a, "plain"] < 0.1]
    rescued = [a for a in vanishing if ratio[a, "residual"] > 10 * ratio[a, "plain"]]

    def factors(arch: str) -> str:
        return ", ".join(f"{ratio[a, arch]:.2g} ({a})" for a in ACTIVATIONS)

    clauses = [
        f"the article says gradients get extremely small as they pass back through many "
        f"layers: in the plain network the layer-1 gradient is {factors('plain')} times the "
        f"layer-{DEPTH} gradient, so it vanishes (below a tenth) for "
        f"{', '.join(vanishing) or 'none of them'}",
        f"with skip connections the ratios are {factors('residual')}, so the skip connection "
        + (
            f"rescues {', '.join(rescued)}, as the article says"
            if rescued
            else "rescues none of the vanishing ones, unlike what the article says"
            if vanishing
            else "has nothing to rescue here"
        ),
    ]
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
            "layer 1 / layer 10": ".3g",
        },
        plot,
        config,
        sentence(clauses),
        None,
        data={"profiles": {f"{a}/{k}": p for (a, k), p in profiles.items()}},
    )


def _plot(profiles: dict[tuple[str, str], list[float]], out: Path) -> Path:
    fig, axes = figure(2, width=6, height=4.8)
    colours = {"sigmoid": "tab:blue", "tanh": "tab:orange", "relu": "tab:green"}
    low = min(min(p) for p in profiles.values())
    high = max(max(p) for p in profiles.values())
    for ax, arch in zip(axes[0], ARCHITECTURES):
        for activation in ACTIVATIONS:
            ax.plot(
                range(1, DEPTH + 1),
                profiles[activation, arch],
                marker="o",
                linewidth=2,
                color=colours[activation],
                label=activation,
            )
        ax.set(
            xlabel="hidden layer (1 = next to the input)",
            ylabel="RMS gradient of the layer's weights (log scale)",
            title=f"{arch.capitalize()} network" + (": x + layer(x)" if arch == "residual" else ""),
        )
        ax.set_xticks(range(1, DEPTH + 1))
        log_scale(ax)
        ax.set_ylim(low / 2, high * 2)
        ax.legend()
    return save(
        fig,
        out,
        "vanishing_gradient",
        f"Gradient size per layer of a {DEPTH}-layer MLP at initialisation",
    )


main = cli(run, "The gradient at each layer of a deep MLP, with and without skip connections.")

if __name__ == "__main__":
    raise SystemExit(main())
