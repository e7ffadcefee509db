"""Draw a computation graph with Graphviz.

Usage::

    from engine import Value, draw_dot

    a = Value(2.0, label='a')
    b = Value(-3.0, label='b')
    L = a * b + a
    L.label = 'L'
    L.backward()

    g = draw_dot(L)       # a graphviz.Digraph: a notebook cell shows it inline
    print(g.source)       # the DOT text; needs no Graphviz program
    g.render('L')         # writes L and L.svg (needs the Graphviz `dot` program)

What the drawing shows:

* every ``Value`` is a box with its name (its label, a parameter's path
  such as ``layers[0].neurons[3].w[1]``, or a short generated name such as
  ``mul3``: the names of :func:`engine.teach.names.names`, which ``explain``
  and the step pages use too), ``data`` and ``grad``;
* every op is a small oval of its own (``+``, ``*``, ``**2``, ``tanh``,
  ``dot``, ...), with an arrow from each parent into the op and one from
  the op to its result. ``a * a`` draws two arrows from ``a``: the op
  really uses ``a`` twice, and the backward pass adds both contributions;
* colours tell leaves, intermediates and the output apart, and a small
  legend says which is which.

Big graphs. With its defaults (``collapse='auto'``) ``draw_dot`` never
refuses: it folds the graph (modules and scopes, chains of one op, repeated
shapes, parameters with their block; :mod:`engine.viz.fold`), opens what
fits and cuts the rest at a depth (:mod:`engine.viz.cut`), drawing open
groups as frames (:mod:`engine.viz.render`). ``collapse='neuron'``,
``'layer'``, ``'module'`` and ``'none'`` ask for one particular view, built
by :mod:`engine.viz.views`: one box per neuron, layer or top-level module,
or every value. A collapsed box shows the group's name and size, its
output's data and grad, and its parameters. Arrows that enter or leave a
box are merged, one per pair of drawn nodes, labelled ``×k`` when they
stand for k uses; an arrow that carries only parameters (into a weight
penalty, say) is grey, dashed and labelled 'params'.

Gradients at a glance (``color_by='grad'``). Every box is filled by the
size of its gradient on a log scale, pale for tiny and dark red for large,
grey for exactly zero and blue for nan or inf, with the scale printed
beside the legend. A collapsed box takes the colour of its parameters'
largest ``|grad|`` (of its outputs', if it has no parameters). In the layer
view of a deep sigmoid network the early layers come out pale: that is the
vanishing gradient.

Design notes:

* ``graphviz`` is imported inside the functions that need it, so
  ``import engine`` works on a machine without it.
* Node ids come from the traversal order (``v0``, ``v1``, ...), never from
  ``id()``, so the same graph always gives byte-identical DOT source, which
  can be diffed and tested.
* The traversal keeps its own stack instead of recursing, so a chain of a
  million nodes is no harder than a chain of ten.
* The view is planned before anything is drawn, and an explicit view that
  would give Graphviz more than ``DOT_BOX_LIMIT`` boxes or ``DOT_EDGE_LIMIT``
  arrows (it needs minutes for a few thousand) raises
  :class:`GraphTooLargeError` naming a view that works, instead of hanging
  a notebook. Op ovals are not counted: every op belongs to exactly one box.
  Rendering itself runs under a time limit (:mod:`engine.viz.digraph`).
* Nodes that are folded away never reach graphviz, so a 66,000-value batch
  becomes DOT text in well under a second.
* This module is longer than most (about 600 lines) because it keeps the
  two kinds of view (folded, and by named level) and their shared labels,
  styles and legend in one place; the planning lives in ``fold``, ``cut``
  and ``views``.
"""  # noqa: RUF002 - the multiplication sign of a merged edge, as drawn

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.core.collector import pause_gc
from engine.core.graph import GraphTooLargeError, values_and_index, values_in_order
from engine.core.value import Value
from engine.teach.lazy_names import LazyNames
from engine.viz.cut import Layout, closed_layout, cut_at_depth, plan_auto
from engine.viz.digraph import GraphvizNotFoundError, digraph_class, import_graphviz
from engine.viz.fold import fold
from engine.viz.render import RenderError, add_layout, choose_direction, pick_rankdir, value_kind
from engine.viz.views import (
    COLLAPSE_CHOICES,
    LEVELS,
    Edge,
    GradScale,
    View,
    assign_keys,
    choose_view,
    drawn_count,
    font_colour,
    magnitude,
    too_large_message,
)

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "COLLAPSE_CHOICES",
    "DEFAULT_MAX_NODES",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "RenderError",
    "draw_dot",
    "view_sizes",
]

