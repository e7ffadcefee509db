"""Finding the per-sample subgraph that a traced step repeats.

A batch step like micrograd's demo builds the same subgraph once per sample
(the model's forward pass and the sample's loss term), then combines the
samples' results. Generated code can run that subgraph in a ``for`` loop
instead of writing it out a hundred times, which keeps compiling fast.

How samples are found: list arguments of equal length ``N`` (the first list
argument sets ``N``) are *batched*; their item ``k`` belongs to sample
``k``. Every value is tagged with the one sample it depends on, or with
"none" (it depends on parameters and constants only) or "many". Each value
of one sample also gets a structural key: its op, its constant parameters and
its parents' keys, where a parent is named by what it is (this parameter,
this constant, item ``[j]`` of the sample's part of argument ``a``, or the
same-keyed value of the sample). Keys found in every sample form the
*template*, the loop body; everything else is written out once.

Gradients must come out bit for bit as ``loss.backward()`` makes them, so
every gradient must receive its contributions in the same order. The
backward pass visits nodes newest first; the loop visits samples from the
last to the first, each newest first. The orders agree when (a) each
sample's template nodes were made in the template's order, (b) the samples'
nodes that use shared values (parameters, values made once) were made one
sample after another, and (c) no node outside the template was made while
the samples' nodes were being made. Steps written as a list of per-sample
results, then a reduction, meet all three; when one fails, the plan falls
back to writing every node out (slower to compile, still exact).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.compiler.args import Shape
from engine.compiler.trace import CompileError, Trace, outputs_of
from engine.core.value import CONSTANT, Value

NONE = -1  # depends on no sample
MANY = -2  # depends on several samples


@dataclass
class Plan:
    """The graph of one trace, split into a loop body and the rest."""

    trace: Trace
    nodes: list[Value]  # every non-leaf node, in creation order
    params: list[Value]  # leaves that are neither arguments nor constants
    in_root: set[Value]  # the nodes the loss depends on (leaves included)
    needs_grad: set[Value]  # nodes that depend on a parameter
    n: int = 0  # samples in the loop; 0 when there is no loop
    batched: frozenset[int] = frozenset()  # argument numbers that are batched
    template: list[Value] = field(default_factory=list)  # sample 0's loop nodes
    instances: list[list[Value]] = field(default_factory=list)  # [sample][position]
    where: dict[Value, tuple[int, int]] = field(default_factory=dict)  # node -> (k, t)
    outside: list[Value] = field(default_factory=list)  # nodes not in the loop
    why_unrolled: str = ""

    @property
    def looped(self) -> bool:
        return bool(self.template)

    def before_loop(self) -> list[Value]:
        """Outside nodes made before the samples' nodes (or all, without a loop)."""
        if not self.looped:
            return self.outside
        first = min(inst[0]._seq for inst in self.instances)
        return [v for v in self.outside if v._seq < first]

    def after_loop(self) -> list[Value]:
        if not self.looped:
            return []
        first = min(inst[0]._seq for inst in self.instances)
        return [v for v in self.outside if v._seq > first]


def _outputs(tr: Trace) -> list[Value]:
    return [tr.loss, *(v for item in tr.extras for v in outputs_of(item, "an output"))]


def _collect(roots: Iterable[Value], seen: set[Value], nodes: list[Value]) -> None:
    stack = [r for r in roots if r not in seen]
    seen.update(stack)
    push, pop, add = stack.append, stack.pop, seen.add
    while stack:
        v = pop()
        prev = v._prev
        if prev:
            nodes.append(v)
            for p in prev:
                if p not in seen:
                    add(p)
                    push(p)


def batch_size(shapes: tuple[Shape, ...]) -> tuple[int, frozenset[int]]:
    """``N`` and the batched argument numbers (``N`` = 0 when there are none)."""
    lists = [len(s) for s in shapes if s is not None]
    if not lists or lists[0] < 2:
        return 0, frozenset()
    n = lists[0]
    return n, frozenset(i for i, s in enumerate(shapes) if s is not None and len(s) == n)


def make_plan(tr: Trace, shapes: tuple[Shape, ...], loop: bool = True) -> Plan:
    in_root: set[Value] = set()
    nodes: list[Value] = []
    _collect([tr.loss], in_root, nodes)
    seen = set(in_root)
    _collect(_outputs(tr), seen, nodes)
    nodes.sort(key=_seq)
    if nodes and nodes[0]._seq < tr.first_seq:
        raise CompileError(
            "compile(fn): fn's result depends on a value computed before the step was "
            "called (a node made outside fn). The compiled step would recompute it "
            "from the current parameters; compute it inside fn instead."
        )
    n, batched = batch_size(shapes) if loop else (0, frozenset())
    plan = Plan(tr, nodes, [], in_root, set(), n, batched)
    tags, keys = _tag(plan)
    if n:
        _find_template(plan, tags, keys)
    in_loop = plan.where
    plan.outside = [v for v in nodes if v not in in_loop]
    return plan


def _seq(v: Value) -> int:
    return v._seq


