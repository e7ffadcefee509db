"""explain() and backward_source() on large graphs: refused past max_nodes,
linear work below it, and path counts too large for Python's int-to-str
conversion printed as powers of ten.

(Their speed is measured in benchmarks/bench_explain.py; here the tests
count work instead of timing it.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

import engine
import engine.teach.explain as explain_module
import engine.teach.source as source_module
from engine import GraphTooLargeError, Value, backward_source, explain
from engine.teach.explain import DEFAULT_MAX_NODES


def chain(n: int) -> tuple[Value, Value]:
    """n values, one path: ---...-x"""
    x = Value(0.5, label="x")
    y = x
    for _ in range(n - 1):
        y = -y
    return y, x


def doubling(n: int) -> tuple[Value, Value]:
    """y = y + y, n times: 2**n paths from x to the output."""
    x = Value(0.5, label="x")
    y = x
    for _ in range(n):
        y = y + y
    return y, x


@pytest.mark.parametrize("tool", [explain, lambda root, x, **kw: backward_source(root, **kw)])
def test_refused_past_max_nodes(tool: Callable[..., Any]) -> None:
    root, x = chain(DEFAULT_MAX_NODES + 1)
    with pytest.raises(
        GraphTooLargeError, match=r"10,001 values, more than max_nodes=10,000\."
    ) as info:
        tool(root, x)
    assert "pass max_nodes=None" in str(info.value)
    assert isinstance(info.value, ValueError)
    with pytest.raises(GraphTooLargeError, match="more than max_nodes=5"):
        tool(*chain(6), max_nodes=5)
    assert tool(*chain(5), max_nodes=5)
    for bad in (0, -1, 2.5, True, "10"):
        with pytest.raises(ValueError, match="max_nodes must be a positive int or None"):
            tool(*chain(3), max_nodes=bad)


def test_no_limit_when_asked() -> None:
    root, x = chain(DEFAULT_MAX_NODES + 1)
    text = explain(root, x, max_nodes=None)
    assert text.path_count == 1
    assert text.total == 1.0  # an even number of negations
    source = backward_source(root, max_nodes=None)
    assert source.count("\ngrad_x += ") == 1
    assert source.count(" += ") == DEFAULT_MAX_NODES  # one step per edge


def test_one_error_class_for_every_tool() -> None:
    import engine.viz

    assert engine.viz.GraphTooLargeError is GraphTooLargeError
    assert engine.GraphTooLargeError is GraphTooLargeError


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (10, "1,024 paths lead"),
        (49, "562,949,953,421,312 paths lead"),
        (50, "about 1.1 x 10^15 paths lead"),
        (200, "about 1.6 x 10^60 paths lead"),
        (15_000, "about 2.8 x 10^4,515 paths lead"),  # over Python's 4,300-digit limit
    ],
)
def test_huge_path_counts_are_powers_of_ten(n: int, shown: str) -> None:
    root, x = doubling(n)
    text = explain(root, x, max_nodes=None, precision=3)
    assert shown in text
    assert text.total == 2.0**n if n < 1024 else math.isinf(text.total)
    if n < 256:
        assert text.path_count == 2**n  # exact while it fits
    elif n < 1024:
        assert text.path_count == pytest.approx(2.0**n, rel=1e-12)
    else:
        assert text.path_count == math.inf


def test_path_count_of_a_wide_graph_sums_exactly() -> None:
    x = Value(1.0, label="x")
    a = x * 2.0
    out = engine.sum([a, a, x, a + x])  # paths: through a twice, x once, a + x twice
    text = explain(out, x)
    assert text.path_count == 2 + 1 + 2
    assert text.total == 2.0 * 2 + 1.0 + 3.0
    assert "5 paths lead from x" in text


def test_work_per_value_does_not_grow_with_the_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    # A sum of thousands of products of x: each product is one step of the
    # explanation, and each step names the sum. Writing out the sum's
    # formula once per step made the work quadratic.
    calls: list[int] = []
    real = source_module.forward_text

    def counting(node: Value, names: dict[Value, str]) -> str:
        text = real(node, names)
        calls.append(len(text))
        return text

    monkeypatch.setattr(source_module, "forward_text", counting)
    monkeypatch.setattr(explain_module, "forward_text", counting, raising=False)
    x = Value(0.5, label="x")
    n = 3000
    out = engine.sum([x * float(i + 1) for i in range(n)])
    text = explain(out, x)
    assert f"{n:,} paths lead" in text
    assert text.total == pytest.approx(n * (n + 1) / 2)
    assert sum(calls) < 200 * n  # characters of formulas written: linear in n


def test_generated_source_stays_linear_for_a_wide_sum() -> None:
    # Each step's comment names the node; a sum of n terms written out on
    # each of its n lines made the text (and the work) quadratic.
    x = Value(0.5, label="x")
    n = 3000
    out = engine.sum([x * float(i + 1) for i in range(n)])
    source = backward_source(out)
    assert len(source) < 400 * n  # written out on every line, the sum alone would be 70 MB
    assert source.count(" += ") == 2 * n + n  # n products (2 parents each), n sum edges
    namespace: dict[str, float] = {}
    exec(source, namespace)  # the generated pass: plain arithmetic on this graph's numbers
    assert namespace["grad_x"] == engine.grad(out, x)
