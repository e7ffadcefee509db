"""Callbacks that ``fit`` calls during training, and the ``History`` it returns.

Subclass :class:`Callback` and override the hooks you need; ``fit`` calls
them in this order::

    on_train_begin
        on_epoch_begin(epoch)
            on_batch_begin(batch) ... on_batch_end(batch, {"loss", "size"})
        on_epoch_end(epoch, logs)        # logs: that epoch's metrics
    on_train_end

Ready-made ones: :class:`EarlyStopping`, :class:`LearningRateScheduler`
(what ``fit(scheduler=...)`` adds), and two for measuring training::

    target = TargetReached(0.1)            # training loss at or below 0.1
    clock = Stopwatch()                    # wall-clock; Stopwatch(time.process_time): CPU
    fit(model, X, y, ..., callbacks=[target, clock])
    target.reached_epoch                   # epochs trained when it got there (or None)
    clock.seconds[target.reached_epoch - 1]  # wall-clock seconds to get there
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engine import Value
from nn._checks import check_choice, check_finite, check_int
from nn.layers import LAYER_OBSERVERS, Layer
from nn.module import Module

Logs = dict[str, float]
"""The metrics a hook receives: metric name -> number."""


# --- callbacks -----------------------------------------------------------------


class Callback:
    """Base class: override the hooks you need. ``fit`` sets ``model``,
    ``optimizer`` and ``params`` (epochs, batch_size, steps, samples, metrics,
    verbose, loss) before ``on_train_begin``. Set ``stop_training = True`` to end
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

    def set_data(self, X: list[list[float]], y: list[Any], validation: Any) -> None:
        """The checked training data and ``(X_val, y_val)`` (or None), before training.

        Most callbacks ignore it; ``nn.LiveView`` draws the points.
        """

    def on_train_begin(self, logs: Logs) -> None:
        """Before the first epoch; raise ValueError here for a bad setting."""

    def on_train_end(self, logs: Logs) -> None:
        """After training; ``logs['interrupted']`` is 1.0 after Ctrl-C, and
        ``logs['nonfinite']`` after a nan or inf stopped it."""

    def on_epoch_begin(self, epoch: int, logs: Logs) -> None:
        """Before each epoch (numbered from 0)."""

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        """After each epoch, with that epoch's metrics."""

    def on_batch_begin(self, batch: int, logs: Logs) -> None:
        """Before each optimizer step."""

    def on_batch_end(self, batch: int, logs: Logs) -> None:
        """After each optimizer step, with ``loss`` and ``size`` of the batch."""

    def on_layer_output(self, layer: Layer, outputs: list[Value]) -> None:
        """Every ``nn.Layer``'s outputs in the training forward passes (not validation).

        Called only for callbacks that override it; a layer of ``nout``
        neurons gives ``nout`` Values per sample.
        """

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
        self.patience = check_int(patience, "patience", 0, who="EarlyStopping")
        self.min_delta = check_finite(min_delta, "min_delta", who="EarlyStopping", minimum=0)
        check_choice(mode, "mode", ("auto", "min", "max"), who="EarlyStopping")
        self.monitor = monitor
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
        restore = self.best_weights is not None and not logs.get("interrupted")
        if restore and self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)
        if self.params.get("verbose", False) and not logs.get("interrupted"):
            line = self.summary(restored=restore)
            if line:
                print(line)

    def summary(self, restored: bool) -> str:
        """One line on why and when training stopped and which weights the model has."""
        if self.best_epoch is None:
            return ""
        best = f"best {self.monitor} {self.best:.4g} at epoch {self.best_epoch + 1}"
        if self.stopped_epoch is None:
            if not restored:
                return ""
            return f"EarlyStopping: restored the weights of epoch {self.best_epoch + 1} ({best})."
        total = self.params.get("epochs", "?")
        kept = (
            f"restored the weights of epoch {self.best_epoch + 1}"
            if restored
            else f"kept the weights of epoch {self.stopped_epoch + 1} "
            "(restore_best_weights=True would restore the best)"
        )
        return (
            f"Early stopping: {self.monitor} did not improve for {self.wait} epochs ({best}); "
            f"stopped after epoch {self.stopped_epoch + 1} of {total} and {kept}."
        )

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
    after Ctrl-C; ``stopped_early`` after a callback stopped training;
    ``stop_reason`` says why training ended before its last epoch (after a
    nan or inf, or early stopping), or is empty.
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    epoch: list[int] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    stopped_early: bool = False
    stop_reason: str = ""

    def plot_gradient_health(self, path: str | None = None) -> Any:
        """Plot what ``nn.GradientHealth`` recorded; returns the matplotlib figure.

        One panel per measure (gradient RMS, log10 update ratio, dead ReLU
        share, saturated share), one line per layer, against the epoch.
        With ``path`` the figure is also saved there.
        """
        from nn._plots import plot_health

        return plot_health(self.history, self.epoch, path)

    def _record(self, epoch: int, logs: Logs) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def _record_added(self, logs: Logs) -> None:
        """Record the keys that callbacks added to the last epoch's logs."""
        for key, value in logs.items():
            values = self.history.setdefault(key, [])
            if len(values) < len(self.epoch):
                values.append(value)

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.history.items() if k != "lr" and "/" not in k}
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in shown.items())
        return f"History({len(self.epoch)} epochs{', ' if last else ''}{last})"


