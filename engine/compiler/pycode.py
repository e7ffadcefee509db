"""Generate the compiled step as straight-line Python (with a sample loop).

The generated function reads the parameters' ``.data``, runs the forward
pass (values made once, then the per-sample loop, then the values that
combine the samples), then the backward pass in exactly the order
``loss.backward()`` takes, adds into each parameter's ``.grad`` and returns
the numbers ``fn`` returned. Values are named as
:func:`engine.source.variable_names` names them (a usable label, else
``v<k>``); inside the loop, names are those of the first sample's values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.compiler.formulas import (
    domain_check,
    forward_line,
    gradient_template,
    pass_order,
    roles,
)
from engine.compiler.plan import Plan
from engine.compiler.writer import Writer, names_for
from engine.core import rules as rules_module
from engine.core.codegen import HELPERS
from engine.core.rules import FORWARD_HELPERS, RULES, DomainError
from engine.core.value import Value


@dataclass
class Generated:
    source: str
    function: Callable[..., Any]
    params: list[Value]
    summary: str


def _forward(w: Writer, node: Value, in_loop: bool, out: list[str], indent: str) -> None:
    rule = node._rule
    assert rule is not None
    xs = [w.value(p, in_loop) for p in node._prev]
    check = domain_check(rule, node._ctx, xs)
    if check:
        out.append(indent + check)
    out.append(f"{indent}{w.names[node]} = {forward_line(rule, node._ctx, xs)}")


def _backward(
    w: Writer,
    node: Value,
    in_loop: bool,
    out: list[str],
    indent: str,
    assigned: set[str],
    clean: set[str],
    reads: set[str] | None,
    skip_zero: bool = False,
) -> None:
    """The chain-rule lines for ``node``, in the order backward() runs them.

    With ``skip_zero`` (a dot product in the loop), the lines run only when
    the node's gradient is nonzero or the sample is not known to be finite.
    Skipping is exact: every line adds ``g * (a finite number)``, that is
    +-0.0, to a gradient that is never -0.0, which leaves it unchanged; a
    gradient the node would have started is started at 0.0 instead.
    """
    rule = node._rule
    assert rule is not None
    prev = node._prev
    g = f"grad_{w.names[node]}"
    if skip_zero:
        lines: list[str] = []
        before = set(assigned)
        _backward(w, node, in_loop, lines, indent + "    ", assigned, clean, reads)
        started = [t for t in assigned - before if not t.endswith("]")]
        if not lines:
            return
        out.append(f"{indent}if {g} or not SKIP:  # a dead unit passes on nothing")
        out += lines
        if started:
            out.append(f"{indent}else:")
            out += [f"{indent}    {t} = 0.0" for t in sorted(started, key=_natural_grad)]
        return
    for i in pass_order(rule, len(prev)):
        target = w.grad(prev[i], in_loop)
        if target is None:
            continue
        formula, where = roles(rule, len(prev), i)
        template = gradient_template(rule, node._ctx, formula)
        holes = {"g": g}
        if "{out}" in template:
            holes["out"] = w.value(node, in_loop)
        for name, j in where.items():
            if "{" + name + "}" in template:
                holes[name] = w.value(prev[j], in_loop)
        if reads is not None:
            reads.update(h for k, h in holes.items() if k != "g")
        expression = template.format(**holes)
        parent = prev[i]
        if in_loop and parent._prev and parent not in w.plan.where and target not in assigned:
            # a value made once, used by every sample: its gradient starts
            # before the loop and collects every sample's contribution
            if target not in w.assigned:
                w.assigned.add(target)
                w.loop_inits.append(f"    {target} = 0.0")
            assigned.add(target)
        if target in assigned or target.endswith("]") or parent in w.param_set:
            out.append(f"{indent}{target} += {expression}")
            continue
        # A node's gradient starts at 0.0 in backward(); 0.0 + x differs
        # from x only for x == -0.0, so the addition is kept unless x is
        # known not to be -0.0 (a gradient already started this way).
        assigned.add(target)
        if (expression == g and g in clean) or (
            expression.startswith("0.0 if ") and expression.endswith(f" else {g}") and g in clean
        ):
            out.append(f"{indent}{target} = {expression}")
        elif " if " in expression:
            out.append(f"{indent}{target} = 0.0 + ({expression})")
        else:
            out.append(f"{indent}{target} = 0.0 + {expression}")
        clean.add(target)


def generate(plan: Plan, arg_names: list[str], vector: Any = None) -> Generated:
    """Write and compile the step. ``vector`` (the NumPy backend) replaces
    the sample loop by whole-batch array code; the rest is shared."""
    names = names_for(plan, arg_names)
    w = Writer(plan, names, arg_names)
    root = plan.trace.loss
    root_set = plan.in_root

    # --- backward (written first: it says what the forward loop must keep)
    back_before: list[str] = []
    back_loop: list[str] = []
    back_after: list[str] = []
    assigned = w.assigned
    clean: set[str] = set()
    if root._prev:
        root_grad = f"grad_{names[root]}"
        back_before.append(f"    {root_grad} = 1.0")
        assigned.add(root_grad)
        clean.add(root_grad)
    elif root in w.param_set:
        back_before.append(f"    {w.grad(root, False)} += 1.0")
    before = plan.before_loop()
    after = plan.after_loop()
    for node in reversed(after):
        if node in root_set and node in plan.needs_grad:
            _backward(w, node, False, back_before, "    ", assigned, clean, None)
    reads: set[str] = set()
    if plan.looped and vector is not None:
        back_loop = vector.backward(w)
    elif plan.looped:
        loop_assigned: set[str] = set()
        loop_clean: set[str] = set()
        body: list[str] = []
        # The gradients the values after the loop passed to each sample.
        for t, gname in sorted(w.grad_exits.items()):
            g = f"grad_{names[plan.template[t]]}"
            body.append(f"        {g} = {gname}[k]")
            loop_assigned.add(g)
            loop_clean.add(g)
        for t in reversed(range(len(plan.template))):
            node = plan.template[t]
            if node in root_set and node in plan.needs_grad:
                skip = node._rule is RULES["dot"] and len(node._prev) >= 5
                _backward(w, node, True, body, "        ", loop_assigned, loop_clean, reads, skip)
        back_loop = body
    for node in reversed(before):
        if node in root_set and node in plan.needs_grad:
            _backward(w, node, False, back_after, "    ", assigned, clean, None)

    # --- forward
    fwd_before: list[str] = []
    for node in before:
        _forward(w, node, False, fwd_before, "    ")
    fwd_loop: list[str] = []
    if plan.looped and vector is not None:
        fwd_loop = vector.forward(w)
    elif plan.looped:
        loop_inputs = sorted(
            {p for v in plan.template for p in v._prev if p in w.inputs},
            key=lambda leaf: w.inputs[leaf],
        )
        for leaf in loop_inputs:
            fwd_loop.append(f"        {names[leaf]} = {w.path(leaf, True)}")
        for node in plan.template:
            _forward(w, node, True, fwd_loop, "        ")
    fwd_after: list[str] = []
    for node in after:
        _forward(w, node, False, fwd_after, "    ")
    result = _result_expression(w, plan)

    # --- assemble
    used = w.used_params
    lines = [f"def step({', '.join(arg_names)}):"]
    if plan.params:
        lines.append("    # the parameters' current values")
        lines.append("    PLIST = [p.data for p in PARAMS]")
        lines += _unpack([names[p] for p in plan.params], "PLIST")
    if used:
        lines.append("    # their gradients so far (the step adds to them)")
        lines.append("    GLIST = [p.grad for p in PARAMS_WITH_GRAD]")
        lines += _unpack([f"grad_{names[p]}" for p in used], "GLIST")
    lines.append("")
    lines.append("    # forward pass")
    lines += fwd_before
    saved: list[str] = []
    if vector is not None:
        lines += fwd_loop + vector.exits(w)
    elif plan.looped:
        saved = sorted(reads & {names[v] for v in [*plan.template, *w.inputs]}, key=_natural)
        for _, exit_name in sorted(w.exits.items()):
            lines.append(f"    {exit_name} = []")
        if saved:
            lines.append("    SAVED = []")
        lines.append(f"    for k in range({plan.n}):  # one sample at a time")
        lines += fwd_loop
        for t, exit_name in sorted(w.exits.items()):
            lines.append(f"        {exit_name}.append({names[plan.template[t]]})")
        if saved:
            lines.append(f"        SAVED.append(({', '.join(saved)},))")
    lines += fwd_after
    lines.append("")
    lines.append("    # backward pass, in the order loss.backward() runs it")
    for _, gname in sorted(w.grad_exits.items()):
        lines.append(f"    {gname} = [0.0] * {plan.n}")
    lines += back_before
    lines += w.loop_inits
    if vector is not None:
        lines += back_loop
    elif back_loop:
        skipping = any("not SKIP" in line for line in back_loop)
        if skipping:
            lines.append(_shared_ok(w, reads, saved))
        lines.append(f"    for k in range({plan.n - 1}, -1, -1):  # the samples, last first")
        if saved:
            lines.append("        ROW = SAVED[k]")
            lines.append(f"        {', '.join(saved)}, = ROW")
        if skipping:
            check = "math.isfinite(sum(ROW))" if saved else "True"
            lines.append(f"        SKIP = SHARED_OK and {check}")
        lines += back_loop
    lines += back_after
    if used:
        lines.append("")
        lines.append("    for PARAM, GRAD in zip(PARAMS_WITH_GRAD, (")
        lines += _wrap([f"grad_{names[p]}" for p in used], "        ")
        lines.append("    )):")
        lines.append("        PARAM.grad = GRAD")
    if vector is not None:
        lines += vector.epilogue()
    lines.append(f"    return {result}")
    source = "\n".join(lines) + "\n"

    namespace: dict[str, Any] = {
        name: getattr(rules_module, name) for name in (*HELPERS, *FORWARD_HELPERS)
    }
    namespace["DomainError"] = DomainError
    namespace["PARAMS"] = plan.params
    namespace["PARAMS_WITH_GRAD"] = used
    for rule in RULES.values():
        namespace[f"F_{rule.name}"] = rule.forward
        namespace[f"I_{rule.name}"] = rule.invalid
        namespace[f"R_{rule.name}"] = rule
    namespace["math"] = math
    namespace["NEGATIVE_ZERO"] = _negative_zero
    if vector is not None:
        namespace.update(vector.namespace())
    # The source is built from the rule table's formulas and this graph's
    # names and numbers only, never from user text.
    exec(compile(source, "<compiled step>", "exec"), namespace)
    how = summary(plan) if vector is None else vector.summary()
    return Generated(source, namespace["step"], plan.params, how)


def summary(plan: Plan) -> str:
    """One phrase: how the step was compiled."""
    if plan.looped:
        once = len(plan.outside)
        return (
            f"a loop over {plan.n} samples of {len(plan.template)} nodes, "
            f"{once} node{'s' if once != 1 else ''} outside it"
        )
    why = f" ({plan.why_unrolled})" if plan.why_unrolled else ""
    return f"{len(plan.nodes)} nodes written out{why}"


def _shared_ok(w: Writer, reads: set[str], saved: list[str]) -> str:
    """A test that the values every sample shares are finite, and no
    gradient the loop adds to is -0.0 (see _backward's skip_zero)."""
    if any(text in reads for text in ("NAN", "INF", "(-INF)")):
        return "    SHARED_OK = False  # the graph holds an infinite constant"
    outside = {w.names[v] for v in w.plan.outside}
    shared = sorted((reads - set(saved)) & outside, key=_natural)
    tests = ["math.isfinite(sum(PLIST))" if w.plan.params else "True"]
    if shared:
        tests.append(f"math.isfinite(sum(({', '.join(shared)},)))")
    if w.used_params:
        tests.append("not NEGATIVE_ZERO(GLIST)")
    return f"    SHARED_OK = {' and '.join(tests)}"


def _negative_zero(values: list[float]) -> bool:
    return 0.0 in values and any(v == 0.0 and math.copysign(1.0, v) < 0 for v in values)


def _natural_grad(name: str) -> tuple[int, str]:
    return _natural(name.removeprefix("grad_"))


def _natural(name: str) -> tuple[int, str]:
    m = re.fullmatch(r"v(\d+)", name)
    return (int(m.group(1)), "") if m else (-1, name)


def _wrap(items: list[str], indent: str, width: int = 88) -> list[str]:
    lines: list[str] = []
    current = indent
    for item in items:
        piece = item + ","
        if len(current) + len(piece) + 1 > width and current.strip():
            lines.append(current.rstrip())
            current = indent
        current += piece + " "
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _unpack(targets: list[str], source: str) -> list[str]:
    if len(targets) == 1:
        return [f"    ({targets[0]},) = {source}"]
    return ["    (", *_wrap(targets, "        "), f"    ) = {source}"]


def _result_expression(w: Writer, plan: Plan) -> str:
    def text(item: Any) -> str:
        if isinstance(item, Value):
            return w.value(item, False)
        inner = ", ".join(text(v) for v in item)
        if isinstance(item, tuple):
            return f"({inner}{',' if len(item) == 1 else ''})"
        return f"[{inner}]"

    tr = plan.trace
    if tr.extras or tr.is_tuple:
        return text((tr.loss, *tr.extras))
    return text(tr.loss)
