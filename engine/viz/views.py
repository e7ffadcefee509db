"""Collapsed views and gradient colours for :func:`engine.viz.draw_dot`.

A full drawing has one box per value, and Graphviz needs minutes for a few
thousand boxes. Every value recorded inside a module or loss helper knows
where it was made (``value.scope``, e.g. ``'MLP.layers[1].neurons[3]'``),
so a drawing can instead show one box per neuron, per layer or per
module. This file walks the graph, works out those boxes and the arrows
between them, picks the view for ``collapse='auto'`` and maps gradients to
colours; it never imports graphviz, and :mod:`engine.viz` draws.

How a scope becomes a group key (each level truncates the previous one's
key further, so a coarser view never splits a group of a finer one). A
scope is a dotted path: ``'Net.body.layers[0].neurons[2]'`` has the
components ``Net``, ``body``, ``layers[0]`` and ``neurons[2]``.

========  ==================================================================
level     key
========  ==================================================================
none      no groups: every value is drawn on its own
neuron    the scope up to its last ``neurons[i]`` component
          ('Net.body.layers[0].neurons[2]'); a scope without one is kept
          whole ('l2_penalty', 'Neuron')
layer     the neuron key up to its last ``layers[i]`` component
          ('Net.body.layers[0]'); without one, the part before the first
          ``neurons[i]`` (a Layer used on its own: 'Layer.neurons[2]' ->
          'Layer'); without either, kept whole
module    the first component ('Net', 'l2_penalty')
========  ==================================================================

Values with no scope (inputs, and glue computed outside any module, such
as a hinge loss written by hand) are never grouped. Constants are the one
exception: a number that an op wrapped (the 2 in ``x * 2``) has no scope of
its own, but when every op that uses it lies in one group it belongs to
that group, so a loss helper's divisor does not float beside its box.

(About 460 lines, kept whole: the named levels and the gradient colour
scale are both read by every drawing and share their small helpers.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from engine.core.value import CONSTANT, Value

LEVELS = ("none", "neuron", "layer", "module")
"""The views, finest first."""

COLLAPSE_CHOICES = ("auto", *LEVELS)


# --- group keys -----------------------------------------------------------------------


def _is_item(component: str, name: str) -> bool:
    """``component`` is ``name[...]``, e.g. ``neurons[3]`` for name 'neurons'."""
    return component.startswith(name + "[") and component.endswith("]")


def _through_last(parts: list[str], name: str) -> str | None:
    """The path up to and including its last ``name[i]`` component, if it has one."""
    for i in range(len(parts) - 1, -1, -1):
        if _is_item(parts[i], name):
            return ".".join(parts[: i + 1])
    return None


def _neuron_key(scope: str) -> str:
    return _through_last(scope.split("."), "neurons") or scope


def _layer_key(neuron_key: str) -> str:
    parts = neuron_key.split(".")
    key = _through_last(parts, "layers")
    if key is not None:
        return key
    for i, part in enumerate(parts):
        if _is_item(part, "neurons"):
            # A layer that is not in a list called 'layers' is the module
            # that holds the neurons; at position 0 there is nothing to keep.
            return ".".join(parts[:i]) if i else neuron_key
    return neuron_key


def group_key(scope: str | None, level: str) -> str | None:
    """The group a value with this ``scope`` is drawn in at ``level``; None: its own box.

    >>> group_key('MLP.layers[1].neurons[3]', 'layer')
    'MLP.layers[1]'
    >>> group_key('l2_penalty', 'neuron')
    'l2_penalty'
    """
    if scope is None or level == "none":
        return None
    key = _neuron_key(scope)
    if level == "neuron":
        return key
    key = _layer_key(key)
    if level == "layer":
        return key
    if level == "module":
        return key.split(".", 1)[0]
    raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")


def parameter_module(scope: str) -> str:
    """The module of a parameter: 'Net.layers[0].neurons[2].w[1]' -> '...neurons[2]'."""
    return scope.rpartition(".")[0] or scope


def assign_keys(order: Sequence[Value], index: dict[Value, int], level: str) -> list[str | None]:
    """The group key of every value in ``order`` (None: drawn on its own)."""
    if level == "none":
        return [None] * len(order)
    cache: dict[str, str | None] = {}
    keys: list[str | None] = []
    for value in order:
        scope = value._scope
        if scope is None:
            keys.append(None)
            continue
        if not value._prev:  # a parameter: its scope ends in its own name
            scope = parameter_module(scope)
        if scope not in cache:
            cache[scope] = group_key(scope, level)
        keys.append(cache[scope])
    # A constant joins the group of the ops that use it, if they share one.
    owner: dict[int, str | None] = {}
    for value, key in zip(order, keys):
        for parent in value._prev:
            if parent._seq == CONSTANT:
                j = index[parent]
                if j not in owner:
                    owner[j] = key
                elif owner[j] != key:
                    owner[j] = None
    for j, key in owner.items():
        if key is not None:
            keys[j] = key
    return keys


def drawn_count(keys: Sequence[str | None]) -> int:
    """Boxes a view draws: one per group plus one per ungrouped value."""
    return len({k for k in keys if k is not None}) + keys.count(None)


# --- a view: groups, and edges with their multiplicity -----------------------------


@dataclass
class Group:
    """One collapsed box: the values whose key is ``key``.

    ``outputs`` are the indices (in the traversal order) of the group's
    values that something outside the group uses, or the root: computed
    values only, unless the group has none (a module whose parameters are
    used elsewhere, but never called). ``params`` counts its parameters
    (leaves other than constants) and ``param_max`` is their largest
    ``|grad|`` (nan if any is nan).
    """

    key: str
    node: str  # the DOT id, g0, g1, ...
    first: int  # index of its first value in the traversal order
    size: int = 0
    params: int = 0
    param_max: float = 0.0
    holds_root: bool = False
    outputs: list[int] = field(default_factory=list)


@dataclass
class Edge:
    """``count`` uses of ``src`` by ``dst``, drawn as one arrow.

    ``params_only``: every use is of a parameter of the group ``src`` (a
    weight penalty reading a layer's weights), none of a computed value.
    """

    src: str
    dst: str
    count: int = 1
    params_only: bool = False


@dataclass
class View:
    level: str
    keys: list[str | None]
    groups: dict[str, Group]
    edges: list[Edge]


def _largest(current: float, candidate: float) -> float:
    """max(current, |candidate|), where nan wins so that it is never hidden."""
    magnitude = abs(candidate)
    if math.isnan(current) or math.isnan(magnitude):
        return math.nan
    return magnitude if magnitude > current else current


def build_view(
    order: Sequence[Value], index: dict[Value, int], keys: list[str | None], root: Value, level: str
) -> View:
    """Groups and edges of the view given by ``keys``, in one pass over the graph.

    Node ids: ``v{i}`` for a value drawn on its own (``i`` is its place in
    ``order``, the same in every view), ``op{i}`` for the op that made it,
    ``g{j}`` for the groups in order of first appearance. Edges keep the
    direction of the data flow. An edge between two values drawn on their
    own is drawn once per use, as in the full view (``a * a`` has two); all
    uses of one drawn node by another that involve a group are merged into
    one ``Edge`` whose ``count`` says how many there are.
    """
    groups: dict[str, Group] = {}
    for i, (value, key) in enumerate(zip(order, keys)):
        if key is None:
            continue
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(key, f"g{len(groups)}", i)
        group.size += 1
        if not value._prev and value._seq != CONSTANT:
            group.params += 1
            group.param_max = _largest(group.param_max, value.grad)

    edges: list[Edge] = []
    merged: dict[tuple[str, str], Edge] = {}
    used_outside: dict[str, set[int]] = {}
    for i, value in enumerate(order):
        if not value._prev:
            continue
        key = keys[i]
        target = f"op{i}" if key is None else groups[key].node
        for parent in value._prev:
            j = index[parent]
            parent_key = keys[j]
            if parent_key is None:
                if key is None:  # value to op, both drawn: one arrow per use
                    edges.append(Edge(f"v{j}", target))
                    continue
                source = f"v{j}"
            elif parent_key == key:
                continue  # inside one group: not drawn
            else:
                used_outside.setdefault(parent_key, set()).add(j)
                source = groups[parent_key].node
            edge = merged.get((source, target))
            if edge is None:
                edge = merged[source, target] = Edge(source, target, 0, parent_key is not None)
                edges.append(edge)
            edge.count += 1
            if parent._prev:
                edge.params_only = False
        if key is None:
            edges.append(Edge(target, f"v{i}"))

    root_key = keys[index[root]]
    if root_key is not None:
        groups[root_key].holds_root = True
        used_outside.setdefault(root_key, set()).add(index[root])
    for key, group in groups.items():
        outputs = sorted(used_outside.get(key, ()))
        computed = [j for j in outputs if order[j]._prev]
        group.outputs = computed or outputs
    return View(level, keys, groups, edges)


# --- which view to draw ---------------------------------------------------------------

# collapse='auto' also keeps the arrows to this many per drawn box: past
# that, a picture turns into a mesh of crossing arrows (one sample's neuron
# view of an MLP 2-16-16-1: 44 boxes but 16 x 16 arrows between the layers).
EDGES_PER_BOX = 3


def choose_view(
    order: list[Value], index: dict[Value, int], root: Value, collapse: str, max_nodes: int | None
) -> View | None:
    """The view to draw, or None if it (with 'auto': every view) is too large.

    'auto' takes the finest view that draws at most ``max_nodes`` boxes and
    at most ``EDGES_PER_BOX`` arrows per box drawn. Arrows are what make a
    picture unreadable, and Graphviz's time grows faster with arrows than
    with boxes: a batch's neuron view has 235 boxes but 3,500 arrows (every
    input into every first-layer neuron) and takes it 12 s, its layer view
    0.1 s. If no view fits both limits, the view
    with the fewest arrows among those that fit ``max_nodes`` is drawn (the
    finest of equals); too many arrows alone never make a drawing fail.
    """
    if collapse != "auto" or max_nodes is None:
        level = "none" if collapse == "auto" else collapse
        keys = assign_keys(order, index, level)
        if max_nodes is None or drawn_count(keys) <= max_nodes:
            return build_view(order, index, keys, root, level)
        return None
    fallback: View | None = None
    for level in LEVELS:
        keys = assign_keys(order, index, level)
        if drawn_count(keys) > max_nodes:
            continue
        view = build_view(order, index, keys, root, level)
        if len(view.edges) <= EDGES_PER_BOX * drawn_count(keys):
            return view
        if fallback is None or len(view.edges) < len(fallback.edges):
            fallback = view
    return fallback


def too_large_message(
    order: list[Value], index: dict[Value, int], collapse: str, max_nodes: int
) -> str:
    """Why :func:`choose_view` found nothing to draw, and what would help."""
    level = "module" if collapse == "auto" else collapse
    keys = assign_keys(order, index, level)
    count = drawn_count(keys)
    if len(order) == count:
        # Collapsing changes nothing here (or was not asked for): say it simply.
        first = f"this graph has {count} values, more than max_nodes={max_nodes}"
    elif collapse == "auto":
        first = (
            f"this graph has {len(order)} values, more than max_nodes={max_nodes}, and even "
            f"collapsed by module (collapse='module') it draws {count} boxes"
        )
    else:
        first = (
            f"collapsed by {level} this graph draws {count} boxes (of {len(order)} values), "
            f"more than max_nodes={max_nodes}"
        )
    loose = keys.count(None)
    if level != "none" and 2 * loose > count:
        first += (
            f". {loose} of them are values made outside any module (inputs, and a loss "
            "written by hand); compute the loss inside `with engine.scope('loss'):` (or "
            "with nn.losses) and it becomes one box too"
        )
    other = ""
    if collapse != "auto":
        for coarser in LEVELS[LEVELS.index(level) + 1 :]:
            fewer = drawn_count(assign_keys(order, index, coarser))
            if fewer <= max_nodes:
                other = f", or a coarser view: collapse='{coarser}' draws {fewer} boxes"
                break
    return (
        f"{first}. Graphviz can take minutes to lay out graphs of a few thousand nodes, "
        "so draw_dot stops here instead of freezing your notebook. To draw it "
        f"anyway pass max_nodes={count} (or max_nodes=None for no limit){other}, "
        "or draw a smaller part, e.g. a single neuron's output."
    )


# --- colouring by gradient magnitude ------------------------------------------------

# A sequential map from pale (small |grad|) to dark (large |grad|): the
# nine classes of ColorBrewer's YlOrRd, whose lightness falls steadily.
_RAMP = (
    "#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c",
    "#fc4e2a", "#e31a1c", "#bd0026", "#800026",
)  # fmt: skip
ZERO_FILL = "#d9d9d9"  # exactly zero: no gradient reached it (a dead relu, an unused input)
NONFINITE_FILL = "#3f6fb5"  # nan or inf: off the scale, and a colour the ramp never uses
_MAX_SWATCHES = 7


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    """Relative luminance (0 black .. 1 white) of a '#rrggbb' colour, as WCAG defines it."""

    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = _rgb(colour)
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def font_colour(fill: str) -> str:
    """Black text on light fills, white on dark ones."""
    return "white" if luminance(fill) < 0.18 else "black"


def _ramp(t: float) -> str:
    """The colour a fraction ``t`` (0..1) of the way along the ramp."""
    t = min(max(t, 0.0), 1.0) * (len(_RAMP) - 1)
    i = min(int(t), len(_RAMP) - 2)
    frac = t - i
    a, b = _rgb(_RAMP[i]), _rgb(_RAMP[i + 1])
    r, g, bl = (round(x + (y - x) * frac) for x, y in zip(a, b))
    return f"#{r:02x}{g:02x}{bl:02x}"


class GradScale:
    """Maps ``|grad|`` to a fill colour on a log scale fitted to the drawing.

    The scale runs from the power of ten at or below the smallest nonzero
    finite magnitude drawn to the power of ten at or above the largest, so
    a drawing whose gradients span 1e-9 .. 0.3 runs pale from 1e-9 to dark
    at 1. Exactly zero and non-finite magnitudes get colours of their own.
    """

    def __init__(self, magnitudes: Iterable[float]) -> None:
        finite = []
        self.has_zero = False
        self.has_nonfinite = False
        for m in magnitudes:
            m = abs(m)
            if not math.isfinite(m):
                self.has_nonfinite = True
            elif m == 0.0:
                self.has_zero = True
            else:
                finite.append(m)
        if finite:
            self.low = math.floor(math.log10(min(finite)))
            self.high = math.ceil(math.log10(max(finite)))
        else:
            self.low, self.high = 0, 1
        if self.high == self.low:
            self.high += 1

    def colour(self, magnitude: float) -> str:
        m = abs(magnitude)
        if not math.isfinite(m):
            return NONFINITE_FILL
        if m == 0.0:
            return ZERO_FILL
        return _ramp((math.log10(m) - self.low) / (self.high - self.low))

    def swatches(self) -> list[tuple[str, str]]:
        """``(text, fill)`` pairs for the printed scale, smallest first."""
        decades = self.high - self.low
        step = max(1, math.ceil(decades / (_MAX_SWATCHES - 1)))
        exponents = list(range(self.low, self.high + 1, step))
        if exponents[-1] != self.high:
            exponents.append(self.high)
        shown = [(f"{10.0**e:.0e}", self.colour(10.0**e)) for e in exponents]
        if self.has_zero:
            shown.insert(0, ("0", ZERO_FILL))
        if self.has_nonfinite:
            shown.append(("nan / inf", NONFINITE_FILL))
        return shown


def magnitude(view: View, order: Sequence[Value], key: str) -> float:
    """What a group is coloured by: its parameters' largest |grad|.

    A group without parameters (a loss helper) uses its outputs' largest
    |grad| instead.
    """
    group = view.groups[key]
    if group.params:
        return group.param_max
    largest = 0.0
    for j in group.outputs:
        largest = _largest(largest, order[j].grad)
    return largest
