"""Tests for the training features of nn.module.

train()/eval() modes, Dropout, init=, summary(), state_dict() /
load_state_dict(), MLP.to_torch() and the reprs. The micrograd-compatible
core (signatures, parameter order, default init) is tested in test_nn.py.
"""

from __future__ import annotations

import code
import math
import random
import sys
from fractions import Fraction
from typing import Any

import pytest

import engine
from engine import Value
from nn import init as nn_init
from nn.layers import INITIALIZERS, MLP, Dropout, Layer, Neuron
from nn.module import Module

TOL = 1e-12  # torch in float64 may add the terms of a dot in another order


def outputs(out: Value | list[Value]) -> list[float]:
    return [out.data] if isinstance(out, Value) else [o.data for o in out]


def all_modules(m: Module) -> list[Module]:
    found = [m]
    for child in m.children():
        found += all_modules(child)
    return found


class Block(Module):
    """A hand-made container: children in an attribute, a list and a tuple."""

    def __init__(self) -> None:
        self.head = Layer(2, 3)
        self.stack = [Layer(3, 3), Dropout(0.5)]
        self.pair = (Dropout(0.1), Neuron(3))
        self.not_a_module = [1, "two", Value(3.0)]

    def parameters(self) -> list[Value]:
        return [*self.head.parameters(), *self.stack[0].parameters(), *self.pair[1].parameters()]


# --- train / eval ------------------------------------------------------------------


def test_modules_start_in_training_mode() -> None:
    model = MLP(2, [4, 4, 1], dropout=0.5)
    assert all(m.training for m in all_modules(model))


def test_eval_and_train_switch_every_submodule_and_return_self() -> None:
    model = MLP(2, [4, 4, 1], dropout=0.5)
    modules = all_modules(model)
    # MLP, 3 layers, their 9 neurons, the dropout module.
    assert len(modules) == 1 + 3 + 9 + 1
    assert model.eval() is model
    assert not any(m.training for m in modules)
    assert model.train() is model
    assert all(m.training for m in modules)
    assert model.train(False) is model
    assert not any(m.training for m in modules)


def test_children_are_found_generically() -> None:
    block = Block()
    names = [name for name, _ in block.named_children()]
    assert names == ["head", "stack[0]", "stack[1]", "pair[0]", "pair[1]"]
    block.eval()
    assert not any(m.training for m in all_modules(block))
    block.train()
    assert all(m.training for m in all_modules(block))


def test_train_rejects_a_non_bool_mode() -> None:
    with pytest.raises(TypeError, match=r"nn\.fit"):
        MLP(2, [1]).train([[0.0, 1.0]])  # type: ignore[arg-type]


# --- Dropout -------------------------------------------------------------------------


@pytest.mark.parametrize("p", [-0.1, 1.0001, 2, math.nan, math.inf])
def test_dropout_probability_outside_0_1_is_a_value_error(p: float) -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Dropout(p)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        MLP(2, [4, 1], dropout=p)


@pytest.mark.parametrize("p", ["0.5", None, True])
def test_dropout_probability_must_be_a_number(p: Any) -> None:
    with pytest.raises(TypeError, match="number"):
        Dropout(p)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_keeps_the_mean_in_training(p: float) -> None:
    n = 20_000
    xs = [Value(1.0) for _ in range(n)]
    out = Dropout(p, rng=random.Random(7))(xs)
    kept = [o.data for o in out if o.data != 0.0]
    # Kept units are scaled by 1/(1-p); the kept fraction is about 1-p.
    assert all(k == 1.0 / (1.0 - p) for k in kept)
    assert abs(len(kept) / n - (1 - p)) < 0.02
    mean = sum(o.data for o in out) / n
    # The mean of n i.i.d. units has standard deviation sqrt(p / (1-p) / n) <= 0.015.
    assert abs(mean - 1.0) < 0.06


