"""Tracing: run the step function once on Values and keep the graph it builds.

A compiled step replays this graph later with new numbers, so the graph must
be the *whole* story of what ``fn`` computed. It is not, if ``fn`` looked at
a number while building it: ``if loss.data < 0.1``, ``max(scores)``,
``float(v)`` or a softmax that subtracts ``max(z.data for z in zs)`` all
choose what to build from this call's numbers, and a replay with other
numbers would silently build the wrong thing. So while ``fn`` runs, every
read of ``.data`` is watched (:class:`_Watch`): reads made by the engine's
own ops (which the graph records) pass; any other read of a value that
depends on the arguments or the parameters stops the trace with a
:class:`CompileError` naming the line. Gradients are off limits during the
trace, and so is building values with recording switched off.
"""

from __future__ import annotations

import functools
import inspect
import linecache
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import engine.core.value as value_module
from engine.compiler.args import Shape, wrap
from engine.core.recording import is_grad_enabled
from engine.core.value import CONSTANT, Value, _next_seq

# Where the engine's ops live: reads of .data from these files are the ops
# computing their results, which the graph records.
_OP_FILES = {
    f.__code__.co_filename
    for f in (
        Value.__add__,
        Value.__mul__,
        Value.relu,
        Value.exp,
        value_module.dot,
        value_module.sum,
    )
}
# ... except these methods, which hand a number to the caller.
_HANDS_OUT_NUMBERS = {
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__float__",
    "__int__",
    "__index__",
    "__bool__",
    "__round__",
    "item",
    "detach",
}
# ... and these only show the number: they build nothing from it.
_SHOWS = {"__repr__", "_short"}
_ENGINE_DIR = str(Path(value_module.__file__).resolve().parents[1])


class CompileError(ValueError):
    """``fn`` does something a compiled step could not replay faithfully."""


def _user_line(frame: Any) -> str:
    """The first frame outside the engine, as 'file:line in fn: source'."""
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
        _ENGINE_DIR
    ):
        frame = frame.f_back
    if frame is None:  # pragma: no cover - always some caller outside the engine
        return "an unknown line"
    code = frame.f_code
    text = linecache.getline(code.co_filename, frame.f_lineno).strip()
    where = f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"
    return f"{where}: {text}" if text else where


def depends_on_inputs(value: Value) -> bool:
    """True unless every leaf ``value`` is made of is a wrapped number."""
    seen = {value}
    stack = [value]
    while stack:
        v = stack.pop()
        if not v._prev:
            if v._seq != CONSTANT:
                return True
            continue
        for p in v._prev:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return False


# --- the watch on .data and .grad -------------------------------------------------


@functools.cache
def _op_codes() -> frozenset[Any]:
    """The code objects of the engine's ops (nested comprehensions included)."""
    found: set[Any] = set()
    functions = [f for f in vars(value_module).values() if inspect.isfunction(f)]
    functions += [f for f in vars(Value).values() if inspect.isfunction(f)]
    stack = [f.__code__ for f in functions if f.__code__.co_filename in _OP_FILES]
    while stack:
        code = stack.pop()
        if code.co_name in _HANDS_OUT_NUMBERS or code in found:
            continue
        found.add(code)
        stack.extend(c for c in code.co_consts if inspect.iscode(c))
    return frozenset(found)


def _watched(slot: Any, name: str, watch: _Watch) -> Any:
    """A stand-in for the slot ``Value.<name>`` that lets only the ops through.

    Kept as lean as possible: every op of the trace reads through it.
    """
    get, put = slot.__get__, slot.__set__
    ops = _op_codes()
    frame_of = sys._getframe

    class Watched:
        def __get__(self, obj: Any, cls: Any = None) -> Any:
            if obj is None:
                return self
            code = frame_of(1).f_code
            if code not in ops:
                watch.refuse_read(obj, name, frame_of(1))
            elif name == "data" and not is_grad_enabled():
                watch.refuse_unrecorded(obj, frame_of(1))
            return get(obj)

        def __set__(self, obj: Any, value: Any) -> None:
            if frame_of(1).f_code not in ops:
                watch.refuse_write(name, frame_of(1))
            put(obj, value)

    return Watched()


