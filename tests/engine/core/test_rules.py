"""Every rule of the derivative table, checked against PyTorch and by finite differences.

The tests are parametrized over ``engine.core.rules.RULES`` itself, so a new op
is picked up automatically; it must then get an entry in ``tests/oracle.py``.
"""

from __future__ import annotations

import math

import pytest

import engine
from engine import RULES, DomainError, Value
from tests.oracle import (
    ORACLE,
    Case,
    apply,
    apply_torch,
    cases,
    central_difference,
    require_torch,
    tensor,
    torch_grad,
)

RULE_NAMES = sorted(RULES)
NAN = math.nan
INF = math.inf


def _entry_or_fail(name: str) -> None:
    if name not in ORACLE:
        pytest.fail(
            f"rule {name!r} is in engine.core.rules.RULES but has no entry in tests/oracle.py. "
            f"Add ORACLE[{name!r}] = OracleEntry(call, torch_call, sample) so that its value, "
            "gradient and domain are tested."
        )


def _close(actual: float, expected: float, rel: float, abs_: float, what: str) -> None:
    ok = (
        actual == expected
        or (math.isnan(actual) and math.isnan(expected))
        or math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_)
    )
    assert ok, f"{what}: got {actual!r}, expected {expected!r}"


# --- the table and the oracle agree -------------------------------------------------


@pytest.mark.parametrize("name", RULE_NAMES)
def test_every_rule_has_an_oracle_entry(name: str) -> None:
    _entry_or_fail(name)
    assert callable(ORACLE[name].call)
    assert callable(ORACLE[name].torch_call)


def test_oracle_names_only_existing_rules() -> None:
    stale = sorted(set(ORACLE) - set(RULES))
    assert not stale, f"tests/oracle.py has entries for rules that no longer exist: {stale}"


@pytest.mark.parametrize("name", RULE_NAMES)
def test_rule_entry_is_documented(name: str) -> None:
    rule = RULES[name]
    assert rule.name == name
    assert rule.domain, f"rule {name!r} must state its domain"
    if rule.invalid is not None:
        assert rule.fix, f"rule {name!r} can raise DomainError and must say how to avoid it"


@pytest.mark.parametrize("name", RULE_NAMES)
def test_call_records_one_node_of_this_rule(name: str) -> None:
    _entry_or_fail(name)
    rule = RULES[name]
    for case in cases(name):
        if rule.invalid is not None:
            assert not rule.invalid(*case.xs, *case.params), f"oracle sampled {case} outside domain"
        leaves, out = apply(name, case)
        assert out._rule is rule, f"the oracle's call for {name!r} made a {out._op!r} node"
        assert len(out._prev) == len(leaves)
        assert all(p is leaf for p, leaf in zip(out._prev, leaves)), "parents not in rule order"
        assert tuple(out._ctx) == case.params
        assert out._op == rule.label(case.params)
        # The Value method and the table's forward agree to the last bit.
        assert out.data == rule.forward(*case.xs, *case.params), case


# --- values and first derivatives --------------------------------------------------


@pytest.mark.parametrize("name", RULE_NAMES)
def test_value_and_gradient_match_torch(name: str) -> None:
    _entry_or_fail(name)
    for case in cases(name):
        leaves, out = apply(name, case)
        out.backward()
        tleaves, tout = apply_torch(name, case)
        tout.backward()
        _close(out.data, tout.item(), 1e-12, 1e-12, f"{name}{case} value")
        for i, (leaf, tleaf) in enumerate(zip(leaves, tleaves)):
            _close(leaf.grad, tleaf.grad.item(), 1e-12, 1e-12, f"{name}{case} d/dx{i}")


@pytest.mark.parametrize("name", RULE_NAMES)
def test_gradient_matches_finite_differences(name: str) -> None:
    # No torch here: the table's own forward is the reference.
    _entry_or_fail(name)
    rule = RULES[name]
    for case in cases(name):
        leaves, out = apply(name, case)
        out.backward()

        def f(xs: list[float], case: Case = case) -> float:
            return rule.forward(*xs, *case.params)

        for i in case.fd_inputs():
            numeric = central_difference(f, case.xs, i)
            _close(leaves[i].grad, numeric, 1e-6, 1e-7, f"{name}{case} d/dx{i} vs finite diff")


