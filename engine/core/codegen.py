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
_RESERVED = {
    "node",
    "order",
    "rule",
    "parents",
    "n",
    "p",
    "pw",
    "px",
    "ctx",
    "vjp",
    "local",
    "total",
}


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
HOT = ("add", "mul", "dot", "relu", "tanh", "sigmoid", "sum", "sub", "neg")


def _scales_g(formula: str) -> bool:
    """True for ``g`` and ``g * name`` (either order): zero whenever g is and name is finite."""
    tree = ast.parse(formula, mode="eval").body
    if isinstance(tree, ast.Name):
        return tree.id == "g"
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Mult):
        sides = {type(tree.left), type(tree.right)}
        names = {getattr(tree.left, "id", None), getattr(tree.right, "id", None)}
        return sides == {ast.Name} and "g" in names
    return False


def _zero_skip(rule: Rule) -> list[str]:
    """Lines that skip a many-parent node whose gradient is zero, where that is exact.

    A node behind a ReLU that is off, or a sample whose hinge loss is zero,
    gets ``g == 0``; in micrograd's demo that is most dot products after a
    few steps. When every formula is ``g`` or ``g * data``, each
    contribution is then zero, unless some parent's data is inf or nan
    (``0 * inf`` is nan, as in PyTorch), which the sum of the data shows.
    Adding +-0.0 changes no gradient but -0.0 (to +0.0), so the caller
    passes ``skip_zero=False`` when some leaf's gradient is -0.0; then
    skipping leaves every leaf's ``.grad`` bit for bit as adding the zeros
    would. (Inside the graph only a ``.grad`` set to -0.0 by hand, and not
    reset by the pass, could keep its sign where it would have lost it.)
    """
    if rule.shape == "fixed" or not all(_scales_g(f) for f in rule.grads):
        return []
    used = set().union(*(names_in(f) for f in rule.grads)) - {"g"}
    if not used:  # every contribution is g itself
        return ["if g == 0.0 and skip_zero:", "    continue"]
    return [
        "if g == 0.0 and skip_zero:",
        "    total = sum(map(_data_of, parents))  # inf or nan if any of them is",
        "    if total - total == 0.0:",
        "        continue",
    ]


def _branch(rule: Rule) -> list[str]:
    """Source lines (indented for the loop body) applying ``rule`` in place."""
    used = set().union(*(names_in(f) for f in rule.grads))
    lines = _zero_skip(rule)
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
    """The source of the function ``float_pass(order, skip_zero)`` for these rules."""
    ordered = sorted(rules, key=lambda r: HOT.index(r.name) if r.name in HOT else len(HOT))
    defaults = "".join(f", {_var(r)}={_var(r)}" for r in ordered)
    lines = [
        f"def float_pass(order, skip_zero=True{defaults}):  # noqa: PLR0912, PLR0915, C901",
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

``float_pass(order, skip_zero)`` runs the chain rule over ``order`` (the
non-leaf nodes, parents first) from the last node back: for each node it
finds the node's rule (the ops an MLP uses are tested first) and adds each
parent's gradient formula, evaluated on floats, straight into the parent's
``.grad``. Each branch is the rule's formulas with the names filled in.
With ``skip_zero`` a sum or dot product whose gradient is zero, and whose
parents' data are finite, is skipped: it would add only zeros.

Measured on micrograd's demo step (100 moons points, MLP 2-16-16-1, hinge
loss plus L2), backward only, against a loop that calls each rule's
``vjp`` and adds what it returns: {measurement}
(``python benchmarks/bench_float_pass.py``).
"""

# ruff: noqa: E501
# mypy: ignore-errors
'''

MEASUREMENT = (
    "the loop takes 12.8 ms\nper pass, this pass 4.0 ms: 3.2x faster "
    "(median of 15 per-round ratios; the pass\nwith its zero skip off, as the loop has none)"
)


def float_pass_module(rules: Iterable[Rule]) -> str:
    """The whole text of :mod:`engine.core.float_pass` for these rules."""
    rules = list(rules)
    lines = [
        MODULE_HEADER.replace("{measurement}", MEASUREMENT),
        "from operator import attrgetter",
        "",
        f"from engine.core.rules import RULES, {', '.join(sorted(HELPERS))}",
        "",
        '_data_of = attrgetter("data")',
    ]
    lines += [f"{_var(r)} = RULES[{r.name!r}]" for r in rules]
    lines += ["", "", float_pass_source(rules)]
    return "\n".join(lines)
