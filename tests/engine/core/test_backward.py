"""The backward pass: fan-out, accumulation, depth, memory, grad(), no_grad()."""

from __future__ import annotations

import contextlib
import gc
import math
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from hypothesis import given

import engine
from engine import Value, no_grad
from engine.core import backward as backward_module
from engine.core import graph as graph_module
from tests.oracle import ORACLE, apply, cases
from tests.strategies import ENGINE, Program, programs, run

REPO = Path(__file__).resolve().parents[3]


def all_nodes(root: Value) -> list[Value]:
    """Every node root depends on, leaves included, each once."""
    seen = {root}
    stack = [root]
    while stack:
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return list(seen)


def mlp_like(xs: list[Value], width: int = 6, depth: int = 3) -> Value:
    """A small tanh MLP and a squared-error loss, built from engine ops."""
    rng = random.Random(0)
    h = xs
    for _ in range(depth):
        h = [
            engine.dot([Value(rng.uniform(-1, 1)) for _ in h], h, Value(0.1)).tanh()
            for _ in range(width)
        ]
    out = engine.sum(h)
    return (out - 1.0) ** 2 + xs[0].relu() * 0.5


# --- fan-out ------------------------------------------------------------------


def test_a_plus_a_twice() -> None:
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert c.data == 12.0
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)


def test_a_times_a() -> None:
    a = Value(3.0)
    y = a * a
    assert y._prev == (a, a)
    y.backward()
    assert a.grad == 6.0


def test_power_with_the_same_value_as_base_and_exponent() -> None:
    x = Value(1.5)
    y = x**x  # d/dx x**x = x**x (log x + 1)
    y.backward()
    assert x.grad == pytest.approx(1.5**1.5 * (math.log(1.5) + 1), rel=1e-14)


def test_reused_non_leaf_node() -> None:
    a, b = Value(2.0), Value(-3.0)
    h = a * b
    y = h * h + h  # dy/dh = 2h + 1 = -11
    y.backward()
    assert h.grad == -11.0
    assert a.grad == -11.0 * b.data
    assert b.grad == -11.0 * a.data


def test_reductions_with_repeated_parents() -> None:
    a, b = Value(2.0), Value(5.0)
    y = engine.sum([a, a, b]) + engine.dot([a, a], [a, b], a)  # 9 + (4 + 10 + 2)
    assert y.data == 25.0
    y.backward()
    # d/da: sum gives 2; dot(a*a + a*b + a) gives 2a + b + 1 = 10
    assert (a.grad, b.grad) == (12.0, 3.0)


# --- accumulation and zeroing -------------------------------------------------------


def _exact_graph() -> tuple[list[Value], Value]:
    # Dyadic numbers: every sum below is exact, so "twice" can be exact.
    a, b = Value(1.5), Value(-2.0)
    c = a * b
    d = c + a
    e = d * d + c + d.relu() + engine.dot([a, c], [b, d], a)
    return [a, b], e


def test_backward_twice_gives_exactly_twice_every_gradient() -> None:
    _, root = _exact_graph()
    nodes = all_nodes(root)
    root.backward()
    first = {id(n): n.grad for n in nodes}
    assert any(g != 0.0 for g in first.values())
    root.backward()
    for node in nodes:
        assert node.grad == 2.0 * first[id(node)], node


def test_backward_twice_doubles_intermediate_nodes_exactly_for_any_numbers() -> None:
    rng = random.Random(1)
    xs = [Value(rng.uniform(-2, 2)) for _ in range(4)]
    h = [x.tanh() * xs[0] for x in xs]
    root = engine.sum(h) * h[1] + h[2].exp()
    root.backward()
    first = {id(n): n.grad for n in all_nodes(root)}
    root.backward()
    for node in engine.topological_order(root):
        assert node.grad == 2.0 * first[id(node)], node
    for x in xs:  # leaves add each contribution again: equal up to rounding
        assert x.grad == pytest.approx(2.0 * first[id(x)], rel=1e-15)


def test_value_zero_grad_zeros_the_whole_graph() -> None:
    leaves, root = _exact_graph()
    root.backward()
    fresh = [leaf.grad for leaf in leaves]
    root.zero_grad()
    assert all(n.grad == 0.0 for n in all_nodes(root))
    root.backward()
    assert [leaf.grad for leaf in leaves] == fresh


def test_engine_zero_grad_zeros_the_whole_graph() -> None:
    leaves, root = _exact_graph()
    root.backward()
    root.backward()
    engine.zero_grad(root)
    assert all(n.grad == 0.0 for n in all_nodes(root))
    assert len(all_nodes(root)) > len(leaves) + 1


