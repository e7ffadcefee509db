"""The backward pass's shortcuts change no number: marked walks, skipped zero gradients.

``order_and_leaves`` marks the nodes it has visited instead of keeping a
set, and the generated pass skips a sum or dot product whose gradient is
zero. Each test compares against the plain way of doing the same thing.
"""

from __future__ import annotations

import math
import random
import struct
import sys
import threading
from typing import cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value, no_grad
from engine.core import graph
from engine.core.backward import _negative_zero_in, float_pass
from engine.core.graph import order_and_leaves
from nn import MLP
from tests.strategies import ENGINE, Program, programs, run


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def dead_mlp_loss(seed: int, poison: float | None = None) -> tuple[Value, list[Value]]:
    """A hinge loss over a small batch in which many units and samples give zero gradients."""
    random.seed(seed)
    model = MLP(3, [6, 6, 1])
    for neuron in model.layers[0].neurons[:3]:
        neuron.b.data = -50.0  # dead for every sample
    rows = [[random.uniform(-1, 1) for _ in range(3)] for _ in range(8)]
    if poison is not None:
        rows[2][1] = poison
    scores = [cast(Value, model(row)) for row in rows]
    labels = [1, -1, 1, -1, 1, 1, -1, -1]
    losses = [(1 - y * s).relu() for y, s in zip(labels, scores)]
    return engine.sum(losses) * (1 / len(losses)), model.parameters()


def start_over(root: Value, leaf_start: float = 0.0) -> tuple[list[Value], list[Value]]:
    """Every gradient back to 0.0 (the leaves' to ``leaf_start``); the nodes and leaves."""
    order, leaves = order_and_leaves(root)
    for v in order:
        v.grad = 0.0
    for v in leaves:
        v.grad = leaf_start
    return order, leaves


def grads_after(
    root: Value, skip_zero: bool, leaf_start: float = 0.0, seed: float = 1.0
) -> list[bytes]:
    """Every value's gradient, as bits, after one pass from ``root``."""
    order, leaves = start_over(root, leaf_start)
    root.grad = seed
    float_pass(order, skip_zero)
    return [_bits(v.grad) for v in leaves + order]


@pytest.mark.parametrize("seed", range(5))
def test_skipping_zero_gradients_changes_no_bit(seed: int) -> None:
    loss, _ = dead_mlp_loss(seed)
    order, _ = order_and_leaves(loss)
    dead = [v for v in order if v._rule is engine.RULES["dot"] and v.data <= 0]
    assert dead, "the graph must have dot products with a zero gradient"
    assert grads_after(loss, True) == grads_after(loss, False)


@pytest.mark.parametrize("poison", [math.inf, -math.inf, math.nan])
def test_a_dead_unit_with_inf_or_nan_data_still_passes_nan_on(poison: float) -> None:
    # 0 * inf is nan, as in PyTorch: the skip must not hide it.
    loss, _ = dead_mlp_loss(0, poison)
    assert grads_after(loss, True) == grads_after(loss, False)
    w, x, b = Value(1.0), Value(poison), Value(-1.0)
    unit = engine.dot([w, Value(2.0)], [x, Value(-1.0)], b).relu()
    (unit * 3.0).backward()
    assert math.isnan(w.grad) or poison != poison or unit.data > 0


def test_a_stale_dead_unit_with_a_parent_now_inf_passes_nan_on() -> None:
    # The node's own data is finite, but a parent changed after the forward
    # pass: the skip looks at the parents' data as they are now.
    w, x = Value(0.5), Value(-2.0)
    pre = engine.dot([w], [x])  # -1.0
    out = pre.relu() * 2.0
    x.data = math.inf
    out.backward()
    assert math.isnan(w.grad)
    assert grads_after(out, True) == grads_after(out, False)


def test_negative_zero_gradients_keep_the_sign_adding_zeros_gives() -> None:
    loss, params = dead_mlp_loss(1)
    start_over(loss, -0.0)
    loss.backward()
    after_backward = [_bits(p.grad) for p in params]
    order, _ = start_over(loss, -0.0)
    loss.grad = 1.0
    float_pass(order, False)
    assert after_backward == [_bits(p.grad) for p in params]
    assert _bits(0.0) in after_backward  # -0.0 plus a zero turned some into +0.0


