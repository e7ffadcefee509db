"""nn.GradientHealth: its numbers on hand-built cases, its warning line and its plot."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest

import nn
from nn import MLP, GradientHealth, Layer, Sequential, fit
from nn.health import layers_of
from nn.optim import SGD

X = [[0.5, -1.0], [1.0, 0.25], [-0.5, 0.75], [0.0, -0.3]]
Y = [1, -1, 1, -1]


class Recorder(nn.Callback):
    """Weights at each batch's start, weight gradients at its end, per layer."""

    def __init__(self) -> None:
        self.before: list[list[list[float]]] = []
        self.grads: list[list[list[float]]] = []
        self.after: list[list[list[float]]] = []

    def _weights(self) -> list[list[Any]]:
        model: Any = self.model
        return [[w for n in layer.neurons for w in n.w] for layer in model.layers]

    def on_batch_begin(self, batch: int, logs: dict[str, float]) -> None:
        self.before.append([[w.data for w in ws] for ws in self._weights()])

    def on_batch_end(self, batch: int, logs: dict[str, float]) -> None:
        self.grads.append([[w.grad for w in ws] for ws in self._weights()])
        self.after.append([[w.data for w in ws] for ws in self._weights()])


def run(model: nn.Module, epochs: int = 1, batch_size: int = 2, **kwargs: Any) -> nn.History:
    return fit(
        model,
        X,
        Y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=epochs,
        batch_size=batch_size,
        seed=0,
        verbose=False,
        **kwargs,
    )


def test_grad_rms_and_update_ratio_are_pooled_over_the_epochs_steps() -> None:
    random.seed(0)
    model = MLP(2, [3, 1], activation="tanh")
    recorder = Recorder()
    history = run(model, callbacks=[GradientHealth(warn=False), recorder])
    for i in range(2):
        grads = [g for step in recorder.grads for g in step[i]]
        expected_rms = math.sqrt(sum(g * g for g in grads) / len(grads))
        assert history.history[f"grad_rms/layers[{i}]"] == [pytest.approx(expected_rms)]
        moves = [
            (a - b) ** 2
            for before, after in zip(recorder.before, recorder.after)
            for a, b in zip(after[i], before[i])
        ]
        sizes = [b * b for before in recorder.before for b in before[i]]
        ratio = math.log10(math.sqrt(sum(moves) / sum(sizes)))
        assert history.history[f"update_ratio/layers[{i}]"] == [pytest.approx(ratio)]
    assert "dead/layers[0]" not in history.history  # a tanh layer
    assert "saturated/layers[1]" not in history.history  # the linear output layer


def test_a_layer_that_is_all_dead(capsys: pytest.CaptureFixture[str]) -> None:
    random.seed(0)
    model = MLP(2, [4, 1])
    for neuron in model.layers[0].neurons:  # relu(0 . x - 1) = 0 for every input
        for w in neuron.w:
            w.data = 0.0
        neuron.b.data = -1.0
    health = GradientHealth()
    history = run(model, epochs=2, callbacks=[health])
    assert history.history["dead/layers[0]"] == [1.0, 1.0]
    assert history.history["grad_rms/layers[0]"] == [0.0, 0.0]  # nothing flows back
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("GradientHealth")]
    assert len(lines) == 1  # said once, not every epoch
    assert "epoch 1" in lines[0]
    assert "layers[0]: 100% of its ReLUs dead (never active)" in lines[0]
    # The output layer's weights see only zeros, so their gradients are zero
    # too: no layer has gradients for layers[0]'s to vanish against.
    assert history.history["grad_rms/layers[1]"] == [0.0, 0.0]
    assert health.warnings == lines


def test_a_live_relu_layer_counts_units_active_on_some_sample() -> None:
    model = Sequential(Layer(2, 2), Layer(2, 1, activation="linear"))
    first = model.layers[0]
    assert isinstance(first, Layer)
    first.neurons[0].w[0].data, first.neurons[0].w[1].data = 1.0, 0.0  # x1 > 0 on 2 samples
    first.neurons[1].w[0].data, first.neurons[1].w[1].data = 0.0, 0.0
    first.neurons[0].b.data = first.neurons[1].b.data = 0.0  # unit 1: relu(0), dead
    history = fit(
        model,
        X,
        Y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.0),
        epochs=1,
        callbacks=[GradientHealth(warn=False)],
        verbose=False,
    )
    assert history.history["dead/layers[0]"] == [0.5]


def test_a_saturated_tanh_layer() -> None:
    random.seed(0)
    model = MLP(2, [3, 1], activation="tanh")
    for neuron in model.layers[0].neurons:
        neuron.w[0].data, neuron.w[1].data = 40.0, -40.0  # |40 (x1 - x2)| >= 12 here
    history = run(model, callbacks=[GradientHealth(warn=False)])
    assert history.history["saturated/layers[0]"] == [1.0]
    model = MLP(2, [3, 1], activation="sigmoid")
    for neuron in model.layers[0].neurons:
        for w in neuron.w:
            w.data = 0.0  # sigmoid(0) = 0.5: nothing saturated
    history = run(model, callbacks=[GradientHealth(warn=False)])
    assert history.history["saturated/layers[0]"] == [0.0]


def test_exploding_gradients_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    random.seed(0)
    model = MLP(2, [3, 1])
    run(model, callbacks=[GradientHealth(exploding=1e-9)])
    assert "gradients exploding" in capsys.readouterr().out


def test_layers_are_named_by_their_path_inside_the_model() -> None:
    inner = Layer(3, 3, activation="tanh")
    model = Sequential(Layer(2, 3), nn.Residual(inner), Layer(3, 1, activation="linear"))
    assert [name for name, _ in layers_of(model)] == ["layers[0]", "layers[1].inner", "layers[2]"]
    single = Layer(2, 1)
    assert layers_of(single) == [("layer", single)]
    neuron = nn.Neuron(2)
    with pytest.raises(ValueError, match=r"measures nn\.Layer modules"):
        fit(
            neuron,
            X,
            Y,
            loss="hinge",
            optimizer=SGD(neuron.parameters(), lr=0.1),
            callbacks=[GradientHealth()],
            verbose=False,
        )


def test_history_keys_stay_out_of_the_repr_and_plot(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    random.seed(0)
    model = MLP(2, [3, 3, 1])
    history = run(model, epochs=3, callbacks=[GradientHealth(warn=False)])
    assert "grad_rms" not in repr(history)
    path = tmp_path / "health.png"
    fig = history.plot_gradient_health(str(path))
    assert path.stat().st_size > 1000
    assert [ax.get_title() for ax in fig.axes][:2] == [
        "gradient RMS (log scale)",
        "log10 update / data",
    ]
    assert len(fig.axes[0].lines) == 3  # one per layer
    with pytest.raises(ValueError, match="no gradient-health measures"):
        run(MLP(2, [1])).plot_gradient_health()
