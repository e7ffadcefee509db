"""Explain one derivative by the chain rule: every path, every factor, every number.

>>> from engine import Value, explain
>>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
>>> c = Value(10.0, label='c'); f = Value(-2.0, label='f')
>>> e = a * b; e.label = 'e'
>>> d = e + c; d.label = 'd'
>>> L = d * f; L.label = 'L'
>>> text = explain(L, a)
>>> print(next(line for line in text.splitlines() if line.startswith('  dL/da =')))
  dL/da = dL/dd * dd/de * de/da = f * 1 * b = -2.0 * 1.0 * -3.0 = 6.0

d root / d wrt is the sum, over every path from ``wrt`` up to ``root``, of
the product of the local derivatives along the path. The local derivative
of an edge parent -> node is the node's rule formula for that parent with
the incoming gradient ``g`` set to 1 (for ``e = a * b``, de/da = b). The
explanation shows each factor as a formula (in the graph's own names) and
as a number, multiplies them along each path and adds the paths up.

Path counts explode in wide graphs (an MLP has thousands), so past
``max_paths`` the explanation shows what the backward pass does instead:
node by node from ``root`` back to ``wrt``, each gradient as the sum of
what the node's children pass back to it. A count too large to print in
full (more than 10**15) is given as a power of ten.

The work is linear in the size of the graph (plus the paths listed, at
most ``max_paths`` of them), and a graph of more than ``max_nodes`` values
(:data:`DEFAULT_MAX_NODES`, 10,000, by default) is refused with
:class:`~engine.core.graph.GraphTooLargeError` before any of it starts:
the text lists every value on the way, so a larger graph makes an
explanation too long to read.

Names are those of :func:`engine.teach.names.names`: a value's label,
or a short generated one like ``mul3`` (the explanation says which
value that is). Nothing here reads or writes ``.grad``, except to say
whether ``wrt.grad`` currently agrees.

The module stays whole (about 570 lines): the graph, paths and accumulation
sections of one explanation share one numbering of edges and one layout,
and splitting them would scatter the text a reader compares line by line.
"""

from __future__ import annotations

import ast
import html
import math
from dataclasses import dataclass, field
from typing import Any

from engine.core import rules
from engine.core.codegen import HELPERS
from engine.core.grad import grad
from engine.core.graph import GraphTooLargeError, refuse_larger_than, values_in_order
from engine.core.value import CONSTANT, Value
from engine.teach.names import names as display_names
from engine.teach.paths import (
    Count,
    Edge,
    all_paths,
    count_text,
    count_value,
    path_counts,
    too_many,
)
from engine.teach.replay import replay_backward
from engine.teach.source import (
    FoldConstants,
    Substitute,
    edge_formula,
    edge_names,
    number_node,
    short_forward_text,
)

__all__ = ["DEFAULT_MAX_NODES", "Explanation", "GraphTooLargeError", "explain", "local_rule"]

DEFAULT_MAX_NODES = 10_000


class Explanation(str):
    """The text of an explanation, plus its main numbers.

    A ``str``, so ``print()`` and ``in`` work; its repr is the text itself,
    so a REPL shows it readably, and Jupyter shows it preformatted.

    Attributes:
        total: d root / d wrt, as ``engine.grad(root, wrt)`` computes it.
        path_count: how many paths lead from ``wrt`` to ``root``: an int,
            exact up to 2**256; beyond that a float approximation (``inf``
            past about 1.8e308).
        terms: the product along each path, in the order listed (empty when
            there were more than ``max_paths`` paths).
    """

    total: float
    path_count: int | float
    terms: tuple[float, ...]

    def __new__(
        cls, text: str, *, total: float, path_count: int | float, terms: tuple[float, ...]
    ) -> Explanation:
        self = super().__new__(cls, text)
        self.total = total
        self.path_count = path_count
        self.terms = terms
        return self

    def __repr__(self) -> str:
        return str.__str__(self)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str.__str__(self))}</pre>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str.__str__(self))


# --- local derivatives as formulas ------------------------------------------------------------

_NEGATED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}


def _negate(test: ast.expr) -> ast.expr:
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _NEGATED:
        return ast.Compare(test.left, [_NEGATED[type(test.ops[0])]()], test.comparators)
    return ast.UnaryOp(ast.Not(), test)