def test_the_negative_zero_search_finds_every_one_and_raises_only_harmless_alarms() -> None:
    assert not _negative_zero_in([])
    assert not _negative_zero_in([0.0, 1.0, -1.0, math.inf, math.nan])
    for i in range(5):
        values = [0.5, 0.0, -2.0, 3.0, 1e-300]
        values[i] = -0.0
        assert _negative_zero_in(values)


def test_every_node_constructor_sets_every_slot() -> None:
    # A slot left unset would make the walk (which reads _mark) fail.
    a, b = Value(1.5), Value(0.5)
    made: list[Value] = []
    for recording in (True, False):
        with engine.enable_grad() if recording else no_grad():
            made += [a + b, 2 + a, a - 1, 1 - a, a * b, 3 * a, a / b, 1 / a, -a, a**2, a**b]
            made += [2**a, a.exp(), a.log(), a.sqrt(), a.tanh(), a.sigmoid(), a.relu()]
            made += [a.leaky_relu(), a.softplus(), a.abs(), abs(a), a.sin(), a.cos()]
            made += [engine.sum([a, b, 1.0]), engine.dot([a, 2.0], [b, a], 1.0)]
            made += [engine.dot([a], [b]), engine.sum([]), Value(2.0, (a,), "exp")]
    for v in made:
        for slot in Value.__slots__:
            getattr(v, slot)  # raises AttributeError if unset
        for parent in v._prev:
            for slot in Value.__slots__:
                getattr(parent, slot)


def test_a_walk_ignores_marks_left_by_earlier_walks() -> None:
    loss, _ = dead_mlp_loss(2)
    first = order_and_leaves(loss)
    stray = object()
    for v in first[0][::3] + first[1][::2]:
        v._mark = stray  # as if a walk had been interrupted there
    again = order_and_leaves(loss)
    assert again[0] == first[0]
    assert set(again[1]) == set(first[1])


def test_a_walk_that_finds_the_marks_in_use_keeps_a_set_and_agrees() -> None:
    loss, _ = dead_mlp_loss(3)
    nodes, leaves = order_and_leaves(loss)
    with graph._MARKING:  # another walk is marking
        busy_nodes, busy_leaves = order_and_leaves(loss)
    assert busy_nodes == nodes
    assert set(busy_leaves) == set(leaves)
    assert len(busy_leaves) == len(leaves)


def test_walks_in_many_threads_at_once_each_get_the_whole_graph() -> None:
    loss, _ = dead_mlp_loss(4)
    want_nodes, want_leaves = order_and_leaves(loss)
    results: list[tuple[list[Value], list[Value]]] = []
    errors: list[BaseException] = []

    def walk() -> None:
        try:
            for _ in range(20):
                results.append(order_and_leaves(loss))
        except BaseException as error:  # reported below
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=walk) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors
    assert len(results) == 80
    for nodes, leaves in results:
        assert nodes == want_nodes
        assert len(leaves) == len(want_leaves)
        assert set(leaves) == set(want_leaves)


def test_a_foreign_object_in_the_graph_is_named() -> None:
    class Imposter:
        _prev = ()
        data = 1.0

    x = Value(2.0)
    y = x * 3
    y._prev = (x, Imposter())  # type: ignore[assignment]
    z = y + 1
    with pytest.raises(TypeError, match=r"Imposter, which is not an engine\.Value"):
        order_and_leaves(z)


@given(programs(), st.sampled_from([1.0, -2.5, 0.0, -0.0]))
def test_random_graphs_give_the_same_bits_with_and_without_the_skip(
    program: Program, seed: float
) -> None:
    # Every op of the table in a random graph; a zero seed makes every
    # gradient zero, so every sum and dot product is a candidate for the skip.
    out = run(program, [Value(x) for x in program.inputs], ENGINE)
    assert grads_after(out, True, 0.0, seed) == grads_after(out, False, 0.0, seed)
    # With -0.0 in the leaves, backward() must not skip: it matches the full pass.
    full = grads_after(out, False, -0.0, seed)
    _, every_leaf = start_over(out, -0.0)
    out.backward(seed)
    assert [_bits(v.grad) for v in every_leaf] == full[: len(every_leaf)]
