"""pause_gc(): the cyclic collector is off inside, and back as it was after."""

from __future__ import annotations

import gc
import threading

import pytest

import engine
from engine import Value


@pytest.fixture(autouse=True)
def _collector_on() -> None:
    gc.enable()


def test_pauses_and_restores() -> None:
    with engine.pause_gc():
        assert not gc.isenabled()
        with engine.pause_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds it
    assert gc.isenabled()


def test_leaves_a_collector_the_user_turned_off_alone() -> None:
    gc.disable()
    try:
        with engine.pause_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_restores_after_an_error_and_works_as_a_decorator() -> None:
    @engine.pause_gc()
    def step() -> float:
        assert not gc.isenabled()
        x = Value(2.0)
        (x * x).backward()
        return x.grad

    assert step() == 4.0
    with pytest.raises(ZeroDivisionError), engine.pause_gc():
        1 / 0
    assert gc.isenabled()


def test_overlapping_blocks_in_two_threads() -> None:
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def a() -> None:
        with engine.pause_gc():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b() -> None:
        a_in.wait(5)
        with engine.pause_gc():
            b_in.set()
            a_out.wait(5)
            seen.append(gc.isenabled())  # a has left, b is still inside

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [False]
    assert gc.isenabled()


def test_an_unbalanced_exit_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="exited more often"):
        engine.pause_gc().__exit__(None, None, None)
    assert repr(engine.pause_gc()) == "pause_gc()"
