"""The derivative table: every op the engine knows, one entry each.

Like PyTorch's ``derivatives.yaml``, each entry states, for each parent, the
gradient it receives as a formula: a Python expression in terms of

* ``g``, the gradient arriving at the op's result,
* ``out``, the op's result (so exp' reads ``g * out`` and tanh'
  ``g * (1.0 - out * out)``),
* the parents' values, under the names in ``args``, and the op's constant
  ``params`` (the ``3`` in ``x ** 3``),
* the helpers below (``cos``, ``sin``, ``log``, ``sign``, ``ieee_div``,
  ``ieee_pow``, ``pow_da``, ``pow_db``), which work on floats and on Values.

The rest of an entry:

* ``forward(*xs, *params) -> float`` computes the op on plain floats.
* ``invalid(*xs, *params) -> bool`` (optional) is True where the op is
  undefined; the op then raises :class:`DomainError`, naming the op, the
  value and ``domain``, when it is applied. NaN is never "invalid": it flows
  through, as IEEE 754 and PyTorch say it should.
* ``shape`` says how the formulas map to parents: ``'fixed'`` (one formula
  per name in ``args``), ``'each'`` (one formula, for every parent, named
  ``x``) or ``'pairs'`` (parents ``w1..wn, x1..xn`` and an optional bias
  ``b``: formulas for a ``w``, an ``x`` and the bias).
* ``note`` says what happens where the op is not differentiable; we follow
  PyTorch: relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope.

The formulas are compiled (:mod:`engine.core.codegen`) into two things: each
rule's ``vjp(g, out, *xs, *params)`` function, which runs on floats or on
Values (``grad(..., create_graph=True)`` builds a differentiable graph of
the derivative with it), and one fast backward pass that applies every
formula to floats in place. The same formulas drive both, and the backward
pass is generated from this table: it never names an op itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.core.codegen import HELPERS, compile_vjp

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


@dataclass(frozen=True)
class Rule:
    """One row of the derivative table (see the module docstring)."""

    name: str
    forward: Callable[..., float]
    grads: tuple[str, ...]  # the gradient formula for each parent
    args: tuple[str, ...] = ("x",)  # names the formulas use for the parents
    params: tuple[str, ...] = ()  # names for the op's constants
    shape: str = "fixed"  # 'fixed', 'each' or 'pairs'
    symbol: str = ""  # how graphs and ``Value._op`` show the op
    domain: str = "all real numbers"
    invalid: Callable[..., bool] | None = None
    fix: str = ""  # one sentence telling the user how to avoid the error
    note: str = ""  # what happens at non-differentiable points
    vjp: Callable[..., Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # frozen: the compiled function is set once, here
        helpers = {name: globals()[name] for name in HELPERS}
        object.__setattr__(self, "vjp", compile_vjp(self, helpers))

    @property
    def arity(self) -> int | None:
        """Number of parents, or None when any number is allowed."""
        return len(self.args) if self.shape == "fixed" else None

    @property
    def nparams(self) -> int:
        return len(self.params)

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


def sign(x: Any) -> float:
    """1, -1 or 0 (also for nan): the derivative of abs, a constant."""
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def pow_da(g: Any, a: Any, b: Any) -> Any:
    """g * d(a ** b)/da = g * b * a ** (b - 1)."""
    # float(): on Values, == compares identity, not data. At a == b == 0 the
    # formula gives 0 * inf, but a ** 0 is the constant 1: the slope is 0.
    if float(a) == 0.0 and float(b) == 0.0:
        return g * 0.0
    return g * b * ieee_pow(a, b - 1)


def pow_db(g: Any, out: Any, a: Any) -> Any:
    """g * d(a ** b)/db = g * a ** b * log(a)."""
    # At a == 0 PyTorch uses 0; for a < 0 the real log does not exist and
    # PyTorch gives nan.
    if a > 0:
        return g * out * log(a)
    if float(a) == 0.0:
        return g * 0.0
    return g * NAN


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


def _dot(*xs: float) -> float:
    # Layout: w1..wn, x1..xn, then an optional bias. Summed left to right
    # from the bias, as micrograd's Neuron does, so results match it exactly.
    n = len(xs) // 2
    total = xs[-1] if len(xs) % 2 else 0.0
    for w, x in zip(xs[:n], xs[n : 2 * n]):
        total += w * x
    return total


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


_AB = ("a", "b")
_POW_DOMAIN = "a > 0, or a == 0 with b >= 0, or a < 0 with an integer b"
_POW_FIX = "A negative base needs an integer exponent and 0 needs one >= 0."

_register(
    # arithmetic
    Rule("add", lambda a, b: a + b, ("g", "g"), _AB, symbol="+"),
    Rule("sub", lambda a, b: a - b, ("g", "-g"), _AB, symbol="-"),
    Rule("mul", lambda a, b: a * b, ("g * b", "g * a"), _AB, symbol="*"),
    Rule(
        "div",
        lambda a, b: a / b,
        ("g / b", "-g * out / b"),  # d(a/b)/db = -a/b**2 = -out/b
        _AB,
        symbol="/",
        domain="b != 0",
        invalid=lambda a, b: b == 0,
        fix=_FIX_DIV,
    ),
    Rule("neg", lambda x: -x, ("-g",), symbol="neg"),
    Rule(
        "pow",
        _pow,
        ("pow_da(g, a, b)", "pow_db(g, out, a)"),
        _AB,
        symbol="**",
        domain=_POW_DOMAIN,
        invalid=_pow_invalid,
        fix=_POW_FIX,
        note="d/db at a == 0 is 0 and at a < 0 is nan, as in PyTorch.",
    ),
    Rule(
        "pow_const",
        _pow,
        # x ** 0 is the constant 1: its slope is 0, also at x == 0 (not 0 * inf)
        ("g * 0.0 if k == 0 else g * k * ieee_pow(x, k - 1)",),
        params=("k",),
        domain=_POW_DOMAIN.replace("b", "k"),
        invalid=_pow_invalid,
        fix=_POW_FIX,
        note="0 ** k for 0 < k < 1 has an infinite derivative, reported as inf.",
    ),
    # exponentials and logarithms
    Rule("exp", _exp, ("g * out",)),
    Rule("log", math.log, ("g / x",), domain="x > 0", invalid=_nonpositive, fix=_FIX_LOG),
    Rule(
        "sqrt",
        math.sqrt,
        ("ieee_div(g, 2.0 * out)",),
        domain="x >= 0",
        invalid=_negative,
        fix="Keep the argument non-negative, e.g. (x * x + 1e-12).sqrt().",
        note="sqrt'(0) is inf, as in PyTorch.",
    ),
    # activations
    Rule("tanh", math.tanh, ("g * (1.0 - out * out)",)),
    Rule("sigmoid", _sigmoid, ("g * out * (1.0 - out)",)),
    Rule(
        "relu",
        # "x <= 0" rather than "x > 0", so that nan passes through, as in PyTorch
        lambda x: 0.0 if x <= 0 else x,
        ("0.0 if x <= 0 else g",),
        symbol="ReLU",
        note="relu'(0) = 0, as in PyTorch and micrograd; nan passes the gradient on.",
    ),
    Rule(
        "leaky_relu",
        lambda x, slope: x if x > 0 else x * slope,
        ("g if x > 0 else g * slope",),
        params=("slope",),
        note="leaky_relu'(0) = slope, as in PyTorch.",
    ),
    Rule("abs", abs, ("g * sign(x)",), note="abs'(0) = 0, as in PyTorch."),
    # trigonometry
    Rule("sin", _sin, ("g * cos(x)",)),
    Rule("cos", _cos, ("-g * sin(x)",)),
    # reductions: one node with many parents
    Rule("sum", _sum, ("g",), shape="each"),
    Rule(
        "dot",
        _dot,
        ("g * x", "g * w", "g"),  # for each w_i, each x_i, and the bias
        ("w", "x", "b"),
        shape="pairs",
        note="parents are w1..wn, x1..xn[, bias]",
    ),
)

# For micrograd-style construction, Value(data, children, op): ops that take
# constants ('**2', leaky_relu's slope) cannot be named by a symbol alone.
BY_SYMBOL: dict[str, Rule] = {}
for _rule in RULES.values():
    if _rule.nparams == 0:
        BY_SYMBOL[_rule.name] = _rule
        if _rule.symbol:
            BY_SYMBOL[_rule.symbol] = _rule
