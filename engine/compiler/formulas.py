"""Each op's forward computation and gradient formulas as line templates.

The generated step must compute exactly what the eager engine computes, so
the templates are built from the same sources: the gradient formulas of
:mod:`engine.rules` (with constant parameters folded in, as
:func:`engine.source.backward_source` does), and for the forward pass the
expression each ``Value`` op evaluates (``a + b``, the dot product summed
left to right from the bias, ...) or a call of the rule's own ``forward``
function. A template has ``{name}`` holes for the values it reads; the
generator fills them with names and literals, which are atoms, so no
parentheses are ever needed.
"""

from __future__ import annotations

import ast
import math
from functools import cache
from typing import Any

from engine.rules import Rule
from engine.source import FoldConstants, Substitute, number_node

# Forward expressions the eager ops evaluate inline (engine.value); any
# other op calls its rule's forward function, F_<name>, as _apply does.
_INLINE = {
    "add": "{a} + {b}",
    "sub": "{a} - {b}",
    "mul": "{a} * {b}",
    "neg": "-{x}",
    "relu": "0.0 if {x} <= 0 else {x}",
}


def literal(x: float) -> str:
    """Python text for exactly ``x``: an atom (negatives in parentheses)."""
    if x != x:
        return "NAN"
    if math.isinf(x):
        return "INF" if x > 0 else "(-INF)"
    if math.copysign(1.0, x) < 0:
        return f"({x!r})"
    return repr(x)


def forward_line(rule: Rule, ctx: tuple[Any, ...], xs: list[str]) -> str:
    """The expression computing a node of ``rule`` from its parents' texts."""
    name = rule.name
    if name in _INLINE:
        names = ("x",) if rule.arity == 1 else rule.args
        return _INLINE[name].format(**dict(zip(names, xs)))
    if name == "dot":
        half = len(xs) // 2
        terms = [f"{w} * {x}" for w, x in zip(xs[:half], xs[half : 2 * half])]
        start = xs[-1] if len(xs) % 2 else "0.0"
        return " + ".join([start, *terms])
    if name == "sum":
        return " + ".join(["0.0", *xs])
    args = [*xs, *(ast.unparse(number_node(c)) for c in ctx)]
    return f"F_{name}({', '.join(args)})"


def domain_check(rule: Rule, ctx: tuple[Any, ...], xs: list[str]) -> str | None:
    """A statement raising the engine's DomainError where the op is undefined."""
    if rule.invalid is None:
        return None
    args = ", ".join([*xs, *(ast.unparse(number_node(c)) for c in ctx)])
    return f"if I_{rule.name}({args}): raise DomainError(R_{rule.name}, ({args},))"


def roles(rule: Rule, nparents: int, i: int) -> tuple[int, dict[str, int]]:
    """Which formula of ``rule`` feeds parent ``i``, and which parent each name is."""
    if rule.shape == "fixed":
        return i, {arg: j for j, arg in enumerate(rule.args)}
    if rule.shape == "each":
        return 0, {"x": i}
    half = nparents // 2
    if i < half:
        return 0, {"w": i, "x": i + half}
    if i < 2 * half:
        return 1, {"w": i - half, "x": i}
    return 2, {"b": i}


@cache
def gradient_template(rule: Rule, ctx: tuple[Any, ...], formula: int) -> str:
    """The gradient formula with holes {g}, {out} and one per argument name."""
    holes: dict[str, ast.expr] = {
        name: ast.Name("{" + name + "}", ast.Load()) for name in ("g", "out", *rule.args)
    }
    for param, constant in zip(rule.params, ctx):
        holes[param] = number_node(constant)
    tree = Substitute(holes).visit(ast.parse(rule.grads[formula], mode="eval").body)
    return ast.unparse(FoldConstants().visit(tree))


def pass_order(rule: Rule, nparents: int) -> list[int]:
    """Parent indices in the order the backward pass adds into their grads."""
    if rule.shape != "pairs":
        return list(range(nparents))
    half = nparents // 2
    order = [j for i in range(half) for j in (i, i + half)]
    return [*order, nparents - 1] if nparents % 2 else order
