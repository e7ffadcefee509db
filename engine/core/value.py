"""``Value``: a scalar that remembers how it was computed.

Each op looks its rule up in :mod:`engine.core.rules`, computes the result on
plain floats and records ``(parents, rule, params)`` on the new node. Nothing
here knows any derivative; the backward pass in :mod:`engine.core.backward`
reads the rules.

A node refers to its parents only, never to itself or its children, so a
graph holds no reference cycles and is freed by reference counting the
moment its output is dropped (micrograd's per-node closures make a cycle
at every node and leave the work to the much slower cycle collector).

The module is longer than most (about 890 lines) because about 470 of them
are the op methods, ``sum``, ``dot`` and ``dot_of_values``, generated from
the table: each writes out the making of its node (about a tenth of an
op's cost was the call that did it), and they belong inside the class they
extend. The hand-written part is the node, its constructor and reprs.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

from engine.core.backward import backward as _backward_pass
from engine.core.backward import zero_grad as _zero_grad
from engine.core.convert import as_float as _as_float
from engine.core.recording import NOT_RECORDED, Off, current, current_scope
from engine.core.rules import (
    BY_SYMBOL,
    RULES,
    DomainError,
    Rule,
    safe_cos,
    safe_exp,
    safe_sigmoid,
    safe_sin,
    safe_softplus,
)

Number: TypeAlias = "int | float"
Operand: TypeAlias = "Value | int | float"

_POW, _POW_CONST, _LEAKY_RELU = RULES["pow"], RULES["pow_const"], RULES["leaky_relu"]
# --- generated from the rule table by python -m engine.core.generate: do not edit ---
_R_ADD = RULES["add"]
_R_SUB = RULES["sub"]
_R_MUL = RULES["mul"]
_R_DIV = RULES["div"]
_R_NEG = RULES["neg"]
_R_EXP = RULES["exp"]
_R_LOG = RULES["log"]
_R_SQRT = RULES["sqrt"]
_R_TANH = RULES["tanh"]
_R_SIGMOID = RULES["sigmoid"]
_R_RELU = RULES["relu"]
_R_SOFTPLUS = RULES["softplus"]
_R_ABS = RULES["abs"]
_R_SIN = RULES["sin"]
_R_COS = RULES["cos"]
_R_SUM = RULES["sum"]
_R_DOT = RULES["dot"]
# --- end of generated code ---

# Every recorded node gets the next number. A node's parents always exist
# before it does, so sorting by this number is a topological order; the
# backward pass sorts by it instead of keeping a depth-first post-order.
_seqs = itertools.count(1)
_next_seq = _seqs.__next__
# Leaves have _seq 0, except numbers that an op wrapped (the 2 in x * 2).
CONSTANT = -1

_new = object.__new__

# Every int of smaller magnitude converts to a float (2**1024 does not).
_BIG_INT = 2**1023


def _node(data: float, parents: tuple[Value, ...], rule: Rule, params: tuple[Any, ...]) -> Value:
    """Make a result node. The hot path: no checks, slots set directly."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v._mark = None
    state = current()
    if type(state) is not Off:
        v._note = ("", params) if params else ""
        v._prev = parents
        v._rule = rule
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]
        return v
    v._note = ""
    return _unrecorded(v)


def _unrecorded(v: Value) -> Value:
    """Finish a result made while recording is off: no parents, no rule."""
    v._prev = ()
    v._rule = None
    v._seq = NOT_RECORDED
    v._scope = None
    return v


def _leaf(data: float) -> Value:
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v._note = ""
    v._mark = None
    v._prev = ()
    v._rule = None
    v._seq = 0
    v._scope = None
    return v


def _constant(data: float) -> Value:
    v = _leaf(data)
    v._seq = CONSTANT  # lets drawings tell wrapped numbers from inputs
    return v


def _lift(other: Any, op: str) -> Value:
    """Wrap a plain number as a constant leaf so it can take part in an op."""
    if type(other) is float:
        data = other
    elif type(other) is int and -_BIG_INT < other < _BIG_INT:
        data = float(other)
    elif type(other) is Value:
        return other
    else:
        return _lift_other(other, op)
    # _constant(data), written out: models multiply by numbers often
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v._note = ""
    v._mark = None
    v._prev = ()
    v._rule = None
    v._seq = CONSTANT
    v._scope = None
    return v