class _Watch:
    """The precise watch: swaps ``Value.data`` and ``.grad`` for checked versions."""

    def __init__(self) -> None:
        self.error: CompileError | None = None

    def _fail(self, message: str) -> None:
        if self.error is None:  # keep the first, even if fn swallows it
            self.error = CompileError(message)
        raise self.error

    def refuse_read(self, obj: Value, name: str, frame: Any) -> None:
        if name == "data" and not depends_on_inputs(obj):
            return
        if frame.f_code.co_filename in _OP_FILES and frame.f_code.co_name in _SHOWS:
            return  # printing a value shows the traced number; it builds nothing
        if name == "grad":
            self._refuse_grad(frame)
        self._fail(
            f"compile(fn): {_user_line(frame)}\n"
            "reads the number of a value that depends on the step's arguments or "
            "parameters (its .data, or through float(), a comparison, max() or "
            "detach()). A compiled step replays the graph fn built on its first "
            "call, so it cannot see a number fn looks at while building it. "
            "Return the value as an extra output, step(...) -> (loss, value), "
            "and look at its number outside fn; or run this fn uncompiled."
        )

    def refuse_unrecorded(self, obj: Value, frame: Any) -> None:
        if depends_on_inputs(obj):
            self._fail(
                f"compile(fn): {_user_line(frame)}\n"
                "computes with recording switched off (engine.no_grad()) on a value "
                "that depends on the arguments or parameters; the result would be a "
                "number frozen at its first value. Compute it outside fn."
            )

    def refuse_write(self, name: str, frame: Any) -> None:
        if name == "grad":
            self._refuse_grad(frame)
        self._fail(
            f"compile(fn): {_user_line(frame)}\n"
            "sets .data inside fn. A compiled step does not run fn again, so the "
            "assignment would happen once only. Update parameters outside fn."
        )

    def _refuse_grad(self, frame: Any) -> None:
        self._fail(
            f"compile(fn): {_user_line(frame)}\n"
            "reads or writes .grad inside fn (backward(), zero_grad(), an optimizer). "
            "The compiled step adds the loss's gradients itself: call zero_grad() "
            "and the update outside fn."
        )

    def __enter__(self) -> _Watch:
        self.saved = {name: Value.__dict__[name] for name in ("data", "grad")}
        for name, slot in self.saved.items():
            setattr(Value, name, _watched(slot, name, self))
        return self

    def __exit__(self, *exc: object) -> None:
        for name, slot in self.saved.items():
            setattr(Value, name, slot)


class _Stop(BaseException):
    """Ends the quick watch before fn changes anything (BaseException, so
    that fn's own ``except Exception`` does not swallow it)."""


class _Count:
    """The quick watch: counts reads and writes, and checks them node by node.

    Each op reads every parent's ``.data`` once, then writes the new node's
    ``.data`` and ``.grad`` once, then its ``._prev``. So at every ``._prev``
    write exactly ``len(parents)`` reads (none for ``Value(...)`` built by
    hand) and one write of each must have happened since the last one, and
    none after the last node. Anything else (a read by fn, a ``.grad``
    read, an op run under no_grad) makes ``clean`` False, and the trace is
    repeated under :class:`_Watch`, which finds the line. A write that does
    not come from an op stops the trace at once, before it changes anything.
    Counting costs a fraction of the trace; the precise watch, several times it.
    """

    def __init__(self) -> None:
        self.clean = True

    def stop(self) -> None:
        self.clean = False
        raise _Stop

    def __enter__(self) -> _Count:
        saved = self.saved = {n: Value.__dict__[n] for n in ("data", "grad", "_prev")}
        data_get, data_set = saved["data"].__get__, saved["data"].__set__
        _grad_get, grad_set = saved["grad"].__get__, saved["grad"].__set__
        prev_get, prev_set = saved["_prev"].__get__, saved["_prev"].__set__
        by_hand = Value.__init__.__code__
        frame_of = sys._getframe
        reads = data_writes = grad_writes = 0
        watch = self

        def read_data(obj: Any) -> Any:
            nonlocal reads
            reads += 1
            return data_get(obj)

        ops = _op_codes()

        def write_data(obj: Any, value: Any) -> None:
            nonlocal data_writes
            if frame_of(1).f_code not in ops:  # fn itself changing a number
                watch.stop()
            data_writes += 1
            data_set(obj, value)

        def read_grad(obj: Any) -> Any:
            watch.stop()

        def write_grad(obj: Any, value: Any) -> None:
            nonlocal grad_writes
            if frame_of(1).f_code not in ops:
                watch.stop()
            grad_writes += 1
            grad_set(obj, value)

        def write_prev(obj: Any, parents: Any) -> None:
            nonlocal reads, data_writes, grad_writes
            expected = 0 if frame_of(1).f_code is by_hand else len(parents)
            if reads != expected or data_writes != 1 or grad_writes != 1:
                watch.clean = False
            reads = data_writes = grad_writes = 0
            prev_set(obj, parents)

        def leftover() -> int:
            return reads + data_writes + grad_writes

        self.leftover = leftover
        setattr(Value, "data", property(read_data, write_data))  # noqa: B010
        setattr(Value, "grad", property(read_grad, write_grad))  # noqa: B010
        setattr(Value, "_prev", property(prev_get, write_prev))  # noqa: B010
        return self

    def __exit__(self, *exc: object) -> None:
        if self.leftover():
            self.clean = False
        for name, slot in self.saved.items():
            setattr(Value, name, slot)


