"""``fit()``: a Keras-style training loop for chainrule models.

    history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1),
                  epochs=50, batch_size=32, validation=(X_val, y_val))
    history.history["val_accuracy"][-1]

Each epoch shuffles the data into mini-batches (``nn.data.batches``) and
takes one optimizer step per batch. Everything a caller can get wrong about
the data, the model's widths, the labels or the settings is checked before
the first step and reported as a ValueError (or TypeError) saying what to
change. Ctrl-C stops training cleanly and returns the history so far.

Metrics per epoch, in ``History.history``:

* ``loss``: the mean of the batch losses, weighted by batch size, taken as
  the batches are trained (so, as in Keras, it mixes weights from the start
  and the end of the epoch, and dropout is active);
* ``accuracy`` (classification losses only), counted on the same forward
  passes:

  - ``'hinge'``: labels are -1/+1; a score > 0 predicts +1, else -1;
  - ``'bce_with_logits'``: labels are 0/1; a logit > 0 predicts 1, else 0
    (soft labels count as 1 when >= 0.5);
  - ``'cross_entropy'``: labels are class indices; the prediction is the
    index of the largest logit (the first one on a tie);
  - ``'mse'`` and a callable loss: no accuracy;

* ``val_loss`` and ``val_accuracy``: the same, on ``validation`` after the
  epoch, with the model in eval mode and no graph recorded;
* ``lr``: the optimizer's learning rate during the epoch.
"""

from __future__ import annotations

import math
import numbers
import random
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine import Value, no_grad
from nn import losses
from nn.data import batches
from nn.module import MLP, Layer, Module, Neuron

LossFn = Callable[[list[Any], list[Any]], Value]
Logs = dict[str, float]

LOSSES = ("hinge", "mse", "bce_with_logits", "cross_entropy")


# --- callbacks -----------------------------------------------------------------


