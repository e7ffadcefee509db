"""engine.compile: the compiled step returns and adds exactly what eager does."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any, cast

import pytest

import engine
from engine import DomainError, Value
from engine.compiler import CompileError
from nn import MLP, make_moons
from tests.engine.compiler.helpers import assert_same, demo_loss
from tests.engine.compiler.helpers import floats as _floats
from tests.engine.compiler.helpers import leaves as _leaves


def _bits(x: float) -> tuple[bool, str]:
    return (x != x, "nan" if x != x else x.hex())


def eager(
    fn: Callable[..., Any], params: list[Value], *args: Any
) -> tuple[list[float], list[float]]:
    """fn on fresh Values, then backward(): its numbers and the params' grads."""
    result = fn(*[_leaves(a) for a in args])
    loss = result[0] if isinstance(result, tuple) else result
    loss.backward()
    return _floats(result), [p.grad for p in params]


def compiled(
    step: Callable[..., Any], params: list[Value], *args: Any
) -> tuple[list[float], list[float]]:
    return _floats(step(*args)), [p.grad for p in params]


def both(fn: Callable[..., Any], params: list[Value], *args: Any, **kw: Any) -> engine.CompiledStep:
    """Compile fn, call it twice, and compare each call with eager bit for bit."""
    step = engine.compile(fn, **kw)
    start = [random.uniform(-1, 1) for _ in params]  # grads already there add up exactly
    for _ in range(2):
        for p, g in zip(params, start):
            p.grad = g
        want = eager(fn, params, *args)
        for p, g in zip(params, start):
            p.grad = g
        got = compiled(step, params, *args)
        assert_same(got[0], want[0])
        assert_same(got[1], want[1])
        for p in params:  # a small step, so the second call sees new weights
            p.data -= 0.01 * math.tanh(p.grad)
    return step


# --- micrograd's demo step ------------------------------------------------------------


def demo(
    n: int, widths: list[int]
) -> tuple[MLP, Callable[..., Any], list[list[float]], list[float]]:
    model = MLP(2, widths)
    X, labels = make_moons(n, noise=0.1, seed=1)
    y = [2.0 * t - 1 for t in labels]
    return model, demo_loss(model), X, y


def test_micrograd_demo_step_is_exact_and_looped() -> None:
    model, loss_fn, X, y = demo(12, [8, 8, 1])
    step = both(loss_fn, model.parameters(), X, y)
    assert "a loop over 12 samples" in repr(step)
    assert "for k in range(12)" in step.source


def test_written_out_without_a_loop_is_exact_too() -> None:
    model, loss_fn, X, y = demo(6, [4, 1])
    step = both(loss_fn, model.parameters(), X, y, loop=False)
    assert "written out" in repr(step)
    assert "for k in" not in step.source


def test_full_demo_trajectory_matches_eager() -> None:
    random.seed(3)
    model, loss_fn, X, y = demo(100, [16, 16, 1])
    twin = MLP(2, [16, 16, 1])
    for a, b in zip(twin.parameters(), model.parameters()):
        a.data = b.data
    step = engine.compile(loss_fn)
    for k in range(3):
        model.zero_grad()
        twin.zero_grad()
        got = step(X, y)[0]
        loss = demo_loss(twin)(_leaves(X), _leaves(y))[0]
        loss.backward()
        assert got == loss.data
        assert [p.grad for p in model.parameters()] == [p.grad for p in twin.parameters()]
        lr = 1.0 - 0.9 * k / 100
        for p, q in zip(model.parameters(), twin.parameters()):
            p.data -= lr * p.grad
            q.data -= lr * q.grad
    assert "loop over 100 samples" in repr(step)
    assert "a sum over the 100 samples, in a loop" in step.source


# --- every op -------------------------------------------------------------------------


