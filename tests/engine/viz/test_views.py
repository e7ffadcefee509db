"""Tests for draw_dot's collapsed views (collapse=) and gradient colours (color_by=).

Like tests/test_viz.py these read the DOT text and need no Graphviz program,
except one render of each view to check that Graphviz accepts it.
"""

from __future__ import annotations

import math
import random
import re
import textwrap
import time
from typing import Any, cast

import pytest

import engine
import engine.viz
from engine import GraphTooLargeError, Value, draw_dot
from engine.viz.dot import TIMES, view_sizes
from engine.viz.views import EDGES_PER_BOX, NONFINITE_FILL, ZERO_FILL, group_key, luminance
from nn import MLP, Layer
from nn.losses import hinge_loss, l2_penalty, mse_loss
from tests.dotsource import attr, edges, label, nodes
from tests.fixtures import printed_under_two_hash_seeds

# --- reading collapsed drawings -------------------------------------------------------

EDGE_WITH_ATTRS = re.compile(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$", re.MULTILINE)
GROUP_LABEL = re.compile(
    r"^\{ (?P<name>\S+) \((?P<size>\d+) values?\) \| "
    r"(?:out: |(?P<outputs>\d+) outputs, first: )data (?P<data>\S+)(?: grad (?P<grad>\S+))?"
    r"(?: \| (?P<params>\d+) params?(?:, max \\\|grad\\\| (?P<max>\S+))?)? \}$"
)


def groups(source: str) -> dict[str, dict[str, Any]]:
    """Group name -> its node id and the fields of its label."""
    found = {}
    for node, attrs in nodes(source).items():
        if re.fullmatch(r"g\d+", node):
            match = GROUP_LABEL.match(label(attrs))
            assert match, label(attrs)
            found[match["name"]] = {"node": node, **match.groupdict()}
    return found


def drawn_boxes(source: str) -> list[str]:
    """Ids of the boxes a view draws: values (v...) and groups (g...), no ops or legend."""
    return [n for n in nodes(source) if re.fullmatch(r"[vg]\d+", n)]


def edge_attrs(source: str) -> list[tuple[str, str, str]]:
    return [
        (a, b, rest or "")
        for a, b, rest in EDGE_WITH_ATTRS.findall(source)
        if not a.startswith("legend_")
    ]


def multiplicity(source: str) -> dict[tuple[str, str], str]:
    """(from, to) -> the edge label ('' when it stands for a single use)."""
    found: dict[tuple[str, str], str] = {}
    for a, b, rest in edge_attrs(source):
        match = re.search(r'label="([^"]*)"', rest)
        found[a, b] = match.group(1) if match else ""
    return found


# --- the graphs -----------------------------------------------------------------------


def small_loss() -> tuple[MLP, list[Value], Value, Value]:
    """MLP(2, [3, 1]) on one point: hinge by hand plus 0.01 * l2_penalty."""
    random.seed(0)
    model = MLP(2, [3, 1])
    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    score = model(x)
    assert isinstance(score, Value)
    loss = (1 + -1 * score).relu() + 0.01 * l2_penalty(model.parameters())
    loss.backward()
    return model, x, score, loss


def micrograd_style_batch(samples: int) -> Value:
    """micrograd's demo loss over ``samples`` points, one mul and one add per weight."""
    random.seed(1)
    model = MLP(2, [16, 16, 1])
    rng = random.Random(2)
    total: Value | float = 0.0
    for _ in range(samples):
        out: list[Value] = [Value(rng.uniform(-1, 2)), Value(rng.uniform(-1, 1))]
        for layer in model.layers:
            outs = []
            for neuron in layer.neurons:
                with engine.scope(neuron.path):
                    act = sum((w * x for w, x in zip(neuron.w, out)), neuron.b)
                    outs.append(act.relu() if neuron.nonlin else act)
            out = outs
        total = total + (1 + -1 * out[0]).relu()
    loss = total * (1 / samples) + 1e-4 * sum(p * p for p in model.parameters())
    assert isinstance(loss, Value)
    loss.backward()
    return loss


# --- how scopes become groups ---------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "neuron", "layer", "module"),
    [
        ("MLP.layers[1].neurons[3]", "MLP.layers[1].neurons[3]", "MLP.layers[1]", "MLP"),
        ("Net.body.layers[0].neurons[2]", "Net.body.layers[0].neurons[2]",
         "Net.body.layers[0]", "Net"),
        ("Layer.neurons[2]", "Layer.neurons[2]", "Layer", "Layer"),  # a Layer on its own
        ("l2_penalty", "l2_penalty", "l2_penalty", "l2_penalty"),
        ("Neuron", "Neuron", "Neuron", "Neuron"),
        ("MLP.dropout", "MLP.dropout", "MLP.dropout", "MLP"),
        ("neurons[1].x", "neurons[1]", "neurons[1]", "neurons[1]"),
    ],
)  # fmt: skip
def test_group_keys_truncate_the_scope(scope: str, neuron: str, layer: str, module: str) -> None:
    assert group_key(scope, "none") is None
    assert group_key(scope, "neuron") == neuron
    assert group_key(scope, "layer") == layer
    assert group_key(scope, "module") == module


