"""Tests for nn.metrics: predictions, accuracy, gradient norms, near-zero weights."""

from __future__ import annotations

import math

import pytest

from engine import Value
from nn import MLP, Layer, Neuron
from nn.metrics import accuracy, grad_norm, near_zero_fraction, predict, weights_of


def constant_model(score: float) -> Neuron:
    """A one-input neuron that outputs ``score`` whatever its input."""
    neuron = Neuron(1, nonlin=False)
    neuron.w[0].data = 0.0
    neuron.b.data = score
    return neuron


def test_one_output_predicts_the_sign_of_the_score() -> None:
    assert predict(constant_model(0.3), [[1.0], [2.0]]) == [1, 1]
    assert predict(constant_model(-0.3), [[1.0]]) == [0]
    assert predict(constant_model(0.0), [[1.0]]) == [0]  # a score of 0 is not > 0


def test_several_outputs_predict_the_largest() -> None:
    layer = Layer(1, 3, activation="linear")
    for n, bias in zip(layer.neurons, (0.1, 0.7, 0.7)):
        n.w[0].data = 0.0
        n.b.data = bias
    assert predict(layer, [[5.0]]) == [1]  # the first of the tied largest
    assert accuracy(layer, [[5.0], [5.0]], [1, 2]) == 0.5


def test_accuracy_takes_0_1_and_minus_1_plus_1_labels() -> None:
    model = constant_model(1.0)
    assert accuracy(model, [[0.0]] * 4, [1, 1, 0, 0]) == 0.5
    assert accuracy(model, [[0.0]] * 4, [1, 1, 1, -1]) == 0.75


def test_accuracy_runs_in_eval_mode_and_restores_the_mode() -> None:
    model = MLP(2, [8, 1], dropout=0.5)
    X = [[0.1 * i, -0.2 * i] for i in range(20)]
    y = [i % 2 for i in range(20)]
    first = accuracy(model, X, y)
    assert accuracy(model, X, y) == first  # no dropout draws: the same every time
    assert model.training
    model.eval()
    accuracy(model, X, y)
    assert not model.training


def test_accuracy_rejects_mismatched_or_empty_data() -> None:
    with pytest.raises(ValueError, match="2 rows but y has 1"):
        accuracy(constant_model(1.0), [[0.0], [1.0]], [1])
    with pytest.raises(ValueError, match="no samples"):
        accuracy(constant_model(1.0), [], [])


def test_grad_norm_is_the_euclidean_norm_of_the_grads() -> None:
    a, b = Value(1.0), Value(2.0)
    a.grad, b.grad = 3.0, -4.0
    assert grad_norm([a, b]) == 5.0
    assert grad_norm([]) == 0.0


def test_near_zero_fraction_counts_small_magnitudes() -> None:
    values = [Value(x) for x in (0.0, 0.005, -0.009, 0.01, -0.5)]
    assert near_zero_fraction(values) == pytest.approx(3 / 5)
    assert near_zero_fraction(values, tol=1.0) == 1.0
    with pytest.raises(ValueError, match="no parameters"):
        near_zero_fraction([])


def test_weights_of_leaves_out_the_biases() -> None:
    model = MLP(3, [4, 2])
    weights = weights_of(model)
    assert len(weights) == 3 * 4 + 4 * 2
    biases = {id(n.b) for layer in model.layers for n in layer.neurons}
    assert not any(id(w) in biases for w in weights)
    assert math.isclose(len(model.parameters()) - len(weights), 6)
