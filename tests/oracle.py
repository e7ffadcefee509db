"""The test oracle: for every rule in ``engine.core.rules.RULES``, how to call it.

Each entry of :data:`ORACLE` says, for one rule,

* ``call``: how chainrule applies the op to a list of Values (plus params),
* ``torch_call``: the same op in PyTorch, on float64 tensors,
* ``sample``: a draw of valid inputs (inside the rule's domain, and away
  from kinks, so that central finite differences are meaningful),
* ``fixed``: a few hand-picked inputs that samples would rarely hit.

torch is imported lazily through :func:`require_torch`, so tests that only
need finite differences run without it.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

import engine
from engine import Value

# ---------------------------------------------------------------------------
# torch, float64 only
# ---------------------------------------------------------------------------


@functools.cache
def require_torch() -> Any:
    """The torch module, or a skip (a failure when CI=true, see conftest)."""
    torch = pytest.importorskip("torch")
    # Every tensor here is a scalar: worker threads only add overhead (the
    # higher-order tests run about ten times faster on one thread).
    torch.set_num_threads(1)
    return torch


def tensor(x: float, requires_grad: bool = True) -> Any:
    """A float64 scalar tensor: the only kind of tensor these tests use."""
    torch = require_torch()
    return torch.tensor(x, dtype=torch.float64, requires_grad=requires_grad)


def torch_grad(outputs: Any, inputs: Sequence[Any], create_graph: bool = False) -> list[Any]:
    """d outputs / d inputs, with zeros where torch has nothing to say.

    torch refuses to differentiate a tensor that does not require grad (a
    constant derivative such as d(x+y)/dx); mathematically that is zero.
    """
    torch = require_torch()
    if not outputs.requires_grad:
        return [torch.zeros((), dtype=torch.float64) for _ in inputs]
    return list(
        torch.autograd.grad(
            outputs,
            list(inputs),
            create_graph=create_graph,
            retain_graph=True,  # callers differentiate several outputs of one graph
            allow_unused=True,
            materialize_grads=True,
        )
    )


# ---------------------------------------------------------------------------
# one entry per rule
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """Inputs for one application of a rule.

    ``xs`` are the parents' data in the rule's order, ``params`` its
    constants. ``fd`` lists the inputs along which the op is smooth enough
    for finite differences (None: all of them).
    """

    xs: tuple[float, ...]
    params: tuple[Any, ...] = ()
    fd: tuple[int, ...] | None = None

    def fd_inputs(self) -> tuple[int, ...]:
        return tuple(range(len(self.xs))) if self.fd is None else self.fd


def _anything(xs: list[Any], params: tuple[Any, ...]) -> list[Any]:
    return xs


@dataclass(frozen=True)
class OracleEntry:
    """How to call one op, in chainrule and in PyTorch, and on which inputs.

    ``params`` lists the constants random graphs may use (one tuple each);
    ``into_domain`` maps arbitrary inputs (Values or tensors, with the
    operators both have) into the op's domain, for random graphs.
    """

    call: Callable[[Sequence[Value], tuple[Any, ...]], Value]
    torch_call: Callable[[Any, Sequence[Any], tuple[Any, ...]], Any]
    sample: Callable[[random.Random], Case]
    fixed: tuple[Case, ...] = ()
    params: tuple[tuple[Any, ...], ...] = ((),)
    into_domain: Callable[[list[Any], tuple[Any, ...]], list[Any]] = _anything


def _uniform(lo: float, hi: float) -> Callable[[random.Random], float]:
    return lambda rng: rng.uniform(lo, hi)


def _away_from_zero(lo: float, hi: float) -> Callable[[random.Random], float]:
    """|x| in [lo, hi], either sign: for kinks at 0 and divisors."""
    return lambda rng: rng.choice((-1.0, 1.0)) * rng.uniform(lo, hi)


def _unary(draw: Callable[[random.Random], float]) -> Callable[[random.Random], Case]:
    return lambda rng: Case((draw(rng),))


def _binary(
    draw_a: Callable[[random.Random], float], draw_b: Callable[[random.Random], float]
) -> Callable[[random.Random], Case]:
    return lambda rng: Case((draw_a(rng), draw_b(rng)))


def _sample_pow(rng: random.Random) -> Case:
    if rng.random() < 0.75:
        return Case((rng.uniform(0.2, 3.0), rng.uniform(-3.0, 3.0)))
    # A negative base needs an integer exponent; the op is not defined for
    # nearby exponents, so no finite differences along b.
    return Case((-rng.uniform(0.2, 3.0), float(rng.randint(-3, 3))), fd=(0,))


_CONST_EXPONENTS = (2, 3, -1, -2, 0, 1, 0.5, -0.5, 1.5, 2.7, -1.3)


def _sample_pow_const(rng: random.Random) -> Case:
    k = rng.choice(_CONST_EXPONENTS)
    if isinstance(k, int):
        return Case((rng.choice((-1.0, 1.0)) * rng.uniform(0.2, 3.0),), (k,))
    return Case((rng.uniform(0.2, 3.0),), (k,))


def _sample_leaky_relu(rng: random.Random) -> Case:
    slope = rng.choice((0.01, 0.1, 0.2, 0.5, 1.5))
    return Case((_away_from_zero(0.1, 3.0)(rng),), (slope,))


def _sample_sum(rng: random.Random) -> Case:
    return Case(tuple(rng.uniform(-3.0, 3.0) for _ in range(rng.randint(1, 6))))


def _sample_dot(rng: random.Random) -> Case:
    n = rng.randint(1, 4)
    size = 2 * n + (1 if rng.random() < 0.5 else 0)
    return Case(tuple(rng.uniform(-3.0, 3.0) for _ in range(size)))


def _dot_call(vs: Sequence[Value], params: tuple[Any, ...]) -> Value:
    n = len(vs) // 2
    bias = vs[-1] if len(vs) % 2 else None
    return engine.dot(vs[:n], vs[n : 2 * n], bias)


def _torch_dot(torch: Any, ts: Sequence[Any], params: tuple[Any, ...]) -> Any:
    n = len(ts) // 2
    out = (torch.stack(list(ts[:n])) * torch.stack(list(ts[n : 2 * n]))).sum()
    return out + ts[-1] if len(ts) % 2 else out


ORACLE: dict[str, OracleEntry] = {
    # arithmetic
    "add": OracleEntry(
        lambda v, p: v[0] + v[1],
        lambda torch, t, p: t[0] + t[1],
        _binary(_uniform(-3, 3), _uniform(-3, 3)),
    ),
    "sub": OracleEntry(
        lambda v, p: v[0] - v[1],
        lambda torch, t, p: t[0] - t[1],
        _binary(_uniform(-3, 3), _uniform(-3, 3)),
    ),
    "mul": OracleEntry(
        lambda v, p: v[0] * v[1],
        lambda torch, t, p: t[0] * t[1],
        _binary(_uniform(-3, 3), _uniform(-3, 3)),
        fixed=(Case((0.0, 2.5)),),
    ),
    "div": OracleEntry(
        lambda v, p: v[0] / v[1],
        lambda torch, t, p: t[0] / t[1],
        _binary(_uniform(-3, 3), _away_from_zero(0.3, 3.0)),
        fixed=(Case((0.0, -2.0)), Case((1e-3, 1e3))),
        into_domain=lambda xs, p: [xs[0], abs(xs[1]) + 0.5],
    ),
    "neg": OracleEntry(
        lambda v, p: -v[0],
        lambda torch, t, p: -t[0],
        _unary(_uniform(-3, 3)),
    ),
    "pow": OracleEntry(
        lambda v, p: v[0] ** v[1],
        lambda torch, t, p: t[0] ** t[1],
        _sample_pow,
        fixed=(
            Case((2.0, 0.0)),
            Case((0.5, 3.0)),
            Case((-2.0, 3.0), fd=(0,)),
            Case((-1.5, -2.0), fd=(0,)),
        ),
        into_domain=lambda xs, p: [abs(xs[0]) + 0.5, xs[1]],
    ),
    "pow_const": OracleEntry(
        lambda v, p: v[0] ** p[0],
        lambda torch, t, p: t[0] ** p[0],
        _sample_pow_const,
        fixed=(
            Case((-2.0,), (3,)),
            Case((-2.0,), (3.0,)),
            Case((0.0,), (2,)),
            Case((0.0,), (1,)),
            Case((5.0,), (0,)),
        ),
        params=tuple((k,) for k in (2, 3, -1.5, -1, -0.5, 0.5, 1.5)),
        # integer exponents may meet any base; the others get a positive one
        into_domain=lambda xs, p: xs if isinstance(p[0], int) and p[0] > 0 else [abs(xs[0]) + 0.5],
    ),
    # exponentials and logarithms
    "exp": OracleEntry(
        lambda v, p: v[0].exp(),
        lambda torch, t, p: t[0].exp(),
        _unary(_uniform(-3, 3)),
    ),
    "log": OracleEntry(
        lambda v, p: v[0].log(),
        lambda torch, t, p: t[0].log(),
        _unary(_uniform(0.2, 5.0)),
        fixed=(Case((1.0,)), Case((1e-3,))),
        into_domain=lambda xs, p: [abs(xs[0]) + 0.5],
    ),
    "sqrt": OracleEntry(
        lambda v, p: v[0].sqrt(),
        lambda torch, t, p: t[0].sqrt(),
        _unary(_uniform(0.1, 5.0)),
        fixed=(Case((4.0,)),),
        into_domain=lambda xs, p: [xs[0] * xs[0] + 0.1],
    ),
    # activations
    "tanh": OracleEntry(
        lambda v, p: v[0].tanh(),
        lambda torch, t, p: t[0].tanh(),
        _unary(_uniform(-4, 4)),
    ),
    "sigmoid": OracleEntry(
        lambda v, p: v[0].sigmoid(),
        lambda torch, t, p: t[0].sigmoid(),
        _unary(_uniform(-6, 6)),
        fixed=(Case((0.0,)), Case((-30.0,)), Case((30.0,))),
    ),
    "relu": OracleEntry(
        lambda v, p: v[0].relu(),
        lambda torch, t, p: t[0].relu(),
        _unary(_away_from_zero(0.1, 3.0)),
    ),
    "leaky_relu": OracleEntry(
        lambda v, p: v[0].leaky_relu(*p),
        lambda torch, t, p: torch.nn.functional.leaky_relu(t[0], *p),
        _sample_leaky_relu,
        params=((0.01,), (0.1,), (0.3,)),
    ),
    "softplus": OracleEntry(
        lambda v, p: v[0].softplus(),
        lambda torch, t, p: torch.nn.functional.softplus(t[0]),
        _unary(_uniform(-6, 6)),
        fixed=(Case((0.0,)), Case((-30.0,)), Case((19.5,)), Case((20.5,)), Case((40.0,))),
    ),
    "abs": OracleEntry(
        lambda v, p: v[0].abs(),
        lambda torch, t, p: t[0].abs(),
        _unary(_away_from_zero(0.1, 3.0)),
    ),
    # trigonometry
    "sin": OracleEntry(
        lambda v, p: v[0].sin(),
        lambda torch, t, p: t[0].sin(),
        _unary(_uniform(-5, 5)),
    ),
    "cos": OracleEntry(
        lambda v, p: v[0].cos(),
        lambda torch, t, p: t[0].cos(),
        _unary(_uniform(-5, 5)),
    ),
    # reductions
    "sum": OracleEntry(
        lambda v, p: engine.sum(v),
        lambda torch, t, p: torch.stack(list(t)).sum(),
        _sample_sum,
        fixed=(Case((1.5,)), Case((1.0, -2.0, 3.0, -4.0, 5.0, 0.25))),
    ),
    "dot": OracleEntry(
        _dot_call,
        _torch_dot,
        _sample_dot,
        fixed=(
            Case((1.0, 2.0, 3.0, 4.0, 5.0, 6.0)),  # n = 3, no bias
            Case((1.0, 2.0, 3.0, 4.0, 5.0)),  # n = 2, with bias
            Case((0.5, -1.5, 2.0)),  # n = 1, with bias
        ),
    ),
}

SAMPLES_PER_RULE = 20


def cases(name: str) -> list[Case]:
    """The fixed cases of a rule and a reproducible batch of samples."""
    entry = ORACLE[name]
    rng = random.Random(f"chainrule-{name}")
    return [*entry.fixed, *(entry.sample(rng) for _ in range(SAMPLES_PER_RULE))]


def apply(name: str, case: Case) -> tuple[list[Value], Value]:
    """Fresh leaves for ``case`` and the result of the op on them."""
    leaves = [Value(x) for x in case.xs]
    return leaves, ORACLE[name].call(leaves, case.params)


def apply_torch(name: str, case: Case) -> tuple[list[Any], Any]:
    leaves = [tensor(x) for x in case.xs]
    return leaves, ORACLE[name].torch_call(require_torch(), leaves, case.params)


def central_difference(f: Callable[[list[float]], float], xs: Sequence[float], i: int) -> float:
    """d f / d xs[i] by a central difference with a step scaled to xs[i]."""
    h = 1e-6 * max(1.0, abs(xs[i]))
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (f(up) - f(down)) / (up[i] - down[i])