def test_backward_seed() -> None:
    x = Value(3.0)
    h = x * x
    y = h + x
    y.backward(gradient=2.5)
    assert y.grad == 2.5
    assert h.grad == 2.5
    assert x.grad == 2.5 * (2 * 3.0 + 1)
    y.zero_grad()
    y.backward(-1)  # an int seed is fine
    assert x.grad == -7.0


def test_backward_of_a_leaf_adds_the_seed() -> None:
    x = Value(1.0)
    x.backward()
    x.backward(gradient=0.5)
    assert x.grad == 1.5


@pytest.mark.parametrize("seed", ["1", None, [1.0]])
def test_backward_rejects_a_seed_that_is_not_a_number(seed: object) -> None:
    y = Value(1.0) * 2
    with pytest.raises(TypeError, match="backward"):
        y.backward(gradient=seed)  # type: ignore[arg-type]


def test_backward_rejects_a_value_as_seed() -> None:
    y = Value(1.0) * 2
    with pytest.raises(TypeError, match=r"v\.data"):
        y.backward(gradient=Value(1.0))  # type: ignore[arg-type]


def test_backward_of_a_subexpression_after_the_root() -> None:
    x = Value(2.0)
    h = x * 3.0
    y = h * h
    y.backward()
    assert x.grad == 2 * 6.0 * 3.0
    h.backward()  # adds dh/dx = 3 to x, and 1 to h
    assert x.grad == 36.0 + 3.0
    assert h.grad == 12.0 + 1.0


# --- depth and size -------------------------------------------------------------------


N_DEEP = 1_000_000


def test_backward_through_a_million_node_chain() -> None:
    assert sys.getrecursionlimit() <= 10_000  # nothing here raised it
    x0, c = Value(1.0), Value(1.0000001)
    x = x0
    with engine.pause_gc():  # only for speed: collection has nothing to find
        for _ in range(N_DEEP):
            x = x * c
    x.backward()
    assert x.grad == 1.0
    assert x._prev[0].grad == c.data
    assert x0.grad == pytest.approx(c.data**N_DEEP, rel=1e-12)
    assert c.grad == pytest.approx(N_DEEP * c.data ** (N_DEEP - 1), rel=1e-9)
    x.zero_grad()
    assert (x0.grad, c.grad) == (0.0, 0.0)


