"""Loss functions and weight penalties, named and behaving as in PyTorch.

Every loss is an ordinary expression of engine ops, so ``loss.backward()``
differentiates it with the engine's own rules; nothing here knows a
derivative. Predictions are a single Value (or number) or a list of them;
targets are plain numbers. The reduction (``'mean'`` or ``'sum'``) is one
``engine.sum`` node, so a drawn graph stays readable.

>>> from engine import Value
>>> loss = mse_loss([Value(0.5), Value(2.0)], [1.0, 2.0])
>>> loss.data
0.125
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias, TypeVar, cast

import engine
from engine import Value

Scalar: TypeAlias = "Value | float"
Inputs: TypeAlias = "Value | float | Sequence[Value | float]"
Targets: TypeAlias = "float | Sequence[float]"

REDUCTIONS = ("mean", "sum")

# torch clamps every log in binary_cross_entropy to >= -100, so a
# probability of exactly 0 or 1 gives a loss of 100 instead of inf.
LOG_FLOOR = -100.0


# --- input checking ------------------------------------------------------------


def _check_reduction(reduction: str, loss: str) -> None:
    if reduction in REDUCTIONS:
        return
    hint = ""
    if reduction == "none":
        hint = " For one loss per sample, call the loss on each sample separately."
    raise ValueError(
        f"{loss}: unknown reduction {reduction!r}; use reduction='mean' or reduction='sum'.{hint}"
    )


def _as_list(x: Any, loss: str, what: str, kind: str) -> list[Any]:
    """``x`` itself in a list if it is one item, else the items of ``x``."""
    if isinstance(x, (Value, numbers.Real)):
        return [x]
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{loss}: {what} must be {kind}, got {type(x).__name__} {x!r:.40}")
    try:
        return list(x)
    except TypeError:
        raise TypeError(f"{loss}: {what} must be {kind}, got {type(x).__name__}") from None


def _as_values(inputs: Any, loss: str, what: str) -> list[Value]:
    """One Value or number, or a list of them, as a list of Values."""
    values = []
    for i, item in enumerate(_as_list(inputs, loss, what, "a Value, a number or a list of them")):
        if isinstance(item, Value):
            values.append(item)
        elif isinstance(item, numbers.Real):
            values.append(Value(float(item)))
        else:
            raise TypeError(
                f"{loss}: {what}[{i}] is a {type(item).__name__}; expected a Value or a number"
            )
    return values


def _as_numbers(targets: Any, loss: str) -> list[float]:
    """One number or a list of numbers, as a list of floats."""
    floats = []
    for i, item in enumerate(_as_list(targets, loss, "targets", "a number or a list of numbers")):
        if isinstance(item, Value):
            raise TypeError(
                f"{loss}: targets[{i}] is a Value, but targets are plain numbers "
                "and get no gradient; pass its .data instead"
            )
        if not isinstance(item, numbers.Real):
            raise TypeError(f"{loss}: targets[{i}] is a {type(item).__name__}; expected a number")
        floats.append(float(item))
    return floats


def _pairs(inputs: Any, targets: Any, loss: str, what: str) -> tuple[list[Value], list[float]]:
    """Inputs and targets as equally long, non-empty lists."""
    xs = _as_values(inputs, loss, what)
    ys = _as_numbers(targets, loss)
    if len(xs) != len(ys):
        raise ValueError(
            f"{loss}: got {len(xs)} {what} but {len(ys)} targets; "
            f"pass one target per {what[:-1] if what.endswith('s') else what}"
        )
    if not xs:
        raise ValueError(f"{loss}: got no {what}; pass at least one")
    return xs, ys


def _reduce(terms: list[Value], reduction: str) -> Value:
    """Sum the per-sample losses in one node, then divide for the mean."""
    total = engine.sum(terms)
    return total / len(terms) if reduction == "mean" else total


# --- regression -------------------------------------------------------------------


F = TypeVar("F", bound=Callable[..., Value])


def _scoped(loss: F) -> F:
    """Tag the nodes a loss makes with its name, e.g. 'l2_penalty'.

    Graph drawings then show the loss as one box when collapsed.
    """

    @functools.wraps(loss)
    def tagged(*args: Any, **kwargs: Any) -> Value:
        with engine.scope(loss.__name__):
            return loss(*args, **kwargs)

    return cast(F, tagged)


@_scoped
def mse_loss(preds: Inputs, targets: Targets, reduction: str = "mean") -> Value:
    """Mean (or summed) squared error, as ``torch.nn.functional.mse_loss``."""
    _check_reduction(reduction, "mse_loss")
    xs, ys = _pairs(preds, targets, "mse_loss", "preds")
    return _reduce([(x - y) ** 2 for x, y in zip(xs, ys)], reduction)


# --- binary classification ----------------------------------------------------------


def _clamped_log(v: Value) -> Value:
    """``max(log(v), -100)``, torch's clamp, built from engine ops.

    Where the clamp is active (v < e**-100, including v = 0, where log
    itself is undefined) the result is the constant -100: the clamped
    function is flat there, so no gradient flows back to ``v``.
    """
    if v.data > 0.0 and math.log(v.data) >= LOG_FLOOR:
        return v.log()
    return Value(LOG_FLOOR)


@_scoped
def binary_cross_entropy(probs: Inputs, targets: Targets, reduction: str = "mean") -> Value:
    """``-(y log p + (1 - y) log(1 - p))`` on probabilities ``p`` in [0, 1].

    As ``torch.nn.functional.binary_cross_entropy``, each log is clamped
    to >= -100, so ``p = 0`` or ``p = 1`` costs at most 100 instead of
    infinity. Targets may be soft (any number in [0, 1]). For raw scores,
    ``binary_cross_entropy_with_logits`` is more accurate and never
    saturates.

    The gradient is the exact derivative of this expression. torch's
    hand-written backward divides by ``max(p * (1 - p), 1e-12)`` instead of
    ``p * (1 - p)``, so the two agree wherever ``p * (1 - p) >= 1e-12``;
    closer to 0 or 1 torch's gradient is smaller than the true one, and
    through a clamped log ours is 0.
    """
    _check_reduction(reduction, "binary_cross_entropy")
    ps, ys = _pairs(probs, targets, "binary_cross_entropy", "probs")
    for i, (p, y) in enumerate(zip(ps, ys)):
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: probs[{i}] = {p.data!r} is not a probability "
                "in [0, 1]; apply .sigmoid() first, or use "
                "binary_cross_entropy_with_logits on the raw scores"
            )
        if not 0.0 <= y <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: targets[{i}] = {y!r} is not in [0, 1]; "
                "use 0/1 labels (or soft labels between them)"
            )
    terms = [-(_clamped_log(p) * y + _clamped_log(1.0 - p) * (1.0 - y)) for p, y in zip(ps, ys)]
    return _reduce(terms, reduction)


def _bce_logit_term(x: Value, y: float) -> Value:
    """``-(y log s(x) + (1 - y) log(1 - s(x)))`` for s = sigmoid, stably.

    The loss equals ``max(x, 0) - x*y + log(1 + exp(-|x|))``: exp only ever
    sees a number <= 0, so it cannot overflow, and 1 + exp(...) lies in
    (1, 2], so the log is always defined. We resolve max and |x| by a
    branch on the value instead of writing ``x.relu()`` and ``x.abs()``:
    both kinks sit at x = 0, where relu'(0) = abs'(0) = 0 would give the
    wrong gradient -y instead of sigmoid(0) - y = 0.5 - y. Each branch is
    smooth, and at x = 0 both have value log 2 and slope 0.5 - y.
    """
    if x.data > 0.0:
        return x * (1.0 - y) + (1.0 + (-x).exp()).log()
    return (1.0 + x.exp()).log() - x * y


@_scoped
def binary_cross_entropy_with_logits(
    logits: Inputs, targets: Targets, reduction: str = "mean"
) -> Value:
    """Sigmoid and binary cross-entropy in one numerically stable loss.

    As ``torch.nn.functional.binary_cross_entropy_with_logits`` (and Keras'
    ``from_logits=True``): finite, with a finite gradient, even at logits
    of +-1000. Targets are 0/1 labels or soft labels in [0, 1]. The value
    is accurate to about 1e-16 absolute (the engine has no ``log1p``).
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    xs, ys = _pairs(logits, targets, "binary_cross_entropy_with_logits", "logits")
    for i, y in enumerate(ys):
        if not 0.0 <= y <= 1.0:
            raise ValueError(
                f"binary_cross_entropy_with_logits: targets[{i}] = {y!r} is not in "
                "[0, 1]; use 0/1 labels (or soft labels between them)"
            )
    return _reduce([_bce_logit_term(x, y) for x, y in zip(xs, ys)], reduction)


