"""What ``fit`` checks and resolves before the first step (private).

Everything a caller can get wrong about the data, the model's widths, the
labels or the settings is found here, before any weight changes, and
reported as a ValueError (or TypeError) saying what to change. The result
is a :class:`Run`, which the training loop in ``nn.train`` reads.

(About 410 lines: one list of checks, each a few lines, in the order fit
needs them; split, a reader would lose which check comes first.)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from engine import Value, no_grad
from nn import losses
from nn._checks import check_finite, check_flag, check_int, is_int, is_real
from nn.callbacks import Callback, LearningRateScheduler
from nn.layers import MLP, Layer, Neuron
from nn.module import Module

LossFn = Callable[[list[Any], list[Any]], Value]

LOSSES = ("hinge", "mse", "bce_with_logits", "cross_entropy")


# --- what a loss name implies ----------------------------------------------------


@dataclass
class Task:
    """The loss to call and how to check labels and count hits for it."""

    name: str
    loss: LossFn
    n_outputs: str  # "one", "several" or "any", checked against the model
    check_label: Callable[[Any, int], str | None] | None  # -> error text, or None
    hit: Callable[[Any, Any], bool] | None  # (prediction, label) -> correct?


def _hinge_label(t: Any, n_out: int) -> str | None:
    if is_real(t) and t in (-1, 1):
        return None
    return "hinge loss takes labels -1 and +1 (convert 0/1 labels with y = 2 * y - 1)"


def _bce_label(t: Any, n_out: int) -> str | None:
    if is_real(t) and 0 <= t <= 1:
        return None
    return "bce_with_logits takes labels 0 and 1 (or soft labels between them)" + (
        "; convert -1/+1 labels with y = (y + 1) / 2" if t == -1 else ""
    )


def _class_label(t: Any, n_out: int) -> str | None:
    if is_int(t) and 0 <= int(t) < n_out:
        return None
    kind = "" if is_int(t) else f" (got a {type(t).__name__})"
    return (
        f"cross_entropy takes class indices, ints 0 .. {n_out - 1} for this model's "
        f"{n_out} outputs{kind}"
    )


def _mse_label(t: Any, n_out: int) -> str | None:
    if n_out == 1:
        well_shaped, row = is_real(t), [t]
    else:
        well_shaped = isinstance(t, Sequence) and len(t) == n_out and all(map(is_real, t))
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


def task_for(loss: str | LossFn) -> Task:
    if callable(loss):
        return Task("custom", loss, "any", None, None)
    if loss == "hinge":
        return Task(
            loss, losses.hinge_loss, "one", _hinge_label, lambda s, t: (s.data > 0) == (t > 0)
        )
    if loss == "bce_with_logits":
        return Task(
            loss,
            losses.binary_cross_entropy_with_logits,
            "one",
            _bce_label,
            lambda s, t: (s.data > 0) == (t >= 0.5),
        )
    if loss == "cross_entropy":
        return Task(
            loss, losses.cross_entropy, "several", _class_label, lambda row, t: _argmax(row) == t
        )
    if loss == "mse":
        return Task(loss, _flat_mse, "any", _mse_label, None)
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
        cells = [row] if is_real(row) else row
        if isinstance(cells, (str, bytes)) or not isinstance(cells, Iterable):
            raise TypeError(f"{what}[{i}] must be a list of numbers, got {type(row).__name__}")
        floats = []
        for j, x in enumerate(cells):
            if not is_real(x):
                raise TypeError(f"{what}[{i}][{j}] must be a number, got {type(x).__name__}")
            if not math.isfinite(x):
                raise ValueError(f"{what}[{i}][{j}] is {x!r}; inputs must be finite numbers")
            floats.append(float(x))
        rows.append(floats)
    if not rows:
        raise ValueError(f"{what} is empty; fit needs at least one sample")
    return rows


def _check_data(
    rows: list[list[float]], y: Any, nin: int | None, n_out: int, task: Task, what: str
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


def _check_outputs(task: Task, n_out: int) -> None:
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


def learning_rate(optimizer: Any) -> float | None:
    groups = getattr(optimizer, "param_groups", None)
    if groups and "lr" in groups[0]:
        return float(groups[0]["lr"])
    lr = getattr(optimizer, "lr", None)
    return float(lr) if isinstance(lr, (int, float)) else None


# --- the whole run ---------------------------------------------------------------


@dataclass
class Options:
    """fit's switches that change what a step does or records."""

    metrics: Sequence[str] | None = None
    clip_grad_norm: float | None = None
    terminate_on_nan: bool = True


