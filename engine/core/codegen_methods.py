"""Generate ``Value``'s op methods, ``sum`` and ``dot`` from the derivative table.

Each row of :mod:`engine.core.rules` that names ``methods`` gets them
written into the marked parts of :mod:`engine.core.value`, with its forward
formula inlined (on ``self.data`` and ``other.data``) and its domain check
in front, so an op costs one Python call and no lookups in the table.
``python -m engine.core.generate`` rewrites those parts; a test regenerates
them and fails on any difference.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.core.rules import Rule

REGION_START = (
    "# --- generated from the rule table by python -m engine.core.generate: do not edit ---"
)
REGION_END = "# --- end of generated code ---"


def _on_data(formula: str, names: Iterable[str]) -> str:
    """The formula with each of ``names`` read from a Value: ``w * x`` -> ``w.data * x.data``."""
    wanted = set(names)

    class OnData(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            if node.id in wanted:
                return ast.Attribute(ast.Name(node.id, ast.Load()), "data", ast.Load())
            return node

    return ast.unparse(OnData().visit(ast.parse(formula, mode="eval")))


def _domain_check(rule: Rule, indent: str) -> list[str]:
    if not rule.undefined:
        return []
    values = ", ".join(rule.args + rule.params)
    comma = "," if len(rule.args + rule.params) == 1 else ""  # a 1-tuple
    return [
        f"{indent}if {rule.undefined}:",
        f"{indent}    raise DomainError({_const(rule)}, ({values}{comma}))",
    ]


def _const(rule: Rule) -> str:
    return f"_R_{rule.name.upper()}"


def _record(result: str, parents: str, rule: Rule, indent: str) -> list[str]:
    """Make the result node inline, as ``_node`` does, and return it.

    Written out in every method rather than calling ``_node``: the call was
    about a tenth of an op's cost (``a * b`` took 305 ns with it and 271 ns
    without when this was measured; ``python benchmarks/bench_ops.py``
    times the ops against a microgpt-style Value).
    """
    return [
        f"{indent}v = _new(Value)",
        f"{indent}v.data = {result}",
        f"{indent}v.grad = 0.0",
        f'{indent}v._note = ""',
        f"{indent}v._mark = None",
        f"{indent}state = current()",
        f"{indent}if state is not None and type(state) is Off:  # None: recording, no scope",
        f"{indent}    return _unrecorded(v)",
        f"{indent}v._prev = {parents}",
        f"{indent}v._rule = {_const(rule)}",
        f"{indent}v._seq = next(_seqs)",
        f"{indent}v._scope = state  # type: ignore[assignment]  # not an Off: tested above",
        f"{indent}return v",
    ]


def _unary_method(rule: Rule, method: str) -> list[str]:
    return [
        f"def {method}(self) -> Value:",
        f'    """{rule.show((0.0,), ("self",))}, recorded as one node (rule {rule.name!r})."""',
        "    x = self.data",
        *_domain_check(rule, "    "),
        *_record(rule.formula, "(self,)", rule, "    "),
    ]


def _binary_method(rule: Rule, method: str, reflected: bool) -> list[str]:
    (a, b) = rule.args
    first, second = ("other", "self") if reflected else ("self", "other")
    operator = rule.symbol
    return [
        f"def {method}(self, other: Operand) -> Value:",
        f'    """``{first} {operator} {second}``, recorded as one node (rule {rule.name!r})."""',
        "    if type(other) is not Value:",
        f'        other = _lift(other, "{operator}")',
        f"    {a} = {first}.data",
        f"    {b} = {second}.data",
        *_domain_check(rule, "    "),
        *_record(rule.formula, f"({first}, {second})", rule, "    "),
    ]


_UNCHECKED_SIGNATURE = "ws: Sequence[Value], xs: Sequence[Value], bias: Value"
_PAIRS_SIGNATURE = "ws: Iterable[Operand], xs: Iterable[Operand], bias: Operand | None = None"


def _reduction(rule: Rule, function: str) -> list[str]:
    if rule.shape == "each":
        term = _on_data(rule.formula, ["x"])
        shadows = "  # noqa: A001 - engine.sum mirrors builtins.sum" if function == "sum" else ""
        return [
            f"def {function}(values: Iterable[Operand]) -> Value:{shadows}",
            f'    """Add many values in **one** node (rule {rule.name!r})."""',
            f'    parents = _each(values, "{function}")',
            "    total = 0.0",
            "    for x in parents:",
            f"        total += {term}",
            "    if not parents:",
            "        return _leaf(0.0)",
            *_record("total", "parents", rule, "    "),
        ]
    term = _on_data(rule.formula, ["w", "x"])
    const = _const(rule)
    return [
        f"def {function}({_PAIRS_SIGNATURE}) -> Value:",
        f'    """``bias + w1*x1 + ... + wn*xn`` as **one** node (rule {rule.name!r})."""',
        "    # The fast path: lists (or tuples) of Values, the bulk of an MLP's forward",
        "    # pass. Numbers to wrap and anything else take the checked path below.",
        "    sized = type(ws) in _SEQUENCES and type(xs) in _SEQUENCES",
        "    if sized and len(ws) == len(xs):  # type: ignore[arg-type]",
        "        try:",
        "            total = 0.0 if bias is None else bias.data  # type: ignore[union-attr]",
        "            for w, x in zip(ws, xs):",
        f"                total += {term}  # type: ignore[union-attr]",
        "        except (AttributeError, TypeError):",
        "            total = None",
        "        if type(total) is float and ws:",
        "            parents = (*ws, *xs) if bias is None else (*ws, *xs, bias)",
        *_record("total", "parents  # type: ignore[assignment]", rule, "            "),
        f'    weights, inputs, parents, total = _pairs(ws, xs, bias, "{function}")',
        "    for w, x in zip(weights, inputs):",
        f"        total += {term}",
        f"    return _node(total, parents, {const}, ()) if parents else _leaf(0.0)",
        "",
        "",
        f"def {function}_of_values({_UNCHECKED_SIGNATURE}) -> Value:",
        f'    """``{function}(ws, xs, bias)`` without its checks, for callers that guarantee them.',
        "",
        "    ``ws`` and ``xs`` are sequences of Values of the same, nonzero length and",
        "    ``bias`` is a Value, as in every neuron of ``nn``'s layers.",
        '    """',
        "    total = bias.data",
        "    for w, x in zip(ws, xs):",
        f"        total += {term}",
        "    parents = (*ws, *xs, bias)",
        *_record("total", "parents", rule, "    "),
    ]


