"""Hypothesis strategies: random expression graphs over every op of the table.

A :class:`Program` is plain data: some input numbers and a list of steps,
each applying one rule to earlier nodes (picked by index, so sub-expressions
are re-used and the graph has fan-out). :func:`run` evaluates a program with
chainrule Values or with torch tensors: the same Python expressions, on two
autodiff systems.

Every step stays inside its op's domain by construction, whatever its inputs:
log(|x| + 0.5), x / (|y| + 0.5), sqrt(x*x + 0.1), a positive base for a
non-integer power.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

import engine

# Arity of each op as a program step: a number, or "sum"/"dot" for the
# variadic reductions.
ARITY: dict[str, int] = {
    "add": 2,
    "sub": 2,
    "mul": 2,
    "div": 2,
    "neg": 1,
    "pow": 2,
    "pow_const": 1,
    "exp": 1,
    "log": 1,
    "sqrt": 1,
    "tanh": 1,
    "sigmoid": 1,
    "relu": 1,
    "leaky_relu": 1,
    "abs": 1,
    "sin": 1,
    "cos": 1,
    "sum": -1,
    "dot": -1,
}
OPS = tuple(ARITY)

# Integer exponents may meet any base; the others get a positive one.
INT_EXPONENTS = (2, 3)
REAL_EXPONENTS = (-1.5, -1, -0.5, 0.5, 1.5)
SLOPES = (0.01, 0.1, 0.3)


@dataclass(frozen=True)
class Step:
    op: str
    args: tuple[int, ...]  # indices of earlier nodes (inputs come first)
    param: float | None = None


@dataclass(frozen=True)
class Program:
    inputs: tuple[float, ...]
    steps: tuple[Step, ...]


def inputs(lo: float = -2.0, hi: float = 2.0) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def _step(draw: st.DrawFn, op: str, n_nodes: int) -> Step:
    def pick() -> int:
        # Shrinks towards the newest node, which makes deep chains.
        return n_nodes - 1 - draw(st.integers(0, n_nodes - 1))

    arity = ARITY[op]
    if op == "sum":
        arity = draw(st.integers(1, 4))
    elif op == "dot":
        arity = 2 * draw(st.integers(1, 3)) + draw(st.integers(0, 1))
    args = tuple(pick() for _ in range(arity))
    param: float | None = None
    if op == "pow_const":
        param = draw(st.sampled_from(INT_EXPONENTS + REAL_EXPONENTS))
    elif op == "leaky_relu":
        param = draw(st.sampled_from(SLOPES))
    return Step(op, args, param)


@st.composite
def programs(
    draw: st.DrawFn,
    min_inputs: int = 1,
    max_inputs: int = 3,
    every_op: bool = True,
    max_extra_steps: int = 4,
) -> Program:
    """A random program. With ``every_op`` each op of :data:`OPS` appears at
    least once, in random order, plus up to ``max_extra_steps`` more."""
    xs = tuple(draw(st.lists(inputs(), min_size=min_inputs, max_size=max_inputs)))
    ops: list[str] = list(draw(st.permutations(OPS))) if every_op else []
    min_extra = 0 if every_op else 1
    ops += draw(st.lists(st.sampled_from(OPS), min_size=min_extra, max_size=max_extra_steps))
    steps: list[Step] = []
    for op in ops:
        steps.append(draw(_step(op, len(xs) + len(steps))))
    return Program(xs, tuple(steps))


# --- evaluation ---------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """What differs between chainrule and torch; the rest is operators."""

    leaky_relu: Callable[[Any, float], Any]
    sum: Callable[[list[Any]], Any]
    dot: Callable[[list[Any], list[Any], Any], Any]


ENGINE = Backend(lambda x, slope: x.leaky_relu(slope), engine.sum, engine.dot)


def _step_value(step: Step, a: list[Any], backend: Backend) -> Any:
    op = step.op
    if op == "add":
        return a[0] + a[1]
    if op == "sub":
        return a[0] - a[1]
    if op == "mul":
        return a[0] * a[1]
    if op == "div":
        return a[0] / (abs(a[1]) + 0.5)
    if op == "neg":
        return -a[0]
    if op == "pow":
        return (abs(a[0]) + 0.5) ** a[1]
    if op == "pow_const":
        k = step.param
        return a[0] ** k if k in INT_EXPONENTS else (abs(a[0]) + 0.5) ** k
    if op == "exp":
        return a[0].exp()
    if op == "log":
        return (abs(a[0]) + 0.5).log()
    if op == "sqrt":
        return (a[0] * a[0] + 0.1).sqrt()
    if op in ("tanh", "sigmoid", "relu", "sin", "cos"):
        return getattr(a[0], op)()
    if op == "abs":
        return abs(a[0])
    if op == "leaky_relu":
        assert step.param is not None
        return backend.leaky_relu(a[0], step.param)
    if op == "sum":
        return backend.sum(a)
    if op == "dot":
        n = len(a) // 2
        return backend.dot(a[:n], a[n : 2 * n], a[-1] if len(a) % 2 else None)
    raise AssertionError(f"strategies.run does not know op {op!r}; add it to _step_value")


def run(program: Program, leaves: Sequence[Any], backend: Backend) -> Any:
    """Evaluate ``program`` on ``leaves``; the output adds up every node that
    no later step uses, so every step contributes to it."""
    nodes: list[Any] = list(leaves)
    used: set[int] = set()
    for step in program.steps:
        nodes.append(_step_value(step, [nodes[i] for i in step.args], backend))
        used.update(step.args)
    sinks = [node for i, node in enumerate(nodes) if i not in used and i >= len(leaves)]
    out = sinks[0]
    for node in sinks[1:]:
        out = out + node
    return out
