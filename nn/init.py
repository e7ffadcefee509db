"""Weight initialisers with PyTorch's names, formulas and defaults.

A weight matrix is a list of rows, one row per neuron: shape [out][in],
as ``[n.w for n in layer.neurons]``, the layout of a torch ``Linear``
weight. ``zeros_``, ``uniform_`` and ``normal_`` also take a flat list of
Values (a bias). Each function overwrites ``p.data`` in place (gradients and
graphs are left alone) and returns its argument, as torch's do.

Randomness comes from ``rng`` (a ``random.Random``), or from Python's
global ``random`` when ``rng`` is None, so ``random.seed(0)`` makes a run
reproducible just as it does for ``nn.Neuron``.

>>> from engine import Value
>>> w = [[Value(0.0) for _ in range(3)] for _ in range(2)]
>>> w = uniform_(w, -0.1, 0.1)
>>> fan_in_and_fan_out(w)
(3, 2)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias, TypeVar

from engine import Value
from nn._checks import is_real

Matrix: TypeAlias = "list[list[Value]]"
Weights = TypeVar("Weights", list[list[Value]], list[Value])

# Gains that need no parameter, as in torch.nn.init.calculate_gain. The conv
# names are accepted for PyTorch compatibility: they are linear maps too.
_FIXED_GAINS = {
    "linear": 1.0,
    "conv1d": 1.0,
    "conv2d": 1.0,
    "conv3d": 1.0,
    "conv_transpose1d": 1.0,
    "conv_transpose2d": 1.0,
    "conv_transpose3d": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
    # torch's value for SELU, chosen empirically (not derived like the others).
    "selu": 3.0 / 4.0,
}
NONLINEARITIES = (*_FIXED_GAINS, "leaky_relu")
MODES = ("fan_in", "fan_out")


# --- shapes -------------------------------------------------------------------


def _leaves(w: Any, who: str, flat_ok: bool) -> list[Value]:
    """Every Value in ``w`` (a matrix, or a flat list when ``flat_ok``)."""
    expected = "a list of rows of Values, shape [out][in]"
    if flat_ok:
        expected += ", or a flat list of Values (e.g. a bias)"
    if isinstance(w, (Value, str)) or not isinstance(w, Sequence):
        raise TypeError(f"{who}: needs {expected}; got {_describe(w)}")
    if not w:
        raise ValueError(f"{who}: got an empty list; needs {expected}")
    if all(isinstance(p, Value) for p in w):
        if flat_ok:
            return list(w)
        raise ValueError(
            f"{who}: needs a weight matrix (rows of Values, shape [out][in]) to "
            "compute fan_in and fan_out, got a flat list; for a bias use "
            "zeros_, uniform_ or normal_"
        )
    _check_rows(w, who)
    return [p for row in w for p in row]


def _check_rows(w: Sequence[Any], who: str) -> None:
    for i, row in enumerate(w):
        if isinstance(row, (Value, str)) or not isinstance(row, Sequence):
            raise TypeError(f"{who}: row {i} must be a list of Values, got {_describe(row)}")
        if not row:
            raise ValueError(f"{who}: row {i} is empty; every neuron needs at least one weight")
        if len(row) != len(w[0]):
            raise ValueError(
                f"{who}: ragged matrix: row {i} has {len(row)} entries but row 0 has "
                f"{len(w[0])}; every neuron needs the same number of inputs"
            )
        for j, p in enumerate(row):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{who}: w[{i}][{j}] is a {type(p).__name__}, not a Value; "
                    "initialisers write p.data in place, so pass the parameters"
                )


def _describe(x: Any) -> str:
    return f"{type(x).__name__} {x!r:.40}"


def fan_in_and_fan_out(w: Matrix) -> tuple[int, int]:
    """``(fan_in, fan_out)`` = ``(in, out)`` for a matrix of shape [out][in].

    As torch defines them for a ``Linear`` weight of shape ``[out, in]``:
    fan_in counts the inputs of each neuron, fan_out the neurons.
    """
    return _fans(w, "fan_in_and_fan_out")


def _fans(w: Matrix, who: str) -> tuple[int, int]:
    _leaves(w, who, flat_ok=False)
    return len(w[0]), len(w)


# --- gains -----------------------------------------------------------------------


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor torch recommends scaling the weights by, per nonlinearity.

    linear, sigmoid (and the conv names): 1; tanh: 5/3; relu: sqrt(2);
    leaky_relu: sqrt(2 / (1 + slope**2)) with ``param`` as the negative
    slope (default 0.01); selu: 3/4.
    """
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1.0 + _negative_slope(param) ** 2))
    if nonlinearity not in _FIXED_GAINS:
        raise ValueError(
            f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; "
            f"use one of {', '.join(NONLINEARITIES)}"
        )
    return _FIXED_GAINS[nonlinearity]