def value_regions(rules: Iterable[Rule]) -> tuple[str, str, str]:
    """The three generated parts of value.py: rule constants, methods, functions."""
    rules = [r for r in rules if r.methods]
    constants = [f'{_const(r)} = RULES["{r.name}"]' for r in rules]
    methods: list[str] = []
    functions: list[str] = []
    for rule in rules:
        for i, method in enumerate(rule.methods):
            if rule.shape != "fixed":
                functions += [*_reduction(rule, method), "", ""]
            elif len(rule.args) == 1 and not rule.params:
                methods += [*_unary_method(rule, method), ""]
            elif len(rule.args) == 2 and not rule.params:
                methods += [*_binary_method(rule, method, reflected=i == 1), ""]
            else:
                raise ValueError(
                    f"rule {rule.name!r}: methods are generated for ops of one or two "
                    "parents without params, and for sums; write this one by hand"
                )
    # blank lines as ruff format wants them before the end marker
    body = "\n".join(f"    {line}" if line else "" for line in methods).rstrip() + "\n"
    return "\n".join(constants), body, "\n".join(functions).rstrip() + "\n\n"


def fill_regions(text: str, regions: Iterable[str]) -> str:
    """``text`` with each marked region replaced, in order, by the given code."""
    out: list[str] = []
    rest = text
    for code in regions:
        start = rest.index(REGION_START)
        line_start = rest.rindex("\n", 0, start) + 1
        indent = rest[line_start:start]
        end = rest.index(REGION_END, start)
        out.append(rest[: start + len(REGION_START)] + "\n")
        out.append(code + "\n" + indent if code else indent)
        rest = rest[end:]
    return "".join(out) + rest
