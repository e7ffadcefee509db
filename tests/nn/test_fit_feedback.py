"""fit says what happens: nan/inf stops, compact numbers, early stopping, metrics=, clipping."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

import nn
from engine import Value
from nn import MLP, EarlyStopping, fit
from nn._progress import Progress, compact
from nn.losses import binary_cross_entropy_with_logits, hinge_loss
from nn.optim import SGD

X7 = [[float(i)] for i in range(-3, 4)]
Y7 = [3.0 * x[0] for x in X7]


class Snapshots(nn.Callback):
    """The model's weights at the start of every batch."""

    def __init__(self) -> None:
        self.before: list[list[float]] = []

    def on_batch_begin(self, batch: int, logs: dict[str, float]) -> None:
        self.before.append([p.data for p in self.model.parameters()])


def exploding_run(**kwargs: Any) -> tuple[MLP, nn.History, Snapshots]:
    """A tanh MLP on a line with lr=5: the loss grows ~1e13 per epoch and overflows."""
    random.seed(0)
    model = MLP(1, [4, 1], activation="tanh")
    snaps = Snapshots()
    settings: dict[str, Any] = {
        "loss": "mse",
        "optimizer": SGD(model.parameters(), lr=5.0),
        "epochs": 40,
        "batch_size": 2,
        "seed": 0,
        "callbacks": [snaps],
        "verbose": False,
    }
    settings.update(kwargs)
    history = fit(model, X7, Y7, **settings)
    return model, history, snaps


def test_a_non_finite_loss_stops_at_once_with_the_weights_from_before_that_step() -> None:
    model, history, snaps = exploding_run()
    assert 0 < len(history.epoch) < 40
    assert all(math.isfinite(v) for v in history.history["loss"])
    assert history.history["loss"][-1] > 1e100  # it was on its way
    # The weights are exactly those at the start of the failing batch.
    assert [p.data for p in model.parameters()] == snaps.before[-1]
    assert all(math.isfinite(p.data) for p in model.parameters())
    reason = history.stop_reason
    done = len(history.epoch)
    assert f"in epoch {done + 1} of 40, batch " in reason
    assert f"the {done} completed epochs" in reason
    assert "lower learning rate (lr is 5 now)" in reason
    assert "clip_grad_norm=1.0" in reason
    assert "terminate_on_nan=False" in reason


def test_the_stop_message_is_printed_once_when_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    _, history, _ = exploding_run(verbose=True)
    out = capsys.readouterr().out
    assert out.count("Stopped training:") == 1
    assert history.stop_reason in out


def test_terminate_on_nan_false_trains_on() -> None:
    _, history, _ = exploding_run(terminate_on_nan=False, epochs=30)
    assert len(history.epoch) == 30
    assert not all(math.isfinite(v) for v in history.history["loss"])
    assert history.stop_reason == ""


def test_a_step_that_makes_a_weight_infinite_is_undone() -> None:
    # Finite loss and gradient, but lr * grad overflows the weight.
    w = Value(1.0)

    class Scale(nn.Module):
        def __call__(self, x: Any) -> Value:
            return w * float(x[0])

        def parameters(self) -> list[Value]:
            return [w]

    model = Scale()
    history = fit(
        model,
        [[1e300]],
        [0.0],
        loss=lambda p, t: p[0] * 2e-300,  # loss 2.0, d loss / dw = 2
        optimizer=SGD(model.parameters(), lr=1e308),
        epochs=3,
        verbose=False,
    )
    assert w.data == 1.0
    assert history.epoch == []
    assert "the optimizer step made a weight nan or inf in epoch 1 of 3" in history.stop_reason


def test_a_non_finite_gradient_stops_before_the_step() -> None:
    w = Value(2.0)

    class Root(nn.Module):
        def __call__(self, x: Any) -> Value:
            return (w - 2.0) ** 0.5  # sqrt at 0: value 0, derivative inf

        def parameters(self) -> list[Value]:
            return [w]

    model = Root()
    history = fit(
        model, [[0.0]], [0.0], loss=lambda p, t: p[0], optimizer=SGD([w], lr=0.1), verbose=False
    )
    assert w.data == 2.0
    assert "a gradient became nan or inf (the loss was 0)" in history.stop_reason


# --- numbers on the bar ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (8.6e6, "8.6e+06"),
        (5e150, "5e+150"),
        (float(10**200), "1e+200"),
        (0.12345678, "0.1235"),
        (math.inf, "inf"),
        (math.nan, "nan"),
        (3.0, "3"),
    ],
)
def test_numbers_are_compact(x: float, text: str) -> None:
    assert compact(x) == text


