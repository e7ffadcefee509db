"""The backward pass: a topological order and the chain rule.

Nothing in this file names an op. Each node carries the rule that made it,
and the rule's ``vjp`` turns the gradient arriving at the node into the
gradients for its parents (see the contract in :mod:`engine.rules`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any, overload

from engine.codegen import compile_float_pass
from engine.rules import RULES
from engine.value import Number, Value, _as_float, enable_grad

# The chain rule for every op in the table, generated from its formulas
# (see engine.codegen; print(engine.codegen.float_pass_source()) shows it).
_float_pass = compile_float_pass(RULES.values())


def topological_order(root: Value) -> list[Value]:
    """The non-leaf nodes that ``root`` depends on, parents before children.

    Leaves are left out: they have nothing to pass a gradient on to, and
    ``root`` comes last (if it is not a leaf). No recursion, so a graph may
    be as deep as memory allows.

    Finding the nodes is a plain stack walk; ordering them is a sort by
    creation number (``_seq``): parents are always created before their
    children, so that order is topological. It needs no per-node iterator
    objects and measures about 15% faster than an iterative depth-first
    post-order on an MLP's loss graph.
    """
    if not root._prev:
        return []
    seen = {root}
    stack = [root]
    add, push, pop = seen.add, stack.append, stack.pop
    try:
        while stack:
            for parent in pop()._prev:
                if parent._prev and parent not in seen:
                    add(parent)
                    push(parent)
        return sorted(seen, key=_creation_order)
    except AttributeError:
        _complain_about_foreign_nodes(seen)
        raise


def values_in_order(root: Value) -> list[Value]:
    """Every value ``root`` depends on (root and leaves included), parents first.

    A depth-first walk with its own stack, visiting parents in ``_prev``
    order; a value is listed once all its parents are. Unlike
    :func:`topological_order`, the order depends only on the graph's shape,
    never on creation numbers or memory addresses, so drawings and generated
    code built from it come out the same on every run.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    # (value, parents_done): a value is pushed once to visit its parents
    # and once more, underneath them, to be listed after them.
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        value, parents_done = stack.pop()
        if parents_done:
            order.append(value)
            continue
        if value in seen:  # reached earlier along another path
            continue
        seen.add(value)
        stack.append((value, True))
        # Reversed, so the first parent is popped, and so listed, first.
        stack.extend((p, False) for p in reversed(value._prev) if p not in seen)
    return order


_creation_order = attrgetter("_seq")


def _complain_about_foreign_nodes(nodes: Iterable[Any]) -> None:
    for node in nodes:
        for parent in node._prev:
            if not isinstance(parent, Value):
                raise TypeError(
                    f"the graph contains a {type(parent).__name__}, which is not "
                    "an engine.Value; only Values (or plain numbers, which ops "
                    "wrap for you) can take part in a computation"
                )


def backward(root: Value, gradient: Number = 1.0) -> None:
    """Accumulate d root / d node into ``node.grad`` for every node.

    Each call adds to what is already in ``.grad`` (PyTorch semantics). The
    pass itself works on this call's contributions only: gradients left in
    intermediate nodes by an earlier call are set aside and added back at
    the end, so a second call adds the same gradients again (micrograd
    would instead push the doubled intermediate gradients on to the leaves).
    """
    seed = _as_float(gradient, "backward(gradient)")
    order = topological_order(root)
    if not order:
        root.grad += seed
        return
    earlier = [node.grad for node in order]
    carried = any(earlier)
    if carried:
        for node in order:
            node.grad = 0.0
    root.grad = seed
    _float_pass(order)
    if carried:
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


@overload
def grad(output: Value, inputs: Value, create_graph: bool = ...) -> Any: ...
@overload
def grad(output: Value, inputs: Iterable[Value], create_graph: bool = ...) -> list[Any]: ...


def grad(output: Value, inputs: Value | Iterable[Value], create_graph: bool = False) -> Any:
    """d output / d input for each input, without touching any ``.grad``.

    Returns floats, or with ``create_graph=True`` Values that are themselves
    nodes of a graph, so ``grad`` can be applied to them again for second
    and higher derivatives. An input that ``output`` does not depend on gets
    a zero. Pass one Value to get one result, a list to get a list.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() needs a Value as output, got {type(output).__name__}")
    single = isinstance(inputs, Value)
    wanted: Sequence[Value] = [inputs] if single else list(inputs)  # type: ignore[list-item, arg-type]
    for x in wanted:
        if not isinstance(x, Value):
            raise TypeError(f"grad() inputs must be Values, got {type(x).__name__}")
    if create_graph:
        with enable_grad():
            result = _grads(output, wanted, Value(1.0), lambda v: v)
    else:
        result = _grads(output, wanted, 1.0, lambda v: v.data)
    return result[0] if single else result


def _grads(output: Value, wanted: Sequence[Value], seed: Any, operand: Any) -> list[Any]:
    # ``operand`` gives what a rule sees for a node: its float in the fast
    # mode, the node itself when the derivative is to be a graph.
    grads: dict[Value, Any] = {output: seed}
    for node in reversed(topological_order(output)):
        g = grads[node]
        local = node._rule.vjp(  # type: ignore[union-attr]
            g, operand(node), *[operand(p) for p in node._prev], *node._ctx
        )
        for parent, d in zip(node._prev, local):
            grads[parent] = grads[parent] + d if parent in grads else d
    zero = Value(0.0) if isinstance(seed, Value) else 0.0
    return [_as_result(grads.get(x, zero), seed) for x in wanted]


def _as_result(g: Any, seed: Any) -> Any:
    # A rule can return a plain number (a constant derivative); in graph mode
    # the caller was promised a Value.
    if isinstance(seed, Value) and not isinstance(g, Value):
        return Value(g)
    return g
