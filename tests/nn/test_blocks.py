"""Tests for nn.blocks: Sequential chains modules, Residual adds the skip path."""

from __future__ import annotations

import re
from typing import cast

import pytest

import engine
from engine import Value
from nn import MLP, Layer, fit
from nn.blocks import Residual, Sequential
from nn.optim import Adam


def test_sequential_applies_its_modules_in_order() -> None:
    a, b = Layer(2, 3, activation="tanh"), Layer(3, 1)
    net = Sequential(a, b)
    x = [0.5, -1.0]
    assert net(x).data == b(cast(list[Value], a(x))).data  # type: ignore[union-attr]
    assert net.parameters() == a.parameters() + b.parameters()
    names = [name for name, _ in net.named_parameters()]
    assert names[0] == "layers[0].neurons[0].w[0]"
    assert names[-1] == "layers[1].neurons[0].b"


def test_sequential_lists_a_shared_module_once() -> None:
    block = Layer(3, 3)
    net = Sequential(Layer(2, 3), block, block)
    assert len(net.parameters()) == 9 + 12
    assert len({id(p) for p in net.parameters()}) == len(net.parameters())


def test_sequential_needs_modules() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Sequential()
    with pytest.raises(TypeError, match="argument 1 is a int"):
        Sequential(Layer(2, 2), 3)  # type: ignore[arg-type]


def test_residual_adds_the_input_to_the_output() -> None:
    inner = Layer(3, 3, activation="tanh")
    block = Residual(inner)
    x = [Value(0.3), Value(-0.2), Value(1.5)]
    out = block(x)
    for o, xi, fi in zip(out, x, cast(list[Value], inner(x))):
        assert o.data == pytest.approx(xi.data + fi.data)
    assert block.parameters() == inner.parameters()
    assert next(block.named_parameters())[0] == "inner.neurons[0].w[0]"


def test_residual_passes_the_gradient_through_the_identity_path() -> None:
    # With the inner layer's weights at zero, d out / d x is exactly 1.
    inner = Layer(2, 2, activation="tanh", init="zeros")
    x = [Value(0.4), Value(-0.7)]
    out = Residual(inner)(x)
    grads = engine.grad(out[0] + out[1], x)
    assert grads == [1.0, 1.0]


def test_residual_of_a_one_wide_layer() -> None:
    inner = Layer(1, 1, activation="tanh")
    x = Value(0.25)
    assert Residual(inner)([x]).data == pytest.approx(0.25 + cast(Value, inner([x])).data)


def test_residual_needs_matching_widths() -> None:
    with pytest.raises(ValueError, match="maps 3 inputs to 2 outputs"):
        Residual(Layer(3, 2))([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"wraps an nn\.Module"):
        Residual(lambda x: x)  # type: ignore[arg-type]


def test_fit_trains_a_residual_network() -> None:
    X = [[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]] * 5
    y = [0, 0, 1, 1] * 5
    net = Sequential(
        Layer(2, 6, activation="tanh"),
        Residual(Layer(6, 6, activation="tanh")),
        Layer(6, 1, activation="linear"),
    )
    history = fit(
        net,
        X,
        y,
        loss="bce_with_logits",
        optimizer=Adam(net.parameters(), lr=0.05),
        epochs=60,
        batch_size=4,
        verbose=False,
        seed=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0] / 4
    assert history.history["accuracy"][-1] == 1.0
    assert repr(net).startswith("Sequential(Layer(2 -> 6, tanh), Residual(")


def test_an_mlp_is_a_sequential_of_its_layers() -> None:
    model = MLP(2, [4, 4, 1])
    net = Sequential(*model.layers)
    assert net([0.2, 0.9]).data == cast(Value, model([0.2, 0.9])).data


# --- names: every child of a block is its own box in a drawing ------------------------


def test_sequential_names_its_children_after_their_places() -> None:
    block = Residual(Layer(3, 3, activation="tanh"))
    net = Sequential(Layer(2, 3, activation="tanh"), block, Layer(3, 1, activation="linear"))
    assert [child.path for child in net.layers] == [
        "Sequential.layers[0]",
        "Sequential.layers[1]",
        "Sequential.layers[2]",
    ]
    assert block.inner.path == "Sequential.layers[1].inner"
    out = net([0.5, -1.0])
    assert isinstance(out, Value)
    assert out.scope == "Sequential.layers[2].neurons[0]"
    skip_sums = [v for v in engine.topological_order(out) if v.scope == "Sequential.layers[1]"]
    assert len(skip_sums) == 3  # the Residual's three additions
    assert all(v._op == "+" for v in skip_sums)
    scopes = {p._scope for p in net.layers[0].parameters()}  # each parameter's full path
    assert scopes == {
        f"Sequential.layers[0].neurons[{i}].{name}"
        for i in range(3)
        for name in ("w[0]", "w[1]", "b")
    }


def test_the_layer_view_of_a_sequential_draws_one_box_per_child() -> None:
    net = Sequential(
        Layer(2, 3, activation="tanh"),
        Residual(Layer(3, 3, activation="tanh")),
        Layer(3, 2, activation="relu"),
        Layer(2, 1, activation="linear"),
    )
    out = net([0.5, -1.0])
    assert isinstance(out, Value)
    loss = (out - 1.0) ** 2
    loss.backward()
    source = engine.draw_dot(loss, collapse="layer").source
    boxes = re.findall(r"\{ (Sequential\S*) \((\d+) values?\)", source)
    names = sorted(name for name, _ in boxes)
    assert names == [f"Sequential.layers[{i}]" for i in range(4)]
    # The residual block's box holds its inner layer's values and its skip sums.
    sizes = dict(boxes)
    assert int(sizes["Sequential.layers[1]"]) > int(sizes["Sequential.layers[0]"])


def test_a_model_named_inside_a_sequential_keeps_its_own_layers_apart() -> None:
    net = Sequential(MLP(2, [3, 3]), Layer(3, 1, activation="linear"))
    out = net([0.1, 0.2])
    assert isinstance(out, Value)
    source = engine.draw_dot(out, collapse="layer").source
    names = sorted(set(re.findall(r"\{ (Sequential\S*) \(", source)))
    assert names == [
        "Sequential.layers[0].layers[0]",
        "Sequential.layers[0].layers[1]",
        "Sequential.layers[1]",
    ]
