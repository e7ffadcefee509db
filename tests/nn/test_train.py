"""Tests for nn.fit: it learns, records, stops early, survives Ctrl-C, and
names every mistake before the first step."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any, cast

import pytest

import nn
from engine import Value
from nn import MLP, Callback, EarlyStopping, History, LearningRateScheduler, fit
from nn.optim import SGD, Adam, StepLR


def moons(n: int = 100, seed: int = 1, noise: float = 0.1) -> tuple[list[list[float]], list[int]]:
    """Moons with -1/+1 labels, for the hinge loss."""
    X, labels = nn.make_moons(n, noise=noise, seed=seed)
    return X, [2 * t - 1 for t in labels]


def accuracy(model: MLP, X: list[list[float]], y: list[int]) -> float:
    model.eval()
    scores = [model(x) for x in X]
    return sum((s.data > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)  # type: ignore[union-attr]


def weights(model: nn.Module) -> list[float]:
    return [p.data for p in model.parameters()]


class Recorder(Callback):
    """Keeps the weights and logs at every epoch end."""

    def __init__(self) -> None:
        self.states: list[dict[str, float]] = []
        self.logs: list[dict[str, float]] = []
        self.events: list[str] = []

    def on_train_begin(self, logs: dict[str, float]) -> None:
        self.events.append("train_begin")

    def on_epoch_begin(self, epoch: int, logs: dict[str, float]) -> None:
        self.events.append(f"epoch_begin {epoch}")

    def on_batch_end(self, batch: int, logs: dict[str, float]) -> None:
        self.events.append("batch")

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.events.append(f"epoch_end {epoch}")
        self.states.append(self.model.state_dict())
        self.logs.append(dict(logs))

    def on_train_end(self, logs: dict[str, float]) -> None:
        self.events.append("train_end")


# --- it learns -------------------------------------------------------------------------


def test_fit_learns_moons() -> None:
    X, y = moons(100)
    model = MLP(2, [16, 16, 1])
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=40,
        batch_size=32,
        verbose=False,
        seed=0,
    )
    assert accuracy(model, X, y) >= 0.97
    assert history.history["accuracy"][-1] >= 0.97
    assert history.history["loss"][-1] < history.history["loss"][0] / 5


def test_history_holds_one_number_per_epoch_for_every_metric() -> None:
    X, y = moons(40)
    Xv, yv = moons(20, seed=2)
    model = MLP(2, [8, 1])
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=3,
        batch_size=16,
        validation=(Xv, yv),
        verbose=False,
    )
    assert isinstance(history, History)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(v) == 3 for v in history.history.values())
    assert history.epoch == [0, 1, 2]
    assert history.history["lr"] == [0.1, 0.1, 0.1]
    assert history.params["steps"] == 3  # 40 samples in batches of 16
    assert not history.interrupted
    assert not history.stopped_early
    assert repr(history).startswith("History(3 epochs, loss=")


def test_val_metrics_are_measured_in_eval_mode_after_the_epoch() -> None:
    X, y = moons(30)
    model = MLP(2, [8, 8, 1], dropout=0.5)
    recorder = Recorder()
    fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.05),
        epochs=2,
        batch_size=10,
        validation=(X, y),
        callbacks=[recorder],
        verbose=False,
    )
    # Rebuild the last epoch's val_loss from its weights, without dropout.
    check = MLP(2, [8, 8, 1])
    check.load_state_dict(recorder.states[-1])
    check.eval()
    val_loss = nn.losses.hinge_loss([cast(Value, check(x)) for x in X], y).data
    assert recorder.logs[-1]["val_loss"] == val_loss
    assert recorder.logs[-1]["val_accuracy"] == accuracy(check, X, y)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_fit_leaves_the_model_in_the_mode_it_came_in(mode: str) -> None:
    X, y = moons(20)
    model = MLP(2, [4, 4, 1], dropout=0.2)
    getattr(model, mode)()
    fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=1,
        verbose=False,
        validation=(X, y),
    )
    assert model.training == (mode == "train")
    assert model.dropout is not None
    assert model.dropout.training == (mode == "train")


def test_same_seed_same_run() -> None:
    X, y = moons(40)
    runs = []
    for _ in range(2):
        random.seed(5)
        model = MLP(2, [8, 1])
        history = fit(
            model,
            X,
            y,
            loss="hinge",
            optimizer=SGD(model.parameters(), lr=0.1),
            epochs=3,
            batch_size=8,
            verbose=False,
            seed=11,
        )
        runs.append((history.history, weights(model)))
    assert runs[0] == runs[1]


def test_bce_with_logits_and_cross_entropy_learn() -> None:
    X, labels = nn.make_moons(60, noise=0.1, seed=4)
    binary = MLP(2, [16, 1])
    b = fit(
        binary,
        X,
        labels,
        loss="bce_with_logits",
        epochs=15,
        batch_size=16,
        optimizer=Adam(binary.parameters(), lr=0.05),
        verbose=False,
        seed=0,
    )
    multi = MLP(2, [16, 2])
    c = fit(
        multi,
        X,
        labels,
        loss="cross_entropy",
        epochs=15,
        batch_size=16,
        optimizer=Adam(multi.parameters(), lr=0.05),
        verbose=False,
        seed=0,
    )
    for history in (b, c):
        assert history.history["accuracy"][-1] >= 0.85
        assert history.history["loss"][-1] < history.history["loss"][0]


def test_accuracy_rules_per_loss() -> None:
    # One sample per case, weights fixed so the prediction is known.
    def one_step(model: MLP, x: list[float], label: Any, loss: str) -> float:
        h = fit(
            model,
            [x],
            [label],
            loss=loss,
            optimizer=SGD(model.parameters(), lr=0.0),
            epochs=1,
            verbose=False,
        )
        return h.history["accuracy"][0]

    single = MLP(1, [1], init="zeros")
    single.layers[0].neurons[0].w[0].data = 1.0
    assert one_step(single, [2.0], 1, "hinge") == 1.0  # score 2 > 0 predicts +1
    assert one_step(single, [-2.0], 1, "hinge") == 0.0
    assert one_step(single, [2.0], 1, "bce_with_logits") == 1.0  # logit 2 > 0 predicts 1
    assert one_step(single, [-2.0], 0, "bce_with_logits") == 1.0
    assert one_step(single, [2.0], 0.7, "bce_with_logits") == 1.0  # soft label >= 0.5 is 1
    three = MLP(1, [3], init="zeros")
    for i, n in enumerate(three.layers[0].neurons):
        n.w[0].data = float(i)
    assert one_step(three, [1.0], 2, "cross_entropy") == 1.0  # logits 0, 1, 2: argmax 2
    assert one_step(three, [1.0], 0, "cross_entropy") == 0.0


def test_mse_and_callable_losses_record_no_accuracy() -> None:
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1)] for _ in range(30)]
    y = [2 * x[0] + 1 for x in X]
    model = MLP(1, [1])
    h = fit(
        model,
        X,
        y,
        loss="mse",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=30,
        batch_size=10,
        verbose=False,
        seed=0,
    )
    assert "accuracy" not in h.history
    assert h.history["loss"][-1] < 1e-3
    w, b = weights(model)
    assert abs(w - 2) < 0.05
    assert abs(b - 1) < 0.05

    seen: list[tuple[int, int]] = []

    def l1(preds: list[Any], targets: list[Any]) -> Value:
        seen.append((len(preds), len(targets)))
        return nn.losses.l1_penalty([p - t for p, t in zip(preds, targets)]) * (1 / len(preds))

    model = MLP(1, [1])
    h = fit(
        model,
        X,
        y,
        loss=l1,
        optimizer=SGD(model.parameters(), lr=0.01),
        epochs=1,
        batch_size=12,
        verbose=False,
    )
    assert set(h.history) == {"loss", "lr"}
    assert seen == [(12, 12), (12, 12), (6, 6)]


def test_multi_output_mse() -> None:
    X = [[float(i), 1.0] for i in range(6)]
    y = [[x[0], -x[0]] for x in X]
    model = MLP(2, [2])
    h = fit(
        model,
        X,
        y,
        loss="mse",
        optimizer=Adam(model.parameters(), lr=0.1),
        epochs=60,
        batch_size=6,
        verbose=False,
    )
    assert h.history["loss"][-1] < h.history["loss"][0] / 10


def test_scheduler_steps_once_per_epoch_and_lr_is_recorded() -> None:
    X, y = moons(20)
    model = MLP(2, [4, 1])
    optimizer = SGD(model.parameters(), lr=0.4)
    h = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=optimizer,
        epochs=5,
        batch_size=5,
        scheduler=StepLR(optimizer, step_size=2, gamma=0.5),
        verbose=False,
    )
    assert h.history["lr"] == [0.4, 0.4, 0.2, 0.2, 0.1]
    # The same through the callback.
    model = MLP(2, [4, 1])
    optimizer = SGD(model.parameters(), lr=0.4)
    callback = LearningRateScheduler(StepLR(optimizer, step_size=1, gamma=0.5))
    h = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=optimizer,
        epochs=3,
        callbacks=[callback],
        verbose=False,
    )
    assert h.history["lr"] == [0.4, 0.2, 0.1]


def test_callback_hooks_run_in_order() -> None:
    X, y = moons(10)
    model = MLP(2, [2, 1])
    recorder = Recorder()
    fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=2,
        batch_size=5,
        callbacks=[recorder],
        verbose=False,
    )
    assert recorder.events == [
        "train_begin",
        "epoch_begin 0",
        "batch",
        "batch",
        "epoch_end 0",
        "epoch_begin 1",
        "batch",
        "batch",
        "epoch_end 1",
        "train_end",
    ]
    assert recorder.params["metrics"] == ["loss", "accuracy", "lr"]
    assert recorder.optimizer is not None


# --- progress bar -------------------------------------------------------------------------


def test_progress_bar_shows_epoch_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = moons(20)
    model = MLP(2, [4, 1])
    fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=2,
        batch_size=10,
        validation=(X, y),
    )
    err = capsys.readouterr().err
    assert "epoch 2/2" in err
    assert "4/4" in err  # 2 epochs x 2 batches
    for key in ("loss=", "acc=", "val_loss=", "val_acc="):
        assert key in err


def test_verbose_false_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = moons(20)
    model = MLP(2, [4, 1])
    fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=2,
        verbose=False,
    )
    assert capsys.readouterr() == ("", "")


# --- early stopping ----------------------------------------------------------------------------


def overfitting_run(restore: bool) -> tuple[MLP, History, EarlyStopping, Recorder]:
    """A big model on 40 noisy points: validation loss falls, then rises."""
    X, y = moons(40, seed=1, noise=0.25)
    Xv, yv = moons(40, seed=2, noise=0.25)
    model = MLP(2, [16, 16, 1])
    stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=restore)
    recorder = Recorder()
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=40,
        batch_size=8,
        validation=(Xv, yv),
        callbacks=[stop, recorder],
        verbose=False,
        seed=0,
    )
    return model, history, stop, recorder


def test_early_stopping_restores_the_best_weights() -> None:
    model, history, stop, recorder = overfitting_run(restore=True)
    val = history.history["val_loss"]
    best = val.index(min(val))
    assert 0 < best < len(val) - 1  # it improved, then got worse
    assert history.stopped_early
    assert stop.best_epoch == best
    assert stop.stopped_epoch == best + 3 == history.epoch[-1]
    assert len(val) < 40
    assert val[-1] > val[best]
    # Back to the weights of the best epoch, exactly.
    assert model.state_dict() == recorder.states[best]
    assert model.state_dict() != recorder.states[-1]


def test_early_stopping_without_restore_keeps_the_last_weights() -> None:
    model, history, _, recorder = overfitting_run(restore=False)
    assert history.stopped_early
    assert model.state_dict() == recorder.states[-1]


def test_early_stopping_on_accuracy_waits_for_an_increase() -> None:
    stop = EarlyStopping(monitor="val_accuracy", patience=0)
    assert stop.mode == "max"
    assert EarlyStopping(monitor="loss").mode == "min"
    X, y = moons(20)
    model = MLP(2, [4, 1])
    h = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.0),
        epochs=5,
        validation=(X, y),
        callbacks=[stop],
        verbose=False,
    )
    assert h.epoch == [0, 1]  # lr 0: accuracy never rises, stop after one flat epoch


def test_early_stopping_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="min_delta"):
        EarlyStopping(min_delta=-0.1)
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="lowest")


# --- Ctrl-C ---------------------------------------------------------------------------------


class CtrlC(Callback):
    """Raises KeyboardInterrupt at a chosen point, like a user pressing Ctrl-C."""

    def __init__(self, epoch: int, batch: int | None = None) -> None:
        self.epoch, self.batch = epoch, batch
        self.current = -1
        self.weights_at_interrupt: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict[str, float]) -> None:
        self.current = epoch

    def _press(self) -> None:
        self.weights_at_interrupt = weights(self.model)
        raise KeyboardInterrupt

    def on_batch_end(self, batch: int, logs: dict[str, float]) -> None:
        if self.current == self.epoch and batch == self.batch:
            self._press()

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if epoch == self.epoch and self.batch is None:
            self._press()


def test_ctrl_c_between_epochs_returns_the_history_and_keeps_the_weights(
    capsys: pytest.CaptureFixture[str],
) -> None:
    X, y = moons(30)
    model = MLP(2, [8, 1], dropout=0.0)
    ctrl_c = CtrlC(epoch=2)
    stop = EarlyStopping(monitor="loss", patience=10, restore_best_weights=True)
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=10,
        batch_size=10,
        callbacks=[ctrl_c, stop],
        verbose=False,
    )
    assert history.interrupted
    assert history.epoch == [0, 1, 2]  # epoch 2 was complete when the key came
    assert len(history.history["loss"]) == 3
    assert weights(model) == ctrl_c.weights_at_interrupt  # kept, not restored
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "Interrupted" in out
    assert "with 3 of 10 epochs complete: kept the current weights" in out


def test_ctrl_c_mid_epoch_keeps_only_completed_epochs(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = moons(30)
    model = MLP(2, [8, 8, 1], dropout=0.3).eval()
    ctrl_c = CtrlC(epoch=1, batch=1)
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=10,
        batch_size=10,
        callbacks=[ctrl_c],
    )
    assert history.interrupted
    assert history.epoch == [0]
    assert weights(model) == ctrl_c.weights_at_interrupt
    assert not model.training  # mode restored
    assert "with 1 of 10 epochs complete" in capsys.readouterr().out


# --- mistakes are named before training starts ---------------------------------------------


def mistake(model: MLP, X: Any, y: Any, **kwargs: Any) -> pytest.ExceptionInfo[Exception]:
    """fit(...) must raise from nn's own checks, before any weight changes."""
    before = weights(model)
    settings: dict[str, Any] = {
        "loss": "hinge",
        "optimizer": SGD(model.parameters(), lr=0.1),
        "epochs": 2,
        "verbose": False,
    }
    settings.update(kwargs)
    with pytest.raises((ValueError, TypeError)) as info:
        fit(model, X, y, **settings)
    assert weights(model) == before
    assert Path(str(info.traceback[-1].path)).parent.name == "nn", info.traceback[-1]
    return info


