"""``fit(..., compile=True)``: training steps replayed by ``engine.compile``.

``fit`` knows the shape of its step (the model on every row of the batch,
then the loss over the batch), so it can hand that step to the compiler
and learners get the speed without writing a step function. The losses
here take the targets as Values: the compiled step gets each batch's
targets as arguments, where the eager losses would bake them in as
constants. ``hinge`` and ``mse`` build exactly the graph of
:func:`nn.losses.hinge_loss` and :func:`nn.losses.mse_loss`.

The eager ``bce_with_logits`` and ``cross_entropy`` choose their formula
by looking at the logits (the sign of a logit; the largest logit, to
shift the exponentials), which a traced step may not do: the replay would
keep the first batch's choice. Here they are written branch-free, so one
graph is right for every logit (see :func:`_bce_term` and
:func:`_cross_entropy_term`), and just as stable at logits of +-1000.

Dropout (an ``MLP(..., dropout=p)``) cannot be traced either: the mask is
random. Each step draws the factors (0 or 1/(1-p)) before it runs, with the
same calls and in the same order as the eager forward passes, and passes
them to the compiled step as arguments, so the random stream, the masks and
the training are those of eager training.

With ``compile=True`` the weights come out bit for bit as without it for
hinge, mse and bce_with_logits with 0/1 labels (soft labels: the loss
may differ in its last bit), and to about 1e-15 relative per step for
cross_entropy; with ``compile='numpy'`` to about 1e-12 relative per step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import engine
from engine import Value
from nn.layers import MLP, Dropout
from nn.module import Module

COMPILE_CHOICES = (False, True, "python", "numpy")
COMPILABLE_LOSSES = ("hinge", "mse", "bce_with_logits", "cross_entropy")

StepFn = Callable[[list[list[float]], list[Any]], tuple[float, list[Any]]]


def check_compile(compile: Any, loss: Any, model: Any) -> None:  # noqa: A002 - fit's keyword
    """Refuse what a compiled step could not replay, before training starts."""
    if compile not in COMPILE_CHOICES or (isinstance(compile, int) and compile not in (0, 1)):
        raise ValueError(f"compile must be False, True, 'python' or 'numpy', got {compile!r}")
    if compile is False:
        return
    if loss not in COMPILABLE_LOSSES:
        raise ValueError(
            f"compile={compile!r} supports loss='hinge', 'mse', 'bce_with_logits' or "
            f"'cross_entropy', got {loss!r}: a loss function bakes each batch's targets "
            "into its graph as constants (and may read numbers while it builds it), so a "
            "replayed step would reuse the first batch's targets. Train with compile=False."
        )
    dropping = _dropouts(model)
    if dropping and not (isinstance(model, MLP) and dropping == [model.dropout]):
        raise ValueError(
            f"compile={compile!r} cannot train this model's dropout: a compiled step "
            "would replay the first step's random mask forever. An MLP(..., dropout=p) "
            "gets a fresh mask as an argument of every step; for another model, train "
            "with compile=False."
        )


def _dropouts(module: Any) -> list[Dropout]:
    """Every Dropout with p > 0 in ``module`` and its submodules, each once."""
    found: list[Dropout] = []
    stack = [module]
    while stack:
        m = stack.pop()
        if isinstance(m, Dropout) and m.p > 0 and all(m is not f for f in found):
            found.append(m)
        if isinstance(m, Module):
            stack.extend(m.children())
    return found


def _n_outputs(model: Any, row: list[float]) -> int:
    """The model's output width, without a training-mode forward pass (it would draw masks)."""
    if isinstance(model, MLP):
        return len(model.layers[-1].neurons)
    was_training = model.training
    model.eval()
    try:
        with engine.no_grad():
            return len(model(row))
    finally:
        model.train(was_training)


def _masks(model: MLP, batch: int, training: bool) -> list[list[float]]:
    """Each sample's dropout factors, drawn in the order the eager forward passes draw them."""
    drop = model.dropout
    assert drop is not None
    widths = [len(layer.neurons) for layer in model.layers[:-1]]
    if not training:
        return [[1.0] * sum(widths) for _ in range(batch)]
    return [[f for width in widths for f in drop.factors(width)] for _ in range(batch)]


def _hinge(scores: list[Value], targets: list[Value]) -> Value:
    # as nn.losses.hinge_loss, op for op
    terms = [(1.0 - s * y).relu() for s, y in zip(scores, targets)]
    return engine.sum(terms) / len(terms)


def _mse(preds: list[Any], targets: list[Any]) -> Value:
    # as nn.losses.mse_loss (rows flattened as fit's mse does), op for op
    if preds and not isinstance(preds[0], Value):
        preds = [p for row in preds for p in row]
        targets = [t for row in targets for t in row]
    terms = [(x - y) ** 2 for x, y in zip(preds, targets)]
    return engine.sum(terms) / len(terms)