@_scoped
def hinge_loss(scores: Inputs, targets: Targets, reduction: str = "mean") -> Value:
    """micrograd's max-margin loss: the mean of ``relu(1 - y * score)``.

    Targets are -1 or +1 (convert 0/1 labels with ``2 * y - 1``); a score
    only stops costing once it is on the right side by a margin of 1.
    """
    _check_reduction(reduction, "hinge_loss")
    ss, ys = _pairs(scores, targets, "hinge_loss", "scores")
    for i, y in enumerate(ys):
        if y not in (-1.0, 1.0):
            raise ValueError(
                f"hinge_loss: targets[{i}] = {y!r}, but hinge targets are -1 or +1; "
                "convert 0/1 labels with y = 2 * y - 1"
            )
    return _reduce([(1.0 - s * y).relu() for s, y in zip(ss, ys)], reduction)


# --- multi-class classification ------------------------------------------------------------


def _class_index(target: Any, n_classes: int, where: str) -> int:
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(
            f"cross_entropy: {where} must be a class index (an int), "
            f"got {type(target).__name__} {target!r}"
        )
    index = int(target)
    if not 0 <= index < n_classes:
        raise ValueError(
            f"cross_entropy: {where} = {index} is not a class index for "
            f"{n_classes} logits; use 0 .. {n_classes - 1}"
        )
    return index


