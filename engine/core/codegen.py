"""Turn the gradient formulas of :mod:`engine.core.rules` into Python code.

Two things are built from the same formula strings:

* ``compile_vjp(rule, helpers)``: the rule's ``vjp(g, out, *xs, *params)``,
  which returns one gradient per parent and works on floats or on Values;
* ``float_pass_module(rules)``: the source of the fast backward pass, the
  checked-in module :mod:`engine.core.float_pass`. It walks the nodes in
  reverse topological order and, for each node, adds each formula's value
  straight into the parent's ``.grad``. Inlining the formulas this way,
  instead of calling ``vjp`` and looping over its result, makes the pass
  about twice as fast (measured in that module's docstring); the table
  stays the only place where a derivative is written down.

This module imports nothing from the project: the table imports it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.core.rules import Rule

# Names a formula may use besides g, out, its args and its params.
HELPERS = (
    "cos",
    "sin",
    "log",
    "sigmoid",
    "sign",
    "ieee_div",
    "ieee_pow",
    "pow_da",
    "pow_db",
    "NAN",
    "INF",
)

# Names the generated pass uses itself; a rule's args and params must avoid them.
_RESERVED = {"node", "order", "rule", "parents", "n", "p", "pw", "px", "ctx", "vjp", "local"}


def names_in(formula: str) -> set[str]:
    """The variable names a formula reads."""
    tree = ast.parse(formula, mode="eval")
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def check_formulas(rule: Rule) -> None:
    """Refuse a rule whose formulas use names they cannot have."""
    if rule.shape not in ("fixed", "each", "pairs"):
        raise ValueError(f"rule {rule.name!r}: shape must be 'fixed', 'each' or 'pairs'")
    expected = {"fixed": len(rule.args), "each": 1, "pairs": 3}[rule.shape]
    if len(rule.grads) != expected:
        raise ValueError(
            f"rule {rule.name!r} needs {expected} gradient formula(s) for shape "
            f"{rule.shape!r}, got {len(rule.grads)}"
        )
    names = {"fixed": rule.args, "each": ("x",), "pairs": ("w", "x", "b")}[rule.shape]
    if tuple(names) != tuple(rule.args) and rule.shape != "fixed":
        raise ValueError(f"rule {rule.name!r}: shape {rule.shape!r} names its args {names}")
    clash = (set(rule.args) | set(rule.params)) & (_RESERVED | set(HELPERS) | {"g", "out"})
    if clash:
        raise ValueError(f"rule {rule.name!r}: argument names {sorted(clash)} are reserved")
    allowed = {"g", "out", *rule.args, *rule.params, *HELPERS}
    for formula in rule.grads:
        try:
            unknown = names_in(formula) - allowed
        except SyntaxError as error:
            raise ValueError(f"rule {rule.name!r}: bad formula {formula!r}: {error}") from None
        if unknown:
            raise ValueError(
                f"rule {rule.name!r}: formula {formula!r} uses {sorted(unknown)}; "
                f"it may use g, out, {', '.join(rule.args + rule.params)} and {', '.join(HELPERS)}"
            )


# --- forward functions ---------------------------------------------------------------


def forward_source(rule: Rule) -> str:
    """``def forward(*xs, *params)``: the rule's formula on floats."""
    params = "".join(f", {p}" for p in rule.params)
    if rule.shape == "fixed":
        return f"def forward({', '.join(rule.args)}{params}):\n    return {rule.formula}\n"
    if rule.shape == "each":
        return (
            "def forward(*xs):\n"
            "    total = 0.0\n"
            "    for x in xs:\n"
            f"        total += {rule.formula}\n"
            "    return total\n"
        )
    # pairs: w1..wn, x1..xn and an optional bias, summed from the bias as
    # micrograd's Neuron does, so results match it bit for bit
    return (
        "def forward(*xs):\n"
        "    n = len(xs) // 2\n"
        "    total = xs[-1] if len(xs) % 2 else 0.0\n"
        "    for w, x in zip(xs[:n], xs[n : 2 * n]):\n"
        f"        total += {rule.formula}\n"
        "    return total\n"
    )