def test_the_bar_shows_a_huge_loss_compactly_and_finishes_when_stopped_early(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = Progress(True, epochs=10, steps=2)
    progress.start_epoch(0)
    progress.batch_done(8.6e6, 0.5)
    progress.batch_done(5e150, 0.5)
    progress.end_epoch({"loss": 5e150, "val_loss": 1e200})
    progress.finish_early()
    text = capsys.readouterr().err
    assert "loss=5e+150" in text
    assert "val_loss=1e+200" in text
    assert "0" * 20 not in text
    final = text.rsplit("\r", 1)[-1]
    assert "100%" in final
    assert "2/2" in final


# --- early stopping -----------------------------------------------------------------------


def plateau_run(capsys: pytest.CaptureFixture[str], restore: bool) -> tuple[nn.History, str]:
    random.seed(3)
    model = MLP(2, [4, 1])
    X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    y = [1, -1, 1, -1]
    stop = EarlyStopping("loss", patience=2, restore_best_weights=restore)
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.0),  # lr 0: the loss never improves
        epochs=20,
        callbacks=[stop],
        verbose=True,
    )
    captured = capsys.readouterr()
    return history, captured.out + "\n" + captured.err


def test_early_stopping_prints_one_line_and_the_bar_finishes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    history, out = plateau_run(capsys, restore=True)
    assert history.epoch == [0, 1, 2]
    lines = [line for line in out.splitlines() if "Early stopping" in line]
    assert lines == [
        "Early stopping: loss did not improve for 2 epochs (best loss "
        f"{history.history['loss'][0]:.4g} at epoch 1); stopped after epoch 3 of 20 "
        "and restored the weights of epoch 1."
    ]
    assert "3/3" in out
    assert "100%" in out
    assert "stopped training after epoch 3 of 20" in history.stop_reason


def test_early_stopping_without_restoring_says_which_weights_it_kept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = plateau_run(capsys, restore=False)
    assert "kept the weights of epoch 3 (restore_best_weights=True" in out


# --- metrics= -----------------------------------------------------------------------------


def moons() -> tuple[list[list[float]], list[int]]:
    X, labels = nn.make_moons(40, noise=0.1, seed=2)
    return X, [2 * t - 1 for t in labels]


def train_for_metrics(loss: Any, metrics: Any, y: Any = None) -> nn.History:
    X, y_pm = moons()
    random.seed(0)
    model = MLP(2, [8, 1])
    return fit(
        model,
        X,
        y_pm if y is None else y,
        loss=loss,
        optimizer=SGD(model.parameters(), lr=0.05),
        epochs=3,
        batch_size=8,
        seed=0,
        metrics=metrics,
        verbose=False,
    )


def test_accuracy_for_a_callable_loss_matches_the_named_loss() -> None:
    named = train_for_metrics("hinge", None)
    callable_ = train_for_metrics(hinge_loss, ["accuracy"])
    assert callable_.history["accuracy"] == named.history["accuracy"]
    assert callable_.history["loss"] == pytest.approx(named.history["loss"])
    assert "accuracy" not in train_for_metrics(hinge_loss, None).history


def test_accuracy_for_01_labels_reads_the_output_as_a_logit() -> None:
    _, y_pm = moons()
    y01 = [(t + 1) // 2 for t in y_pm]
    named = train_for_metrics("bce_with_logits", None, y=y01)
    callable_ = train_for_metrics(binary_cross_entropy_with_logits, ["acc"], y=y01)
    assert callable_.history["accuracy"] == named.history["accuracy"]
    assert len(set(named.history["accuracy"])) > 1  # it changes as the model learns


def test_metrics_can_switch_accuracy_off_and_reject_unknown_names() -> None:
    assert "accuracy" not in train_for_metrics("hinge", []).history
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        train_for_metrics("hinge", ["f1"])
    with pytest.raises(TypeError, match="metrics takes a list"):
        train_for_metrics("hinge", "accuracy")
    with pytest.raises(ValueError, match="needs class labels"):
        train_for_metrics("mse", ["accuracy"], y=[0.3 * i for i in range(40)])


def test_accuracy_rule_for_several_outputs() -> None:
    from nn._prepare import accuracy_rule

    row = [Value(0.1), Value(2.0), Value(-1.0)]
    by_index = accuracy_rule([0, 1, 2], 3)
    assert by_index(row, 1)
    assert not by_index(row, 0)
    one_hot = accuracy_rule([[0, 1, 0], [1, 0, 0]], 3)
    assert one_hot(row, [0, 1, 0])
    assert not one_hot(row, [1, 0, 0])


# --- clipping inside fit --------------------------------------------------------------------


def test_fit_clips_the_gradient_before_every_step() -> None:
    seen: list[float] = []

    class Norms(nn.Callback):
        def on_batch_end(self, batch: int, logs: dict[str, float]) -> None:
            seen.append(math.sqrt(sum(p.grad**2 for p in self.model.parameters())))

    _, history, _ = exploding_run(clip_grad_norm=0.5, callbacks=[Norms()], epochs=5)
    assert len(history.epoch) == 5
    assert history.stop_reason == ""
    assert max(seen) <= 0.5 + 1e-9
    with pytest.raises(ValueError, match="clip_grad_norm must be a finite number >= 0"):
        exploding_run(clip_grad_norm=-1.0)
