"""DOT text for a folded drawing (:mod:`engine.viz.cut`), and ``dot`` run with a time limit.

:func:`add_layout` writes the boxes of a :class:`engine.viz.cut.Layout`
into a ``graphviz.Digraph``: a value as a box with its name, data and
grad (and a small oval for the op that made it), a closed group as a
rounded box with its title, size and output, an open group as a frame
around its contents, and the depth cut as a dashed box saying what lies
behind it. :func:`pick_rankdir` turns a long thin drawing top to bottom so
that it fits a screen instead of making a 4,000 pixel strip.

:func:`run_dot` runs Graphviz with a timeout: a layout that hangs or a
``dot`` that crashes becomes a :class:`RenderError` that says what to draw
instead, never a frozen notebook.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping
from typing import Any

from engine.core.value import CONSTANT, Value
from engine.teach.names import short_name
from engine.viz.cut import Edge, Layout, ranks
from engine.viz.fold import TOP

DOT_TIMEOUT = 20.0
"""Seconds ``dot`` may take before it is stopped (``Digraph.timeout`` changes it)."""


class RenderError(RuntimeError):
    """Graphviz's ``dot`` crashed, failed or took longer than the time limit."""


def run_dot(source: str, fmt: str, timeout: float | None, program: str = "dot") -> bytes:
    """``source`` laid out and rendered as ``fmt`` by Graphviz, within ``timeout`` seconds."""
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"Graphviz ({program}) took more than {timeout:g} s to lay out this drawing and "
            "was stopped. Draw fewer boxes: draw_dot(root) with its defaults always fits; "
            "or pass a smaller max_nodes, a coarser collapse=..., or focus= on a part. "
            "To wait longer set graph.timeout (seconds, None for no limit)."
        ) from exc
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip()[-500:]
        how = f"crashed (signal {-done.returncode})" if done.returncode < 0 else "failed"
        raise RenderError(
            f"Graphviz ({program}) {how} while drawing this graph: {err or 'no message'}. "
            "Large drawings can crash it; draw_dot(root) with its defaults draws few "
            "enough boxes, or use collapse=... or focus= to draw a part."
        )
    return done.stdout


def add_layout(
    graph: Any,
    view: Layout,
    names: Mapping[Value, str],
    root: Value,
    node_label: Callable[[Value, str], str],
    group_fill: Callable[[int, str], dict[str, str]],
    value_fill: Callable[[Value, str], dict[str, str]],
    op_style: dict[str, str],
    nohtml: Callable[[str], Any],
    numbers: Callable[[Value], str],
) -> set[str]:
    """Add the boxes, frames and arrows of ``view`` to ``graph``; returns the kinds drawn."""
    tree = view.tree
    order = tree.order
    kinds: set[str] = set()
    inside: dict[int, list[tuple[str, int]]] = {}
    for i in view.values:
        inside.setdefault(tree.group_of[i], []).append(("v", i))
    for g in view.groups:
        inside.setdefault(tree.groups[g].parent, []).append(("g", g))
    for g in sorted(view.open):
        inside.setdefault(tree.groups[g].parent, []).append(("frame", g))

    def emit(target: Any, container: int) -> None:
        prefix = _scope_prefix(tree, container)
        for kind, ref in inside.get(container, ()):
            if kind == "v":
                value = order[ref]
                name = names[value]
                shown = name[len(prefix) :] if prefix and name.startswith(prefix) else name
                label = node_label(value, short_name(shown, 22))
                what = value_kind(value, root)
                kinds.add(what)
                target.node(f"v{ref}", label=nohtml(label), **value_fill(value, what))
                if value._prev:
                    kinds.add("op")
                    target.node(f"op{ref}", label=nohtml(_escape(value._op)), **op_style)
            elif kind == "g":
                kinds.add("group")
                label = _group_label(view, ref, names, numbers, prefix)
                style = {**group_fill(ref, "group"), "shape": "box", "style": "rounded,filled"}
                if view.root_box == f"g{ref}":
                    style["style"] += ",bold"
                target.node(f"g{ref}", label=nohtml(label), **style)
            else:
                with target.subgraph(name=f"cluster_g{ref}") as frame:
                    title = _title(tree.groups[ref].title, prefix)
                    frame.attr(
                        label=_escape(title), labeljust="l", style="rounded,dashed",
                        color="#8e7cc3", fontsize="12", fontcolor="#5b4a8a",
                    )  # fmt: skip
                    emit(frame, ref)

    emit(graph, TOP)
    if view.hidden:
        kinds.add("cut")
        graph.node("cut", label=nohtml(_cut_label(view, names, root)), **_CUT_STYLE)
        for target in view.cut_targets:
            graph.edge("cut", target, style="dashed", color="gray50")
    for edge in _bundle_parameter_edges(view, graph):
        graph.edge(edge.src, edge.dst, **edge_style(edge))
    return kinds


