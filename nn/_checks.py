"""Argument checks shared by every module of ``nn`` (private).

Each check names the argument, says what it must be and shows what it got,
so that a caller sees at once what to change. ``who`` (a function or class
name) prefixes the message when the argument's name alone is ambiguous:
``make_moons: n must be an int >= 2 (one point per class), got 1``.

A wrong type raises TypeError; a value of the right type outside its range
raises ValueError. ``bool`` is never accepted as a number: Python counts
True as the int 1, but ``epochs=True`` is always a mistake.
"""

from __future__ import annotations

import math
import numbers
from typing import Any


def is_real(x: object) -> bool:
    """A real number (int, float, Fraction, numpy scalar...) that is not a bool."""
    return not isinstance(x, bool) and isinstance(x, numbers.Real)


def is_int(x: object) -> bool:
    """An integer (int, numpy integer...) that is not a bool."""
    return not isinstance(x, bool) and isinstance(x, numbers.Integral)


def _prefix(who: str) -> str:
    return f"{who}: " if who else ""


def _shown(value: Any) -> str:
    """The type and a short repr of a wrong argument: ``str '0.1'``."""
    return f"{type(value).__name__} {value!r:.40}"


def check_int(value: Any, name: str, minimum: int = 1, *, who: str = "", why: str = "") -> int:
    """``value`` as an int, if it is an int >= ``minimum``; ``why`` explains the bound."""
    reason = f" ({why})" if why else ""
    if not is_int(value):
        raise TypeError(
            f"{_prefix(who)}{name} must be an int >= {minimum}{reason}, got {_shown(value)}"
        )
    if value < minimum:
        raise ValueError(f"{_prefix(who)}{name} must be an int >= {minimum}{reason}, got {value}")
    return int(value)


def check_real(value: Any, name: str, *, who: str = "") -> float:
    """``value`` as a float, if it is a real number (NaN and infinities pass)."""
    if not is_real(value):
        raise TypeError(f"{_prefix(who)}{name} must be a number, got {_shown(value)}")
    return float(value)


def check_finite(value: Any, name: str, *, who: str = "", minimum: float | None = None) -> float:
    """``value`` as a float, if it is a finite number (and >= ``minimum`` if given)."""
    x = check_real(value, name, who=who)
    at_least = f" >= {minimum:g}" if minimum is not None else ""
    if not math.isfinite(x) or (minimum is not None and x < minimum):
        raise ValueError(f"{_prefix(who)}{name} must be a finite number{at_least}, got {value!r}")
    return x


def check_torch_nonnegative(value: Any, what: str) -> float:
    """``value`` as a finite float >= 0, or torch's ``ValueError("Invalid <what>: <value>")``.

    The optimizers and schedulers raise PyTorch's own words for their
    hyperparameters (``Invalid learning rate: -1``), so that what a learner
    reads here matches what they will meet in torch. ``x >= 0`` is False
    for NaN, so NaN is rejected too; so is infinity.
    """
    x = check_real(value, what)
    if not (x >= 0.0 and math.isfinite(x)):
        raise ValueError(f"Invalid {what}: {value}")
    return x


def check_probability(value: Any, name: str, *, who: str = "", what: str = "") -> float:
    """``value`` as a float in [0, 1] (NaN is rejected); ``what`` says what it means."""
    x = check_real(value, name, who=who)
    if not 0.0 <= x <= 1.0:
        meaning = f" ({what})" if what else ""
        raise ValueError(f"{_prefix(who)}{name}{meaning} must be in [0, 1], got {value!r}")
    return x


def check_flag(value: Any, name: str, *, who: str = "") -> bool:
    """``value`` if it is True or False (not 0, 1 or None)."""
    if not isinstance(value, bool):
        raise TypeError(f"{_prefix(who)}{name} must be True or False, got {_shown(value)}")
    return value


def check_choice(value: Any, name: str, choices: tuple[str, ...], *, who: str = "") -> str:
    """``value`` if it is one of ``choices``."""
    if value not in choices:
        options = ", ".join(map(repr, choices))
        raise ValueError(f"{_prefix(who)}{name} must be one of {options}, got {value!r}")
    return str(value)


__all__ = [
    "check_choice",
    "check_finite",
    "check_flag",
    "check_int",
    "check_probability",
    "check_real",
    "check_torch_nonnegative",
    "is_int",
    "is_real",
]