class _TakeBranches(ast.NodeTransformer):
    """Replace ``a if test else b`` by the branch these numbers take.

    A test on the graph's numbers (``x > 0`` in relu) is remembered, in
    the sense that holds, so the explanation can say why; a test on the
    op's constants only (``k == 0``) is left to :class:`FoldConstants`.
    """

    def __init__(self, namespace: dict[str, Any], data_names: set[str]) -> None:
        self.namespace = namespace
        self.data_names = data_names
        self.conditions: list[ast.expr] = []

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        names = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
        if not names & self.data_names:
            return self.generic_visit(node)
        code = compile(ast.fix_missing_locations(ast.Expression(node.test)), "<test>", "eval")
        # The test comes from the rule table (checked by engine.core.codegen), not from users.
        holds = bool(eval(code, dict(self.namespace)))
        self.conditions.append(node.test if holds else _negate(node.test))
        taken: ast.AST = self.visit(node.body if holds else node.orelse)
        return taken


class _ShowHelpers(ast.NodeTransformer):
    """Show the IEEE-safe helpers as the plain maths they stand for."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.func, ast.Name) or node.keywords:
            return node
        name, args = node.func.id, node.args
        if name == "ieee_div" and len(args) == 2:
            return ast.BinOp(args[0], ast.Div(), args[1])
        if name == "ieee_pow" and len(args) == 2:
            return ast.BinOp(args[0], ast.Pow(), args[1])
        if name == "pow_da" and len(args) == 3:  # g * b * a ** (b - 1)
            g, a, b = args
            power = ast.BinOp(a, ast.Pow(), ast.BinOp(b, ast.Sub(), ast.Constant(1)))
            return ast.BinOp(ast.BinOp(g, ast.Mult(), b), ast.Mult(), power)
        if name == "pow_db" and len(args) == 4:  # g * out * log(a)
            g, out, a, _ = args
            log = ast.Call(ast.Name("log", ast.Load()), [a], [])
            return ast.BinOp(ast.BinOp(g, ast.Mult(), out), ast.Mult(), log)
        return node


def _is_number(node: ast.expr, x: float) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _is_number(node.operand, -x)
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
        and node.value == x
    )


class _DropOnes(ast.NodeTransformer):
    """``1 * e`` and ``e * 1`` become ``e``; ``-1 * e`` becomes ``-e``."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Mult):
            if _is_number(node.left, 1):
                return node.right
            if _is_number(node.right, 1):
                return node.left
            if _is_number(node.left, -1):
                return ast.UnaryOp(ast.USub(), node.right)
        if isinstance(node.op, ast.Div) and _is_number(node.right, 1):
            return node.left
        return node


@dataclass
class _Graph:
    root: Value
    wrt: Value
    names: dict[Value, str]
    fmt: Any  # float -> str
    locals_: dict[Edge, float] = field(default_factory=dict)
    # Per node, computed once: a wide node (a sum of thousands) is met once
    # per parent, and recomputing these each time would be quadratic.
    _edge_names: dict[Value, list[str]] = field(default_factory=dict)
    _forward: dict[Value, str] = field(default_factory=dict)
    _formulas: dict[Edge, tuple[str, str]] = field(default_factory=dict)

    def name(self, value: Value) -> str:
        return self.names[value]

    def d(self, top: Value, bottom: Value) -> str:
        return f"d{self.name(top)}/d{self.name(bottom)}"

    def edge_name(self, edge: Edge) -> str:
        """``de/da``, or ``dc/db#2`` for the second use of ``b`` in ``c``."""
        names = self._edge_names.get(edge.node)
        if names is None:
            names = self._edge_names[edge.node] = edge_names(edge.node, self.names)
        return names[edge.index]

    def forward(self, node: Value) -> str:
        """How ``node`` was computed, shortened (see :func:`short_forward_text`)."""
        text = self._forward.get(node)
        if text is None:
            text = self._forward[node] = short_forward_text(node, self.names)
        return text

    def local(self, edge: Edge) -> float:
        """The edge's local derivative: the rule's formula with g = 1."""
        if edge not in self.locals_:
            node = edge.node
            rule = node._rule
            assert rule is not None
            xs = [p.data for p in node._prev]
            for i, d in enumerate(rule.vjp(1.0, node.data, *xs, *node._ctx)):
                self.locals_[Edge(node, i)] = float(d)
        return self.locals_[edge]

    def formula(self, edge: Edge) -> tuple[str, str]:
        """The local derivative as a formula, and the condition it depends on."""
        if edge not in self._formulas:
            self._formulas[edge] = self._formula(edge)
        return self._formulas[edge]

    def _formula(self, edge: Edge) -> tuple[str, str]:
        node = edge.node
        rule = node._rule
        assert rule is not None
        formula, args = edge_formula(node, edge.index)
        namespace: dict[str, Any] = {**_helpers(), "g": 1.0, "out": node.data}
        namespace.update({arg: node._prev[j].data for arg, j in args.items()})
        namespace.update(zip(rule.params, node._ctx))
        taker = _TakeBranches(namespace, {"out", *args})
        tree: ast.expr = taker.visit(ast.parse(formula, mode="eval").body)
        tree = _ShowHelpers().visit(tree)
        names: dict[str, ast.expr] = {
            "g": ast.Constant(1),
            "out": ast.Name(self.name(node), ast.Load()),
        }
        for arg, j in args.items():
            names[arg] = ast.Name(self.name(node._prev[j]), ast.Load())
        names.update({p: number_node(k) for p, k in zip(rule.params, node._ctx)})
        substitute = Substitute(names)
        tree = _DropOnes().visit(FoldConstants().visit(substitute.visit(tree)))
        conditions = [ast.unparse(substitute.visit(c)) for c in taker.conditions]
        return ast.unparse(tree), " and ".join(conditions)

    def definition(self, value: Value) -> str:
        """``e = a * b = -6.0``, or ``a = 2.0`` for an input."""
        name = self.name(value)
        label = f" (label {value.label!r})" if value.label and value.label != name else ""
        if value._prev:
            return f"{name}{label} = {self.forward(value)} = {self.fmt(value.data)}"
        kind = " (a constant)" if value._seq == CONSTANT else ""
        return f"{name}{label} = {self.fmt(value.data)}{kind}"


