"""Arithmetic that follows IEEE 754 and PyTorch, on floats and on Values alike.

The derivative table's formulas (:mod:`engine.core.rules`) call these
helpers. In float mode every argument is a float (``Value.data`` always
is), so ``type(x) is float`` picks the math path; anything else is a Value,
met while ``grad(..., create_graph=True)`` builds a derivative as a graph.

* Where the op itself is fine but its derivative is infinite (sqrt at 0),
  :func:`ieee_div` and :func:`ieee_pow` give inf instead of raising, on
  floats and on Values alike (a Value then holds inf and can be
  differentiated again), as PyTorch does.
* No helper ever returns a complex number: a negative base under a
  non-integer power raises :class:`NotReal` (no op records one, so it
  means the graph's data changed after it was built).
* The ``safe_*`` functions are forward computations on floats that give
  inf or nan where ``math`` would raise.
"""

from __future__ import annotations

import math
from typing import Any

INF = math.inf
NAN = math.nan


# --- helpers that work on floats and on Values alike -----------------------


def cos(x: Any) -> Any:
    return safe_cos(x) if type(x) is float else x.cos()


def sin(x: Any) -> Any:
    return safe_sin(x) if type(x) is float else x.sin()


def log(x: Any) -> Any:
    return math.log(x) if type(x) is float else x.log()


def sigmoid(x: Any) -> Any:
    return safe_sigmoid(x) if type(x) is float else x.sigmoid()


def ieee_div(a: Any, b: Any) -> Any:
    """a / b, but with IEEE 754's inf/nan instead of ZeroDivisionError.

    Derivatives can be infinite where the op itself is fine (sqrt at 0);
    PyTorch reports inf there and so do we. On Values (a derivative being
    built as a graph) a zero divisor gives a node (rule ``rules.IEEE_DIV``) holding
    that inf, which can be differentiated again.
    """
    if type(b) is float:
        if b == 0.0:
            a = float(a) if type(a) is not float else a
            if a == 0.0 or a != a:
                return NAN
            return math.copysign(INF, a) * math.copysign(1.0, b)
        return a / b
    if float(b) == 0.0:
        return _value_class(a, b)._ieee_div(a, b)
    return a / b


def ieee_pow(x: Any, k: Any) -> Any:
    """x ** k with inf for 0 ** negative and overflow, as in PyTorch.

    On floats a negative ``x`` with a non-integer ``k`` has no real result;
    no op records such a node, so meeting one means the graph changed after
    it was built, and this raises :class:`NotReal` rather than let Python
    return a complex number. On Values, ``0 ** negative`` gives a node
    holding inf, like :func:`ieee_div`.
    """
    if type(x) is float:
        try:
            result = x**k
        except ZeroDivisionError:  # 0.0 ** negative
            odd = float(k).is_integer() and int(k) % 2 == 1
            return math.copysign(INF, x) if odd else INF
        except OverflowError:
            odd = float(k).is_integer() and int(k) % 2 == 1
            return -INF if (x < 0 and odd) else INF
        if type(result) is complex:
            raise NotReal(f"({x!r}) ** {k!r} is not a real number")
        return result
    if float(x) == 0.0 and float(k) < 0.0:
        return _value_class(x, k)._ieee_pow(x, k)
    return x**k


class NotReal(ArithmeticError):
    """A derivative formula met a number whose real result does not exist."""


def _value_class(*operands: Any) -> Any:
    """The Value class, found through an operand: the Value module imports
    this one, not the other way round."""
    return next(type(o) for o in operands if hasattr(type(o), "_ieee_div"))


def sign(x: Any) -> float:
    """1, -1 or 0 (also for nan): the derivative of abs, a constant."""
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def pow_da(g: Any, a: Any, b: Any) -> Any:
    """g * d(a ** b)/da = g * b * a ** (b - 1)."""
    # float(): on Values, == compares identity, not data. With b == 0 the
    # slope is 0; where the formula would give 0 * inf (a == 0) or 0 * nan
    # (a nan) we say so directly, as PyTorch does. (Elsewhere the formula
    # stays, so that its derivative with respect to b is right.)
    a_ = float(a)
    if float(b) == 0.0 and (a_ == 0.0 or a_ != a_):
        return g * 0.0
    return g * b * ieee_pow(a, b - 1)


def pow_db(g: Any, out: Any, a: Any, b: Any) -> Any:
    """g * d(a ** b)/db = g * a ** b * log(a)."""
    # At a == 0 PyTorch uses 0 for b >= 0 (and inf * log(0) = -inf for
    # b < 0, which only derivative graphs reach); for a < 0 the real log
    # does not exist and PyTorch gives nan.
    if a > 0:
        return g * out * log(a)
    if float(a) == 0.0:
        return g * 0.0 if b >= 0 else g * out * -INF  # log(0) = -inf
    return g * NAN


# --- forward functions that need care ------------------------------------------
# Forward formulas may use these and ``math``; they work on floats only.


def safe_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:  # PyTorch and IEEE give inf
        return INF


def safe_sigmoid(x: float) -> float:
    # Two branches so that exp never sees a large positive argument.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = safe_exp(x)
    return e / (1.0 + e)


def safe_sin(x: float) -> float:
    # math.sin raises for +-inf; PyTorch and IEEE give nan.
    return math.sin(x) if math.isfinite(x) else NAN


def safe_cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else NAN


def safe_softplus(x: float) -> float:
    # PyTorch's softplus (beta 1, threshold 20): x itself above the
    # threshold, log(1 + e^x) below it, where log1p keeps small values exact.
    return x if x > 20.0 else math.log1p(safe_exp(x))


def pow_undefined(a: float, b: float) -> bool:
    if a == 0.0 and b < 0:
        return True
    return a < 0 and math.isfinite(b) and not float(b).is_integer()