# Past about 150 boxes a drawing no longer reads on a screen (Graphviz would
# still lay out a few hundred in a second), so this is also the budget that
# collapse='auto' fits the view into.
DEFAULT_MAX_NODES = 150

# More boxes than this, or more arrows than DOT_EDGE_LIMIT, take Graphviz
# more than a few seconds (measured in benchmarks/bench_render.py), so an
# explicit collapse= or max_nodes= asking for more is refused with advice.
DOT_BOX_LIMIT = 400
DOT_EDGE_LIMIT = 1600

_RANKDIRS = ("auto", "LR", "TB", "RL", "BT")
TIMES = "\u00d7"  # the multiplication sign, written before k on a merged edge
_COLOR_BY = ("kind", "grad")


# --- how each kind of node looks ------------------------------------------------------
# Values are "record" boxes; an op is a small oval between its inputs and its
# result. Fill colours are light so black text stays readable, and each kind
# also differs in its border (dashed, bold), which survives greyscale printing.

_STYLES: dict[str, dict[str, str]] = {
    # a leaf the user made: an input or a parameter
    "input": {"style": "filled", "fillcolor": "#cfe2f3"},
    # a plain number that an op wrapped (the 2 in x * 2)
    "constant": {"style": "filled,dashed", "fillcolor": "#eeeeee"},
    "intermediate": {"style": "filled", "fillcolor": "#fff2cc"},
    "output": {"style": "filled,bold", "fillcolor": "#d9ead3"},
    # many values drawn as one box (a neuron, a layer, a model): rounded corners
    "group": {"shape": "Mrecord", "style": "filled", "fillcolor": "#e4d7f5"},
    "op": {
        "shape": "ellipse",
        "style": "filled",
        "fillcolor": "#ffffff",
        "fontsize": "10",
        "width": "0",
        "height": "0",
        "margin": "0.04",
    },
}

# Legend entries, in the order they are listed.
_LEGEND: tuple[tuple[str, str], ...] = (
    ("input", "input / parameter (leaf)"),
    ("constant", "constant (a number in an op)"),
    ("intermediate", "intermediate value"),
    ("output", "output (the root)"),
    ("group", "collapsed group: name, output, parameters"),
    ("op", "op"),
)


