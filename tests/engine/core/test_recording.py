"""The recording switches (no_grad, enable_grad, scope) are per thread and per task.

Before they were context variables, one process-wide flag meant that two
threads whose no_grad blocks overlapped left recording off for good, and
every later backward() gave zero gradients without a word.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Generator, Iterator

import pytest

import engine
from engine import Value, enable_grad, is_grad_enabled, no_grad, scope
from engine.core.recording import current_scope


def gradient_of_square(x: float = 3.0) -> float:
    v = Value(x)
    (v * v).backward()
    return v.grad


def test_overlapping_no_grad_in_two_threads_leaves_recording_on() -> None:
    # Thread A enters no_grad, then B enters, then A leaves, then B leaves:
    # with one global flag, B restored "off" and recording stayed off.
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def thread_a() -> None:
        with no_grad():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def thread_b() -> None:
        a_in.wait(5)
        with no_grad():
            b_in.set()
            a_out.wait(5)
            seen["b inside"] = is_grad_enabled()
        seen["b after"] = is_grad_enabled()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"b inside": False, "b after": True}
    assert is_grad_enabled()
    assert gradient_of_square() == 6.0


def test_no_grad_in_one_thread_does_not_stop_recording_in_another() -> None:
    inside, checked = threading.Event(), threading.Event()
    grads: list[float] = []

    def evaluator() -> None:
        with no_grad():
            inside.set()
            checked.wait(5)

    t = threading.Thread(target=evaluator)
    t.start()
    inside.wait(5)
    grads.append(gradient_of_square())  # this thread still records
    checked.set()
    t.join(10)
    assert grads == [6.0]


def test_a_generator_paused_inside_no_grad_restores_recording_when_done() -> None:
    def loader() -> Iterator[float]:
        with no_grad():
            yield 1.0
            yield 2.0

    batches = loader()
    next(batches)
    with no_grad():  # the caller's own block, interleaved with the generator's
        next(batches)
    assert not is_grad_enabled()  # the generator is still paused inside its block
    with pytest.raises(StopIteration):
        next(batches)
    assert is_grad_enabled()
    assert gradient_of_square() == 6.0


def test_a_generator_closed_early_restores_recording() -> None:
    def loader() -> Generator[int, None, None]:
        with no_grad():
            yield 1
            yield 2

    batches = loader()
    next(batches)
    batches.close()
    assert is_grad_enabled()


def test_backward_on_a_value_computed_under_no_grad_says_why() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * x
    with pytest.raises(RuntimeError, match="computed while recording was off"):
        y.backward()
    assert (x.grad, y.grad) == (0.0, 0.0)
    Value(1.0).backward()  # a leaf the user made is fine, as in micrograd


def test_asyncio_tasks_have_their_own_switches() -> None:
    async def evaluate(started: asyncio.Event, release: asyncio.Event) -> bool:
        with no_grad():
            started.set()
            await release.wait()
            return is_grad_enabled()

    async def train(started: asyncio.Event, release: asyncio.Event) -> float:
        await started.wait()
        grad = gradient_of_square()  # runs while the other task is inside no_grad
        release.set()
        return grad

    async def main() -> tuple[bool, float]:
        started, release = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(evaluate(started, release), train(started, release))

    inside, grad = asyncio.run(main())
    assert (inside, grad) == (False, 6.0)
    assert is_grad_enabled()


def test_no_grad_objects_are_reusable_and_nest() -> None:
    ng = no_grad()
    with ng:
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with ng, ng:
        assert not is_grad_enabled()
        with enable_grad():
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert repr(ng) == "no_grad()"


def test_switches_work_as_decorators() -> None:
    @no_grad()
    def evaluate(v: Value) -> Value:
        return v * 2

    @scope("block")
    def block(v: Value) -> Value:
        return v + 1

    x = Value(1.0)
    assert evaluate(x).is_leaf
    assert block(x).scope == "block"
    assert is_grad_enabled()
    assert current_scope() is None


def test_one_decorated_function_in_two_threads() -> None:
    ready = threading.Barrier(2)

    @no_grad()
    def evaluate() -> bool:
        ready.wait(5)  # both threads are inside the same no_grad object now
        return is_grad_enabled()

    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(evaluate())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [False, False]
    assert is_grad_enabled()


def test_scope_is_per_thread_and_restored() -> None:
    inside = threading.Event()
    release = threading.Event()

    def tagger() -> None:
        with scope("other thread"):
            inside.set()
            release.wait(5)

    t = threading.Thread(target=tagger)
    t.start()
    inside.wait(5)
    assert (Value(1.0) + 1).scope is None
    release.set()
    t.join(10)
    with scope("mine"):
        with no_grad(), enable_grad():
            assert (Value(1.0) * 2).scope == "mine"
        assert (Value(1.0) * 2).scope == "mine"
    assert current_scope() is None


def test_exiting_a_switch_that_was_not_entered_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="without being entered"):
        no_grad().__exit__(None, None, None)


def test_scope_refuses_a_non_string() -> None:
    with pytest.raises(TypeError, match="scope\\(\\) takes a name"):
        engine.scope(3)  # type: ignore[arg-type]
