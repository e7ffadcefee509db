"""Neurons, layers, MLPs and dropout, built only from engine ops.

Signatures, parameter order (per neuron: weights, then bias) and the default
initialisation (``random.uniform(-1, 1)`` weights, zero bias, drawn from
Python's global ``random``) are micrograd's, so a seeded micrograd model
and a seeded chainrule model start from the same weights.

On top of micrograd's three classes this module adds what a training loop
needs: ``train()``/``eval()`` modes, :class:`Dropout`, named weight
initialisers (``init=``), ``summary()``, ``state_dict()`` and
``load_state_dict()``, and ``MLP.to_torch()``.
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, NamedTuple, TypeVar, overload

from engine import Value, dot, scope
from engine.core.recording import set_scope
from nn import init as initializers

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}

# ``init=`` names and the nn.init function each one calls.
INITIALIZERS = (
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "zeros",
    "uniform",
    "normal",
)

WeightInit = Callable[[list[list[Value]]], object]
"""A weight initialiser: fills an ``[out][in]`` matrix of Values in place."""

ModuleT = TypeVar("ModuleT", bound="Module")


def _activation(name: str) -> Callable[[Value], Value] | None:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def _is_real(x: object) -> bool:
    """A real number that is not a bool (True is an int to Python)."""
    return not isinstance(x, bool) and isinstance(x, numbers.Real)


def _check_width(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def _as_inputs(x: Any, nin: int, who: Module) -> list[Value]:
    if isinstance(x, (Value, int, float)):
        x = [x]
    # Strings, dicts and sets are iterable but are never a list of inputs:
    # a dict would give its keys and a set an arbitrary order.
    unordered = isinstance(x, (str, bytes, Mapping, AbstractSet))
    try:
        if unordered:
            raise TypeError
        xs = list(x)
    except TypeError:
        raise TypeError(
            f"{who} takes a list of {nin} numbers or Values, got {type(x).__name__}"
        ) from None
    if len(xs) != nin:
        raise ValueError(
            f"{who} expects {nin} input{'s' if nin != 1 else ''}, got {len(xs)}. "
            "Check the model's input width against your data."
        )
    # Wrap plain numbers once here rather than once per neuron.
    return [v if isinstance(v, Value) else Value(v) for v in xs]


def _initializer(init: str | WeightInit) -> WeightInit:
    """The function behind ``init=``: a name from INITIALIZERS or a callable."""
    if callable(init):
        return init
    if init not in INITIALIZERS:
        raise ValueError(
            f"unknown init {init!r}; choose one of {', '.join(INITIALIZERS)}, "
            "None (micrograd's uniform(-1, 1)) or a function of the weight matrix"
        )
    fill: WeightInit = getattr(initializers, f"{init}_")
    return fill


def _initial_weights(nin: int, nout: int, init: str | WeightInit) -> list[list[Value]]:
    """An ``[nout][nin]`` matrix of fresh Values filled by ``init``."""
    fill = _initializer(init)
    weights = [[Value(0.0) for _ in range(nin)] for _ in range(nout)]
    fill(weights)
    in_place = len(weights) == nout and all(
        len(row) == nin and all(isinstance(w, Value) for w in row) for row in weights
    )
    if not in_place:
        raise TypeError(
            f"init {init!r} must fill the [{nout}][{nin}] matrix of Values in place, "
            "not replace or resize its rows"
        )
    for row in weights:
        for w in row:
            w.data = float(w.data)
    return weights


class _Row(NamedTuple):
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

        Values computed inside the module carry it as ``value.scope``, and so
        do its parameters; graph drawings use it to collapse a neuron, a
        layer or a whole model into one box.
        """
        return self._path or type(self).__name__

    def name_modules(self, prefix: str | None = None) -> None:
        """Give this module and all sub-modules their paths, starting at ``prefix``.

        Models call this when they are built; call it again (e.g.
        ``net.name_modules('Net')``) after putting modules inside your own.
        """
        self._path = prefix if prefix is not None else type(self).__name__
        for p in self.parameters():  # deeper modules re-tag their own below
            p._scope = self._path
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
        for name, number in state.items():
            if not _is_real(number):
                hint = " (use p.data for a Value's number)" if _is_value(number) else ""
                raise TypeError(
                    f"state_dict[{name!r}] must be a number, got {type(number).__name__}{hint}"
                )
        for name, p in named.items():
            p.data = float(state[name])

    # --- summary -----------------------------------------------------------------

    def summary(self, show: bool = True) -> str:
        """A per-layer table: output width, activation and parameter count.

        Prints the table unless ``show=False``, and returns it as a string.
        """
        text = _format_summary(self, self._summary_rows())
        if show:
            print(text)
        return text

    def _summary_rows(self) -> list[_Row]:
        """Rows for summary(): one per sub-module, or one for a leaf module."""
        kids = list(self.named_children())
        if not kids:
            return [_Row("", type(self).__name__, "?", "-", self.num_parameters())]
        return [
            row._replace(name=f"{name}.{row.name}" if row.name else name)
            for name, child in kids
            for row in child._summary_rows()
        ]


