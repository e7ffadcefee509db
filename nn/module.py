"""``Module``, the base class of every model, layer and block in ``nn``.

A module owns parameters (``parameters()``, ``named_parameters()``) and
sub-modules (found by ``named_children()``), switches between training and
evaluation (``train()``/``eval()``), names itself and its children
(``path``, e.g. ``'MLP.layers[1].neurons[3]'``, which tags every value it
computes so that drawings can collapse it into one box), reads and writes
its weights as plain numbers (``state_dict()``/``load_state_dict()``) and
prints a per-layer ``summary()``. The concrete modules live in
``nn.layers`` (``Neuron``, ``Layer``, ``Dropout``, ``MLP``) and
``nn.blocks`` (``Sequential``, ``Residual``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal, NamedTuple, TypeVar, overload

from engine import Value
from nn._checks import is_real

ModuleT = TypeVar("ModuleT", bound="Module")


class SummaryRow(NamedTuple):
    """One line of ``Module.summary()``; ``name`` is the attribute path."""

    name: str
    kind: str
    width: str
    activation: str
    params: int


class Module:
    """Base class: anything that owns parameters or sub-modules.

    ``training`` is True until ``eval()`` is called; Dropout reads it.
    """

    training: bool = True  # class default; train()/eval() set it per instance
    _path: str = ""  # set by name_modules(); see ``path``

    def __call__(self, x: Any) -> Any:
        """The forward pass; every concrete module defines its own."""
        raise NotImplementedError(f"{type(self).__name__} defines no forward pass (__call__)")

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        """Reset every parameter's ``grad`` to 0.0 before the next backward."""
        for p in self.parameters():
            p.grad = 0.0

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """``(name, parameter)`` pairs, e.g. ``('layers[0].neurons[3].w[1]', p)``.

        A subclass that only defines ``parameters()`` gets the names
        ``parameters[0]``, ``parameters[1]``, ... in that order.
        """
        for i, p in enumerate(self.parameters()):
            yield f"parameters[{i}]", p

    def num_parameters(self) -> int:
        return len(self.parameters())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.num_parameters()} parameters)"

    # --- names: every value a module makes is tagged with its path ------------

    @property
    def path(self) -> str:
        """Where this module sits, e.g. 'MLP.layers[1].neurons[3]'.

        Values computed inside the module carry it as ``value.scope``; its
        parameters carry it followed by their own name (``...neurons[3].w[1]``).
        Graph drawings use it to collapse a neuron, a
        layer or a whole model into one box.
        """
        return self._path or type(self).__name__

    def name_modules(self, prefix: str | None = None) -> None:
        """Give this module and all sub-modules their paths, starting at ``prefix``.

        Models call this when they are built; call it again (e.g.
        ``net.name_modules('Net')``) after putting modules inside your own.
        """
        self._path = prefix if prefix is not None else type(self).__name__
        # A parameter's scope is its full path, e.g. 'MLP.layers[0].neurons[3].w[1]':
        # drawings label it with that, and group it with its module (the path
        # without the last part). Deeper modules re-tag their own below.
        for name, p in self.named_parameters():
            p._scope = f"{self._path}.{name}"
        for name, child in self.named_children():
            child.name_modules(f"{self._path}.{name}")

    # --- sub-modules and modes -------------------------------------------------

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules: attributes holding a Module or a list/tuple of them."""
        for attr, value in getattr(self, "__dict__", {}).items():
            if isinstance(value, Module):
                yield attr, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{attr}[{i}]", item

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def train(self: ModuleT, mode: bool = True) -> ModuleT:
        """Set training mode on this module and every sub-module; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(
                f"train(mode) takes True or False, got {type(mode).__name__}. "
                "To fit a model to data use nn.fit(model, X, y, ...)."
            )
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self: ModuleT) -> ModuleT:
        """Evaluation mode (Dropout becomes the identity); returns self."""
        return self.train(False)

    # --- weights as plain numbers ----------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Every parameter's number, keyed by its name from ``named_parameters()``."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from ``state``, exactly; keys must match one to one.

        Nothing is changed unless every key and value checks out.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict() takes a dict, got {type(state).__name__}")
        named = dict(self.named_parameters())
        missing = [k for k in named if k not in state]
        unexpected = [k for k in state if k not in named]
        if missing or unexpected:
            raise ValueError(_mismatch_message(self, len(named), len(state), missing, unexpected))
        # Convert every number before assigning any: float() can still fail
        # (an int of 400 digits, a huge Fraction, a broken __float__), and a
        # failure halfway would leave the model half-loaded.
        numbers_by_name = {name: _state_float(name, state[name]) for name in named}
        for name, p in named.items():
            p.data = numbers_by_name[name]

    # --- summary -----------------------------------------------------------------

    @overload
    def summary(self, show: Literal[True] = True) -> None: ...
    @overload
    def summary(self, show: Literal[False]) -> str: ...
    @overload
    def summary(self, show: bool) -> str | None: ...

    def summary(self, show: bool = True) -> str | None:
        """A per-layer table: output width, activation and parameter count.

        Prints the table, as Keras does, and returns None, so a REPL or a
        notebook shows it once; ``summary(show=False)`` returns the table
        as a string instead of printing it.
        """
        text = _format_summary(self, self._summary_rows())
        if not show:
            return text
        print(text)
        return None

    def _summary_rows(self) -> list[SummaryRow]:
        """Rows for summary(): one per sub-module, or one for a leaf module."""
        kids = list(self.named_children())
        if not kids:
            return [SummaryRow("", type(self).__name__, "?", "-", self.num_parameters())]
        return [
            row._replace(name=f"{name}.{row.name}" if row.name else name)
            for name, child in kids
            for row in child._summary_rows()
        ]


