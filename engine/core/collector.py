"""``pause_gc()``: an opt-in pause of Python's cyclic garbage collector.

chainrule's graphs hold no reference cycles (a node points to its parents,
never back), so reference counting frees every graph the moment its output
is dropped. The cyclic collector still runs while a graph is built, because
it is triggered by the number of objects allocated, and on a large graph
most of its passes walk nodes that are still in use: it takes about half
of a scalar GPT's training step, 74 ms a step with it against 38 ms
without (``python benchmarks/bench_gpt.py``).

Nothing here runs unless you ask for it. ``with engine.pause_gc():`` turns
the collector off for the block and puts it back as it was when the block
ends; nested blocks, and blocks in several threads, keep it off until the
last one ends (the collector is one per process, so a pause is too). Code
inside the block that does make cycles of its own leaves them for the
collector's next run after the block: nothing is lost, it is only freed
later.
"""

from __future__ import annotations

import gc
import threading
from contextlib import ContextDecorator

_lock = threading.Lock()
_depth = 0  # blocks inside pause_gc, over all threads
_was_enabled = False  # the collector's state before the outermost block


class pause_gc(ContextDecorator):
    """Pause the cyclic garbage collector inside this block (also a decorator)."""

    def __enter__(self) -> None:
        global _depth, _was_enabled
        with _lock:
            if _depth == 0:
                _was_enabled = gc.isenabled()
                gc.disable()
            _depth += 1

    def __exit__(self, *exc: object) -> None:
        global _depth
        with _lock:
            if _depth == 0:
                raise RuntimeError("pause_gc() was exited more often than it was entered")
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()

    def __repr__(self) -> str:
        return "pause_gc()"
