"""One name per value, shared by every tool (engine.teach.names)."""

from __future__ import annotations

import random
from typing import cast

import engine
from engine import Value
from engine.core.graph import values_and_index, values_in_order
from engine.teach.lazy_names import LazyNames
from engine.teach.names import identifier_names, name_values, names, short_name
from engine.teach.source import variable_names
from nn import MLP


def test_labels_win_and_duplicates_are_numbered() -> None:
    a, b, c = Value(1.0, label="a"), Value(2.0, label="a"), Value(3.0)
    root = (a * b + c).relu()
    found = names(root)
    assert (found[a], found[b], found[c]) == ("a", "a_2", "x1")
    assert found[root] == "relu1"


def test_generated_names_count_per_op_parents_first_and_avoid_labels() -> None:
    x = Value(2.0, label="mul1")  # a label that looks generated
    y = x * 3 * 4
    found = names(y)
    assert found[x] == "mul1"
    order = values_in_order(y)
    computed = [found[v] for v in order if v._prev]
    assert computed == ["mul2", "mul3"]  # mul1 is taken by the label
    assert sorted(found[v] for v in order if v._seq == -1) == ["c1", "c2"]


def test_parameters_are_named_by_their_path() -> None:
    random.seed(0)
    model = MLP(2, [3, 1])
    out = cast(Value, model([1.0, 2.0]))
    found = names(out)
    for path, p in model.named_parameters():
        assert found[p] == path  # 'layers[0].neurons[2].w[1]', '...b'
    assert found[model.layers[0].neurons[2].w[1]] == "layers[0].neurons[2].w[1]"


def test_two_models_with_the_same_paths_keep_their_model_names() -> None:
    random.seed(0)
    first, second = MLP(1, [1]), MLP(1, [1])
    second.name_modules("Other")
    root = cast(Value, first([1.0])) + cast(Value, second([1.0]))
    found = names(root)
    assert found[first.layers[0].neurons[0].b] == "MLP.layers[0].neurons[0].b"
    assert found[second.layers[0].neurons[0].b] == "Other.layers[0].neurons[0].b"


def test_names_are_stable_and_the_same_in_every_tool() -> None:
    a, b = Value(2.0), Value(-3.0)
    e = a * b + a
    assert names(e) == names(e)
    assert engine.names(e) == names(e)
    text = engine.explain(e, a)
    for name in names(e).values():
        assert name in text or name.startswith("c")
    # generated code uses the same names where they are identifiers
    assert variable_names(e) == names(e)
    assert "mul1 = x1 * x2" in engine.backward_source(e)


def test_identifiers_for_paths_and_clashes() -> None:
    p, q, r = Value(1.0), Value(2.0), Value(3.0)
    shown = {p: "layers[0].w[1]", q: "layers_0_w_1", r: "for"}
    made = identifier_names(shown)
    assert made[q] == "layers_0_w_1"
    assert made[p] == "layers_0_w_1_2"
    assert made[r] == "v_for"
    assert all(name.isidentifier() for name in made.values())


def test_short_names_keep_the_end() -> None:
    assert short_name("b") == "b"
    assert short_name("layers[0].neurons[13].w[1]") == "L0.n13.w[1]"
    long = "GPT.layers[0].attn.heads[3].something_very_long"
    assert short_name(long, 12).startswith("\u2026")
    assert len(short_name(long, 12)) == 12


def lazy_names_cases() -> list[Value]:
    """Graphs that use every naming rule: labels and their clashes, parameters, stems at risk."""
    random.seed(0)
    model = MLP(2, [3, 1])
    twin = MLP(1, [1])
    twin.name_modules("Other")
    a, b = Value(1.0, label="mul1"), Value(2.0, label="a")
    c, d = Value(3.0, label="a"), Value(-1.5, label="x2")
    e = (a * b + c * d).relu() * 2 + a**2 + b**c + Value(3.0) + (-d).exp()
    e.label = "a"
    scored = cast(Value, model([e, Value(0.25)])) + cast(Value, twin([Value(0.5)]))
    fresh = Value(1.0, label="pow1") ** 2 + (Value(2.0) ** Value(0.5)).leaky_relu()
    square = Value(4.0) ** 2  # a label beside the op's params, in the node's one slot
    square.label = "sq"
    labelled_params = square + Value(0.5).leaky_relu(0.2) * square
    roots = [e, scored * scored + fresh, engine.sum([Value(float(i)) * i for i in range(9)])]
    return [*roots, labelled_params]


def test_lazy_names_are_the_names() -> None:
    for root in lazy_names_cases():
        order, index = values_and_index(root)
        eager = name_values(order)
        lazy = LazyNames(order, index)
        shuffled = list(order)
        random.Random(1).shuffle(shuffled)
        assert [lazy[v] for v in shuffled] == [eager[v] for v in shuffled]
        assert dict(LazyNames(order, index)) == eager  # iterating names every value
        assert len(lazy) == len(eager)
        assert order[0] in lazy
        assert Value(0.0) not in lazy
