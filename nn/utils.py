"""Gradient clipping with PyTorch's names and semantics.

    loss.backward()
    total = clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()

``clip_grad_norm_`` computes the norm of all the gradients together, as if
they were one long vector, and if it exceeds ``max_norm`` scales every
gradient by the same factor ``max_norm / (norm + 1e-6)`` so that the
direction of the step is kept and only its length shrinks. It returns the
norm from before clipping, which is worth logging: a norm that keeps
hitting the limit says the learning rate is too large.

As in torch, each scalar parameter counts as its own tensor: the total is
the norm of the per-parameter norms, which for every ``norm_type`` except 0
is the norm of the vector of gradients (for 0 it counts the parameters
whose gradient is not zero).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from engine import Value
from nn._checks import check_flag, check_real


def clip_grad_norm_(
    parameters: Iterable[Value] | Value,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> float:
    """Scale the gradients of ``parameters`` in place so that their norm is at most ``max_norm``.

    ``norm_type`` is p of the p-norm: 2.0 (Euclidean, the default),
    ``math.inf`` (the largest |grad|), ``-math.inf`` (the smallest), 0 (how
    many gradients are not zero) or any other number. Returns the total norm
    before clipping, as a float (torch returns a 0-dim tensor). If the norm
    is nan or infinite the gradients are scaled by a nan or zero factor, as
    in torch, unless ``error_if_nonfinite=True``, which raises RuntimeError
    and leaves them unchanged. ``foreach`` is accepted for torch's signature
    and changes nothing: there is one implementation here.
    """
    params = [parameters] if isinstance(parameters, Value) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(
                f"clip_grad_norm_: parameter {i} is a {type(p).__name__}, not a Value; "
                "pass model.parameters()"
            )
    max_norm = check_real(max_norm, "max_norm", who="clip_grad_norm_")
    norm_type = check_real(norm_type, "norm_type", who="clip_grad_norm_")
    check_flag(error_if_nonfinite, "error_if_nonfinite", who="clip_grad_norm_")
    if foreach is not None:
        check_flag(foreach, "foreach", who="clip_grad_norm_")
    if not params:
        return 0.0
    total = grad_norm([p.grad for p in params], norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    # torch multiplies by the clamped factor even when it is 1.0; so do we,
    # so that a nan norm spreads nan exactly as it does there.
    factor = min(max_norm / (total + 1e-6), 1.0) if not math.isnan(total) else math.nan
    for p in params:
        p.grad *= factor
    return total


def grad_norm(grads: list[float], norm_type: float) -> float:
    """The ``norm_type``-norm of a list of numbers, with torch's conventions (nan spreads)."""
    sizes = [abs(g) for g in grads]
    if any(math.isnan(s) for s in sizes):
        return math.nan
    if norm_type == math.inf:
        return max(sizes)
    if norm_type == -math.inf:
        return min(sizes)
    if norm_type == 0:
        return float(sum(1 for s in sizes if s != 0))
    if norm_type == 1:
        return sum(sizes)
    if norm_type == 2:
        return math.sqrt(sum(s * s for s in sizes))
    total = 0.0
    for s in sizes:
        try:
            total += s**norm_type
        except ZeroDivisionError:  # 0.0 ** (negative p) is infinite
            total = math.inf
        except OverflowError:
            total = math.inf
    if total == math.inf:
        return math.inf if norm_type > 0 else 0.0
    root: float = total ** (1.0 / norm_type)
    return root


clip_grad_norm = clip_grad_norm_
"""The same function under the name without the underscore, as older torch code spells it."""


__all__ = ["clip_grad_norm", "clip_grad_norm_"]