def _bce_term(x: Value, y: Value) -> Value:
    """``max(x, 0) - x*y + log(1 + exp(-|x|))`` without a branch on ``x``.

    max(x, 0) is written ``x/2 + |x|/2``, not ``relu(x)``: relu'(0) = 0
    would give the wrong gradient -y at x = 0 (a zero-initialised model's
    first logits), where ``x*(1/2 - y) + |x|/2`` has slope 1/2 - y, the
    true one (sigmoid(0) - y). For 0/1 labels every intermediate is exact,
    so the value and the gradient are bit for bit those of the eager loss's
    two branches: for y = 1 and x > 0 the slopes 1/2 - 1 and 1/2 cancel
    exactly before the tiny -exp(-x)/(1 + exp(-x)) is added, as in the
    eager branch. exp only sees -|x| <= 0, so nothing overflows.
    """
    soft = (1.0 + (-abs(x)).exp()).log()
    return engine.sum([x * (0.5 - y), 0.5 * abs(x), soft])


def _bce(logits: list[Value], targets: list[Value]) -> Value:
    # as nn.losses.binary_cross_entropy_with_logits, mean reduction
    terms = [_bce_term(x, y) for x, y in zip(logits, targets)]
    return engine.sum(terms) / len(terms)


def _running_max(zs: list[Value]) -> Value:
    """The largest of ``zs`` as a Value, by ``m + relu(z - m)``, reading no number."""
    m = zs[0]
    for z in zs[1:]:
        m = m + (z - m).relu()
    return m


def _cross_entropy_term(zs: list[Value], one_hot: list[Value]) -> Value:
    """``log(sum(exp(z - m))) + m - z[target]``, the target picked by a one-hot dot.

    The shift m is the largest logit computed by ops (up to rounding), so
    every exp sees a number <= 0 (about) and the sum is >= 1: stable at
    logits of +-1000, as the eager loss, which shifts by the max read as a
    number. The value does not depend on m, but here m is a Value, so the
    gradient reaching it, 1 - sum(softmax), is not exactly 0 but a few
    rounding errors of the loss's gradient; that is the only difference
    from the eager gradient.
    """
    m = _running_max(zs)
    log_sum_exp = engine.sum([(z - m).exp() for z in zs]).log() + m
    return log_sum_exp - engine.dot(one_hot, zs)


def _cross_entropy(rows: list[Any], one_hots: list[Any]) -> Value:
    # as nn.losses.cross_entropy on a batch, mean reduction
    terms = [_cross_entropy_term(zs, hot) for zs, hot in zip(rows, one_hots)]
    return engine.sum(terms) / len(terms)


LOSS_GRAPHS: dict[str, Callable[[list[Any], list[Any]], Value]] = {
    "hinge": _hinge,
    "mse": _mse,
    "bce_with_logits": _bce,
    "cross_entropy": _cross_entropy,
}


def compiled_step(model: Any, loss: str, backend: str) -> StepFn:
    """Forward and backward on a batch by a compiled step: (loss, predictions as floats).

    The gradients are added to the parameters' ``.grad`` exactly as
    ``loss.backward()`` would add them; fit zeroes them before and takes the
    optimizer step after, as on its eager path.
    """
    loss_fn = LOSS_GRAPHS[loss]
    drop = model.dropout if isinstance(model, MLP) else None

    def batch_loss(xb: list[Value], yb: list[Any]) -> tuple[Value, list[Any]]:
        preds = [model(x) for x in xb]
        return loss_fn(preds, yb), preds

    def batch_loss_dropping(
        xb: list[Value], yb: list[Any], masks: list[list[Value]]
    ) -> tuple[Value, list[Any]]:
        # the model multiplies each unit by its mask's Value instead of drawing
        assert drop is not None
        preds = []
        try:
            for x, mask in zip(xb, masks):
                drop.replay = iter(mask)
                preds.append(model(x))
        finally:
            vars(drop).pop("replay", None)  # back to the class default, None
        return loss_fn(preds, yb), preds

    step = engine.compile(batch_loss if drop is None else batch_loss_dropping, backend=backend)
    one_hot: list[list[float]] = []  # row k: class k as a one-hot row, made on the first batch

    def forward_backward(xb: list[list[float]], yb: list[Any]) -> tuple[float, list[Any]]:
        if loss == "cross_entropy":
            # class indices (checked by fit) as one-hot rows: arguments, not graph choices
            if not one_hot:
                n_classes = _n_outputs(model, xb[0])
                one_hot.extend([float(k == c) for k in range(n_classes)] for c in range(n_classes))
            yb = [one_hot[t] for t in yb]
        if drop is None:
            value, preds = step(xb, yb)
        else:  # in eval mode every factor is 1.0: x * 1.0 is x, bit for bit
            value, preds = step(xb, yb, _masks(model, len(xb), drop.training))
        return value, preds

    forward_backward.compiled = step  # type: ignore[attr-defined]
    return forward_backward
