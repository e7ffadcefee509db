"""Fold a computation graph into a tree of groups, for drawings that fit a screen.

A loss graph has thousands to millions of values; a drawing a person can
read has about a hundred boxes. This module builds, in a few passes over
the graph, a tree whose leaves are the values and whose inner nodes are
groups a drawing can show as one box. :mod:`engine.viz.cut` then picks
which groups to open so that the drawing fits ``max_nodes``, and the
explorer page lets the reader open and close them by clicking.

The groups, from the outside in:

``scope``
    What an ``nn`` module or an ``engine.scope(...)`` block made: the dotted
    scope paths form the tree (``MLP`` > ``MLP.layers[0]`` > ``MLP.layers[0]
    .neurons[3]``). A parameter belongs to its module (its scope without its
    own name); a leaf the user made (an input, a wrapped number) belongs to
    the innermost block that holds every op using it.
``family``
    Three or more sibling scopes ``name[0]``, ``name[1]``, ... (16 heads of an
    attention block) inside a group that also holds other things: one box
    "heads[0..15]" that opens into the 16.
``params``
    Three or more parameters of one block: one box inside the block.
``chain``
    A chain or tree of one op, each link used only by the next (built-in
    ``sum()`` over 337 terms makes 337 nested ``+``): "sum of 338 terms".
``repeat``
    Three or more subgraphs of the same shape, side by side: the single-use
    inputs of one op or chain (``p*p for p in params`` feeding a sum), or the
    outputs of a block computed once per sample: "337 x (p * p)". The shape
    is the ops and the kinds of the leaves (``p`` parameter, ``x`` input,
    ``c`` constant, ``v`` a value from elsewhere), looked at to a depth of
    four ops.

Folding works inside each group separately, so a hand-written penalty at
the top level folds, and so does a batch's worth of one neuron's outputs
inside that neuron's box.

(About 430 lines, kept whole: the folding rules, by scope, by chain, by
repeated shape and by sibling list, each decide what the others see, and
they are easiest to check side by side.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import compress

from engine.core.value import CONSTANT, Value

TOP = -1
"""The group id that stands for the whole graph."""

FOLD_MIN = 3  # chains and repeats shorter than this are left as they are
_CONE_DEPTH = 4  # how many ops deep a repeated shape is compared
_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


@dataclass
class Group:
    """One box a drawing may show instead of everything inside it."""

    id: int
    kind: str  # 'scope', 'family', 'params', 'chain' or 'repeat'
    title: str
    parent: int
    children: list[int] = field(default_factory=list)
    members: list[int] = field(default_factory=list)  # values directly inside
    size: int = 0  # values inside, at any depth
    depth: int = 0  # 0 for a group at the top level


@dataclass
class Tree:
    """The folded graph: ``order`` (parents first), the groups, and where each value is."""

    order: list[Value]
    index: dict[Value, int]
    groups: list[Group]
    group_of: list[int]  # innermost group of each value, TOP if none
    top_children: list[int]
    top_members: list[int]
    uses: list[int]  # how many ops use each value as an input
    parents: list[tuple[int, ...]]  # the positions of each value's parents, in ``_prev`` order
    # views of this tree worked out once (engine.viz.cut.closed_layout)
    cache: dict[object, object] = field(default_factory=dict, repr=False, compare=False)

    def children(self, g: int) -> list[int]:
        return self.top_children if g == TOP else self.groups[g].children

    def members(self, g: int) -> list[int]:
        return self.top_members if g == TOP else self.groups[g].members

    def ancestors(self, g: int) -> list[int]:
        """``g`` and the groups around it, innermost first."""
        chain = []
        while g != TOP:
            chain.append(g)
            g = self.groups[g].parent
        return chain


def parameter_module(scope: str) -> str:
    """The module of a parameter: 'Net.layers[0].neurons[2].w[1]' -> '...neurons[2]'."""
    return scope.rpartition(".")[0] or scope


def fold(order: list[Value], index: dict[Value, int]) -> Tree:
    """The group tree of a graph listed parents first (``values_in_order``)."""
    builder = _Builder(order, index)
    builder.place_in_scopes()
    builder.make_families()
    builder.bundle_parameters()
    members: dict[int, list[int]] = {}
    for i, g in enumerate(builder.group_of):
        members.setdefault(g, []).append(i)
    for container, inside in members.items():
        builder.fold_inside(container, inside)
    return builder.finish()


class _Builder:
    def __init__(self, order: list[Value], index: dict[Value, int]) -> None:
        self.order = order
        self.index = index
        n = len(order)
        self.uses = [0] * n  # how many ops use each value
        self.user = [-1] * n  # the (last) op using each value; the only one if uses == 1
        self.groups: list[Group] = []
        self.group_of = [TOP] * n
        self.by_scope: dict[str, int] = {}
        self.leaf: list[str | None] = [None] * n  # 'c', 'x' or 'p' for a leaf
        self.pidx: list[tuple[int, ...]] = [()] * n  # the parents' indices

    # --- scopes -------------------------------------------------------------------------

    def place_in_scopes(self) -> None:
        order, index, uses, user = self.order, self.index, self.uses, self.user
        n = len(order)
        scope: list[str | None] = [None] * n
        # What each leaf is: 'c' a wrapped number, 'x' an input, 'p' a parameter.
        leaf = self.leaf
        pidx = self.pidx
        loose: dict[int, str | None] = {}  # user-made leaf -> common scope of its users
        common = _CommonScope()
        position = index.__getitem__
        # One pass: parents come first, so each leaf is sorted before an op uses it.
        for i, v in enumerate(order):
            prev = v._prev
            if not prev:
                if v._scope is not None:
                    scope[i] = parameter_module(v._scope)
                    leaf[i] = "p"
                else:
                    leaf[i] = "c" if v._seq == CONSTANT else "x"
                continue
            s = scope[i] = v._scope
            js = pidx[i] = tuple(map(position, prev))
            for j in js:
                if user[j] != i:  # x * x is one use by one op
                    uses[j] += 1
                    user[j] = i
                    kind = leaf[j]
                    if kind is not None and kind != "p":
                        loose[j] = s if j not in loose else common(loose[j], s)
        for j, s in loose.items():
            scope[j] = s
        group_of = self.group_of
        for i in compress(range(n), scope):  # the values with a scope
            group_of[i] = self._scope_group(scope[i])  # type: ignore[arg-type]

    def _scope_group(self, path: str) -> int:
        g = self.by_scope.get(path)
        if g is None:
            outer = path.rpartition(".")[0]
            parent = self._scope_group(outer) if outer else TOP
            g = self._new("scope", path, parent)
            self.by_scope[path] = g
        return g

    def _new(self, kind: str, title: str, parent: int) -> int:
        g = len(self.groups)
        self.groups.append(Group(g, kind, title, parent))
        return g

    def make_families(self) -> None:
        """Sibling scopes ``name[0..k]`` become one 'k x name' box, unless they are all there is."""
        has_values = set(self.group_of)
        siblings: dict[tuple[int, str], list[int]] = {}
        count: dict[int, int] = {}
        for group in list(self.groups):
            count[group.parent] = count.get(group.parent, 0) + 1
            last = group.title.rpartition(".")[2]
            stem, bracket, _ = last.partition("[")
            if bracket and last.endswith("]"):
                siblings.setdefault((group.parent, stem), []).append(group.id)
        for (parent, stem), ids in siblings.items():
            alone = count[parent] == len(ids) and parent not in has_values
            if len(ids) < FOLD_MIN or alone:
                continue
            where = self.groups[parent].title + "." if parent != TOP else ""
            family = self._new("family", f"{where}{stem}[0..{len(ids) - 1}]", parent)
            for g in ids:
                self.groups[g].parent = family

    def bundle_parameters(self) -> None:
        """A block's parameters become one box of their own inside it: '17 parameters'."""
        found: dict[int, list[int]] = {}
        for i, v in enumerate(self.order):
            if not v._prev and v._scope is not None and self.group_of[i] != TOP:
                found.setdefault(self.group_of[i], []).append(i)
        for block, params in found.items():
            if len(params) < FOLD_MIN:
                continue
            g = self._new("params", f"{len(params)} parameters", block)
            for i in params:
                self.group_of[i] = g

    # --- chains and repeats -------------------------------------------------------------

    def fold_inside(self, container: int, members: list[int]) -> None:
        if len(members) < FOLD_MIN or (
            container != TOP and self.groups[container].kind == "params"
        ):
            return
        chain_of = self._fold_chains(container, members)
        self._fold_repeats(container, members, chain_of)

    def _fold_chains(self, container: int, members: list[int]) -> dict[int, int]:
        order, uses, user, group_of = self.order, self.uses, self.user, self.group_of
        head: dict[int, int] = {}  # each link -> the last node of its chain

        def find(i: int) -> int:
            while i in head and head[i] != i:
                i = head[i]
            return i

        # Members are parents first, so walking backwards meets a chain's end first.
        for i in reversed(members):
            v = order[i]
            if v._rule is None or uses[i] != 1:
                continue
            u = user[i]
            w = order[u]
            if group_of[u] == container and w._rule is not None and w._rule.name == v._rule.name:
                head[i] = find(u)
        links: dict[int, list[int]] = {}
        for i in head:
            links.setdefault(find(i), []).append(i)
        chain_of: dict[int, int] = {}
        for end, chain in links.items():
            chain.append(end)
            if len(chain) < FOLD_MIN:
                continue
            inside = set(chain)
            terms = sum(1 for i in chain for j in self.pidx[i] if j not in inside)
            g = self._new("chain", _chain_title(order[end], len(chain), terms), container)
            for i in chain:
                group_of[i] = g
                chain_of[i] = g
        return chain_of

    def _fold_repeats(self, container: int, members: list[int], chain_of: dict[int, int]) -> None:
        group_of, uses, pidx = self.group_of, self.uses, self.pidx
        claimed: set[int] = set()
        # Who consumes what: each op (or chain, as one) with its single-use inputs;
        # and which members something inside the group uses.
        feeds: dict[int, list[int]] = {}
        used_inside: set[int] = set()
        for i in members:
            js = pidx[i]
            if not js:
                continue
            consumer = chain_of.get(i, -2 - i)  # chains by group id, ops by -2 - index
            for j in js:
                if group_of[j] == container:
                    used_inside.add(j)
                    if uses[j] == 1:
                        found = feeds.get(consumer)
                        if found is None:
                            feeds[consumer] = [j]
                        else:
                            found.append(j)
        # Outputs of the group: used by nothing inside it.
        outputs = [i for i in members if i not in used_inside and group_of[i] == container]
        for roots in [*feeds.values(), outputs]:
            if len(roots) < FOLD_MIN:
                continue  # too few to repeat
            shapes: dict[tuple[object, ...], list[list[int]]] = {}
            for j in roots:
                if j in claimed or group_of[j] != container:
                    continue
                cone: list[int] = []
                shape = self._shape(j, container, cone, claimed, 0)
                found_cones = shapes.get(shape)
                if found_cones is None:
                    shapes[shape] = [cone]
                else:
                    found_cones.append(cone)
            for shape, cones in shapes.items():
                if len(cones) < FOLD_MIN:
                    continue
                g = self._new("repeat", _repeat_title(shape, len(cones)), container)
                for cone in cones:
                    for k in cone:
                        group_of[k] = g
                        claimed.add(k)

    def _shape(
        self, j: int, container: int, cone: list[int], claimed: set[int], depth: int
    ) -> tuple[object, ...]:
        """The shape of the subgraph ending at ``j``, collecting its values into ``cone``."""
        cone.append(j)
        kind = self.leaf[j]
        if kind is not None:
            return (kind if kind != "p" else "x",)
        v = self.order[j]
        rule = v._rule
        assert rule is not None
        parts: list[object] = []
        js = self.pidx[j]
        group_of, uses, leaf = self.group_of, self.uses, self.leaf
        for position, k in enumerate(js):
            if k in js[:position]:
                parts.append(("#", js.index(k)))
                continue
            if (
                depth < _CONE_DEPTH
                and group_of[k] == container
                and uses[k] == 1
                and k not in claimed
            ):
                if leaf[k] is not None:  # a leaf only this op uses: part of the cone
                    cone.append(k)
                    parts.append((leaf[k],))
                else:
                    parts.append(self._shape(k, container, cone, claimed, depth + 1))
            else:
                parts.append((leaf[k] or "v",))
        return (rule.name, v._ctx, *parts)

    def finish(self) -> Tree:
        groups = self.groups
        top_children: list[int] = []
        for group in groups:
            siblings = top_children if group.parent == TOP else groups[group.parent].children
            siblings.append(group.id)
        top_members: list[int] = []
        for i, g in enumerate(self.group_of):
            (top_members if g == TOP else groups[g].members).append(i)
        # Sizes and depths, outside in (families were added after their children).
        stack = [(g, 0) for g in top_children]
        visit: list[int] = []
        while stack:
            g, depth = stack.pop()
            groups[g].depth = depth
            visit.append(g)
            stack.extend((c, depth + 1) for c in groups[g].children)
        for g in reversed(visit):
            group = groups[g]
            group.size += len(group.members)
            if group.parent != TOP:
                groups[group.parent].size += group.size
        return Tree(
            self.order,
            self.index,
            groups,
            self.group_of,
            top_children,
            top_members,
            self.uses,
            self.pidx,
        )


