"""backward_source: the backward pass as straight-line Python, exact to the bit.

Each test builds a graph, runs ``root.backward()`` from zero grads, executes
the generated source and checks that every ``grad_<name>`` it computes has
the very bits of the matching ``.grad``.
"""

from __future__ import annotations

import keyword
import math
import struct

import pytest
from hypothesis import given

import engine
from engine import RULES, Value, backward_source
from engine.core.graph import values_in_order
from engine.teach.replay import replay_backward
from engine.teach.source import pass_order, variable_names
from nn import MLP
from nn.losses import hinge_loss, l2_penalty
from tests.fixtures import OP_GRAPHS, lecture, op_graph, score, tanh_neuron
from tests.strategies import ENGINE, Program, programs, run


def same_bits(x: float, y: float) -> bool:
    """Equal to the last bit (any nan equals any nan: payloads are not ours)."""
    if math.isnan(x) and math.isnan(y):
        return True
    return struct.pack("<d", x) == struct.pack("<d", y)


def execute(root: Value) -> dict[str, float]:
    namespace: dict[str, float] = {}
    exec(compile(backward_source(root), "<backward source>", "exec"), namespace)
    return namespace


def assert_round_trip(root: Value) -> str:
    """backward_source(root), after checking it against root.backward()."""
    engine.zero_grad(root)
    root.backward()
    namespace = execute(root)
    names = variable_names(root)
    for value, name in names.items():
        got = namespace[f"grad_{name}"]
        assert same_bits(got, value.grad), (name, got, value.grad)
        assert same_bits(namespace[name], value.data), name
    return backward_source(root)


# --- the lecture example -----------------------------------------------------------------


def test_lecture_example_reads_like_the_chain_rule() -> None:
    source = assert_round_trip(lecture())
    steps = source.split("# chain rule, from the output back to the inputs\n")[1]
    assert steps.splitlines() == [
        "grad_d += grad_L * f  # L = d * f",
        "grad_f += grad_L * d  # L = d * f",
        "grad_e += grad_d  # d = e + c",
        "grad_c += grad_d  # d = e + c",
        "grad_a += grad_e * b  # e = a * b",
        "grad_b += grad_e * a  # e = a * b",
    ]
    assert "a = 2.0\n" in source
    assert "e = -6.0  # a * b\n" in source
    assert "grad_L = 1.0\n" in source
    assert "grad_a = 0.0\n" in source
    assert "import" not in source  # no helper needed for + and *


def test_lecture_source_gives_the_lecture_gradients() -> None:
    namespace = execute(lecture())
    assert [namespace[f"grad_{n}"] for n in "abcfedL"] == [6.0, -4.0, -2.0, 4.0, -2.0, -2.0, 1.0]


def test_tanh_neuron() -> None:
    source = assert_round_trip(tanh_neuron())
    assert "grad_n += grad_o * (1.0 - o * o)  # o = tanh(n)" in source
    namespace = execute(tanh_neuron())
    assert math.isclose(namespace["grad_x1"], -1.5)
    assert math.isclose(namespace["grad_w1"], 1.0)


# --- every op of the table ---------------------------------------------------------------


def test_hand_made_graphs_name_real_rules() -> None:
    assert set(OP_GRAPHS) <= set(RULES)


@pytest.mark.parametrize("op", sorted(RULES))
def test_every_op_round_trips_exactly(op: str) -> None:
    root = op_graph(op)
    assert any(v._rule is RULES[op] for v in values_in_order(root))
    assert_round_trip(root)


def test_constant_params_are_written_in() -> None:
    x = Value(1.5, label="x")
    source = assert_round_trip(x**3 + x**-1.5 + x.leaky_relu(0.1) + x**0)
    assert "grad_x += grad_pow1 * 3 * ieee_pow(x, 2)  # pow1 = x ** 3" in source
    assert "* -1.5 * ieee_pow(x, -2.5)" in source
    assert "grad_x += grad_pow3 * 0.0  # pow3 = x ** 0" in source
    assert (
        "grad_x += grad_lrelu1 if x > 0 else grad_lrelu1 * 0.1  # lrelu1 = leaky_relu(x, 0.1)"
        in source
    )
    assert "from engine.core.rules import ieee_pow\n" in source