X4, Y4 = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]], [1, -1, 1, -1]


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "words"),
    [
        ([[0.0, 1.0, 2.0]] * 4, Y4, {}, r"X\[0\] has 3 features, but the model takes 2 inputs"),
        ([[0.0, 1.0], [0.0]], [1, 1], {}, r"X\[1\] has 1 feature, but the model takes 2"),
        (X4, Y4[:3], {}, "X has 4 samples but its labels have 3"),
        ([], [], {}, "X is empty"),
        (X4, [1, 0, 1, 0], {}, r"label 1 of X is 0: hinge loss takes labels -1 and \+1.*2 \* y"),
        (X4, [1, -1, 2, -1], {"loss": "bce_with_logits"}, "bce_with_logits takes labels 0 and 1"),
        (X4, [1, -1, 1, -1], {"loss": "bce_with_logits"}, r"\(y \+ 1\) / 2"),
        (X4, Y4, {"batch_size": 0}, "batch_size must be an int >= 1, got 0"),
        (X4, Y4, {"batch_size": -3}, "batch_size must be an int >= 1"),
        (X4, Y4, {"epochs": 0}, "epochs must be an int >= 1"),
        (X4, Y4, {"loss": "nll"}, "unknown loss 'nll'"),
        (X4, Y4, {"loss": "cross_entropy"}, "cross_entropy' needs one output per class"),
        (X4, Y4, {"validation": ([[0.0, 1.0, 2.0]], [1])}, r"validation X\[0\] has 3 features"),
        (X4, Y4, {"validation": (X4, Y4[:2])}, "validation X has 4 samples but its labels have 2"),
        (X4, Y4, {"validation": (X4, [0, 0, 0, 0])}, "label 0 of validation X is 0"),
        (X4, Y4, {"validation": ([], [])}, "validation X is empty"),
        (X4, Y4, {"validation": (X4,)}, "validation must be a pair"),
        (X4, Y4, {"optimizer": SGD(MLP(2, [1]).parameters(), lr=0.1)}, "none of this model's"),
        (X4, Y4, {"callbacks": [EarlyStopping()]}, "monitors 'val_loss'.*validation="),
        (
            X4,
            Y4,
            {"scheduler": StepLR(SGD(MLP(2, [1]).parameters(), lr=0.1), step_size=1)},
            "scheduler was built for another optimizer",
        ),
        ([[0.0, math.nan]] * 4, Y4, {}, r"X\[0\]\[1\] is nan; inputs must be finite"),
        (X4, [0.5, math.nan, 1.0, 2.0], {"loss": "mse"}, "label 1 of X is nan: mse takes finite"),
        (X4, [0.5, 1.0, -math.inf, 2.0], {"loss": "mse"}, "label 2 of X is -inf: mse takes finite"),
        (X4, [[math.inf], 1.0, 1.0, 2.0], {"loss": "mse"}, r"label 0 of X is inf: mse"),
        (X4, Y4, {"loss": "mse", "validation": (X4, [0, 0, math.nan, 0])}, "label 2 of valid"),
    ],
)
def test_mistakes_are_clear_value_errors(
    X: Any, y: Any, kwargs: dict[str, Any], words: str
) -> None:
    info = mistake(MLP(2, [4, 1]), X, y, **kwargs)
    assert info.type is ValueError
    assert info.match(words)


