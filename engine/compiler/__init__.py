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

How it works. The first call of ``step(*args)`` with arguments of a new
shape *traces*: every number in ``args`` (floats, ints, nested lists of
them) becomes a leaf Value, ``fn`` runs on them once and builds its graph
as usual, and the graph is written out as a Python function: one line per
op for the forward pass, one line per chain-rule step for the backward
pass, in the order ``loss.backward()`` takes them, with the formulas of the
derivative table. When the step repeats one subgraph per sample (the model
and the loss term of each row of a batch), that subgraph is written once,
as a ``for`` loop over the samples (:mod:`engine.compiler.plan`). Every
call, the first one included, runs that function: it reads the
parameters' current ``.data``, returns the numbers ``fn`` returned and adds
to each parameter's ``.grad`` exactly, bit for bit, what
``fn(*args)[0].backward()`` would add. No graph is built. ``step.source``
is the generated code: the whole training step as a program to read.

What ``fn`` receives and returns:

* its arguments are Values made from the step's arguments (lists stay
  lists); leaves it reaches any other way (a model's weights, a Value made
  inside ``fn``) are *parameters*: their current ``.data`` is read on every
  call and their ``.grad`` receives the gradient;
* it returns the loss Value, or a tuple ``(loss, extra, ...)`` whose extras
  are Values or (nested) lists of Values (scores, say); the step returns
  the same structure with floats.

What may appear in ``fn``: any ops on Values (``+ - * / **``, the methods,
``engine.sum``, ``engine.dot``, built-in ``sum``), Python control flow
that depends only on the *shapes* of the arguments (``for x in xs``,
``len(xs)``), models and losses built from ops (``nn.MLP``,
``nn.losses.mse_loss``, ``hinge_loss``), printing a value (it shows the
first call's number: the trace runs ``fn`` once, or twice when a print or
similar made it look closer).

What may not, because a replay could not reproduce it, and what happens:

* looking at a number of a value that depends on the arguments or the
  parameters: ``v.data``, ``float(v)``, ``v.item()``, a comparison
  (``if loss < 0.1``), ``max(values)``, ``v.detach()``, a softmax that
  subtracts ``max(z.data for z in zs)``, micrograd's accuracy line. The
  trace stops with a :class:`CompileError` naming the line. (Numbers of
  constants, such as the 2 in ``x * 2``, are fine.) So do the losses of
  :mod:`nn.losses` that branch on numbers for safety (binary cross-entropy
  and cross-entropy);
* ``engine.no_grad()`` around work on such values, ``backward()``,
  ``zero_grad()``, an optimizer step, or setting ``.data``: refused the
  same way, before ``fn`` changes anything;
* a value computed before the step and used inside it: refused;
* arguments of another shape: not an error; they are traced again, and
  each shape keeps its own code (``step.traces`` counts them);
* anything the trace cannot see is *not* detected: ``fn`` must compute the
  same graph every time it is called with arguments of the same shape, so
  it may not draw random numbers (dropout), read a global that changes, or
  branch on anything but the arguments' shapes. Call the step from one
  thread at a time: the trace briefly watches ``Value`` itself.

``backend='numpy'`` (``pip install 'chainrule[fast]'``) runs the per-sample
subgraph on whole-batch arrays instead, a layer's dot products fused into
one matrix product; results agree with the eager engine to about 1e-12
relative. Graphs it cannot vectorise fall back to the Python code (the
step's repr says so). ``loop=False`` writes every node out (slower to
compile; the result is the same).
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
    """A step that runs ``fn``'s forward and backward pass from generated code.

    See the module docstring for what ``fn`` may contain; ``backend`` is
    ``'python'`` (exact) or ``'numpy'`` (batched arrays, to 1e-12).
    """
    return CompiledStep(fn, backend, loop=loop)