def test_every_op_matches_eager_bit_for_bit() -> None:
    a, b, c = Value(0.7, label="a"), Value(-1.3, label="b"), Value(2.1, label="c")
    params = [a, b, c]

    def fn(xs: Any, t: Any, hoisted: bool = True) -> Any:
        # values of the parameters alone, made once (or per sample: see below)
        once = [b / c, (c * c).sqrt(), c * c + 1, 2 ** (a * 0.1) + 1 / (c + 3)]
        terms = []
        for x, ti in zip(xs, t):
            bc, root, base, tail = once if hoisted else [b / c, (c * c).sqrt(), c * c + 1, once[3]]
            u = x[0] * a + bc - x[1]
            v = (u.tanh() + u.sigmoid() * u.exp().log() + root) ** 2
            w = abs(u).leaky_relu(0.2) + u.sin() * u.cos() - (-u).relu() + base ** x[1]
            z = engine.dot([a, b], [v, w]) + engine.dot([a, c], [u, x[0]], b)
            terms.append((z - ti) ** 2 + tail)
        return engine.sum(terms) / len(terms) + a * a, terms

    xs = [[0.3, 1.5], [-0.8, 2.0], [1.2, -0.5], [0.0, 1.0]]
    t = [0.5, -1.0, 2.0, 0.25]
    assert "loop over 4" in repr(both(fn, params, xs, t))
    both(fn, params, xs, t, loop=False)
    # Parameter-only values remade inside every sample: exact, written out.
    step = both(lambda xs, t: fn(xs, t, hoisted=False), params, xs, t)
    assert "written out" in repr(step)


def test_fan_out_and_a_value_used_twice() -> None:
    a = Value(1.5)

    def fn(x: Any) -> Any:
        b = a * x
        c = b * b + b  # b used three times
        return c + c * a

    both(fn, [a], 0.75)
    both(fn, [a], -2.0)


def test_negative_zero_gradients_come_out_as_eager_makes_them() -> None:
    a = Value(-0.0)

    def fn(x: Any) -> Any:
        return (a * x).relu() + a * 0.0

    step = engine.compile(fn)
    a.grad = -0.0
    step(-0.0)
    got = a.grad
    a.grad = -0.0
    fn(Value(-0.0)).backward()
    assert _bits(got) == _bits(a.grad)


# --- shapes and arguments ---------------------------------------------------------------


def test_another_argument_shape_is_traced_again() -> None:
    model, loss_fn, X, y = demo(8, [4, 1])
    step = both(loss_fn, model.parameters(), X, y)
    both(loss_fn, model.parameters(), X[:5], y[:5])
    step(X[:5], y[:5])
    step(X, y)
    assert step.traces == 2


def test_ints_are_taken_as_floats_and_scalars_are_shared() -> None:
    w = Value(0.5)

    def fn(xs: Any, scale: Any) -> Any:
        return engine.sum([(w * x * scale - 1) ** 2 for x in xs])

    step = engine.compile(fn)
    assert step([1, 2, 3], 2) == step([1.0, 2.0, 3.0], 2.0)
    assert step.traces == 1
    both(fn, [w], [1.0, -2.0, 3.0], 0.5)


def test_bad_arguments_are_refused_clearly() -> None:
    step = engine.compile(lambda x: x * 2)
    with pytest.raises(TypeError, match="is a Value"):
        step(Value(1.0))
    with pytest.raises(TypeError, match="str"):
        step("1.0")


def test_returns_keep_their_shape() -> None:
    w = Value(2.0)
    assert engine.compile(lambda x: w * x)(3.0) == 6.0
    assert engine.compile(lambda x: (w * x,))(3.0) == (6.0,)
    out = engine.compile(lambda xs: (w * xs[0], [w * x for x in xs], (w, w + 1)))([1.0, 2.0])
    assert out == (2.0, [2.0, 4.0], (2.0, 3.0))
    with pytest.raises(CompileError, match="must return the loss"):
        engine.compile(lambda x: 1.0)(3.0)
    with pytest.raises(CompileError, match="returned str"):
        engine.compile(lambda x: (w * x, "no"))(3.0)


def test_domain_errors_are_raised_on_replay() -> None:
    w = Value(1.0)
    step = engine.compile(lambda x: (w * x).log())
    assert step(2.0) == math.log(2.0)
    with pytest.raises(DomainError, match="log"):
        step(-2.0)


# --- what fn may not do -----------------------------------------------------------------

W = Value(0.5)


def _accuracy(xs: Any) -> Any:
    scores = [W * x for x in xs]
    accuracy = [(s.data > 0) for s in scores]  # line read by micrograd's demo
    return engine.sum(scores), accuracy


def _softmax_max(xs: Any) -> Any:
    zs = [W * x for x in xs]
    m = max(z.data for z in zs)
    return engine.sum([(z - m).exp() for z in zs])