def _helpers() -> dict[str, Any]:
    return {name: getattr(rules, name) for name in HELPERS}


def _factor(text: str) -> str:
    """Parenthesize a formula that would not read as one factor of a product."""
    tree = ast.parse(text, mode="eval").body
    if isinstance(tree, (ast.Name, ast.Call, ast.Constant)):
        return text
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, (ast.Mult, ast.Div, ast.Pow)):
        return text
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.operand, (ast.Name, ast.Constant)):
        return text
    return f"({text})"


def _formatter(precision: int | None) -> Any:
    if precision is None:
        return repr
    if isinstance(precision, bool) or not isinstance(precision, int) or precision < 1:
        raise ValueError(f"precision must be a positive int or None, got {precision!r}")
    return lambda x: f"{x:.{precision}g}"


# --- the explanation --------------------------------------------------------------------------


def explain(
    root: Value,
    wrt: Value,
    max_paths: int = 50,
    *,
    precision: int | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
) -> Explanation:
    """Explain d root / d wrt by the chain rule, path by path, with numbers.

    Args:
        root: the output (usually a loss).
        wrt: the value to differentiate with respect to (any value of the
            graph: an input, a parameter or an intermediate).
        max_paths: list paths one by one only up to this many; beyond, show
            the node-by-node accumulation of the backward pass instead.
        precision: significant digits for numbers; ``None`` (the default)
            prints every number exactly, as Python's ``repr`` does.
        max_nodes: refuse a graph of more values than this (``None``: no
            limit); the explanation lists the values on the way, and a
            longer one would not be read.

    Returns:
        An :class:`Explanation` (a ``str``) with ``.total``, ``.path_count``
        and ``.terms``.

    Raises:
        GraphTooLargeError: ``root``'s graph has more than ``max_nodes`` values.
    """
    for what, value in (("root", root), ("wrt", wrt)):
        if not isinstance(value, Value):
            raise TypeError(f"explain() needs a Value as {what}, got {type(value).__name__}")
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 0:
        raise ValueError(f"max_paths must be a non-negative int, got {max_paths!r}")
    fmt = _formatter(precision)
    order = values_in_order(root)
    refuse_larger_than(
        order, max_nodes, "explain()", "lists every value on the way; explain a smaller part"
    )
    total = float(grad(root, wrt))
    if not any(v is wrt for v in order):
        return _unrelated(root, wrt, total, fmt)

    graph = _Graph(root, wrt, display_names(root), fmt)
    counts = path_counts(order, wrt)
    n_paths = counts[root]
    on_path = [v for v in order if counts[v]]
    target = graph.d(root, wrt)
    lines = [
        f"{target}: how {graph.name(root)} depends on {graph.name(wrt)}, by the chain rule",
        "",
    ]
    terms: tuple[float, ...] = ()
    if wrt is root:
        lines += _graph_section(graph, on_path)
        lines.append(f"{target} = 1: an output with respect to itself is the backward seed.")
    elif not too_many(n_paths, max_paths):
        assert isinstance(n_paths, int)
        lines += _graph_section(graph, on_path)
        section, terms = _paths_section(graph, counts, n_paths, target)
        lines += section
    else:  # too many values to list up front: each step says what its node is
        lines += [graph.definition(wrt), ""]
        lines += _accumulation_section(graph, set(on_path), n_paths, max_paths)
    lines.append("")
    lines += _total_lines(graph, terms, total, target)
    lines += _grad_status(wrt, total, graph.name(wrt), fmt)
    return Explanation("\n".join(lines), total=total, path_count=count_value(n_paths), terms=terms)


