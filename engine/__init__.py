"""chainrule's autodiff engine: scalar ``Value`` nodes and the chain rule.

>>> from engine import Value
>>> x = Value(3.0, label='x')
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad
8.0

The package is built in layers, each importing only the ones below it:

1. ``engine.core``: ``Value``, the derivative table, the backward pass,
   ``grad`` and the recording switches. ``import engine`` loads only this.
2. ``engine.teach``: ``explain``, ``backward_source`` and the replay of the
   backward pass that the step page uses.
3. ``engine.viz``: ``draw_dot``, its collapsed views and the step page.
4. ``engine.cli``: the expression parser and the ``chainrule`` command.

The names of the upper layers (``engine.draw_dot``, ``engine.explain``...)
are loaded on first use, so ``import engine`` stays small and fast; this
facade is the only module that names every layer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from engine.core.backward import zero_grad
from engine.core.collector import pause_gc
from engine.core.grad import grad
from engine.core.graph import GraphTooLargeError, topological_order
from engine.core.recording import enable_grad, is_grad_enabled, no_grad, scope
from engine.core.rules import RULES, DomainError, Rule
from engine.core.stale import StaleGraphError, stale_nodes
from engine.core.value import Value, dot
from engine.core.value import sum as sum  # re-exported as engine.sum (see __all__)

if TYPE_CHECKING:
    from engine.cli.expr import ExpressionError, evaluate
    from engine.compiler import CompiledStep, CompileError
    from engine.compiler import compile as compile  # engine.compile; not in __all__
    from engine.teach.explain import explain
    from engine.teach.names import names as names
    from engine.teach.source import backward_source
    from engine.viz.dot import GraphvizNotFoundError, draw_dot

# name -> module that defines it; imported on first access (PEP 562)
_LAZY = {
    "explain": "engine.teach.explain",
    "backward_source": "engine.teach.source",
    "names": "engine.teach.names",
    "draw_dot": "engine.viz.dot",
    "GraphvizNotFoundError": "engine.viz.dot",
    "evaluate": "engine.cli.expr",
    "ExpressionError": "engine.cli.expr",
    "compile": "engine.compiler",
    "CompiledStep": "engine.compiler",
    "CompileError": "engine.compiler",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


# Convenience methods that reach up into the tools. The core cannot import
# them (it sits below them), so the facade, which knows every layer, wires
# them onto Value; the tool module is imported only when the method is called.
def _explain(self: Value, wrt: Value, **kwargs: Any) -> Any:
    """d self / d wrt by the chain rule, path by path (``engine.explain``)."""
    return __getattr__("explain")(self, wrt, **kwargs)


def _draw(self: Value, **kwargs: Any) -> Any:
    """Shortcut for ``engine.draw_dot(self, **kwargs)``."""
    return __getattr__("draw_dot")(self, **kwargs)


_explain.__name__ = _explain.__qualname__ = "explain"
_draw.__name__ = _draw.__qualname__ = "draw"
Value.explain = _explain
Value.draw = _draw

# ``sum`` and ``compile`` are deliberately left out of __all__: ``from engine
# import *`` must not replace the built-ins. Use ``engine.sum``, ``engine.compile``.
__all__ = [
    "RULES",
    "CompileError",
    "CompiledStep",
    "DomainError",
    "ExpressionError",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "Rule",
    "StaleGraphError",
    "Value",
    "backward_source",
    "dot",
    "draw_dot",
    "enable_grad",
    "evaluate",
    "explain",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "pause_gc",
    "scope",
    "stale_nodes",
    "topological_order",
    "zero_grad",
]
