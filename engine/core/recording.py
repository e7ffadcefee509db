"""The recording switches: does an op record the graph, and under which scope?

``no_grad()`` turns recording off (evaluation, parameter updates),
``enable_grad()`` turns it back on inside such a block, and ``scope(name)``
tags every node recorded meanwhile with ``name`` (``nn`` modules do this, so
drawings can fold a neuron, a layer or a model into one box).

Both switches live in one :class:`contextvars.ContextVar`, so they are per
thread and per asyncio task, as PyTorch's grad mode is per thread: a
``no_grad`` block in one thread never turns recording off in another, and
blocks that overlap in time cannot leave the switch in the wrong state.

The hot path reads the state once per node (:func:`current`). Its value is
the scope itself (a ``str``, or ``None`` outside any scope) while recording,
and an :class:`Off` holding the scope while not: one ``ContextVar.get()``
and one type test decide both questions.
"""

from __future__ import annotations

from contextlib import ContextDecorator
from contextvars import ContextVar

# The creation number (``Value._seq``) of a result computed while recording was
# off: it keeps no parents, and backward() says why instead of doing nothing.
NOT_RECORDED = -2


class Off:
    """The state inside ``no_grad``: nothing is recorded; ``scope`` is kept for later."""

    __slots__ = ("scope",)

    def __init__(self, scope: str | None) -> None:
        self.scope = scope

    def __repr__(self) -> str:
        return f"Off(scope={self.scope!r})"


_STATE: ContextVar[str | Off | None] = ContextVar("chainrule_recording", default=None)

# Bound once: the per-node read on the hot path.
current = _STATE.get


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default), False inside ``no_grad``."""
    return type(current()) is not Off


def current_scope() -> str | None:
    """The name that new nodes are tagged with, or None."""
    state = current()
    return state.scope if type(state) is Off else state  # type: ignore[return-value]


def _publish(enabled: bool, scope: str | None) -> None:
    _STATE.set(scope if enabled else Off(scope))


def set_scope(name: str | None) -> str | None:
    """Make ``name`` the current scope and return the previous one.

    The fast, low-level form of :func:`scope`, for code that enters and
    leaves a scope many times per step (a layer, for each of its neurons):
    ``previous = set_scope(name); ...; set_scope(previous)``.
    """
    # One read and one write of the state: nn's layers call this twice per
    # neuron, so it is on the hot path of every MLP.
    state = current()
    if type(state) is Off:
        _STATE.set(Off(name))
        return state.scope
    _STATE.set(name)
    return state  # type: ignore[return-value]


# The grad switches active in this thread or task, innermost last. Each entry
# is (switch, on). The state is recomputed from this stack whenever a switch
# is entered or left, so switches may be left in any order (a generator
# suspended inside ``no_grad`` and finished later, blocks of two tasks
# interleaving) and the state afterwards is still right.
_SWITCHES: ContextVar[tuple[tuple[_Switch, bool], ...]] = ContextVar(
    "chainrule_switches", default=()
)


class _Switch(ContextDecorator):
    """A reusable context manager and decorator that turns recording on or off.

    Like PyTorch's ``torch.no_grad``, one object can be entered many times,
    nested, from several threads, and can decorate a function.
    """

    _on: bool

    def __enter__(self) -> None:
        _SWITCHES.set((*_SWITCHES.get(), (self, self._on)))
        _publish(self._on, current_scope())

    def __exit__(self, *exc: object) -> None:
        stack = list(_SWITCHES.get())
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] is self:
                del stack[i]
                break
        else:
            raise RuntimeError(f"{self!r} was exited without being entered in this thread")
        _SWITCHES.set(tuple(stack))
        _publish(stack[-1][1] if stack else True, current_scope())

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class no_grad(_Switch):
    """Inside this block ops compute values but record no graph.

    Use it for evaluation and for parameter updates. Per thread and per
    asyncio task; reusable (``ng = no_grad(); with ng: ...; with ng: ...``)
    and usable as a decorator (``@no_grad()``), as in PyTorch.
    """

    _on = False


class enable_grad(_Switch):
    """Record the graph again inside a ``no_grad`` block (also a decorator)."""

    _on = True


class scope(ContextDecorator):
    """Tag every value recorded in this block with ``name``.

    ``nn`` modules do this for you; use it to name your own building
    blocks, e.g. ``with engine.scope('attention'): ...``. Per thread and
    per asyncio task, like ``no_grad``; usable as a decorator.
    """

    def __init__(self, name: str | None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"scope() takes a name (str) or None, got {type(name).__name__}")
        self.name = name
        self._previous: list[str | None] = []

    def __enter__(self) -> None:
        self._previous.append(set_scope(self.name))

    def __exit__(self, *exc: object) -> None:
        set_scope(self._previous.pop())

    def _recreate_cm(self) -> scope:
        # As a decorator, a fresh block per call: ``_previous`` belongs to one
        # thread's nesting, and two threads may call the decorated function.
        return scope(self.name)

    def __repr__(self) -> str:
        return f"scope({self.name!r})"