def test_dropped_units_get_exactly_zero_gradient_kept_units_the_scale() -> None:
    xs = [Value(float(i + 1)) for i in range(200)]
    out = Dropout(0.5, rng=random.Random(1))(xs)
    engine.sum(out).backward()
    for x, o in zip(xs, out):
        if o.data == 0.0:
            assert x.grad == 0.0
        else:
            assert o.data == 2.0 * x.data
            assert x.grad == 2.0
    assert {x.grad for x in xs} == {0.0, 2.0}


def test_dropout_p_1_drops_everything_p_0_is_identity() -> None:
    xs = [Value(1.5) for _ in range(50)]
    dropped = Dropout(1.0)(xs)
    assert [o.data for o in dropped] == [0.0] * 50
    assert Dropout(0.0)(xs) is xs


def test_dropout_in_eval_mode_returns_its_input_and_draws_nothing() -> None:
    xs = [Value(1.0) for _ in range(10)]
    drop = Dropout(0.5).eval()
    random.seed(5)
    expected = random.random()
    random.seed(5)
    assert drop(xs) is xs
    single = Value(2.0)
    assert drop(single) is single
    assert random.random() == expected


def test_dropout_on_a_single_value_and_seeded_reproducibility() -> None:
    x = Value(3.0)
    results = {Dropout(0.5, rng=random.Random(s))(x).data for s in range(40)}
    assert results == {0.0, 6.0}
    a = Dropout(0.3, rng=random.Random(11))([Value(1.0) for _ in range(30)])
    b = Dropout(0.3, rng=random.Random(11))([Value(1.0) for _ in range(30)])
    assert [o.data for o in a] == [o.data for o in b]
    # rng=None draws from the global random, which random.seed fixes.
    random.seed(3)
    c = Dropout(0.3)([Value(1.0) for _ in range(30)])
    random.seed(3)
    d = Dropout(0.3)([Value(1.0) for _ in range(30)])
    assert [o.data for o in c] == [o.data for o in d]


def test_mlp_dropout_follows_hidden_layers_only_in_training() -> None:
    random.seed(0)
    plain = MLP(3, [8, 8, 2])
    random.seed(0)
    dropped = MLP(3, [8, 8, 2], dropout=0.5)
    # Dropout draws nothing at construction: the same weights as without it.
    assert [p.data for p in plain.parameters()] == [p.data for p in dropped.parameters()]
    x = [0.5, -1.0, 2.0]
    dropped.eval()
    assert outputs(dropped(x)) == outputs(plain(x))
    dropped.train()
    trained = [outputs(dropped(x)) for _ in range(10)]
    assert any(t != outputs(plain(x)) for t in trained)


def test_mlp_with_dropout_1_passes_only_the_last_bias() -> None:
    model = MLP(2, [4, 4, 1], dropout=1.0)
    model.layers[-1].neurons[0].b.data = 0.25
    out = model([1.0, -2.0])
    assert isinstance(out, Value)
    assert out.data == 0.25
    out.backward()
    # Nothing reaches the hidden layers' weights.
    assert all(p.grad == 0.0 for p in model.layers[0].parameters())
    assert all(w.grad == 0.0 for w in model.layers[-1].neurons[0].w)
    assert model.layers[-1].neurons[0].b.grad == 1.0


def test_mlp_dropout_zero_or_single_layer_adds_no_module() -> None:
    assert MLP(2, [4, 1]).dropout is None
    assert MLP(2, [4, 1], dropout=0.0).dropout is None
    assert MLP(2, [3], dropout=0.5).dropout is None  # no hidden layer to follow
    drop = MLP(2, [4, 1], dropout=0.25).dropout
    assert isinstance(drop, Dropout)
    assert drop.p == 0.25


# --- init= --------------------------------------------------------------------------


def test_default_init_is_unchanged_by_the_new_keywords() -> None:
    random.seed(42)
    default = MLP(2, [5, 1])
    after_default = random.random()
    random.seed(42)
    explicit = MLP(2, [5, 1], activation="relu", dropout=0.0, init=None)
    assert random.random() == after_default
    assert [p.data for p in default.parameters()] == [p.data for p in explicit.parameters()]


