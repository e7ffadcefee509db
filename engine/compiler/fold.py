"""Folding a long sum over the parameters into a loop.

micrograd's demo adds its weight penalty with the built-in ``sum``:
``sum(p * p for p in model.parameters())`` makes, for every parameter, a
term ``t = p * p`` and a link ``c = c_prev + t``: hundreds of nodes
outside the per-sample loop, each of which would be a line of forward and
a few lines of backward code (slow to compile, long to read). Such a
*chain* is written as one loop instead, over the parameters' indices.

A chain qualifies when its links are ``add(previous link, term)`` (the
first one ``add(constant, term)``), each term and each link but the last
is used by the next link only, every term is the same op on parameters
and constants in the same pattern, its gradient formulas do not read the
term's own value, and the op is defined everywhere. The loop then does
exactly what the nodes did: the forward pass adds the terms in the same
order, and the backward pass hands every term the last link's gradient
(which ``0.0 + g`` leaves unchanged down the chain) and adds each term's
contributions to the parameters' gradients, last term first, as
``backward()`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.compiler.formulas import forward_line, gradient_template, literal, pass_order, roles
from engine.compiler.plan import Plan
from engine.compiler.writer import Writer
from engine.core.rules import RULES
from engine.core.value import CONSTANT, Value

MIN_TERMS = 16  # shorter chains are written out

Slot = int | tuple[str, str]  # parameter number k, or ('constant', its float.hex())


@dataclass
class Chain:
    links: list[Value]  # c_1 .. c_m; c_m is the only one used elsewhere
    terms: list[Value]  # t_1 .. t_m
    slots: tuple[Slot, ...]  # per parent of a term: a parameter number k, or a constant
    indices: list[tuple[int, ...]]  # per term: the parameter index of each number k

    @property
    def last(self) -> Value:
        return self.links[-1]

    def members(self) -> list[Value]:
        return [*self.terms, *self.links]


def _uses(plan: Plan) -> dict[Value, int]:
    """How often each node outside the loop is used (by any node or as an output)."""
    counts: dict[Value, int] = {}
    users = [*plan.outside, *(plan.template if plan.looped else [])]
    for v in users:
        for p in v._prev:
            counts[p] = counts.get(p, 0) + 1
    tr = plan.trace
    for v in [tr.loss, *_flat(tr.extras)]:
        counts[v] = counts.get(v, 0) + 1
    return counts


def _flat(items: list[object]) -> list[Value]:
    out: list[Value] = []
    for item in items:
        if isinstance(item, Value):
            out.append(item)
        elif isinstance(item, (list, tuple)):
            out += _flat(list(item))
    return out


def _pattern(
    term: Value, param_index: dict[Value, int]
) -> tuple[tuple[object, ...], tuple[int, ...]] | None:
    """The term's shape (which parents are which parameter, which constants)."""
    rule = term._rule
    if rule is None or rule.invalid is not None or not term._prev:
        return None
    for i in range(len(term._prev)):
        formula, _ = roles(rule, len(term._prev), i)
        if "{out}" in gradient_template(rule, term._ctx, formula):
            return None
    slots: list[Slot] = []
    indices: list[int] = []
    for p in term._prev:
        if p._prev:
            return None
        if p._seq == CONSTANT:
            slots.append(("constant", p.data.hex()))
        elif p in param_index:
            index = param_index[p]
            if index not in indices:
                indices.append(index)
            slots.append(indices.index(index))
        else:
            return None
    return (rule.name, term._ctx, *slots), tuple(indices)


