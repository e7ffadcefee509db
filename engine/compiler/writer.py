"""Names in the generated code, and the texts of values and gradients.

A value is named as :func:`engine.teach.source.backward_source` names it:
its label when that is a usable identifier no other value in the code
carries, else ``v<k>``. :class:`Writer` gives the text that reads a value
or accumulates its gradient, inside the sample loop or outside it.
"""

from __future__ import annotations

import re
from collections import Counter

from engine.compiler.formulas import literal
from engine.compiler.plan import Plan
from engine.core.value import CONSTANT, Value
from engine.teach.names import _is_identifier as usable_name

# Names the generated function uses for itself; a value's name must differ.
_OWN_NAME = re.compile(
    r"(F|I|R)_\w+|(OUT|GOUT|V|GV|B|GB|W|GX|XA|XIN|WIDX|BIDX|COLS)\d+|PARAMS|PLIST|PARAMS_WITH_GRAD"
    r"|SAVED|PARAM|GRAD|EXTRA|DomainError|GP|PD|SIGMOID|POW_INVALID|np|math|k|ROW|SKIP"
    r"|SHARED_OK|GLIST|NEGATIVE_ZERO|math|safe_\w+|ieee_pow|pow_undefined"
)


def is_own_name(name: str) -> bool:
    return bool(_OWN_NAME.fullmatch(name))


def names_for(plan: Plan, arg_names: list[str]) -> dict[Value, str]:
    """Each value's name in the code: its label, as backward_source names it.

    A value's label when it is a usable identifier that no other value in
    the code carries, else ``v<k>``, numbering the parameters, then the
    argument values, then the nodes in the order they were made. Inside
    the loop the first sample's values stand for every sample's.
    """
    nodes = [*plan.template, *plan.outside] if plan.looped else plan.nodes
    everything = [*plan.params, *plan.trace.inputs, *sorted(nodes, key=_creation)]
    counts = Counter(v.label for v in everything if v.label)
    names: dict[Value, str] = {}
    taken = set(counts)
    for k, v in enumerate(everything):
        label = v.label
        if label and counts[label] == 1 and usable_name(label):
            name = label
            if name in arg_names or is_own_name(name):
                while name in taken or name in arg_names or is_own_name(name):
                    name += "_"
                taken.add(name)
        else:
            name = f"v{k}"
            while name in taken:
                name += "_"
        names[v] = name
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