def compile_forward(
    rule: Rule, namespace: dict[str, Any]
) -> tuple[Callable[..., float], Callable[..., bool] | None]:
    """The rule's ``forward`` and ``invalid`` functions (None when defined everywhere)."""
    names = set(rule.args if rule.shape == "fixed" else ("x", "w")) | set(rule.params)
    for what, formula in (("formula", rule.formula), ("undefined", rule.undefined)):
        if not formula:
            continue
        try:
            unknown = names_in(formula) - names - set(namespace) - {"abs", "float"}
        except SyntaxError as error:
            raise ValueError(f"rule {rule.name!r}: bad {what} {formula!r}: {error}") from None
        if unknown:
            raise ValueError(
                f"rule {rule.name!r}: {what} {formula!r} uses {sorted(unknown)}; it may use "
                f"{', '.join(sorted(names))}, abs, float and {', '.join(sorted(namespace))}"
            )
    scope = dict(namespace)
    # exec runs source built from the table's own formulas (checked above),
    # never from user input.
    exec(compile(forward_source(rule), f"<forward of {rule.name}>", "exec"), scope)
    forward: Callable[..., float] = scope["forward"]
    forward.__qualname__ = f"forward_{rule.name}"
    invalid: Callable[..., bool] | None = None
    if rule.undefined:
        arguments = ", ".join(rule.args + rule.params)
        source = f"def invalid({arguments}):\n    return {rule.undefined}\n"
        exec(compile(source, f"<domain of {rule.name}>", "exec"), scope)
        invalid = scope["invalid"]
    return forward, invalid


# --- vjp functions ------------------------------------------------------------------


def vjp_source(rule: Rule) -> str:
    params = "".join(f", {p}" for p in rule.params)
    if rule.shape == "fixed":
        grads = ", ".join(rule.grads)
        return f"def vjp(g, out, {', '.join(rule.args)}{params}):\n    return ({grads},)\n"
    if rule.shape == "each":
        return f"def vjp(g, out, *xs):\n    return [{rule.grads[0]} for x in xs]\n"
    dw, dx, db = rule.grads
    return (
        "def vjp(g, out, *xs):\n"
        "    n = len(xs) // 2\n"
        "    pairs = list(zip(xs[:n], xs[n : 2 * n]))\n"
        f"    grads = [{dw} for w, x in pairs]\n"
        f"    grads += [{dx} for w, x in pairs]\n"
        "    if len(xs) % 2:\n"
        "        b = xs[-1]\n"
        f"        grads.append({db})\n"
        "    return grads\n"
    )


def compile_vjp(rule: Rule, helpers: dict[str, Any]) -> Callable[..., Any]:
    """The rule's vjp function; ``helpers`` maps each name in HELPERS to its object."""
    check_formulas(rule)
    namespace = dict(helpers)
    # exec runs source built from the table's own formulas (checked above),
    # never from user input.
    exec(compile(vjp_source(rule), f"<vjp of {rule.name}>", "exec"), namespace)
    vjp: Callable[..., Any] = namespace["vjp"]
    vjp.__qualname__ = f"vjp_{rule.name}"
    return vjp


# --- the fast backward pass ----------------------------------------------------------

# The ops an MLP is made of come first in the dispatch chain: each node pays
# one identity test per op ahead of its own.
HOT = ("dot", "relu", "add", "mul", "tanh", "sigmoid", "sum", "sub", "neg")


def _branch(rule: Rule) -> list[str]:
    """Source lines (indented for the loop body) applying ``rule`` in place."""
    used = set().union(*(names_in(f) for f in rule.grads))
    lines = []
    if "out" in used:
        lines.append("out = node.data")
    for i, param in enumerate(rule.params):
        lines.append(f"{param} = node._ctx[{i}]")
    if rule.shape == "fixed":
        holders = [f"p_{arg}" for arg in rule.args]
        lines.append(f"{', '.join(holders)}{',' if len(holders) == 1 else ''} = parents")
        # Read every value before writing any gradient: a * a has one parent
        # twice, and each use must see the same numbers.
        for arg, holder in zip(rule.args, holders):
            if arg in used:
                lines.append(f"{arg} = {holder}.data")
        for holder, formula in zip(holders, rule.grads):
            lines.append(f"{holder}.grad += {formula}")
    elif rule.shape == "each":
        (formula,) = rule.grads
        lines.append("for p in parents:")
        if "x" in used:
            lines.append("    x = p.data")
        lines.append(f"    p.grad += {formula}")
    else:
        dw, dx, db = rule.grads
        lines += [
            "n = len(parents) // 2",
            "for pw, px in zip(parents[:n], parents[n : 2 * n]):",
            "    w = pw.data",
            "    x = px.data",
            f"    pw.grad += {dw}",
            f"    px.grad += {dx}",
            "if len(parents) % 2:",
        ]
        if "b" in names_in(db):
            lines.append("    b = parents[-1].data")
        lines.append(f"    parents[-1].grad += {db}")
    return [f"        {line}" for line in lines]