def _unrelated(root: Value, wrt: Value, total: float, fmt: Any) -> Explanation:
    out = display_names(root)[root]
    name = wrt.label or "wrt"
    lines = [
        f"{out} does not depend on {name}: no path leads from {name} to {out} "
        f"({name} is not part of {out}'s graph), so d{out}/d{name} = {fmt(total)}.",
        *_grad_status(wrt, total, name, fmt),
    ]
    return Explanation("\n".join(lines), total=total, path_count=0, terms=())


def _graph_section(graph: _Graph, on_path: list[Value]) -> list[str]:
    """The values between wrt and root, and the other values they use."""
    inside = set(on_path)
    computed = [v for v in on_path if v._prev and v is not graph.wrt]
    used: dict[Value, None] = {graph.wrt: None}  # a set that keeps its order
    for v in computed:
        for p in v._prev:
            if p not in inside:
                used.setdefault(p)
    lines = ["The values involved:"]
    lines += [f"  {graph.definition(v)}" for v in used]
    lines += [f"  {graph.definition(v)}" for v in computed]
    return [*lines, ""]


def _paths_section(
    graph: _Graph, counts: dict[Value, Count], n_paths: int, target: str
) -> tuple[list[str], tuple[float, ...]]:
    paths = list(all_paths(graph.root, graph.wrt, counts))
    edges = list(dict.fromkeys(e for path in paths for e in path))  # once each, in order
    edges.sort(key=lambda e: (-e.node._seq, e.index))  # from the output down
    lines = ["Local derivatives (each op's rule with the incoming gradient g = 1):"]
    rows = []
    for edge in edges:
        formula, condition = graph.formula(edge)
        left = f"{graph.edge_name(edge)} = {formula} = {graph.fmt(graph.local(edge))}"
        why = f"{graph.name(edge.node)} = {graph.forward(edge.node)}"
        if condition:
            why += f", and {condition}"
        rows.append((left, why))
    width = max(len(left) for left, _ in rows)
    lines += [f"  {left:<{width}}   ({why})" for left, why in rows]
    if any("#" in graph.edge_name(e) for e in edges):
        lines.append("  (#1, #2: a value used twice by one op is two edges, one for each use)")
    lines.append("")

    if n_paths == 1:
        lines.append(
            f"1 path leads from {graph.name(graph.wrt)} to {graph.name(graph.root)}; "
            "the chain rule multiplies the local derivatives along it:"
        )
    else:
        lines += [
            f"{n_paths} paths lead from {graph.name(graph.wrt)} to {graph.name(graph.root)}; "
            "the chain rule multiplies the local derivatives",
            "along each path and adds the paths up:",
        ]
    terms = []
    for k, path in enumerate(paths, 1):
        product = math.prod(graph.local(e) for e in path)  # left to right, from the output
        terms.append(product)
        formulas = [graph.formula(e)[0] for e in path]
        numbers = " * ".join(graph.fmt(graph.local(e)) for e in path)
        if len(path) == 1:  # d root / d wrt is a single local derivative
            chain = f"{formulas[0]} = {numbers}"
        else:
            shown = " * ".join(_factor(f) for f in formulas)
            chain = f"{shown} = {numbers} = {graph.fmt(product)}"
        edges_used = " * ".join(graph.edge_name(e) for e in path)
        if n_paths == 1:
            head = target if edges_used == target else f"{target} = {edges_used}"
        else:
            head = f"path {k}: {edges_used}"
        lines.append(f"  {head} = {chain}")
    return lines, tuple(terms)