def draw_dot(
    root: Value,
    format: str = "svg",  # noqa: A002 - the name graphviz and micrograd use
    rankdir: str = "auto",
    show_grad: bool = True,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    title: str | None = None,
    *,
    precision: int = 4,
    legend: bool = True,
    collapse: str = "auto",
    color_by: str = "kind",
    focus: Value | str | None = None,
) -> graphviz.Digraph:
    """Draw the graph that computed ``root`` and return a ``graphviz.Digraph``.

    Args:
        root: the value whose history is drawn (usually a loss).
        format: output format for ``.render()`` and ``.pipe()``: 'svg',
            'png', 'pdf', ...
        rankdir: direction the graph flows: 'LR' (left to right), 'TB'
            (top to bottom), 'RL' or 'BT'.
        show_grad: show each value's ``grad`` next to its ``data``.
        max_nodes: refuse to draw more boxes than this (see
            :class:`GraphTooLargeError`); ``None`` draws any size. A box is a
            value, or in a collapsed view a whole group.
        title: a caption drawn above the graph.
        precision: significant digits shown for data and grad.
        legend: add a small box explaining the colours.
        collapse: 'none' draws every value; 'neuron', 'layer' and 'module'
            draw the values made inside one neuron, layer or top-level
            module (or loss helper) as one box; 'auto' (the default) picks
            the finest of these that draws at most ``max_nodes`` boxes (and
            at most 4 arrows per allowed box, when a view fits that).
        color_by: 'kind' fills boxes by what they are (input, constant,
            intermediate, output, group); 'grad' by the size of their
            gradient on a log scale, with the scale printed in the legend.

    Returns:
        A ``graphviz.Digraph`` (a subclass whose rendering methods raise
        :class:`GraphvizNotFoundError` with install instructions when the
        ``dot`` program is missing). Its ``.source`` is the DOT text and its
        ``.collapse`` attribute names the view that was drawn.

    Raises:
        GraphTooLargeError: the view would draw more than ``max_nodes`` boxes
            (with 'auto': even the 'module' view would).
        TypeError: ``root`` is not a Value.
        ValueError: an unknown ``rankdir``, ``collapse`` or ``color_by``, or
            a bad ``max_nodes``/``precision``.
        ImportError: the ``graphviz`` Python package is not installed.
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"draw_dot() needs a Value, got {type(root).__name__}. To draw "
            "several outputs at once, draw their sum: draw_dot(engine.sum(outputs))."
        )
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or precision < 1:
        raise ValueError(f"precision must be a positive int, got {precision!r}")
    if collapse not in COLLAPSE_CHOICES:
        raise ValueError(f"collapse must be one of {', '.join(COLLAPSE_CHOICES)}, got {collapse!r}")
    if color_by not in _COLOR_BY:
        raise ValueError(f"color_by must be one of {', '.join(_COLOR_BY)}, got {color_by!r}")

    # Plan first: refusing a request must be quick and must not need graphviz.
    # The planning passes allocate millions of small objects on a big graph
    # and make no reference cycles; with the cyclic collector running, it
    # rescans every value again and again (about a fifth of the time on a
    # million values). It is paused for this call only and put back after.
    with pause_gc():
        order, index = values_and_index(root)
        names = LazyNames(order, index)  # only the drawn values get named
        if focus is not None:
            root = _focus_value(root, focus, names)
            order, index = values_and_index(root)
        return _draw(
            root, order, index, names, format, rankdir, show_grad, max_nodes, title,
            precision, legend, collapse, color_by,
        )  # fmt: skip


def _draw(
    root: Value,
    order: list[Value],
    index: dict[Value, int],
    names: Mapping[Value, str],
    format: str,  # noqa: A002 - draw_dot's argument
    rankdir: str,
    show_grad: bool,
    max_nodes: int | None,
    title: str | None,
    precision: int,
    legend: bool,
    collapse: str,
    color_by: str,
) -> graphviz.Digraph:
    """draw_dot once the graph is walked and named: plan the view, then build it."""
    folded: Layout | None = None
    view: View | None = None
    if collapse == "auto" and max_nodes is not None:
        tree = fold(order, index)
        folded = plan_auto(tree, max_nodes, index[root])
        level, boxes, arrows = "auto", folded.box_count, len(folded.edges)
    else:
        # max_nodes=None: no limit, every value drawn (unless a view is named)
        level = "none" if collapse == "auto" else collapse
        view = choose_view(order, index, root, level, max_nodes)
        if view is None:
            assert max_nodes is not None
            message = too_large_message(order, index, collapse, max_nodes)
            raise GraphTooLargeError(f"{message} {_auto_advice(order, index, root)}")
        level, boxes, arrows = view.level, drawn_count(view.keys), len(view.edges)
    if max_nodes is not None and (boxes > DOT_BOX_LIMIT or arrows > DOT_EDGE_LIMIT):
        raise GraphTooLargeError(
            f"this view draws {boxes} boxes and {arrows} arrows, more than Graphviz lays "
            f"out in a few seconds (about {DOT_BOX_LIMIT} boxes or {DOT_EDGE_LIMIT} arrows). "
            f"{_auto_advice(order, index, root)} Pass max_nodes=None to get the DOT text "
            "anyway (rendering it is stopped after graph.timeout seconds)."
        )
    nohtml = import_graphviz().nohtml  # so a label like "<x>" is not read as HTML

    def build(rankdir: str) -> Any:
        assert folded is not None or view is not None
        graph_attr = {"rankdir": rankdir}
        if title is not None:
            graph_attr.update(label=nohtml(_escape_text(title)), labelloc="t", fontsize="16")
        graph = digraph_class()(
            name="chainrule",
            format=format,
            graph_attr=graph_attr,
            node_attr={"shape": "record", "fontsize": "11"},
            edge_attr={"arrowsize": "0.7"},
        )
        graph.collapse = level
        # In LR/RL layouts a record's top-level fields stack vertically; the
        # outer braces turn the box so label | data | grad read as one row.
        sideways = rankdir in ("LR", "RL")
        if folded is not None:
            scale = _folded_scale(folded) if color_by == "grad" else None
            kinds_drawn = _add_folded(
                graph, folded, names, root, scale, nohtml, show_grad, precision, sideways
            )
        else:
            assert view is not None
            scale = _grad_scale(view, order) if color_by == "grad" else None
            kinds_drawn = _add_level_view(
                graph, view, order, names, root, scale, nohtml, show_grad, precision, sideways
            )
        if legend:
            _add_legend(graph, kinds_drawn, nohtml, level, scale)
        return graph

    if rankdir != "auto":
        return build(rankdir)
    if folded is None:
        return build("LR")
    graph, zoom = choose_direction(build, pick_rankdir(folded))
    # Still far larger than a screen (more than about 4,000 pixels across): open
    # fewer groups, or for a long chain that folds nowhere keep the part nearest
    # the output, halving the budget while that helps.
    assert max_nodes is not None  # a folded view always has a budget
    budget = max_nodes
    while zoom < 0.4 and budget >= 8:
        budget //= 2
        if folded.open:
            smaller = plan_auto(tree, budget, index[root])
        else:
            top = closed_layout(tree, index[root])
            smaller = cut_at_depth(top, min(budget, max(folded.box_count // 2, 2)))
        if smaller.open == folded.open and smaller.box_count == folded.box_count:
            continue
        folded = smaller
        graph, zoom = choose_direction(build, pick_rankdir(folded))
    return graph


def _add_folded(
    graph: Any,
    folded: Layout,
    names: Mapping[Value, str],
    root: Value,
    scale: GradScale | None,
    nohtml: Any,
    show_grad: bool,
    precision: int,
    sideways: bool,
) -> set[str]:
    """Boxes, frames and arrows of a folded view (see engine.viz.render.add_layout)."""

    def value_fill(value: Value, kind: str) -> dict[str, str]:
        return _filled(kind, None if scale is None else scale.colour(value.grad))

    def group_fill(g: int, kind: str) -> dict[str, str]:
        return _filled(kind, None if scale is None else scale.colour(_group_magnitude(folded, g)))

    def numbers(value: Value) -> str:
        text = f"data {_number(value.data, precision)}"
        return f"{text} grad {_number(value.grad, precision)}" if show_grad else text

    def node_label(value: Value, name: str) -> str:
        return _value_label(value, name, show_grad, precision, sideways)

    return add_layout(
        graph, folded, names, root, node_label, group_fill, value_fill,
        _STYLES["op"], nohtml, numbers,
    )  # fmt: skip


def draw_layout(view: Layout, root: Value, names: Mapping[Value, str], precision: int = 4) -> Any:
    """The Digraph of a folded view planned elsewhere (the box-by-box step page), no legend."""
    nohtml = import_graphviz().nohtml
    rankdir = pick_rankdir(view)
    graph = digraph_class()(
        name="chainrule",
        format="svg",
        graph_attr={"rankdir": rankdir},
        node_attr={"shape": "record", "fontsize": "14"},
        edge_attr={"arrowsize": "0.7"},
    )
    graph.collapse = "auto"
    _add_folded(graph, view, names, root, None, nohtml, True, precision, rankdir in ("LR", "RL"))
    return graph


def _add_level_view(
    graph: Any,
    view: View,
    order: list[Value],
    names: Mapping[Value, str],
    root: Value,
    scale: GradScale | None,
    nohtml: Any,
    show_grad: bool,
    precision: int,
    sideways: bool,
) -> set[str]:
    """Boxes and arrows of a view collapsed by neuron, layer or module (or not at all)."""
    kinds_drawn: set[str] = set()
    # Nodes in traversal order (a group where its first value is), then the
    # edges; ``order`` lists parents before children.
    groups = view.groups
    for i, (value, key) in enumerate(zip(order, view.keys)):
        if key is None:
            kind = value_kind(value, root)
            kinds_drawn.add(kind)
            label = _value_label(value, names[value], show_grad, precision, sideways)
            style = _filled(kind, None if scale is None else scale.colour(value.grad))
            graph.node(f"v{i}", label=nohtml(label), **style)
            if value._prev:
                kinds_drawn.add("op")
                graph.node(f"op{i}", label=nohtml(_escape_text(value._op)), **_STYLES["op"])
        elif groups[key].first == i:
            kinds_drawn.add("group")
            group = groups[key]
            fill = None if scale is None else scale.colour(magnitude(view, order, key))
            style = _filled("group", fill)
            if group.holds_root:
                style["style"] += ",bold"
            label = _group_label(view, order, key, show_grad, precision, sideways)
            graph.node(group.node, label=nohtml(label), **style)
    for edge in view.edges:
        graph.edge(edge.src, edge.dst, **_edge_style(edge))
    return kinds_drawn


def _auto_advice(order: list[Value], index: dict[Value, int], root: Value) -> str:
    auto = plan_auto(fold(order, index), DEFAULT_MAX_NODES, index[root])
    return (
        f"The default view, draw_dot(root) (collapse='auto', max_nodes={DEFAULT_MAX_NODES}), "
        f"draws this graph as {auto.box_count} boxes, folding what repeats."
    )


def _focus_value(root: Value, focus: Value | str, names: Mapping[Value, str]) -> Value:
    """The value ``focus`` names (a Value of the graph, or its name)."""
    if isinstance(focus, Value):
        if focus not in names:
            raise ValueError("focus= must be a value of root's graph (root depends on it)")
        return focus
    if not isinstance(focus, str):
        raise TypeError(f"focus= takes a Value or a name (str), got {type(focus).__name__}")
    for value, name in names.items():
        if name == focus:
            return value
    near = sorted(n for n in names.values() if n.startswith(focus.rstrip("0123456789")))[:5]
    hint = f" Names like it: {', '.join(near)}." if near else ""
    raise ValueError(f"no value of this graph is named {focus!r}.{hint}")


def _folded_scale(view: Layout) -> GradScale:
    order = view.tree.order
    drawn = [abs(order[i].grad) for i in view.values]
    drawn += [_group_magnitude(view, g) for g in view.groups]
    return GradScale(drawn)


def _group_magnitude(view: Layout, g: int) -> float:
    """What a folded group is coloured by: its outputs' largest |grad|."""
    order = view.tree.order
    largest = 0.0
    for j in view.outputs.get(g, ()):
        m = abs(order[j].grad)
        if math.isnan(m) or math.isnan(largest):
            return math.nan
        largest = max(largest, m)
    return largest


