"""Higher-order derivatives where a derivative is infinite: inf, never an error.

``grad(..., create_graph=True)`` builds each derivative as a graph. Where
the op itself is fine but its derivative is infinite (sqrt at 0, x ** 0.5
at 0), the graph holds inf and can be differentiated again, as PyTorch
does; the user's own ``1 / 0`` still raises.

The inputs live in :mod:`tests.torch_oracle.cases`; the tests here that ask
torch run when it is installed, and ``test_torch_recorded.py`` checks the
same inputs against torch's recorded answers without it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import engine
from engine import DomainError, Value, grad
from tests.oracle import require_torch, tensor, torch_grad
from tests.torch_oracle.cases import (
    HIGHER_ORDER_CASES,
    HIGHER_ORDERS,
    NAN_BASE_POINT,
    VALUE_EXPONENT_POINT,
    ZERO_BASE_POINTS,
)

INF = math.inf
ORDERS = HIGHER_ORDERS
CASES = HIGHER_ORDER_CASES


def ours(f: Callable[..., object], point: float) -> list[float]:
    """f and its first ORDERS derivatives at ``point``, each built as a graph."""
    x = Value(point)
    d = f(x)
    assert isinstance(d, Value)
    found = [d.data]
    for _ in range(ORDERS):
        d = grad(d, x, create_graph=True)
        found.append(d.data)
    return found


def theirs(f: Callable[..., object], point: float) -> list[float]:
    x = tensor(point)
    d = f(x)
    found = [d.item()]  # type: ignore[attr-defined]
    for _ in range(ORDERS):
        (d,) = torch_grad(d, [x], create_graph=True)
        found.append(d.item())
    return found


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)


@pytest.mark.parametrize(("name", "f", "point"), CASES, ids=[c[0] for c in CASES])
def test_derivatives_of_every_order_match_torch(
    name: str, f: Callable[..., object], point: float
) -> None:
    require_torch()
    got, expected = ours(f, point), theirs(f, point)
    assert all(same(a, b) for a, b in zip(got, expected)), f"{name}: ours {got}, torch {expected}"


@pytest.mark.parametrize(("name", "f", "point"), CASES, ids=[c[0] for c in CASES])
def test_every_way_to_take_a_derivative_agrees(
    name: str, f: Callable[..., object], point: float
) -> None:
    # n-th derivative from a graph, by grad() in float mode on the (n-1)-th
    # derivative's graph, and by backward() on it.
    x = Value(point)
    d = f(x)
    assert isinstance(d, Value)
    for _ in range(ORDERS):
        as_float = grad(d, x)
        x.grad = 0.0
        d.backward()
        d = grad(d, x, create_graph=True)
        assert same(as_float, d.data), name
        assert same(x.grad, d.data), name


def test_sqrt_at_zero_is_inf_then_minus_inf() -> None:
    x = Value(0.0)
    first = grad(x.sqrt(), x, create_graph=True)
    assert first.data == INF
    assert grad(first, x) == -INF


def test_a_power_of_a_value_exponent_at_zero() -> None:
    require_torch()
    x, k = (Value(v) for v in VALUE_EXPONENT_POINT)
    dx, dk = grad(x**k, [x, k], create_graph=True)
    assert (dx.data, dk.data) == (INF, 0.0)
    second = grad(dx, [x, k])
    tx, tk = (tensor(v) for v in VALUE_EXPONENT_POINT)
    tdx, _ = torch_grad(tx**tk, [tx, tk], create_graph=True)
    expected = [t.item() for t in torch_grad(tdx, [tx, tk])]
    assert all(same(a, b) for a, b in zip(second, expected)), (second, expected)


@pytest.mark.parametrize("point", ZERO_BASE_POINTS)
def test_zero_to_the_power_x(point: float) -> None:
    # 0 ** x is 0 for every x > 0, so each derivative at x = 0.5 is 0. torch
    # agrees on the first; its higher ones are nan, an artefact of computing
    # 0 * log(0) in a branch its where() then discards.
    require_torch()
    x = Value(point)
    d = 0.0**x
    for order in range(1, ORDERS + 1):
        d = grad(d, x, create_graph=True)
        assert d.data == 0.0, order
    tx = tensor(point)
    (first,) = torch_grad(0.0**tx, [tx])
    assert first.item() == 0.0


def test_nan_to_the_power_zero_gives_the_base_a_zero_gradient_like_torch() -> None:
    torch = require_torch()
    a, b = (Value(v) for v in NAN_BASE_POINT)
    y = a**b
    y.backward()
    assert a.grad == 0.0
    assert math.isnan(b.grad)
    assert grad(y, a) == 0.0
    assert grad(y, a, create_graph=True).data == 0.0
    ta, tb = (tensor(v) for v in NAN_BASE_POINT)
    (ta**tb).backward()
    assert ta.grad.item() == 0.0
    assert torch.isnan(tb.grad)


def test_user_division_by_zero_still_raises() -> None:
    # Only derivative graphs may hold a 1 / 0; an op the user writes keeps its domain.
    with pytest.raises(DomainError, match=r"1\.0 / 0\.0 is undefined"):
        Value(1.0) / Value(0.0)
    with pytest.raises(DomainError):
        Value(0.0) ** -0.5
    with pytest.raises(DomainError):
        Value(0.0) ** Value(-1.0)


def test_a_derivative_graph_shows_the_division_that_gives_inf() -> None:
    x = Value(0.0, label="x")
    first = grad(x.sqrt(), x, create_graph=True)
    assert first._op == "/"
    assert first.data == INF
    assert first._rule is not engine.RULES["div"]  # its own twin, defined at 0
    assert first._rule.note.startswith("a / 0 is inf")