# --- the trace ---------------------------------------------------------------------


@dataclass
class Trace:
    """What one run of ``fn`` on Values built."""

    loss: Value
    extras: list[Any]  # the other returned items: Values or nested lists of Values
    inputs: dict[Value, tuple[int, ...]]  # each argument leaf -> (arg number, *indices)
    first_seq: int  # nodes made before the trace have smaller creation numbers
    is_tuple: bool = False  # fn returned a tuple (even a 1-tuple)
    rechecked: bool = False  # the quick watch saw something; fn ran again, watched closely


def outputs_of(item: Any, where: str) -> Iterator[Value]:
    if isinstance(item, Value):
        yield item
    elif isinstance(item, (list, tuple)):
        for i, v in enumerate(item):
            yield from outputs_of(v, f"{where}[{i}]")
    else:
        raise CompileError(
            f"compile(fn): fn returned {type(item).__name__} as {where}; it must "
            "return a Value (the loss) or a tuple (loss, extra, ...) of Values or "
            "lists of Values"
        )


def trace(fn: Callable[..., Any], args: tuple[Any, ...], shapes: tuple[Shape, ...]) -> Trace:
    """Run ``fn`` once on leaf Values made from ``args``, watching it."""
    leaves: dict[Value, tuple[int, ...]] = {}
    wrapped = [wrap(a, s, (i,), leaves) for i, (a, s) in enumerate(zip(args, shapes))]
    first_seq = _next_seq()
    if not is_grad_enabled():
        raise CompileError(
            "compile(fn): the first call ran inside engine.no_grad(), so fn's graph "
            "could not be recorded; call the step outside no_grad()"
        )
    count = _Count()
    try:
        with count:
            result = fn(*wrapped)
    except _Stop:
        pass
    if not count.clean:
        # Something besides the ops touched the numbers: run fn again under
        # the precise watch, which stops at the line that did it (or finds
        # it harmless, like printing a value).
        leaves = {}
        wrapped = [wrap(a, s, (i,), leaves) for i, (a, s) in enumerate(zip(args, shapes))]
        first_seq = _next_seq()
        with _Watch() as watch:
            result = fn(*wrapped)
        if watch.error is not None:  # fn caught the error and carried on
            raise watch.error
    items = list(result) if isinstance(result, tuple) else [result]
    if not items or not isinstance(items[0], Value):
        got = type(items[0]).__name__ if items else "an empty tuple"
        raise CompileError(
            f"compile(fn): fn must return the loss as a Value (or a tuple whose first "
            f"item is the loss), got {got}"
        )
    for k, item in enumerate(items[1:], 1):
        list(outputs_of(item, f"output {k}"))
    rechecked = not count.clean
    return Trace(items[0], items[1:], leaves, first_seq, isinstance(result, tuple), rechecked)