def _log_sum_exp(zs: list[Value]) -> Value:
    """``log(sum(exp(z)))`` without overflow.

    Shifting by the largest logit m leaves the value unchanged,
    log sum exp(z) = m + log sum exp(z - m), but now every exp sees a number
    <= 0 and the sum is >= 1. m is a plain number, not a Value: the result
    does not depend on it, so it needs no gradient (the gradient that
    arrives at each z is exactly softmax(z)).
    """
    m = max(z.data for z in zs)
    if math.isinf(m):  # an infinite logit: no finite shift, so leave them as they are
        m = 0.0
    return engine.sum([(z - m).exp() for z in zs]).log() + m


def _cross_entropy_one(logits: Any, target: Any, where: str) -> tuple[Value, int]:
    """-log softmax(logits)[target] and the number of classes."""
    zs = _as_values(logits, "cross_entropy", "logits")
    if not zs:
        raise ValueError("cross_entropy: got no logits; pass one logit per class")
    index = _class_index(target, len(zs), where)
    return _log_sum_exp(zs) - zs[index], len(zs)


@_scoped
def cross_entropy(
    logits: Sequence[Scalar] | Sequence[Sequence[Scalar]],
    target: int | Sequence[int],
    reduction: str = "mean",
) -> Value:
    """Softmax cross-entropy on raw scores, as ``torch.nn.functional.cross_entropy``.

    One sample: ``cross_entropy([z0, z1, z2], 2)`` is ``-log softmax(z)[2]``.
    A batch: a list of logit-lists and a list of class indices, reduced by
    ``reduction``. Stable for logits of any size (see ``_log_sum_exp``).
    """
    _check_reduction(reduction, "cross_entropy")
    rows = _as_list(logits, "cross_entropy", "logits", "a list of logits or a list of lists")
    if not rows or isinstance(rows[0], (Value, numbers.Real)):
        if isinstance(target, (list, tuple)):
            raise ValueError(
                f"cross_entropy: got the {len(rows)} logits of one sample but "
                f"{len(target)} targets; for a batch pass a list of logit-lists, "
                "one per sample"
            )
        loss, _ = _cross_entropy_one(rows, target, "target")
        return loss
    return _reduce(_batch_terms(rows, target), reduction)


def _batch_terms(rows: list[Any], target: Any) -> list[Value]:
    """The per-sample losses of a batch, checking that its shape is consistent."""
    if isinstance(target, (Value, numbers.Real)):
        raise ValueError(
            f"cross_entropy: got a batch of {len(rows)} logit-lists but a single "
            "target; pass one class index per sample"
        )
    targets = _as_list(target, "cross_entropy", "target", "a list of class indices")
    if len(rows) != len(targets):
        raise ValueError(
            f"cross_entropy: got {len(rows)} logit-lists but {len(targets)} targets; "
            "pass one class index per sample"
        )
    terms = []
    n_classes = 0
    for i, (row, t) in enumerate(zip(rows, targets)):
        term, width = _cross_entropy_one(row, t, f"target[{i}]")
        if i == 0:
            n_classes = width
        elif width != n_classes:
            raise ValueError(
                f"cross_entropy: logits[{i}] has {width} classes but logits[0] has "
                f"{n_classes}; every sample needs the same number of logits"
            )
        terms.append(term)
    return terms


# --- penalties -----------------------------------------------------------------------


def _parameters(params: Iterable[Value], who: str) -> list[Value]:
    if hasattr(params, "parameters") and not isinstance(params, (list, tuple)):
        raise TypeError(f"{who}: pass model.parameters(), not the model itself")
    ps = list(params)
    if not ps:
        raise ValueError(f"{who}: got no parameters; pass model.parameters()")
    for i, p in enumerate(ps):
        if not isinstance(p, Value):
            raise TypeError(
                f"{who}: params[{i}] is a {type(p).__name__}; a penalty needs the "
                "model's Value parameters"
            )
    return ps


@_scoped
def l1_penalty(params: Iterable[Value]) -> Value:
    """``sum(|p|)``: add ``alpha * l1_penalty(model.parameters())`` to a loss."""
    return engine.sum([p.abs() for p in _parameters(params, "l1_penalty")])


@_scoped
def l2_penalty(params: Iterable[Value]) -> Value:
    """``sum(p * p)`` as one dot node (micrograd's ``alpha * sum(p*p)`` term).

    Adding ``alpha * l2_penalty(...)`` to the loss is weight decay of
    ``2 * alpha`` in PyTorch's SGD.
    """
    ps = _parameters(params, "l2_penalty")
    return engine.dot(ps, ps)


__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "l1_penalty",
    "l2_penalty",
    "mse_loss",
]
