"""Numbers to judge a model by: accuracy, gradient norms, near-zero weights.

>>> from nn import MLP
>>> model = MLP(2, [4, 1], init="zeros")
>>> accuracy(model, [[0.0, 1.0], [1.0, 0.0]], [0, 1])   # every score is 0: predicts 0
0.5
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from engine import Value, no_grad
from nn.module import Module


def predict(model: Module, X: Sequence[Sequence[float]]) -> list[int]:
    """The predicted class of every row of ``X``.

    A model with one output predicts 1 where its score is > 0, else 0 (the
    rule of ``fit``'s accuracy for 'bce_with_logits' and 'hinge'); a model
    with several outputs predicts the index of the largest (the first on a
    tie). The model runs in eval mode (no dropout) and records no graph; its
    train/eval mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            return [_label_of(model(list(x))) for x in X]
    finally:
        model.train(was_training)


def _label_of(out: Any) -> int:
    if isinstance(out, Value):
        return 1 if out.data > 0 else 0
    scores = [v.data for v in out]
    return max(range(len(scores)), key=scores.__getitem__)


def accuracy(model: Module, X: Sequence[Sequence[float]], y: Sequence[float]) -> float:
    """The share of rows of ``X`` whose predicted class matches ``y``.

    Labels are class indices, or for a one-output model 0/1 or -1/+1 (a label
    > 0 is the positive class). See :func:`predict` for how a model predicts.
    """
    if len(X) != len(y):
        raise ValueError(f"accuracy: X has {len(X)} rows but y has {len(y)} labels")
    if not y:
        raise ValueError("accuracy: got no samples")
    predicted = predict(model, X)
    # -1 is the negative class of -1/+1 labels, which predict() calls 0.
    hits = sum(p == (0 if t < 0 else t) for p, t in zip(predicted, y))
    return hits / len(y)


def grad_norm(params: Iterable[Value]) -> float:
    """The Euclidean norm of the gradients: ``sqrt(sum(p.grad ** 2))``."""
    return math.sqrt(sum(p.grad * p.grad for p in params))


def near_zero_fraction(params: Iterable[Value], tol: float = 1e-2) -> float:
    """The share of ``params`` with ``|p.data| < tol``: how sparse a model is."""
    values = [p.data for p in params]
    if not values:
        raise ValueError("near_zero_fraction: got no parameters")
    return sum(abs(v) < tol for v in values) / len(values)


def weights_of(model: Module) -> list[Value]:
    """The model's weights without its biases (parameters not named ``b``)."""
    return [p for name, p in model.named_parameters() if name.rsplit(".", 1)[-1] != "b"]


__all__ = ["accuracy", "grad_norm", "near_zero_fraction", "predict", "weights_of"]