def test_no_scope_is_never_grouped() -> None:
    for level in ("none", "neuron", "layer", "module"):
        assert group_key(None, level) is None


# --- each view ------------------------------------------------------------------------


def test_every_view_of_a_small_mlp() -> None:
    model, _, _, loss = small_loss()
    expected = {
        "none": set(),
        "neuron": {"MLP.layers[0].neurons[0]", "MLP.layers[0].neurons[1]",
                   "MLP.layers[0].neurons[2]", "MLP.layers[1].neurons[0]", "l2_penalty"},
        "layer": {"MLP.layers[0]", "MLP.layers[1]", "l2_penalty"},
        "module": {"MLP", "l2_penalty"},
    }  # fmt: skip
    loose: set[str] | None = None
    for view, names in expected.items():
        graph = draw_dot(loss, collapse=view)
        assert graph.collapse == view
        source = graph.source
        assert set(groups(source)) == names
        if view == "none":
            continue
        # What no module made is drawn the same way in every collapsed view:
        # the inputs, the hand-written hinge and its constants, the sum.
        individual = {n: label(a) for n, a in nodes(source).items() if re.fullmatch(r"v\d+", n)}
        assert {"{ x1 | data 0.5 | grad -0.06143 }", "{ x2 | data -1 | grad -0.1986 }"} <= set(
            individual.values()
        )
        assert len(individual) == 10  # x1, x2, 3 constants, 5 values of glue
        if loose is None:
            loose = set(individual)
        assert set(individual) == loose  # same ids (v<i>) in every view
    assert len(model.parameters()) == 13


def test_module_view_exactly() -> None:
    *_, loss = small_loss()
    source = draw_dot(loss, collapse="module", legend=False).source
    found = groups(source)
    assert found["MLP"]["node"] == "g0"
    assert label(nodes(source)["g0"]) == (
        r"{ MLP (20 values) | out: data -0.1679 grad -1 | 13 params, max \|grad\| 1 }"
    )
    assert label(nodes(source)["g1"]) == "{ l2_penalty (1 value) | out: data 1.514 grad 0.01 }"
    assert edges(source) == [
        ("v7", "g0"), ("v8", "g0"),  # x1 and x2 into the MLP
        ("v1", "op24"), ("g0", "op24"), ("op24", "v24"),  # -1 * score
        ("v0", "op25"), ("v24", "op25"), ("op25", "v25"),  # 1 + ...
        ("v25", "op26"), ("op26", "v26"),  # relu
        ("g0", "g1"),  # the parameters into the penalty
        ("v27", "op29"), ("g1", "op29"), ("op29", "v29"),  # 0.01 * l2
        ("v26", "op30"), ("v29", "op30"), ("op30", "v30"),  # the sum
    ]  # fmt: skip
    styles = {kind: attr(nodes(source)[n], "style") for kind, n in (("group", "g0"),)}
    assert styles == {"group": "filled"}
    assert attr(nodes(source)["g0"], "shape") == "Mrecord"


