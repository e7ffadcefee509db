"""Stale graphs: values whose data changed after other values were computed from them.

A graph records how each value was computed, not a copy of the numbers it
was computed from. If the data of a value changes afterwards, typically
``optimizer.step()`` (or ``p.data -= ...``) run between the forward pass
and ``backward()``, the gradient formulas mix old results with new inputs.
Mostly that gives wrong numbers without a sound; sometimes a formula meets
a value it cannot take (a new 0 under ``/`` or ``log``, a new negative
base under ``** 2.5``). Then ``backward()`` puts every ``.grad`` back as it
was and raises :class:`StaleGraphError`, naming the stale node.

:func:`stale_nodes` finds them on demand. It computes every op once more,
as much work as the forward pass, so ``backward()`` runs it only to explain
a failure, never on the way to a result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.graph import topological_order

if TYPE_CHECKING:  # value.py imports the backward pass, which imports this module
    from engine.core.value import Value


class StaleGraphError(ValueError):
    """A pass over a graph failed because its data changed after it was built."""

    def __init__(self, message: str, nodes: list[Value]) -> None:
        super().__init__(message)
        self.nodes = nodes  # the stale nodes, parents first


def stale_nodes(root: Value) -> list[Value]:
    """The nodes ``root`` depends on whose ``data`` is no longer their op
    applied to their parents' current data, parents first.

    Empty for a graph that is up to date. After a change these are the
    nodes computed directly from a changed value; the nodes after them
    still agree with the old numbers they were computed from.
    """
    found = []
    for node in topological_order(root):
        if _recomputed(node) is not _SAME:
            found.append(node)
    return found


_SAME = object()


def _recomputed(node: Value) -> object:
    """``_SAME`` if the node's data is its op on its parents' data; else the new result."""
    rule = node._rule
    try:
        now = rule.forward(*[p.data for p in node._prev], *node._ctx)  # type: ignore[union-attr]
    except (ArithmeticError, ValueError, TypeError) as error:
        return error  # the op is not even defined on the new data
    if now == node.data or (now != now and node.data != node.data):  # nan is nan
        return _SAME
    return now


def failure(root: Value, error: Exception, what: str) -> Exception:
    """The error to raise when ``what`` (e.g. 'backward()') failed with ``error``.

    A :class:`StaleGraphError` naming the first stale node if the graph is
    stale, else ``error`` itself.
    """
    stale = stale_nodes(root)
    if not stale:
        return error
    first = stale[0]
    now = _recomputed(first)
    if isinstance(now, Exception):
        shown = f"raises {type(now).__name__}: {now}"
    else:
        shown = f"gives {now!r}"
    name = f"{first.label!r}, " if first.label else ""
    inputs = ", ".join(repr(p.data) for p in first._prev)
    more = f" ({len(stale) - 1} more nodes are stale too)" if len(stale) > 1 else ""
    return StaleGraphError(
        f"{what} failed ({type(error).__name__}: {error}) because the graph is stale: "
        f"the node {name}made by {first._op!r}, holds {first.data!r}, but its inputs are "
        f"now ({inputs}), on which {first._op!r} {shown}{more}. The data of a value "
        "changed after the forward pass (for example optimizer.step() ran in between). "
        "Run the forward pass again, then call it again. No .grad was changed.",
        stale,
    )
