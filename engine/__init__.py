"""chainrule's autodiff engine: scalar ``Value`` nodes and the chain rule.

>>> from engine import Value
>>> x = Value(3.0, label='x')
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad
8.0
"""

from typing import TYPE_CHECKING, Any

from engine.backward import grad, topological_order, zero_grad
from engine.explain import explain
from engine.expr import ExpressionError, evaluate
from engine.rules import RULES, DomainError, Rule
from engine.source import backward_source
from engine.value import Value, dot, enable_grad, is_grad_enabled, no_grad, scope
from engine.value import sum as sum  # re-exported as engine.sum (see __all__)
from engine.viz import GraphTooLargeError, GraphvizNotFoundError, draw_dot

# ``sum`` is deliberately left out of __all__: ``from engine import *`` must
# not replace the built-in sum. Use ``engine.sum``.
__all__ = [
    "RULES",
    "DomainError",
    "ExpressionError",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "Rule",
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
    "scope",
    "topological_order",
    "zero_grad",
]

if TYPE_CHECKING:  # loaded lazily at run time, by __getattr__ below
    from engine.compiler import CompiledStep as CompiledStep
    from engine.compiler import CompileError as CompileError
    from engine.compiler import compile as compile


def __getattr__(name: str) -> Any:
    # Tools above the core load on first use, so `import engine` stays light.
    if name in ("compile", "CompiledStep", "CompileError"):
        from engine import compiler

        return getattr(compiler, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