def find_chains(plan: Plan) -> list[Chain]:
    add = RULES["add"]
    uses = _uses(plan)
    param_index = {p: i for i, p in enumerate(plan.params)}
    position = {v: i for i, v in enumerate(plan.outside)}
    chains: list[Chain] = []
    current: Chain | None = None
    shape: tuple[object, ...] | None = None
    for v in plan.outside:
        if v._rule is not add or len(v._prev) != 2:
            continue
        first, term = v._prev
        found = _pattern(term, param_index) if uses.get(term) == 1 else None
        if found is None or term not in position:
            current = None
            continue
        term_shape, indices = found
        if current is not None and first is current.last and term_shape == shape:
            current.links.append(v)
            current.terms.append(term)
            current.indices.append(indices)
            continue
        if not first._prev and first._seq == CONSTANT:
            current = Chain([v], [term], term_shape[2:], [indices])  # type: ignore[arg-type]
            shape = term_shape
            chains.append(current)
        else:
            current = None
    return [c for c in chains if len(c.links) >= MIN_TERMS and _closed(c, uses, position)]


def _closed(chain: Chain, uses: dict[Value, int], position: dict[Value, int]) -> bool:
    """Only the last link is used outside the chain, and the chain's nodes
    were made one after another (nothing else in between)."""
    if any(uses.get(c) != 1 for c in chain.links[:-1]):
        return False
    places = sorted(position[v] for v in chain.members())
    return places == list(range(places[0], places[0] + len(places)))


# --- writing a chain as a loop ---------------------------------------------------------


def _term(chain: Chain, index_texts: list[str]) -> tuple[str, list[str]]:
    """A term's forward text and its parents' texts, parameters read from PLIST."""
    term = chain.terms[0]
    rule = term._rule
    assert rule is not None
    texts = [
        literal(float.fromhex(slot[1])) if isinstance(slot, tuple) else index_texts[slot]
        for slot in chain.slots
    ]
    return forward_line(rule, term._ctx, texts), texts


def _loop_variables(chain: Chain) -> list[str]:
    return [f"i{k}" for k in range(len(chain.indices[0]))]


def _table(w: Writer, rows: list[tuple[int, ...]]) -> tuple[str, Any]:
    name = f"FOLD{len(w.constants)}"
    single = len(rows[0]) == 1
    w.constants[name] = [row[0] for row in rows] if single else rows
    return name, single


def fold_forward(w: Writer, chain: Chain, out: list[str]) -> None:
    add = chain.last._rule
    assert add is not None
    name = w.names[chain.last]
    variables = _loop_variables(chain)
    first, _ = _term(chain, [f"PLIST[{i}]" for i in chain.indices[0]])
    start = literal(chain.links[0]._prev[0].data)
    table, _ = _table(w, chain.indices[1:])
    term, _ = _term(chain, [f"PLIST[{v}]" for v in variables])
    out.append(f"    # {name}: a sum of {len(chain.terms)} terms of parameters, in a loop")
    out.append(f"    {name} = {forward_line(add, (), [start, f'({first})'])}")
    out.append(f"    for {', '.join(variables)} in {table}:")
    out.append(f"        {name} = {forward_line(add, (), [name, f'({term})'])}")


def fold_backward(w: Writer, chain: Chain, out: list[str], clean: set[str]) -> None:
    """Every term gets the last link's gradient; its parameters' gradients
    (in GLIST) get the term's contributions, the last term first."""
    g = f"grad_{w.names[chain.last]}"
    if g not in clean:
        out.append(f"    FOLDG = 0.0 + {g}")
        g = "FOLDG"
    term = chain.terms[0]
    rule = term._rule
    assert rule is not None
    variables = _loop_variables(chain)
    table, _ = _table(w, chain.indices[::-1])
    _, texts = _term(chain, [f"PLIST[{v}]" for v in variables])
    out.append(f"    for {', '.join(variables)} in {table}:  # the terms, last first")
    n = len(term._prev)
    for i in pass_order(rule, n):
        slot = chain.slots[i]
        if isinstance(slot, tuple):
            continue  # a constant: no gradient
        formula, where = roles(rule, n, i)
        holes = {"g": g, **{name: texts[j] for name, j in where.items()}}
        out.append(
            f"        GLIST[{variables[slot]}] += "
            f"{gradient_template(rule, term._ctx, formula).format(**holes)}"
        )