def _lift_other(other: Any, op: str) -> Value:
    if isinstance(other, Value):
        return other
    if isinstance(other, numbers.Real):  # 10**400 gets a clear error here
        return _constant(_as_float(other, f"the operand of {op}"))
    raise TypeError(
        f"unsupported operand for {op}: Value and {type(other).__name__} "
        f"{other!r:.40}. Use a Value, an int or a float."
    )


def _apply(rule: Rule, parents: tuple[Value, ...], params: tuple[Any, ...] = ()) -> Value:
    """Run ``rule`` forward on the parents' data and record the node.

    The general form of what the generated methods below do inline.
    """
    xs = [p.data for p in parents]
    if rule.invalid is not None and rule.invalid(*xs, *params):
        raise DomainError(rule, (*xs, *params))
    return _node(rule.forward(*xs, *params), parents, rule, params)


class Value:
    """A scalar in a computation graph.

    >>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
    >>> L = a * b + a
    >>> L.backward()
    >>> a.grad, b.grad
    (-2.0, 2.0)

    ``data`` and ``grad`` are floats. ``_prev`` holds the parents in order,
    duplicates kept (``a * a`` has ``_prev == (a, a)``), and ``_op`` names
    the op that made the node ('' for a leaf).
    """

    __slots__ = ("data", "grad", "_note", "_prev", "_rule", "_seq", "_scope", "_mark")

    data: float
    grad: float
    # The label and the op's params (x ** 2 keeps the 2) share one slot: the
    # label alone, a str, or (label, params) for the few ops with params.
    # One slot fewer makes every node 96 bytes instead of 112, and the GPT
    # of benchmarks/bench_gpt.py trains about 4% faster.
    _note: str | tuple[str, tuple[Any, ...]]
    _prev: tuple[Value, ...]
    _rule: Rule | None
    _seq: int
    _scope: str | None
    _mark: object  # where the backward pass's walk has been (engine.core.graph)

    # ``v.explain(wrt)`` and ``v.draw()`` belong to the tools above the core;
    # the ``engine`` package attaches them when it is imported.
    explain: Callable[..., Any]
    draw: Callable[..., Any]

    def __init__(
        self,
        data: Number,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        self.data = _as_float(data, "Value()")
        self.grad = 0.0
        self._mark = None
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self._note = label
        children = tuple(_children)
        for child in children:
            if not isinstance(child, Value):
                raise TypeError(f"_children must be Values, got {type(child).__name__}")
        rule = BY_SYMBOL.get(_op) if children else None
        params: tuple[Any, ...] = ()
        if children and rule is None and _op.startswith("**"):
            # micrograd writes a constant power as '**2'
            text = _op[2:]
            try:
                params = (int(text) if text.lstrip("-").isdigit() else float(text),)
                rule = RULES["pow_const"]
            except ValueError:
                pass
        if rule is not None and rule.arity is not None and len(children) != rule.arity:
            raise ValueError(
                f"Value(..., _op={_op!r}) needs {rule.arity} "
                f"parent{'s' if rule.arity != 1 else ''}, got {len(children)}"
            )
        if children and rule is None:
            known = ", ".join(sorted(repr(s) for s in BY_SYMBOL))
            raise ValueError(
                f"Value(..., _op={_op!r}) has children but no derivative rule, "
                f"so backward() could not pass through it. Use one of {known}, "
                "or build the node with the Value methods."
            )
        self._prev = children
        self._rule = rule
        if params:
            self._note = (label, params)
        self._seq = _next_seq() if children else 0
        self._scope = current_scope() if children else None

    @staticmethod
    def _unchecked(rule: Rule, operands: tuple[Any, ...], params: tuple[Any, ...] = ()) -> Value:
        """Record ``rule`` on ``operands`` without its domain check.

        For derivative graphs only (``engine.core.rules.ieee_div`` and
        ``ieee_pow``): there a derivative may be inf where the op itself is
        fine, as in PyTorch, and must not raise as ``1 / 0`` typed by a user does.
        """
        parents = tuple(_lift(o, rule.symbol or rule.name) for o in operands)
        return _node(rule.forward(*[p.data for p in parents], *params), parents, rule, params)

    # --- introspection ---------------------------------------------------------

    @property
    def label(self) -> str:
        """The name drawings and explanations show for this value ('' for none)."""
        note = self._note
        return note if isinstance(note, str) else note[0]

    @label.setter
    def label(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"label must be a str, got {type(text).__name__}")
        note = self._note
        self._note = text if isinstance(note, str) else (text, note[1])

    @property
    def _ctx(self) -> tuple[Any, ...]:
        """The op's params: ``(2,)`` for ``x ** 2``, the slope of ``leaky_relu``; else ()."""
        note = self._note
        return () if isinstance(note, str) else note[1]

    @property
    def _op(self) -> str:
        rule = self._rule
        return "" if rule is None else rule.label(self._ctx)

    @property
    def scope(self) -> str | None:
        """Which module made this value, e.g. 'MLP.layers[1].neurons[3]'.

        None for values made outside any module. Parameters carry their
        module's name too.
        """
        return self._scope

    @property
    def is_leaf(self) -> bool:
        """True for inputs, parameters and constants (no recorded parents)."""
        return not self._prev

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        # The exact numbers (repr of a float is the shortest text that reads
        # back as the same float): a repr never rounds behind the user's back.
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return self.data

    def item(self) -> float:
        """The number, as PyTorch's ``Tensor.item()``."""
        return self.data

    # Ordering compares data, so ``max(values)`` and ``if loss < 0.1`` work.
    # == is left alone: Values hash by identity and live in sets and dicts.
    def __lt__(self, other: Operand) -> bool:
        return self.data < _lift(other, "<").data

    def __le__(self, other: Operand) -> bool:
        return self.data <= _lift(other, "<=").data

    def __gt__(self, other: Operand) -> bool:
        return self.data > _lift(other, ">").data

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _lift(other, ">=").data

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return _apply(_POW, (self, other))
        if not isinstance(other, numbers.Real):
            _lift(other, "**")  # raises the standard message
        if type(other) is not float:  # the exponent must fit a float (not 10**400)
            _as_float(other, "the exponent of **")
        # A constant exponent is a parameter of the op, not a parent, exactly
        # as micrograd records ``x**2`` (its _op reads '**2').
        return _apply(_POW_CONST, (self,), (other,))

    def __rpow__(self, other: Operand) -> Value:
        return _apply(_POW, (_lift(other, "**"), self))

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        slope = _as_float(negative_slope, "leaky_relu(negative_slope)")
        return _apply(_LEAKY_RELU, (self,), (slope,))

    # The ops of one or two parents, each made from its row of the table:
    # the row's formula computes the data, and the node records the rule.
    # --- generated from the rule table by python -m engine.core.generate: do not edit ---
    def __add__(self, other: Operand) -> Value:
        """``self + other``, recorded as one node (rule 'add')."""
        if type(other) is not Value:
            other = _lift(other, "+")
        a = self.data
        b = other.data
        v = _new(Value)
        v.data = a + b
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self, other)
        v._rule = _R_ADD
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def __radd__(self, other: Operand) -> Value:
        """``other + self``, recorded as one node (rule 'add')."""
        if type(other) is not Value:
            other = _lift(other, "+")
        a = other.data
        b = self.data
        v = _new(Value)
        v.data = a + b
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (other, self)
        v._rule = _R_ADD
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def __sub__(self, other: Operand) -> Value:
        """``self - other``, recorded as one node (rule 'sub')."""
        if type(other) is not Value:
            other = _lift(other, "-")
        a = self.data
        b = other.data
        v = _new(Value)
        v.data = a - b
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self, other)
        v._rule = _R_SUB
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def __rsub__(self, other: Operand) -> Value:
        """``other - self``, recorded as one node (rule 'sub')."""
        if type(other) is not Value:
            other = _lift(other, "-")
        a = other.data
        b = self.data
        v = _new(Value)
        v.data = a - b
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (other, self)
        v._rule = _R_SUB
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def __mul__(self, other: Operand) -> Value:
        """``self * other``, recorded as one node (rule 'mul')."""
        if type(other) is not Value:
            other = _lift(other, "*")
        a = self.data
        b = other.data
        v = _new(Value)
        v.data = a * b
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self, other)
        v._rule = _R_MUL
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def __rmul__(self, other: Operand) -> Value:
        """``other * self``, recorded as one node (rule 'mul')."""
        if type(other) is not Value:
            other = _lift(other, "*")
        a = other.data
        b = self.data
        v = _new(Value)
        v.data = a * b
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (other, self)
        v._rule = _R_MUL
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def __truediv__(self, other: Operand) -> Value:
        """``self / other``, recorded as one node (rule 'div')."""
        if type(other) is not Value:
            other = _lift(other, "/")
        a = self.data
        b = other.data
        if b == 0:
            raise DomainError(_R_DIV, (a, b))
        v = _new(Value)
        v.data = a / b
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self, other)
        v._rule = _R_DIV
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def __rtruediv__(self, other: Operand) -> Value:
        """``other / self``, recorded as one node (rule 'div')."""
        if type(other) is not Value:
            other = _lift(other, "/")
        a = other.data
        b = self.data
        if b == 0:
            raise DomainError(_R_DIV, (a, b))
        v = _new(Value)
        v.data = a / b
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (other, self)
        v._rule = _R_DIV
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def __neg__(self) -> Value:
        """-self, recorded as one node (rule 'neg')."""
        x = self.data
        v = _new(Value)
        v.data = -x
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_NEG
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def exp(self) -> Value:
        """exp(self), recorded as one node (rule 'exp')."""
        x = self.data
        v = _new(Value)
        v.data = safe_exp(x)
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_EXP
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def log(self) -> Value:
        """log(self), recorded as one node (rule 'log')."""
        x = self.data
        if x <= 0:
            raise DomainError(_R_LOG, (x,))
        v = _new(Value)
        v.data = math.log(x)
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_LOG
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def sqrt(self) -> Value:
        """sqrt(self), recorded as one node (rule 'sqrt')."""
        x = self.data
        if x < 0:
            raise DomainError(_R_SQRT, (x,))
        v = _new(Value)
        v.data = math.sqrt(x)
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_SQRT
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def tanh(self) -> Value:
        """tanh(self), recorded as one node (rule 'tanh')."""
        x = self.data
        v = _new(Value)
        v.data = math.tanh(x)
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_TANH
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def sigmoid(self) -> Value:
        """sigmoid(self), recorded as one node (rule 'sigmoid')."""
        x = self.data
        v = _new(Value)
        v.data = safe_sigmoid(x)
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_SIGMOID
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def relu(self) -> Value:
        """relu(self), recorded as one node (rule 'relu')."""
        x = self.data
        v = _new(Value)
        v.data = 0.0 if x <= 0 else x
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_RELU
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def softplus(self) -> Value:
        """softplus(self), recorded as one node (rule 'softplus')."""
        x = self.data
        v = _new(Value)
        v.data = safe_softplus(x)
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_SOFTPLUS
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def abs(self) -> Value:
        """abs(self), recorded as one node (rule 'abs')."""
        x = self.data
        v = _new(Value)
        v.data = abs(x)
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_ABS
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def __abs__(self) -> Value:
        """abs(self), recorded as one node (rule 'abs')."""
        x = self.data
        v = _new(Value)
        v.data = abs(x)
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_ABS
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def sin(self) -> Value:
        """sin(self), recorded as one node (rule 'sin')."""
        x = self.data
        v = _new(Value)
        v.data = safe_sin(x)
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_SIN
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    def cos(self) -> Value:
        """cos(self), recorded as one node (rule 'cos')."""
        x = self.data
        v = _new(Value)
        v.data = safe_cos(x)
        v.grad = 0.0
        v._note = ""
        v._mark = None
        state = current()
        if state is not None and type(state) is Off:  # None: recording, no scope
            return _unrecorded(v)
        v._prev = (self,)
        v._rule = _R_COS
        v._seq = next(_seqs)
        v._scope = state  # type: ignore[assignment]  # not an Off: tested above
        return v

    # --- end of generated code ---

    # --- autograd ----------------------------------------------------------------

    def backward(self, gradient: Number = 1.0) -> None:
        """Add d self / d node into ``node.grad`` for every node self depends on.

        Gradients accumulate across calls, as in PyTorch: call
        ``model.zero_grad()`` (or ``value.zero_grad()``) before the next pass.
        """
        _backward_pass(self, gradient)

    def _backward(self) -> None:
        """Apply this node's own chain-rule step: add its share to each parent's grad.

        ``backward()`` runs this for every node, output first; micrograd's
        lecture does it by hand (``o.grad = 1.0; o._backward(); n._backward()``)
        and gets the same numbers. A leaf has no step to take.
        """
        rule = self._rule
        if rule is None:
            return
        parents = self._prev
        local = rule.vjp(self.grad, self.data, *[p.data for p in parents], *self._ctx)
        for parent, amount in zip(parents, local):
            parent.grad += amount

    def zero_grad(self) -> None:
        """Set ``grad = 0.0`` on this value and every value it depends on."""
        _zero_grad(self)

    def detach(self) -> Value:
        """A new leaf with the same data (and label), cut off from the graph."""
        return Value(self.data, label=self.label)


