"""Article table 7: zero against Xavier initialisation, and why zero cannot work.

    python -m demos.initialization [--quick] [--seed 0] [--out demo-output]

With every weight at zero, all hidden units of a layer compute the same
thing and get the same gradient, so every update keeps them equal: the
layer acts like one unit, however wide it is (the symmetry problem). With
tanh the units are even stuck at zero (tanh(0) = 0 passes no gradient on);
with sigmoid they move, but all together. Xavier's random start breaks the
symmetry. The table counts the distinct hidden units left after training;
everything runs over 5 seeds (with zero init the seed still changes the
data and the shuffling).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from demos._common import Result, Row, Run, Spec, Table, cli, moons, quick_checks, seeds_for, train
from demos._plots import band, figure, save
from demos._stats import PAIRED_RULE, judge, spread
from nn import Callback, Layer
from nn.callbacks import Logs

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

    def __init__(self) -> None:
        self.trace: list[list[float]] = []

    def on_train_begin(self, logs: Logs) -> None:
        self.trace = [[n.w[0].data for n in self._layer().neurons]]

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self.trace.append([n.w[0].data for n in self._layer().neurons])

    def _layer(self) -> Layer:
        layer = self.model.layers[0]  # type: ignore[attr-defined]
        assert isinstance(layer, Layer)
        return layer


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    n, epochs, target = (40, 4, 0.8) if quick else (80, 25, 0.9)
    base = Spec(seed, n_train=n, optimizer="Adam", lr=0.05, epochs=epochs)
    runs: dict[tuple[str, str], list[Run]] = {}
    traces: dict[tuple[str, str], list[list[float]]] = {}
    for act in ACTIVATIONS:
        for init, name in INITS.items():
            recorder = FirstWeights()
            specs = [replace(base, seed=s, activation=act, init=init) for s in seeds]
            runs[act, name] = [train(specs[0], [recorder])] + [train(sp) for sp in specs[1:]]
            traces[act, name] = recorder.trace
    rows: list[Row] = []
    reach, test = {}, {}
    for (act, name), rs in runs.items():
        reach[act, name] = spread([r.epochs_to(target, "accuracy") for r in rs], epochs)
        test[act, name] = spread([r.test_accuracy for r in rs])
        rows.append(
            {
                "activation": act,
                "init": name,
                "epochs to target": reach[act, name],
                "test accuracy": test[act, name],
                "distinct units, layer 1": spread([distinct_units(r.model.layers[0]) for r in rs]),
                "distinct units, layer 2": spread([distinct_units(r.model.layers[1]) for r in rs]),
                "units per layer": base.widths[0],
            }
        )
    checks = []
    for act in ACTIVATIONS:
        checks += [
            judge(
                f"{act}: epochs to {target:.0%} training accuracy",
                ["zero", "Xavier"],
                [200, 100],
                "200 vs 100",
                [reach[act, "zero"], reach[act, "Xavier"]],
                ".1f",
                quick,
            ),
            judge(
                f"{act}: test accuracy",
                ["zero", "Xavier"],
                [95.6, 97.3],
                "95.6% vs 97.3%",
                [test[act, "zero"], test[act, "Xavier"]],
                "%",
                quick,
                floor=0.01,
            ),
        ]
    plot = _plot(runs, traces, out)
    zero = [r for key, rs in runs.items() if key[1] == "zero" for r in rs]
    return Result(
        "initialization",
        "7. Weight initialisation",
        "zero initialisation converges in twice the epochs of Xavier, to a slightly lower accuracy",
        list(rows[0]),
        rows,
        {
            "epochs to target": ".1f",
            "test accuracy": "%",
            "distinct units, layer 1": ".1f",
            "distinct units, layer 2": ".1f",
        },
        plot,
        {
            "task": moons(seed, n, base.n_test).description,
            "model": f"MLP(2, {list(base.widths)}, activation)",
            "init": "zeros or xavier_uniform (biases start at 0 in both)",
            "loss": "bce_with_logits",
            "optimizer": base.optimizer_text(),
            "epochs": epochs,
            "batch_size": base.batch_size,
            "target": f"training accuracy >= {target:.0%} (fit's running accuracy of the epoch; "
            f"never reached counts as {epochs})",
        },
        quick_checks(checks, quick),
        [PAIRED_RULE.format(floor="0 epochs, or 1 point of accuracy")],
        "With zero init the hidden units move as one: the left panel's lines lie on top of "
        "each other, so 8 units do the work of 1.",
        seeds,
        quick,
        ARTICLE,
        data={
            "zero_init_units": sorted(
                {
                    (distinct_units(r.model.layers[0]), distinct_units(r.model.layers[1]))
                    for r in zero
                }
            )
        },
    )


def _plot(
    runs: dict[tuple[str, str], list[Run]],
    traces: dict[tuple[str, str], list[list[float]]],
    out: Path,
) -> Path:
    fig, axes = figure(3, width=4.8)
    styles = {"tanh": "-", "sigmoid": "--"}
    colours = {"tanh": "tab:blue", "sigmoid": "tab:red"}
    for ax, name in zip(axes[0][:2], INITS.values()):
        for act in ACTIVATIONS:
            trace = traces[act, name]
            for unit in range(len(trace[0])):
                ax.plot(
                    [w[unit] for w in trace],
                    color=colours[act],
                    linestyle=styles[act],
                    linewidth=1.5,
                    label=f"{act}: the {len(trace[0])} units" if unit == 0 else None,
                )
        ax.set(
            xlabel="epoch",
            ylabel="first weight w[0] of each hidden unit",
            title=f"{name} init, first seed: a line per unit",
        )
        ax.legend(fontsize=9)
    right = axes[0][2]
    for (act, name), rs in runs.items():
        band(
            right,
            [[100 * a for a in r.epoch_accuracy] for r in rs],
            f"{act}, {name} init",
            color=colours[act] if name == "Xavier" else "tab:gray",
            linestyle=styles[act],
        )
    right.set(xlabel="epoch", ylabel="training accuracy (%)", title="Mean ± std over seeds")
    right.legend(fontsize=9)
    return save(fig, out, "initialization", "Zero init: the hidden units stay identical (one line)")


main = cli(run, "Zero against Xavier initialisation: the symmetry problem.")

if __name__ == "__main__":
    raise SystemExit(main())
