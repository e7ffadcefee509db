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

* every ``Value`` is a box with its label (if it has one), ``data`` and
  ``grad``;
* every op is a small oval of its own (``+``, ``*``, ``**2``, ``tanh``,
  ``dot``, ...), with an arrow from each parent into the op and one from
  the op to its result. ``a * a`` draws two arrows from ``a``: the op
  really uses ``a`` twice, and the backward pass adds both contributions;
* colours tell leaves, intermediates and the output apart, and a small
  legend says which is which.

Big graphs (``collapse=``). A moons sample's loss has hundreds of values
(thousands in micrograd) and a full batch tens of thousands, far more than
Graphviz lays out in reasonable time or a person can read. Values made
inside a module carry its path (``value.scope``), so the drawing can show
one box per neuron (``collapse='neuron'``), per layer (``'layer'``) or per
top-level module or loss helper (``'module'``). A collapsed box shows the
group's name and size, its output's data and grad, and how many parameters
it holds with their largest ``|grad|``. Arrows that enter or leave a box
are merged, one per pair of drawn nodes, labelled ``×k`` when they stand
for k uses; an arrow that carries only parameters (into a weight penalty,
say) is grey, dashed and labelled 'params'. Values made outside any module
(inputs, a hand-written loss) keep their own boxes. The default,
``'auto'``, picks the finest view that draws at most ``max_nodes`` boxes
(and, if a view manages it, at most four arrows per allowed box: Graphviz
slows down with arrows even more than with boxes). How scopes map to
groups is spelled out in :mod:`engine.viz.views`.

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
* The graph is counted before anything is drawn. Graphviz's layout takes
  minutes on graphs of a few thousand nodes, so when the chosen view would
  draw more than ``max_nodes`` boxes :func:`draw_dot` raises
  :class:`GraphTooLargeError` instead of hanging a notebook. Op ovals are
  not counted: every op belongs to exactly one box.
* A collapsed view costs one pass over the graph: nodes that are collapsed
  away never reach graphviz, so a 66,000-value batch becomes DOT text in
  well under a second.