def _each(values: Iterable[Operand], op: str) -> tuple[Value, ...]:
    """The parents of a sum: every item a Value (numbers become constants)."""
    items = tuple(values)
    for v in items:
        if type(v) is not Value:
            return tuple(_lift(v, op) for v in items)
    return items  # type: ignore[return-value]  # every item is a Value: checked above


_SEQUENCES = (list, tuple)  # what dot's fast path takes as weights and inputs


def _pairs(
    ws: Iterable[Operand], xs: Iterable[Operand], bias: Operand | None, op: str
) -> tuple[list[Value], list[Value], tuple[Value, ...], float]:
    """A dot product's weights, inputs, parents (``w1..wn, x1..xn[, bias]``) and start.

    Numbers become constants; anything else raises a TypeError, and weights
    and inputs of different lengths a ValueError.
    """
    weights = [_lift(w, op) for w in ws]
    inputs = [_lift(x, op) for x in xs]
    if len(weights) != len(inputs):
        raise ValueError(
            f"{op}() needs as many weights as inputs, "
            f"got {len(weights)} weights and {len(inputs)} inputs"
        )
    if bias is None:
        return weights, inputs, (*weights, *inputs), 0.0
    lifted = _lift(bias, op)
    return weights, inputs, (*weights, *inputs, lifted), lifted.data


