"""Tests for engine.viz: the DOT source draw_dot writes, and rendering it.

Most tests read the DOT text (``graph.source``) and need no Graphviz
program. A few render with the real ``dot`` to check that what we write is
valid Graphviz and shows what we meant.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import graphviz
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import GraphTooLargeError, Value, draw_dot
from engine.core.value import sum as value_sum
from engine.viz import DEFAULT_MAX_NODES, GraphvizNotFoundError
from tests.dotsource import attr, chain, edges, label, nodes, svg_text, value_labels
from tests.fixtures import lecture, printed_under_two_hash_seeds, tanh_neuron

ROOT = Path(__file__).resolve().parents[3]

# --- reading DOT source ---------------------------------------------------------------
# graphviz writes one statement per line, indented with tabs:
#     v0 [label="{ a | data 2 | grad 6 }" fillcolor="#cfe2f3" style=filled]
#     v0 -> op2


# --- graphs from the lectures ---------------------------------------------------------


# --- structure ------------------------------------------------------------------------


def test_returns_a_graphviz_digraph() -> None:
    graph = draw_dot(lecture(backward=True))
    assert isinstance(graph, graphviz.Digraph)
    assert graph.format == "svg"
    assert graph.source.startswith("digraph chainrule {")


def test_lecture_expression_nodes_and_edges() -> None:
    source = draw_dot(lecture(backward=True)).source
    # Ids follow the traversal: parents before children, first parent first.
    assert value_labels(source) == {
        "v0": "{ a | data 2 | grad 6 }",
        "v1": "{ b | data -3 | grad -4 }",
        "v2": "{ e | data -6 | grad -2 }",
        "v3": "{ c | data 10 | grad -2 }",
        "v4": "{ d | data 4 | grad -2 }",
        "v5": "{ f | data -2 | grad 4 }",
        "v6": "{ L | data -8 | grad 1 }",
    }
    ops = {k: label(v) for k, v in nodes(source).items() if k.startswith("op")}
    assert ops == {"op2": "*", "op4": "+", "op6": "*"}
    assert edges(source) == [
        ("v0", "op2"), ("v1", "op2"), ("op2", "v2"),
        ("v2", "op4"), ("v3", "op4"), ("op4", "v4"),
        ("v4", "op6"), ("v5", "op6"), ("op6", "v6"),
    ]  # fmt: skip


def test_tanh_neuron_shows_rounded_data_and_grads() -> None:
    labels = set(value_labels(draw_dot(tanh_neuron(backward=True, star=True)).source).values())
    assert labels == {
        "{ x1 | data 2 | grad -1.5 }",
        "{ w1 | data -3 | grad 1 }",
        "{ x2 | data 0 | grad 0.5 }",
        "{ w2 | data 1 | grad 0 }",
        "{ x1*w1 | data -6 | grad 0.5 }",
        "{ x2*w2 | data 0 | grad 0.5 }",
        "{ x1*w1 + x2*w2 | data -6 | grad 0.5 }",
        "{ b | data 6.881 | grad 0.5 }",
        "{ n | data 0.8814 | grad 0.5 }",
        "{ o | data 0.7071 | grad 1 }",
    }
    source = draw_dot(tanh_neuron(backward=True, star=True)).source
    tanh_ops = [k for k, v in nodes(source).items() if k.startswith("op") and label(v) == "tanh"]
    assert len(tanh_ops) == 1


def test_a_times_a_draws_both_edges() -> None:
    a = Value(3.0, label="a")
    source = draw_dot(a * a).source
    assert edges(source) == [("v0", "op1"), ("v0", "op1"), ("op1", "v1")]


def test_reused_intermediate_is_one_node_with_two_out_edges() -> None:
    a = Value(2.0, label="a")
    b = a + a
    c = b * b
    source = draw_dot(c).source
    assert len(value_labels(source)) == 3
    assert edges(source) == [
        ("v0", "op1"), ("v0", "op1"), ("op1", "v1"),
        ("v1", "op2"), ("v1", "op2"), ("op2", "v2"),
    ]  # fmt: skip


def test_many_parent_ops_keep_parent_order() -> None:
    w = [Value(0.5, label="w1"), Value(-1.0, label="w2")]
    x = [Value(2.0, label="x1"), Value(3.0, label="x2")]
    bias = Value(0.25, label="bias")
    source = draw_dot(engine.dot(w, x, bias)).source
    names = {k: label(v).split(" | ")[0].strip("{ ") for k, v in nodes(source).items()}
    op = next(k for k in names if k.startswith("op"))
    assert names[op] == "dot"
    into_op = [names[a] for a, b in edges(source) if b == op]
    assert into_op == ["w1", "w2", "x1", "x2", "bias"]


def test_constant_exponent_shows_in_the_op() -> None:
    x = Value(3.0, label="x")
    source = draw_dot(x**2).source
    assert [label(v) for k, v in nodes(source).items() if k.startswith("op")] == ["**2"]


def test_single_leaf_draws_one_node() -> None:
    source = draw_dot(Value(1.5, label="x")).source
    assert value_labels(source) == {"v0": "{ x | data 1.5 | grad 0 }"}
    assert edges(source) == []


def test_value_draw_is_draw_dot() -> None:
    L = lecture(backward=True)
    assert L.draw(show_grad=False).source == draw_dot(L, show_grad=False).source


# --- labels and numbers ---------------------------------------------------------------


def test_show_grad_false_hides_grads() -> None:
    source = draw_dot(lecture(backward=True), show_grad=False).source
    assert "grad" not in source
    assert value_labels(source)["v6"] == "{ L | data -8 }"


def test_unlabeled_values_show_the_names_explain_uses() -> None:
    y = Value(2.0) * 3
    source = draw_dot(y).source
    assert value_labels(source) == {
        "v0": "{ x1 | data 2 | grad 0 }",
        "v1": "{ c1 | data 3 | grad 0 }",
        "v2": "{ mul1 | data 6 | grad 0 }",
    }
    assert "mul1 = x1 * c1" in engine.explain(y, y._prev[0])


def test_numbers_are_compact_but_honest() -> None:
    tiny = Value(1e-9, label="tiny")
    huge = Value(123456789.0, label="huge")
    out = tiny * huge
    out.backward()
    labels = value_labels(draw_dot(out).source)
    assert labels["v0"] == "{ tiny | data 1e-09 | grad 1.235e+08 }"
    assert labels["v1"] == "{ huge | data 1.235e+08 | grad 1e-09 }"
    assert "0.0000" not in draw_dot(out).source


def test_precision_option() -> None:
    labels = value_labels(draw_dot(tanh_neuron(backward=True, star=True), precision=7).source)
    assert "{ n | data 0.8813736 | grad 0.5 }" in labels.values()


def test_non_finite_numbers() -> None:
    x = Value(float("inf"), label="x")
    y = x * 0.0  # inf * 0 is nan
    labels = value_labels(draw_dot(y).source)
    assert labels["v0"] == "{ x | data inf | grad 0 }"
    assert labels["v2"] == "{ mul1 | data nan | grad 0 }"


NASTY = '{a|b} <c> "d" \\e\\'


def test_record_special_characters_are_escaped() -> None:
    source = draw_dot(Value(1.0, label=NASTY)).source
    assert value_labels(source)["v0"] == r"{ \{a\|b\} \<c\> \"d\" \\e\\ | data 1 | grad 0 }"


def test_escaped_label_renders_literally() -> None:
    svg = draw_dot(Value(1.0, label=NASTY)).pipe(format="svg")
    assert NASTY in svg_text(svg)


def test_newline_in_label_becomes_a_line_break() -> None:
    source = draw_dot(Value(1.0, label="two\nlines")).source
    assert value_labels(source)["v0"] == r"{ two\nlines | data 1 | grad 0 }"


# Labels made of the characters that mean something to DOT, to records and to
# Graphviz's escape sequences (\N, \G, \n, \l, ...), rendered for real: each
# must come out exactly as written. One render per example keeps this fast.
LABEL_CHARS = st.sampled_from(list('{}|<>"\\&;-_NGETHLlnr01aZ'))


@settings(max_examples=10)
@given(st.lists(st.text(LABEL_CHARS, min_size=1, max_size=12), min_size=1, max_size=8))
def test_any_label_renders_literally(labels: list[str]) -> None:
    leaves = [Value(float(i), label=text) for i, text in enumerate(labels)]
    texts = svg_text(draw_dot(value_sum(leaves)).pipe(format="svg"))
    for text in labels:
        assert text in texts


def test_title_is_drawn_and_escaped() -> None:
    graph = draw_dot(lecture(backward=True), title='<b>loss "L"</b> \\o/')
    assert '\tgraph [fontsize=16 label="<b>loss \\"L\\"</b> \\\\o/" labelloc=t' in graph.source
    assert '<b>loss "L"</b> \\o/' in svg_text(graph.pipe(format="svg"))


def test_rankdir_tb_keeps_fields_in_a_row() -> None:
    source = draw_dot(lecture(backward=True), rankdir="TB").source
    assert "rankdir=TB" in source
    # Outside LR/RL no braces are needed to lay label | data | grad in a row.
    assert value_labels(source)["v6"] == "L | data -8 | grad 1"


# --- colours and legend ---------------------------------------------------------------


def test_each_kind_of_node_has_its_own_colour_and_legend_entry() -> None:
    x = Value(0.5, label="x")
    h = x * 2  # 2 becomes an unlabeled constant leaf
    y = h.tanh()
    source = draw_dot(y).source
    found = nodes(source)
    kinds = {"v0": "input", "v1": "constant", "v2": "intermediate", "v3": "output"}
    fills = {kind: attr(found[node], "fillcolor") for node, kind in kinds.items()}
    fills["op"] = attr(found["op2"], "fillcolor")
    assert len(set(fills.values())) == 5, fills
    # Constants are told apart from named leaves by their border too.
    assert "dashed" in attr(found["v1"], "style")
    assert "dashed" not in attr(found["v0"], "style")
    assert "bold" in attr(found["v3"], "style")

    assert "subgraph cluster_legend {" in source
    for kind, fill in fills.items():
        assert attr(found[f"legend_{kind}"], "fillcolor") == fill
    assert label(found["legend_input"]).startswith("input / parameter")
    assert label(found["legend_output"]).startswith("output")


def test_unnamed_user_leaves_are_inputs_and_wrapped_numbers_are_constants() -> None:
    w = Value(0.3)  # a parameter nobody labeled is still a leaf the user made
    y = w * 2.0 + Value(1.0)
    found = nodes(draw_dot(y).source)
    styles = {node: attr(attrs, "style") for node, attrs in found.items() if node[1:].isdigit()}
    # v0 = w, v1 = the wrapped 2.0, v3 = the user's Value(1.0)
    assert "dashed" not in styles["v0"]
    assert "dashed" in styles["v1"]
    assert "dashed" not in styles["v3"]


def test_legend_lists_only_kinds_in_the_drawing() -> None:
    source = draw_dot(lecture(backward=True)).source  # every leaf is labeled
    legend = {k for k in nodes(source) if k.startswith("legend_")}
    assert legend == {"legend_input", "legend_intermediate", "legend_output", "legend_op"}


def test_legend_can_be_turned_off() -> None:
    source = draw_dot(lecture(backward=True), legend=False).source
    assert "legend" not in source


# --- determinism ----------------------------------------------------------------------


def test_same_graph_gives_identical_source() -> None:
    first = draw_dot(tanh_neuron(backward=True, star=True)).source
    _unrelated = [Value(float(i)) * 2 for i in range(100)]  # shifts ids and creation numbers
    second = draw_dot(tanh_neuron(backward=True, star=True)).source
    assert first == second
    o = tanh_neuron(backward=True, star=True)
    assert draw_dot(o).source == draw_dot(o).source


def test_source_does_not_depend_on_memory_addresses() -> None:
    # The same script in two fresh interpreters (different id()s and hash
    # seeds) must write the same bytes.
    script = textwrap.dedent(
        """
        from engine import Value, draw_dot
        a, b = Value(2.0, label='a'), Value(-3.0, label='b')
        c = a * b + a * a
        c.backward()
        print(draw_dot(c).source, end='')
        """
    )
    runs = printed_under_two_hash_seeds(script)
    assert runs[0] == runs[1]
    assert "digraph chainrule" in runs[0]


# --- size guard and deep graphs -------------------------------------------------------


def test_an_explicit_view_too_large_raises_a_helpful_error() -> None:
    with pytest.raises(GraphTooLargeError) as info:
        draw_dot(lecture(backward=True), collapse="none", max_nodes=3)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "7 values" in message
    assert "max_nodes=3" in message
    assert "max_nodes=7" in message  # how to raise it
    assert "max_nodes=None" in message
    assert "Graphviz" in message
    assert "minutes" in message  # why
    assert "draw_dot(root)" in message  # a view that works
    assert "draws this graph as" in message


def test_the_default_view_never_refuses_and_keeps_to_max_nodes() -> None:
    graph = draw_dot(lecture(backward=True), max_nodes=3)
    labels = value_labels(graph.source)
    assert len(labels) + graph.source.count("\tcut [") <= 3
    assert "more values behind these boxes" in graph.source
    assert "focus=" in graph.source  # says how to draw the rest


def test_limit_is_inclusive() -> None:
    assert draw_dot(lecture(backward=True), collapse="none", max_nodes=7).source


def test_default_limit() -> None:
    assert DEFAULT_MAX_NODES == 150
    draw_dot(chain(DEFAULT_MAX_NODES - 1), collapse="none")  # exactly 150 values
    with pytest.raises(GraphTooLargeError, match=r"151 values"):
        draw_dot(chain(DEFAULT_MAX_NODES), collapse="none")
    assert "chain of 150" in draw_dot(chain(DEFAULT_MAX_NODES)).source  # folded


def test_max_nodes_none_disables_the_guard() -> None:
    source = draw_dot(chain(600), max_nodes=None).source
    assert len(value_labels(source)) == 601


def test_deep_chain_builds_without_recursion() -> None:
    # Far deeper than Python's recursion limit; only the source is built,
    # since laying out 10,000 nodes would take Graphviz a long time.
    depth = 5000
    assert depth > sys.getrecursionlimit()
    source = draw_dot(chain(depth), max_nodes=None).source
    assert len(value_labels(source)) == depth + 1
    assert len(edges(source)) == 2 * depth
    assert edges(source)[:2] == [("v0", "op1"), ("op1", "v1")]
    assert edges(source)[-1] == (f"op{depth}", f"v{depth}")


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "500"])
def test_max_nodes_must_be_a_positive_int(bad: object) -> None:
    with pytest.raises(ValueError, match="max_nodes must be a positive int or None"):
        draw_dot(lecture(backward=True), max_nodes=bad)  # type: ignore[arg-type]


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"draw_dot\(\) needs a Value, got list"):
        draw_dot([Value(1.0)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir must be one of auto, LR, TB, RL, BT"):
        draw_dot(Value(1.0), rankdir="sideways")
    with pytest.raises(ValueError, match="precision must be a positive int"):
        draw_dot(Value(1.0), precision=0)


# --- rendering ------------------------------------------------------------------------


def test_pipe_renders_svg() -> None:
    svg = draw_dot(lecture(backward=True)).pipe(format="svg")
    assert svg.lstrip().startswith(b"<?xml")
    assert b"<svg" in svg
    texts = svg_text(svg)
    assert "data -8" in texts
    assert "grad 6" in texts


def test_render_writes_a_file(tmp_path: Path) -> None:
    out = draw_dot(lecture(backward=True)).render(filename="lecture", directory=tmp_path)
    assert Path(out) == tmp_path / "lecture.svg"
    assert b"<svg" in Path(out).read_bytes()


def test_notebook_display_renders_svg() -> None:
    bundle = draw_dot(lecture(backward=True))._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Make the Graphviz programs unfindable: PATH names one empty folder."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def check_install_advice(error: GraphvizNotFoundError) -> None:
    message = str(error)
    assert "`dot`" in message
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert "conda install -c conda-forge graphviz" in message
    assert ".source" in message
    assert isinstance(error, RuntimeError)
    assert isinstance(error.__cause__, graphviz.ExecutableNotFound)


RENDER_CALLS = {
    "pipe": lambda graph, where: graph.pipe(format="svg"),
    "render": lambda graph, where: graph.render(filename="g", directory=where),
    "view": lambda graph, where: graph.view(filename="g", directory=where),
    "notebook": lambda graph, where: graph._repr_mimebundle_(),
    "notebook svg": lambda graph, where: graph._repr_image_svg_xml(),
}


@pytest.mark.usefixtures("no_dot")
@pytest.mark.parametrize("call", RENDER_CALLS.values(), ids=RENDER_CALLS.keys())
def test_missing_dot_explains_how_to_install(call: Any, tmp_path: Path) -> None:
    graph = draw_dot(lecture(backward=True))
    with pytest.raises(GraphvizNotFoundError) as info:
        call(graph, tmp_path)
    check_install_advice(info.value)
    # The DOT text is still there, as the message promises.
    assert graph.source.startswith("digraph chainrule {")


@pytest.mark.usefixtures("no_dot")
def test_copies_keep_the_friendly_error() -> None:
    # graphviz makes copies (and subgraphs) with type(self)(...), so they
    # are the friendly subclass too.
    copy = draw_dot(lecture(backward=True)).copy()
    with pytest.raises(GraphvizNotFoundError):
        copy.pipe()


def test_engine_imports_without_graphviz() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules['graphviz'] = None  # any 'import graphviz' now fails
        import engine
        from engine import Value, GraphTooLargeError, draw_dot

        x = Value(2.0, label='x')
        y = x * x
        y.backward()
        assert x.grad == 4.0
        try:
            draw_dot(y, collapse='none', max_nodes=1)
        except GraphTooLargeError:
            pass  # the size guard needs no graphviz
        else:
            raise AssertionError('no GraphTooLargeError')
        try:
            draw_dot(y)
        except ImportError as error:
            assert 'pip install graphviz' in str(error), error
        else:
            raise AssertionError('no ImportError')
        print('ok')
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n"
