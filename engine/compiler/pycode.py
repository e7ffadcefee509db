"""Generate the compiled step as straight-line Python (with a sample loop).

The generated function reads the parameters' ``.data``, runs the forward
pass (values made once, then the per-sample loop, then the values that
combine the samples), then the backward pass in exactly the order
``loss.backward()`` takes, adds into each parameter's ``.grad`` and returns
the numbers ``fn`` returned. Values are named as
the drawings and ``explain`` name them (:mod:`engine.teach.names`: a label,
a parameter's path such as ``layers_0_neurons_3_w_1``, ``dot4``, ``relu2``);
inside the loop, names are those of the first sample's values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.compiler.fold import find_chains, fold_backward, fold_forward
from engine.compiler.formulas import (
    domain_check,
    forward_line,
    gradient_template,
    pass_order,
    roles,
)
from engine.compiler.plan import Plan
from engine.compiler.writer import (
    Writer,
    getter,
    names_for,
    natural,
    natural_grad,
    result_expression,
    unpack_lines,
    wrap,
)
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
        out.append(f"{indent}if {g} or not SKIP:  # a zero gradient would pass on only zeros")
        out += lines
        if started:
            out.append(f"{indent}else:")
            out += [f"{indent}    {t} = 0.0" for t in sorted(started, key=natural_grad)]
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
        if w.unpack_here:
            out.append(UNPACK)
            w.unpack_here = False
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


UNPACK = "    <unpack the gradients>"


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
        target = w.grad(root, False)
        back_before += [UNPACK, f"    {target} += 1.0"]
        w.unpack_here = False
    before = plan.before_loop()
    after = plan.after_loop()
    chains = find_chains(plan)
    last_of = {c.last: c for c in chains}
    absorbed = {v for c in chains for v in c.members() if v is not c.last}
    folded_grads = False  # did a folded chain add to GLIST?

    def backward_outside(node: Value, out: list[str]) -> None:
        nonlocal folded_grads
        if node in absorbed or node not in root_set or node not in plan.needs_grad:
            return
        chain = last_of.get(node)
        if chain is None:
            _backward(w, node, False, out, "    ", assigned, clean, None)
        elif not w.locals_live:
            fold_backward(w, chain, out, clean)
            folded_grads = True
        else:  # the gradients are locals by now: write the chain out
            for member in sorted(chain.members(), key=_creation, reverse=True):
                _backward(w, member, False, out, "    ", assigned, clean, None)

    for node in reversed(after):
        backward_outside(node, back_before)
    if not w.locals_live:
        back_before.append(UNPACK)
        w.locals_live = True
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
        backward_outside(node, back_after)

    # --- forward
    def forward_outside(node: Value, out: list[str]) -> None:
        if node in last_of:
            fold_forward(w, last_of[node], out)
        elif node not in absorbed:
            _forward(w, node, False, out, "    ")

    fwd_before: list[str] = []
    for node in before:
        forward_outside(node, fwd_before)
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
        forward_outside(node, fwd_after)
    result = result_expression(w, plan)

    # --- assemble
    used = w.used_params
    lines = [f"def step({', '.join(arg_names)}):"]
    if plan.params:
        lines.append("    # the parameters' current values")
        lines.append("    PLIST = [p.data for p in PARAMS]")
        lines += unpack_lines([names[p] for p in plan.params], "PLIST")
    grad_names = [f"grad_{names[p]}" for p in used]
    unpack: list[str] = []
    if folded_grads:
        lines.append("    # their gradients so far (the step adds to them)")
        lines.append("    GLIST = [p.grad for p in PARAMS]")
        unpack = unpack_lines(grad_names, "USED_OF(GLIST)") if used else []
    elif used:
        lines.append("    # their gradients so far (the step adds to them)")
        lines.append("    GLIST = [p.grad for p in PARAMS_WITH_GRAD]")
        lines += unpack_lines(grad_names, "GLIST")
    back_before = [x for line in back_before for x in (unpack if line == UNPACK else [line])]
    lines.append("")
    lines.append("    # forward pass")
    lines += fwd_before
    saved: list[str] = []
    if vector is not None:
        lines += fwd_loop + vector.exits(w)
    elif plan.looped:
        saved = sorted(reads & {names[v] for v in [*plan.template, *w.inputs]}, key=natural)
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
        target = "INDEX" if folded_grads else "PARAM"
        lines.append(f"    for {target}, GRAD in zip({target}S_WITH_GRAD, (")
        lines += wrap(grad_names, "        ")
        lines.append("    )):")
        lines.append("        GLIST[INDEX] = GRAD" if folded_grads else "        PARAM.grad = GRAD")
    if folded_grads:
        lines.append("    for PARAM, GRAD in zip(PARAMS, GLIST):")
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
    index = {p: i for i, p in enumerate(plan.params)}
    namespace["INDEXS_WITH_GRAD"] = [index[p] for p in used]
    namespace["USED_OF"] = getter([index[p] for p in used])
    namespace.update(w.constants)
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


def _creation(v: Value) -> int:
    return v._seq


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
    shared = sorted((reads - set(saved)) & outside, key=natural)
    tests = ["math.isfinite(sum(PLIST))" if w.plan.params else "True"]
    if shared:
        tests.append(f"math.isfinite(sum(({', '.join(shared)},)))")
    if w.used_params:
        tests.append("not NEGATIVE_ZERO(GLIST)")
    return f"    SHARED_OK = {' and '.join(tests)}"


def _negative_zero(values: list[float]) -> bool:
    return 0.0 in values and any(v == 0.0 and math.copysign(1.0, v) < 0 for v in values)