def _negative_slope(param: Any) -> float:
    if param is None:
        return 0.01
    if not is_real(param):
        raise ValueError(
            f"calculate_gain: negative_slope {param!r} is not a number; "
            "pass the leaky_relu slope, e.g. 0.01"
        )
    return float(param)


# --- plain distributions ----------------------------------------------------------


def _fill(leaves: list[Value], draw: Callable[[], float]) -> None:
    for p in leaves:
        p.data = draw()


def zeros_(w: Weights, *, rng: random.Random | None = None) -> Weights:
    """Set every entry to 0.0.

    ``rng`` is accepted and ignored, so that every initialiser can be called
    the same way, ``init(w, rng=rng)``.
    """
    _fill(_leaves(w, "zeros_", flat_ok=True), lambda: 0.0)
    return w


def uniform_(
    w: Weights, a: float = 0.0, b: float = 1.0, rng: random.Random | None = None
) -> Weights:
    """Draw every entry from U(a, b)."""
    if not a <= b:
        raise ValueError(f"uniform_: needs a <= b, got a={a!r} and b={b!r}; swap them")
    leaves = _leaves(w, "uniform_", flat_ok=True)
    uniform = random.uniform if rng is None else rng.uniform
    _fill(leaves, lambda: uniform(a, b))
    return w


def normal_(
    w: Weights, mean: float = 0.0, std: float = 1.0, rng: random.Random | None = None
) -> Weights:
    """Draw every entry from N(mean, std**2)."""
    if not std >= 0.0:
        raise ValueError(f"normal_: std must be >= 0, got {std!r}")
    leaves = _leaves(w, "normal_", flat_ok=True)
    gauss = random.gauss if rng is None else rng.gauss
    _fill(leaves, lambda: gauss(mean, std))
    return w


# --- variance-scaling schemes --------------------------------------------------------
# Both aim for a layer that keeps the variance of the signal. A uniform
# distribution U(-bound, bound) has variance bound**2 / 3, so the uniform
# variants use bound = sqrt(3) * std.


def _xavier_std(w: Matrix, gain: float, who: str) -> float:
    """Glorot & Bengio (2010): std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(w, who)
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def xavier_uniform_(w: Matrix, gain: float = 1.0, rng: random.Random | None = None) -> Matrix:
    """U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out))."""
    bound = math.sqrt(3.0) * _xavier_std(w, gain, "xavier_uniform_")
    return uniform_(w, -bound, bound, rng=rng)


def xavier_normal_(w: Matrix, gain: float = 1.0, rng: random.Random | None = None) -> Matrix:
    """N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    return normal_(w, 0.0, _xavier_std(w, gain, "xavier_normal_"), rng=rng)


def _kaiming_std(w: Matrix, a: float, mode: str, nonlinearity: str, who: str) -> float:
    """He et al. (2015): std = gain / sqrt(fan), fan_in or fan_out per ``mode``."""
    if mode not in MODES:
        raise ValueError(f"{who}: unknown mode {mode!r}; use mode='fan_in' or mode='fan_out'")
    fan_in, fan_out = _fans(w, who)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    w: Matrix,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: random.Random | None = None,
) -> Matrix:
    """U(-bound, bound) with bound = gain * sqrt(3 / fan).

    ``a`` is the negative slope of the leaky ReLU that follows (used only
    when ``nonlinearity='leaky_relu'``; the default a = 0 makes it a ReLU,
    gain sqrt(2)).
    """
    bound = math.sqrt(3.0) * _kaiming_std(w, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(w, -bound, bound, rng=rng)


def kaiming_normal_(
    w: Matrix,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: random.Random | None = None,
) -> Matrix:
    """N(0, std**2) with std = gain / sqrt(fan); see ``kaiming_uniform_``."""
    return normal_(w, 0.0, _kaiming_std(w, a, mode, nonlinearity, "kaiming_normal_"), rng=rng)


__all__ = [
    "calculate_gain",
    "fan_in_and_fan_out",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