class Callback:
    """Base class: override the hooks you need. ``fit`` sets ``model``,
    ``optimizer`` and ``params`` (epochs, batch_size, steps, samples,
    metrics) before ``on_train_begin``. Set ``stop_training = True`` to end
    training after the current epoch.
    """

    model: Module
    optimizer: Any
    params: dict[str, Any]
    stop_training: bool = False

    def set_context(self, model: Module, optimizer: Any, params: dict[str, Any]) -> None:
        self.model = model
        self.optimizer = optimizer
        self.params = params
        self.stop_training = False

    def on_train_begin(self, logs: Logs) -> None:
        """Before the first epoch; raise ValueError here for a bad setting."""

    def on_train_end(self, logs: Logs) -> None:
        """After training; ``logs['interrupted']`` is 1.0 after Ctrl-C."""

    def on_epoch_begin(self, epoch: int, logs: Logs) -> None:
        """Before each epoch (numbered from 0)."""

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        """After each epoch, with that epoch's metrics."""

    def on_batch_begin(self, batch: int, logs: Logs) -> None:
        """Before each optimizer step."""

    def on_batch_end(self, batch: int, logs: Logs) -> None:
        """After each optimizer step, with ``loss`` and ``size`` of the batch."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    An improvement is a decrease by more than ``min_delta`` (mode 'min') or
    an increase by more than it (mode 'max'); 'auto' picks 'max' for
    accuracies and 'min' otherwise. With ``restore_best_weights`` the model
    gets the weights of its best epoch back when training ends (also when
    it ran to the last epoch without stopping early; not after Ctrl-C,
    which keeps the weights as they are).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        restore_best_weights: bool = False,
        mode: str = "auto",
    ) -> None:
        if not isinstance(patience, int) or isinstance(patience, bool) or patience < 0:
            raise ValueError(f"patience must be an int >= 0, got {patience!r}")
        if not _is_number(min_delta) or not min_delta >= 0:
            raise ValueError(f"min_delta must be a number >= 0, got {min_delta!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = float(min_delta)
        self.restore_best_weights = restore_best_weights
        self.mode = ("max" if "acc" in monitor else "min") if mode == "auto" else mode
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_weights: dict[str, float] | None = None
        self.stopped_epoch: int | None = None
        self.wait = 0

    def on_train_begin(self, logs: Logs) -> None:
        metrics = self.params["metrics"]
        if self.monitor not in metrics:
            hint = ""
            if self.monitor.startswith("val_") and "val_loss" not in metrics:
                hint = "; pass validation=(X_val, y_val) to fit"
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, but fit records only "
                f"{', '.join(metrics)}{hint}"
            )
        self._reset()

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stop_training = True
            self.stopped_epoch = epoch

    def on_train_end(self, logs: Logs) -> None:
        if self.best_weights is not None and not logs.get("interrupted"):
            self.model.load_state_dict(self.best_weights)

    def __repr__(self) -> str:
        return f"EarlyStopping({self.monitor!r}, patience={self.patience})"


class LearningRateScheduler(Callback):
    """Step an ``nn.optim`` scheduler (StepLR, CosineAnnealingLR, ...) after every epoch."""

    def __init__(self, scheduler: Any) -> None:
        if not callable(getattr(scheduler, "step", None)):
            raise TypeError(
                "LearningRateScheduler takes an nn.optim scheduler (with a step() method), "
                f"got {type(scheduler).__name__}"
            )
        self.scheduler = scheduler

    def on_train_begin(self, logs: Logs) -> None:
        steps = getattr(self.scheduler, "optimizer", self.optimizer)
        if steps is not self.optimizer:
            raise ValueError(
                "the scheduler was built for another optimizer than the one fit() uses; "
                "build it from the same one: StepLR(optimizer, ...)"
            )

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self.scheduler.step()

    def __repr__(self) -> str:
        return f"LearningRateScheduler({type(self.scheduler).__name__})"


# --- history -------------------------------------------------------------------


@dataclass
class History:
    """What ``fit`` returns: per-epoch metrics, as Keras's ``History``.

    ``history`` maps each metric name to one number per completed epoch;
    ``epoch`` lists the completed epochs (from 0). ``interrupted`` is True
    after Ctrl-C; ``stopped_early`` after a callback stopped training.
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    epoch: list[int] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    stopped_early: bool = False

    def _record(self, epoch: int, logs: Logs) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items() if k != "lr")
        return f"History({len(self.epoch)} epochs{', ' if last else ''}{last})"


# --- what a loss name implies ----------------------------------------------------


@dataclass
class _Task:
    """The loss to call and how to check labels and count hits for it."""

    name: str
    loss: LossFn
    n_outputs: str  # "one", "several" or "any", checked against the model
    check_label: Callable[[Any, int], str | None] | None  # -> error text, or None
    hit: Callable[[Any, Any], bool] | None  # (prediction, label) -> correct?


def _is_number(x: object) -> bool:
    return not isinstance(x, bool) and isinstance(x, numbers.Real)


def _is_int(x: object) -> bool:
    return not isinstance(x, bool) and isinstance(x, numbers.Integral)


def _hinge_label(t: Any, n_out: int) -> str | None:
    if _is_number(t) and t in (-1, 1):
        return None
    return "hinge loss takes labels -1 and +1 (convert 0/1 labels with y = 2 * y - 1)"


def _bce_label(t: Any, n_out: int) -> str | None:
    if _is_number(t) and 0 <= t <= 1:
        return None
    return "bce_with_logits takes labels 0 and 1 (or soft labels between them)" + (
        "; convert -1/+1 labels with y = (y + 1) / 2" if t == -1 else ""
    )


def _class_label(t: Any, n_out: int) -> str | None:
    if _is_int(t) and 0 <= int(t) < n_out:
        return None
    kind = "" if _is_int(t) else f" (got a {type(t).__name__})"
    return (
        f"cross_entropy takes class indices, ints 0 .. {n_out - 1} for this model's "
        f"{n_out} outputs{kind}"
    )


