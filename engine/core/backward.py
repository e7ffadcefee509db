"""The backward pass: the chain rule applied to every node, output to inputs.

Nothing in this file names an op. Each node carries the rule that made it;
the generated pass (:mod:`engine.core.float_pass`, built from the formulas
of :mod:`engine.core.rules`) adds each rule's gradient formulas straight
into the parents' ``.grad``.
"""

from __future__ import annotations

import numbers
from array import array
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

from engine.core import float_pass as _generated
from engine.core.convert import as_float
from engine.core.graph import backward_walk
from engine.core.recording import NOT_RECORDED
from engine.core.stale import failure

if TYPE_CHECKING:  # value.py imports this module, so Value is for the type checker only
    from engine.core.value import Value

_grad_of = attrgetter("grad")

# -0.0 as a float64's bytes (little- or big-endian, as array('d') lays them).
_NEGATIVE_ZERO = array("d", [-0.0]).tobytes()


def _negative_zero_in(grads: list[float]) -> bool:
    """True when some gradient is -0.0 (or, rarely, when bytes of two neighbours look like one).

    A search of the raw bytes, in C: about 10 ns a gradient. A false alarm
    only turns off the pass's skipping of zero gradients, never changes a result.
    """
    return _NEGATIVE_ZERO in array("d", grads).tobytes()


def _leaves_ready(leaves: list[Value], grads: list[Any]) -> bool:
    """Whether the pass may skip zero gradients; a leaf's ``.grad`` of None becomes 0.0.

    Skipping keeps every leaf's ``.grad`` bit for bit, unless one is -0.0,
    which adding zeros would turn into +0.0. A ``.grad`` of None is taken
    as no gradient yet, as in PyTorch after ``zero_grad(set_to_none=True)``
    (a pass that fails puts the None back); anything else that is not a
    number is refused before the pass changes anything.
    """
    try:
        return not _negative_zero_in(grads)
    except TypeError:
        pass  # not all floats: look closer
    usable = _as_numbers(leaves, grads)  # refuses what is not a number
    for leaf, g in zip(leaves, grads):
        if g is None:
            leaf.grad = 0.0
    return not _negative_zero_in([float(g) for g in usable])


def _as_numbers(nodes: list[Value], grads: list[Any]) -> list[Any]:
    """``grads`` (the ``.grad`` of each of ``nodes``) with None read as 0.0; others refused."""
    for node, g in zip(nodes, grads):
        if g is not None and not isinstance(g, numbers.Real):
            raise TypeError(
                f"{node!r} has .grad = {g!r:.40}, a {type(g).__name__}; a gradient must be "
                "a number. Set it to 0.0 (zero_grad() does) before backward()."
            )
    return [0.0 if g is None else g for g in grads]


# The generated module is not type-annotated (it is data made into code).
float_pass = cast("Callable[[list[Value], bool], None]", _generated.float_pass)


def backward(root: Value, gradient: float = 1.0) -> None:
    """Accumulate d root / d node into ``node.grad`` for every node.

    Each call adds to what is already in ``.grad`` (PyTorch semantics). The
    pass itself works on this call's contributions only: gradients left in
    intermediate nodes by an earlier call are set aside and added back at
    the end, so a second call adds the same gradients again (micrograd
    would instead push the doubled intermediate gradients on to the leaves).

    A pass that fails (on a stale graph, see :mod:`engine.core.stale`, or
    when interrupted) first puts every ``.grad``, leaves included, back to
    what it was before the call.
    """
    seed = as_float(gradient, "backward(gradient)")
    order, leaves, carried = backward_walk(root)
    if not order and root._seq == NOT_RECORDED:
        raise RuntimeError(
            f"backward() on {root!r}, which was computed while recording was off "
            "(inside no_grad()), so it has no graph to pass gradients through. "
            "Compute it outside no_grad(), or inside enable_grad(). (A generator "
            "paused inside `with no_grad():` turns recording off for its caller too.)"
        )
    if not order:
        root.grad += seed
        return
    leaf_grads = list(map(_grad_of, leaves))  # to undo a pass that fails
    skip_zero = _leaves_ready(leaves, leaf_grads)  # before anything changes
    original = list(map(_grad_of, order)) if carried else None
    earlier = _as_numbers(order, original) if original is not None else None
    if carried:
        for node in order:
            node.grad = 0.0
    root.grad = seed
    try:
        float_pass(order, skip_zero)
    except BaseException as error:
        for i, node in enumerate(order):
            node.grad = 0.0 if original is None else original[i]
        for leaf, g in zip(leaves, leaf_grads):
            leaf.grad = g
        if isinstance(error, Exception):
            explained = failure(root, error, "backward()")
            if explained is error:  # not stale: pass the error on as it is
                raise
            raise explained from error
        raise
    if earlier is not None:
        for node, g in zip(order, earlier):
            node.grad += g


def zero_grad(root: Value) -> None:
    """Set ``grad = 0.0`` on ``root`` and every node it depends on, leaves too."""
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        node.grad = 0.0
        for parent in node._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
