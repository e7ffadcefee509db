"""The engine against PyTorch's recorded answers: no torch needed.

Every rule of the table (value, gradient, second derivatives, nan, the
conventions at kinks) and random graphs mixing every op (first, second and
third derivatives, Hessians), and derivatives to third order where one is
infinite, checked against ``tests/torch_oracle/*.json``. The live tests
(``test_rules.py``, ``test_properties.py``, ``test_higher_order.py``) run
torch itself when it is installed; ``test_torch_fixtures.py`` checks that the recordings
are what torch answers today.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import engine
from engine import RULES, Value
from tests.oracle import Case, apply
from tests.strategies import ENGINE, run
from tests.torch_oracle import load
from tests.torch_oracle.cases import (
    HIGHER_ORDER_CASES,
    HIGHER_ORDERS,
    ZERO_BASE_POINTS,
    program_from_json,
)

RULE_NAMES = sorted(RULES)
RECORD = "python -m tests.torch_oracle.record"


def close(actual: float, expected: float, rel: float, what: str) -> None:
    ok = (
        actual == expected
        or (math.isnan(actual) and math.isnan(expected))
        or math.isclose(actual, expected, rel_tol=rel, abs_tol=rel)
    )
    assert ok, f"{what}: got {actual!r}, torch gave {expected!r}"


def same(actual: float, expected: float) -> bool:
    return actual == expected or (math.isnan(actual) and math.isnan(expected))


def recorded_rule(name: str) -> dict[str, Any]:
    rules = load("rules")
    if name not in rules:
        pytest.fail(f"no recorded torch answers for rule {name!r}: run {RECORD} (needs torch)")
    entry: dict[str, Any] = rules[name]
    return entry


def case_of(entry: dict[str, Any]) -> Case:
    return Case(tuple(entry["xs"]), tuple(entry["params"]))


# --- every rule ------------------------------------------------------------------------


@pytest.mark.parametrize("name", RULE_NAMES)
def test_value_and_gradient_match_recorded_torch(name: str) -> None:
    for entry in recorded_rule(name)["cases"]:
        case = case_of(entry)
        leaves, out = apply(name, case)
        out.backward()
        close(out.data, entry["value"], 1e-12, f"{name}{case} value")
        for i, (leaf, want) in enumerate(zip(leaves, entry["grads"], strict=True)):
            close(leaf.grad, want, 1e-12, f"{name}{case} d/dx{i}")


@pytest.mark.parametrize("name", RULE_NAMES)
def test_second_derivatives_match_recorded_torch(name: str) -> None:
    checked = 0
    for entry in recorded_rule(name)["cases"]:
        if "second" not in entry:
            continue
        case, smooth = case_of(entry), entry["smooth"]
        leaves, out = apply(name, case)
        first = engine.grad(out, leaves, create_graph=True)
        for i, row in zip(smooth, entry["second"], strict=True):
            second = engine.grad(first[i], [leaves[j] for j in smooth])
            for j, ours, theirs in zip(smooth, second, row, strict=True):
                close(ours, theirs, 1e-10, f"{name}{case} d2/dx{i}dx{j}")
        checked += 1
    assert checked >= 8


@pytest.mark.parametrize("name", RULE_NAMES)
def test_nan_flows_through_like_recorded_torch(name: str) -> None:
    entry = recorded_rule(name)
    _, out = apply(name, case_of(entry["nan"]))
    close(out.data, entry["nan_value"], 1e-12, f"{name} at nan")


def test_kinks_follow_recorded_torch() -> None:
    kinks = load("rules")["kinks"]
    assert len(kinks) >= 16
    for entry in kinks:
        leaves, out = apply(entry["rule"], case_of(entry))
        out.backward()
        got = [leaf.grad for leaf in leaves]
        assert all(map(same, got, entry["grads"])), f"{entry}: ours {got}"


def test_dot_with_shared_inputs_matches_recorded_torch() -> None:
    want = load("rules")["dot_shared"]
    a, b, c = Value(1.5), Value(-0.5), Value(2.0)
    out = engine.dot([a, b, a], [b, c, c], a)
    out.backward()
    close(out.data, want["value"], 1e-14, "value")
    for v, g in zip((a, b, c), want["grads"], strict=True):
        close(v.grad, g, 1e-14, "gradient")


def test_leaky_relu_default_slope_matches_recorded_torch() -> None:
    want = load("rules")["leaky_relu_default"]
    x = Value(want["x"])
    y = x.leaky_relu()
    y.backward()
    close(y.data, want["value"], 1e-15, "value")
    close(x.grad, want["grad"], 1e-15, "gradient")


# --- random graphs -------------------------------------------------------------------------


def assert_close(ours: Sequence[float], theirs: Sequence[float], rel: float, what: str) -> None:
    """Entry-wise, relative to the largest entry (as in test_properties.py)."""
    assert len(ours) == len(theirs)
    scale = max([1.0, *(abs(t) for t in theirs)])
    for i, (o, t) in enumerate(zip(ours, theirs)):
        assert abs(o - t) <= rel * scale, f"{what}[{i}]: ours {o!r}, torch {t!r}"


def build(data: dict[str, Any]) -> tuple[list[Value], Value]:
    program = program_from_json(data)
    leaves = [Value(x) for x in program.inputs]
    return leaves, run(program, leaves, ENGINE)


def test_recorded_graphs_cover_every_op() -> None:
    recorded = load("programs")
    ops = {step[0] for data in recorded["first"] for step in data["steps"]}
    assert ops == set(RULES), f"re-record with {RECORD}: missing {set(RULES) - ops}"
    for kind in ("first", "higher", "hessian"):
        assert len(recorded[kind]) >= 40, f"only {len(recorded[kind])} {kind} programs recorded"


def test_graph_gradients_match_recorded_torch() -> None:
    for k, data in enumerate(load("programs")["first"]):
        leaves, out = build(data)
        out.backward()
        ours = [leaf.grad for leaf in leaves]
        assert_close([out.data], [data["value"]], 1e-10, f"program {k} value")
        assert_close(ours, data["grads"], 1e-9, f"program {k} d out / d inputs")
        assert_close(engine.grad(out, leaves), ours, 1e-12, f"program {k} engine.grad")


def test_graph_higher_derivatives_match_recorded_torch() -> None:
    for k, data in enumerate(load("programs")["higher"]):
        leaves, out = build(data)
        g1 = engine.grad(out, leaves, create_graph=True)
        g2 = engine.grad(g1[0], leaves, create_graph=True)
        g3 = engine.grad(g2[-1], leaves)
        t1, t2, t3 = data["derivatives"]
        assert_close([g.data for g in g1], t1, 1e-9, f"program {k} first derivatives")
        assert_close([g.data for g in g2], t2, 1e-8, f"program {k} second derivatives")
        assert_close(list(g3), t3, 1e-7, f"program {k} third derivatives")


def test_graph_hessians_match_recorded_torch() -> None:
    for k, data in enumerate(load("programs")["hessian"]):
        leaves, out = build(data)
        first = engine.grad(out, leaves, create_graph=True)
        ours = [engine.grad(g, leaves) for g in first]
        flat_ours = [h for row in ours for h in row]
        flat_theirs = [h for row in data["hessian"] for h in row]
        assert_close(flat_ours, flat_theirs, 1e-8, f"program {k} Hessian")


# --- higher orders where a derivative is infinite ---------------------------------------------


def recorded_orders(name: str) -> list[float]:
    for entry in load("higher_order")["orders"]:
        if entry["name"] == name:
            derivatives: list[float] = entry["derivatives"]
            return derivatives
    pytest.fail(f"no recorded torch answers for {name!r}: run {RECORD} (needs torch)")


def test_recorded_higher_order_cases_are_the_current_ones() -> None:
    recorded = [(e["name"], e["point"]) for e in load("higher_order")["orders"]]
    assert recorded == [(name, point) for name, _, point in HIGHER_ORDER_CASES], (
        f"tests/torch_oracle/higher_order.json is out of date: run {RECORD}"
    )


@pytest.mark.parametrize(
    ("name", "f", "point"), HIGHER_ORDER_CASES, ids=[c[0] for c in HIGHER_ORDER_CASES]
)
def test_derivatives_of_every_order_match_recorded_torch(
    name: str, f: Callable[[Any], Any], point: float
) -> None:
    x = Value(point)
    d = f(x)
    found = [d.data]
    for _ in range(HIGHER_ORDERS):
        d = engine.grad(d, x, create_graph=True)
        found.append(d.data)
    theirs = recorded_orders(name)
    for order, (ours, want) in enumerate(zip(found, theirs, strict=True)):
        close(ours, want, 1e-12, f"{name} at {point}, derivative {order}")


def test_a_value_exponent_at_zero_matches_recorded_torch() -> None:
    want = load("higher_order")["value_exponent"]
    x, k = (Value(v) for v in want["point"])
    first = engine.grad(x**k, [x, k], create_graph=True)
    second = engine.grad(first[0], [x, k])
    where = f"x ** k at {want['point']}"
    for v, ours, theirs in zip("xk", first, want["first"], strict=True):
        close(ours.data, theirs, 1e-12, f"{where}, d/d{v}")
    for v, ours_second, theirs in zip("xk", second, want["second"], strict=True):
        close(ours_second, theirs, 1e-12, f"{where}, d2/dx d{v}")


def test_zero_to_the_power_x_matches_recorded_torch_first_derivative() -> None:
    # torch's higher derivatives here are nan (see test_higher_order.py), so
    # only the first is compared; ours stay 0 at every order.
    recorded = load("higher_order")["zero_base"]
    assert [e["point"] for e in recorded] == list(ZERO_BASE_POINTS)
    for entry in recorded:
        x = Value(entry["point"])
        close(engine.grad(0.0**x, x), entry["first"], 1e-12, f"d(0 ** x)/dx at {x.data}")
        d = 0.0**x
        for order in range(1, HIGHER_ORDERS + 1):
            d = engine.grad(d, x, create_graph=True)
            assert d.data == 0.0, f"derivative {order} of 0 ** x at {x.data}: {d.data!r}"


def test_nan_to_the_power_zero_matches_recorded_torch() -> None:
    want = load("higher_order")["nan_base"]
    a, b = (Value(v) for v in want["point"])
    y = a**b
    y.backward()
    close(a.grad, want["grads"][0], 1e-12, "d(nan ** 0)/da")
    close(b.grad, want["grads"][1], 1e-12, "d(nan ** 0)/db")
    close(engine.grad(y, a), want["grads"][0], 1e-12, "engine.grad(nan ** 0, a)")
    close(engine.grad(y, a, create_graph=True).data, want["grads"][0], 1e-12, "as a graph")