def test_rendering_every_view_with_graphviz() -> None:
    *_, loss = small_loss()
    for view in ("none", "neuron", "layer", "module"):
        for color_by in ("kind", "grad"):
            svg = draw_dot(loss, collapse=view, color_by=color_by).pipe(format="svg")
            assert b"<svg" in svg


def test_top_to_bottom_groups_need_no_braces() -> None:
    *_, loss = small_loss()
    source = draw_dot(loss, collapse="module", rankdir="TB").source
    assert label(nodes(source)["g1"]) == "l2_penalty (1 value) | out: data 1.514 grad 0.01"


def test_show_grad_false_hides_group_grads() -> None:
    *_, loss = small_loss()
    source = draw_dot(loss, collapse="module", show_grad=False).source
    assert label(nodes(source)["g0"]) == "{ MLP (20 values) | out: data -0.1679 | 13 params }"
    assert "grad" not in source


# --- group totals agree with the full graph --------------------------------------------


def largest_grad(params: list[Value]) -> float:
    return max(abs(p.grad) for p in params)


def test_layer_totals_match_the_model() -> None:
    model, _, score, loss = small_loss()
    found = groups(draw_dot(loss, collapse="layer", precision=17).source)
    for i, layer in enumerate(model.layers):
        group = found[f"MLP.layers[{i}]"]
        params = layer.parameters()
        assert int(group["params"]) == len(params)
        assert float(group["max"]) == largest_grad(params)
    # The output layer's output is the score itself.
    last = found["MLP.layers[1]"]
    assert last["outputs"] is None  # one output
    assert (float(last["data"]), float(last["grad"])) == (score.data, score.grad)
    # The hidden layer has three outputs; the first is neuron 0's relu.
    hidden = found["MLP.layers[0]"]
    first = score._prev[3]  # the dot's parents: w0..w2, the three hidden outputs, b
    assert first.scope == "MLP.layers[0].neurons[0]"
    assert int(hidden["outputs"]) == 3
    assert (float(hidden["data"]), float(hidden["grad"])) == (first.data, first.grad)


def test_neuron_and_module_totals_match_the_model() -> None:
    model, _, _, loss = small_loss()
    found = groups(draw_dot(loss, collapse="neuron", precision=17).source)
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            group = found[f"MLP.layers[{i}].neurons[{j}]"]
            assert int(group["params"]) == len(neuron.parameters())
            assert float(group["max"]) == largest_grad(neuron.parameters())
            assert group["outputs"] is None  # a neuron has one output
    found = groups(draw_dot(loss, collapse="module", precision=17).source)
    assert int(found["MLP"]["params"]) == 13
    assert float(found["MLP"]["max"]) == largest_grad(model.parameters())
    penalty = found["l2_penalty"]
    assert penalty["params"] is None  # the parameters belong to their neurons
    assert float(penalty["data"]) == sum(p.data**2 for p in model.parameters())


def test_group_sizes_add_up_to_the_graph() -> None:
    *_, loss = small_loss()
    values = view_sizes(loss)["none"]
    for view in ("neuron", "layer", "module"):
        source = draw_dot(loss, collapse=view).source
        grouped = sum(int(g["size"]) for g in groups(source).values())
        alone = sum(1 for n in drawn_boxes(source) if n.startswith("v"))
        assert grouped + alone == values


def test_root_inside_a_group_is_its_output() -> None:
    random.seed(0)
    model = MLP(2, [3, 1])
    score = model([0.5, -1.0])
    assert isinstance(score, Value)
    score.backward()
    source = draw_dot(score, collapse="module", precision=17).source
    [(name, group)] = groups(source).items()
    assert name == "MLP"
    assert (float(group["data"]), float(group["grad"])) == (score.data, 1.0)
    assert "bold" in attr(nodes(source)[group["node"]], "style")


def test_a_module_only_read_by_a_penalty_shows_its_parameters_as_outputs() -> None:
    random.seed(0)
    model = MLP(2, [3, 1])
    penalty = l2_penalty(model.parameters())  # the model is never called
    penalty.backward()
    found = groups(draw_dot(penalty, collapse="layer").source)
    assert int(found["MLP.layers[0]"]["outputs"]) == 9
    assert int(found["MLP.layers[0]"]["params"]) == 9


