"""``fit(..., compile=True)``: training steps replayed by ``engine.compile``.

``fit`` knows the shape of its step (the model on every row of the batch,
then the loss over the batch), so it can hand that step to the compiler
and learners get the speed without writing a step function. The losses
here build exactly the graph of :func:`nn.losses.hinge_loss` and
:func:`nn.losses.mse_loss`, but take the targets as Values: the compiled
step gets each batch's targets as arguments, where the eager losses would
bake them in as constants. With ``compile=True`` the losses and the weights
come out bit for bit as without it; with ``compile='numpy'`` to about
1e-12 relative per step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import engine
from engine import Value

COMPILE_CHOICES = (False, True, "python", "numpy")
COMPILABLE_LOSSES = ("hinge", "mse")

StepFn = Callable[[list[list[float]], list[Any]], tuple[float, list[Any]]]


def check_compile(compile: Any, loss: Any, model: Any) -> None:  # noqa: A002 - fit's keyword
    """Refuse what a compiled step could not replay, before training starts."""
    if compile not in COMPILE_CHOICES or (isinstance(compile, int) and compile not in (0, 1)):
        raise ValueError(f"compile must be False, True, 'python' or 'numpy', got {compile!r}")
    if compile is False:
        return
    if loss not in COMPILABLE_LOSSES:
        raise ValueError(
            f"compile={compile!r} supports loss='hinge' or loss='mse', got {loss!r}: "
            "'bce_with_logits' and 'cross_entropy' look at numbers while they build the "
            "graph (for numerical safety), and a function loss may too. Train with "
            "compile=False."
        )
    dropout = getattr(model, "dropout", None)
    if dropout is not None and getattr(dropout, "p", 0.0) > 0:
        raise ValueError(
            f"compile={compile!r} cannot train a model with dropout: a compiled step "
            "would replay the first step's random mask forever. Train with compile=False."
        )


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


def compiled_step(model: Any, loss: str, backend: str) -> StepFn:
    """Forward and backward on a batch by a compiled step: (loss, predictions as floats).

    The gradients are added to the parameters' ``.grad`` exactly as
    ``loss.backward()`` would add them; fit zeroes them before and takes the
    optimizer step after, as on its eager path.
    """
    loss_fn = _hinge if loss == "hinge" else _mse

    def batch_loss(xb: list[Value], yb: list[Any]) -> tuple[Value, list[Any]]:
        preds = [model(x) for x in xb]
        return loss_fn(preds, yb), preds

    step = engine.compile(batch_loss, backend=backend)

    def forward_backward(xb: list[list[float]], yb: list[Any]) -> tuple[float, list[Any]]:
        value, preds = step(xb, yb)
        return value, preds

    forward_backward.compiled = step  # type: ignore[attr-defined]
    return forward_backward