def _is_value(x: object) -> bool:
    return isinstance(x, Value)


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


def _format_summary(model: Module, rows: list[_Row]) -> str:
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


class Neuron(Module):
    """``act(w . x + b)``: one fused dot node, then the activation."""

    def __init__(self, nin: int, nonlin: bool = True, activation: str | None = None) -> None:
        _check_width("nin", nin)
        self._setup([Value(random.uniform(-1, 1)) for _ in range(nin)], nonlin, activation)

    @classmethod
    def with_weights(
        cls, weights: list[Value], nonlin: bool = True, activation: str | None = None
    ) -> Neuron:
        """A neuron using the given Values as its weights (no random draws)."""
        neuron = cls.__new__(cls)
        neuron._setup(weights, nonlin, activation)
        return neuron

    def _setup(self, weights: list[Value], nonlin: bool, activation: str | None) -> None:
        self.w = weights
        self.b = Value(0.0)
        self.activation = activation if activation is not None else ("relu" if nonlin else "linear")
        self._act = _activation(self.activation)
        self.nonlin = self.activation != "linear"
        self.name_modules()

    def __call__(self, x: Sequence[Value | float]) -> Value:
        xs = _as_inputs(x, len(self.w), self)
        with scope(self.path):
            return self._forward(xs)

    def _forward(self, xs: Sequence[Value]) -> Value:
        act = dot(self.w, xs, self.b)
        return act if self._act is None else self._act(act)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, w in enumerate(self.w):
            yield f"w[{i}]", w
        yield "b", self.b

    def config(self) -> dict[str, Any]:
        """The arguments that rebuild this architecture (weights aside)."""
        return {"nin": len(self.w), "activation": self.activation}

    def _summary_rows(self) -> list[_Row]:
        return [_Row("", "Neuron", "1", self.activation, self.num_parameters())]

    def __repr__(self) -> str:
        name = "ReLU" if self.activation == "relu" else self.activation.capitalize()
        return f"{name}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all see the same inputs.

    ``init`` chooses the initial weights: None is micrograd's
    ``uniform(-1, 1)`` from the global ``random``; a name from
    ``INITIALIZERS`` calls the matching ``nn.init`` function with its
    defaults; a callable gets the ``[nout][nin]`` weight matrix of Values
    to fill in place. Biases start at zero.
    """

    def __init__(
        self, nin: int, nout: int, *, init: str | WeightInit | None = None, **kwargs: Any
    ) -> None:
        _check_width("nout", nout)
        self.nin = nin
        if init is None:
            self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        else:
            _check_width("nin", nin)
            weights = _initial_weights(nin, nout, init)
            self.neurons = [Neuron.with_weights(row, **kwargs) for row in weights]
        self.name_modules()

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = self._forward(_as_inputs(x, self.nin, self))
        return out[0] if len(out) == 1 else out

    def _forward(self, xs: Sequence[Value]) -> list[Value]:
        """Every neuron's output, for inputs already checked and wrapped."""
        out = []
        outer = set_scope(None)
        try:
            for n in self.neurons:
                set_scope(n._path)  # tag this neuron's nodes with its name
                out.append(n._forward(xs))
        finally:
            set_scope(outer)
        return out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, n in enumerate(self.neurons):
            for name, p in n.named_parameters():
                yield f"neurons[{i}].{name}", p

    def config(self) -> dict[str, Any]:
        """The arguments that rebuild this architecture (weights aside)."""
        return {
            "nin": self.nin,
            "nout": len(self.neurons),
            "activation": self.neurons[0].activation,
        }

    def _summary_rows(self) -> list[_Row]:
        act = self.neurons[0].activation
        return [_Row("", "Layer", str(len(self.neurons)), act, self.num_parameters())]

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {len(self.neurons)}, {self.neurons[0].activation})"


