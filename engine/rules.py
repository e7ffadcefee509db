"""The derivative table: every op the engine knows, one entry each.

Contract for an entry (this is all the backward pass relies on):

* ``forward(*xs, *params) -> float`` computes the op on plain floats.
  ``xs`` are the parents' data in order; ``params`` are constants that are
  not differentiated (the ``3`` in ``x ** 3``, the slope of a leaky ReLU).
* ``invalid(*xs, *params) -> bool`` (optional) is True where the op is
  undefined. The op then raises :class:`DomainError` when it is applied,
  naming the op, the offending value and ``domain``. NaN is never
  "invalid": it flows through, as IEEE 754 and PyTorch say it should.
* ``vjp(g, out, *xs, *params) -> tuple`` returns, for each parent, the
  incoming gradient ``g`` times the local derivative d out / d x.
  ``out`` is the op's own result, which makes rules like
  exp' = out and tanh' = 1 - out**2 cheap.

A vjp is written with operators and the helpers below only, so the same
function runs on floats (the fast backward pass) and on Values (when
``grad(..., create_graph=True)`` builds a graph of the derivative, which
can itself be differentiated).

Where an op is not differentiable we follow PyTorch's convention and say
so in ``note``: relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

INF = math.inf
NAN = math.nan


_INFIX = {"div": "/", "pow": "**", "pow_const": "**"}


class DomainError(ValueError):
    """An op was applied to a value outside the set where it is defined."""

    def __init__(self, rule: Rule, args: tuple[float, ...]) -> None:
        self.op = rule.name
        self.args_ = args
        if rule.name in _INFIX and len(args) == 2:
            a, b = (f"({x!r})" if x < 0 else repr(x) for x in args)
            shown = f"{a} {_INFIX[rule.name]} {b}"
        else:
            shown = f"{rule.name}({', '.join(repr(a) for a in args)})"
        message = f"{shown} is undefined: the valid domain is {rule.domain}."
        if rule.fix:
            message += f" {rule.fix}"
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the derivative table."""

    name: str
    forward: Callable[..., float]
    vjp: Callable[..., Any]
    symbol: str = ""  # how graphs and ``Value._op`` show the op
    domain: str = "all real numbers"
    invalid: Callable[..., bool] | None = None
    fix: str = ""  # one sentence telling the user how to avoid the error
    note: str = ""  # what happens at non-differentiable points
    arity: int | None = 1  # number of parents; None for any number
    nparams: int = 0  # constants the op takes besides its parents

    def label(self, params: tuple[Any, ...]) -> str:
        """The text shown for a node made by this rule with these params."""
        if self.name == "pow_const":
            return f"**{params[0]}"
        return self.symbol or self.name


# --- helpers that work on floats and on Values alike -----------------------
# In float mode every argument is a float (Value.data is always a float), so
# ``type(x) is float`` picks the math path; anything else is a Value.


def cos(x: Any) -> Any:
    return _cos(x) if type(x) is float else x.cos()


def sin(x: Any) -> Any:
    return _sin(x) if type(x) is float else x.sin()


def log(x: Any) -> Any:
    return math.log(x) if type(x) is float else x.log()


def ieee_div(a: Any, b: Any) -> Any:
    """a / b, but with IEEE 754's inf/nan instead of ZeroDivisionError.

    Derivatives can be infinite where the op itself is fine (sqrt at 0);
    PyTorch reports inf there and so do we.
    """
    if type(b) is float and b == 0.0:
        a = float(a) if type(a) is not float else a
        if a == 0.0 or a != a:
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)
    return a / b


def ieee_pow(x: Any, k: Any) -> Any:
    """x ** k with inf for 0 ** negative and overflow, as in PyTorch."""
    if type(x) is float:
        try:
            return x**k
        except ZeroDivisionError:  # 0.0 ** negative
            odd = float(k).is_integer() and int(k) % 2 == 1
            return math.copysign(INF, x) if odd else INF
        except OverflowError:
            odd = float(k).is_integer() and int(k) % 2 == 1
            return -INF if (x < 0 and odd) else INF
    return x**k


def _sign(x: Any) -> float:
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


# --- forward functions that need care ---------------------------------------


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:  # PyTorch and IEEE give inf
        return INF


def _sigmoid(x: float) -> float:
    # Two branches so that exp never sees a large positive argument.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = _exp(x)
    return e / (1.0 + e)


def _pow(a: float, b: float) -> float:
    return float(ieee_pow(a, b))


def _pow_invalid(a: float, b: float) -> bool:
    if a == 0.0 and b < 0:
        return True
    return a < 0 and math.isfinite(b) and not float(b).is_integer()