def float_pass_source(rules: Iterable[Rule]) -> str:
    """The source of the function ``float_pass(order)`` for these rules."""
    ordered = sorted(rules, key=lambda r: HOT.index(r.name) if r.name in HOT else len(HOT))
    defaults = "".join(f", {_var(r)}={_var(r)}" for r in ordered)
    lines = [
        f"def float_pass(order{defaults}):  # noqa: PLR0912, PLR0915, C901",
        "    for node in reversed(order):",
        "        rule = node._rule",
        "        parents = node._prev",
        "        g = node.grad",
    ]
    for i, rule in enumerate(ordered):
        lines.append(f"        {'if' if i == 0 else 'elif'} rule is {_var(rule)}:  # {rule.name}")
        lines += ["    " + line for line in _branch(rule)]
    lines += [
        "        else:  # a rule added to the table after this module was generated",
        "            local = rule.vjp(g, node.data, *[p.data for p in parents], *node._ctx)",
        "            for p, d in zip(parents, local):",
        "                p.grad += d",
    ]
    return "\n".join(lines) + "\n"


def _var(rule: Rule) -> str:
    return f"R_{rule.name}"


MODULE_HEADER = '''"""The fast backward pass, generated from the derivative table. Do not edit.

Regenerate with ``python -m engine.core.generate`` after changing
:mod:`engine.core.rules`; a test fails while this file differs from what
the table generates.

``float_pass(order)`` runs the chain rule over ``order`` (the non-leaf
nodes, parents first) from the last node back: for each node it finds the
node's rule (the ops an MLP uses are tested first) and adds each parent's
gradient formula, evaluated on floats, straight into the parent's
``.grad``. Each branch is the rule's formulas with the names filled in.

Measured on micrograd's demo step (100 moons points, MLP 2-16-16-1, hinge
loss plus L2), backward only, against a loop that calls each rule's
``vjp`` and adds what it returns: {measurement}
(``python benchmarks/bench_float_pass.py``).
"""

# ruff: noqa: E501
# mypy: ignore-errors
'''

MEASUREMENT = (
    "the loop takes 13.5 ms\nper pass, this pass 4.5 ms: 3.0x faster "
    "(median of 15 per-round ratios)"
)


def float_pass_module(rules: Iterable[Rule]) -> str:
    """The whole text of :mod:`engine.core.float_pass` for these rules."""
    rules = list(rules)
    lines = [
        MODULE_HEADER.replace("{measurement}", MEASUREMENT),
        f"from engine.core.rules import RULES, {', '.join(sorted(HELPERS))}",
        "",
    ]
    lines += [f"{_var(r)} = RULES[{r.name!r}]" for r in rules]
    lines += ["", "", float_pass_source(rules)]
    return "\n".join(lines)


# --- the Value methods ----------------------------------------------------------------

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


def _unary_method(rule: Rule, method: str) -> list[str]:
    return [
        f"def {method}(self) -> Value:",
        f'    """{rule.show((0.0,), ("self",))}, recorded as one node (rule {rule.name!r})."""',
        "    x = self.data",
        *_domain_check(rule, "    "),
        f"    return _node({rule.formula}, (self,), {_const(rule)}, ())",
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
        f"    return _node({rule.formula}, ({first}, {second}), {_const(rule)}, ())",
    ]


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
            f"    return _node(total, parents, {_const(rule)}, ()) if parents else _leaf(0.0)",
        ]
    term = _on_data(rule.formula, ["w", "x"])
    return [
        f"def {function}({_PAIRS_SIGNATURE}) -> Value:",
        f'    """``bias + w1*x1 + ... + wn*xn`` as **one** node (rule {rule.name!r})."""',
        f'    weights, inputs, parents, total = _pairs(ws, xs, bias, "{function}", lift=False)',
        "    try:",
        "        for w, x in zip(weights, inputs):",
        f"            total += {term}",
        "    except (AttributeError, TypeError):  # a number among them: wrap it below",
        "        total = None",
        "    if type(total) is not float:",
        "        # the lists made above: ws and xs may be iterators, read once",
        "        weights, inputs, parents, total = _pairs("
        f'weights, inputs, bias, "{function}", lift=True)',
        "        for w, x in zip(weights, inputs):",
        f"            total += {term}",
        f"    return _node(total, parents, {_const(rule)}, ()) if parents else _leaf(0.0)",
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
