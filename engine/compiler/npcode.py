"""The NumPy backend: the per-sample loop as whole-batch array code.

Each value of the per-sample subgraph becomes an array over the batch. The
neurons of a layer (dot products with parameter weights over the same
inputs) are fused into one matrix product, and an activation applied to
every neuron of a layer into one array op. Values outside the loop (the
reduction over samples, a weight penalty) stay scalar Python, shared with
the Python backend. Results agree with the eager engine to about 1e-12
relative (the sums are added in another order), not bit for bit.

Graphs the backend cannot vectorise (no per-sample loop, or an op without
an array form here) fall back to the Python backend; ``repr(step)`` says so.
"""

from __future__ import annotations

from typing import Any

from engine.compiler.arrays import (
    CHECKS,
    FORWARD,
    GRADS,
    UNARY,
    pow_invalid,
    require_numpy,
    sigmoid,
)
from engine.compiler.formulas import literal
from engine.compiler.plan import Plan
from engine.compiler.pycode import Generated, generate
from engine.core.rules import RULES, DomainError
from engine.core.value import CONSTANT, Value


def generate_numpy(plan: Plan, arg_names: list[str]) -> Generated:
    reason = _cannot_vectorise(plan)
    if reason:
        generated = generate(plan, arg_names)
        generated.summary = f"the Python backend: NumPy could not vectorise it ({reason})"
        return generated
    return generate(plan, arg_names, _Vector(plan))


def _cannot_vectorise(plan: Plan) -> str:
    if not plan.looped:
        return plan.why_unrolled or "no per-sample loop"
    for node in plan.template:
        rule = node._rule
        assert rule is not None
        if rule.name not in FORWARD and rule.name not in ("sum", "dot"):
            return f"no array form of {rule.name!r}"
        if rule.name == "pow_const" and node._ctx[0] == 0:
            return "x ** 0"
    for leaf in plan.trace.inputs:
        path = plan.trace.inputs[leaf]
        if path[0] in plan.batched and len(path) > 3:
            return "arguments nested deeper than a list of lists"
    return ""