def _mse_label(t: Any, n_out: int) -> str | None:
    if n_out == 1:
        well_shaped, row = _is_number(t), [t]
    else:
        well_shaped = isinstance(t, Sequence) and len(t) == n_out and all(map(_is_number, t))
        row = t
    if not well_shaped:
        return (
            "mse takes one number per sample"
            if n_out == 1
            else f"mse takes a list of {n_out} numbers per sample, one per output"
        )
    if not all(math.isfinite(x) for x in row):
        return "mse takes finite labels; a nan or inf label makes the loss and every weight nan"
    return None


def _argmax(row: Sequence[Value]) -> int:
    return max(range(len(row)), key=lambda i: row[i].data)


def _flat_mse(preds: list[Any], targets: list[Any]) -> Value:
    """mse over every output of every sample (targets may be rows)."""
    if preds and isinstance(preds[0], Value):
        return losses.mse_loss(preds, targets)
    return losses.mse_loss([p for row in preds for p in row], [t for row in targets for t in row])


def _task(loss: str | LossFn) -> _Task:
    if callable(loss):
        return _Task("custom", loss, "any", None, None)
    if loss == "hinge":
        return _Task(
            loss, losses.hinge_loss, "one", _hinge_label, lambda s, t: (s.data > 0) == (t > 0)
        )
    if loss == "bce_with_logits":
        return _Task(
            loss,
            losses.binary_cross_entropy_with_logits,
            "one",
            _bce_label,
            lambda s, t: (s.data > 0) == (t >= 0.5),
        )
    if loss == "cross_entropy":
        return _Task(
            loss, losses.cross_entropy, "several", _class_label, lambda row, t: _argmax(row) == t
        )
    if loss == "mse":
        return _Task(loss, _flat_mse, "any", _mse_label, None)
    raise ValueError(
        f"unknown loss {loss!r}; use one of {', '.join(map(repr, LOSSES))} "
        "or a function (predictions, targets) -> Value"
    )


# --- checking everything before the first step -------------------------------------


def _model_widths(model: Module, first_row: list[float]) -> tuple[int | None, int]:
    """The model's input width (None if unknown) and output width."""
    if isinstance(model, MLP):
        return model.layers[0].nin, len(model.layers[-1].neurons)
    if isinstance(model, Layer):
        return model.nin, len(model.neurons)
    if isinstance(model, Neuron):
        return len(model.w), 1
    # Another Module: one forward pass, in eval mode so no dropout draws.
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            out = model(first_row)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{model!r} rejects X[0] ({len(first_row)} features): {error}") from None
    finally:
        model.train(was_training)
    return None, 1 if isinstance(out, Value) else len(out)


def _rows(X: Any, what: str) -> list[list[float]]:
    """``X`` as a list of rows of floats; a number row is a one-feature row."""
    if isinstance(X, (str, bytes)) or not isinstance(X, Iterable):
        raise TypeError(f"{what} must be a list of samples, got {type(X).__name__}")
    rows = []
    for i, row in enumerate(X):
        cells = [row] if _is_number(row) else row
        if isinstance(cells, (str, bytes)) or not isinstance(cells, Iterable):
            raise TypeError(f"{what}[{i}] must be a list of numbers, got {type(row).__name__}")
        floats = []
        for j, x in enumerate(cells):
            if not _is_number(x):
                raise TypeError(f"{what}[{i}][{j}] must be a number, got {type(x).__name__}")
            if not math.isfinite(x):
                raise ValueError(f"{what}[{i}][{j}] is {x!r}; inputs must be finite numbers")
            floats.append(float(x))
        rows.append(floats)
    if not rows:
        raise ValueError(f"{what} is empty; fit needs at least one sample")
    return rows


