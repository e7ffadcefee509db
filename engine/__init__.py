"""chainrule's autodiff engine: scalar ``Value`` nodes and the chain rule.

>>> from engine import Value
>>> x = Value(3.0, label='x')
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad
8.0
"""

from engine.backward import grad, topological_order, zero_grad
from engine.rules import RULES, DomainError, Rule
from engine.value import Value, dot, enable_grad, is_grad_enabled, no_grad, sum
from engine.viz import GraphTooLargeError, draw_dot

__all__ = [
    "RULES",
    "DomainError",
    "GraphTooLargeError",
    "Rule",
    "Value",
    "dot",
    "draw_dot",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "sum",
    "topological_order",
    "zero_grad",
]
