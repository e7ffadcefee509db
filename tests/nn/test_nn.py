"""Tests for nn.module: Neuron, Layer and MLP.

Four groups:

* structure and the micrograd-compatible API (signatures, parameter order,
  initial weights, return shapes, names, errors, reprs);
* the same weights as a float64 ``torch.nn.Sequential`` give the same outputs
  and the same gradients (torch is the oracle);
* lock-step with micrograd on its own demo (hinge loss + L2, SGD);
* a short training run on the moons set.
"""

from __future__ import annotations

import gc
import math
import random
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

import engine
from engine import Value
from nn import MLP, Layer, Module, Neuron, make_moons

TOL = 1e-12  # torch oracle: float64, only the summation order may differ
LOCKSTEP_TOL = 1e-9  # the brief's bound for micrograd lock-step
ALPHA = 1e-4  # L2 strength in micrograd's demo


def close(a: float, b: float, tol: float = TOL) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def as_list(out: Value | list[Value]) -> list[Value]:
    return [out] if isinstance(out, Value) else out


def scalar(out: Value | list[Value]) -> Value:
    assert isinstance(out, Value), out
    return out


def expected_param_count(nin: int, nouts: Sequence[int]) -> int:
    sizes = [nin, *nouts]
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))


def set_neuron(neuron: Neuron, ws: Sequence[float], b: float) -> None:
    assert len(ws) == len(neuron.w)
    for p, v in zip(neuron.w, ws):
        p.data = float(v)
    neuron.b.data = float(b)


# --- structure and micrograd-compatible API ------------------------------------


def test_neuron_signature_and_nonlin() -> None:
    relu = Neuron(3)
    also_relu = Neuron(3, nonlin=True)
    linear = Neuron(3, nonlin=False)
    for n in (relu, also_relu, linear):
        assert len(n.w) == 3
        assert n.parameters() == [*n.w, n.b]
    assert relu.nonlin is True
    assert also_relu.nonlin is True
    assert linear.nonlin is False

    # Pre-activation 1*1 + 2*(-1) + 0 + (-0.5) = -1.5: ReLU clamps, linear keeps.
    for n in (relu, linear):
        set_neuron(n, [1.0, 2.0, 3.0], -0.5)
    x = [1.0, -1.0, 0.0]
    assert relu(x).data == 0.0
    assert linear(x).data == -1.5
    # A positive pre-activation passes ReLU unchanged.
    assert relu([1.0, 1.0, 1.0]).data == 5.5


def test_layer_signature_passes_kwargs_to_neurons() -> None:
    layer = Layer(3, 4)
    assert len(layer.neurons) == 4
    assert all(len(n.w) == 3 for n in layer.neurons)
    assert all(n.nonlin for n in layer.neurons)

    linear = Layer(3, 4, nonlin=False)
    assert not any(n.nonlin for n in linear.neurons)

    tanh = Layer(2, 2, activation="tanh")
    for n in tanh.neurons:
        set_neuron(n, [1.0, 1.0], 0.0)
    out = tanh([0.25, 0.5])
    assert isinstance(out, list)
    assert [o.data for o in out] == [math.tanh(0.75)] * 2


@pytest.mark.parametrize(
    ("nin", "nouts"),
    [(2, [16, 16, 1]), (1, [1]), (3, [4, 2]), (5, [3, 1, 3, 1]), (4, [7])],
)
def test_parameter_count(nin: int, nouts: list[int]) -> None:
    model = MLP(nin, nouts)
    expected = expected_param_count(nin, nouts)
    assert len(model.parameters()) == expected
    assert model.num_parameters() == expected
    # Every parameter is a distinct leaf.
    assert len({id(p) for p in model.parameters()}) == expected
    assert all(p.is_leaf for p in model.parameters())


def test_micrograd_demo_model_has_337_parameters() -> None:
    assert MLP(2, [16, 16, 1]).num_parameters() == 337


def test_parameter_order_is_weights_then_bias_per_neuron_layer_by_layer() -> None:
    model = MLP(3, [4, 2, 1])
    expected = [p for layer in model.layers for n in layer.neurons for p in (*n.w, n.b)]
    got = model.parameters()
    assert len(got) == len(expected)
    assert all(a is b for a, b in zip(got, expected))
    for layer in model.layers:
        lp = layer.parameters()
        assert all(a is b for a, b in zip(lp, [p for n in layer.neurons for p in (*n.w, n.b)]))


