"""The backward pass of one graph, written out as straight-line Python.

>>> from engine import Value, backward_source
>>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
>>> e = a * b; e.label = 'e'
>>> for line in backward_source(e).splitlines()[-2:]:
...     print(line)
grad_a += grad_e * b  # e = a * b
grad_b += grad_e * a  # e = a * b

Like google/tangent, which prints the derivative code it generates, this
shows a student the backward pass line by line: one ``+=`` per chain-rule
step, using the formulas of :mod:`engine.core.rules` with the names of this
graph's values put in. Running the source reproduces every ``.grad`` of a
single ``root.backward()`` (from zero grads) **bit for bit**: the steps come
in the order the fast pass runs them (nodes in reverse creation order; a
node's parents in ``_prev`` order, except ``dot``, which the pass handles as
``w1, x1, w2, x2, ..., bias``), and each line is the very formula the pass
evaluates. Constant parameters (the ``3`` in ``x ** 3``) are written in
(exact for int and float parameters).

This module also holds what :mod:`engine.teach.explain` and the step page
share: the names of the values (:func:`variable_names`), which formula
applies to which edge (:func:`edge_formula`) and the order of the pass
(:func:`pass_order`). :mod:`engine.teach.replay` replays the pass on plain
numbers.
"""

from __future__ import annotations

import ast
import math
from collections import Counter
from typing import Any

from engine.core.codegen import HELPERS
from engine.core.graph import refuse_larger_than, topological_order, values_in_order
from engine.core.value import CONSTANT, Value
from engine.teach.names import identifier_names, is_identifier
from engine.teach.names import names as display_names

__all__ = [
    "DEFAULT_MAX_NODES",
    "backward_source",
    "edge_formula",
    "edge_name",
    "edge_names",
    "forward_text",
    "pass_order",
    "short_forward_text",
    "values_in_order",
    "variable_names",
]


# --- the values of a graph and their names ----------------------------------------------


# A label generated code may use as it is (engine.compiler names its values with it).
_usable = is_identifier


def variable_names(root: Value) -> dict[Value, str]:
    """A Python name for every value of the graph, for generated code.

    The names of :func:`engine.teach.names.names` (the ones drawings,
    ``explain`` and the step page show), made into distinct identifiers
    where they are not already: ``layers[0].neurons[3].w[1]`` becomes
    ``layers_0_neurons_3_w_1``. Gradients are called ``grad_<name>``.
    """
    return identifier_names(display_names(root), reserved=(*HELPERS, "float", "engine"))


# --- which formula applies to which edge --------------------------------------------------


def edge_formula(node: Value, i: int) -> tuple[str, dict[str, int]]:
    """The formula for the gradient ``node`` passes to its parent ``i``.

    Returns the formula of :mod:`engine.core.rules` and, for each argument name
    it may use, the index of the parent that name stands for.
    """
    rule = node._rule
    if rule is None:
        raise ValueError("a leaf has no parents to pass a gradient to")
    if rule.shape == "fixed":
        return rule.grads[i], {arg: j for j, arg in enumerate(rule.args)}
    if rule.shape == "each":
        return rule.grads[0], {"x": i}
    half = len(node._prev) // 2
    dw, dx, db = rule.grads
    if i < half:
        return dw, {"w": i, "x": i + half}
    if i < 2 * half:
        return dx, {"w": i - half, "x": i}
    return db, {"b": i}


def edge_name(node: Value, i: int, names: dict[Value, str]) -> str:
    """``de/da`` for the edge from parent ``i`` into ``node``.

    When ``node`` uses that parent more than once (``c = b * b``), each use
    is an edge of its own: ``dc/db#1``, ``dc/db#2``.
    """
    return edge_names(node, names)[i]