def _check_data(
    rows: list[list[float]], y: Any, nin: int | None, n_out: int, task: _Task, what: str
) -> tuple[list[list[float]], list[Any]]:
    """Check one data set (training or validation) against the model and the loss."""
    if isinstance(y, (str, bytes)) or not isinstance(y, Iterable):
        raise TypeError(f"labels for {what} must be a list, got {type(y).__name__}")
    labels = list(y)
    if task.check_label is not None and n_out == 1:
        # A named loss on one output also takes labels written as [t].
        labels = [t[0] if isinstance(t, Sequence) and len(t) == 1 else t for t in labels]
    if len(labels) != len(rows):
        raise ValueError(
            f"{what} has {len(rows)} samples but its labels have {len(labels)}; "
            "pass one label per sample"
        )
    width = nin if nin is not None else len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(
                f"{what}[{i}] has {len(row)} feature{'s' if len(row) != 1 else ''}, "
                f"but the model takes {width} input{'s' if width != 1 else ''}"
            )
    if task.check_label is not None:
        for i, t in enumerate(labels):
            problem = task.check_label(t, n_out)
            if problem is not None:
                raise ValueError(f"label {i} of {what} is {t!r}: {problem}")
    return rows, labels


def _check_outputs(task: _Task, n_out: int) -> None:
    if task.n_outputs == "one" and n_out != 1:
        raise ValueError(
            f"loss {task.name!r} needs a model with 1 output, this one has {n_out}; "
            "use loss='cross_entropy' for several classes"
        )
    if task.n_outputs == "several" and n_out < 2:
        raise ValueError(
            "loss 'cross_entropy' needs one output per class (at least 2), this model "
            "has 1; use loss='bce_with_logits' or loss='hinge' for two classes"
        )


