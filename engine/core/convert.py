"""Turning what users pass into the floats the engine computes with."""

from __future__ import annotations

import numbers
from typing import Any


def as_float(data: Any, where: str) -> float:
    """``data`` as a float, or a TypeError saying what was wrong and what to do.

    ``where`` names the call, e.g. ``'Value()'``.
    """
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real):
        return float(data)
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