def _bundle_parameter_edges(view: Layout, graph: Any) -> list[Edge]:
    """Parameter arrows leaving one open frame for one box become a single arrow.

    A weight penalty reads every parameter of a model; drawn one arrow per
    neuron it covers the picture in dashes. Instead one arrow leaves the
    outermost open frame that holds the sources but not the target (Graphviz
    clips it at the frame with ``ltail``), labelled with the total count.
    """
    tree = view.tree
    container = {f"g{g}": tree.groups[g].parent for g in view.groups}
    bundled: dict[tuple[int, str], Edge] = {}
    kept: list[Edge] = []
    for edge in view.edges:
        frame = TOP
        if edge.params_only and edge.src in container:
            target_frames = set(tree.ancestors(_container_of(view, edge.dst, container)))
            for outer in reversed(tree.ancestors(container[edge.src])):
                if outer not in target_frames:
                    frame = outer
                    break
        if frame == TOP:
            kept.append(edge)
            continue
        bundle = bundled.get((frame, edge.dst))
        if bundle is None:
            bundle = bundled[frame, edge.dst] = Edge(edge.src, edge.dst, 0, True)
            kept.append(bundle)
        bundle.count += edge.count
        bundle.frame = frame
    if bundled:
        graph.attr(compound="true")
    return kept


def _container_of(view: Layout, box: str, container: dict[str, int]) -> int:
    if box in container:
        return container[box]
    if box.startswith("op"):
        box = "v" + box[2:]
    if box.startswith("v"):
        return view.tree.group_of[int(box[1:])]
    return TOP


_CUT_STYLE = {
    "shape": "box",
    "style": "filled,dashed",
    "fillcolor": "#f3f3f3",
    "fontsize": "11",
}


def edge_style(edge: Edge) -> dict[str, str]:
    style: dict[str, str] = {}
    if edge.count > 1:
        style["label"] = f"\u00d7{edge.count}"
        style["penwidth"] = f"{min(1.0 + len(str(edge.count)) * 0.7, 4.0):.2f}"
    if edge.frame is not None:
        style["ltail"] = f"cluster_g{edge.frame}"
    if edge.params_only:
        style["label"] = " ".join(filter(None, (style.get("label"), "params")))
        style.update(style="dashed", color="gray55", fontcolor="gray40", weight="0")
    return style


def value_kind(value: Value, root: Value) -> str:
    """Which kind of box a value gets: 'output', 'intermediate', 'constant' or 'input'."""
    if value is root:
        return "output"
    if value._prev:
        return "intermediate"
    return "constant" if value._seq == CONSTANT else "input"


def _scope_prefix(tree: Any, container: int) -> str:
    """What names inside an open scope frame can leave out: 'layers[0].neurons[3].'."""
    while container != TOP and tree.groups[container].kind != "scope":
        container = tree.groups[container].parent
    if container == TOP:
        return ""
    below = tree.groups[container].title.partition(".")[2]
    return f"{below}." if below else ""


def _title(title: str, prefix: str) -> str:
    below = title.partition(".")[2]
    if prefix and below.startswith(prefix):
        return below[len(prefix) :]
    return title


def _group_label(
    view: Layout, g: int, names: Mapping[Value, str], numbers: Callable[[Value], str], prefix: str
) -> str:
    tree = view.tree
    group = tree.groups[g]
    lines = [short_name(_title(group.title, prefix), 40), f"{group.size:,} values"]
    if group.kind != "params":
        params = _parameter_count(tree, g)
        if params:
            lines[-1] += f", {params:,} parameter{'s' if params != 1 else ''}"
    outputs = view.outputs.get(g, [])
    if outputs:
        first = tree.order[outputs[0]]
        more = f" (+{len(outputs) - 1})" if len(outputs) > 1 else ""
        lines.append(f"out {short_name(names[first], 16)}{more}")
        lines.append(numbers(first))
    return "\\n".join(_plain(line) for line in lines)