@pytest.mark.parametrize("seed", [0, 1, 1337])
def test_initialisation_uniform_weights_zero_bias_in_parameter_order(seed: int) -> None:
    nin, nouts = 3, [4, 2, 1]
    # Replay the draws by hand: per neuron, nin uniform(-1, 1) weights, then
    # a bias of 0.0 that consumes no draw.
    random.seed(seed)
    expected: list[float] = []
    sizes = [nin, *nouts]
    for i in range(len(nouts)):
        for _ in range(sizes[i + 1]):
            expected += [random.uniform(-1, 1) for _ in range(sizes[i])]
            expected.append(0.0)
    after_expected = random.random()

    random.seed(seed)
    model = MLP(nin, nouts)
    after_model = random.random()

    assert [p.data for p in model.parameters()] == expected
    assert all(type(p.data) is float for p in model.parameters())
    # No extra draws anywhere: the global stream is left where micrograd leaves it.
    assert after_model == after_expected


def test_hidden_layers_use_activation_last_layer_is_linear() -> None:
    # 1 -> 1 -> 1: hidden h = act(x), output h - 5 (negative, so a ReLU on
    # the last layer would show up as 0).
    model = MLP(1, [1, 1])
    set_neuron(model.layers[0].neurons[0], [1.0], 0.0)
    set_neuron(model.layers[1].neurons[0], [1.0], -5.0)
    assert scalar(model([2.0])).data == -3.0  # relu(2) - 5
    assert scalar(model([-2.0])).data == -5.0  # relu(-2) = 0, then -5, not clamped

    deeper = MLP(1, [1, 1, 1])
    set_neuron(deeper.layers[0].neurons[0], [1.0], 0.0)
    set_neuron(deeper.layers[1].neurons[0], [-1.0], 0.0)  # second hidden sees -x
    set_neuron(deeper.layers[2].neurons[0], [1.0], -1.0)
    # relu(-relu(3)) = 0 -> output -1: the second hidden layer is also ReLU.
    assert scalar(deeper([3.0])).data == -1.0


def _act_reference(name: str, x: float) -> float:
    return {
        "relu": max(x, 0.0),
        "tanh": math.tanh(x),
        "sigmoid": 1.0 / (1.0 + math.exp(-x)),
        "linear": x,
    }[name]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_activation_by_name(activation: str) -> None:
    model = MLP(1, [1, 1], activation=activation)
    set_neuron(model.layers[0].neurons[0], [1.0], 0.0)
    set_neuron(model.layers[1].neurons[0], [2.0], -1.0)
    for x in (-1.5, -0.25, 0.5, 2.0):
        expected = 2.0 * _act_reference(activation, x) - 1.0
        assert close(scalar(model([x])).data, expected), (activation, x)
    assert activation in repr(model)


def test_activation_default_is_relu() -> None:
    assert "relu" in repr(MLP(2, [4, 1]))
    assert repr(MLP(2, [4, 1])) == repr(MLP(2, [4, 1], activation="relu"))


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLP(2, [4, 1], activation="swish"),
        lambda: MLP(2, [4, 1], activation="ReLU"),
        lambda: Layer(2, 3, activation="softmax"),
        lambda: Neuron(2, activation=""),
    ],
    ids=["mlp-swish", "mlp-wrong-case", "layer", "neuron"],
)
def test_unknown_activation_is_a_clear_value_error(make: Any) -> None:
    with pytest.raises(ValueError, match="activation") as info:
        make()
    message = str(info.value)
    # It lists what is allowed, so the user can fix the call.
    for name in ("relu", "tanh", "sigmoid", "linear"):
        assert name in message


def test_unknown_activation_fails_even_for_a_single_layer_mlp() -> None:
    # A one-layer MLP never uses the hidden activation, but a typo is still a typo.
    with pytest.raises(ValueError, match="tahn"):
        MLP(2, [1], activation="tahn")


def test_width_one_output_is_a_value_wider_is_a_list() -> None:
    x = [0.3, -0.7]
    out = MLP(2, [4, 1])(x)
    assert isinstance(out, Value)

    wide = MLP(2, [4, 3])(x)
    assert isinstance(wide, list)
    assert len(wide) == 3
    assert all(isinstance(v, Value) for v in wide)

    assert isinstance(Layer(2, 1)(x), Value)
    layer_out = Layer(2, 5)(x)
    assert isinstance(layer_out, list)
    assert len(layer_out) == 5
    assert isinstance(Neuron(2)(x), Value)


