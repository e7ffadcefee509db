"""Values know which module (or loss helper) made them."""

from __future__ import annotations

import pytest

import engine
from engine import Value
from engine.core.graph import values_in_order
from nn import MLP, Layer, Module, Neuron
from nn.losses import hinge_loss, l2_penalty


def test_values_made_inside_a_neuron_carry_its_path() -> None:
    model = MLP(2, [3, 2, 1])
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    assert out.scope == "MLP.layers[2].neurons[0]"
    dot_node = out  # linear output: the dot node itself
    hidden = dot_node._prev[2]  # parents: w0, w1, then the inputs from layer 1
    assert hidden.scope == "MLP.layers[1].neurons[0]"
    assert hidden._prev[0].scope == "MLP.layers[1].neurons[0]"  # its dot node


def test_parameters_carry_their_full_path_and_inputs_carry_none() -> None:
    model = MLP(2, [3, 1])
    neuron = model.layers[0].neurons[2]
    scopes = [p.scope for p in neuron.parameters()]
    assert scopes == [f"MLP.layers[0].neurons[2].{name}" for name in ("w[0]", "w[1]", "b")]
    x = Value(1.0)
    model([x, 2.0])
    assert x.scope is None


def test_paths_of_modules() -> None:
    model = MLP(2, [3, 1])
    assert model.path == "MLP"
    assert model.layers[1].path == "MLP.layers[1]"
    assert Layer(2, 2).neurons[1].path == "Layer.neurons[1]"
    assert Neuron(3).path == "Neuron"


def test_a_custom_module_names_what_it_holds() -> None:
    class Net(Module):
        def __init__(self) -> None:
            self.body = MLP(2, [2, 1])

    net = Net()
    net.name_modules()
    assert net.body.layers[0].neurons[1].path == "Net.body.layers[0].neurons[1]"
    out = net.body([1.0, 1.0])
    assert isinstance(out, Value)
    assert out.scope == "Net.body.layers[1].neurons[0]"


def test_loss_helpers_tag_their_nodes() -> None:
    model = MLP(2, [2, 1])
    reg = l2_penalty(model.parameters())
    assert reg.scope == "l2_penalty"
    score = model([1.0, 0.0])
    assert isinstance(score, Value)
    assert hinge_loss([score], [1]).scope == "hinge_loss"


def test_scope_blocks_nest_and_restore_even_on_errors() -> None:
    a = Value(1.0)
    with engine.scope("outer"):
        b = a + 1
        with engine.scope("inner"):
            c = b * 2
        d = c - 1
        with pytest.raises(engine.DomainError), engine.scope("broken"):
            Value(-1.0).log()
        e = d + 0
    assert (b.scope, c.scope, d.scope, e.scope) == ("outer", "inner", "outer", "outer")
    assert (a + 1).scope is None


def test_scope_needs_a_name() -> None:
    with pytest.raises(TypeError, match="takes a name"), engine.scope(3):  # type: ignore[arg-type]
        pass


def test_no_grad_records_no_scope() -> None:
    with engine.no_grad(), engine.scope("x"):
        v = Value(1.0) * 2
    assert v.scope is None


def test_a_layer_tags_its_neurons_nodes_as_the_scope_switch_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Layers of plain Neurons tag the two nodes of each neuron directly;
    # the general path (a Neuron subclass, say) switches the scope instead.
    import nn.layers

    def scopes_and_data(model: MLP) -> list[tuple[str | None, float, str]]:
        out = model([0.5, -1.0, 2.0])
        assert isinstance(out, list)
        return [(v.scope, v.data, v._op) for v in values_in_order(engine.sum(out))]

    model = MLP(3, [4, 3, 2], activation="tanh")
    with engine.scope("outer"):
        fast = scopes_and_data(model)
        monkeypatch.setattr(nn.layers, "is_grad_enabled", lambda: False)  # the general path
        general = scopes_and_data(model)
    assert fast == general
    assert {s for s, _, _ in fast} >= {"MLP.layers[0].neurons[3]", "outer", None}


def test_a_layer_whose_neuron_lost_a_weight_says_so_instead_of_truncating() -> None:
    model = MLP(3, [4, 1])
    model.layers[0].neurons[2].w.pop()
    with pytest.raises(ValueError, match="as many weights as inputs"):
        model([0.5, -1.0, 2.0])


def test_a_weight_replaced_by_a_number_works_as_a_constant_as_before() -> None:
    model = MLP(2, [3, 1])
    neuron = model.layers[0].neurons[1]
    neuron.w[0] = 0.5  # type: ignore[call-overload]
    out = model([2.0, -1.0])
    assert isinstance(out, Value)
    hidden = model.layers[0]([2.0, -1.0])
    assert isinstance(hidden, list)
    want = max(0.0, neuron.b.data + 0.5 * 2.0 + neuron.w[1].data * -1.0)  # dot's order
    assert hidden[1].data == want
