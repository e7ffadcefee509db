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

import math
from collections.abc import Iterable, Sequence
from typing import Any

from engine import Value, no_grad
from nn._prepare import LOSSES, LossFn, Options, Run, Task, learning_rate, prepare
from nn._progress import Progress, compact
from nn.callbacks import Callback, History, Logs, observing_layers
from nn.compiled import check_compile, compiled_step
from nn.data import batches
from nn.module import Module
from nn.utils import clip_grad_norm_

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
    metrics: Sequence[str] | None = None,
    clip_grad_norm: float | None = None,
    terminate_on_nan: bool = True,
    compile: bool | str = False,  # noqa: A002 - as torch.compile
) -> History:
    """Train ``model`` on ``(X, y)`` with mini-batches; return a :class:`History`.

    ``loss`` is one of 'hinge', 'mse', 'bce_with_logits', 'cross_entropy'
    or a function ``(predictions, targets) -> Value`` (predictions are the
    model's outputs for a batch, targets the batch's labels as given).
    ``optimizer`` is an ``nn.optim`` optimizer over the model's parameters;
    ``scheduler`` an ``nn.optim`` scheduler stepped after every epoch.
    ``validation=(X_val, y_val)`` adds ``val_loss``/``val_accuracy``.
    ``seed`` fixes the shuffling (None draws from the global ``random``).
    ``verbose=False`` hides the progress bar and fit's messages. The model
    is left in the train/eval mode it came in.

    ``metrics=['accuracy']`` records accuracy for any loss, a function
    included (see ``nn._prepare.accuracy_rule`` for how a prediction is
    read); ``metrics=[]`` records the loss only; None (the default) records
    accuracy for the classification losses. ``clip_grad_norm=c`` clips the
    gradients' total norm to ``c`` before every step
    (``nn.clip_grad_norm_``). With ``terminate_on_nan`` (the default) a
    loss, gradient or weight that becomes nan or infinite stops training at
    once: the weights are put back as they were before that step, a message
    says where it happened and what to try, and the history of the
    completed epochs is returned, with the message in ``stop_reason``.
    The guard copies the weights once per step: about a tenth of a step's
    time at ``batch_size=1`` on an MLP 2-16-16-1, under 1% at 32;
    ``terminate_on_nan=False`` skips it.

    ``compile=True`` (or ``'numpy'``) replays each step's forward and
    backward through ``engine.compile`` (see :mod:`nn.compiled`): the same
    losses and weights, several times faster (the named losses, not a loss
    function; dropout only in an MLP); everything above applies as without it.
    """
    run = prepare(
        model,
        X,
        y,
        loss,
        optimizer,
        epochs,
        batch_size,
        scheduler,
        validation,
        callbacks,
        seed,
        Options(metrics, clip_grad_norm, terminate_on_nan),
    )
    check_compile(compile, loss, model)
    if compile is not False:
        backend = "numpy" if compile == "numpy" else "python"
        run.compiled = compiled_step(model, str(loss), backend)
    history = History(
        params={
            "epochs": epochs,
            "batch_size": batch_size,
            "samples": len(run.X),
            "steps": -(-len(run.X) // batch_size),  # batches per epoch, the last short
            "metrics": run.metrics,
            "verbose": verbose,
            "loss": run.task.name,  # a named loss, or 'custom' for a function
        }
    )
    for callback in run.callbacks:
        callback.set_context(model, optimizer, history.params)
        callback.set_data(run.X, run.y, run.validation)
    for callback in run.callbacks:
        callback.on_train_begin({})
    was_training = model.training
    progress = Progress(verbose, epochs, history.params["steps"])
    end_logs: Logs = {}
    try:
        _train(run, history, progress)
    except KeyboardInterrupt:
        history.interrupted = True
        end_logs["interrupted"] = 1.0
        progress.close()
        done = len(history.epoch)
        print(
            f"Interrupted (Ctrl-C) with {done} of {epochs} epochs complete: kept the "
            "current weights, returning the history so far."
        )
    except NonFinite as bad:
        end_logs["nonfinite"] = 1.0
        progress.finish_early()
        history.stop_reason = bad.message(run, len(history.epoch))
        if verbose:
            print(history.stop_reason)
    finally:
        if history.stopped_early:
            progress.finish_early()
        progress.close()
        model.train(was_training)
    if history.stopped_early:
        stoppers = ", ".join(repr(c) for c in run.callbacks if c.stop_training)
        history.stop_reason = (
            f"{stoppers} stopped training after epoch {len(history.epoch)} of {epochs}"
        )
    for callback in run.callbacks:
        callback.on_train_end(end_logs)
    return history


def _train(run: Run, history: History, progress: Progress) -> None:
    with observing_layers(run.callbacks):
        for epoch in range(run.epochs):
            for callback in run.callbacks:
                callback.on_epoch_begin(epoch, {})
            lr = learning_rate(run.optimizer)
            progress.start_epoch(epoch)
            run.model.train()
            seed = run.shuffle_seeds.getrandbits(32)
            shuffled = batches(run.X, run.y, run.batch_size, shuffle=True, seed=seed)
            try:
                logs = _train_epoch(run, shuffled, progress)
            except NonFinite as bad:
                bad.epoch = epoch
                raise
            if run.validation is not None:
                val = _evaluate(run.model, run.task, *run.validation)
                logs.update({"val_" + k: v for k, v in val.items()})
            if lr is not None:
                logs["lr"] = lr
            history._record(epoch, logs)
            progress.end_epoch(logs)
            for callback in run.callbacks:
                callback.on_epoch_end(epoch, logs)
            history._record_added(logs)  # what callbacks added (nn.GradientHealth's measures)
            if any(callback.stop_training for callback in run.callbacks):
                history.stopped_early = True
                break


def _train_epoch(run: Run, shuffled: Iterable[tuple[Any, Any]], progress: Progress) -> Logs:
    total_loss = 0.0
    hits = seen = 0
    for i, (xb, yb) in enumerate(shuffled):
        for callback in run.callbacks:
            callback.on_batch_begin(i, {})
        try:
            batch_loss, batch_hits = _step(run, list(xb), list(yb))
        except NonFinite as bad:
            bad.batch = i
            raise
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
    """One forward, backward and optimizer step; the batch's loss and hits.

    With ``terminate_on_nan``, a non-finite loss raises :class:`NonFinite`
    before the backward pass, and a step that leaves any weight non-finite
    (from a nan or inf gradient, or an update too large for a float) is
    undone before it raises.
    """
    guard = run.terminate_on_nan
    run.optimizer.zero_grad()
    if run.compiled is not None:
        # forward and backward replayed by engine.compile; predictions as floats
        loss_value, float_preds = run.compiled(xb, yb)
        if guard and not math.isfinite(loss_value):
            raise NonFinite("loss", loss_value)
        preds: list[Any] = [_as_values(p) for p in float_preds] if run.task.hit else []
    else:
        preds = [run.model(x) for x in xb]
        loss = run.task.loss(preds, yb)
        if not isinstance(loss, Value):
            raise TypeError(f"the loss function must return a Value, got {type(loss).__name__}")
        if guard and not math.isfinite(loss.data):
            raise NonFinite("loss", loss.data)
        loss.backward()
        loss_value = loss.data
    params = run.parameters
    if run.clip_grad_norm is not None:
        clip_grad_norm_(params, run.clip_grad_norm)
    if not guard:
        run.optimizer.step()
        return loss_value, _hits(run.task, preds, yb)
    # One copy and one sum per step: a non-finite gradient always makes some
    # weight non-finite (x - lr * inf, or Adam's inf / inf), so checking
    # the weights after the step catches both, and the copy undoes it.
    before = [p.data for p in params]
    run.optimizer.step()
    if not _all_finite([p.data for p in params]):
        bad_gradient = not _all_finite([p.grad for p in params])
        for p, old in zip(params, before):
            p.data = old
        raise NonFinite("gradient" if bad_gradient else "step", loss_value)
    return loss_value, _hits(run.task, preds, yb)


def _as_values(prediction: Any) -> Any:
    # a compiled step's outputs are floats; accuracy rules read Values
    if isinstance(prediction, list):
        return [Value(p) for p in prediction]
    return Value(prediction)


def _all_finite(numbers: list[float]) -> bool:
    # Summing first is fast; only a non-finite sum needs the element-wise look.
    return math.isfinite(sum(numbers)) or all(map(math.isfinite, numbers))


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


# --- stopping on nan and inf ------------------------------------------------------------


class NonFinite(Exception):
    """Raised inside the loop when training produced nan or inf (fit catches it)."""

    def __init__(self, where: str, loss: float) -> None:
        super().__init__(where)
        self.where = where  # 'loss', 'gradient' or 'step'
        self.loss = loss
        self.epoch = 0
        self.batch = 0

    def message(self, run: Run, completed: int) -> str:
        steps = -(-len(run.X) // run.batch_size)
        place = f"epoch {self.epoch + 1} of {run.epochs}, batch {self.batch + 1} of {steps}"
        what = {
            "loss": f"the loss became {compact(self.loss)}",
            "gradient": f"a gradient became nan or inf (the loss was {compact(self.loss)})",
            "step": "the optimizer step made a weight nan or inf",
        }[self.where]
        lr = learning_rate(run.optimizer)
        lower = "a lower learning rate" + (f" (lr is {compact(lr)} now)" if lr else "")
        clip = (
            f"a smaller clip_grad_norm (it is {compact(run.clip_grad_norm)})"
            if run.clip_grad_norm is not None
            else "gradient clipping, e.g. fit(..., clip_grad_norm=1.0)"
        )
        return (
            f"Stopped training: {what} in {place}. The weights are those from before "
            f"that step; the history holds the {completed} completed epoch"
            f"{'' if completed == 1 else 's'}. Try {lower}, or {clip}. "
            "(terminate_on_nan=False trains on regardless.)"
        )


__all__ = ["LOSSES", "NonFinite", "fit"]