def view_sizes(root: Value) -> dict[str, int]:
    """How many boxes each view of ``root``'s graph draws, finest view first.

    >>> from nn import MLP
    >>> view_sizes(MLP(2, [3, 1])([1.0, 2.0]))
    {'none': 22, 'neuron': 6, 'layer': 4, 'module': 3}
    """
    if not isinstance(root, Value):
        raise TypeError(f"view_sizes() needs a Value, got {type(root).__name__}")
    order = values_in_order(root)
    index = {value: i for i, value in enumerate(order)}
    return {level: drawn_count(assign_keys(order, index, level)) for level in LEVELS}


# --- kinds and labels -----------------------------------------------------------------


# Characters with a meaning inside a record label get a backslash. The
# backslash itself is doubled; the double quote is escaped for the DOT
# string around the label; a newline becomes Graphviz's line break.
_RECORD_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "{": "\\{",
        "}": "\\}",
        "|": "\\|",
        "<": "\\<",
        ">": "\\>",
        '"': '\\"',
        "\n": "\\n",
    }
)

# The same for a plain label (an op, the title), where only the backslash,
# the quote and newlines are special.
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})


def _escape_record(text: str) -> str:
    return text.translate(_RECORD_ESCAPES)


def _escape_text(text: str) -> str:
    return text.translate(_TEXT_ESCAPES)


