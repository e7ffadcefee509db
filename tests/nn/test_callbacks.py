"""Tests for nn.callbacks: TargetReached and Stopwatch."""

from __future__ import annotations

import pytest

from nn import MLP, Callback, History, fit, make_moons
from nn.callbacks import Stopwatch, TargetReached
from nn.optim import Adam


def train(callbacks: list[Callback], epochs: int = 30) -> History:
    X, y = make_moons(40, noise=0.1, seed=1)
    model = MLP(2, [8, 1])
    return fit(
        model,
        X,
        y,
        loss="bce_with_logits",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=epochs,
        batch_size=20,
        callbacks=callbacks,
        verbose=False,
        seed=0,
    )


def test_target_reached_stops_at_the_first_epoch_at_or_below_the_target() -> None:
    target = TargetReached(0.5)
    history = train([target])
    losses = history.history["loss"]
    assert target.reached_epoch == len(losses)
    assert losses[-1] <= 0.5 < min(losses[:-1])
    assert history.stopped_early


def test_target_reached_can_only_record() -> None:
    target = TargetReached(0.5, stop=False)
    history = train([target], epochs=25)
    assert len(history.epoch) == 25
    losses = history.history["loss"]
    assert target.reached_epoch is not None
    assert losses[target.reached_epoch - 1] <= 0.5 < min(losses[: target.reached_epoch - 1])


def test_target_reached_on_accuracy_counts_from_below() -> None:
    target = TargetReached(0.8, monitor="accuracy")
    history = train([target])
    assert history.history["accuracy"][-1] >= 0.8
    assert repr(target) == "TargetReached(accuracy >= 0.8)"


def test_target_never_reached_is_none() -> None:
    target = TargetReached(-1.0)
    history = train([target], epochs=3)
    assert target.reached_epoch is None
    assert len(history.epoch) == 3


def test_target_reached_checks_its_metric_and_target() -> None:
    with pytest.raises(ValueError, match="monitors 'val_loss'"):
        train([TargetReached(0.1, monitor="val_loss")])
    with pytest.raises(ValueError, match="finite"):
        TargetReached(float("nan"))
    with pytest.raises(TypeError, match="number"):
        TargetReached("0.1")  # type: ignore[arg-type]


def test_stopwatch_records_increasing_times_per_epoch() -> None:
    clock = Stopwatch()
    train([clock], epochs=4)
    assert len(clock.seconds) == 4
    assert 0 < clock.seconds[0] <= clock.seconds[1] <= clock.seconds[2] <= clock.seconds[3]