@contextlib.contextmanager
def observing_layers(callbacks: Iterable[Callback]) -> Iterator[None]:
    """While inside, every Layer's training outputs go to the callbacks that watch them."""
    watchers = [c for c in callbacks if type(c).on_layer_output is not Callback.on_layer_output]
    if not watchers:
        yield
        return

    def observe(layer: Layer, outputs: list[Value]) -> None:
        for watcher in watchers:
            watcher.on_layer_output(layer, outputs)

    LAYER_OBSERVERS.append(observe)
    try:
        yield
    finally:
        LAYER_OBSERVERS.remove(observe)


# --- measuring training ------------------------------------------------------


class TargetReached(Callback):
    """Note the first epoch at which ``monitor`` reaches ``target``; stop there if ``stop``.

    A metric whose name contains 'acc' reaches the target from below
    (``value >= target``); any other metric, a loss, from above
    (``value <= target``). ``reached_epoch`` counts the epochs trained when
    the target was first reached (1 for the first epoch), or is None.
    """

    def __init__(self, target: float, monitor: str = "loss", stop: bool = True) -> None:
        self.target = check_finite(target, "target", who="TargetReached")
        self.monitor = monitor
        self.stop = stop
        self.higher_is_better = "acc" in monitor
        self.reached_epoch: int | None = None

    def on_train_begin(self, logs: Logs) -> None:
        metrics = self.params["metrics"]
        if self.monitor not in metrics:
            raise ValueError(
                f"TargetReached monitors {self.monitor!r}, but fit records only "
                f"{', '.join(metrics)}"
            )
        self.reached_epoch = None

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        if self.reached_epoch is not None:
            return
        value = logs[self.monitor]
        reached = value >= self.target if self.higher_is_better else value <= self.target
        if reached:
            self.reached_epoch = epoch + 1
            self.stop_training = self.stop

    def __repr__(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        return f"TargetReached({self.monitor} {sign} {self.target:g})"


class Stopwatch(Callback):
    """Seconds from the start of training to the end of each epoch.

    ``seconds[k]`` is the time after epoch k + 1, so ``seconds[-1]`` is the
    whole run and the differences are per-epoch times. ``clock`` is
    wall-clock time by default; ``Stopwatch(time.process_time)`` counts the
    CPU time of this process instead, which other programs running on the
    machine do not inflate.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.seconds: list[float] = []
        self._start = 0.0

    def on_train_begin(self, logs: Logs) -> None:
        self.seconds = []
        self._start = self.clock()

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self.seconds.append(self.clock() - self._start)

    def __repr__(self) -> str:
        return f"Stopwatch({len(self.seconds)} epochs)"


__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "Logs",
    "Stopwatch",
    "TargetReached",
]
