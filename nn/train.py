"""``fit()``: a Keras-style training loop for chainrule models.

    history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1),
                  epochs=50, batch_size=32, validation=(X_val, y_val))
    history.history["val_accuracy"][-1]

Each epoch shuffles the data into mini-batches (``nn.data.batches``) and
takes one optimizer step per batch. Everything a caller can get wrong about
the data, the model's widths, the labels or the settings is checked before
the first step (``nn._prepare``) and reported as a ValueError (or TypeError)
saying what to change. Ctrl-C stops training cleanly and returns the
history so far. Callbacks and ``History`` live in ``nn.callbacks``.

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

import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from engine import Value, no_grad
from nn._prepare import LOSSES, LossFn, Run, Task, learning_rate, prepare
from nn.callbacks import Callback, History, Logs
from nn.data import batches
from nn.module import Module

# --- the loop ------------------------------------------------------------------------


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
    run = prepare(
        model, X, y, loss, optimizer, epochs, batch_size, scheduler, validation, callbacks, seed
    )
    history = History(
        params={
            "epochs": epochs,
            "batch_size": batch_size,
            "samples": len(run.X),
            "steps": -(-len(run.X) // batch_size),  # batches per epoch, the last short
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


def _train(run: Run, history: History, progress: _Progress) -> None:
    for epoch in range(run.epochs):
        for callback in run.callbacks:
            callback.on_epoch_begin(epoch, {})
        lr = learning_rate(run.optimizer)
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


def _train_epoch(run: Run, shuffled: Iterable[tuple[Any, Any]], progress: _Progress) -> Logs:
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


def _step(run: Run, xb: list[list[float]], yb: list[Any]) -> tuple[float, int]:
    """One forward, backward and optimizer step; the batch's loss and hits."""
    preds = [run.model(x) for x in xb]
    loss = run.task.loss(preds, yb)
    if not isinstance(loss, Value):
        raise TypeError(f"the loss function must return a Value, got {type(loss).__name__}")
    run.optimizer.zero_grad()
    loss.backward()
    run.optimizer.step()
    return loss.data, _hits(run.task, preds, yb)


def _hits(task: Task, preds: list[Any], labels: list[Any]) -> int:
    hit = task.hit
    return 0 if hit is None else sum(hit(p, t) for p, t in zip(preds, labels))


def _evaluate(model: Module, task: Task, X: list[list[float]], y: list[Any]) -> Logs:
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


__all__ = ["LOSSES", "fit"]