@dataclass
class Run:
    """Everything fit() resolved and checked before training."""

    model: Module
    task: Task
    X: list[list[float]]
    y: list[Any]
    validation: tuple[list[list[float]], list[Any]] | None
    optimizer: Any
    epochs: int
    batch_size: int
    callbacks: list[Callback]
    shuffle_seeds: random.Random  # draws each epoch's shuffling seed
    metrics: list[str]
    parameters: list[Value]  # the model's, checked for nan/inf and clipped
    clip_grad_norm: float | None
    terminate_on_nan: bool
    compiled: Any = None  # fit(compile=...): forward and backward by engine.compile


def prepare(
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
    options: Options,
) -> Run:
    """Check every argument; raise before training if anything is off."""
    if not isinstance(model, Module):
        raise TypeError(f"fit() trains a Module (e.g. nn.MLP), got {type(model).__name__}")
    task = task_for(loss)
    check_int(epochs, "epochs")
    check_int(batch_size, "batch_size")
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
            raise TypeError(
                f"callbacks must be nn.Callback objects (subclass nn.Callback), got {callback!r}"
            )
    if scheduler is not None:
        all_callbacks.append(LearningRateScheduler(scheduler))
    task = _with_metrics(task, options.metrics, data[1], n_out)
    clip = options.clip_grad_norm
    if clip is not None:
        clip = check_finite(clip, "clip_grad_norm", who="fit", minimum=0)
    check_flag(options.terminate_on_nan, "terminate_on_nan", who="fit")
    metrics = _metric_names(task, validation is not None, learning_rate(optimizer) is not None)
    return Run(
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
        model.parameters(),
        clip,
        options.terminate_on_nan,
    )


def _shuffle_seeds(seed: int | None) -> random.Random:
    """Seeds for each epoch's shuffle; with seed=None, drawn from the global random
    (one draw), so random.seed() alone makes a run reproducible."""
    return random.Random(random.getrandbits(64) if seed is None else seed)


METRICS = ("accuracy", "acc")


def _with_metrics(task: Task, metrics: Any, labels: list[Any], n_out: int) -> Task:
    """``task`` recording accuracy exactly when ``metrics`` asks for it (None: as the loss says)."""
    if metrics is None:
        return task
    if isinstance(metrics, str) or not isinstance(metrics, Iterable):
        raise TypeError(
            f"metrics takes a list of names, e.g. metrics=['accuracy'], got {metrics!r:.40}"
        )
    names = list(metrics)
    for name in names:
        if name not in METRICS:
            raise ValueError(
                f"unknown metric {name!r}; fit records 'accuracy' (also spelled 'acc'), "
                "and always the loss"
            )
    if not names:
        return replace(task, hit=None)
    if task.hit is not None:
        return task
    return replace(task, hit=accuracy_rule(labels, n_out))


def accuracy_rule(labels: list[Any], n_out: int) -> Callable[[Any, Any], bool]:
    """How a prediction is scored right or wrong, read from the labels and the model's width.

    * one output, labels -1/+1: the sign of the output is the class (as for 'hinge');
    * one output, labels between 0 and 1: an output > 0 predicts 1, a label
      >= 0.5 is 1 (the output is a logit, as for 'bce_with_logits');
    * several outputs, labels class indices: the largest output is the class;
    * several outputs, labels rows of numbers (one-hot): the largest output
      must sit where the label row is largest.

    Anything else has no accuracy, and fit says so before training.
    """
    if n_out == 1 and all(is_real(t) for t in labels):
        if all(t in (-1, 1) for t in labels):
            return lambda s, t: (s.data > 0) == (t > 0)
        if all(0 <= t <= 1 for t in labels):
            return lambda s, t: (s.data > 0) == (t >= 0.5)
    if n_out > 1 and all(is_int(t) and 0 <= int(t) < n_out for t in labels):
        return lambda row, t: _argmax(row) == t
    if n_out > 1 and all(isinstance(t, Sequence) and len(t) == n_out for t in labels):
        return lambda row, t: _argmax(row) == max(range(n_out), key=lambda i: t[i])
    raise ValueError(
        "metrics=['accuracy'] needs class labels: -1/+1 or 0/1 for a one-output model, "
        f"class indices 0 .. {n_out - 1} or one-hot rows for a model with several outputs; "
        "these labels look like regression targets"
    )


def _metric_names(task: Task, validation: bool, has_lr: bool) -> list[str]:
    names = ["loss"] + (["accuracy"] if task.hit else [])
    if validation:
        names += ["val_" + name for name in names]
    return names + (["lr"] if has_lr else [])


__all__ = [
    "LOSSES",
    "METRICS",
    "LossFn",
    "Options",
    "Run",
    "Task",
    "accuracy_rule",
    "learning_rate",
    "prepare",
    "task_for",
]
