"""Folding a graph into groups, choosing what to open, and running dot safely."""

from __future__ import annotations

import random
import re
import subprocess
from typing import Any, cast

import pytest

import engine
from engine import Value, draw_dot
from engine.core.graph import values_in_order
from engine.viz import RenderError
from engine.viz.cut import layout, plan_auto
from engine.viz.fold import TOP, Tree, fold
from engine.viz.render import layout_size, pick_rankdir, run_dot
from nn import MLP

BOX = re.compile(r"^\t+(v\d+|g\d+|cut) \[", re.M)


def tree_of(root: Value) -> Tree:
    order = values_in_order(root)
    return fold(order, {v: i for i, v in enumerate(order)})


def titles(tree: Tree, kind: str) -> list[str]:
    return [g.title for g in tree.groups if g.kind == kind]


def micrograd_penalty(n: int) -> tuple[Value, list[Value]]:
    params = [Value(0.1 * i) for i in range(n)]
    return cast(Value, sum(p * p for p in params)), params


def test_a_sum_chain_and_its_repeated_terms_fold() -> None:
    reg, _ = micrograd_penalty(337)
    tree = tree_of(reg)
    assert titles(tree, "chain") == ["sum of 338 terms"]  # 337 squares and the 0 sum starts from
    assert titles(tree, "repeat") == ["337 x (x * x)"]
    repeat = next(g for g in tree.groups if g.kind == "repeat")
    assert repeat.size == 674  # each square and its input
    boxes = len(tree.top_children) + len(tree.top_members)
    assert boxes == 3  # the chain, the repeat and the constant 0
    # sizes add up: every value is in exactly one place
    assert sum(g.size for g in tree.groups if g.parent == TOP) + len(tree.top_members) == len(
        tree.order
    )


def test_parameters_group_with_their_block_and_inputs_with_their_users() -> None:
    random.seed(0)
    model = MLP(2, [3, 1])
    x = [Value(1.0), Value(2.0)]
    out = cast(Value, model(x))
    tree = tree_of(out)
    by_title = {g.title: g for g in tree.groups}
    layer0 = by_title["MLP.layers[0]"]
    # the inputs are used by all three neurons of layer 0: they belong to the layer
    assert {tree.order[i] for i in layer0.members} == set(x)
    neuron = by_title["MLP.layers[0].neurons[1]"]
    params = [tree.groups[c] for c in neuron.children if tree.groups[c].kind == "params"]
    assert [p.title for p in params] == ["3 parameters"]
    expected = set(model.layers[0].neurons[1].parameters())
    assert {tree.order[i] for i in params[0].members} == expected


def test_repeated_sibling_scopes_become_a_family() -> None:
    a = Value(1.0)
    with engine.scope("attn"):
        extra = a * 2
    parts = []
    for h in range(4):
        with engine.scope(f"attn.heads[{h}]"):
            parts.append(extra * (h + 1))
    root = engine.sum(parts)
    assert "attn.heads[0..3]" in titles(tree_of(root), "family")


def test_default_drawing_never_refuses_and_fits(tmp_path: Any) -> None:
    reg, _ = micrograd_penalty(2000)
    graph = draw_dot(reg)
    assert graph.collapse == "auto"
    assert len(BOX.findall(graph.source)) <= 150
    assert "sum of 2001 terms" in graph.source
    assert "2000 x (x * x)" in graph.source


def test_depth_cut_says_what_is_behind_and_focus_draws_it() -> None:
    # a long chain of different ops folds nowhere: it must be cut
    x = Value(0.5)
    v = x
    for i in range(400):
        v = (v * 1.01).tanh() if i % 2 else v + 0.01
    source = draw_dot(v, max_nodes=20).source
    assert len(BOX.findall(source)) <= 20
    found = re.search(r"\u22ef ([\d,]+) more values behind these boxes", source)
    assert found
    # every value is either drawn in a box of its own or counted behind the cut
    drawn = re.findall(r"^\t+(v\d+|g\d+) \[", source, re.M)
    assert all(box[0] == "v" for box in drawn)
    assert len(drawn) + int(found.group(1).replace(",", "")) == len(values_in_order(v))
    named = re.search(r"focus='([^']+)'", source)
    assert named
    behind = draw_dot(v, focus=named.group(1), max_nodes=20)
    assert len(BOX.findall(behind.source)) <= 20
    with pytest.raises(ValueError, match="no value of this graph is named 'nope'"):
        draw_dot(v, focus="nope")


def test_an_explicit_view_too_big_for_dot_is_refused_with_a_view_that_works() -> None:
    reg, _ = micrograd_penalty(700)
    with pytest.raises(engine.GraphTooLargeError, match=r"draw_dot\(root\)"):
        draw_dot(reg, collapse="none", max_nodes=5000)
    assert draw_dot(reg, collapse="none", max_nodes=None).source  # no limit: DOT text only


def test_long_thin_drawings_turn_top_to_bottom() -> None:
    x = Value(0.3)
    v = x
    for i in range(30):
        v = v.tanh() if i % 2 else v.exp()
    tree = tree_of(v)
    everything = layout(tree, set(range(len(tree.groups))), len(tree.order) - 1)
    assert pick_rankdir(everything) == "TB"
    small = tree_of(Value(1.0) * 2)
    assert pick_rankdir(plan_auto(small, 150, 2)) == "LR"


def test_no_drawing_is_a_strip_of_thousands_of_pixels() -> None:
    x = Value(0.3)
    v = x
    for i in range(120):  # a chain that folds nowhere
        v = v.tanh() if i % 2 else v.exp() * 0.5
    size = layout_size(draw_dot(v).source)
    assert size is not None
    assert max(size) < 4000, size
    reg, _ = micrograd_penalty(337)
    size = layout_size(draw_dot(reg).source)
    assert size is not None
    assert max(size) < 4000, size


def test_dot_timeouts_and_crashes_become_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: Any, **kwargs: Any) -> Any:
        raise subprocess.TimeoutExpired(args[0], kwargs.get("timeout", 0))

    monkeypatch.setattr(subprocess, "run", slow)
    with pytest.raises(RenderError, match=r"took more than 1 s .* draw_dot\(root\)"):
        run_dot("digraph { a }", "svg", 1.0)

    def crash(*args: Any, **kwargs: Any) -> Any:
        return subprocess.CompletedProcess(args[0], -11, b"", b"")

    monkeypatch.setattr(subprocess, "run", crash)
    with pytest.raises(RenderError, match=r"crashed \(signal 11\)"):
        draw_dot(Value(1.0) * 2).pipe()


def test_a_real_dot_run_respects_the_timeout() -> None:
    graph = draw_dot(Value(1.0) * 2)
    graph.timeout = 30.0
    assert graph.pipe(format="svg").startswith(b"<?xml")