def _pow_vjp(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # float(): on Values, == compares identity, not data.
    # At a == b == 0 the formula gives 0 * inf; a ** 0 is the constant 1.
    da = g * 0.0 if float(a) == 0.0 and float(b) == 0.0 else g * b * ieee_pow(a, b - 1)
    # d(a**b)/db = a**b * log(a). At a == 0 PyTorch uses 0; for a < 0 the
    # real log does not exist and PyTorch gives nan.
    if a > 0:
        db = g * out * log(a)
    elif float(a) == 0.0:
        db = g * 0.0
    else:
        db = g * NAN
    return da, db


def _dot(*xs: float) -> float:
    # Layout: w1..wn, x1..xn, then an optional bias. Summed left to right
    # from the bias, as micrograd's Neuron does, so results match it exactly.
    n = len(xs) // 2
    total = xs[-1] if len(xs) % 2 else 0.0
    for w, x in zip(xs[:n], xs[n : 2 * n]):
        total += w * x
    return total


def _dot_vjp(g: Any, out: Any, *xs: Any) -> list[Any]:
    # d/dw_i = x_i and d/dx_i = w_i: scale everything once, then swap halves.
    n = len(xs) // 2
    scaled = [g * v for v in xs]
    if len(xs) % 2:
        return scaled[n : 2 * n] + scaled[:n] + [g]
    return scaled[n:] + scaled[:n]


def _sum(*xs: float) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total


def _sin(x: float) -> float:
    # math.sin raises for +-inf; PyTorch and IEEE give nan.
    return math.sin(x) if math.isfinite(x) else NAN


def _cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else NAN


def _nonpositive(x: float) -> bool:
    return x <= 0


def _negative(x: float) -> bool:
    return x < 0


# --- the table ------------------------------------------------------------------

_FIX_LOG = "Keep the argument positive, e.g. (x + 1e-12).log() or x.abs().log()."
_FIX_DIV = "Make sure the divisor is never 0, e.g. add a small epsilon."

RULES: dict[str, Rule] = {}


def _register(*rules: Rule) -> None:
    for rule in rules:
        RULES[rule.name] = rule


_register(
    # arithmetic
    Rule("add", lambda a, b: a + b, lambda g, out, a, b: (g, g), "+", arity=2),
    Rule("sub", lambda a, b: a - b, lambda g, out, a, b: (g, -g), "-", arity=2),
    Rule("mul", lambda a, b: a * b, lambda g, out, a, b: (g * b, g * a), "*", arity=2),
    Rule(
        "div",
        lambda a, b: a / b,
        lambda g, out, a, b: (g / b, -g * out / b),
        "/",
        domain="b != 0",
        invalid=lambda a, b: b == 0,
        fix=_FIX_DIV,
        arity=2,
    ),
    Rule("neg", lambda a: -a, lambda g, out, a: (-g,), "neg"),
    Rule(
        "pow",
        _pow,
        _pow_vjp,
        "**",
        domain="a > 0, or a == 0 with b >= 0, or a < 0 with an integer b",
        invalid=_pow_invalid,
        fix="A negative base needs an integer exponent and 0 needs one >= 0.",
        note="d/db at a == 0 is 0 and at a < 0 is nan, as in PyTorch.",
        arity=2,
    ),
    Rule(
        "pow_const",
        _pow,
        # x ** 0 is the constant 1: d/dx is 0, also at x == 0 (not 0 * inf).
        lambda g, out, a, k: (g * 0.0 if k == 0 else g * k * ieee_pow(a, k - 1),),
        domain="a > 0, or a == 0 with k >= 0, or a < 0 with an integer k",
        invalid=_pow_invalid,
        fix="A negative base needs an integer exponent and 0 needs one >= 0.",
        note="0 ** k for 0 < k < 1 has an infinite derivative, reported as inf.",
        nparams=1,
    ),
    # exponentials and logarithms
    Rule("exp", _exp, lambda g, out, x: (g * out,)),
    Rule(
        "log",
        math.log,
        lambda g, out, x: (g / x,),
        domain="x > 0",
        invalid=_nonpositive,
        fix=_FIX_LOG,
    ),
    Rule(
        "sqrt",
        math.sqrt,
        lambda g, out, x: (ieee_div(g, 2.0 * out),),
        domain="x >= 0",
        invalid=_negative,
        fix="Keep the argument non-negative, e.g. (x * x + 1e-12).sqrt().",
        note="sqrt'(0) is inf, as in PyTorch.",
    ),
    # activations
    Rule("tanh", math.tanh, lambda g, out, x: (g * (1.0 - out * out),)),
    Rule("sigmoid", _sigmoid, lambda g, out, x: (g * out * (1.0 - out),)),
    Rule(
        "relu",
        # Written as "x <= 0" so that nan passes through, as in PyTorch.
        lambda x: 0.0 if x <= 0 else x,
        lambda g, out, x: (g * (0.0 if x <= 0 else 1.0),),
        "ReLU",
        note="relu'(0) = 0, as in PyTorch and micrograd; nan passes the gradient on.",
    ),
    Rule(
        "leaky_relu",
        lambda x, slope: x if x > 0 else x * slope,
        lambda g, out, x, slope: (g * (1.0 if x > 0 else slope),),
        note="leaky_relu'(0) = slope, as in PyTorch.",
        nparams=1,
    ),
    Rule(
        "abs",
        abs,
        lambda g, out, x: (g * _sign(x),),
        note="abs'(0) = 0, as in PyTorch.",
    ),
    # trigonometry
    Rule("sin", _sin, lambda g, out, x: (g * cos(x),)),
    Rule("cos", _cos, lambda g, out, x: (-g * sin(x),)),
    # reductions: one node with many parents
    Rule("sum", _sum, lambda g, out, *xs: (g,) * len(xs), arity=None),
    Rule("dot", _dot, _dot_vjp, note="parents are w1..wn, x1..xn[, bias]", arity=None),
)

# For micrograd-style construction, Value(data, children, op): ops that take
# constants ('**2', leaky_relu's slope) cannot be named by a symbol alone.
BY_SYMBOL: dict[str, Rule] = {}
for _rule in RULES.values():
    if _rule.nparams == 0:
        BY_SYMBOL[_rule.name] = _rule
        if _rule.symbol:
            BY_SYMBOL[_rule.symbol] = _rule
