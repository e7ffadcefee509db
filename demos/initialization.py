"""Article table 7: zero against Xavier initialisation, and why zero cannot work.

    python -m demos.initialization [--quick] [--seed 0] [--out demo-output]

With every weight at zero, all hidden units of a layer compute the same
thing and get the same gradient, so every update keeps them equal: the
layer acts like one unit, however wide it is (the symmetry problem). With
tanh the units are even stuck at zero (tanh(0) = 0 passes no gradient on);
with sigmoid they move, but all together. Xavier's random start breaks the
symmetry. The table counts the distinct hidden units left after training.
"""

from __future__ import annotations

import random
from pathlib import Path

from demos._common import (
    ACCURACY_TOL,
    Result,
    Row,
    Table,
    cli,
    compare,
    figure,
    moons,
    number,
    save,
    sentence,
)
from nn import MLP, Callback, Layer, fit
from nn.callbacks import Logs, TargetReached
from nn.metrics import accuracy
from nn.optim import Adam

INITS = {"zeros": "zero", "xavier_uniform": "Xavier"}
ACTIVATIONS = ("tanh", "sigmoid")
ARTICLE = Table(
    ["weight initialization", "convergence speed (epochs)", "final accuracy (%)"],
    [["Zero", 200, 95.6], ["Xavier", 100, 97.3]],
)


def distinct_units(layer: Layer) -> int:
    """How many different (weights, bias) rows a layer's neurons have."""
    return len({(*(w.data for w in n.w), n.b.data) for n in layer.neurons})


class FirstWeights(Callback):
    """Records w[0] of every first-layer unit after each epoch."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.trace: list[list[float]] = [[n.w[0].data for n in layer.neurons]]

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self.trace.append([n.w[0].data for n in self.layer.neurons])


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    n, epochs, target = (100, 15, 0.85) if quick else (200, 150, 0.9)
    width = 8
    task = moons(seed, n_train=n, n_test=n)
    config = {
        "task": task.description,
        "model": f"MLP(2, [{width}, {width}, 1], activation)",
        "init": "zeros or xavier_uniform (biases start at 0 in both)",
        "loss": "bce_with_logits",
        "optimizer": "Adam(lr=0.05)",
        "epochs": epochs,
        "batch_size": 32,
        "target": f"training accuracy >= {target:.0%}",
        "weights seed": seed,
        "shuffle seed": seed,
    }
    rows: list[Row] = []
    traces: dict[tuple[str, str], tuple[list[list[float]], list[float]]] = {}
    for activation in ACTIVATIONS:
        for init, name in INITS.items():
            random.seed(seed)
            model = MLP(2, [width, width, 1], activation=activation, init=init)
            recorder, reached = (
                FirstWeights(model.layers[0]),
                TargetReached(target, "accuracy", stop=False),
            )
            history = fit(
                model,
                task.X_train,
                task.y_train,
                loss="bce_with_logits",
                optimizer=Adam(model.parameters(), lr=0.05),
                epochs=epochs,
                batch_size=32,
                callbacks=[recorder, reached],
                verbose=False,
                seed=seed,
            )
            traces[activation, name] = recorder.trace, history.history["accuracy"]
            rows.append(
                {
                    "activation": activation,
                    "init": name,
                    "epochs to target": reached.reached_epoch or float("inf"),
                    "test accuracy": accuracy(model, task.X_test, task.y_test),
                    "distinct units, layer 1": distinct_units(model.layers[0]),
                    "distinct units, layer 2": distinct_units(model.layers[1]),
                    "units per layer": width,
                }
            )
    plot = _plot(traces, out)
    tanh = [r for r in rows if r["activation"] == "tanh"]
    zero = [r for r in rows if r["init"] == "zero"]
    units = [int(number(r[f"distinct units, layer {k}"])) for r in zero for k in (1, 2)]
    best_zero = max(number(r["test accuracy"]) for r in zero)
    verdict = sentence(
        [
            compare(
                "with tanh, epochs to the target",
                ["zero", "Xavier"],
                [200, 100],
                [number(r["epochs to target"]) for r in tanh],
            ),
            compare(
                "test accuracy",
                ["zero", "Xavier"],
                [95.6, 97.3],
                [number(r["test accuracy"]) for r in tanh],
                ACCURACY_TOL,
                ".1%",
            ),
            (
                f"zero init left {max(units)} distinct unit{'s' if max(units) > 1 else ''} "
                "per hidden "
                f"layer (of {width}), so the network acts as if it had {max(units)} per layer, and "
                f"its best test accuracy is {best_zero:.1%} against the article's 95.6%"
            ),
        ]
    )
    return Result(
        "initialization",
        "7. Weight initialisation",
        "zero initialisation converges in twice the epochs of Xavier, to a slightly lower accuracy",
        list(rows[0]),
        rows,
        {"test accuracy": "%"},
        plot,
        config,
        verdict,
        ARTICLE,
        data={
            "zero_init_units": [
                (r["distinct units, layer 1"], r["distinct units, layer 2"]) for r in zero
            ]
        },
    )


def _plot(traces: dict[tuple[str, str], tuple[list[list[float]], list[float]]], out: Path) -> Path:
    fig, axes = figure(3, width=4.8)
    styles = {"tanh": "-", "sigmoid": "--"}
    colours = {"tanh": "tab:blue", "sigmoid": "tab:red"}
    for ax, name in zip(axes[0][:2], INITS.values()):
        for activation in ACTIVATIONS:
            trace, _ = traces[activation, name]
            for unit in range(len(trace[0])):
                ax.plot(
                    [w[unit] for w in trace],
                    color=colours[activation],
                    linestyle=styles[activation],
                    linewidth=1.5,
                    label=f"{activation}: the {len(trace[0])} units" if unit == 0 else None,
                )
        ax.set(
            xlabel="epoch",
            ylabel="first weight w[0] of each hidden unit",
            title=f"{name} init: one line per hidden unit",
        )
        ax.legend(fontsize=9)
    right = axes[0][2]
    for (activation, name), (_, acc) in traces.items():
        right.plot(
            range(1, len(acc) + 1),
            [100 * a for a in acc],
            color=colours[activation],
            linestyle=styles[activation],
            linewidth=2 if name == "Xavier" else 1,
            alpha=1.0 if name == "Xavier" else 0.6,
            label=f"{activation}, {name} init",
        )
    right.set(xlabel="epoch", ylabel="training accuracy (%)", title="Training accuracy")
    right.legend(fontsize=9)
    return save(
        fig,
        out,
        "initialization",
        "Zero init: the hidden units stay identical (they overlap as one line)",
    )


main = cli(run, "Zero against Xavier initialisation: the symmetry problem.")

if __name__ == "__main__":
    raise SystemExit(main())
