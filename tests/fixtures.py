"""Graphs and helpers that several test modules share (no test imports another).

* the lecture's graphs: ``L = (a*b + c) * f`` and the tanh neuron;
* one small graph per rule of the derivative table (``OP_GRAPHS``);
* a finite-difference local derivative, and an MLP's single output;
* a script's output in fresh interpreters with different hash seeds.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import engine
from engine import Value
from nn import MLP
from tests.oracle import ORACLE

ROOT = Path(__file__).resolve().parents[1]


def lecture(backward: bool = False) -> Value:
    """L = (a*b + c) * f with every node named; ``backward=True`` runs L.backward()."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    f = Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    if backward:
        L.backward()
    return L


def tanh_neuron(backward: bool = False, star: bool = False) -> Value:
    """o = tanh(x1*w1 + x2*w2 + b), the bias chosen so that o = 1/sqrt(2).

    The products are labelled ``x1w1`` (a Python name), or with ``star=True``
    ``x1*w1`` as the lecture draws them.
    """
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    times, plus = ("*", " + ") if star else ("", "")
    x1w1 = x1 * w1
    x1w1.label = f"x1{times}w1"
    x2w2 = x2 * w2
    x2w2.label = f"x2{times}w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = f"x1{times}w1{plus}x2{times}w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    if backward:
        o.backward()
    return o


# One small graph per rule, from two fresh inputs x and y (see op_graph);
# each uses its rule with fan-out where the op allows it. The keys must
# cover RULES (checked below).
OP_GRAPHS: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda x, y: x + x * 3.0 + y,
    "sub": lambda x, y: 1.5 - x - x * y,
    "mul": lambda x, y: x * x * 2.5 * y,
    "div": lambda x, y: x / y + y / x,
    "neg": lambda x, y: -(x * y) - x,
    "pow": lambda x, y: (x + 1.0) ** y + 2.0**x,
    "pow_const": lambda x, y: x**3 + x**-1.5 + x**0.5 + x**0 + (-y) ** 2,
    "exp": lambda x, y: (x * y).exp(),
    "log": lambda x, y: (x * x + 1.0).log(),
    "sqrt": lambda x, y: (x * x + y * y).sqrt() + Value(0.0).sqrt() * x,
    "tanh": lambda x, y: (x * 2.0).tanh(),
    "sigmoid": lambda x, y: (x * -2.0).sigmoid(),
    "relu": lambda x, y: x.relu() + y.relu() + (x - x).relu(),
    "leaky_relu": lambda x, y: x.leaky_relu(0.1) + y.leaky_relu() + (x - x).leaky_relu(0.3),
    "abs": lambda x, y: abs(x) + abs(y) * x + abs(x - x),
    "sin": lambda x, y: (x * 3.0).sin(),
    "cos": lambda x, y: (x * 3.0).cos(),
    "sum": lambda x, y: engine.sum([x, y, x, 2.0, y * x]),
    "dot": lambda x, y: (
        engine.dot([x, y], [y, 2.0], x) + engine.dot([x, x], [x, y]) + engine.dot([y], [y])
    ),
}


def op_graph(op: str) -> Value:
    """A small graph using ``op`` with fan-out, from two inputs x and y.

    The hand-picked graphs above also hit edge cases; any other op gets one
    made from its oracle row: the op on x and y (as many as it takes, inside
    its domain), used twice.
    """
    x, y = Value(0.7, label="x"), Value(-0.4, label="y")
    if op in OP_GRAPHS:
        return OP_GRAPHS[op](x, y)
    entry, rule = ORACLE[op], engine.RULES[op]
    parents = [x, y][: rule.arity] if rule.arity is not None else [x, y, x]
    params = entry.params[0]
    result = entry.call(entry.into_domain(parents, params), params)
    return result * x + result


def score(model: MLP, x: list[float]) -> Value:
    """The model's one output, as a Value (an MLP with one output gives one)."""
    out = model(x)
    assert isinstance(out, Value)
    return out


def fd_local(node: Value, i: int) -> float:
    """d node / d parent i by central differences on the rule's forward."""
    xs = [p.data for p in node._prev]
    h = 1e-6 * max(1.0, abs(xs[i]))
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    forward = node._rule.forward  # type: ignore[union-attr]
    return (forward(*up, *node._ctx) - forward(*down, *node._ctx)) / (2 * h)


def printed_under_two_hash_seeds(script: str) -> list[str]:
    """What ``script`` prints in two fresh interpreters (other id()s, other hash seeds)."""
    return [
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    ]
