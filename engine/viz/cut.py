"""Which groups of the folded graph to open, and the boxes and arrows that result.

:func:`engine.viz.fold.fold` turns a graph into a tree of groups. A drawing
opens some of them (an open group is drawn as a frame around what it holds)
and shows the others as one box each. :func:`choose_open` opens groups
level by level from the outside in, largest first, always all children of
one group or none (a layer shows all its neurons or stays one box), while
the drawing keeps within ``max_nodes`` boxes and its arrows within
``EDGES_PER_BOX`` per box. :func:`layout` lists the boxes and the merged
arrows between them in one pass over the graph.

When even the closed top level has more boxes than allowed (a million
values of hand-written code that does not fold), :func:`cut_at_depth`
keeps the boxes within some number of steps of the root and draws one box
for everything behind them, which says how many values it stands for and
how to draw them (``draw_dot(root, focus=...)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.viz.fold import TOP, Tree

EDGES_PER_BOX = 4
"""The most arrows per box a chosen view may have (arrows slow Graphviz most)."""

SPAN_LIMIT = 1500
"""The most rank steps all arrows together may cross. Graphviz puts a hidden
node on every step of a long arrow, so 100 arrows from one box into a chain
of 100 adds cost it 5,000 nodes and a minute of layout."""

OPEN_FOLD_LIMIT = 12
"""A chain or repeat with more values than this stays closed in a drawing."""


@dataclass(slots=True)
class Edge:
    """``count`` uses of ``src`` by ``dst`` (DOT ids), drawn as one arrow."""

    src: str
    dst: str
    count: int = 1
    params_only: bool = False  # every use is of a parameter of the group ``src``
    frame: int | None = None  # drawn leaving this open group's frame (bundled arrows)


@dataclass
class Layout:
    """What a drawing shows: the open groups, the boxes and the arrows."""

    tree: Tree
    open: set[int]
    values: list[int]  # values drawn as boxes of their own
    groups: list[int]  # closed groups drawn as one box
    edges: list[Edge]
    outputs: dict[int, list[int]]  # closed group -> its values used outside it (or the root)
    root_box: str
    hidden: int = 0  # values behind the depth cut
    cut_targets: list[str] = field(default_factory=list)  # boxes the cut box feeds
    cut_sources: list[int] = field(default_factory=list)  # values just behind the cut
    # work shared by the cuts of one view (see cut_at_depth)
    cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def box_count(self) -> int:
        return len(self.values) + len(self.groups) + (1 if self.hidden else 0)


def top_box_count(tree: Tree) -> int:
    return len(tree.top_children) + len(tree.top_members)


READABLE_SHARE = 0.3
"""Groups are opened only while the drawing has at most this share of
``max_nodes`` boxes: 150 boxes fit a screen only as a thumbnail, while 45
still read at their natural size."""


def choose_open(tree: Tree, max_nodes: int, root: int) -> Layout:
    """Open as many groups as fit the box and arrow budgets."""
    boxes = top_box_count(tree)
    max_nodes = max(int(max_nodes * READABLE_SHARE), min(boxes, max_nodes))
    opened: list[list[int]] = []  # sibling sets, in the order they were opened
    level = [TOP]
    while level:
        candidates: list[list[int]] = []
        for parent in level:
            alike: dict[tuple[str, str], list[int]] = {}
            for g in tree.children(parent):
                if _openable(tree, g):
                    alike.setdefault(_likeness(tree, g), []).append(g)
            candidates.extend(alike.values())
        candidates.sort(key=lambda gs: -sum(tree.groups[g].size for g in gs))
        level = []
        for siblings in candidates:
            extra = sum(
                len(tree.groups[g].children) + len(tree.groups[g].members) - 1 for g in siblings
            )
            if boxes + extra <= max_nodes:
                boxes += extra
                opened.append(siblings)
                level.extend(siblings)
    while True:
        open_set = {g for siblings in opened for g in siblings}
        view = layout(tree, open_set, root)
        if not opened or (
            len(view.edges) <= EDGES_PER_BOX * max(view.box_count, 1)
            and span(view.edges) <= SPAN_LIMIT
        ):
            return view
        opened.pop()  # too many arrows: close the last groups opened


def _likeness(tree: Tree, g: int) -> tuple[str, str]:
    """Siblings opened together: scopes of one list (``neurons[0..15]``), else each alone."""
    group = tree.groups[g]
    last = group.title.rpartition(".")[2]
    if group.kind == "scope" and last.endswith("]"):
        return ("list", last.partition("[")[0])
    return ("one", str(g))


def _openable(tree: Tree, g: int) -> bool:
    group = tree.groups[g]
    if group.kind in ("chain", "repeat") and group.size > OPEN_FOLD_LIMIT:
        return False
    return bool(group.children or group.members)


def span(edges: list[Edge]) -> int:
    """How many rank steps the arrows cross in all (a box per rank, longest path)."""
    rank = ranks(edges)
    return sum(max(rank[e.dst] - rank[e.src], 1) for e in edges)


def visible_groups(tree: Tree, open_set: set[int]) -> tuple[list[int], list[int]]:
    """The values and closed groups a drawing with ``open_set`` open shows."""
    values: list[int] = []
    groups: list[int] = []
    stack = [TOP]
    while stack:
        container = stack.pop()
        values.extend(tree.members(container))
        for g in tree.children(container):
            if g in open_set:
                stack.append(g)
            else:
                groups.append(g)
    return sorted(values), sorted(groups)


def box_of_groups(tree: Tree, open_set: set[int]) -> list[str | None]:
    """For each group, the DOT id of the closed box it is drawn in (None: it is open)."""
    box: list[str | None] = [None] * len(tree.groups)
    stack: list[tuple[int, str | None]] = [(g, None) for g in tree.top_children]
    while stack:
        g, outer = stack.pop()
        mine = outer if outer is not None else (None if g in open_set else f"g{g}")
        box[g] = mine
        stack.extend((c, mine) for c in tree.groups[g].children)
    return box


def layout(tree: Tree, open_set: set[int], root: int) -> Layout:
    """The boxes and merged arrows of the drawing with ``open_set`` open."""
    order, parents, group_of = tree.order, tree.parents, tree.group_of
    group_box = box_of_groups(tree, open_set)
    box = [(group_box[g] if g != TOP else None) or f"v{i}" for i, g in enumerate(group_of)]
    edges: list[Edge] = []
    merged: dict[tuple[str, str], Edge] = {}
    outputs: dict[str, set[int]] = {}
    # The arrows made for value i are edges[starts[i]:ends[i]]; they all enter its box.
    starts, ends = [0] * len(order), [0] * len(order)
    for i, v in enumerate(order):
        if not v._prev:
            continue
        starts[i] = len(edges)
        mine = box[i]
        drawn = mine[0] == "v"
        target = f"op{i}" if drawn else mine
        for j in parents[i]:
            source = box[j]
            if source == mine:
                continue
            if source[0] == "g":
                outputs.setdefault(source, set()).add(j)
            elif drawn:
                edges.append(Edge(source, target))  # value to op: one arrow per use
                continue
            edge = merged.get((source, target))
            if edge is None:
                edge = merged[source, target] = Edge(source, target, 0, source[0] == "g")
                edges.append(edge)
            edge.count += 1
            p = order[j]
            if p._prev or p._scope is None:  # not a parameter
                edge.params_only = False
        if drawn:
            edges.append(Edge(target, mine))
        ends[i] = len(edges)
    root_box = box[root]
    if root_box[0] == "g":
        outputs.setdefault(root_box, set()).add(root)
    values, groups = visible_groups(tree, open_set)
    by_group = {int(key[1:]): _outputs_first(tree, sorted(found)) for key, found in outputs.items()}
    made = Layout(tree, open_set, values, groups, edges, by_group, root_box)
    made.cache["spans"] = (starts, ends)
    return made


def closed_layout(tree: Tree, root: int) -> Layout:
    """``layout(tree, set(), root)``, made once per tree (draw_dot may cut it several times)."""
    key = ("closed", root)
    found = tree.cache.get(key)
    if not isinstance(found, Layout):
        found = tree.cache[key] = layout(tree, set(), root)
    return found


def _outputs_first(tree: Tree, found: list[int]) -> list[int]:
    """Computed outputs only, unless a group has nothing but leaves going out."""
    computed = [j for j in found if tree.order[j]._prev]
    return computed or found


@dataclass
class _Reach:
    """What cutting one view at a depth needs; the arrows are sorted once per view."""

    dist: dict[str, int]  # steps from the root box back to each box, up to some depth
    by_depth: list[int]  # how many boxes lie at each distance found
    complete: bool  # every box was reached


def _arrows_into(view: Layout, box: str) -> list[int]:
    """Positions in ``view.edges`` of the arrows into ``box`` (or into its op), in order.

    ``layout`` makes a value's arrows together, and they all enter its box, so
    a box's arrows are those made for the values it holds: no pass over the
    other arrows is needed.
    """
    into = view.cache.setdefault("into", {})
    assert isinstance(into, dict)
    found = into.get(box)
    if found is not None:
        return found  # type: ignore[no-any-return]
    spans = view.cache["spans"]
    assert isinstance(spans, tuple)
    starts, ends = spans
    if box[0] == "v":
        held = [int(box[1:])]
    else:
        tree = view.tree
        held, stack = [], [int(box[1:])]
        while stack:
            group = tree.groups[stack.pop()]
            held.extend(group.members)
            stack.extend(group.children)
        held.sort()
    found = [k for i in held for k in range(starts[i], ends[i])]
    into[box] = found
    return found


def _reach(view: Layout, max_nodes: int) -> _Reach:
    """Distances from the root box, level by level, until more than ``max_nodes`` boxes.

    A cut keeps at most ``max_nodes`` boxes, so the levels behind that are never
    needed: on a million values that fold nowhere the walk stops after a few
    hundred boxes. The result is kept for smaller budgets.
    """
    found = view.cache.get("reach")
    if isinstance(found, _Reach) and (found.complete or len(found.dist) > max_nodes):
        return found
    edges = view.edges
    dist = {view.root_box: 0}
    by_depth = [1]
    level = [view.root_box]
    while level and len(dist) <= max_nodes:
        d = len(by_depth)
        nxt = []
        for b in level:
            for k in _arrows_into(view, b):
                p = edges[k].src
                if p[1] != "p" and p not in dist:  # an op's arrow to its value is inside the box
                    dist[p] = d
                    nxt.append(p)
        if nxt:
            by_depth.append(len(nxt))
        level = nxt
    reach = _Reach(dist, by_depth, not level)
    view.cache["reach"] = reach
    return reach


def cut_at_depth(view: Layout, max_nodes: int) -> Layout:
    """Keep the boxes nearest the root; one box stands for all the others.

    The arrows are sorted by the box they enter once per view, and the walk
    back from the root stops once it has found more than ``max_nodes`` boxes,
    so that ``draw_dot`` can try several budgets on a million values.
    """
    reach = _reach(view, max_nodes)
    kept_depth, count = 0, 0
    for d, at_d in enumerate(reach.by_depth):
        if count + at_d + 1 > max_nodes:
            break
        count += at_d
        kept_depth = d
    dist = reach.dist
    kept = {b for b, d in dist.items() if d <= kept_depth}
    tree = view.tree
    values = sorted(int(b[1:]) for b in kept if b[0] == "v")
    groups = sorted(int(b[1:]) for b in kept if b[0] == "g")
    # Every value is behind the root, so the kept boxes' values are all but the hidden ones.
    shown = len(values) + sum(tree.groups[g].size for g in groups)
    hidden = len(tree.order) - shown
    keep_id = kept | {f"op{i}" for i in values}
    arrows = sorted(k for b in kept for k in _arrows_into(view, b))
    edges: list[Edge] = []
    crossing: list[Edge] = []
    for k in arrows:
        e = view.edges[k]
        (edges if e.src in keep_id else crossing).append(e)
    targets = sorted({e.dst for e in crossing})
    behind = sorted({e.src for e in crossing})
    group_set = set(groups)
    outputs = {g: js for g, js in view.outputs.items() if g in group_set}
    return Layout(
        tree,
        view.open,
        values,
        groups,
        edges,
        outputs,
        view.root_box,
        hidden,
        targets,
        [_a_value(view, b) for b in behind],
    )


def _a_value(view: Layout, box: str) -> int:
    """A value drawn in ``box`` (a value box, or a group's first output)."""
    if box[0] == "v":
        return int(box[1:])
    return view.outputs[int(box[1:])][0]


def ranks(edges: list[Edge]) -> dict[str, int]:
    """Longest path from a source to each box (Kahn's order; boxes on a cycle are skipped)."""
    out: dict[str, list[str]] = {}
    pending: dict[str, int] = {}
    for edge in edges:
        out.setdefault(edge.src, []).append(edge.dst)
        pending[edge.dst] = pending.get(edge.dst, 0) + 1
        pending.setdefault(edge.src, 0)
    rank = dict.fromkeys(pending, 0)
    ready = [box for box, n in pending.items() if n == 0]
    while ready:
        box = ready.pop()
        for nxt in out.get(box, ()):
            rank[nxt] = max(rank[nxt], rank[box] + 1)
            pending[nxt] -= 1
            if pending[nxt] == 0:
                ready.append(nxt)
    return rank


def plan_auto(tree: Tree, max_nodes: int, root: int) -> Layout:
    """The folded drawing with the most detail that fits ``max_nodes`` boxes.

    A graph small enough to read whole is drawn whole, every group open.
    """
    if len(tree.order) <= max(int(max_nodes * READABLE_SHARE), min(max_nodes, 40)):
        return layout(tree, set(range(len(tree.groups))), root)
    if top_box_count(tree) > max_nodes:
        return cut_at_depth(closed_layout(tree, root), max_nodes)
    return choose_open(tree, max_nodes, root)