def _positive_int(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return value


def _check_optimizer(optimizer: Any, model: Module) -> None:
    if not (
        callable(getattr(optimizer, "step", None))
        and callable(getattr(optimizer, "zero_grad", None))
    ):
        raise TypeError(
            "optimizer must be an nn.optim optimizer, e.g. "
            f"nn.optim.SGD(model.parameters(), lr=0.1); got {type(optimizer).__name__}"
        )
    groups = getattr(optimizer, "param_groups", None)
    if not groups:
        return
    held = {id(p) for group in groups for p in group.get("params", ())}
    if held and not any(id(p) in held for p in model.parameters()):
        raise ValueError(
            "the optimizer holds none of this model's parameters; "
            "build it from this model: optimizer = SGD(model.parameters(), lr=...)"
        )


def _learning_rate(optimizer: Any) -> float | None:
    groups = getattr(optimizer, "param_groups", None)
    if groups and "lr" in groups[0]:
        return float(groups[0]["lr"])
    lr = getattr(optimizer, "lr", None)
    return float(lr) if isinstance(lr, (int, float)) else None


# --- the loop ------------------------------------------------------------------------


@dataclass
class _Run:
    """Everything fit() resolved and checked before training."""

    model: Module
    task: _Task
    X: list[list[float]]
    y: list[Any]
    validation: tuple[list[list[float]], list[Any]] | None
    optimizer: Any
    epochs: int
    batch_size: int
    callbacks: list[Callback]
    shuffle_seeds: random.Random  # draws each epoch's shuffling seed
    metrics: list[str]


def fit(
    model: Module,
    X: Sequence[Sequence[float]] | Sequence[float],
    y: Sequence[Any],
    *,
    loss: str | LossFn,
    optimizer: Any,
    epochs: int = 10,
    batch_size: int = 32,
    scheduler: Any = None,
    validation: tuple[Any, Any] | None = None,
    callbacks: Iterable[Callback] = (),
    verbose: bool = True,
    seed: int | None = None,
) -> History:
    """Train ``model`` on ``(X, y)`` with mini-batches; return a :class:`History`.

    ``loss`` is one of 'hinge', 'mse', 'bce_with_logits', 'cross_entropy'
    or a function ``(predictions, targets) -> Value`` (predictions are the
    model's outputs for a batch, targets the batch's labels as given).
    ``optimizer`` is an ``nn.optim`` optimizer over the model's parameters;
    ``scheduler`` an ``nn.optim`` scheduler stepped after every epoch.
    ``validation=(X_val, y_val)`` adds ``val_loss``/``val_accuracy``.
    ``seed`` fixes the shuffling (None draws from the global ``random``).
    ``verbose=False`` hides the progress bar. The model is left in the
    train/eval mode it came in.
    """
    run = _prepare(
        model, X, y, loss, optimizer, epochs, batch_size, scheduler, validation, callbacks, seed
    )
    history = History(
        params={
            "epochs": epochs,
            "batch_size": batch_size,
            "samples": len(run.X),
            "steps": _steps(len(run.X), batch_size),
            "metrics": run.metrics,
        }
    )
    for callback in run.callbacks:
        callback.set_context(model, optimizer, history.params)
    for callback in run.callbacks:
        callback.on_train_begin({})
    was_training = model.training
    progress = _Progress(verbose, epochs, history.params["steps"])
    try:
        _train(run, history, progress)
    except KeyboardInterrupt:
        history.interrupted = True
        progress.close()
        done = len(history.epoch)
        print(
            f"Interrupted (Ctrl-C) with {done} of {epochs} epochs complete: kept the "
            "current weights, returning the history so far."
        )
    finally:
        progress.close()
        model.train(was_training)
    end_logs = {"interrupted": 1.0} if history.interrupted else {}
    for callback in run.callbacks:
        callback.on_train_end(end_logs)
    return history


def _steps(n: int, batch_size: int) -> int:
    return -(-n // batch_size)


def _prepare(
    model: Module,
    X: Any,
    y: Any,
    loss: str | LossFn,
    optimizer: Any,
    epochs: int,
    batch_size: int,
    scheduler: Any,
    validation: tuple[Any, Any] | None,
    callbacks: Iterable[Callback],
    seed: int | None,
) -> _Run:
    """Check every argument; raise before training if anything is off."""
    if not isinstance(model, Module):
        raise TypeError(f"fit() trains a Module (e.g. nn.MLP), got {type(model).__name__}")
    task = _task(loss)
    _positive_int("epochs", epochs)
    _positive_int("batch_size", batch_size)
    _check_optimizer(optimizer, model)
    rows = _rows(X, "X")
    nin, n_out = _model_widths(model, rows[0])
    _check_outputs(task, n_out)
    data = _check_data(rows, y, nin, n_out, task, "X")
    checked_validation = None
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise ValueError("validation must be a pair (X_val, y_val)")
        val_rows = _rows(validation[0], "validation X")
        checked_validation = _check_data(val_rows, validation[1], nin, n_out, task, "validation X")
    if isinstance(callbacks, Callback):
        raise TypeError(f"callbacks takes a list: callbacks=[{callbacks!r}]")
    all_callbacks = list(callbacks)
    for callback in all_callbacks:
        if not isinstance(callback, Callback):
            raise TypeError(f"callbacks must be nn.train.Callback objects, got {callback!r}")
    if scheduler is not None:
        all_callbacks.append(LearningRateScheduler(scheduler))
    metrics = _metric_names(task, validation is not None, _learning_rate(optimizer) is not None)
    return _Run(
        model,
        task,
        *data,
        checked_validation,
        optimizer,
        epochs,
        batch_size,
        all_callbacks,
        _shuffle_seeds(seed),
        metrics,
    )


def _shuffle_seeds(seed: int | None) -> random.Random:
    """Seeds for each epoch's shuffle; with seed=None, drawn from the global random
    (one draw), so random.seed() alone makes a run reproducible."""
    return random.Random(random.getrandbits(64) if seed is None else seed)


def _metric_names(task: _Task, validation: bool, has_lr: bool) -> list[str]:
    names = ["loss"] + (["accuracy"] if task.hit else [])
    if validation:
        names += ["val_" + name for name in names]
    return names + (["lr"] if has_lr else [])


def _train(run: _Run, history: History, progress: _Progress) -> None:
    for epoch in range(run.epochs):
        for callback in run.callbacks:
            callback.on_epoch_begin(epoch, {})
        lr = _learning_rate(run.optimizer)
        progress.start_epoch(epoch)
        run.model.train()
        seed = run.shuffle_seeds.getrandbits(32)
        logs = _train_epoch(
            run, batches(run.X, run.y, run.batch_size, shuffle=True, seed=seed), progress
        )
        if run.validation is not None:
            val = _evaluate(run.model, run.task, *run.validation)
            logs.update({"val_" + k: v for k, v in val.items()})
        if lr is not None:
            logs["lr"] = lr
        history._record(epoch, logs)
        progress.end_epoch(logs)
        for callback in run.callbacks:
            callback.on_epoch_end(epoch, logs)
        if any(callback.stop_training for callback in run.callbacks):
            history.stopped_early = True
            break


def _train_epoch(run: _Run, shuffled: Iterable[tuple[Any, Any]], progress: _Progress) -> Logs:
    total_loss = 0.0
    hits = seen = 0
    for i, (xb, yb) in enumerate(shuffled):
        for callback in run.callbacks:
            callback.on_batch_begin(i, {})
        batch_loss, batch_hits = _step(run, list(xb), list(yb))
        total_loss += batch_loss * len(xb)
        hits += batch_hits
        seen += len(xb)
        for callback in run.callbacks:
            callback.on_batch_end(i, {"loss": batch_loss, "size": float(len(xb))})
        progress.batch_done(total_loss / seen, hits / seen if run.task.hit else None)
    logs = {"loss": total_loss / seen}
    if run.task.hit:
        logs["accuracy"] = hits / seen
    return logs


def _step(run: _Run, xb: list[list[float]], yb: list[Any]) -> tuple[float, int]:
    """One forward, backward and optimizer step; the batch's loss and hits."""
    preds = [run.model(x) for x in xb]
    loss = run.task.loss(preds, yb)
    if not isinstance(loss, Value):
        raise TypeError(f"the loss function must return a Value, got {type(loss).__name__}")
    run.optimizer.zero_grad()
    loss.backward()
    run.optimizer.step()
    return loss.data, _hits(run.task, preds, yb)


def _hits(task: _Task, preds: list[Any], labels: list[Any]) -> int:
    hit = task.hit
    return 0 if hit is None else sum(hit(p, t) for p, t in zip(preds, labels))


def _evaluate(model: Module, task: _Task, X: list[list[float]], y: list[Any]) -> Logs:
    """Loss (and accuracy) on a data set, in eval mode, recording no graph."""
    model.eval()
    with no_grad():
        preds = [model(x) for x in X]
        logs = {"loss": task.loss(preds, y).data}
    if task.hit:
        logs["accuracy"] = _hits(task, preds, y) / len(y)
    return logs


# --- progress display ----------------------------------------------------------------


class _Progress:
    """One tqdm bar over all batches of all epochs, with live metrics."""

    def __init__(self, enabled: bool, epochs: int, steps: int) -> None:
        self.epochs = epochs
        self.bar: Any = None
        self.closed = False
        self.shown: dict[str, str] = {}
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=epochs * steps, unit="batch", file=sys.stderr, dynamic_ncols=True)

    def start_epoch(self, epoch: int) -> None:
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch + 1}/{self.epochs}", refresh=False)

    def batch_done(self, loss: float, accuracy: float | None) -> None:
        if self.bar is None:
            return
        self.shown["loss"] = f"{loss:.4f}"
        if accuracy is not None:
            self.shown["acc"] = f"{accuracy:.1%}"
        self.bar.set_postfix(self.shown, refresh=False)
        self.bar.update(1)

    def end_epoch(self, logs: Mapping[str, float]) -> None:
        if self.bar is None:
            return
        if "val_loss" in logs:
            self.shown["val_loss"] = f"{logs['val_loss']:.4f}"
        if "val_accuracy" in logs:
            self.shown["val_acc"] = f"{logs['val_accuracy']:.1%}"
        self.bar.set_postfix(self.shown)

    def close(self) -> None:
        if self.bar is not None and not self.closed:
            self.closed = True
            self.bar.close()


__all__ = ["LOSSES", "Callback", "EarlyStopping", "History", "LearningRateScheduler", "fit"]