def test_width_one_hidden_layer_feeds_the_next_layer() -> None:
    # micrograd cannot do this (its Layer returns a bare Value, which the
    # next layer cannot zip over); ours must.
    model = MLP(2, [1, 2])
    set_neuron(model.layers[0].neurons[0], [1.0, 1.0], 0.5)
    set_neuron(model.layers[1].neurons[0], [2.0], 0.0)
    set_neuron(model.layers[1].neurons[1], [-1.0], 1.0)
    out = model([1.0, 2.0])
    assert isinstance(out, list)
    assert [v.data for v in out] == [7.0, -2.5]


def test_accepts_floats_ints_values_tuples_and_mixed() -> None:
    model = MLP(3, [5, 2])
    reference = [v.data for v in as_list(model([0.5, -1.0, 2.0]))]
    variants: list[Any] = [
        [0.5, -1, 2],
        (0.5, -1.0, 2.0),
        [Value(0.5), Value(-1.0), Value(2.0)],
        [Value(0.5), -1.0, 2],
    ]
    for x in variants:
        assert [v.data for v in as_list(model(x))] == reference, x


def test_gradient_flows_to_value_inputs() -> None:
    model = MLP(2, [3, 1], activation="tanh")
    x = [Value(0.4), Value(-0.9)]
    out = model(x)
    assert isinstance(out, Value)
    out.backward()
    # Finite difference on the plain-float path as an independent check.
    h = 1e-6
    for i in range(2):
        up = [v.data for v in x]
        down = [v.data for v in x]
        up[i] += h
        down[i] -= h
        numeric = (scalar(model(up)).data - scalar(model(down)).data) / (2 * h)
        assert math.isclose(x[i].grad, numeric, rel_tol=1e-6, abs_tol=1e-8)
    assert any(v.grad != 0.0 for v in x)


def test_zero_grad_zeros_every_parameter_and_keeps_data() -> None:
    model = MLP(2, [4, 4, 2], activation="tanh")
    before = [p.data for p in model.parameters()]
    out = model([0.3, -0.6])
    assert isinstance(out, list)
    engine.sum(o * o for o in out).backward()
    grads = [p.grad for p in model.parameters()]
    assert sum(g != 0.0 for g in grads) > len(grads) // 2  # the test has teeth

    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert all(type(p.grad) is float for p in model.parameters())
    assert [p.data for p in model.parameters()] == before

    # Layers and neurons zero their own parameters too.
    layer = model.layers[1]
    out = model([0.3, -0.6])
    assert isinstance(out, list)
    engine.sum(out).backward()
    layer.zero_grad()
    assert all(p.grad == 0.0 for p in layer.parameters())
    assert any(p.grad != 0.0 for p in model.layers[0].parameters())
    model.layers[2].neurons[0].zero_grad()
    assert all(p.grad == 0.0 for p in model.layers[2].neurons[0].parameters())


def test_gradients_accumulate_until_zero_grad() -> None:
    model = MLP(2, [3, 1], activation="sigmoid")
    x = [0.2, 0.7]
    out = model(x)
    assert isinstance(out, Value)
    out.backward()
    once = [p.grad for p in model.parameters()]
    out2 = model(x)
    assert isinstance(out2, Value)
    out2.backward()
    assert [p.grad for p in model.parameters()] == [2 * g for g in once]
    model.zero_grad()
    out3 = model(x)
    assert isinstance(out3, Value)
    out3.backward()
    assert [p.grad for p in model.parameters()] == once


def test_named_parameters_names_and_order() -> None:
    model = MLP(2, [3, 1])
    named = list(model.named_parameters())
    expected_names = []
    for i, layer in enumerate(model.layers):
        for j, n in enumerate(layer.neurons):
            expected_names += [f"layers[{i}].neurons[{j}].w[{k}]" for k in range(len(n.w))]
            expected_names.append(f"layers[{i}].neurons[{j}].b")
    assert [name for name, _ in named] == expected_names
    assert expected_names[:4] == [
        "layers[0].neurons[0].w[0]",
        "layers[0].neurons[0].w[1]",
        "layers[0].neurons[0].b",
        "layers[0].neurons[1].w[0]",
    ]
    assert expected_names[-1] == "layers[1].neurons[0].b"
    # Same objects, same order as parameters().
    assert all(p is q for (_, p), q in zip(named, model.parameters()))
    assert len(named) == model.num_parameters()

    layer_names = [name for name, _ in model.layers[0].named_parameters()]
    assert layer_names[:3] == ["neurons[0].w[0]", "neurons[0].w[1]", "neurons[0].b"]
    assert [name for name, _ in Neuron(2).named_parameters()] == ["w[0]", "w[1]", "b"]


