"""Paths through a graph, from an input up to an output: counted, and listed.

d root / d wrt is a sum over these paths, so :mod:`engine.teach.explain`
counts them (in one pass, however many there are) and lists them when
there are few. Counts grow exponentially with depth (a chain of
``y = y + y`` doubles them at every step), so past 2**256 a count is kept
as its base-2 logarithm, and is shown as a power of ten: Python cannot
even print an int of more than 4,300 digits without being told to.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from engine.core.value import Value

__all__ = ["Count", "Edge", "all_paths", "count_text", "count_value", "path_counts", "too_many"]

# Path counts are exact ints up to this; beyond, each is kept as its
# base-2 logarithm (a float), so counting stays linear however many
# paths a graph has (a chain of y = y + y doubles them at every step).
_EXACT_COUNTS = 2**256


@dataclass(frozen=True)
class Edge:
    """One edge parent -> node of the graph: node's ``index``-th parent."""

    node: Value
    index: int

    @property
    def parent(self) -> Value:
        return self.node._prev[self.index]


# A path count: an exact int, or (past _EXACT_COUNTS) a float holding log2 of it.
Count = int | float


def log2(count: Count) -> float:
    return count if isinstance(count, float) else math.log2(count)


def path_counts(order: list[Value], wrt: Value) -> dict[Value, Count]:
    """For every value, how many paths lead from ``wrt`` up to it (see Count)."""
    counts: dict[Value, Count] = {}
    for value in order:
        if value is wrt:
            counts[value] = 1
            continue
        parents = [counts[p] for p in value._prev]
        if all(isinstance(c, int) for c in parents):
            exact = sum(parents)
            if exact < _EXACT_COUNTS:
                counts[value] = exact
                continue
        logs = [log2(c) for c in parents if c]
        top = max(logs)
        counts[value] = top + math.log2(math.fsum(2.0 ** (x - top) for x in logs))
    return counts


def too_many(count: Count, limit: int) -> bool:
    return isinstance(count, float) or count > limit


def count_text(count: Count) -> str:
    """``1,234``, or for a huge count its power of ten: ``about 1.3 x 10^4515``."""
    if isinstance(count, int) and count < 10**15:
        return f"{count:,}"
    log10 = log2(count) * math.log10(2.0)
    exponent = math.floor(log10)
    mantissa = 10.0 ** (log10 - exponent)
    if round(mantissa, 1) >= 10.0:  # 9.96 would show as 10.0
        mantissa, exponent = mantissa / 10.0, exponent + 1
    return f"about {mantissa:.1f} x 10^{exponent:,}"


def count_value(count: Count) -> int | float:
    """The count for Explanation.path_count: exact, or a float (inf if too large)."""
    if isinstance(count, int):
        return count
    return 2.0**count if count < 1024 else math.inf


def all_paths(root: Value, wrt: Value, counts: dict[Value, Count]) -> Iterator[list[Edge]]:
    """Every path from ``root`` down to ``wrt``, first parents first.

    A path is kept as a linked list of (edge, rest) pairs while it grows,
    so a step costs O(1) however long the path is (copying a list at each
    step would make one long chain quadratic).
    """
    Link = tuple[Edge, "Any"] | None
    stack: list[tuple[Value, Link]] = [(root, None)]
    while stack:
        node, link = stack.pop()
        if node is wrt:
            path: list[Edge] = []
            while link is not None:
                edge, link = link
                path.append(edge)
            path.reverse()
            yield path
            continue
        for i in reversed(range(len(node._prev))):
            if counts[node._prev[i]]:
                stack.append((node._prev[i], (Edge(node, i), link)))