def _max_of_values(xs: Any) -> Any:
    zs = [W * x for x in xs]
    return max(zs) * 2


def _branch(xs: Any) -> Any:
    loss = engine.sum([W * x for x in xs])
    if loss < 0:
        return -loss
    return loss


def _float(xs: Any) -> Any:
    return W * float(W * xs[0])


def _no_grad(xs: Any) -> Any:
    with engine.no_grad():
        m = W * xs[0]
    return W * xs[1] + m


def _backward(xs: Any) -> Any:
    loss = W * xs[0]
    loss.backward()
    return loss


def _zero_grad(xs: Any) -> Any:
    W.zero_grad()
    return W * xs[0]


def _update(xs: Any) -> Any:
    W.data -= 0.1
    return W * xs[0]


def _assign(xs: Any) -> Any:
    W.data = 0.25
    return W * xs[0]


def _detach(xs: Any) -> Any:
    z = W * xs[0]
    return z - z.detach()


@pytest.mark.parametrize(
    ("fn", "line", "message"),
    [
        (_accuracy, "accuracy = [(s.data > 0) for s in scores]", "reads the number"),
        (_softmax_max, "m = max(z.data for z in zs)", "reads the number"),
        (_max_of_values, "return max(zs) * 2", "reads the number"),
        (_branch, "if loss < 0:", "reads the number"),
        (_float, "return W * float(W * xs[0])", "reads the number"),
        (_no_grad, "m = W * xs[0]", "no_grad"),
        (_backward, "loss.backward()", ".grad"),
        (_zero_grad, "W.zero_grad()", ".grad"),
        (_update, "W.data -= 0.1", "reads the number"),
        (_assign, "W.data = 0.25", "sets .data"),
        (_detach, "return z - z.detach()", "reads the number"),
    ],
)
def test_reading_numbers_inside_fn_is_refused_naming_the_line(
    fn: Callable[..., Any], line: str, message: str
) -> None:
    before = (W.data, W.grad)
    with pytest.raises(CompileError) as error:
        engine.compile(fn)([1.0, -2.0])
    text = str(error.value)
    assert line in text
    assert message in text
    assert "test_compile.py:" in text
    assert (W.data, W.grad) == before  # fn changed nothing on its way to the error


def test_printing_and_constants_are_harmless() -> None:
    w = Value(1.5)
    c = Value(3.0, label="c")

    def fn(xs: Any) -> Any:
        loss = engine.sum([w * x for x in xs])
        print(loss)
        return loss * 2 if 2.0 > 1 else loss

    step = both(fn, [w], [1.0, 2.0])
    assert step.traces == 1
    from engine.compiler.trace import trace

    assert not trace(lambda x: c * x + (x - 1) * w, (2.0,), (None,)).rechecked
    assert trace(fn, ([1.0, 2.0],), ((None, None),)).rechecked


def test_a_value_made_before_the_step_is_refused() -> None:
    w = Value(2.0)
    early = w * 3

    with pytest.raises(CompileError, match="computed before the step"):
        engine.compile(lambda x: early * x)(1.0)


def test_interleaved_construction_falls_back_to_exact_written_out_code() -> None:
    w = Value(0.3)

    def fn(xs: Any) -> Any:
        total = w * 0.0
        for x in xs:  # a running total made between the samples' nodes
            total = total + (w * x).tanh()
        return total

    step = both(fn, [w], [0.5, 1.0, -1.0])
    assert "written out" in repr(step)


def test_source_reads_as_code_with_the_values_names() -> None:
    w = Value(0.5, label="weight")

    def fn(xs: Any) -> Any:
        out = engine.sum([(w * x).tanh() for x in xs])
        out.label = "loss"
        return out

    step = engine.compile(fn)
    step([1.0, 2.0, 3.0])
    src = step.source
    assert "grad_weight +=" in src
    assert "loss = " in src
    assert "tanh" in src
    assert src.startswith("def step(xs):")
    assert "backward pass" in src


def test_repr_and_errors_of_the_step_object() -> None:
    step = engine.compile(lambda x: x * 2)
    assert "not traced yet" in repr(step)
    with pytest.raises(RuntimeError, match="nothing compiled yet"):
        step.source
    with pytest.raises(ValueError, match="unknown backend"):
        engine.compile(lambda x: x, backend="fortran")
    with pytest.raises(TypeError, match="needs a function"):
        engine.compile(3)  # type: ignore[arg-type]