# sum() and dot() build one node for many parents. A Neuron's dot is the bulk
# of an MLP's forward pass: one node instead of 2n makes both passes several
# times faster and keeps drawings readable.
# --- generated from the rule table by python -m engine.core.generate: do not edit ---
def sum(values: Iterable[Operand]) -> Value:  # noqa: A001 - engine.sum mirrors builtins.sum
    """Add many values in **one** node (rule 'sum')."""
    parents = _each(values, "sum")
    total = 0.0
    for x in parents:
        total += x.data
    if not parents:
        return _leaf(0.0)
    v = _new(Value)
    v.data = total
    v.grad = 0.0
    v._note = ""
    v._mark = None
    state = current()
    if state is not None and type(state) is Off:  # None: recording, no scope
        return _unrecorded(v)
    v._prev = parents
    v._rule = _R_SUM
    v._seq = next(_seqs)
    v._scope = state  # type: ignore[assignment]  # not an Off: tested above
    return v


def dot(ws: Iterable[Operand], xs: Iterable[Operand], bias: Operand | None = None) -> Value:
    """``bias + w1*x1 + ... + wn*xn`` as **one** node (rule 'dot')."""
    # The fast path: lists (or tuples) of Values, the bulk of an MLP's forward
    # pass. Numbers to wrap and anything else take the checked path below.
    sized = type(ws) in _SEQUENCES and type(xs) in _SEQUENCES
    if sized and len(ws) == len(xs):  # type: ignore[arg-type]
        try:
            total = 0.0 if bias is None else bias.data  # type: ignore[union-attr]
            for w, x in zip(ws, xs):
                total += w.data * x.data  # type: ignore[union-attr]
        except (AttributeError, TypeError):
            total = None
        if type(total) is float and ws:
            parents = (*ws, *xs) if bias is None else (*ws, *xs, bias)
            v = _new(Value)
            v.data = total
            v.grad = 0.0
            v._note = ""
            v._mark = None
            state = current()
            if state is not None and type(state) is Off:  # None: recording, no scope
                return _unrecorded(v)
            v._prev = parents  # type: ignore[assignment]
            v._rule = _R_DOT
            v._seq = next(_seqs)
            v._scope = state  # type: ignore[assignment]  # not an Off: tested above
            return v
    weights, inputs, parents, total = _pairs(ws, xs, bias, "dot")
    for w, x in zip(weights, inputs):
        total += w.data * x.data
    return _node(total, parents, _R_DOT, ()) if parents else _leaf(0.0)


def dot_of_values(ws: Sequence[Value], xs: Sequence[Value], bias: Value) -> Value:
    """``dot(ws, xs, bias)`` without its checks, for callers that guarantee them.

    ``ws`` and ``xs`` are sequences of Values of the same, nonzero length and
    ``bias`` is a Value, as in every neuron of ``nn``'s layers.
    """
    total = bias.data
    for w, x in zip(ws, xs):
        total += w.data * x.data
    parents = (*ws, *xs, bias)
    v = _new(Value)
    v.data = total
    v.grad = 0.0
    v._note = ""
    v._mark = None
    state = current()
    if state is not None and type(state) is Off:  # None: recording, no scope
        return _unrecorded(v)
    v._prev = parents
    v._rule = _R_DOT
    v._seq = next(_seqs)
    v._scope = state  # type: ignore[assignment]  # not an Off: tested above
    return v


# --- end of generated code ---


__all__ = ["DomainError", "Value", "dot", "dot_of_values", "sum"]