def test_base_module_has_no_parameters() -> None:
    m = Module()
    assert m.parameters() == []
    assert list(m.named_parameters()) == []
    assert m.num_parameters() == 0
    m.zero_grad()  # a no-op, not an error


@pytest.mark.parametrize("bad", [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0, 5.0], []])
def test_wrong_input_width_names_expected_and_actual(bad: list[float]) -> None:
    model = MLP(3, [4, 1])
    with pytest.raises(ValueError, match=r"\b3 inputs?\b") as info:
        model(bad)
    message = str(info.value)
    assert re.search(rf"\bgot {len(bad)}\b", message), message


@pytest.mark.parametrize("make", [lambda: Layer(3, 2), lambda: Neuron(3)], ids=["layer", "neuron"])
def test_wrong_input_width_on_layer_and_neuron(make: Any) -> None:
    module = make()
    with pytest.raises(ValueError, match=r"\b3\b.*\b5\b"):
        module([1.0, 2.0, 3.0, 4.0, 5.0])


def test_wrong_width_of_a_scalar_input() -> None:
    # A bare number is one input; for a 2-input model that is a width error.
    with pytest.raises(ValueError, match=r"\b2\b"):
        MLP(2, [3, 1])(1.0)  # type: ignore[arg-type]
    # ...and for a 1-input model it is accepted.
    model = MLP(1, [3, 1])
    assert model(0.5).data == model([0.5]).data  # type: ignore[arg-type, union-attr]


@pytest.mark.parametrize("bad", [None, object(), 3 + 4j], ids=["None", "object", "complex"])
def test_non_list_input_is_a_clear_type_error(bad: object) -> None:
    model = MLP(2, [3, 1])
    with pytest.raises(TypeError) as info:
        model(bad)  # type: ignore[arg-type]
    message = str(info.value)
    assert type(bad).__name__ in message
    assert "list" in message


def test_list_of_non_numbers_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="str"):
        MLP(2, [3, 1])(["1.0", 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        MLP(2, [3, 1])([None, 2.0])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("args", "word"),
    [
        ((0, [1]), "nin must be an int >= 1, got 0"),
        ((-2, [1]), "nin"),
        ((2, []), "nouts"),
        ((2, 3), "nouts"),
        ((2, [4, 0]), "nout must be an int >= 1, got 0"),
        ((2, [4, -1]), "nout"),
    ],
)
def test_bad_shapes_are_value_errors(args: tuple[Any, Any], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        MLP(*args)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((2.5, [1]), "nin must be an int >= 1, got float 2.5"),
        ((True, [1]), "nin must be an int >= 1, got bool True"),
        ((2, [4, 2.0]), "nout must be an int >= 1, got float 2.0"),
    ],
)
def test_widths_of_the_wrong_type_are_type_errors(args: tuple[Any, Any], words: str) -> None:
    with pytest.raises(TypeError, match=words):
        MLP(*args)


def test_reprs_are_short_and_informative() -> None:
    model = MLP(2, [16, 16, 1])
    r = repr(model)
    assert "\n" not in r
    assert len(r) <= 80, r
    assert r.startswith("MLP")
    # Widths in order, then the parameter count.
    assert [int(s) for s in re.findall(r"\d+", r)] == [2, 16, 16, 1, 337], r
    assert "relu" in r

    tanh = repr(MLP(3, [5, 2], activation="tanh"))
    assert [int(s) for s in re.findall(r"\d+", tanh)] == [3, 5, 2, 32], tanh
    assert "tanh" in tanh

    layer = repr(Layer(16, 16))
    assert len(layer) <= 40, layer  # micrograd's lists all 16 neurons
    assert "16" in layer
    assert "relu" in layer
    assert "linear" in repr(Layer(3, 4, nonlin=False))

    assert repr(Neuron(4, activation="sigmoid")) == "SigmoidNeuron(4)"
    assert repr(Neuron(4, activation="tanh")) == "TanhNeuron(4)"