def _number(x: float, precision: int) -> str:
    """``x`` to ``precision`` significant digits: 0.8814, -1.5, 1e-09, inf.

    The general format switches to an exponent for tiny and huge numbers, so
    a gradient of 1e-9 is never shown as a misleading 0.0000.
    """
    return f"{x:.{precision}g}"


def _value_label(value: Value, name: str, show_grad: bool, precision: int, sideways: bool) -> str:
    fields = [_escape_record(name)]
    fields.append(f"data {_number(value.data, precision)}")
    if show_grad:
        fields.append(f"grad {_number(value.grad, precision)}")
    row = " | ".join(fields)
    return f"{{ {row} }}" if sideways else row


def _group_label(
    view: View, order: list[Value], key: str, show_grad: bool, precision: int, sideways: bool
) -> str:
    """``name (n values) | out: data, grad | p params, max |grad|`` for a group."""
    group = view.groups[key]
    first = order[group.outputs[0]]
    numbers = f"data {_number(first.data, precision)}"
    if show_grad:
        numbers += f" grad {_number(first.grad, precision)}"
    count = len(group.outputs)
    out = f"out: {numbers}" if count == 1 else f"{count} outputs, first: {numbers}"
    size = f"{group.size} value{'s' if group.size != 1 else ''}"
    fields = [f"{key} ({size})", out]
    if group.params:
        params = f"{group.params} param{'s' if group.params != 1 else ''}"
        if show_grad:
            params += f", max |grad| {_number(group.param_max, precision)}"
        fields.append(params)
    row = " | ".join(_escape_record(field) for field in fields)
    return f"{{ {row} }}" if sideways else row