@pytest.mark.parametrize("name", RULE_NAMES)
def test_vjp_gives_one_entry_per_parent(name: str) -> None:
    _entry_or_fail(name)
    rule = RULES[name]
    for case in cases(name):
        out = rule.forward(*case.xs, *case.params)
        local = rule.vjp(1.0, out, *case.xs, *case.params)
        assert len(local) == len(case.xs)
        # vjp is linear in the incoming gradient.
        scaled = rule.vjp(2.0, out, *case.xs, *case.params)
        for one, two in zip(local, scaled):
            _close(two, 2.0 * one, 1e-15, 0.0, f"{name}{case} vjp(2g) == 2 vjp(g)")


@pytest.mark.parametrize("name", RULE_NAMES)
def test_graph_mode_vjp_gives_the_same_numbers(name: str) -> None:
    _entry_or_fail(name)
    for case in cases(name):
        leaves, out = apply(name, case)
        out.backward()
        floats = engine.grad(out, leaves)
        graphs = engine.grad(out, leaves, create_graph=True)
        assert all(type(g) is float for g in floats)
        assert all(isinstance(g, Value) for g in graphs)
        for i, leaf in enumerate(leaves):
            _close(floats[i], leaf.grad, 1e-15, 0.0, f"{name}{case} grad() vs backward()")
            _close(graphs[i].data, leaf.grad, 1e-15, 0.0, f"{name}{case} create_graph=True")


@pytest.mark.parametrize("name", RULE_NAMES)
def test_second_derivatives_match_torch(name: str) -> None:
    # The vjp, run on Values, is itself differentiated: this checks that each
    # rule is written so its derivative graph is right (e.g. exp' = out).
    # Sampled cases only; see test_pow_mixed_partial_at_zero_exponent for a
    # fixed point where torch's answer is not the derivative.
    _entry_or_fail(name)
    sampled = cases(name)[len(ORACLE[name].fixed) :]
    for case in sampled[:8]:
        smooth = case.fd_inputs()
        leaves, out = apply(name, case)
        first = engine.grad(out, leaves, create_graph=True)
        tleaves, tout = apply_torch(name, case)
        tfirst = torch_grad(tout, tleaves, create_graph=True)
        for i in smooth:
            second = engine.grad(first[i], [leaves[j] for j in smooth])
            tsecond = torch_grad(tfirst[i], [tleaves[j] for j in smooth])
            for j, ours, theirs in zip(smooth, second, tsecond):
                _close(ours, theirs.item(), 1e-10, 1e-10, f"{name}{case} d2/dx{i}dx{j}")


@pytest.mark.parametrize("name", RULE_NAMES)
def test_second_derivatives_match_finite_differences(name: str) -> None:
    # Second order without torch: differentiate the graph of the first
    # derivative, and compare with central differences of engine.grad.
    _entry_or_fail(name)
    for case in cases(name)[:12]:
        smooth = case.fd_inputs()
        leaves, out = apply(name, case)
        first = engine.grad(out, leaves, create_graph=True)
        for i in smooth:
            second = engine.grad(first[i], leaves)

            def dfdxi(xs: list[float], i: int = i, case: Case = case) -> float:
                fresh, y = apply(name, Case(tuple(xs), case.params))
                return float(engine.grad(y, fresh[i]))

            for j in smooth:
                numeric = central_difference(dfdxi, case.xs, j)
                _close(second[j], numeric, 1e-5, 1e-6, f"{name}{case} d2/dx{i}dx{j}")


def test_pow_mixed_partial_at_zero_exponent() -> None:
    # d/db (d/da a**b) = a**(b-1) * (1 + b log a), which is 1/a at b == 0.
    # torch reports 0 there: its d/da masks the whole expression where
    # b == 0, and the mask has no derivative. We keep the true value.
    a, b = Value(2.0), Value(0.0)
    da = engine.grad(a**b, a, create_graph=True)
    assert da.data == 0.0
    assert engine.grad(da, b) == 0.5


# --- variadic rules and params -------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("with_bias", [False, True])
def test_dot_layout_and_gradients(n: int, with_bias: bool) -> None:
    ws = [Value(0.5 + i) for i in range(n)]
    xs = [Value(-1.0 - 2 * i) for i in range(n)]
    bias = Value(0.25) if with_bias else None
    out = engine.dot(ws, xs, bias)
    expected_parents = [*ws, *xs] + ([bias] if bias is not None else [])
    assert len(out._prev) == len(expected_parents)
    assert all(p is q for p, q in zip(out._prev, expected_parents))
    out.backward()
    for w, x in zip(ws, xs):
        assert w.grad == x.data
        assert x.grad == w.data
    if bias is not None:
        assert bias.grad == 1.0
    expected = (0.25 if with_bias else 0.0) + sum(w.data * x.data for w, x in zip(ws, xs))
    assert out.data == expected


