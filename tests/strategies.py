"""Hypothesis strategies: random expression graphs over every op of the table.

A :class:`Program` is plain data: some input numbers and a list of steps,
each applying one rule to earlier nodes (picked by index, so sub-expressions
are re-used and the graph has fan-out). :func:`run` evaluates a program with
chainrule Values or with torch tensors: the same Python expressions, on two
autodiff systems.

Every step stays inside its op's domain by construction, whatever its inputs
(each oracle row says how: log(|x| + 0.5), x / (|y| + 0.5), sqrt(x*x + 0.1),
a positive base for a non-integer power).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from engine import RULES
from tests.oracle import ORACLE, require_torch

# Every op of the table; tests/oracle.py says how to call each one and how to
# keep its inputs inside its domain.
OPS = tuple(RULES)


@dataclass(frozen=True)
class Step:
    op: str
    args: tuple[int, ...]  # indices of earlier nodes (inputs come first)
    params: tuple[Any, ...] = ()


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

    rule = RULES[op]
    if rule.shape == "each":
        arity = draw(st.integers(1, 4))
    elif rule.shape == "pairs":
        arity = 2 * draw(st.integers(1, 3)) + draw(st.integers(0, 1))
    else:
        arity = len(rule.args)
    args = tuple(pick() for _ in range(arity))
    params = draw(st.sampled_from(ORACLE[op].params))
    return Step(op, args, params)


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
    """How one autodiff system applies an op: chainrule's Values or torch's tensors."""

    apply: Callable[[str, list[Any], tuple[Any, ...]], Any]


ENGINE = Backend(lambda op, xs, params: ORACLE[op].call(xs, params))
TORCH = Backend(lambda op, xs, params: ORACLE[op].torch_call(require_torch(), xs, params))


def _step_value(step: Step, a: list[Any], backend: Backend) -> Any:
    entry = ORACLE[step.op]
    return backend.apply(step.op, entry.into_domain(a, step.params), step.params)


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