@pytest.mark.parametrize("name", INITIALIZERS)
def test_named_init_is_nn_init_on_the_out_by_in_matrix(name: str) -> None:
    random.seed(9)
    layer = Layer(5, 3, init=name)
    # The same call by hand, from the same global random state.
    random.seed(9)
    matrix = [[Value(0.0) for _ in range(5)] for _ in range(3)]
    getattr(nn_init, f"{name}_")(matrix)
    assert [[w.data for w in n.w] for n in layer.neurons] == [
        [w.data for w in row] for row in matrix
    ]
    assert all(n.b.data == 0.0 for n in layer.neurons)
    assert all(type(p.data) is float for p in layer.parameters())


def test_named_inits_have_their_documented_scale() -> None:
    random.seed(0)
    zeros = MLP(4, [6, 1], init="zeros")
    assert all(p.data == 0.0 for p in zeros.parameters())
    fan_in, fan_out = 40, 30
    xavier = Layer(fan_in, fan_out, init="xavier_uniform")
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    weights = [w.data for n in xavier.neurons for w in n.w]
    assert max(abs(w) for w in weights) <= bound
    assert max(abs(w) for w in weights) > 0.9 * bound
    kaiming = Layer(fan_in, fan_out, init="kaiming_normal")
    ws = [w.data for n in kaiming.neurons for w in n.w]
    std = math.sqrt(sum(w * w for w in ws) / len(ws))
    assert abs(std - math.sqrt(2.0 / fan_in)) < 0.1 * math.sqrt(2.0 / fan_in)


def test_init_callable_gets_each_layers_out_by_in_matrix() -> None:
    shapes: list[tuple[int, int]] = []

    def fill(weights: list[list[Value]]) -> None:
        shapes.append((len(weights), len(weights[0])))
        for i, row in enumerate(weights):
            for j, w in enumerate(row):
                w.data = 10 * i + j  # an int: the layer stores a float

    model = MLP(3, [4, 2], init=fill)
    assert shapes == [(4, 3), (2, 4)]
    first = model.layers[0]
    assert [w.data for w in first.neurons[1].w] == [10.0, 11.0, 12.0]
    assert all(type(p.data) is float for p in model.parameters())
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_init_keeps_layer_keywords_and_draws_nothing_else() -> None:
    random.seed(1)
    layer = Layer(3, 2, init="zeros", activation="tanh")
    assert [n.activation for n in layer.neurons] == ["tanh", "tanh"]
    assert repr(Layer(3, 2, init="zeros", nonlin=False)) == "Layer(3 -> 2, linear)"
    after = random.random()
    random.seed(1)
    assert random.random() == after  # 'zeros' took no draw from the global random


def test_bad_init_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="xavier_uniform"):
        MLP(2, [3, 1], init="glorot")
    with pytest.raises(TypeError, match="in place"):
        Layer(2, 3, init=lambda w: w.append([Value(0.0), Value(0.0)]))
    with pytest.raises(ValueError, match="nin"):
        Layer(0, 3, init="zeros")


# --- summary --------------------------------------------------------------------------


def test_summary_lists_layers_widths_activations_and_counts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = MLP(2, [16, 16, 1], dropout=0.2)
    text = model.summary(show=False)
    assert capsys.readouterr().out == ""
    lines = text.splitlines()
    assert lines[0] == repr(model)
    rows = [line.split() for line in lines if line.startswith(("layers", "dropout"))]
    assert rows == [
        ["layers[0]", "(Layer)", "16", "relu", "48"],
        ["dropout", "(Dropout(p=0.2))", "16", "-", "0"],
        ["layers[1]", "(Layer)", "16", "relu", "272"],
        ["dropout", "(Dropout(p=0.2))", "16", "-", "0"],
        ["layers[2]", "(Layer)", "1", "linear", "17"],
    ]
    assert "Total parameters: 337" in text
    for header in ("Layer (type)", "Output", "Activation", "Params"):
        assert header in text
    assert "(mode: training)" in text
    assert "(mode: eval)" in model.eval().summary(show=False)
    assert capsys.readouterr().out == ""


