"""Array forms of the ops for the NumPy backend: forward, gradients, checks.

Each entry is the array version of a row of :mod:`engine.rules` (same
names, same conventions at kinks: relu'(0) = 0, abs'(0) = 0, nan passes
through relu), with ``{name}`` holes for array or scalar texts.
"""

from __future__ import annotations

from typing import Any

FORWARD = {
    "add": "{a} + {b}",
    "sub": "{a} - {b}",
    "mul": "{a} * {b}",
    "div": "{a} / {b}",
    "neg": "-{x}",
    "relu": "np.where({x} <= 0, 0.0, {x})",
    "tanh": "np.tanh({x})",
    "exp": "np.exp({x})",
    "log": "np.log({x})",
    "sigmoid": "SIGMOID({x})",
    "abs": "np.abs({x})",
    "leaky_relu": "np.where({x} > 0, {x}, {x} * {slope})",
    "pow_const": "{x} ** {k}",
}
GRADS = {
    "add": ("{g}", "{g}"),
    "sub": ("{g}", "-{g}"),
    "mul": ("{g} * {b}", "{g} * {a}"),
    "div": ("{g} / {b}", "-{g} * {out} / {b}"),
    "neg": ("-{g}",),
    "relu": ("np.where({x} <= 0, 0.0, {g})",),
    "tanh": ("{g} * (1.0 - {out} * {out})",),
    "exp": ("{g} * {out}",),
    "log": ("{g} / {x}",),
    "sigmoid": ("{g} * {out} * (1.0 - {out})",),
    "abs": ("{g} * np.sign({x})",),
    "leaky_relu": ("np.where({x} > 0, {g}, {g} * {slope})",),
    "pow_const": ("{g} * {k} * {x} ** ({k} - 1)",),
}
# Where an op is undefined, the array code raises the engine's DomainError.
CHECKS = {
    "div": "np.any({b} == 0)",
    "log": "np.any({x} <= 0)",
    "pow_const": "POW_INVALID({x}, {k})",
}
UNARY = {"neg", "relu", "tanh", "exp", "log", "sigmoid", "abs", "leaky_relu", "pow_const"}


def require_numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise ImportError(
            "backend='numpy' needs NumPy: pip install 'chainrule[fast]' "
            "(or use the default backend='python')"
        ) from None
    return numpy


def sigmoid(x: Any) -> Any:
    np = require_numpy()
    e = np.exp(-np.abs(x))  # never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def pow_invalid(x: Any, k: float) -> bool:
    np = require_numpy()
    if float(k).is_integer():
        return bool(k < 0 and np.any(x == 0))
    return bool(np.any(x < 0) or (k < 0 and np.any(x == 0)))
