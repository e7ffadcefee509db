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

Design notes:

* ``graphviz`` is imported inside the functions that need it, so
  ``import engine`` works on a machine without it.
* Node ids come from the traversal order (``v0``, ``v1``, ...), never from
  ``id()``, so the same graph always gives byte-identical DOT source, which
  can be diffed and tested.
* The traversal keeps its own stack instead of recursing, so a chain of a
  million nodes is no harder than a chain of ten.
* The graph is counted before anything is drawn. Graphviz's layout takes
  minutes on graphs of a few thousand nodes, so past ``max_nodes`` values
  :func:`draw_dot` raises :class:`GraphTooLargeError` instead of hanging a
  notebook.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING, Any

from engine.value import CONSTANT, Value

if TYPE_CHECKING:
    import graphviz

__all__ = ["DEFAULT_MAX_NODES", "GraphTooLargeError", "GraphvizNotFoundError", "draw_dot"]

DEFAULT_MAX_NODES = 500

_RANKDIRS = ("LR", "TB", "RL", "BT")


class GraphTooLargeError(ValueError):
    """The graph has more values than ``draw_dot(..., max_nodes=)`` allows."""


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
    ("op", "op"),
)


def draw_dot(
    root: Value,
    format: str = "svg",  # noqa: A002 - the name graphviz and micrograd use
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    title: str | None = None,
    *,
    precision: int = 4,
    legend: bool = True,
) -> graphviz.Digraph:
    """Draw the graph that computed ``root`` and return a ``graphviz.Digraph``.

    Args:
        root: the value whose history is drawn (usually a loss).
        format: output format for ``.render()`` and ``.pipe()``: 'svg',
            'png', 'pdf', ...
        rankdir: direction the graph flows: 'LR' (left to right), 'TB'
            (top to bottom), 'RL' or 'BT'.
        show_grad: show each value's ``grad`` next to its ``data``.
        max_nodes: refuse graphs with more values than this (see
            :class:`GraphTooLargeError`); ``None`` draws any size.
        title: a caption drawn above the graph.
        precision: significant digits shown for data and grad.
        legend: add a small box explaining the colours.

    Returns:
        A ``graphviz.Digraph`` (a subclass whose rendering methods raise
        :class:`GraphvizNotFoundError` with install instructions when the
        ``dot`` program is missing). Its ``.source`` is the DOT text.

    Raises:
        GraphTooLargeError: the graph has more than ``max_nodes`` values.
        TypeError: ``root`` is not a Value.
        ValueError: an unknown ``rankdir`` or a bad ``max_nodes``/``precision``.
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

    # Count first: refusing a huge graph must be quick and must not need graphviz.
    order = _values_in_order(root)
    if max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLargeError(
            f"this graph has {len(order)} values, more than max_nodes={max_nodes}. "
            "Graphviz can take minutes to lay out graphs of a few thousand nodes, "
            "so draw_dot stops here instead of freezing your notebook. To draw it "
            f"anyway pass max_nodes={len(order)} (or max_nodes=None for no limit), "
            "or draw a smaller part, e.g. a single neuron's output."
        )

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

    # In LR/RL layouts a record's top-level fields stack vertically; the
    # outer braces turn the box so label | data | grad read as one row.
    sideways = rankdir in ("LR", "RL")
    node_id = {value: f"v{i}" for i, value in enumerate(order)}
    kinds_drawn: set[str] = set()

    # ``order`` lists parents before children, so every edge below starts at
    # a node that has already been written out.
    for i, value in enumerate(order):
        kind = _kind(value, root)
        kinds_drawn.add(kind)
        label = _value_label(value, show_grad, precision, sideways)
        graph.node(node_id[value], label=nohtml(label), **_STYLES[kind])
        if value._prev:
            kinds_drawn.add("op")
            op = f"op{i}"
            graph.node(op, label=nohtml(_escape_text(value._op)), **_STYLES["op"])
            # One edge per parent, duplicates included: a * a has two.
            for parent in value._prev:
                graph.edge(node_id[parent], op)
            graph.edge(op, node_id[value])

    if legend:
        _add_legend(graph, kinds_drawn, nohtml)
    return graph


# --- the traversal --------------------------------------------------------------------


def _values_in_order(root: Value) -> list[Value]:
    """Every value ``root`` depends on (root included), parents before children.

    A depth-first search with an explicit stack, visiting parents in the
    order of ``_prev``; a value is listed once all its parents are. The
    order depends only on the graph's shape, never on memory addresses or
    creation numbers, which is what makes the DOT source reproducible.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    # (value, parents_done): a value is pushed once to visit its parents
    # and once more, underneath them, to be listed after them.
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        value, parents_done = stack.pop()
        if parents_done:
            order.append(value)
            continue
        if value in seen:  # reached earlier along another path
            continue
        seen.add(value)
        stack.append((value, True))
        # Reversed, so the first parent is popped, and so listed, first.
        for parent in reversed(value._prev):
            if parent not in seen:
                stack.append((parent, False))
    return order


def _kind(value: Value, root: Value) -> str:
    if value is root:
        return "output"
    if value._prev:
        return "intermediate"
    return "constant" if value._seq == CONSTANT else "input"


# --- labels ---------------------------------------------------------------------------

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


def _value_label(value: Value, show_grad: bool, precision: int, sideways: bool) -> str:
    fields = []
    if value.label:
        fields.append(_escape_record(str(value.label)))
    fields.append(f"data {_number(value.data, precision)}")
    if show_grad:
        fields.append(f"grad {_number(value.grad, precision)}")
    row = " | ".join(fields)
    return f"{{ {row} }}" if sideways else row


def _add_legend(graph: Any, kinds_drawn: set[str], nohtml: Any) -> None:
    """A boxed list of the node kinds that appear in this drawing."""
    shown = [(kind, text) for kind, text in _LEGEND if kind in kinds_drawn]
    with graph.subgraph(name="cluster_legend") as box:
        box.attr(label="legend", labeljust="l", fontsize="10", style="dashed", color="gray60")
        for kind, text in shown:
            style = {**_STYLES[kind], "fontsize": "9"}
            box.node(f"legend_{kind}", label=nohtml(_escape_record(text)), **style)
        # Invisible edges chain the entries in a fixed order, so the legend
        # reads as one line in the direction the graph flows.
        for (first, _), (second, _) in itertools.pairwise(shown):
            box.edge(f"legend_{first}", f"legend_{second}", style="invis")


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

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound as exc:
                raise GraphvizNotFoundError(str(exc)) from exc

        def render(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound as exc:
                raise GraphvizNotFoundError(str(exc)) from exc

        def _repr_mimebundle_(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super()._repr_mimebundle_(*args, **kwargs)
            except graphviz.ExecutableNotFound as exc:
                raise GraphvizNotFoundError(str(exc)) from exc

    # Show as engine.viz.Digraph in reprs rather than as a function local.
    Digraph.__qualname__ = "Digraph"
    return Digraph