def test_constants_an_op_wrapped_join_its_group() -> None:
    random.seed(0)
    model = MLP(2, [2, 1])
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    loss = mse_loss([out], [1.0])  # wraps the target 1.0 and the divisor 1
    loss.backward()
    source = draw_dot(loss, collapse="module").source
    assert set(groups(source)) == {"MLP", "mse_loss"}
    assert not [n for n, a in nodes(source).items() if n.startswith("v") and "dashed" in a]
    # Without collapsing, they are there as dashed constants.
    full = draw_dot(loss, collapse="none").source
    assert len([n for n, a in nodes(full).items() if n.startswith("v") and "dashed" in a]) == 2


def test_a_constant_shared_by_glue_and_a_group_stays_alone() -> None:
    x = Value(2.0, label="x")
    with engine.scope("block"):
        y = x * 3.0
    z = y + 1.0
    z.backward()
    source = draw_dot(z, collapse="module").source
    assert set(groups(source)) == {"block"}  # x * 3.0, the 3.0 inside
    dashed = [n for n, a in nodes(source).items() if n.startswith("v") and "dashed" in a]
    assert len(dashed) == 1  # the 1.0, used by glue


# --- edges and their multiplicity -----------------------------------------------------


def test_merged_edges_count_their_uses() -> None:
    *_, loss = small_loss()
    source = draw_dot(loss, collapse="layer").source
    ids = {name: g["node"] for name, g in groups(source).items()}
    found = multiplicity(source)
    first, last, penalty = ids["MLP.layers[0]"], ids["MLP.layers[1]"], ids["l2_penalty"]
    assert found["v7", first] == f"{TIMES}3"  # x1 feeds all three hidden neurons
    assert found["v8", first] == f"{TIMES}3"
    assert found[first, last] == f"{TIMES}3"  # three hidden outputs into one neuron
    assert found[first, penalty] == f"{TIMES}18 params"  # dot(ps, ps) reads each of 9 twice
    assert found[last, penalty] == f"{TIMES}8 params"
    # Direction is kept: only the inputs flow into the first layer, nothing into them.
    assert sorted(a for a, b in found if b == first) == ["v7", "v8"]
    assert not [e for e in found if e[1] in ("v7", "v8")]


def test_single_uses_are_unlabelled_and_parameter_edges_are_dashed() -> None:
    *_, loss = small_loss()
    source = draw_dot(loss, collapse="neuron").source
    ids = {name: g["node"] for name, g in groups(source).items()}
    found = multiplicity(source)
    out = ids["MLP.layers[1].neurons[0]"]
    for j in range(3):
        assert found[ids[f"MLP.layers[0].neurons[{j}]"], out] == ""
        assert found[ids[f"MLP.layers[0].neurons[{j}]"], ids["l2_penalty"]] == f"{TIMES}6 params"
    rest = {(a, b): r for a, b, r in edge_attrs(source)}
    assert "style=dashed" in rest[out, ids["l2_penalty"]]
    assert "style=dashed" not in rest[ids["MLP.layers[0].neurons[0]"], out]


def test_a_group_used_twice_by_one_op_is_one_edge_marked_x2() -> None:
    random.seed(0)
    model = MLP(2, [2, 1])
    score = model([0.5, -1.0])
    assert isinstance(score, Value)
    square = score * score
    square.backward()
    source = draw_dot(square, collapse="module").source
    assert multiplicity(source) == {
        ("v4", "g0"): f"{TIMES}2", ("v5", "g0"): f"{TIMES}2",  # each input into both hidden neurons
        ("g0", "op16"): f"{TIMES}2", ("op16", "v16"): "",  # score * score
    }  # fmt: skip
    # In the full view the op still has two arrows from the score.
    full = draw_dot(square, collapse="none").source
    assert edges(full).count(("v15", "op16")) == 2


# --- 'auto' and the size limit ---------------------------------------------------------