def test_skipping_dead_units_stays_exact_with_inf_nan_and_negative_zero() -> None:
    # Dead units (relu'(x) = 0) skip their dot product's lines; that is exact
    # only for finite values and gradients that are not -0.0, so those cases
    # must run every line.
    model = MLP(3, [4, 4, 1])
    params = model.parameters()

    def fn(X: Any) -> Any:
        return engine.sum([cast(Value, model(x)).relu() for x in X])

    rows = [[0.5, -1.0, 2.0], [-3.0, 0.25, 1.0], [1.0, 1.0, -1.0]]
    step = engine.compile(fn)
    step(rows)
    assert "if grad_" in step.source
    model.layers[0].neurons[0].b.data = -100.0  # a unit dead for every sample
    for p in params:
        p.grad = -0.0
    got = compiled(step, params, rows)
    for p in params:
        p.grad = -0.0
    want = eager(fn, params, rows)
    assert _bits(want[1][0]) == _bits(0.0)  # -0.0 + 0.0 * x: the sign flips
    assert_same(got[1], want[1])
    both(fn, params, rows)
    for bad in (math.inf, -math.inf, math.nan):
        both(fn, params, [*rows, [bad, 0.0, 1.0]])


def _apply_op(name: str, a: Value, b: Value) -> Value:
    """One node of the op ``name`` (every row of the table), from a and b."""
    if name == "sum":
        return engine.sum([a, b, a])
    if name == "dot":
        return engine.dot([a, b], [b, a], a)
    if name == "pow":
        return abs(a) ** b
    if name == "pow_const":
        return a**3
    if name == "leaky_relu":
        return a.leaky_relu(0.1)
    if name in ("log", "sqrt"):
        return cast(Value, getattr(abs(a) + 1, name)())
    rule = engine.RULES[name]
    method = getattr(a, rule.methods[0])
    return cast(Value, method(b) if rule.arity == 2 else method())


@pytest.mark.parametrize("name", sorted(engine.RULES))
def test_every_op_passes_the_quick_watch_and_compiles_exactly(name: str) -> None:
    # The quick watch relies on each op reading every parent's .data once
    # before it makes the node; an op that did otherwise would make every
    # trace run twice (under the precise watch), so this pins it down.
    from engine.compiler.trace import trace

    a, b = Value(0.7), Value(-1.3)
    tr = trace(lambda x: _apply_op(name, a * x, b + x), (0.5,), (None,))
    assert not tr.rechecked
    both(lambda x: _apply_op(name, a * x, b + x), [a, b], 0.5)


def test_the_module_docstring_example_runs() -> None:
    import doctest

    import engine.compiler

    assert doctest.testmod(engine.compiler).failed == 0


@pytest.mark.parametrize(
    "penalty",
    [
        lambda ps, w: sum(p * p for p in ps),  # micrograd's weight penalty
        lambda ps, w: sum(p * 2.0 for p in ps) + w * 3,  # constants in the terms
        lambda ps, w: w * 3 + sum(a * b for a, b in zip(ps, reversed(ps))),  # two parameters
        lambda ps, w: sum((p * p for p in ps), 1.5) * 0.5,  # another start
    ],
)
def test_sums_over_the_parameters_fold_into_loops_exactly(penalty: Any) -> None:
    model, loss_fn, X, y = demo(5, [6, 1])
    params = model.parameters()
    w = params[0]

    def fn(X: Any, y: Any) -> Any:
        loss, scores = loss_fn(X, y)
        return loss + 0.01 * penalty(params, w), scores

    step = both(fn, params, X, y)
    assert "terms of parameters, in a loop" in step.source
    both(fn, params, X, y, loop=False)


@pytest.mark.parametrize("order", [lambda xs: xs, lambda xs: list(reversed(xs))])
def test_a_sum_over_the_samples_folds_only_in_sample_order(order: Any) -> None:
    w = Value(0.3)

    def fn(xs: Any) -> Any:
        terms = [(w * x).tanh() for x in xs]
        return sum(order(terms)) * 0.5, sum(terms[:-1])  # the extra wants no gradient

    xs = [0.1 * i - 1 for i in range(20)]
    step = both(fn, [w], xs)
    folded = step.source.count("samples, in a loop")
    assert folded == (2 if order(xs) == xs else 1)  # a reversed sum is written out
