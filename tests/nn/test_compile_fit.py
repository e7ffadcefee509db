"""fit(..., compile=True / 'numpy'): the same training as without it."""

from __future__ import annotations

import random
from typing import Any

import pytest

import nn
from nn.optim import SGD, Adam


def _train(how: Any, loss: str = "hinge", **kw: Any) -> tuple[Any, list[float]]:
    random.seed(5)
    X, labels = nn.data.make_moons(40, noise=0.1, seed=3)
    y = [2.0 * t - 1 for t in labels] if loss == "hinge" else [0.5 * t for t in labels]
    model = nn.MLP(2, [6, 5, 1])
    history = nn.fit(
        model,
        X,
        y,
        loss=loss,
        optimizer=kw.pop("opt", SGD)(model.parameters(), lr=0.05),
        epochs=3,
        batch_size=16,
        verbose=False,
        seed=2,
        compile=how,
        **kw,
    )
    return history, [p.data for p in model.parameters()]


@pytest.mark.parametrize("loss", ["hinge", "mse"])
def test_compiled_fit_is_bit_for_bit_the_eager_fit(loss: str) -> None:
    eager_history, eager_weights = _train(False, loss)
    history, weights = _train(True, loss)
    assert history.history == eager_history.history
    assert weights == eager_weights


def test_numpy_fit_agrees_closely() -> None:
    pytest.importorskip("numpy")
    eager_history, eager_weights = _train(False, opt=Adam)
    history, weights = _train("numpy", opt=Adam)
    for a, b in zip(weights, eager_weights):
        assert abs(a - b) <= 1e-9 * max(1.0, abs(b))
    assert history.history["accuracy"] == eager_history.history["accuracy"]


def test_what_fit_cannot_compile_is_refused_before_training() -> None:
    model = nn.MLP(2, [3, 2])
    with pytest.raises(ValueError, match="supports loss='hinge', 'mse'"):
        nn.fit(
            model,
            [[0.0, 1.0]],
            [1],
            loss=lambda preds, targets: nn.losses.cross_entropy(preds, targets),
            optimizer=SGD(model.parameters()),
            compile=True,
            verbose=False,
        )
    # an MLP's dropout gets its masks as step arguments; another model's would be frozen
    dropping = nn.Sequential(nn.Layer(2, 3), nn.Dropout(0.5), nn.Layer(3, 1))
    with pytest.raises(ValueError, match="cannot train this model's dropout"):
        nn.fit(
            dropping,
            [[0.0, 1.0]],
            [1.0],
            loss="hinge",
            optimizer=SGD(dropping.parameters()),
            compile=True,
            verbose=False,
        )
    with pytest.raises(ValueError, match="compile must be"):
        nn.fit(
            dropping,
            [[0.0, 1.0]],
            [1.0],
            loss="hinge",
            optimizer=SGD(dropping.parameters()),
            compile="fast",
            verbose=False,
        )


@pytest.mark.parametrize("loss", ["hinge", "mse", "bce_with_logits"])
def test_dropout_masks_are_step_arguments_drawn_as_eager_draws_them(loss: str) -> None:
    def train(how: Any) -> tuple[Any, list[float], float]:
        random.seed(5)
        X, labels = nn.data.make_moons(40, noise=0.1, seed=3)
        y = [2 * t - 1 for t in labels] if loss == "hinge" else labels
        model = nn.MLP(2, [6, 5, 1], dropout=0.3)
        history = nn.fit(
            model,
            X,
            y,
            loss=loss,
            optimizer=SGD(model.parameters(), lr=0.05),
            epochs=3,
            batch_size=16,
            verbose=False,
            seed=2,
            compile=how,
        )
        # the global random stream is left where eager training leaves it
        return history.history, [p.data for p in model.parameters()], random.random()

    eager = train(False)
    assert train(True) == eager
    if loss == "bce_with_logits":
        pytest.importorskip("numpy")
        history, weights, after = train("numpy")
        assert after == eager[2]
        assert history["accuracy"] == eager[0]["accuracy"]
        assert all(abs(a - b) <= 1e-12 * max(1.0, abs(b)) for a, b in zip(weights, eager[1]))


def test_cross_entropy_with_dropout_draws_the_eager_masks() -> None:
    def train(how: Any) -> tuple[Any, list[float], float]:
        random.seed(5)
        X, labels = nn.data.make_moons(40, noise=0.1, seed=3)
        y = [t + (i % 3 == 0) for i, t in enumerate(labels)]
        model = nn.MLP(2, [6, 5, 3], dropout=0.25)
        history = nn.fit(
            model,
            X,
            y,
            loss="cross_entropy",
            optimizer=SGD(model.parameters(), lr=0.05),
            epochs=3,
            batch_size=16,
            verbose=False,
            seed=2,
            compile=how,
        )
        return history.history, [p.data for p in model.parameters()], random.random()

    eager_history, eager_weights, eager_after = train(False)
    history, weights, after = train(True)
    assert after == eager_after  # the same draws, so the same masks
    assert history["accuracy"] == eager_history["accuracy"]
    assert all(abs(a - b) <= 1e-12 * abs(b) for a, b in zip(history["loss"], eager_history["loss"]))
    assert all(abs(a - b) <= 1e-12 * max(abs(b), 1e-3) for a, b in zip(weights, eager_weights))