def _is_value(x: object) -> bool:
    return isinstance(x, Value)


def _state_float(name: str, number: object) -> float:
    """``float(number)`` for load_state_dict, or an error naming the entry."""
    if not is_real(number):
        hint = " (use p.data for a Value's number)" if _is_value(number) else ""
        raise TypeError(f"state_dict[{name!r}] must be a number, got {type(number).__name__}{hint}")
    try:
        return float(number)  # type: ignore[arg-type]  # a numbers.Real converts
    except OverflowError:
        raise ValueError(
            f"state_dict[{name!r}] is out of float range: a parameter is a float, "
            "at most about 1.8e308 in size"
        ) from None
    except Exception as error:  # a numbers.Real whose __float__ is broken
        raise ValueError(
            f"state_dict[{name!r}] ({type(number).__name__}) cannot be converted to a float: "
            f"{type(error).__name__}: {error}"
        ) from error


def _mismatch_message(
    model: Module, n_model: int, n_state: int, missing: list[str], unexpected: list[str]
) -> str:
    def some(names: list[str]) -> str:
        shown = ", ".join(names[:5])
        return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")

    parts = [
        f"state dict does not fit {model}: the model has {n_model} parameters, "
        f"the state dict has {n_state} entries"
    ]
    if missing:
        parts.append(f"missing keys: {some(missing)}")
    if unexpected:
        parts.append(f"unexpected keys: {some(unexpected)}")
    return "; ".join(parts)


def _format_summary(model: Module, rows: list[SummaryRow]) -> str:
    headers = ("Layer (type)", "Output", "Activation", "Params")
    cells = [
        (f"{r.name} ({r.kind})" if r.name else r.kind, r.width, r.activation, f"{r.params:,}")
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        name, out, act, params = values
        return f"{name:<{widths[0]}}  {out:>{widths[1]}}  {act:<{widths[2]}}  {params:>{widths[3]}}"

    rule = "=" * len(line(headers))
    total = model.num_parameters()
    mode = "training" if model.training else "eval"
    return "\n".join(
        [
            repr(model),
            rule,
            line(headers),
            "-" * len(rule),
            *(line(c) for c in cells),
            rule,
            f"Total parameters: {total:,}   (mode: {mode})",
        ]
    )


__all__ = ["Module", "SummaryRow"]