def test_auto_never_refuses_and_keeps_to_max_nodes() -> None:
    *_, loss = small_loss()
    sizes = view_sizes(loss)
    assert sizes == {"none": 31, "neuron": 15, "layer": 13, "module": 12}
    for limit in (31, 30, 15, 12, 8, 3, 1):
        graph = draw_dot(loss, max_nodes=limit)
        assert graph.collapse == "auto"
        assert len(drawn_boxes(graph.source)) <= limit, limit
    assert draw_dot(loss, max_nodes=None).collapse == "none"
    assert len(drawn_boxes(draw_dot(loss).source)) == 31  # small: drawn whole


def arrows(source: str) -> int:
    return len(edges(source))


def test_auto_also_keeps_the_arrows_in_check() -> None:
    # Ten samples through MLP(2, [16, 16, 1]): the neuron view has few boxes
    # but an arrow from every input into every first-layer neuron.
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    rng = random.Random(1)
    xs = [[Value(rng.uniform(-1, 2)), Value(rng.uniform(-1, 1))] for _ in range(10)]
    scores = [cast(Value, model(x)) for x in xs]
    targets = [1.0 if i % 2 else -1.0 for i in range(10)]
    loss = hinge_loss(scores, targets) + 1e-4 * l2_penalty(model.parameters())
    sizes = view_sizes(loss)
    neuron_arrows = arrows(draw_dot(loss, collapse="neuron").source)
    assert sizes["neuron"] <= 100
    assert neuron_arrows > EDGES_PER_BOX * sizes["neuron"]  # a mesh
    for limit in (100, 150, 300):
        source = draw_dot(loss, max_nodes=limit).source
        assert arrows(source) <= 4 * len(drawn_boxes(source)) + len(drawn_boxes(source))


def test_too_many_arrows_alone_never_fail() -> None:
    a = Value(1.0, label="a")
    total = engine.sum([a] * 1000)  # two boxes, a thousand arrows
    graph = draw_dot(total, max_nodes=2)
    assert arrows(graph.source) == 1001


def test_drawn_boxes_are_what_is_counted() -> None:
    *_, loss = small_loss()
    for view, size in view_sizes(loss).items():
        assert len(drawn_boxes(draw_dot(loss, collapse=view).source)) == size


def test_too_large_even_by_module() -> None:
    *_, loss = small_loss()
    with pytest.raises(GraphTooLargeError) as info:
        draw_dot(loss, collapse="module", max_nodes=11)
    message = str(info.value)
    assert message.startswith(
        "collapsed by module this graph draws 12 boxes (of 31 values), more than max_nodes=11. "
        "10 of them are values made outside any module"
    )
    assert "engine.scope('loss')" in message
    assert "max_nodes=12" in message
    assert "max_nodes=None" in message


def test_too_large_for_the_chosen_view_names_one_that_fits() -> None:
    *_, loss = small_loss()
    with pytest.raises(GraphTooLargeError) as info:
        draw_dot(loss, collapse="neuron", max_nodes=13)
    message = str(info.value)
    assert message.startswith(
        "collapsed by neuron this graph draws 15 boxes (of 31 values), more than max_nodes=13"
    )
    assert "collapse='layer' draws 13 boxes" in message


def test_bad_collapse_and_color_by() -> None:
    with pytest.raises(ValueError, match="collapse must be one of auto, none, neuron, layer"):
        draw_dot(Value(1.0), collapse="model")
    with pytest.raises(ValueError, match="color_by must be one of kind, grad"):
        draw_dot(Value(1.0), color_by="data")
    with pytest.raises(TypeError, match="view_sizes"):
        view_sizes(3.0)  # type: ignore[arg-type]


# --- legend and determinism -----------------------------------------------------------


def test_legend_has_a_collapsed_group_entry() -> None:
    *_, loss = small_loss()
    source = draw_dot(loss, collapse="layer").source
    found = nodes(source)
    assert label(found["legend_group"]).startswith("collapsed group")
    assert attr(found["legend_group"], "fillcolor") == attr(found["g0"], "fillcolor")
    assert 'label="legend (collapsed by layer)"' in source
    assert "legend_group" not in draw_dot(loss, collapse="none").source


