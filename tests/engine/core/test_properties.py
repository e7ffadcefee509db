"""Random expression graphs mixing every op, checked against PyTorch in float64.

Each example is a program (see ``tests/strategies.py``) run twice: once on
chainrule Values and once on torch tensors. First, second and third
derivatives of the output with respect to every input must agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from hypothesis import assume, given, settings

import engine
from engine import RULES, Value
from engine.core.graph import values_in_order
from tests.oracle import require_torch, tensor, torch_grad
from tests.strategies import ENGINE, TORCH, Program, programs, run

torch = require_torch()

# The higher-order tests cost more per example: half of the profile's budget
# (50 by default; the "explore" profile in conftest raises it).
HALF = max(1, settings.default.max_examples // 2)  # type: ignore[union-attr]


def build(program: Program) -> tuple[list[Value], Value]:
    leaves = [Value(x) for x in program.inputs]
    return leaves, run(program, leaves, ENGINE)


def build_torch(program: Program) -> tuple[list[Any], Any]:
    leaves = [tensor(x) for x in program.inputs]
    return leaves, run(program, leaves, TORCH)


def _finite(xs: Sequence[float], limit: float = 1e8) -> bool:
    return all(math.isfinite(x) and abs(x) < limit for x in xs)


def assert_close(ours: Sequence[float], theirs: Sequence[float], rel: float, what: str) -> None:
    """Entry-wise closeness, relative to the largest entry: different but
    equally valid summation orders can cancel differently."""
    assert len(ours) == len(theirs)
    scale = max([1.0, *(abs(t) for t in theirs)])
    for i, (o, t) in enumerate(zip(ours, theirs)):
        assert abs(o - t) <= rel * scale, f"{what}[{i}]: ours {o!r}, torch {t!r}\n{ours}\n{theirs}"


@given(programs())
def test_leaf_gradients_match_torch(program: Program) -> None:
    leaves, out = build(program)
    assume(_finite([out.data]))
    tleaves, tout = build_torch(program)
    out.backward()
    tout.backward()
    ours = [leaf.grad for leaf in leaves]
    theirs = [0.0 if t.grad is None else t.grad.item() for t in tleaves]  # None: unused
    assume(_finite(ours) and _finite(theirs))

    assert_close([out.data], [tout.item()], 1e-10, "value")
    assert_close(ours, theirs, 1e-9, "d out / d inputs")
    # engine.grad computes the same numbers without touching .grad.
    assert_close(engine.grad(out, leaves), ours, 1e-12, "engine.grad vs backward")


def _torch_derivatives(program: Program) -> tuple[list[float], list[float], list[float]]:
    tleaves, tout = build_torch(program)
    t1 = torch_grad(tout, tleaves, create_graph=True)
    t2 = torch_grad(t1[0], tleaves, create_graph=True)
    t3 = torch_grad(t2[-1], tleaves)
    return [t.item() for t in t1], [t.item() for t in t2], [t.item() for t in t3]


@settings(max_examples=HALF)
@given(programs(max_inputs=2, max_extra_steps=2))
def test_second_and_third_derivatives_match_torch(program: Program) -> None:
    leaves, out = build(program)
    assume(_finite([out.data]))
    g1 = engine.grad(out, leaves, create_graph=True)
    g2 = engine.grad(g1[0], leaves, create_graph=True)
    g3 = engine.grad(g2[-1], leaves)
    assert all(isinstance(g, Value) for g in (*g1, *g2))
    assert all(type(g) is float for g in g3)
    d1, d2, d3 = [g.data for g in g1], [g.data for g in g2], list(g3)
    assume(_finite(d1 + d2 + d3, 1e6))
    t1, t2, t3 = _torch_derivatives(program)
    assume(_finite(t1 + t2 + t3, 1e6))

    assert_close(d1, t1, 1e-9, "first derivatives")
    assert_close(d2, t2, 1e-8, "second derivatives d/dx (d out/dx0)")
    assert_close(d3, t3, 1e-7, "third derivatives d/dx (d2 out/dx0 dx_last)")


def _pow_at_exponent_zero(out: Value) -> bool:
    return any(v._rule is RULES["pow"] and v._prev[1].data == 0.0 for v in values_in_order(out))


@settings(max_examples=HALF)
@given(programs(min_inputs=2, max_inputs=3, every_op=False, max_extra_steps=8))
def test_hessian_matches_torch(program: Program) -> None:
    leaves, out = build(program)
    assume(_finite([out.data]))
    # a ** b at b == 0 exactly: torch masks the base's gradient to a constant 0
    # there, so its mixed second derivative is 0 where the true one (ours, and
    # symmetric, as checked below) is a ** -1 (tests/engine/core/test_higher_order.py).
    assume(not _pow_at_exponent_zero(out))
    first = engine.grad(out, leaves, create_graph=True)
    ours = [engine.grad(g, leaves) for g in first]
    assume(_finite([h for row in ours for h in row], 1e6))

    def f(*xs: Any) -> Any:
        return run(program, list(xs), TORCH)

    hessian = torch.autograd.functional.hessian(f, tuple(tensor(x) for x in program.inputs))
    theirs = [[float(h) for h in row] for row in hessian]
    assume(_finite([h for row in theirs for h in row], 1e6))

    n = len(leaves)
    flat_ours = [ours[i][j] for i in range(n) for j in range(n)]
    flat_theirs = [theirs[i][j] for i in range(n) for j in range(n)]
    assert_close(flat_ours, flat_theirs, 1e-8, "Hessian")
    # Mixed partials commute for these (piecewise) smooth functions.
    for i in range(n):
        for j in range(i):
            assert math.isclose(ours[i][j], ours[j][i], rel_tol=1e-9, abs_tol=1e-9), (i, j)
