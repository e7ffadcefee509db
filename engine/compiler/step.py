"""``CompiledStep``: the callable that ``engine.compile`` returns."""

from __future__ import annotations

import inspect
import keyword
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.compiler.args import Shape, arg_shape, as_floats
from engine.compiler.plan import make_plan
from engine.compiler.pycode import generate
from engine.compiler.trace import CompileError, outputs_of, trace
from engine.compiler.writer import is_own_name
from engine.core.value import Value

BACKENDS = ("python", "numpy")


@dataclass
class _Entry:
    """One compiled version of the step, for one shape of arguments."""

    function: Callable[..., Any]
    source: str
    summary: str


def _arg_names(fn: Callable[..., Any], count: int) -> list[str]:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for i in range(count):
        name = params[i].name if i < len(params) else ""
        positional = i < len(params) and params[i].kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
        ok = positional and name.isidentifier() and not keyword.iskeyword(name)
        if not ok or is_own_name(name) or name in names or name.startswith("grad_"):
            name = f"arg{i}"
        names.append(name)
    return names


def _same(a: float, b: float) -> bool:
    return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (a != a and b != b)


class CompiledStep:
    """A step function traced once per argument shape and replayed as code.

    Call it like ``fn``, with floats and lists of floats. It returns the
    numbers ``fn`` returned (a float, or a tuple whose later items keep the
    nesting of the extra outputs) and adds the loss's gradient to every
    parameter's ``.grad``. ``source`` is the generated code of the latest
    shape compiled.
    """

    def __init__(self, fn: Callable[..., Any], backend: str = "python", loop: bool = True) -> None:
        if not callable(fn):
            raise TypeError(f"compile() needs a function, got {type(fn).__name__}")
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        if backend == "numpy":
            from engine.compiler.arrays import require_numpy

            require_numpy()
        self.fn = fn
        self.backend = backend
        self.loop = loop
        self._entries: dict[tuple[Shape, ...], _Entry] = {}
        self._last: _Entry | None = None

    def __call__(self, *args: Any) -> Any:
        nonfloat: list[bool] = []
        shapes = tuple(arg_shape(a, f"argument {i}", nonfloat) for i, a in enumerate(args))
        if nonfloat:
            args = tuple(as_floats(a, s) for a, s in zip(args, shapes))
        entry = self._entries.get(shapes)
        if entry is None:
            return self._compile(args, shapes)
        return entry.function(*args)

    def _compile(self, args: tuple[Any, ...], shapes: tuple[Shape, ...]) -> Any:
        tr = trace(self.fn, args, shapes)
        plan = make_plan(tr, shapes, loop=self.loop)
        names = _arg_names(self.fn, len(args))
        if self.backend == "numpy":
            from engine.compiler.npcode import generate_numpy

            generated = generate_numpy(plan, names)
        else:
            generated = generate(plan, names)
        result = generated.function(*args)
        _check_first_result(result, tr.loss, tr.extras, tr.is_tuple, self.backend)
        entry = _Entry(generated.function, generated.source, generated.summary)
        self._entries[shapes] = entry
        self._last = entry
        return result

    @property
    def source(self) -> str:
        """The generated code (of the shape compiled last)."""
        if self._last is None:
            raise RuntimeError("nothing compiled yet: the first call of the step traces fn")
        return self._last.source

    @property
    def traces(self) -> int:
        """How many argument shapes have been compiled."""
        return len(self._entries)

    def __repr__(self) -> str:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        if self._last is None:
            state = "not traced yet"
        else:
            shapes = f"{self.traces} shape{'s' if self.traces != 1 else ''}"
            state = f"{shapes}, last {self._last.summary}"
        return f"CompiledStep({name}, backend={self.backend!r}, {state})"


def _check_first_result(
    result: Any, loss: Value, extras: list[Any], is_tuple: bool, backend: str
) -> None:
    """The generated forward pass must reproduce the traced numbers exactly."""
    traced = [loss, *(v for item in extras for v in outputs_of(item, "an output"))]
    got = result if is_tuple else (result,)
    flat: list[float] = []

    def walk(item: Any) -> None:
        if isinstance(item, (list, tuple)):
            for v in item:
                walk(v)
        else:
            flat.append(item)

    walk(got)
    if backend == "python":
        ok = len(flat) == len(traced) and all(_same(a, v.data) for a, v in zip(flat, traced))
    else:
        ok = len(flat) == len(traced) and all(
            a == v.data
            or abs(a - v.data) <= 1e-9 * max(abs(a), abs(v.data), 1e-300)
            or (a != a and v.data != v.data)
            for a, v in zip(flat, traced)
        )
    if not ok:
        raise CompileError(
            "compile(fn): internal error: the generated step computed other numbers "
            "than fn did on the same arguments. Please report this with fn's code; "
            "run fn uncompiled meanwhile."
        )