def test_neuron_repr_matches_micrograd() -> None:
    mg_nn = pytest.importorskip("micrograd.nn")
    assert repr(Neuron(3)) == repr(mg_nn.Neuron(3)) == "ReLUNeuron(3)"
    assert repr(Neuron(3, nonlin=False)) == repr(mg_nn.Neuron(3, nonlin=False))


# --- same draws as micrograd ---------------------------------------------------


@pytest.mark.parametrize("seed", [0, 7, 1337])
@pytest.mark.parametrize(("nin", "nouts"), [(2, [16, 16, 1]), (3, [4, 4, 2]), (1, [1])])
def test_same_initial_weights_as_micrograd(seed: int, nin: int, nouts: list[int]) -> None:
    mg_nn = pytest.importorskip("micrograd.nn")
    random.seed(seed)
    theirs = mg_nn.MLP(nin, nouts)
    theirs_next = random.random()
    random.seed(seed)
    ours = MLP(nin, nouts)
    ours_next = random.random()

    assert len(ours.parameters()) == len(theirs.parameters())
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert ours_next == theirs_next  # same number of draws


# --- torch as the oracle -------------------------------------------------------


def torch_copy(model: MLP, activation: str) -> Any:
    """A float64 torch.nn.Sequential holding the same weights as ``model``."""
    torch = pytest.importorskip("torch")
    acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
    modules = []
    last = len(model.layers) - 1
    for i, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.nin, len(layer.neurons), dtype=torch.float64)
        with torch.no_grad():
            # Linear's weight is [out, in]: row j is neuron j's weights.
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        if i != last and activation != "linear":
            modules.append(acts[activation]())
    return torch.nn.Sequential(*modules)


def torch_grads(tmodel: Any, model: MLP) -> list[float]:
    """torch's gradients, flattened in our parameter order."""
    out: list[float] = []
    linears = [m for m in tmodel if hasattr(m, "weight")]
    assert len(linears) == len(model.layers)
    for linear, layer in zip(linears, model.layers):
        wg, bg = linear.weight.grad.tolist(), linear.bias.grad.tolist()
        for j, n in enumerate(layer.neurons):
            out += [wg[j][k] for k in range(len(n.w))]
            out.append(bg[j])
    return out


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize(("nin", "nouts"), [(2, [16, 16, 1]), (3, [5, 4, 2])])
def test_matches_torch_forward_and_backward(activation: str, nin: int, nouts: list[int]) -> None:
    torch = pytest.importorskip("torch")
    random.seed(2024)
    model = MLP(nin, nouts, activation=activation)
    # Non-zero biases, so the bias path is exercised too.
    for p in model.parameters():
        if p.data == 0.0:
            p.data = random.uniform(-0.5, 0.5)
    tmodel = torch_copy(model, activation)

    rng = random.Random(99)
    xs = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(6)]
    targets = [[rng.uniform(-1, 1) for _ in range(nouts[-1])] for _ in range(6)]

    # Ours: mean squared error over the batch and all outputs.
    inputs = [[Value(a) for a in x] for x in xs]
    outs = [as_list(model(x)) for x in inputs]
    loss = engine.sum(
        (o - t) ** 2 for row, trow in zip(outs, targets) for o, t in zip(row, trow)
    ) * (1.0 / len(xs))
    model.zero_grad()
    loss.backward()

    # Theirs.
    tx = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    tout = tmodel(tx)
    tloss = ((tout - torch.tensor(targets, dtype=torch.float64)) ** 2).sum() / len(xs)
    tloss.backward()

    for row, trow in zip(outs, tout.tolist()):
        assert len(row) == len(trow)
        for o, t in zip(row, trow):
            assert close(o.data, t), (o.data, t)
    assert close(loss.data, tloss.item())

    ours = [p.grad for p in model.parameters()]
    theirs = torch_grads(tmodel, model)
    assert len(ours) == len(theirs) == model.num_parameters()
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(ours, theirs)) if not close(a, b)]
    assert not bad, bad[:5]
    assert sum(g != 0.0 for g in theirs) > len(theirs) // 2  # not trivially all zero

    for row, trow in zip(inputs, tx.grad.tolist()):
        for v, g in zip(row, trow):
            assert close(v.grad, g), (v.grad, g)


# --- lock-step with micrograd's demo ------------------------------------------