def _edge_style(edge: Edge) -> dict[str, str]:
    """One arrow for k uses: labelled with the count and thicker the more there are.

    An arrow that only carries a group's parameters (to a weight penalty,
    say) is grey, dashed and labelled 'params', and has no weight in the
    layout, so the penalty does not pull every neuron towards it. (It keeps
    its rank constraint: ``constraint=false`` can make flat edges between
    record nodes, which Graphviz 2.43 fails on: "lost ... edge".)
    """
    style: dict[str, str] = {}
    if edge.count > 1:
        style["label"] = f"{TIMES}{edge.count}"
        style["penwidth"] = f"{min(1.0 + math.log10(edge.count), 4.0):.2f}"
    if edge.params_only:
        style["label"] = " ".join(filter(None, (style.get("label"), "params")))
        style.update(style="dashed", color="gray55", fontcolor="gray40", weight="0")
    return style


def _filled(kind: str, fill: str | None) -> dict[str, str]:
    """The attributes of a ``kind`` node, its fill replaced by ``fill`` if given."""
    style = dict(_STYLES[kind])
    if fill is not None:
        style["fillcolor"] = fill
        style["fontcolor"] = font_colour(fill)
    return style


def _grad_scale(view: View, order: list[Value]) -> GradScale:
    """The colour scale fitted to the magnitudes of the boxes this view draws."""
    keys = view.keys
    drawn = [abs(v.grad) for v, key in zip(order, keys) if key is None]
    drawn += [magnitude(view, order, key) for key in view.groups]
    return GradScale(drawn)


def _add_legend(
    graph: Any, kinds_drawn: set[str], nohtml: Any, level: str, scale: GradScale | None
) -> None:
    """A boxed list of the node kinds in this drawing, and the colour scale if any.

    Coloured by gradient, the kinds are told apart by shape and border
    only, so their entries are drawn unfilled, and inputs and intermediate
    values, which differ only in colour, share one entry.
    """
    if scale is None:
        shown = [(kind, text) for kind, text in _LEGEND if kind in kinds_drawn]
    else:
        kinds = {"input" if kind == "intermediate" else kind for kind in kinds_drawn}
        shown = [
            (kind, "value (input, parameter or computed)" if kind == "input" else text)
            for kind, text in _LEGEND
            if kind in kinds
        ]
    title = "legend" if level == "none" else f"legend (collapsed by {level})"
    with graph.subgraph(name="cluster_legend") as box:
        box.attr(label=title, labeljust="l", fontsize="10", style="dashed", color="gray60")
        for kind, text in shown:
            style = {**_filled(kind, None if scale is None else "#ffffff"), "fontsize": "9"}
            box.node(f"legend_{kind}", label=nohtml(_escape_record(text)), **style)
        # Invisible edges chain the entries in a fixed order, so the legend
        # reads as one line in the direction the graph flows.
        for (first, _), (second, _) in itertools.pairwise(shown):
            box.edge(f"legend_{first}", f"legend_{second}", style="invis")
    if scale is None:
        return
    # The scale is one node, a row of coloured cells, so it stays compact.
    cells = "".join(
        f'<td bgcolor="{fill}"><font color="{font_colour(fill)}">{html.escape(text)}</font></td>'
        for text, fill in scale.swatches()
    )
    grid = 'border="0" cellborder="1" cellspacing="0" cellpadding="4"'
    table = f"<table {grid}><tr>{cells}</tr></table>"
    with graph.subgraph(name="cluster_legend_scale") as box:
        box.attr(
            label="|grad|, log scale", labeljust="l", fontsize="10", style="dashed", color="gray60"
        )
        box.node("legend_scale", label=f"<{table}>", shape="plain", fontsize="9")
