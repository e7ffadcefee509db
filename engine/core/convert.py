"""Turning what users pass into the floats the engine computes with."""

from __future__ import annotations

import math
import numbers
from typing import Any


def as_float(data: Any, where: str) -> float:
    """``data`` as a float, or a TypeError saying what was wrong and what to do.

    ``where`` names the call, e.g. ``'Value()'``.
    """
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real):
        try:
            return float(data)
        except OverflowError:
            raise out_of_float_range(data, where) from None
    if hasattr(type(data), "_prev"):  # a Value (not imported here: value.py imports us)
        raise TypeError(
            f"{where} got a Value where a number was expected. "
            "Use v.data for its number, or v.detach() for a new leaf."
        )
    shown = repr(data)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    hint = ""
    if isinstance(data, (str, bytes)):
        hint = f" Convert it first, e.g. Value(float({shown}))."
    raise TypeError(
        f"{where} needs a real number (int or float), got {type(data).__name__} {shown}.{hint}"
    )


def out_of_float_range(number: Any, where: str) -> OverflowError:
    """The error for a number too large for a float, such as ``10**400``."""
    return OverflowError(
        f"{where}: {_describe(number)} is too large for a float (the largest is about "
        "1.8e308), and chainrule computes in floats. Use a smaller number, or math.inf "
        "if you mean infinity."
    )


def _describe(number: Any) -> str:
    if not isinstance(number, int):
        return f"the {type(number).__name__} {number!r:.40}"
    if number.bit_length() > 14_000:  # str() refuses ints of more than 4,300 digits
        return f"an int of about {round(number.bit_length() * math.log10(2)):,} digits"
    sign, digits = ("-" if number < 0 else ""), str(abs(number))
    if len(digits) <= 20:
        return f"the int {number}"
    return f"the int {sign}{digits[:12]}... ({len(digits):,} digits)"