def test_sum_with_repeated_parent_counts_each_use() -> None:
    a, b = Value(2.0), Value(-1.0)
    out = engine.sum([a, b, a, a])
    assert out.data == 5.0
    out.backward()
    assert (a.grad, b.grad) == (3.0, 1.0)


def test_dot_with_shared_inputs_matches_torch() -> None:
    torch = require_torch()
    a, b, c = Value(1.5), Value(-0.5), Value(2.0)
    out = engine.dot([a, b, a], [b, c, c], a)
    out.backward()
    ta, tb, tc = tensor(1.5), tensor(-0.5), tensor(2.0)
    tout = (torch.stack([ta, tb, ta]) * torch.stack([tb, tc, tc])).sum() + ta
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-14)
    for ours, theirs in [(a, ta), (b, tb), (c, tc)]:
        assert ours.grad == pytest.approx(theirs.grad.item(), rel=1e-14)


@pytest.mark.parametrize("k", [2, 3, -1, 0.5, 2.5, -1.5])
def test_pow_const_exponent_is_a_param_not_a_parent(k: float) -> None:
    x = Value(1.7)
    y = x**k
    assert y._prev == (x,)
    assert y._ctx == (k,)
    y.backward()
    assert x.grad == pytest.approx(k * 1.7 ** (k - 1), rel=1e-14)


@pytest.mark.parametrize("slope", [0.01, 0.2, 1.0, 3.0])
def test_leaky_relu_slope_is_a_param(slope: float) -> None:
    neg, pos = Value(-2.0), Value(2.0)
    out = neg.leaky_relu(slope) + pos.leaky_relu(slope)
    assert out._prev[0]._ctx == (slope,)
    assert out.data == pytest.approx(-2.0 * slope + 2.0)
    out.backward()
    assert (neg.grad, pos.grad) == (slope, 1.0)


def test_leaky_relu_default_slope_matches_torch() -> None:
    torch = require_torch()
    x = Value(-3.0)
    y = x.leaky_relu()
    y.backward()
    tx = tensor(-3.0)
    ty = torch.nn.functional.leaky_relu(tx)
    ty.backward()
    assert y.data == pytest.approx(ty.item(), rel=1e-15)
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-15)


# --- conventions at non-differentiable points ------------------------------------------


CONVENTIONS: list[tuple[str, Case, tuple[float, ...]]] = [
    # (rule, where, documented gradient of each input)
    ("relu", Case((0.0,)), (0.0,)),
    ("relu", Case((-0.0,)), (0.0,)),
    ("abs", Case((0.0,)), (0.0,)),
    ("abs", Case((-0.0,)), (0.0,)),
    ("leaky_relu", Case((0.0,), (0.2,)), (0.2,)),
    ("leaky_relu", Case((0.0,), (0.01,)), (0.01,)),
    ("sqrt", Case((0.0,)), (INF,)),
    ("pow", Case((0.0, 2.5)), (0.0, 0.0)),  # d/db at a == 0 is 0
    ("pow", Case((0.0, 0.5)), (INF, 0.0)),
    ("pow", Case((0.0, 1.0)), (1.0, 0.0)),
    ("pow", Case((0.0, 0.0)), (0.0, 0.0)),  # a ** 0 is constant: d/da == 0
    ("pow", Case((-2.0, 2.0)), (-4.0, NAN)),  # real log of a < 0 does not exist
    ("pow", Case((NAN, 0.0)), (0.0, NAN)),  # a ** 0 is constant, also for a nan a
    ("pow", Case((0.0, 1e-300)), (INF, 0.0)),
    ("pow", Case((0.0, -0.0)), (0.0, 0.0)),
    ("pow_const", Case((0.0,), (0.5,)), (INF,)),
    ("pow_const", Case((0.0,), (0,)), (0.0,)),
    ("pow_const", Case((0.0,), (1,)), (1.0,)),
    ("pow_const", Case((0.0,), (2,)), (0.0,)),
    ("pow_const", Case((0.0,), (1e-300,)), (INF,)),
    ("pow_const", Case((NAN,), (0,)), (0.0,)),
]


def _case_id(name: str, case: Case) -> str:
    return f"{name}{case.xs}{case.params if case.params else ''}"


CONVENTION_IDS = [_case_id(name, case) for name, case, _ in CONVENTIONS]