def _accumulation_section(
    graph: _Graph, on_path: set[Value], n_paths: Count, max_paths: int
) -> list[str]:
    steps, grads = replay_backward(graph.root)
    out = graph.name(graph.root)
    received: dict[Value, list[tuple[Value, Edge, float, float]]] = {}
    for step in steps:
        for t in step.transfers:
            if t.parent in on_path:
                entry = (step.node, Edge(step.node, t.index), step.g, t.amount)
                received.setdefault(t.parent, []).append(entry)
    lines = [
        f"{count_text(n_paths)} {'path leads' if n_paths == 1 else 'paths lead'} from "
        f"{graph.name(graph.wrt)} to {out}, more than max_paths={max_paths}, "
        f"so {'it is' if n_paths == 1 else 'they are'} not listed one by one.",
        "The backward pass adds up the same products without listing paths: it visits",
        f"the values from {out} back to {graph.name(graph.wrt)}, and each value's gradient "
        "is the sum of what its",
        "children pass back to it (the child's gradient times the local derivative):",
        "",
        f"  d{out}/d{out} = {graph.fmt(1.0)} (the seed)",
    ]
    fmt = graph.fmt
    # The values on the way, in the order the backward pass finishes them:
    # newest first; wrt, made before all the others, comes last.
    ordered = sorted(on_path - {graph.root}, key=lambda v: -v._seq if v._prev else 1)
    for value in ordered:
        name = f"d{out}/d{graph.name(value)}"
        parts = received.get(value, [])
        rows = [
            (
                f"d{out}/d{graph.name(child)} * {graph.edge_name(edge)} = "
                f"{fmt(g)} * {fmt(graph.local(edge))} = {fmt(amount)}",
                f"{graph.name(child)} = {graph.forward(child)}",
            )
            for child, edge, g, amount in parts
        ]
        if len(rows) == 1:
            lines.append(f"  {name} = {rows[0][0]}   ({rows[0][1]})")
            continue
        lines.append(f"  {name} = {fmt(grads[value])}, the sum of {len(rows)} contributions:")
        width = max(len(r) for r, _ in rows)
        lines += [f"      {r:<{width}}   ({why})" for r, why in rows]
        sum_text = " + ".join(fmt(amount) for *_, amount in parts)
        lines.append(f"      {sum_text} = {fmt(grads[value])}")
    return lines


def _total_lines(graph: _Graph, terms: tuple[float, ...], total: float, target: str) -> list[str]:
    fmt = graph.fmt
    check = f"engine.grad({graph.name(graph.root)}, {graph.name(graph.wrt)})"
    if not terms:
        return [f"{target} = {fmt(total)}, which is what {check} gives."]
    path_sum = 0.0
    for term in terms:
        path_sum += term
    lines = []
    if len(terms) > 1:
        added = " + ".join(fmt(t) for t in terms)
        lines.append(f"Sum over the {len(terms)} paths: {added} = {fmt(path_sum)}")
    if _same(path_sum, total):
        lines.append(f"{target} = {fmt(total)}, which is what {check} gives.")
    else:
        lines.append(
            f"{target} = {fmt(path_sum)} by the paths; {check} gives {fmt(total)}. The backward "
            "pass multiplies and adds the same numbers in another order"
            + (
                ", so the last digits differ."
                if math.isclose(path_sum, total, rel_tol=1e-9)
                else " (here rounding, overflow or nan makes the results differ)."
            )
        )
    return lines


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _grad_status(wrt: Value, total: float, name: str, fmt: Any) -> list[str]:
    current = wrt.grad
    if _same(current, total) or math.isclose(current, total, rel_tol=1e-9, abs_tol=1e-300):
        return [f"{name}.grad is {fmt(current)} too."]
    line = f"{name}.grad is currently {fmt(current)}, not {fmt(total)}:\n  "
    if current == 0.0:
        line += "backward() has not run on this graph yet (or the gradients were zeroed)."
    else:
        times = current / total if total else math.nan
        if math.isfinite(times) and times > 1.5 and abs(times - round(times)) < 1e-9:
            line += (
                f"it looks like backward() ran {round(times)} times; gradients accumulate,\n"
                "  so call zero_grad() before each backward()."
            )
        else:
            line += (
                ".grad holds whatever backward() calls added to it (gradients accumulate,\n"
                "  and another output may have been differentiated); zero_grad() resets it."
            )
    return [line]


def local_rule(node: Value, index: int, names: dict[Value, str]) -> str:
    """``node``'s local derivative towards its parent ``index``, as a formula in ``names``.

    The rule of :mod:`engine.rules` with this graph's names put in and the
    incoming gradient set to 1: ``b`` for the edge from ``a`` into
    ``e = a * b``, ``1 - o * o`` for ``o = tanh(n)``. A rule with branches
    says which one the numbers took: ``1 (since n > 0)`` for ``o = relu(n)``.
    """
    if node._rule is None:
        raise ValueError("a leaf has no local derivatives")
    formula, condition = _Graph(node, node, names, str).formula(Edge(node, index))
    return f"{formula} (since {condition})" if condition else formula