def test_summary_shows_its_table_once_in_a_repl(capsys: pytest.CaptureFixture[str]) -> None:
    model = MLP(2, [3, 1])
    # What an interactive interpreter does with an expression statement:
    # run it, then print the repr of its result unless the result is None.
    console = code.InteractiveInterpreter({"model": model})
    console.runsource("model.summary()")
    shown = capsys.readouterr().out
    table = model.summary(show=False)
    assert shown == table + "\n"
    assert shown.count("Total parameters") == 1
    console.runsource("text = model.summary(show=False)")
    assert capsys.readouterr().out == ""


def test_summary_of_other_modules() -> None:
    text = Block().summary(show=False)
    for name in (
        "head (Layer)",
        "stack[0] (Layer)",
        "stack[1] (Dropout(p=0.5))",
        "pair[1] (Neuron)",
    ):
        assert name in text
    assert f"Total parameters: {Block().num_parameters()}" in text
    assert "Layer (type)" in Layer(3, 2).summary(show=False)
    big = MLP(100, [100, 100, 10]).summary(show=False)
    assert "Total parameters: 21,210" in big


# --- state_dict -----------------------------------------------------------------------


def test_state_dict_names_and_values() -> None:
    model = MLP(2, [3, 1])
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert list(state.values()) == [p.data for p in model.parameters()]
    state["layers[0].neurons[0].b"] = 99.0  # a copy: the model is untouched
    assert model.layers[0].neurons[0].b.data == 0.0


def test_state_dict_round_trip_is_exact() -> None:
    source = MLP(3, [5, 4, 2], dropout=0.3)
    specials = [math.inf, -math.inf, -0.0, 5e-324, 0.1 + 0.2, 1e308]
    for p, x in zip(source.parameters(), specials):
        p.data = x
    target = MLP(3, [5, 4, 2])
    target.load_state_dict(source.state_dict())
    for a, b in zip(source.parameters(), target.parameters()):
        assert a.data == b.data
        assert math.copysign(1, a.data) == math.copysign(1, b.data)
    nan = MLP(1, [1])
    nan.layers[0].neurons[0].b.data = math.nan
    fresh = MLP(1, [1])
    fresh.load_state_dict(nan.state_dict())
    assert math.isnan(fresh.layers[0].neurons[0].b.data)


def test_load_state_dict_names_missing_and_unexpected_keys() -> None:
    model = MLP(2, [3, 1])
    before = model.state_dict()
    state = model.state_dict()
    state.pop("layers[1].neurons[0].b")
    with pytest.raises(ValueError, match=r"missing keys: layers\[1\]\.neurons\[0\]\.b") as info:
        model.load_state_dict(state)
    assert "the model has 13 parameters, the state dict has 12 entries" in str(info.value)

    state = {**model.state_dict(), "layers[2].neurons[0].b": 1.0}
    with pytest.raises(ValueError, match=r"unexpected keys: layers\[2\]\.neurons\[0\]\.b"):
        model.load_state_dict(state)

    other = MLP(2, [8, 1]).state_dict()
    with pytest.raises(ValueError, match=r"13 parameters.*33 entries") as info:
        model.load_state_dict(other)
    assert "and 15 more" in str(info.value)  # long key lists are shortened
    assert model.state_dict() == before


def test_load_state_dict_wants_numbers_and_changes_nothing_on_error() -> None:
    model = MLP(2, [1])
    before = model.state_dict()
    state: dict[str, Any] = dict.fromkeys(before, 1.0)
    bias = "layers[0].neurons[0].b"
    state[bias] = "0.5"
    with pytest.raises(TypeError, match=r"state_dict\['layers\[0\]\.neurons\[0\]\.b'\] must"):
        model.load_state_dict(state)
    state[bias] = Value(0.5)
    with pytest.raises(TypeError, match=r"p\.data"):
        model.load_state_dict(state)
    with pytest.raises(TypeError, match="dict"):
        model.load_state_dict([1.0, 2.0])  # type: ignore[arg-type]
    assert model.state_dict() == before


class BrokenFloat(float):
    """A float subclass whose conversion fails: passes the type check, not float()."""

    def __float__(self) -> float:
        raise RuntimeError("this number cannot be read")