class _Vector:
    """Writes the template's forward and backward pass as array code."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.n = plan.n
        self.pindex = {p: i for i, p in enumerate(plan.params)}
        self.loc: dict[int, str] = {}  # position -> array text
        self.block_of: dict[int, tuple[int, int]] = {}  # position -> (block, column)
        self.blocks: list[list[int]] = []  # block -> positions
        self.constants: dict[str, Any] = {}
        self.steps: list[tuple[str, Any]] = []  # ('dot', group), ('map', ...), ('one', t)
        self.template_params: set[int] = set()
        self._forward_lines: list[str] | None = None
        self._group()

    # --- planning ---------------------------------------------------------------
    def _position(self, v: Value) -> int | None:
        spot = self.plan.where.get(v)
        return None if spot is None else spot[1]

    def _is_param(self, v: Value) -> bool:
        return v in self.pindex

    def _group(self) -> None:
        template = self.plan.template
        key: Any
        dots: dict[Any, list[int]] = {}
        maps: dict[Any, list[int]] = {}
        member: dict[int, tuple[str, Any]] = {}
        for t, node in enumerate(template):
            rule = node._rule
            assert rule is not None
            prev = node._prev
            if rule.name == "dot" and len(prev) >= 2:
                half = len(prev) // 2
                ws, xs, bias = prev[:half], prev[half : 2 * half], prev[2 * half :]
                if all(self._is_param(w) for w in (*ws, *bias)) and not any(
                    self._is_param(x) for x in xs
                ):
                    key = ("dot", tuple(id(x) for x in xs), bool(bias))
                    dots.setdefault(key, []).append(t)
                    member[t] = ("dot", key)
                    continue
            if rule.name in UNARY:
                parent = self._position(prev[0])
                if parent is not None and parent in member and member[parent][0] == "dot":
                    key = ("map", rule.name, node._ctx, member[parent][1])
                    maps.setdefault(key, []).append(t)
                    member[t] = ("map", key)
                    continue
            member[t] = ("one", t)
        emitted: set[Any] = set()
        for t in range(len(template)):
            kind, key = member[t]
            if kind == "one":
                self.steps.append(("one", t))
            elif key not in emitted:
                emitted.add(key)
                self.steps.append((kind, dots[key] if kind == "dot" else maps[key]))

    # --- texts --------------------------------------------------------------------
    def value(self, v: Value, w: Any) -> str:
        t = self._position(v)
        if t is not None:
            return self.loc[t]
        path = self.plan.trace.inputs.get(v)
        if path is not None and path[0] in self.plan.batched:
            return f"XA{path[0]}" + (f"[:, {path[2]}]" if len(path) > 2 else "")
        if not v._prev and v._seq == CONSTANT:
            return literal(v.data)
        return str(w.value(v, False))

    def _matrix(self, xs: tuple[Value, ...], w: Any) -> str:
        spots = [self._position(x) for x in xs]
        if all(s is not None and s in self.block_of for s in spots):
            pairs = [self.block_of[s] for s in spots if s is not None]
            block = pairs[0][0]
            if pairs == [(block, j) for j in range(len(self.blocks[block]))]:
                return f"B{block}"
        paths = [self.plan.trace.inputs.get(x, ()) for x in xs]
        if all(len(p) == 3 and p[0] in self.plan.batched for p in paths):
            arg = paths[0][0]
            if paths == [(arg, p[1], j) for j, p in enumerate(paths)]:
                return f"XA{arg}"
        columns = ", ".join(f"np.broadcast_to({self.value(x, w)}, ({self.n},))" for x in xs)
        return f"np.stack([{columns}], axis=1)"

    def _new_block(self, positions: list[int]) -> int:
        b = len(self.blocks)
        self.blocks.append(positions)
        for j, t in enumerate(positions):
            self.block_of[t] = (b, j)
            self.loc[t] = f"B{b}[:, {j}]"
        return b

    def _index(self, values: list[list[int]] | list[int], name: str) -> str:
        np = require_numpy()
        self.constants[name] = np.array(values, dtype=np.intp)
        return name

    # --- forward --------------------------------------------------------------------
    def forward(self, w: Any) -> list[str]:
        if self._forward_lines is None:
            self._forward_lines = self._write_forward(w)
        return self._forward_lines

    def _write_forward(self, w: Any) -> list[str]:
        plan = self.plan
        lines = ["    PD = np.array(PLIST)"]
        for a in sorted(plan.batched):
            lines.append(f"    XA{a} = np.array({w.args[a]}, dtype=float)")
        self.loc = {}
        for kind, item in self.steps:
            if kind == "one":
                lines += self._forward_one(item, w)
            elif kind == "dot":
                lines += self._forward_dot(item, w)
            else:
                lines += self._forward_map(item, w)
        return lines

    def _forward_one(self, t: int, w: Any) -> list[str]:
        node = self.plan.template[t]
        rule = node._rule
        assert rule is not None
        xs = [self.value(p, w) for p in node._prev]
        self.loc[t] = f"V{t}"
        if rule.name == "sum":
            return [f"    V{t} = " + " + ".join(["0.0", *xs])]
        if rule.name == "dot":
            half = len(xs) // 2
            terms = [f"{a} * {b}" for a, b in zip(xs[:half], xs[half : 2 * half])]
            start = xs[-1] if len(xs) % 2 else "0.0"
            return [f"    V{t} = " + " + ".join([start, *terms])]
        names = dict(zip(("x",) if rule.arity == 1 else rule.args, xs))
        names.update({p: literal(float(c)) for p, c in zip(rule.params, node._ctx)})
        lines = []
        if rule.name in CHECKS:
            check = CHECKS[rule.name].format(**names)
            args = ", ".join(xs)
            lines.append(f"    if {check}: raise DomainError(R_{rule.name}, ({args},))")
        lines.append(f"    V{t} = {FORWARD[rule.name].format(**names)}")
        return lines

    def _forward_dot(self, group: list[int], w: Any) -> list[str]:
        first = self.plan.template[group[0]]
        half = len(first._prev) // 2
        xs = first._prev[half : 2 * half]
        x_in = self._matrix(xs, w)
        b = len(self.blocks)
        rows = [[self.pindex[p] for p in self.plan.template[t]._prev[:half]] for t in group]
        weights = self._index(rows, f"WIDX{b}")
        self.template_params.update(i for row in rows for i in row)
        lines = [f"    W{b} = PD[{weights}]", f"    XIN{b} = {x_in}"]
        product = f"XIN{b} @ W{b}.T"
        if len(first._prev) % 2:
            biases = [self.pindex[self.plan.template[t]._prev[-1]] for t in group]
            self.template_params.update(biases)
            product += f" + PD[{self._index(biases, f'BIDX{b}')}]"
        lines.append(f"    B{b} = {product}")
        self._new_block(group)
        return lines

    def _forward_map(self, group: list[int], w: Any) -> list[str]:
        template = self.plan.template
        first = template[group[0]]
        rule = first._rule
        assert rule is not None
        parent, cols = self._source_block(group)
        source = f"B{parent}" if cols is None else f"B{parent}[:, {cols}]"
        names = {"x": source}
        names.update({p: literal(float(c)) for p, c in zip(rule.params, first._ctx)})
        lines = []
        if rule.name in CHECKS:
            check = CHECKS[rule.name].format(**names)
            lines.append(f"    if {check}: raise DomainError(R_{rule.name}, ({source}.min(),))")
        b = len(self.blocks)
        lines.append(f"    B{b} = {FORWARD[rule.name].format(**names)}")
        self._new_block(group)
        return lines

    def _source_block(self, group: list[int]) -> tuple[int, str | None]:
        spots = [self.block_of[self._position(self.plan.template[t]._prev[0])] for t in group]  # type: ignore[index]
        parent = spots[0][0]
        cols = [j for _, j in spots]
        if cols == list(range(len(self.blocks[parent]))):
            return parent, None
        return parent, self._index(cols, f"COLS{len(self.blocks)}")

    def exits(self, w: Any) -> list[str]:
        return [f"    {name} = ({self.loc[t]}).tolist()" for t, name in sorted(w.exits.items())]

    # --- backward -------------------------------------------------------------------
    def backward(self, w: Any) -> list[str]:
        # The forward pass fixes where every value lives; run it first.
        self.forward(w)
        plan = self.plan
        needs = plan.needs_grad
        self.wanted = {t for t, v in enumerate(plan.template) if v in needs and v in plan.in_root}
        lines = ["    GP = np.zeros(len(PLIST))"]
        for b, positions in enumerate(self.blocks):
            if any(t in self.wanted for t in positions):
                lines.append(f"    GB{b} = np.zeros(({self.n}, {len(positions)}))")
        self.started: set[int] = set()
        for t, gname in sorted(w.grad_exits.items()):
            lines.append(self._add(t, f"np.array({gname})"))
        for kind, item in reversed(self.steps):
            if kind == "one":
                if item in self.wanted:
                    lines += self._backward_one(item, w)
            elif kind == "dot":
                if any(t in self.wanted for t in item):
                    lines += self._backward_dot(item, w)
            elif any(t in self.wanted for t in item):
                lines += self._backward_map(item, w)
        return lines

    def _add(self, t: int, expression: str) -> str:
        spot = self.block_of.get(t)
        if spot is not None:
            return f"    GB{spot[0]}[:, {spot[1]}] += {expression}"
        if t in self.started:
            return f"    GV{t} += {expression}"
        self.started.add(t)
        if expression.isidentifier() or expression.endswith("]"):
            expression += ".copy()"  # a view or another gradient: never share it
        return f"    GV{t} = {expression}"

    def _grad_of(self, t: int) -> str:
        spot = self.block_of.get(t)
        return f"GB{spot[0]}[:, {spot[1]}]" if spot is not None else f"GV{t}"

    def _to_parent(self, parent: Value, expression: str, w: Any) -> list[str]:
        t = self._position(parent)
        if t is not None:
            return [self._add(t, expression)] if t in self.wanted else []
        if parent in self.pindex:
            return [f"    GP[{self.pindex[parent]}] += ({expression}).sum()"]
        if parent._prev and parent in self.plan.needs_grad:
            target = w.grad(parent, False)
            if target not in w.assigned:
                w.assigned.add(target)
                w.loop_inits.append(f"    {target} = 0.0")
            return [f"    {target} += float(({expression}).sum())"]
        return []

    def _backward_one(self, t: int, w: Any) -> list[str]:
        node = self.plan.template[t]
        rule = node._rule
        assert rule is not None
        prev = node._prev
        g = self._grad_of(t)
        xs = [self.value(p, w) for p in prev]
        lines: list[str] = []
        if rule.name == "sum":
            for p in prev:
                lines += self._to_parent(p, g, w)
            return lines
        if rule.name == "dot":
            half = len(prev) // 2
            for i in range(half):
                lines += self._to_parent(prev[i], f"{g} * {xs[i + half]}", w)
                lines += self._to_parent(prev[i + half], f"{g} * {xs[i]}", w)
            if len(prev) % 2:
                lines += self._to_parent(prev[-1], g, w)
            return lines
        names = dict(zip(("x",) if rule.arity == 1 else rule.args, xs))
        names.update({p: literal(float(c)) for p, c in zip(rule.params, node._ctx)})
        names.update(g=g, out=self.loc[t])
        for p, formula in zip(prev, GRADS[rule.name]):
            lines += self._to_parent(p, formula.format(**names), w)
        return lines

    def _backward_dot(self, group: list[int], w: Any) -> list[str]:
        b = self.block_of[group[0]][0]
        first = self.plan.template[group[0]]
        half = len(first._prev) // 2
        rows = self.constants[f"WIDX{b}"]
        unique = len(set(rows.ravel().tolist())) == rows.size
        add = f"GP[WIDX{b}] += " if unique else f"np.add.at(GP, WIDX{b}, "
        close = "" if unique else ")"
        lines = [f"    {add}GB{b}.T @ XIN{b}{close}"]
        if len(first._prev) % 2:
            lines.append(f"    np.add.at(GP, BIDX{b}, GB{b}.sum(axis=0))")
        xs = first._prev[half : 2 * half]
        targets = [x for x in xs if self._position(x) in self.wanted or x in self.pindex]
        wanted_outside = [x for x in xs if x._prev and x in self.plan.needs_grad]
        if targets or wanted_outside:
            lines.append(f"    GX{b} = GB{b} @ W{b}")
            if self._matrix(xs, w).startswith("B") and all(
                self._position(x) in self.wanted for x in xs
            ):
                lines.append(f"    G{self._matrix(xs, w)} += GX{b}")
            else:
                for j, x in enumerate(xs):
                    lines += self._to_parent(x, f"GX{b}[:, {j}]", w)
        return lines

    def _backward_map(self, group: list[int], w: Any) -> list[str]:
        first = self.plan.template[group[0]]
        rule = first._rule
        assert rule is not None
        b = self.block_of[group[0]][0]
        parent, cols = self._source_block(group)
        source = f"B{parent}" if cols is None else f"B{parent}[:, {cols}]"
        names = {"x": source, "g": f"GB{b}", "out": f"B{b}"}
        names.update({p: literal(float(c)) for p, c in zip(rule.params, first._ctx)})
        expression = GRADS[rule.name][0].format(**names)
        if not any(self.plan.template[t]._prev[0] in self.plan.needs_grad for t in group):
            return []
        if cols is None:
            return [f"    GB{parent} += {expression}"]
        return [f"    np.add.at(GB{parent}, (slice(None), {cols}), {expression})"]

    # --- the rest -------------------------------------------------------------------
    def epilogue(self) -> list[str]:
        return [
            "    for PARAM, EXTRA in zip(PARAMS, GP.tolist()):",
            "        if EXTRA:",
            "            PARAM.grad += EXTRA",
        ]

    def namespace(self) -> dict[str, Any]:
        np = require_numpy()
        space: dict[str, Any] = {"np": np, "SIGMOID": sigmoid, "POW_INVALID": pow_invalid}
        space["DomainError"] = DomainError
        space.update({f"R_{r.name}": r for r in RULES.values()})
        space.update(self.constants)
        return space

    def summary(self) -> str:
        fused = sum(1 for kind, _ in self.steps if kind == "dot")
        return (
            f"NumPy over a batch of {self.n}: {len(self.plan.template)} values per sample, "
            f"{fused} fused layer{'s' if fused != 1 else ''}, "
            f"{len(self.plan.outside)} values outside"
        )