def test_same_graph_same_source_in_every_view() -> None:
    for view in ("neuron", "layer", "module"):
        first = draw_dot(small_loss()[3], collapse=view, color_by="grad").source
        second = draw_dot(small_loss()[3], collapse=view, color_by="grad").source
        assert first == second


def test_collapsed_source_does_not_depend_on_memory_addresses() -> None:
    script = textwrap.dedent(
        """
        import random
        from engine import draw_dot
        from nn import MLP
        from nn.losses import l2_penalty
        random.seed(0)
        model = MLP(2, [3, 1])
        loss = model([0.5, -1.0]) ** 2 + l2_penalty(model.parameters())
        loss.backward()
        for view in ('neuron', 'layer', 'module'):
            print(draw_dot(loss, collapse=view, color_by='grad').source, end='')
        """
    )
    runs = printed_under_two_hash_seeds(script)
    assert runs[0] == runs[1]
    assert "MLP.layers[0]" in runs[0]


# --- colouring by gradient ------------------------------------------------------------

SCALE_CELL = re.compile(r'<td bgcolor="(#[0-9a-f]{6})"><font color="(\w+)">([^<]*)</font></td>')


def scale_cells(source: str) -> list[tuple[str, str, str]]:
    """(fill, text colour, text) of every cell of the printed scale."""
    line = next(x for x in source.splitlines() if x.strip().startswith("legend_scale "))
    return SCALE_CELL.findall(line)


def graded_leaves(factors: list[float]) -> Value:
    """sum(k * a_k): leaf a_k (labelled 'a<k>') gets the gradient k."""
    leaves = [Value(1.0, label=f"a{i}") for i in range(len(factors))]
    root = engine.sum([k * a for k, a in zip(factors, leaves)])
    root.backward()
    return root


def fills_by_label(source: str) -> dict[str, str]:
    return {
        label(a).split(" | ")[0].strip("{ "): attr(a, "fillcolor")
        for n, a in nodes(source).items()
        if n.startswith("v")
    }


def test_larger_gradients_get_darker_colours() -> None:
    factors = [1e-6, 1e-3, -0.5, 1.0, 30.0, -1e3]
    source = draw_dot(graded_leaves(factors), color_by="grad").source
    fills = fills_by_label(source)
    lightness = [luminance(fills[f"a{i}"]) for i in range(len(factors))]
    by_size = [lightness[i] for i in sorted(range(len(factors)), key=lambda i: abs(factors[i]))]
    assert by_size == sorted(by_size, reverse=True)
    assert len(set(by_size)) == len(by_size)
    # Text stays readable: white on the darkest fills, black on the palest.
    fonts = {
        label(a).split(" | ")[0].strip("{ "): attr(a, "fontcolor")
        for n, a in nodes(source).items()
        if n.startswith("v")
    }
    assert fonts["a5"] == "white"  # |grad| 1000
    assert fonts["a0"] == "black"  # |grad| 1e-6


def test_the_scale_is_printed_with_its_values() -> None:
    source = draw_dot(graded_leaves([1e-6, 1e-3, 1.0, 1e3]), color_by="grad").source
    assert "subgraph cluster_legend_scale {" in source
    assert 'label="|grad|, log scale"' in source
    cells = scale_cells(source)
    texts = [text for _, _, text in cells]
    assert texts == ["1e-06", "1e-04", "1e-02", "1e+00", "1e+02", "1e+03"]
    lightness = [luminance(fill) for fill, _, _ in cells]
    assert lightness == sorted(lightness, reverse=True)
    # A leaf with |grad| exactly 1e-6 has the colour of the scale's first cell.
    assert fills_by_label(source)["a0"] == cells[0][0]


def test_zero_and_non_finite_gradients_have_their_own_colours() -> None:
    a, b, c = Value(1.0, label="a"), Value(1.0, label="b"), Value(1.0, label="c")
    root = engine.sum([0.0 * a, math.inf * b, 2.0 * c])
    root.backward()
    source = draw_dot(root, color_by="grad").source
    fills = fills_by_label(source)
    assert fills["a"] == ZERO_FILL
    assert fills["b"] == NONFINITE_FILL
    assert fills["c"] not in (ZERO_FILL, NONFINITE_FILL)
    texts = [text for _, _, text in scale_cells(source)]
    assert texts[0] == "0"
    assert texts[-1] == "nan / inf"


