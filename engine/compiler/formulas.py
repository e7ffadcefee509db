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

from engine.core.rules import Rule
from engine.teach.source import FoldConstants, Substitute, number_node


def literal(x: float) -> str:
    """Python text for exactly ``x``: an atom (negatives in parentheses)."""
    if x != x:
        return "NAN"
    if math.isinf(x):
        return "INF" if x > 0 else "(-INF)"
    if math.copysign(1.0, x) < 0:
        return f"({x!r})"
    return repr(x)


@cache
def forward_template(rule: Rule, ctx: tuple[Any, ...]) -> str:
    """The row's forward formula with a hole per parent name, constants written in.

    For a sum or a dot product it is the summed term (``x``, ``w * x``).
    """
    names = rule.args if rule.shape == "fixed" else ("x", "w", "b")
    holes: dict[str, ast.expr] = {n: ast.Name("{" + n + "}", ast.Load()) for n in names}
    for param, constant in zip(rule.params, ctx):
        holes[param] = number_node(constant)
    tree = Substitute(holes).visit(ast.parse(rule.formula, mode="eval").body)
    text = ast.unparse(tree)
    # a summed term is added as a whole: ``total + (term)``
    simple = isinstance(tree, (ast.Name, ast.Call, ast.Constant)) or (
        isinstance(tree, ast.BinOp) and isinstance(tree.op, (ast.Mult, ast.Div))
    )
    return text if rule.shape == "fixed" or simple else f"({text})"


def forward_line(rule: Rule, ctx: tuple[Any, ...], xs: list[str]) -> str:
    """The expression computing a node of ``rule`` from its parents' texts.

    The same arithmetic, in the same order, as the eager op: the row's
    formula; for a sum ``0.0 + term + term ...``; for a dot product the
    terms added to the bias (or 0.0) from left to right.
    """
    term = forward_template(rule, ctx)
    if rule.shape == "fixed":
        return term.format(**dict(zip(rule.args, xs)))
    if rule.shape == "each":
        return " + ".join(["0.0", *(term.format(x=x) for x in xs)])
    half = len(xs) // 2
    terms = [term.format(w=w, x=x) for w, x in zip(xs[:half], xs[half : 2 * half])]
    return " + ".join([xs[-1] if len(xs) % 2 else "0.0", *terms])


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


@cache
def pass_order(rule: Rule, nparents: int) -> list[int]:
    """Parent indices in the order the backward pass adds into their grads."""
    if rule.shape != "pairs":
        return list(range(nparents))
    half = nparents // 2
    order = [j for i in range(half) for j in (i, i + half)]
    return [*order, nparents - 1] if nparents % 2 else order
