"""Names in the generated code, and the texts of values and gradients.

Values are named as every teaching tool names them (:mod:`engine.teach.names`),
so the code reads like the drawing. :class:`Writer` gives the text that
reads a value or accumulates its gradient, inside the sample loop or
outside it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from engine.compiler.formulas import literal
from engine.compiler.plan import Plan
from engine.core.codegen import HELPERS
from engine.core.rules import FORWARD_HELPERS
from engine.core.value import CONSTANT, Value
from engine.teach.names import identifier_names, name_values

# Names the generated function uses for itself; a value's name must differ.
_OWN_NAME = re.compile(
    r"(F|I|R)_\w+|(OUT|GOUT|V|GV|B|GB|W|GX|XA|XIN|WIDX|BIDX|COLS)\d+|PARAMS|PLIST|PARAMS_WITH_GRAD"
    r"|SAVED|PARAM|GRAD|EXTRA|DomainError|GP|PD|SIGMOID|POW_INVALID|np|math|k|ROW|SKIP"
    r"|SHARED_OK|GLIST|NEGATIVE_ZERO|math|safe_\w+|ieee_pow|pow_undefined"
)


def is_own_name(name: str) -> bool:
    return bool(_OWN_NAME.fullmatch(name))


def names_for(plan: Plan, arg_names: list[str]) -> dict[Value, str]:
    """Each value's name in the code, as the drawings and explain name it.

    The names of :mod:`engine.teach.names` (a label, a parameter's path in
    its model, ``mul3``, ``relu12``...) as Python identifiers, given to the
    values the code mentions: the parameters, the arguments' values, and the
    nodes in the order they were made. Inside the loop the first sample's
    values stand for every sample's.
    """
    nodes = [*plan.template, *plan.outside] if plan.looped else plan.nodes
    everything = [*plan.params, *plan.trace.inputs, *sorted(nodes, key=_creation)]
    reserved = (*HELPERS, *FORWARD_HELPERS, "float", "engine", *arg_names)
    names = identifier_names(name_values(everything), reserved=reserved)
    taken = set(names.values())
    for v, name in names.items():
        if is_own_name(name):
            while name in taken or is_own_name(name) or name in arg_names:
                name += "_"
            names[v] = name
            taken.add(name)
    return names


def _creation(v: Value) -> int:
    return v._seq


class Writer:
    """Expressions for values and gradients, inside or outside the loop."""

    def __init__(self, plan: Plan, names: dict[Value, str], arg_names: list[str]) -> None:
        self.plan = plan
        self.names = names
        self.args = arg_names
        self.exits: dict[int, str] = {}  # template position -> list of its values
        self.grad_exits: dict[int, str] = {}
        self.used_params: list[Value] = []
        self.used: set[Value] = set()
        self.param_set = set(plan.params)
        self.inputs = plan.trace.inputs
        self.assigned: set[str] = set()  # gradients started outside the loop
        self.loop_inits: list[str] = []  # ... and those to start before it
        # Parameters' gradients live in GLIST until the first line that adds
        # to one of them as a local; that line is preceded by the unpacking.
        self.locals_live = False
        self.unpack_here = False
        self.constants: dict[str, object] = {}  # tables the code reads (FOLD0, ...)

    def path(self, leaf: Value, in_loop: bool) -> str:
        path = self.inputs[leaf]
        indices = list(path[1:])
        if in_loop and path[0] in self.plan.batched:
            indices[0] = "k"  # type: ignore[call-overload]
        return self.args[path[0]] + "".join(f"[{i}]" for i in indices)

    def value(self, v: Value, in_loop: bool) -> str:
        if not v._prev:
            if v._seq == CONSTANT and v not in self.param_set:
                return literal(v.data)
            if v in self.inputs:
                if in_loop and self.inputs[v][0] in self.plan.batched:
                    return self.names[v]
                return self.path(v, False)
            return self.names[v]
        spot = self.plan.where.get(v)
        if spot is None or in_loop:
            return self.names[v]
        k, t = spot
        return f"{self._exit(t)}[{k}]"

    def _exit(self, t: int) -> str:
        if t not in self.exits:
            self.exits[t] = f"OUT{t}"
        return self.exits[t]

    def grad(self, v: Value, in_loop: bool) -> str | None:
        """Where v's gradient is accumulated, or None if nobody needs it."""
        if not v._prev:
            if v in self.param_set:
                if v not in self.used:
                    self.used.add(v)
                    self.used_params.append(v)
                if not self.locals_live:  # the gradients' locals start here
                    self.locals_live = True
                    self.unpack_here = True
                return f"grad_{self.names[v]}"
            return None
        if v not in self.plan.needs_grad:
            return None
        spot = self.plan.where.get(v)
        if spot is None or in_loop:
            return f"grad_{self.names[v]}"
        k, t = spot
        self._exit(t)
        self.grad_exits.setdefault(t, f"GOUT{t}")
        return f"{self.grad_exits[t]}[{k}]"


# --- texts ----------------------------------------------------------------------------
def getter(indices: list[int]) -> Callable[[list[float]], tuple[float, ...]]:
    """A function picking these items of a list, as a tuple (even of one)."""
    if len(indices) < 2:
        return lambda items: tuple(items[i] for i in indices)
    return operator.itemgetter(*indices)


def natural_grad(name: str) -> tuple[int, str]:
    return natural(name.removeprefix("grad_"))


def natural(name: str) -> tuple[int, str]:
    m = re.fullmatch(r"v(\d+)", name)
    return (int(m.group(1)), "") if m else (-1, name)


def wrap(items: list[str], indent: str, width: int = 88) -> list[str]:
    lines: list[str] = []
    current = indent
    for item in items:
        piece = item + ","
        if len(current) + len(piece) + 1 > width and current.strip():
            lines.append(current.rstrip())
            current = indent
        current += piece + " "
    if current.strip():
        lines.append(current.rstrip())
    return lines


def unpack_lines(targets: list[str], source: str) -> list[str]:
    if len(targets) == 1:
        return [f"    ({targets[0]},) = {source}"]
    return ["    (", *wrap(targets, "        "), f"    ) = {source}"]


def result_expression(w: Writer, plan: Plan) -> str:
    def text(item: Any) -> str:
        if isinstance(item, Value):
            return w.value(item, False)
        inner = ", ".join(text(v) for v in item)
        if isinstance(item, tuple):
            return f"({inner}{',' if len(item) == 1 else ''})"
        return f"[{inner}]"

    tr = plan.trace
    if tr.extras or tr.is_tuple:
        return text((tr.loss, *tr.extras))
    return text(tr.loss)