def test_legend_by_grad_tells_kinds_apart_by_shape() -> None:
    *_, loss = small_loss()
    found = nodes(draw_dot(loss, collapse="layer", color_by="grad").source)
    legend = {n: a for n, a in found.items() if n.startswith("legend_") and n != "legend_scale"}
    assert set(legend) == {"legend_input", "legend_constant", "legend_output", "legend_group",
                           "legend_op"}  # fmt: skip
    assert label(legend["legend_input"]) == "value (input, parameter or computed)"
    assert {attr(a, "fillcolor") for a in legend.values()} == {"#ffffff"}


def test_no_scale_without_color_by_grad() -> None:
    *_, loss = small_loss()
    assert "legend_scale" not in draw_dot(loss).source
    assert "legend_scale" not in draw_dot(loss, color_by="grad", legend=False).source


def test_groups_are_coloured_by_their_largest_parameter_gradient() -> None:
    *_, loss = small_loss()
    source = draw_dot(loss, collapse="layer", color_by="grad").source
    found = groups(source)
    fill = {name: attr(nodes(source)[g["node"]], "fillcolor") for name, g in found.items()}
    # layers[1]'s largest |grad| is 1 and layers[0]'s 0.403: darker and paler.
    assert luminance(fill["MLP.layers[1]"]) < luminance(fill["MLP.layers[0]"])
    # A leaf whose |grad| is 1 (the constant 1 in the hinge) matches layers[1].
    assert attr(nodes(source)["v0"], "fillcolor") == fill["MLP.layers[1]"]


def test_deep_sigmoid_net_shows_vanishing_gradients() -> None:
    random.seed(0)
    model = MLP(2, [8] * 8 + [1], activation="sigmoid")
    score = model([0.5, -1.0])
    assert isinstance(score, Value)
    loss = (score - 1.0) ** 2
    loss.backward()
    source = draw_dot(loss, collapse="layer", color_by="grad").source
    found = groups(source)
    assert len(found) == 9
    first = found["MLP.layers[0]"]
    last = found["MLP.layers[8]"]
    assert float(first["max"]) < 1e-2 * float(last["max"])
    first_fill = attr(nodes(source)[first["node"]], "fillcolor")
    last_fill = attr(nodes(source)[last["node"]], "fillcolor")
    assert luminance(first_fill) > luminance(last_fill) + 0.3
    # by 'auto': 671 values folded into at most 150 boxes
    auto = draw_dot(loss, color_by="grad")
    assert auto.collapse == "auto"
    assert 9 <= len(drawn_boxes(auto.source)) <= 150


# --- big graphs -----------------------------------------------------------------------


def test_a_66k_value_batch_becomes_dot_text_quickly() -> None:
    loss = micrograd_style_batch(100)
    start = time.perf_counter()
    graph = draw_dot(loss, collapse="layer", max_nodes=None)
    source = graph.source
    elapsed = time.perf_counter() - start
    assert elapsed < 30, elapsed  # a hang guard; bench_render.py has the real numbers
    sizes = view_sizes(loss)
    assert sizes["none"] > 60_000
    assert len(drawn_boxes(source)) == sizes["layer"]
    assert set(groups(source)) == {"MLP.layers[0]", "MLP.layers[1]", "MLP.layers[2]"}
    found = groups(source)
    assert int(found["MLP.layers[1]"]["outputs"]) == 1600  # 16 units x 100 samples
    first, second = found["MLP.layers[0]"]["node"], found["MLP.layers[1]"]["node"]
    assert multiplicity(source)[first, second] == f"{TIMES}25600"


def test_a_layer_on_its_own_collapses_to_its_name() -> None:
    random.seed(0)
    layer = Layer(2, 3)
    out = layer([1.0, 2.0])
    assert isinstance(out, list)
    root = engine.sum(out)
    root.backward()
    assert set(groups(draw_dot(root, collapse="layer").source)) == {"Layer"}