def micrograd_demo_step(model: Any, X: list[list[float]], y: list[int], k: int) -> float:
    """One step of micrograd's demo: hinge loss + L2, built-in sum, SGD."""
    from micrograd.engine import Value as MGValue

    inputs = [[MGValue(a) for a in row] for row in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    return float(total.data)


def chainrule_demo_step(model: MLP, X: list[list[float]], y: list[int], k: int) -> float:
    """The same step with one node per sum and per dot."""
    params = model.parameters()
    scores = [scalar(model([Value(a) for a in row])) for row in X]
    losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
    data_loss = engine.sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * engine.dot(params, params)
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in params:
        p.data -= lr * p.grad
    return total.data


@contextmanager
def gc_paused() -> Iterator[None]:
    """Collector off inside, one collection after.

    Every micrograd node sits in a reference cycle (its ``_backward``
    closure refers to the node), so a spent graph waits for the cycle
    collector. With the collector on, its repeated full passes make a demo
    step take ~1 s; paused, ~0.2 s, and one collection at the end frees all.
    """
    try:
        with engine.pause_gc():
            yield
    finally:
        gc.collect()


def test_lockstep_with_micrograd_demo() -> None:
    mg_nn = pytest.importorskip("micrograd.nn")
    seed = 1337
    # The full demo, 100 points and 5 steps: about 2 s with the collector
    # paused (see gc_paused), so no need to shrink it.
    X, labels = make_moons(100, noise=0.1, seed=seed)
    y = [2 * t - 1 for t in labels]

    random.seed(seed)
    theirs = mg_nn.MLP(2, [16, 16, 1])
    ours = MLP(2, [16, 16, 1])
    # Copy rather than rely on the seed, so that this test checks the
    # training arithmetic only (initial draws have their own test).
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        p.data = float(q.data)

    start = [p.data for p in ours.parameters()]
    losses = []
    with gc_paused():
        for k in range(5):
            loss_theirs = micrograd_demo_step(theirs, X, y, k)
            loss_ours = chainrule_demo_step(ours, X, y, k)
            assert abs(loss_ours - loss_theirs) <= LOCKSTEP_TOL, (k, loss_ours, loss_theirs)
            diffs = [abs(p.data - q.data) for p, q in zip(ours.parameters(), theirs.parameters())]
            assert max(diffs) <= LOCKSTEP_TOL, (k, max(diffs))
            grads = [abs(p.grad - q.grad) for p, q in zip(ours.parameters(), theirs.parameters())]
            assert max(grads) <= LOCKSTEP_TOL, (k, max(grads))
            losses.append(loss_ours)
        del theirs  # let the collection in gc_paused free micrograd's graphs
    # The run did something: it learned, and every weight moved.
    assert losses[-1] < losses[0]
    assert all(p.data != s for p, s in zip(ours.parameters(), start))


# --- a short training run -------------------------------------------------------


def accuracy(model: MLP, X: list[list[float]], y: list[int]) -> float:
    with engine.no_grad():
        scores = [scalar(model(x)) for x in X]
    return sum((s.data > 0) == (yi > 0) for s, yi in zip(scores, y)) / len(y)


def test_learns_moons_to_full_training_accuracy() -> None:
    seed = 1337
    X, labels = make_moons(100, noise=0.1, seed=seed)
    y = [2 * t - 1 for t in labels]
    random.seed(seed)
    model = MLP(2, [16, 16, 1])
    start_acc = accuracy(model, X, y)
    assert start_acc < 1.0

    losses = []
    reached = None
    for k in range(100):
        if accuracy(model, X, y) == 1.0:
            reached = k
            break
        losses.append(chainrule_demo_step(model, X, y, k))
    assert reached is not None, f"accuracy {accuracy(model, X, y):.2f} after 100 steps"
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("bad", ["ab", b"ab", {0: 1.0, 1: 2.0}, {1.0, 2.0}])
def test_iterables_that_are_not_input_lists_are_refused(bad: object) -> None:
    model = MLP(2, [3, 1])
    with pytest.raises(TypeError, match=r"MLP\(2 -> 3 -> 1.*takes a list of 2 numbers"):
        model(bad)  # type: ignore[arg-type]


def test_a_wrong_width_names_the_model() -> None:
    model = MLP(2, [3, 1])
    with pytest.raises(ValueError, match=r"^MLP\(2 -> 3 -> 1.* expects 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])


def test_importing_nn_loads_neither_multiprocessing_nor_the_drawing_tools() -> None:
    code = (
        "import sys, nn\n"
        "heavy = [m for m in ('multiprocessing', 'concurrent.futures', 'graphviz', 'tqdm') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""