def test_mse_refuses_non_finite_labels_of_several_outputs() -> None:
    rows = [[1.0, 2.0], [0.0, 0.0], [1.0, math.nan], [3.0, 1.0]]
    info = mistake(MLP(2, [4, 2]), X4, rows, loss="mse")
    assert info.type is ValueError
    assert info.match(r"label 2 of X is \[1\.0, nan\]: mse takes finite labels")


def test_cross_entropy_labels_must_be_class_indices() -> None:
    model = MLP(2, [4, 3])
    info = mistake(model, X4, [0, 1, 3, 2], loss="cross_entropy")
    assert info.match(r"label 2 of X is 3: cross_entropy takes class indices, ints 0 \.\. 2")
    info = mistake(model, X4, [0, 1, 2.0, 2], loss="cross_entropy")
    assert info.match("got a float")
    info = mistake(model, X4, Y4, loss="hinge")
    assert info.match("needs a model with 1 output, this one has 3")


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "words"),
    [
        ("abc", Y4, {}, "X must be a list of samples"),
        (X4, Y4, {"batch_size": 2.5}, "batch_size must be an int >= 1, got float 2.5"),
        (X4, Y4, {"batch_size": True}, "batch_size must be an int >= 1, got bool True"),
        ([[0.0, "1"]] * 4, Y4, {}, r"X\[0\]\[1\] must be a number, got str"),
        ([None] * 4, Y4, {}, r"X\[0\] must be a list of numbers"),
        (X4, 5, {}, "labels for X must be a list"),
        (X4, Y4, {"optimizer": "adam"}, "optimizer must be an nn.optim optimizer"),
        (X4, Y4, {"callbacks": [print]}, "callbacks must be nn.Callback objects"),
        (X4, Y4, {"callbacks": EarlyStopping(monitor="loss")}, r"takes a list: callbacks=\["),
    ],
)
def test_wrong_types_are_clear_type_errors(
    X: Any, y: Any, kwargs: dict[str, Any], words: str
) -> None:
    info = mistake(MLP(2, [4, 1]), X, y, **kwargs)
    assert info.type is TypeError
    assert info.match(words)


def test_fit_needs_a_module() -> None:
    with pytest.raises(TypeError, match="trains a Module"):
        fit([1, 2], X4, Y4, loss="hinge", optimizer=None)  # type: ignore[arg-type]


def test_one_feature_rows_may_be_plain_numbers_and_labels_may_be_wrapped() -> None:
    model = MLP(1, [4, 1])
    h = fit(
        model,
        [0.0, 1.0, 2.0],
        [[-1], [1], [1]],
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=1,
        verbose=False,
    )
    assert len(h.history["loss"]) == 1
