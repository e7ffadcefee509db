"""engine.compile(fn, backend='numpy'): eager's numbers to 1e-12, vectorised."""

from __future__ import annotations

import builtins
import math
from typing import Any, cast

import pytest

import engine
from engine import DomainError, Value
from nn import MLP, make_moons
from tests.engine.compiler.helpers import demo_loss
from tests.engine.compiler.helpers import floats as _floats
from tests.engine.compiler.helpers import leaves as _leaves

np = pytest.importorskip("numpy")


def close(a: list[float], b: list[float], scale: float = 1.0) -> None:
    """Equal to 1e-12 relative (to the largest size of the two, or ``scale``)."""
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert abs(x - y) <= 1e-12 * max(abs(x), abs(y), scale), (x, y)


def check(fn: Any, params: list[Value], *args: Any) -> engine.CompiledStep:
    step = engine.compile(fn, backend="numpy")
    for _ in range(2):
        for p in params:
            p.grad = 0.25
        got = _floats(step(*args))
        got_grads = [p.grad for p in params]
        for p in params:
            p.grad = 0.25
        result = fn(*[_leaves(a) for a in args])
        (result[0] if isinstance(result, tuple) else result).backward()
        close(got, _floats(result))
        close(got_grads, [p.grad for p in params], scale=max(abs(p.grad) for p in params))
        for p in params:
            p.data -= 0.05 * math.tanh(p.grad)
    return step


def test_micrograd_demo_step_fuses_the_layers() -> None:
    model = MLP(2, [16, 16, 1])
    X, labels = make_moons(40, noise=0.1, seed=2)
    y = [2.0 * t - 1 for t in labels]
    step = check(demo_loss(model), model.parameters(), X, y)
    assert "3 fused layers" in repr(step)
    assert "@" in step.source


def test_activations_and_elementwise_ops() -> None:
    model = MLP(3, [5, 4, 2], activation="tanh")
    a, c = Value(0.3), Value(1.7)

    def fn(X: Any, t: Any) -> Any:
        terms = []
        for x, ti in zip(X, t):
            o1, o2 = cast(list[Value], model(x))
            z = o1.sigmoid() * c + (o2 * a).exp() - (o1 - ti).abs() + (o2 + 3).log()
            z = z.leaky_relu(0.1) + (x[0] * o1) ** 2 / c - engine.sum([o1, o2, x[2]])
            terms.append(z + engine.dot([a, c], [o1, x[1]]))
        return engine.sum(terms) * (1.0 / len(terms)) + a * c, terms

    X = [[0.1 * i, -0.2 * i + 1, 0.3] for i in range(6)]
    t = [0.5, -0.5, 1.0, 0.0, 0.25, -1.0]
    step = check(fn, [*model.parameters(), a, c], X, t)
    assert "NumPy over a batch of 6" in repr(step)


def test_graphs_it_cannot_vectorise_fall_back_to_the_python_backend() -> None:
    w = Value(0.4)
    step = check(lambda xs: engine.sum([(w * x).sin() for x in xs]), [w], [1.0, 2.0, 3.0])
    assert "the Python backend" in repr(step)
    assert "no array form of 'sin'" in repr(step)
    step = check(lambda x: (w * x).tanh(), [w], 2.0)  # a single sample: no loop
    assert "the Python backend" in repr(step)


def test_domain_errors_in_array_code() -> None:
    w = Value(1.0)
    step = engine.compile(lambda xs: engine.sum([(w * x).log() for x in xs]), backend="numpy")
    step([1.0, 2.0])
    with pytest.raises(DomainError):
        step([1.0, -2.0])


def test_missing_numpy_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_numpy(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "numpy" or name.startswith("numpy."):
            raise ImportError("No module named 'numpy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_numpy)
    with pytest.raises(ImportError, match=r"chainrule\[fast\]"):
        engine.compile(lambda x: x, backend="numpy")