class _CommonScope:
    """The innermost scope two scopes share ('a.b.c', 'a.b.d' -> 'a.b'), cached."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str | None, str | None], str | None] = {}

    def __call__(self, a: str | None, b: str | None) -> str | None:
        if a == b:
            return a
        if a is None or b is None:
            return None
        found = self.cache.get((a, b), "")
        if found != "":
            return found
        shared = []
        for x, y in zip(a.split("."), b.split(".")):
            if x != y:
                break
            shared.append(x)
        result = ".".join(shared) or None
        self.cache[a, b] = result
        return result


def _chain_title(end: Value, links: int, terms: int) -> str:
    rule = end._rule
    assert rule is not None
    if rule.name in ("add", "sum"):
        return f"sum of {terms} terms"
    if rule.name == "mul":
        return f"product of {terms} factors"
    return f"chain of {links} {rule.symbol or rule.name}"


def _repeat_title(shape: tuple[object, ...], count: int) -> str:
    if len(shape) == 1:
        kind = {"c": "constants", "x": "inputs", "p": "parameters", "v": "values"}[str(shape[0])]
        return f"{count} {kind}"
    return f"{count} x ({shape_text(shape)})"


def shape_text(shape: tuple[object, ...]) -> str:
    """A shape written as an expression: ``p * p``, ``relu(c + c * v)``."""
    if len(shape) == 1:
        return str(shape[0])
    name, ctx, *parts = shape
    args: list[str] = []
    for part in parts:
        assert isinstance(part, tuple)
        args.append(args[part[1]] if part[0] == "#" else shape_text(part))
    if name in _INFIX and len(args) == 2:
        a, b = (f"({x})" if " " in x and not x.endswith(")") else x for x in args)
        return f"{a} {_INFIX[str(name)]} {b}"
    if name == "pow_const" and isinstance(ctx, tuple) and ctx:
        return f"{args[0]} ** {ctx[0]}"
    if name == "neg":
        return f"-{args[0]}"
    if len(args) > 3:
        return f"{name}({len(args)} args)"
    return f"{name}({', '.join(args)})"