def _plain(text: str) -> str:
    """Escaped for a plain (non-record) DOT label."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _parameter_count(tree: Any, g: int) -> int:
    count = 0
    stack = [g]
    while stack:
        group = tree.groups[stack.pop()]
        order = tree.order
        count += sum(1 for i in group.members if not order[i]._prev and order[i]._scope is not None)
        stack.extend(group.children)
    return count


def _cut_label(view: Layout, names: Mapping[Value, str], root: Value) -> str:
    order = view.tree.order
    lines = [f"\u22ef {view.hidden:,} more values behind these boxes"]
    if view.cut_sources:
        name = names[order[view.cut_sources[0]]]
        lines.append(f"to draw them: draw_dot({names[root]}, focus='{name}')")
        lines.append("(or any name one step behind)")
    return "\\n".join(_escape(line) for line in lines)


_ESCAPES = str.maketrans(
    {"\\": "\\\\", "{": "\\{", "}": "\\}", "|": "\\|", "<": "\\<", ">": "\\>", '"': '\\"'}
)


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)


def pick_rankdir(view: Layout) -> str:
    """'LR' if the drawing nearly fits a 1600 x 1000 screen, else the direction that fits better.

    Box sizes are rough (a value about 230 x 36 pixels, a group 300 x 75, an
    op 40 x 30); ranks come from the longest path. Flowing left to right, the
    picture is as wide as its ranks together and as tall as its fullest
    rank; top to bottom the other way round. A chain of 40 ops drawn left to
    right is a 6,000 pixel strip; top to bottom it fits.
    """
    rank = ranks(view.edges)
    for i in view.values:
        rank.setdefault(f"v{i}", 0)
    across: dict[int, float] = {}
    down: dict[int, float] = {}
    stack_lr: dict[int, float] = {}
    stack_tb: dict[int, float] = {}
    for box, r in rank.items():
        w, h = _SIZES.get(box[0], _SIZES["g"])
        across[r] = max(across.get(r, 0.0), w)
        down[r] = max(down.get(r, 0.0), h)
        stack_lr[r] = stack_lr.get(r, 0.0) + h + 20
        stack_tb[r] = stack_tb.get(r, 0.0) + w + 20
    lr = (sum(across.values()) + 40 * len(across), max(stack_lr.values(), default=1.0))
    tb = (max(stack_tb.values(), default=1.0), sum(down.values()) + 40 * len(down))

    def zoom(size: tuple[float, float]) -> float:
        return min(1600 / size[0], 1000 / size[1])

    if zoom(lr) >= 0.6:  # fits well enough: keep micrograd's left-to-right look
        return "LR"
    return "TB" if zoom(tb) > zoom(lr) else "LR"


_SIZES = {"v": (230.0, 36.0), "g": (300.0, 75.0), "o": (40.0, 30.0), "c": (300.0, 60.0)}


def layout_size(source: str, timeout: float = 5.0) -> tuple[float, float] | None:
    """The pixel size (at 96 dpi) of ``dot``'s layout of ``source``; None if dot fails."""
    try:
        done = subprocess.run(
            ["dot", "-Tplain"], input=source.encode(), capture_output=True, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = done.stdout.split(b"\n", 1)[0].split()
    if done.returncode != 0 or len(first) < 4 or first[0] != b"graph":
        return None
    return float(first[2]) * 96, float(first[3]) * 96


def choose_direction(build: Callable[[str], Any], guess: str) -> tuple[Any, float]:
    """The graph ``build(rankdir)`` makes, flowing the way that fits a screen best.

    Returns it with its zoom on a 1600 x 1000 screen (1.0 if unknown).

    Graphviz lays the drawing out both ways (a fraction of a second for the
    few boxes of a folded view) and the direction that shows it larger on a
    1600 x 1000 screen wins; left to right, micrograd's look, is kept while
    it shows the boxes at 60% of their size or more. Without a working
    ``dot`` the estimate of :func:`pick_rankdir` decides.
    """
    lr = build("LR")
    lr_size = layout_size(lr.source)
    if lr_size is None:
        return (lr if guess == "LR" else build("TB")), 1.0

    def zoom(size: tuple[float, float]) -> float:
        return min(1600 / max(size[0], 1.0), 1000 / max(size[1], 1.0))

    if zoom(lr_size) >= 0.6:
        return lr, zoom(lr_size)
    tb = build("TB")
    tb_size = layout_size(tb.source)
    if tb_size is not None and zoom(tb_size) > zoom(lr_size):
        return tb, zoom(tb_size)
    return lr, zoom(lr_size)