@pytest.mark.parametrize(("name", "case", "expected"), CONVENTIONS, ids=CONVENTION_IDS)
def test_non_differentiable_points_follow_torch(
    name: str, case: Case, expected: tuple[float, ...]
) -> None:
    leaves, out = apply(name, case)
    out.backward()
    got = tuple(leaf.grad for leaf in leaves)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g == e or (math.isnan(g) and math.isnan(e)), f"{name}{case}: {got} != {expected}"
    tleaves, tout = apply_torch(name, case)
    tout.backward()
    theirs = tuple(t.grad.item() for t in tleaves)
    for g, t in zip(got, theirs):
        same = g == t or (math.isnan(g) and math.isnan(t))
        assert same, f"{name}{case}: ours {got}, torch {theirs}"


@pytest.mark.parametrize(("name", "case", "expected"), CONVENTIONS, ids=CONVENTION_IDS)
def test_non_differentiable_points_via_grad(
    name: str, case: Case, expected: tuple[float, ...]
) -> None:
    # engine.grad (float mode) must agree with backward() at these points.
    leaves, out = apply(name, case)
    got = engine.grad(out, leaves)
    for g, e in zip(got, expected):
        assert g == e or (math.isnan(g) and math.isnan(e)), f"{name}{case}: {got} != {expected}"


@pytest.mark.parametrize(("name", "case", "expected"), CONVENTIONS, ids=CONVENTION_IDS)
def test_non_differentiable_points_in_graph_mode(
    name: str, case: Case, expected: tuple[float, ...]
) -> None:
    # create_graph=True runs the same vjp on Values, where == would compare
    # identity rather than data; the conventions must survive that, and an
    # infinite derivative is a Value holding inf, never an error.
    leaves, out = apply(name, case)
    got = [g.data for g in engine.grad(out, leaves, create_graph=True)]
    for g, e in zip(got, expected):
        assert g == e or (math.isnan(g) and math.isnan(e)), f"{name}{case}: {got} != {expected}"


def test_rules_with_a_kink_document_the_convention() -> None:
    for name in ("relu", "abs", "leaky_relu", "sqrt", "pow"):
        assert RULES[name].note, f"{name!r} must say what happens at its non-differentiable point"


# --- nan and domains -----------------------------------------------------------------


def _nan_case(name: str) -> Case:
    case = cases(name)[-1]
    return Case((NAN, *case.xs[1:]), case.params)


@pytest.mark.parametrize("name", RULE_NAMES)
def test_nan_flows_through_like_torch(name: str) -> None:
    # rules.py: "NaN is never 'invalid': it flows through, as IEEE 754 and
    # PyTorch say it should."
    _entry_or_fail(name)
    case = _nan_case(name)
    _, out = apply(name, case)  # must not raise DomainError
    _, tout = apply_torch(name, case)
    _close(out.data, tout.item(), 1e-12, 1e-12, f"{name}{case}")


INVALID: dict[str, list[Case]] = {
    "div": [Case((1.0, 0.0)), Case((0.0, 0.0)), Case((-2.0, -0.0))],
    "log": [Case((0.0,)), Case((-1.0,)), Case((-INF,))],
    "sqrt": [Case((-1.0,)), Case((-1e-300,))],
    "pow": [Case((-8.0, 1.0 / 3.0)), Case((0.0, -1.0)), Case((-1.0, 0.5))],
    "pow_const": [Case((-8.0,), (1.0 / 3.0,)), Case((0.0,), (-1,)), Case((0.0,), (-0.5,))],
}


@pytest.mark.parametrize("name", RULE_NAMES)
def test_domain_errors_name_the_op_value_and_domain(name: str) -> None:
    rule = RULES[name]
    if rule.invalid is None:
        assert name not in INVALID
        return
    assert INVALID.get(name), (
        f"rule {name!r} has a restricted domain; add inputs outside it to INVALID in "
        "tests/test_rules.py"
    )
    _entry_or_fail(name)
    for case in INVALID[name]:
        with pytest.raises(DomainError) as info:
            apply(name, case)
        message = str(info.value)
        assert info.value.op == name
        assert rule.domain in message, message
        assert rule.fix in message, message
        for x in (*case.xs, *case.params):
            assert repr(x) in message, f"{x!r} not shown in {message!r}"
        assert isinstance(info.value, ValueError)  # DomainError is a ValueError


def test_no_graph_is_recorded_when_an_op_fails() -> None:
    x = Value(-1.0)
    with pytest.raises(DomainError):
        x.log()
    y = x * 2.0
    y.backward()
    assert x.grad == 2.0
