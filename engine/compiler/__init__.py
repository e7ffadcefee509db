"""``engine.compile``: trace a training step once, then replay it as code.

>>> import engine
>>> from engine import Value
>>> w = Value(0.5, label='w')
>>> def fn(xs):
...     return engine.sum([(w * x - 1.0) ** 2 for x in xs])
>>> step = engine.compile(fn)
>>> step([1.0, 2.0])        # the loss, as a float; w.grad gets d loss / d w
0.25
>>> w.grad
-1.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.compiler.step import CompiledStep
from engine.compiler.trace import CompileError

__all__ = ["CompileError", "CompiledStep", "compile"]


def compile(  # noqa: A001 - engine.compile, as torch.compile
    fn: Callable[..., Any], backend: str = "python", *, loop: bool = True
) -> CompiledStep:
    """A step that runs ``fn``'s forward and backward pass from generated code."""
    return CompiledStep(fn, backend, loop=loop)
