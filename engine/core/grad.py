"""``grad()``: derivatives as results, leaving every ``.grad`` alone.

With ``create_graph=True`` the derivatives are Values built from the rules'
``vjp`` functions, so they can be differentiated again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, overload

from engine.core.graph import topological_order
from engine.core.recording import enable_grad
from engine.core.stale import failure
from engine.core.value import Value


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
    try:
        if create_graph:
            with enable_grad():
                result = _grads(output, wanted, Value(1.0), lambda v: v)
        else:
            result = _grads(output, wanted, 1.0, lambda v: v.data)
    except Exception as error:  # on a stale graph, say so
        explained = failure(output, error, "grad()")
        if explained is error:  # not stale: pass the error on as it is
            raise
        raise explained from error
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
