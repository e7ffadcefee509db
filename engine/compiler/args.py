"""The step's arguments: their shapes, and the leaf Values made from them.

A compiled step keeps one version per argument *shape*: the nesting and
lengths of its lists (numbers are all alike). The shape is computed on
every call, so it has a fast path for the usual innermost list of floats.
"""

from __future__ import annotations

import numbers
from typing import Any

from engine.core.value import Value

Shape = Any  # None for a number, a tuple of shapes for a list


def _is_number(x: Any) -> bool:
    return type(x) is float or (isinstance(x, numbers.Real) and not isinstance(x, bool))


def arg_shape(x: Any, where: str, nonfloat: list[bool]) -> Shape:
    """The nesting of ``x``: None for a number, a tuple of item shapes for a list.

    Appends to ``nonfloat`` when some number is not a float (an int, say).
    """
    if type(x) is float:
        return None
    if type(x) is list or type(x) is tuple:
        # Fast path for a list of floats, the common innermost level.
        if all(type(v) is float for v in x):
            return (None,) * len(x)
        return tuple([arg_shape(v, f"{where}[{i}]", nonfloat) for i, v in enumerate(x)])
    if _is_number(x):
        nonfloat.append(True)
        return None
    if isinstance(x, Value):
        raise TypeError(
            f"{where} is a Value; a compiled step takes plain numbers (and lists of "
            "them) and makes the Values itself. Pass v.data, or let fn use the Value "
            "directly (it then counts as a parameter)."
        )
    raise TypeError(
        f"{where} is a {type(x).__name__}; a compiled step takes floats and "
        "(nested) lists of floats"
    )


def as_floats(x: Any, shape: Shape) -> Any:
    """``x`` with every number a float (ints and other reals converted)."""
    if shape is None:
        return x if type(x) is float else float(x)
    return [as_floats(v, s) for v, s in zip(x, shape)]


def wrap(x: Any, shape: Shape, path: tuple[int, ...], leaves: dict[Value, tuple[int, ...]]) -> Any:
    if shape is None:
        leaf = Value(x)
        leaves[leaf] = path
        return leaf
    return [wrap(v, s, (*path, i), leaves) for i, (v, s) in enumerate(zip(x, shape))]