def _tag(plan: Plan) -> tuple[dict[Value, int], dict[Value, Any]]:
    """Each value's sample (or NONE/MANY), its structural key, and the parameters."""
    inputs = plan.trace.inputs
    batched = plan.batched
    tags: dict[Value, int] = {}
    keys: dict[Value, Any] = {}
    needs = plan.needs_grad
    params = plan.params
    intern: dict[Any, int] = {}
    occurrences: list[dict[int, int]] = [{} for _ in range(plan.n)]

    def leaf(p: Value) -> None:
        path = inputs.get(p)
        if path is not None:
            if path[0] in batched:
                tags[p] = path[1]
                keys[p] = intern.setdefault(("arg", path[0], path[2:]), len(intern))
            else:
                tags[p] = NONE
                keys[p] = intern.setdefault(("shared", path), len(intern))
        elif p._seq == CONSTANT:
            tags[p] = NONE
            keys[p] = intern.setdefault(("const", p.data.hex()), len(intern))
        else:
            tags[p] = NONE
            keys[p] = intern.setdefault(("param", len(params)), len(intern))
            params.append(p)
            needs.add(p)

    for v in _outputs(plan.trace):
        if not v._prev and v not in tags:
            leaf(v)
    for node in plan.nodes:
        prev = node._prev
        try:
            ptags = [tags[p] for p in prev]
        except KeyError:
            for p in prev:
                if p not in tags:
                    leaf(p)
            ptags = [tags[p] for p in prev]
        distinct = set(ptags)
        distinct.discard(NONE)
        if not distinct:
            tag = NONE
        elif len(distinct) == 1:
            (tag,) = distinct
        else:
            tag = MANY
        tags[node] = tag
        if not needs.isdisjoint(prev):
            needs.add(node)
        if tag >= 0:
            base = intern.setdefault(
                (id(node._rule), node._ctx, *[keys[p] for p in prev]), len(intern)
            )
            seen = occurrences[tag]
            count = seen.get(base, 0)
            seen[base] = count + 1
            keys[node] = base if not count else intern.setdefault((base, count), len(intern))
        elif tag == NONE:
            keys[node] = intern.setdefault(("once", node._seq), len(intern))
    return tags, keys


def _find_template(plan: Plan, tags: dict[Value, int], keys: dict[Value, Any]) -> None:
    n = plan.n
    by_sample: list[list[Value]] = [[] for _ in range(n)]
    for node in plan.nodes:
        tag = tags[node]
        if tag >= 0:
            by_sample[tag].append(node)
    counts: Counter[Any] = Counter(keys[v] for sample in by_sample for v in sample)
    common = {key for key, c in counts.items() if c == n}
    template_keys = [keys[v] for v in by_sample[0] if keys[v] in common]
    # The loss itself is never part of the loop (it is the seed of the
    # backward pass); nor is anything made from it.
    root = plan.trace.loss
    if root._prev and tags[root] >= 0 and keys[root] in common:
        dropped = {keys[root]}
        for v in by_sample[0]:
            if keys[v] in common and any(keys.get(p) in dropped for p in v._prev if p._prev):
                dropped.add(keys[v])
        template_keys = [k for k in template_keys if k not in dropped]
        common -= dropped
    if not template_keys:
        plan.why_unrolled = "no subgraph repeats in every sample"
        return
    position = {key: t for t, key in enumerate(template_keys)}
    instances = []
    for sample in by_sample:
        row: list[Value] = [None] * len(position)  # type: ignore[list-item]
        for v in sample:
            t = position.get(keys[v])
            if t is not None:
                row[t] = v
        instances.append(row)
    reason = _order_problem(plan, instances, tags, root_nodes=plan.in_root)
    if reason:
        plan.why_unrolled = reason
        return
    plan.template = instances[0]
    plan.instances = instances
    plan.where = {v: (k, t) for k, row in enumerate(instances) for t, v in enumerate(row)}


def _order_problem(
    plan: Plan, instances: list[list[Value]], tags: dict[Value, int], root_nodes: set[Value]
) -> str:
    """Why a loop would add gradients in another order than backward(), or ''."""
    # (a) each sample made its loop nodes in the template's order
    for row in instances:
        seqs = [v._seq for v in row]
        if any(a >= b for a, b in itertools.pairwise(seqs)):
            return "the samples' subgraphs were built in different orders"
    # (b) the nodes that use shared values were made sample after sample
    template = instances[0]
    shared_users = [
        t
        for t, v in enumerate(template)
        if any(tags[p] == NONE and p._seq != CONSTANT for p in v._prev)
    ]
    if shared_users:
        spans = [
            (min(row[t]._seq for t in shared_users), max(row[t]._seq for t in shared_users))
            for row in instances
        ]
        if any(spans[k][1] >= spans[k + 1][0] for k in range(len(spans) - 1)):
            return "the samples' subgraphs were built interleaved"
    # (c) nothing else was made while the samples' nodes were being made
    low = min(row[0]._seq for row in instances)
    high = max(row[-1]._seq for row in instances)
    members = {v for row in instances for v in row}
    for v in plan.nodes:
        if low < v._seq < high and v not in members:
            return "other values were built in between the samples' subgraphs"
    # the loss must depend on each loop node in every sample or in none
    for t in range(len(template)):
        inside = {row[t] in root_nodes for row in instances}
        if len(inside) > 1:
            return "the loss uses some samples' values and not others'"
    return ""