def test_dot_steps_come_in_the_order_of_the_fast_pass() -> None:
    # x receives 1e16 (from x * C, made last, so first in the pass), then
    # -1e16 (as x1 of the dot) and 1.0 (as w2). Added in that order the sum
    # is 1.0; in _prev order (w2 before x1) it would be 0.0.
    x, a = Value(1.0, label="x"), Value(-1e16, label="A")
    r, c = Value(1.0, label="R"), Value(1e16, label="C")
    dot = engine.dot([a, x], [x, r])
    root = dot + x * c
    assert pass_order(dot) == [0, 2, 1, 3]
    assert_round_trip(root)
    assert x.grad == 1.0
    assert execute(root)["grad_x"] == 1.0


def test_dot_with_and_without_bias_and_odd_fan_out() -> None:
    ws = [Value(float(i) / 3, label=f"w{i}") for i in range(3)]
    xs = [Value(1.0 - i, label=f"x{i}") for i in range(3)]
    b = Value(0.25, label="b")
    assert_round_trip(engine.dot(ws, xs, b) * engine.dot(xs, ws) + engine.dot(ws, ws, ws[0]))


def test_small_mlp_with_hinge_and_l2_loss() -> None:
    model = MLP(2, [4, 4, 1])
    xs = [[0.5, -1.0], [1.0, 2.0], [-0.3, 0.7], [2.0, 0.1]]
    ys = [1, -1, 1, -1]
    loss = hinge_loss([score(model, x) for x in xs], ys) + 1e-4 * l2_penalty(model.parameters())
    loss.label = "loss"
    source = assert_round_trip(loss)
    assert "grad_loss = 1.0" in source
    names = variable_names(loss)
    for p in model.parameters():  # every parameter has a line adding into its gradient
        assert f"grad_{names[p]} += " in source


@given(programs())
def test_random_programs_round_trip_exactly(program: Program) -> None:
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(program.inputs)]
    assert_round_trip(run(program, leaves, ENGINE))


def test_replay_matches_backward_bit_for_bit() -> None:
    root = op_graph("dot") * op_graph("pow_const")
    _, grads = replay_backward(root)
    engine.zero_grad(root)
    root.backward()
    for value, g in grads.items():
        assert same_bits(g, value.grad)


# --- names ------------------------------------------------------------------------------


def test_labels_that_are_not_identifiers_become_identifiers() -> None:
    labels = ["x", "x", "lambda", "x[0]", "grad_y", "float", "v1", "__builtins__", "sign", ""]
    leaves = [Value(float(i + 1), label=label) for i, label in enumerate(labels)]
    root = engine.sum([leaf * leaf for leaf in leaves])
    names = variable_names(root)
    shown = engine.names(root)
    assert [shown[v] for v in leaves] == [*labels[:1], "x_2", *labels[2:-1], "x1"]
    idents = [names[v] for v in leaves]
    assert len(set(names.values())) == len(names)  # distinct
    assert all(name.isidentifier() and not keyword.iskeyword(name) for name in idents)
    assert idents[:2] == ["x", "x_2"]
    assert (idents[3], idents[6]) == ("x_0", "v1")
    assert_round_trip(root)  # and the source still runs
    assert "x_0 = 4.0  # (x[0])" in backward_source(root)


def test_good_labels_are_used_and_names_are_unique() -> None:
    a, b = Value(1.0, label="alpha"), Value(2.0, label="β")
    root = a * b + a
    names = variable_names(root)
    assert (names[a], names[b]) == ("alpha", "β")
    assert len(set(names.values())) == len(names)
    assert_round_trip(root)


def test_root_that_is_a_leaf() -> None:
    x = Value(3.0, label="x")
    source = assert_round_trip(x)
    assert "grad_x = 1.0" in source


def test_non_finite_numbers_round_trip() -> None:
    x = Value(math.inf, label="x")
    y = Value(math.nan, label="y")
    z = Value(-0.0, label="z")
    root = x * 2.0 + y * z + z * -3.0 + Value(0.5, label="h") ** math.inf
    source = assert_round_trip(root)
    for line in ("x = float('inf')", "y = float('nan')", "z = -0.0"):
        assert f"\n{line}\n" in source


def test_refuses_non_values() -> None:
    with pytest.raises(TypeError, match="needs a Value"):
        backward_source(3.0)  # type: ignore[arg-type]
