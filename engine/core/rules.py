"""The derivative table: every op the engine knows, one row each.

A row holds everything about its op, and nothing about an op is written
anywhere else: the ``Value`` methods, the backward pass, the teaching tools
and the error messages are all made from these rows.

* ``formula``: the forward computation on floats, a Python expression in
  the parents' names (``args``) and the op's constants (``params``), e.g.
  ``"a * b"``. For an op with any number of parents it is the term that is
  summed: ``"x"`` for ``sum``, ``"w * x"`` for ``dot`` (plus the bias).
  It may use ``math`` and the ``safe_*`` functions below.
* ``grads``: for each parent, like PyTorch's ``derivatives.yaml``, the
  gradient it receives, in terms of ``g`` (the gradient arriving at the
  result), ``out`` (the result: exp' reads ``g * out`` and tanh'
  ``g * (1.0 - out * out)``), the parents and params, and the helpers
  ``cos sin log sigmoid sign ieee_div ieee_pow pow_da pow_db``, which work
  on floats and on Values (so ``grad(..., create_graph=True)`` can build
  the derivative as a graph).
* ``shape``: ``'fixed'`` (one formula per name in ``args``), ``'each'`` (any
  number of parents, each called ``x``) or ``'pairs'`` (parents
  ``w1..wn, x1..xn`` and an optional bias ``b``: formulas for a ``w``, an
  ``x`` and the bias).
* ``symbol``: how a drawing labels the op (``Value._op``); ``text``: how
  ``explain`` and ``backward_source`` write it, e.g. ``"{a} / {b}"``
  (default ``name(args)``).
* ``methods``: the ``Value`` methods generated for the op (for a binary op,
  the second is the reflected one: ``__add__``, ``__radd__``).
* ``domain``, ``undefined`` (an expression that is true where the op is
  undefined; the op then raises :class:`DomainError` naming the op, the
  value, the domain and ``fix``), and ``note`` (what happens where the op
  is not differentiable; we follow PyTorch: relu'(0) = 0, abs'(0) = 0).
  NaN is never "undefined": it flows through, as IEEE 754 and PyTorch say.

The formulas are compiled (:mod:`engine.core.codegen`) into each row's
``forward`` and ``vjp`` functions, and generated into the fast backward
pass (:mod:`engine.core.float_pass`) and the ``Value`` methods (the marked
part of :mod:`engine.core.value`): ``python -m engine.core.generate``
rewrites both after a change here.

Adding an op: add a row below (``unary`` for most), add its PyTorch call to
``tests/oracle.py``, run ``python -m engine.core.generate``, and the tests
generated from the table check it against PyTorch and finite differences.

This module stays whole (about 470 lines): it is the table, and a reader
should find every op, its helpers and its conventions in one place.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.core.codegen import HELPERS, compile_forward, compile_vjp

INF = math.inf
NAN = math.nan


class DomainError(ValueError):
    """An op was applied to a value outside the set where it is defined."""

    def __init__(self, rule: Rule, args: tuple[float, ...]) -> None:
        self.op = rule.name
        self.args_ = args
        message = f"{rule.show(args)} is undefined: the valid domain is {rule.domain}."
        if rule.fix:
            message += f" {rule.fix}"
        super().__init__(message)


@dataclass(frozen=True)
class Rule:
    """One row of the derivative table (see the module docstring)."""

    name: str
    formula: str  # the forward computation (or, for 'each'/'pairs', the summed term)
    grads: tuple[str, ...]  # the gradient formula for each parent
    args: tuple[str, ...] = ("x",)  # names the formulas use for the parents
    params: tuple[str, ...] = ()  # names for the op's constants
    shape: str = "fixed"  # 'fixed', 'each' or 'pairs'
    symbol: str = ""  # how graphs and ``Value._op`` show the op; may use {params}
    text: str = ""  # how explanations write it, e.g. "{a} + {b}"
    methods: tuple[str, ...] = ()  # Value methods generated for the op
    domain: str = "all real numbers"
    undefined: str = ""  # an expression that is true where the op is undefined
    fix: str = ""  # one sentence telling the user how to avoid the error
    note: str = ""  # what happens at non-differentiable points
    forward: Callable[..., float] = field(init=False, repr=False, compare=False)
    invalid: Callable[..., bool] | None = field(init=False, repr=False, compare=False)
    vjp: Callable[..., Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # frozen: the compiled functions are set once, here
        helpers = {name: globals()[name] for name in HELPERS}
        object.__setattr__(self, "vjp", compile_vjp(self, helpers))  # checks the row first
        forward, invalid = compile_forward(self, _forward_namespace())
        object.__setattr__(self, "forward", forward)
        object.__setattr__(self, "invalid", invalid)

    def __reduce__(self) -> tuple[Any, ...]:
        # Nodes refer to their rule, and the backward pass tells rules apart
        # by identity: pickling or deep-copying a graph must give back the
        # table's own row, not a copy (whose compiled functions would not
        # even pickle).
        key = "ieee_div" if self is IEEE_DIV else self.name
        if key != "ieee_div" and RULES.get(key) is not self:
            raise TypeError(
                f"only the rules of engine.core.rules can be pickled, not {self.name!r}"
            )
        return (rule_named, (key,))

    @property
    def arity(self) -> int | None:
        """Number of parents, or None when any number is allowed."""
        return len(self.args) if self.shape == "fixed" else None

    @property
    def nparams(self) -> int:
        return len(self.params)

    def label(self, params: tuple[Any, ...]) -> str:
        """The text a drawing shows for a node made by this rule with these params."""
        if not self.symbol:
            return self.name
        return self.symbol.format(**dict(zip(self.params, params)))

    def show(self, values: tuple[Any, ...], names: tuple[str, ...] | None = None) -> str:
        """The op applied to ``values`` (parents, then params), as text.

        ``names``, if given, replace the parents' values (a graph's value
        names); params are always shown as numbers. Negative numbers get
        parentheses where an infix operator would make them ambiguous.
        """
        nparents = len(values) - self.nparams
        shown = [_operand(v, bool(self.text)) for v in values]
        if names is not None:
            shown[:nparents] = names
        parents, params = shown[:nparents], shown[nparents:]
        if self.shape == "each":
            return " + ".join(parents) or "0.0"
        if self.shape == "pairs":
            half = nparents // 2
            terms = [f"{w} * {x}" for w, x in zip(parents[:half], parents[half : 2 * half])]
            return " + ".join(terms + parents[2 * half :]) or "0.0"
        if self.text:
            return self.text.format(**dict(zip(self.args + self.params, parents + params)))
        return f"{self.name}({', '.join(parents + params)})"


def _operand(x: Any, infix: bool) -> str:
    text = repr(x)
    return f"({text})" if infix and isinstance(x, (int, float)) and x < 0 else text


# --- helpers that work on floats and on Values alike -----------------------
# In float mode every argument is a float (Value.data is always a float), so
# ``type(x) is float`` picks the math path; anything else is a Value.


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
    built as a graph) a zero divisor gives an :data:`IEEE_DIV` node holding
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
        return _unchecked(IEEE_DIV, (a, b))
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
        if isinstance(k, (int, float)):
            return _unchecked(RULES["pow_const"], (x,), (k,))
        return _unchecked(RULES["pow"], (x, k))
    return x**k


class NotReal(ArithmeticError):
    """A derivative formula met a number whose real result does not exist."""


def _unchecked(rule: Rule, operands: tuple[Any, ...], params: tuple[Any, ...] = ()) -> Any:
    """Record ``rule`` on ``operands`` (one is a Value) without the domain check.

    Only derivative graphs do this, where IEEE 754 says what the result is
    (1 / 0 is inf). Found through the operand's class because the Value
    module imports this one, not the other way round.
    """
    value_class = next(type(o) for o in operands if hasattr(type(o), "_unchecked"))
    return value_class._unchecked(rule, operands, params)


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


FORWARD_HELPERS = (
    "math",
    "safe_exp",
    "safe_sigmoid",
    "safe_sin",
    "safe_cos",
    "safe_softplus",
    "ieee_pow",
    "ieee_div",
    "pow_undefined",
)


def _forward_namespace() -> dict[str, Any]:
    return {name: globals()[name] for name in FORWARD_HELPERS}


# --- the table ------------------------------------------------------------------

_FIX_LOG = "Keep the argument positive, e.g. (x + 1e-12).log() or x.abs().log()."
_FIX_DIV = "Make sure the divisor is never 0, e.g. add a small epsilon."
_POW_DOMAIN = "a > 0, or a == 0 with b >= 0, or a < 0 with an integer b"
_POW_FIX = "A negative base needs an integer exponent and 0 needs one >= 0."

RULES: dict[str, Rule] = {}


def _register(*rules: Rule) -> None:
    for rule in rules:
        RULES[rule.name] = rule


def unary(name: str, formula: str, grad: str, **more: Any) -> Rule:
    """An op of one parent ``x``, available as the method ``x.name()``."""
    return Rule(name, formula, (grad,), methods=more.pop("methods", (name,)), **more)


def binary(name: str, operator: str, grads: tuple[str, str], **more: Any) -> Rule:
    """An infix op ``a <operator> b`` and its reflected form (``2 * x``)."""
    method = more.pop("method")
    return Rule(
        name,
        f"a {operator} b",
        grads,
        ("a", "b"),
        symbol=operator,
        text=f"{{a}} {operator} {{b}}",
        methods=(f"__{method}__", f"__r{method}__"),
        **more,
    )


_register(
    # arithmetic
    binary("add", "+", ("g", "g"), method="add"),
    binary("sub", "-", ("g", "-g"), method="sub"),
    binary("mul", "*", ("g * b", "g * a"), method="mul"),
    binary(
        "div",
        "/",
        ("g / b", "-g * out / b"),  # d(a/b)/db = -a/b**2 = -out/b
        method="truediv",
        domain="b != 0",
        undefined="b == 0",
        fix=_FIX_DIV,
    ),
    unary("neg", "-x", "-g", symbol="neg", text="-{x}", methods=("__neg__",)),
    Rule(
        "pow",
        "ieee_pow(a, b)",
        ("pow_da(g, a, b)", "pow_db(g, out, a, b)"),
        ("a", "b"),
        symbol="**",
        text="{a} ** {b}",
        domain=_POW_DOMAIN,
        undefined="pow_undefined(a, b)",
        fix=_POW_FIX,
        note="d/db at a == 0 is 0 (for b >= 0) and at a < 0 is nan, as in PyTorch.",
    ),
    Rule(
        "pow_const",
        "ieee_pow(x, k)",
        # x ** 0 is the constant 1: its slope is 0, also at x == 0 (not 0 * inf)
        ("g * 0.0 if k == 0 else g * k * ieee_pow(x, k - 1)",),
        params=("k",),
        symbol="**{k}",  # micrograd's _op for x**2 reads '**2'
        text="{x} ** {k}",
        domain=_POW_DOMAIN.replace("b", "k"),
        undefined="pow_undefined(x, k)",
        fix=_POW_FIX,
        note="0 ** k for 0 < k < 1 has an infinite derivative, reported as inf.",
    ),
    # exponentials and logarithms
    unary("exp", "safe_exp(x)", "g * out"),
    unary(
        "log",
        "math.log(x)",
        "g / x",
        domain="x > 0",
        undefined="x <= 0",
        fix=_FIX_LOG,
    ),
    unary(
        "sqrt",
        "math.sqrt(x)",
        "ieee_div(g, 2.0 * out)",
        domain="x >= 0",
        undefined="x < 0",
        fix="Keep the argument non-negative, e.g. (x * x + 1e-12).sqrt().",
        note="sqrt'(0) is inf, as in PyTorch.",
    ),
    # activations
    unary("tanh", "math.tanh(x)", "g * (1.0 - out * out)"),
    unary("sigmoid", "safe_sigmoid(x)", "g * out * (1.0 - out)"),
    unary(
        "relu",
        "0.0 if x <= 0 else x",  # not "x > 0": nan passes through, as in PyTorch
        "0.0 if x <= 0 else g",
        symbol="ReLU",
        note="relu'(0) = 0, as in PyTorch and micrograd; nan passes the gradient on.",
    ),
    Rule(
        "leaky_relu",
        "x if x > 0 else x * slope",
        ("g if x > 0 else g * slope",),
        params=("slope",),
        note="leaky_relu'(0) = slope, as in PyTorch.",
    ),
    unary(
        "softplus",
        "safe_softplus(x)",
        "g if x > 20.0 else g * sigmoid(x)",
        note="log(1 + e^x), smooth everywhere; x itself above 20, as PyTorch's default.",
    ),
    unary("abs", "abs(x)", "g * sign(x)", methods=("abs", "__abs__"), note="abs'(0) = 0."),
    # trigonometry
    unary("sin", "safe_sin(x)", "g * cos(x)"),
    unary("cos", "safe_cos(x)", "-g * sin(x)"),
    # reductions: one node with many parents
    Rule("sum", "x", ("g",), shape="each", methods=("sum",)),
    Rule(
        "dot",
        "w * x",  # summed over the pairs, starting from the bias
        ("g * x", "g * w", "g"),  # for each w_i, each x_i, and the bias
        ("w", "x", "b"),
        shape="pairs",
        methods=("dot",),
        note="parents are w1..wn, x1..xn[, bias]",
    ),
)

# Division as derivative graphs need it: where the divisor is 0 it gives
# IEEE 754's inf or nan instead of an error (the derivative of sqrt at 0 is
# 1 / (2 * 0) = inf, as in PyTorch). Not in RULES: users' ``a / b`` keeps
# its domain check, so that a division by 0 is always reported.
IEEE_DIV = Rule(
    "div",
    "ieee_div(a, b)",
    ("ieee_div(g, b)", "-ieee_div(g * out, b)"),
    ("a", "b"),
    symbol="/",
    text="{a} / {b}",
    note="a / 0 is inf, -inf or nan (IEEE 754); only derivative graphs make this op.",
)


def rule_named(key: str) -> Rule:
    """The table's rule called ``key`` ('ieee_div' for :data:`IEEE_DIV`); how rules unpickle."""
    rule = IEEE_DIV if key == "ieee_div" else RULES.get(key)
    if rule is None:
        raise ValueError(f"no rule {key!r} in this version of chainrule's table")
    return rule


# For micrograd-style construction, Value(data, children, op): ops that take
# constants ('**2', leaky_relu's slope) cannot be named by a symbol alone.
BY_SYMBOL: dict[str, Rule] = {}
for _rule in RULES.values():
    if _rule.nparams == 0:
        BY_SYMBOL[_rule.name] = _rule
        if _rule.symbol:
            BY_SYMBOL[_rule.symbol] = _rule