"""  # noqa: RUF002 - the multiplication sign of a merged edge, as drawn

from __future__ import annotations

import functools
import html
import itertools
import math
import os
from typing import TYPE_CHECKING, Any

from engine.core.graph import GraphTooLargeError, values_in_order
from engine.core.value import CONSTANT, Value
from engine.teach.names import name_values
from engine.viz.cut import (
    READABLE_SHARE,
    Layout,
    choose_open,
    cut_at_depth,
    layout,
    top_box_count,
)
from engine.viz.fold import Tree, fold
from engine.viz.render import DOT_TIMEOUT, RenderError, add_layout, pick_rankdir, run_dot
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


class GraphvizNotFoundError(RuntimeError):
    """The Graphviz ``dot`` program is missing, so the graph cannot be rendered.

    Raised by ``.pipe()``, ``.render()``, ``.view()`` and notebook display of
    a graph returned by :func:`draw_dot`. It replaces graphviz's own
    ``graphviz.ExecutableNotFound`` (kept as ``__cause__``) with a message
    that says how to install Graphviz. Both are ``RuntimeError`` subclasses,
    so ``except RuntimeError`` catches either.
    """

    def __init__(self, detail: str = "") -> None:
        message = (
            "Rendering a graph needs the Graphviz program `dot`, which was not found "
            "on PATH. `pip install graphviz` installs only the Python bindings; "
            "install the program itself:\n"
            "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
            "  macOS:          brew install graphviz\n"
            "  conda:          conda install -c conda-forge graphviz\n"
            "  Windows:        the installer from graphviz.org, then add its bin "
            "folder to PATH\n"
            "Without Graphviz you can still get the DOT text of the drawing: "
            "print(graph.source), or save it with graph.save('graph.gv'), and "
            "render it anywhere Graphviz is available."
        )
        if detail:
            message += f"\n(graphviz said: {detail})"
        super().__init__(message)


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
    order = values_in_order(root)
    names = name_values(order)
    if focus is not None:
        root = _focus_value(root, focus, names)
        order = values_in_order(root)
    index = {value: i for i, value in enumerate(order)}
    folded: Layout | None = None
    view: View | None = None
    if collapse == "auto" and max_nodes is not None:
        folded = plan_auto(fold(order, index), max_nodes, index[root])
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
    if rankdir == "auto":
        rankdir = pick_rankdir(folded) if folded is not None else "LR"

    graphviz_module = _import_graphviz()
    nohtml = graphviz_module.nohtml  # so a label like "<x>" is not read as HTML

    graph_attr = {"rankdir": rankdir}
    if title is not None:
        graph_attr.update(label=nohtml(_escape_text(title)), labelloc="t", fontsize="16")
    graph = _digraph_class()(
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

        def value_fill(value: Value, kind: str) -> dict[str, str]:
            return _filled(kind, None if scale is None else scale.colour(value.grad))

        def group_fill(g: int, kind: str) -> dict[str, str]:
            return _filled(
                kind, None if scale is None else scale.colour(_group_magnitude(folded, g))
            )

        def numbers(value: Value) -> str:
            text = f"data {_number(value.data, precision)}"
            return f"{text} grad {_number(value.grad, precision)}" if show_grad else text

        def node_label(value: Value, name: str) -> str:
            return _value_label(value, name, show_grad, precision, sideways)

        kinds_drawn = add_layout(
            graph, folded, names, root, node_label, group_fill, value_fill,
            _STYLES["op"], nohtml, numbers,
        )  # fmt: skip
    else:
        assert view is not None
        scale = _grad_scale(view, order) if color_by == "grad" else None
        kinds_drawn = _add_level_view(
            graph, view, order, names, root, scale, nohtml, show_grad, precision, sideways
        )

    if legend:
        _add_legend(graph, kinds_drawn, nohtml, level, scale)
    return graph


def _add_level_view(
    graph: Any,
    view: View,
    order: list[Value],
    names: dict[Value, str],
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
            kind = _kind(value, root)
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


def plan_auto(tree: Tree, max_nodes: int, root: int) -> Layout:
    """The folded drawing with the most detail that fits ``max_nodes`` boxes.

    A graph small enough to read whole is drawn whole, every group open.
    """
    if len(tree.order) <= max(int(max_nodes * READABLE_SHARE), min(max_nodes, 40)):
        return layout(tree, set(range(len(tree.groups))), root)
    if top_box_count(tree) > max_nodes:
        return cut_at_depth(layout(tree, set(), root), max_nodes)
    return choose_open(tree, max_nodes, root)


def _auto_advice(order: list[Value], index: dict[Value, int], root: Value) -> str:
    auto = plan_auto(fold(order, index), DEFAULT_MAX_NODES, index[root])
    return (
        f"The default view, draw_dot(root) (collapse='auto', max_nodes={DEFAULT_MAX_NODES}), "
        f"draws this graph as {auto.box_count} boxes, folding what repeats."
    )


def _focus_value(root: Value, focus: Value | str, names: dict[Value, str]) -> Value:
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


def _kind(value: Value, root: Value) -> str:
    if value is root:
        return "output"
    if value._prev:
        return "intermediate"
    return "constant" if value._seq == CONSTANT else "input"


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


# --- graphviz, imported on first use --------------------------------------------------


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError as exc:
        raise ImportError(
            "draw_dot() needs the graphviz Python package: pip install graphviz. "
            "Rendering also needs the Graphviz programs (e.g. apt-get install "
            "graphviz, brew install graphviz, or conda install -c conda-forge "
            "graphviz)."
        ) from exc
    return graphviz


@functools.cache
def _digraph_class() -> type[Any]:
    """``graphviz.Digraph`` with a helpful error when ``dot`` is missing.

    Defined on first use because graphviz itself is imported on first use.
    Only the entry points are wrapped: ``.view()`` goes through
    ``.render()``, and notebook display (``_repr_image_svg_xml`` and
    friends) goes through ``.pipe()``; ``_repr_mimebundle_`` is wrapped too
    in case a graphviz release routes it differently.
    """
    import graphviz  # draw_dot has already checked that it is installed

    # graphviz ships no type hints, so mypy sees its classes as Any.
    class Digraph(graphviz.Digraph):  # type: ignore[misc]
        """A graphviz.Digraph whose rendering explains how to install Graphviz."""

        collapse = "none"  # the view draw_dot drew: auto, none, neuron, layer or module
        timeout: float | None = DOT_TIMEOUT  # seconds dot may run; None: no limit

        def pipe(
            self,
            format: str | None = None,  # noqa: A002 - graphviz's own name
            *args: Any,
            encoding: str | None = None,
            **kwargs: Any,
        ) -> Any:
            """The rendered drawing, from ``dot`` run with a time limit of ``self.timeout``."""
            program = kwargs.get("engine") or self.engine
            if args or set(kwargs) - {"engine", "quiet"}:
                # renderer/formatter options: graphviz's own pipe (no time limit)
                try:
                    return super().pipe(format, *args, encoding=encoding, **kwargs)
                except graphviz.ExecutableNotFound as exc:
                    raise GraphvizNotFoundError(str(exc)) from exc
            try:
                data = run_dot(self.source, format or self.format, self.timeout, program)
            except FileNotFoundError as exc:
                missing = graphviz.ExecutableNotFound([program])
                missing.__cause__ = exc
                raise GraphvizNotFoundError(str(missing)) from missing
            return data.decode(encoding) if encoding is not None else data

        def render(
            self,
            filename: Any = None,
            directory: Any = None,
            view: bool = False,
            cleanup: bool = False,
            format: str | None = None,  # noqa: A002 - graphviz's own name
            *args: Any,
            outfile: Any = None,
            **kwargs: Any,
        ) -> Any:
            """Save the DOT text and write the rendered file next to it (or to ``outfile``)."""
            if view or args or kwargs:
                try:
                    return super().render(
                        filename, *args, directory=directory, view=view, cleanup=cleanup,
                        format=format, outfile=outfile, **kwargs,
                    )  # fmt: skip
                except graphviz.ExecutableNotFound as exc:
                    raise GraphvizNotFoundError(str(exc)) from exc
            fmt = format or self.format
            if outfile is not None:
                target = os.fspath(outfile)
                fmt = format or os.path.splitext(target)[1].lstrip(".") or self.format
                source_path = (
                    self.save(os.path.splitext(target)[0] + ".gv")
                    if filename is None
                    else self.save(filename, directory)
                )
            else:
                source_path = self.save(filename, directory=directory)
                target = f"{source_path}.{fmt}"
            data = self.pipe(fmt)
            with open(target, "wb") as file:
                file.write(data)
            if cleanup:
                os.remove(source_path)
            return target

        def _repr_mimebundle_(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super()._repr_mimebundle_(*args, **kwargs)
            except graphviz.ExecutableNotFound as exc:
                raise GraphvizNotFoundError(str(exc)) from exc

    # Show as engine.viz.Digraph in reprs rather than as a function local.
    Digraph.__qualname__ = "Digraph"
    return Digraph