def edge_names(node: Value, names: dict[Value, str]) -> list[str]:
    """:func:`edge_name` of every edge into ``node``, in ``_prev`` order.

    One pass over the parents, however many there are (a sum of thousands).
    """
    uses = Counter(id(p) for p in node._prev)
    seen: Counter[int] = Counter()
    out = []
    for parent in node._prev:
        text = f"d{names[node]}/d{names[parent]}"
        if uses[id(parent)] > 1:
            seen[id(parent)] += 1
            text = f"{text}#{seen[id(parent)]}"
        out.append(text)
    return out


def pass_order(node: Value) -> list[int]:
    """The parent indices in the order the fast pass adds into their grads."""
    n = len(node._prev)
    if node._rule is None or node._rule.shape != "pairs":
        return list(range(n))
    half = n // 2
    order = [j for i in range(half) for j in (i, i + half)]
    return [*order, n - 1] if n % 2 else order


def _is_constant(value: Value) -> bool:
    return value._seq == CONSTANT


def forward_text(node: Value, names: dict[Value, str]) -> str:
    """How ``node`` was computed, e.g. ``a * b``, ``tanh(n)`` or ``x ** 3``."""
    rule = node._rule
    if rule is None:
        return "a constant" if _is_constant(node) else "an input"
    values = (*[p.data for p in node._prev], *node._ctx)
    return rule.show(values, names=tuple(names[p] for p in node._prev))


def short_forward_text(node: Value, names: dict[Value, str], limit: int = 70) -> str:
    """``forward_text``, with the middle of a long sum or dot left out."""
    rule, prev = node._rule, node._prev
    if rule is not None and rule.name in ("sum", "dot") and len(prev) > 24:
        # Surely longer than ``limit`` (each term takes 4 characters or more):
        # write out only the terms shown, not thousands that would be cut.
        if rule.name == "sum":
            first, second, last = (names[p] for p in (prev[0], prev[1], prev[-1]))
        else:
            half = len(prev) // 2
            first, second, last = (
                f"{names[prev[i]]} * {names[prev[half + i]]}" for i in (0, 1, half - 1)
            )
            if len(prev) % 2:
                last = names[prev[-1]]
        return " + ".join([first, second, "...", last])
    text = forward_text(node, names)
    terms = text.split(" + ")
    if len(text) <= limit or len(terms) <= 3:
        return text
    return " + ".join([*terms[:2], "...", terms[-1]])


# --- formulas as syntax trees ---------------------------------------------------------------


def number_node(x: Any) -> ast.expr:
    """An expression that evaluates to exactly ``x`` (an int or a float)."""
    if isinstance(x, float) and not math.isfinite(x):
        call = ast.Call(ast.Name("float", ast.Load()), [ast.Constant(repr(abs(x)))], [])
        return ast.UnaryOp(ast.USub(), call) if x < 0 else call
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        if math.copysign(1.0, x) < 0:  # -0.0 too; kept unary so `(-k) ** 2` stays right
            return ast.UnaryOp(ast.USub(), ast.Constant(-x))
        return ast.Constant(x)
    return number_node(float(x))


def _number(x: Any) -> str:
    return ast.unparse(number_node(x))


