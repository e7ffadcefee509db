"""Stale graphs: a failing backward() changes no gradient, and nothing is ever complex.

A graph goes stale when a value's data changes after other values were
computed from it (``optimizer.step()`` between the forward pass and
``backward()``). Where a gradient formula then meets a number it cannot
take, backward() must put every ``.grad`` back and raise StaleGraphError;
it must never write a complex number anywhere.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import StaleGraphError, Value, grad, stale_nodes
from engine.core import backward as backward_module
from engine.core.graph import values_in_order
from tests.strategies import ENGINE, Program, programs, run


def state(root: Value) -> list[tuple[Value, str, str]]:
    """Every value's data and grad, exactly (as hex, so -0.0 and nan count too)."""
    return [(v, float.hex(v.data), float.hex(v.grad)) for v in values_in_order(root)]


def assert_all_real(root: Value) -> None:
    for v in values_in_order(root):
        assert type(v.data) is float, (v, type(v.data))
        assert type(v.grad) is float, (v, type(v.grad))


def graph() -> dict[str, Value]:
    """x, w (leaves) -> h = x * w -> y = h ** 2.5 + log(x / w) + (x / w)."""
    x = Value(2.0, label="x")
    w = Value(3.0, label="w")
    h = x * w
    h.label = "h"
    q = x / w
    q.label = "q"
    y = h**2.5 + q.log() + q
    y.label = "y"
    return {"x": x, "w": w, "h": h, "q": q, "y": y}


@pytest.mark.parametrize(
    ("change", "value", "cause"),
    [
        ("h", -1.0, "NotReal"),  # a negative base under ** 2.5: complex in Python
        ("w", 0.0, "ZeroDivisionError"),  # a new 0 under /
        ("q", 0.0, "ZeroDivisionError"),  # a new 0 under log
    ],
)
@pytest.mark.parametrize("earlier_calls", [0, 1, 2])
def test_a_failing_backward_leaves_every_grad_as_it_was(
    change: str, value: float, cause: str, earlier_calls: int
) -> None:
    nodes = graph()
    y = nodes["y"]
    for _ in range(earlier_calls):  # grads in leaves and intermediates alike
        y.backward()
    nodes[change].data = value  # as if an optimizer step ran in between
    before = state(y)
    with pytest.raises(StaleGraphError, match=cause) as info:
        y.backward()
    assert state(y) == before
    assert_all_real(y)
    assert info.value.nodes == stale_nodes(y)
    assert info.value.nodes  # the error carries the stale nodes, parents first


def test_the_error_names_the_stale_node_and_the_fix() -> None:
    nodes = graph()
    nodes["h"].data = -1.0
    with pytest.raises(StaleGraphError) as info:
        nodes["y"].backward()
    message = str(info.value)
    assert "the graph is stale" in message
    assert "the node 'h', made by '*', holds -1.0" in message
    assert "its inputs are now (2.0, 3.0), on which '*' gives 6.0" in message
    assert "optimizer.step()" in message
    assert "Run the forward pass again" in message
    assert "No .grad was changed" in message
    assert isinstance(info.value.__cause__, ArithmeticError)  # the original error


def test_backward_on_a_fresh_forward_pass_works_after_the_error() -> None:
    nodes = graph()
    x, w = nodes["x"], nodes["w"]
    w.data = 0.0
    with pytest.raises(StaleGraphError):
        nodes["y"].backward()
    w.data = 0.5
    y = (x * w) ** 2.5 + (x / w).log() + x / w  # the forward pass, run again
    y.backward()
    assert x.grad == 2.5 * 1.0**1.5 * 0.5 + 1 / 2.0 + 1 / 0.5
    assert w.grad == 2.5 * 1.0**1.5 * 2.0 - 1 / 0.5 - 2.0 / 0.5**2


def test_grad_on_a_stale_graph_says_so_too() -> None:
    nodes = graph()
    nodes["q"].data = 0.0
    with pytest.raises(StaleGraphError, match=r"grad\(\) failed .* stale"):
        grad(nodes["y"], nodes["x"])
    nodes = graph()
    nodes["h"].data = -1.0
    with pytest.raises(StaleGraphError, match=r"grad\(\) failed"):
        grad(nodes["y"], nodes["x"], create_graph=True)


def test_stale_nodes_finds_what_an_optimizer_step_made_stale() -> None:
    x, w, b = Value(1.5), Value(-0.5), Value(0.25)
    x_times_w = x * w
    pre = x_times_w + b
    loss = (pre.tanh() - 1.0) ** 2
    assert stale_nodes(loss) == []
    loss.backward()
    w.data -= 0.1 * w.grad  # the step; the graph still holds the old numbers
    # Only x * w disagrees with its parents; the nodes after it agree with
    # the old x * w they were computed from.
    assert stale_nodes(loss) == [x_times_w]
    b.data = 0.0
    assert stale_nodes(loss) == [x_times_w, pre]  # parents first


@pytest.mark.parametrize("interruption", [KeyboardInterrupt(), RuntimeError("not stale")])
def test_an_interrupted_pass_puts_every_grad_back(
    monkeypatch: pytest.MonkeyPatch, interruption: BaseException
) -> None:
    real_pass = backward_module.float_pass

    def half_a_pass(order: list[Value], skip_zero: bool) -> None:
        real_pass(order[len(order) // 2 :], skip_zero)  # leaves and intermediates get some
        raise interruption

    nodes = graph()
    y = nodes["y"]
    y.backward()
    before = state(y)
    monkeypatch.setattr(backward_module, "float_pass", half_a_pass)
    with pytest.raises(type(interruption)) as info:
        y.backward()
    assert info.value is interruption  # not stale: the error is passed on as it is
    assert state(y) == before


# --- random graphs, random changes ------------------------------------------------------

RISKY = {"div", "log", "pow", "pow_const"}
NEW_DATA = st.sampled_from([0.0, -1.0, -2.5, -0.0, 1e-300, -1e-300, 3.0, 1e300, -math.inf])


@given(
    program=programs(max_inputs=2),
    changes=st.lists(
        st.tuples(st.booleans(), st.integers(0, 50), NEW_DATA), min_size=1, max_size=3
    ),
)
def test_random_stale_graphs_fail_cleanly_or_give_real_gradients(
    program: Program, changes: list[tuple[bool, int, float]]
) -> None:
    leaves = [Value(x) for x in program.inputs]
    out: Any = run(program, leaves, ENGINE)
    out.backward()
    values = values_in_order(out)
    # Some changes hit an input of a division, log or power, where a
    # formula can meet a number it cannot take.
    risky = [p for v in values if v._rule and v._rule.name in RISKY for p in v._prev]
    for at_risk, index, new in changes:
        pool = risky if at_risk and risky else values
        pool[index % len(pool)].data = new
    before = state(out)
    reported: list[Value] | None = None
    try:
        out.backward()
    except StaleGraphError as error:
        reported = error.nodes
    if reported is not None:
        assert state(out) == before
        assert reported == stale_nodes(out)
    assert_all_real(out)


def test_a_changed_leaf_under_a_fractional_power_is_reported_never_made_complex() -> None:
    h = Value(4.0, label="h")
    y = h**2.5
    h.data = -4.0  # a leaf changed: y's formula meets (-4.0) ** 1.5
    with pytest.raises(StaleGraphError):
        y.backward()
    assert type(h.grad) is float
    assert h.grad == 0.0
    assert engine.stale_nodes(y) == [y]