def test_dropping_a_million_node_chain_does_not_crash() -> None:
    # In a child process: if freeing the nested parents overflowed the C
    # stack, this test fails instead of killing the test run.
    code = textwrap.dedent(
        f"""
        import gc
        import sys
        from engine import Value
        gc.disable()  # only for speed
        x = Value(0.0)
        for _ in range({N_DEEP}):
            x = x + 1
        assert x.data == {N_DEEP}.0
        del x
        print("freed", sys.getrecursionlimit())
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["freed", "1000"]


def test_builtin_sum_of_100000_values() -> None:
    vs = [Value(float(i % 7)) for i in range(100_000)]
    total = sum(vs)  # builtins.sum: a chain of 100,000 additions
    assert isinstance(total, Value)
    assert total.data == float(sum(i % 7 for i in range(100_000)))
    total.backward()
    assert all(v.grad == 1.0 for v in vs)
    assert len(engine.topological_order(total)) == 100_000
    assert engine.grad(total, vs[::1000]) == [1.0] * 100
    squared = engine.sum(vs) ** 2  # one node instead of a chain
    squared.backward()
    assert all(v.grad == 1.0 + 2 * total.data for v in vs)


# --- memory: no reference cycles ----------------------------------------------------


@contextlib.contextmanager
def gc_saving_garbage() -> Iterator[None]:
    """Automatic collection off; collected objects kept in gc.garbage."""
    was_enabled, flags = gc.isenabled(), gc.get_debug()
    gc.collect()
    gc.garbage.clear()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()


def test_graph_is_freed_by_reference_counting() -> None:
    with gc_saving_garbage():
        xs = [Value(0.3), Value(-0.7)]
        baseline = [sys.getrefcount(x) for x in xs]
        out = mlp_like(xs)
        out.backward()
        second = engine.grad(engine.grad(out, xs[0], create_graph=True), xs)
        assert all(isinstance(g, float) for g in second)
        assert all(sys.getrefcount(x) > n for x, n in zip(xs, baseline))  # held by the graph
        del out
        assert [sys.getrefcount(x) for x in xs] == baseline


def test_long_chain_is_freed_by_reference_counting() -> None:
    with gc_saving_garbage():
        x = Value(0.5)
        baseline = sys.getrefcount(x)
        y, expected = x, 1.0
        for i in range(10_000):
            if i % 3 == 0:
                y = y * 1.0001 + 0.5
                expected *= 1.0001
            elif i % 3 == 1:
                y = (y * y).sqrt()  # y > 0: the identity, derivative 1
            else:
                y = y - 0.25
        y.backward()
        assert x.grad == pytest.approx(expected, rel=1e-12)
        del y
        assert sys.getrefcount(x) == baseline


def test_cycle_collector_finds_nothing_from_a_dropped_graph() -> None:
    with gc_saving_garbage():
        xs = [Value(0.3), Value(-0.7)]
        out = mlp_like(xs)
        out.backward()
        d = engine.grad(out, xs, create_graph=True)
        del out, d
        gc.collect()
        leaked = [o for o in gc.garbage if isinstance(o, Value)]
        assert leaked == []

        # The check can see a leak: a Value caught in a cycle is reported.
        trap: list[object] = [Value(1.0)]
        trap.append(trap)
        del trap
        gc.collect()
        assert any(isinstance(o, Value) for o in gc.garbage)


# --- engine.grad ------------------------------------------------------------------------


def test_grad_returns_floats_and_leaves_grad_untouched() -> None:
    leaves, root = _exact_graph()
    got = engine.grad(root, leaves)
    assert isinstance(got, list)
    assert all(type(g) is float for g in got)
    assert all(n.grad == 0.0 for n in all_nodes(root))
    root.backward()
    assert got == [leaf.grad for leaf in leaves]


def test_grad_single_input_gives_a_single_number() -> None:
    x = Value(2.0)
    y = x**3
    assert engine.grad(y, x) == 12.0
    assert engine.grad(y, [x]) == [12.0]
    assert engine.grad(y, (x,)) == [12.0]
    assert engine.grad(y, iter([x, x])) == [12.0, 12.0]
    assert engine.grad(x, x) == 1.0


def test_grad_is_zero_for_an_input_the_output_does_not_use() -> None:
    x, z = Value(2.0), Value(5.0)
    y = x * x
    assert engine.grad(y, [x, z]) == [4.0, 0.0]
    assert type(engine.grad(y, z)) is float
    graph = engine.grad(y, z, create_graph=True)
    assert isinstance(graph, Value)
    assert graph.data == 0.0


def test_grad_with_respect_to_an_intermediate_node() -> None:
    x = Value(2.0)
    h = x + 1.0
    y = h * h * x
    assert engine.grad(y, h) == 2 * 3.0 * 2.0
    assert engine.grad(y, [x, h]) == [9.0 + 2 * 3.0 * 2.0, 12.0]


def test_create_graph_gives_values_that_can_be_differentiated_again() -> None:
    x = Value(3.0)
    y = x**3
    d1 = engine.grad(y, x, create_graph=True)
    assert isinstance(d1, Value)
    assert d1.data == 27.0
    d2 = engine.grad(d1, x, create_graph=True)
    assert d2.data == 18.0
    d3 = engine.grad(d2, x)
    assert d3 == 6.0
    assert engine.grad(engine.grad(d2, x, create_graph=True), x) == 0.0
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_create_graph_works_inside_no_grad() -> None:
    x = Value(2.0)
    y = x.exp()
    with no_grad():
        d1 = engine.grad(y, x, create_graph=True)
        assert not engine.is_grad_enabled()
    assert engine.grad(d1, x) == pytest.approx(math.exp(2.0), rel=1e-15)


def test_grad_type_errors() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="output"):
        engine.grad(3.0, x)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="float"):
        engine.grad(x * 2, [x, 2.0])  # type: ignore[list-item]


# --- no_grad, enable_grad, detach -------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ORACLE))
def test_no_grad_records_nothing_for_any_op(name: str) -> None:
    case = cases(name)[0]
    _, recorded = apply(name, case)
    with no_grad():
        leaves, out = apply(name, case)
    assert out.is_leaf
    assert out._prev == ()
    assert out._op == ""
    assert out.data == recorded.data
    # no graph means no gradients: say so rather than leave them quietly at 0
    with pytest.raises(RuntimeError, match="recording was off"):
        out.backward()
    assert out.grad == 0.0
    assert all(leaf.grad == 0.0 for leaf in leaves)


def test_no_grad_nests_and_restores() -> None:
    assert engine.is_grad_enabled()
    with no_grad():
        assert not engine.is_grad_enabled()
        with no_grad():
            assert not engine.is_grad_enabled()
        assert not engine.is_grad_enabled()
        with engine.enable_grad():
            assert engine.is_grad_enabled()
            assert not (Value(1.0) * 2).is_leaf
        assert not engine.is_grad_enabled()
        assert (Value(1.0) * 2).is_leaf
    assert engine.is_grad_enabled()
    assert not (Value(1.0) * 2).is_leaf


def test_no_grad_restores_after_an_exception() -> None:
    with pytest.raises(engine.DomainError), no_grad():
        Value(-1.0).log()
    assert engine.is_grad_enabled()
    with no_grad():
        with pytest.raises(RuntimeError), engine.enable_grad():
            raise RuntimeError("boom")
        assert not engine.is_grad_enabled()
    assert engine.is_grad_enabled()


def test_parameter_update_under_no_grad() -> None:
    w = Value(1.0)
    loss = (w * 3.0 - 1.0) ** 2
    loss.backward()
    with no_grad():
        w.data -= 0.1 * w.grad
        check = w * 3.0
    assert check.is_leaf
    assert w.data == pytest.approx(1.0 - 0.1 * 12.0)


def test_detach() -> None:
    x = Value(2.0, label="x")
    h = x * x
    d = h.detach()
    assert d is not h
    assert (d.data, d.grad, d.label) == (4.0, 0.0, h.label)
    assert d.is_leaf
    assert x.detach().label == "x"
    y = d * x
    y.backward()
    assert x.grad == 4.0  # only through the direct use of x
    assert h.grad == 0.0


# --- topological order ---------------------------------------------------------------


def check_topological_order(root: Value) -> None:
    order = engine.topological_order(root)
    non_leaves = [n for n in all_nodes(root) if not n.is_leaf]
    assert len(order) == len(set(map(id, order))), "a node appears twice"
    assert {id(n) for n in order} == {id(n) for n in non_leaves}
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node._prev:
            if not parent.is_leaf:
                assert position[id(parent)] < position[id(node)], "child before parent"
    if not root.is_leaf:
        assert order[-1] is root


def test_topological_order_small_graph() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = engine.topological_order(e)
    assert [id(n) for n in order] == [id(c), id(d), id(e)]
    assert engine.topological_order(a) == []
    check_topological_order(e)


def test_topological_order_of_micrograd_style_nodes() -> None:
    a, b = Value(1.0), Value(2.0)
    c = Value(a.data + b.data, (a, b), "+")
    d = Value(c.data * a.data, (c, a), "*")
    assert [id(n) for n in engine.topological_order(d)] == [id(c), id(d)]


@given(programs(every_op=False, max_extra_steps=12))
def test_topological_order_of_random_graphs(program: Program) -> None:
    leaves = [Value(x) for x in program.inputs]
    root = run(program, leaves, ENGINE)
    check_topological_order(root)


def test_a_leaf_gradient_of_none_counts_as_none_yet_as_in_pytorch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = Value(2.0), Value(3.0)
    c = engine.dot([a], [b]) * a
    a.grad = None  # type: ignore[assignment]  # what zero_grad(set_to_none=True) leaves in torch
    c.backward()
    assert (a.grad, b.grad) == (12.0, 4.0)

    # a pass that fails puts the None back, with everything else
    def interrupted(order: list[Value], skip_zero: bool) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(backward_module, "float_pass", interrupted)
    a.grad = None  # type: ignore[assignment]
    with pytest.raises(KeyboardInterrupt):
        c.backward()
    assert [cast(object, a.grad), b.grad] == [None, 4.0]


def test_a_gradient_that_is_not_a_number_is_refused_before_anything_changes() -> None:
    a, b = Value(2.0), Value(3.0)
    d = a * b
    c = d * a
    c.backward()  # leaves d.grad = 2.0 to be carried by the next pass
    before = (a.grad, b.grad, d.grad, c.grad)
    a.grad = "abc"  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"has \.grad = 'abc', a str; a gradient must be a number"):
        c.backward()
    assert (b.grad, d.grad, c.grad) == before[1:]
    assert cast(object, a.grad) == "abc"


@pytest.mark.parametrize("walk", ["marks", "set"])
def test_an_inner_gradient_of_none_or_text_is_read_or_refused_with_either_walk(walk: str) -> None:
    def run() -> None:
        if walk == "set":
            with graph_module._MARKING:  # another walk is marking: this one keeps a set
                c.backward()
        else:
            c.backward()

    a, b = Value(2.0), Value(3.0)
    d = a * b
    c = d * a
    d.grad = None  # type: ignore[assignment]
    run()
    assert (a.grad, b.grad, d.grad, c.grad) == (12.0, 4.0, 2.0, 1.0)
    d.grad = "x"  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"Value\(data=6\.0, grad='x'\) has \.grad = 'x'"):
        run()
    assert [a.grad, b.grad, cast(object, d.grad), c.grad] == [12.0, 4.0, "x", 1.0]
