"""Random programs over every op: compiled equals eager, bit for bit.

Each program (tests/strategies.py) runs once per sample of a batch, on the
sample's numbers scaled by shared parameters, and the loss adds the
samples' results up: the shape of a training step, with random ops in it.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import Value
from tests.engine.compiler.helpers import assert_same
from tests.engine.compiler.helpers import floats as _floats
from tests.engine.compiler.helpers import leaves as _leaves
from tests.strategies import ENGINE, Program, inputs, programs, run


def _step_fn(program: Program, params: list[Value]) -> Any:
    def fn(batch: Any) -> Any:
        outs = [run(program, [x * w for x, w in zip(row, params)], ENGINE) for row in batch]
        return engine.sum(outs) * 0.5, outs

    return fn


@settings(max_examples=30)
@given(
    program=programs(max_inputs=2, every_op=False, max_extra_steps=6),
    rows=st.lists(st.lists(inputs(), min_size=2, max_size=2), min_size=2, max_size=4),
)
def test_random_programs_compile_exactly(program: Program, rows: list[list[float]]) -> None:
    params = [Value(0.75), Value(-1.25)][: len(program.inputs)]
    batch = [row[: len(params)] for row in rows]
    fn = _step_fn(program, params)
    step = engine.compile(fn)
    for _ in range(2):
        for p in params:
            p.grad = 0.5
        got = _floats(step(batch))
        got_grads = [p.grad for p in params]
        for p in params:
            p.grad = 0.5
        result = fn(_leaves(batch))
        result[0].backward()
        assert_same(got, _floats(result))
        assert_same(got_grads, [p.grad for p in params])
        batch = [[x * 0.5 + 0.25 for x in row] for row in batch]  # new numbers, same shape
    assert step.traces == 1


@settings(max_examples=15)
@given(
    program=programs(max_inputs=2, every_op=False, max_extra_steps=6),
    rows=st.lists(st.lists(inputs(), min_size=2, max_size=2), min_size=2, max_size=4),
)
def test_random_programs_numpy_backend_agrees(program: Program, rows: list[list[float]]) -> None:
    pytest.importorskip("numpy")
    params = [Value(0.75), Value(-1.25)][: len(program.inputs)]
    batch = [row[: len(params)] for row in rows]
    fn = _step_fn(program, params)
    got = _floats(engine.compile(fn, backend="numpy")(batch))
    got_grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    result = fn(_leaves(batch))
    result[0].backward()
    want, want_grads = _floats(result), [p.grad for p in params]
    for a, b in zip([*got, *got_grads], [*want, *want_grads]):
        assert a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1.0) or (a != a and b != b)