class Substitute(ast.NodeTransformer):
    """Replace names in a formula by the given expressions."""

    def __init__(self, names: dict[str, ast.expr]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.names.get(node.id, node)


_CONSTANT_PARTS = (
    ast.Constant,
    ast.UnaryOp,
    ast.BinOp,
    ast.Compare,
    ast.BoolOp,
    ast.operator,
    ast.unaryop,
    ast.cmpop,
    ast.boolop,
    ast.expr_context,
)


def constant_value(node: ast.expr) -> tuple[bool, Any]:
    """(True, its value) when ``node`` is made of literals only."""
    if not all(isinstance(part, _CONSTANT_PARTS) for part in ast.walk(node)):
        return False, None
    try:
        code = compile(ast.fix_missing_locations(ast.Expression(node)), "<formula>", "eval")
        return True, eval(code, {"__builtins__": {}})  # literals only, checked above
    except (ArithmeticError, ValueError, TypeError):
        return False, None


class FoldConstants(ast.NodeTransformer):
    """Evaluate the parts of a formula that involve constants only.

    ``3 - 1`` becomes ``2`` and ``a if 3 == 0 else b`` becomes ``b``: what
    Python would compute anyway, so the result is the same to the bit.
    """

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        if isinstance(node, ast.IfExp):
            known, test = constant_value(node.test)
            if known:
                return node.body if test else node.orelse
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            known, value = constant_value(node)
            if known and isinstance(value, (int, float)) and not isinstance(value, bool):
                return number_node(value)
        return node


def step_expression(node: Value, i: int, names: dict[Value, str]) -> ast.expr:
    """The formula for parent ``i`` of ``node``, with this graph's names."""
    formula, args = edge_formula(node, i)
    rule = node._rule
    assert rule is not None  # edge_formula has refused leaves
    values: dict[str, ast.expr] = {
        "g": ast.Name(f"grad_{names[node]}", ast.Load()),
        "out": ast.Name(names[node], ast.Load()),
    }
    for arg, j in args.items():
        values[arg] = ast.Name(names[node._prev[j]], ast.Load())
    for param, constant in zip(rule.params, node._ctx):
        values[param] = number_node(constant)
    tree = Substitute(values).visit(ast.parse(formula, mode="eval").body)
    folded: ast.expr = FoldConstants().visit(tree)
    return folded


# --- the source -----------------------------------------------------------------------------


DEFAULT_MAX_NODES = 10_000


def backward_source(root: Value, *, max_nodes: int | None = DEFAULT_MAX_NODES) -> str:
    """Straight-line Python computing every gradient of ``root``'s graph.

    A header assigns each value's data (exact float reprs) and starts every
    gradient at 0.0, the root's at 1.0; then comes one line per chain-rule
    step, in the order ``root.backward()`` runs them. ``exec`` the text into
    a dict and ``grad_<name>`` holds exactly what ``.grad`` of that value
    holds after one ``root.backward()`` from zero grads; the names are
    those of :func:`variable_names`.

    The text has about two lines per value and one per edge, so a graph of
    more than ``max_nodes`` values (:data:`DEFAULT_MAX_NODES`, 10,000, by
    default; ``None``: no limit) raises
    :class:`~engine.core.graph.GraphTooLargeError` before any is written.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_source() needs a Value, got {type(root).__name__}")
    order = values_in_order(root)
    refuse_larger_than(
        order,
        max_nodes,
        "backward_source()",
        "writes a few lines per value, too many to read; show a smaller part",
    )
    names = variable_names(root)
    shown = display_names(root)
    out = names[root]

    steps: list[str] = []
    used: set[str] = set()
    for node in reversed(topological_order(root)):
        # shortened: a sum of thousands would repeat itself on each of its lines
        comment = f"  # {names[node]} = {short_forward_text(node, names)}"
        for i in pass_order(node):
            parent = names[node._prev[i]]
            expression = step_expression(node, i, names)
            used.update(n.id for n in ast.walk(expression) if isinstance(n, ast.Name))
            steps.append(f"grad_{parent} += {ast.unparse(expression)}{comment}")

    helpers = sorted(used & set(HELPERS))
    lines = [
        f"# The backward pass of {out}, one chain-rule step per line, in the order",
        f"# {out}.backward() runs them. Generated by engine.backward_source.",
    ]
    if helpers:
        lines.append(f"from engine.core.rules import {', '.join(helpers)}")
    lines += ["", "# forward values"]
    for value in order:
        how = forward_text(value, names)
        note = "" if value.is_leaf and not _is_constant(value) else f"  # {how}"
        if shown[value] != names[value]:
            note = f"{note or '  #'} ({shown[value]})"
        lines.append(f"{names[value]} = {_number(value.data)}{note}")
    lines += ["", f"# every gradient starts at 0; the output's is the seed, d{out}/d{out} = 1"]
    lines += [f"grad_{names[v]} = {'1.0' if v is root else '0.0'}" for v in order]
    lines += ["", "# chain rule, from the output back to the inputs", *steps]
    return "\n".join(lines) + "\n"