@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        (10**400, ValueError, "out of float range"),
        (-(10**400), ValueError, "out of float range"),
        (Fraction(10**400, 3), ValueError, "out of float range"),
        (BrokenFloat(1.0), ValueError, "BrokenFloat.*cannot be converted.*cannot be read"),
        ("0.5", TypeError, "must be a number, got str"),
    ],
)
@pytest.mark.parametrize("where", [0, 168, -1])
def test_load_state_dict_converts_everything_before_assigning_anything(
    bad: Any, error: type[Exception], words: str, where: int
) -> None:
    model = MLP(2, [16, 16, 1])  # 337 parameters
    before = model.state_dict()
    state: dict[str, Any] = {name: x + 1.0 for name, x in before.items()}
    name = list(state)[where]
    state[name] = bad
    with pytest.raises(error, match=words) as info:
        model.load_state_dict(state)
    assert repr(name) in str(info.value)
    assert model.state_dict() == before  # not one parameter changed


def test_modules_without_named_parameters_get_positional_names() -> None:
    block = Block()
    names = list(block.state_dict())
    assert names[:2] == ["parameters[0]", "parameters[1]"]
    assert len(names) == block.num_parameters()
    copy = Block()
    copy.load_state_dict(block.state_dict())
    assert [p.data for p in copy.parameters()] == [p.data for p in block.parameters()]


# --- to_torch -------------------------------------------------------------------------


def test_to_torch_without_torch_names_a_pinned_cpu_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(ImportError, match=r"pip install torch==2\.13\.0 --index-url") as info:
        MLP(2, [3, 1]).to_torch()
    assert "whl/cpu" in str(info.value)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("dropout", [0.0, 0.4])
def test_to_torch_gives_the_same_outputs_in_float64(activation: str, dropout: float) -> None:
    torch = pytest.importorskip("torch")
    random.seed(4)
    model = MLP(3, [6, 5, 2], activation=activation, dropout=dropout)
    for p in model.parameters():
        p.data = random.uniform(-1, 1)
    model.eval()
    tmodel = model.to_torch(dtype=torch.float64)
    assert not tmodel.training
    xs = [[random.uniform(-2, 2) for _ in range(3)] for _ in range(20)]
    theirs = tmodel(torch.tensor(xs, dtype=torch.float64)).tolist()
    for x, row in zip(xs, theirs):
        for ours, t in zip(outputs(model(x)), row):
            assert math.isclose(ours, t, rel_tol=TOL, abs_tol=TOL), (ours, t)


def test_to_torch_structure_dtype_mode_and_exact_weights() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(2, [4, 3, 1], activation="tanh", dropout=0.5)
    rng_before = torch.get_rng_state()
    tmodel = model.to_torch(torch.float64)
    assert torch.equal(rng_before, torch.get_rng_state())  # no random init drawn
    kinds = [type(m).__name__ for m in tmodel]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear"]
    assert tmodel[2].p == 0.5
    assert tmodel.training
    linears = [m for m in tmodel if isinstance(m, torch.nn.Linear)]
    for linear, layer in zip(linears, model.layers):
        assert linear.weight.dtype == torch.float64
        assert linear.weight.tolist() == [[w.data for w in n.w] for n in layer.neurons]
        assert linear.bias.tolist() == [n.b.data for n in layer.neurons]
    default = MLP(2, [1]).to_torch()
    assert default[0].weight.dtype == torch.get_default_dtype()


def test_to_torch_without_torch_is_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match="pip install torch"):
        MLP(2, [1]).to_torch()


# --- reprs ------------------------------------------------------------------------------


def test_reprs_stay_short() -> None:
    assert repr(Dropout(0.25)) == "Dropout(p=0.25)"
    with_dropout = repr(MLP(2, [16, 16, 1], dropout=0.1))
    assert with_dropout == "MLP(2 -> 16 -> 16 -> 1, relu, dropout=0.1, 337 parameters)"
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2 -> 16 -> 16 -> 1, relu, 337 parameters)"
    assert repr(Block()) == f"Block({Block().num_parameters()} parameters)"
    assert repr(Module()) == "Module(0 parameters)"