class Dropout(Module):
    """Inverted dropout: in training, zero each unit with probability ``p``.

    Kept units are scaled by ``1 / (1 - p)`` so the expected value of every
    unit is unchanged and evaluation needs no rescaling. A dropped unit
    becomes ``x * 0.0``, so no gradient flows through it. In eval mode, or
    with ``p == 0``, the input is returned unchanged. Draws come from
    ``rng`` (a ``random.Random``), or the global ``random`` if None.
    """

    def __init__(self, p: float = 0.5, rng: random.Random | None = None) -> None:
        if not _is_real(p):
            raise TypeError(f"dropout probability p must be a number, got {type(p).__name__}")
        if not 0.0 <= p <= 1.0:  # also rejects nan
            raise ValueError(f"dropout probability p must be in [0, 1], got {p!r}")
        self.p = float(p)
        self.rng = rng

    @overload
    def __call__(self, x: Value) -> Value: ...
    @overload
    def __call__(self, x: Sequence[Value]) -> Sequence[Value]: ...

    def __call__(self, x: Value | Sequence[Value]) -> Value | Sequence[Value]:
        p = self.p
        if not self.training or p == 0.0:
            return x
        draw = (random if self.rng is None else self.rng).random
        # draw() < p has probability p; with p == 1 every unit is dropped.
        scale = 1.0 / (1.0 - p) if p < 1.0 else 0.0
        with scope(self.path):
            if isinstance(x, (Value, int, float)):
                return x * (0.0 if draw() < p else scale)
            return [v * (0.0 if draw() < p else scale) for v in x]

    def _summary_rows(self) -> list[_Row]:
        return [_Row("", repr(self), "-", "-", 0)]

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g})"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])``.

    Hidden layers use ``activation`` (ReLU by default, as in micrograd); the
    last layer is linear. A width-1 output is returned as a single Value.
    With ``dropout > 0`` a :class:`Dropout` follows every hidden layer (in
    training mode only). ``init`` is passed to every :class:`Layer`.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        dropout: float = 0.0,
        init: str | WeightInit | None = None,
    ) -> None:
        _activation(activation)
        if isinstance(nouts, int) or not list(nouts):
            raise ValueError(f"nouts must be a non-empty list of layer widths, got {nouts!r}")
        drop = Dropout(dropout)  # validates the probability
        self.activation = activation
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i], sizes[i + 1], init=init, activation=activation if i != last else "linear"
            )
            for i in range(len(nouts))
        ]
        # One Dropout module serves every hidden layer; it holds no weights.
        self.dropout = drop if drop.p > 0 and last > 0 else None
        self.name_modules()

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        # Checked once, here, so that a wrong width names the model; each
        # layer's outputs then fit the next layer by construction.
        out = _as_inputs(x, self.layers[0].nin, self)
        drop = self.dropout
        if drop is None or not drop.training:
            for layer in self.layers:  # the hot path: no dropout to apply
                out = layer._forward(out)
        else:
            last = self.layers[-1]
            for layer in self.layers:
                out = layer._forward(out)
                if layer is not last:
                    out = list(drop(out))
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"layers[{i}].{name}", p

    def config(self) -> dict[str, Any]:
        """The arguments that rebuild this architecture (weights aside)."""
        return {
            "nin": self.layers[0].nin,
            "nouts": [len(layer.neurons) for layer in self.layers],
            "activation": self.activation,
            "dropout": 0.0 if self.dropout is None else self.dropout.p,
        }

    def _summary_rows(self) -> list[_Row]:
        rows: list[_Row] = []
        for i, layer in enumerate(self.layers):
            (row,) = layer._summary_rows()
            rows.append(row._replace(name=f"layers[{i}]"))
            if self.dropout is not None and i < len(self.layers) - 1:
                rows.append(_Row("dropout", repr(self.dropout), row.width, "-", 0))
        return rows

    def to_torch(self, dtype: Any = None) -> Any:
        """An equivalent ``torch.nn.Sequential`` holding the same weights.

        Linear layers, each followed by its activation module (and Dropout
        after hidden layers when this MLP has dropout); the torch model is
        put in the same train/eval mode. ``dtype`` defaults to torch's
        default dtype, as ``torch.nn.Linear`` does; pass ``torch.float64``
        to copy the weights exactly.
        """
        try:
            import torch
        except ImportError:
            raise ImportError(
                "MLP.to_torch() needs PyTorch, which chainrule does not install: pip install torch"
            ) from None
        acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
        modules: list[Any] = []
        for i, layer in enumerate(self.layers):
            modules.append(_torch_linear(torch, layer, dtype))
            activation = layer.neurons[0].activation
            if activation != "linear":
                modules.append(acts[activation]())
            if self.dropout is not None and i < len(self.layers) - 1:
                modules.append(torch.nn.Dropout(self.dropout.p))
        return torch.nn.Sequential(*modules).train(self.training)

    def __repr__(self) -> str:
        widths = [self.layers[0].nin] + [len(layer.neurons) for layer in self.layers]
        act = self.layers[0].neurons[0].activation if len(self.layers) > 1 else "linear"
        drop = "" if self.dropout is None else f", dropout={self.dropout.p:g}"
        return (
            f"MLP({' -> '.join(map(str, widths))}, {act}{drop}, {self.num_parameters()} parameters)"
        )


def _torch_linear(torch: Any, layer: Layer, dtype: Any) -> Any:
    """``torch.nn.Linear`` with ``layer``'s weights ([out][in]) and biases."""
    # skip_init: no random initialisation, so torch's global RNG is untouched.
    linear = torch.nn.utils.skip_init(torch.nn.Linear, layer.nin, len(layer.neurons), dtype=dtype)
    with torch.no_grad():
        linear.weight.copy_(
            torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
        )
        linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
    return linear
