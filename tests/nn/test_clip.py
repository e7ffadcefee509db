"""nn.clip_grad_norm_ against torch.nn.utils.clip_grad_norm_ in float64."""

from __future__ import annotations

import math
import random

import pytest

import nn
from engine import Value
from nn.utils import clip_grad_norm, clip_grad_norm_

torch = pytest.importorskip("torch")


def grads_case(seed: int, n: int, scale: float, zeros: int = 0) -> list[float]:
    rng = random.Random(seed)
    grads = [rng.gauss(0.0, scale) for _ in range(n)]
    for i in range(zeros):
        grads[i] = 0.0
    return grads


def ours(grads: list[float], *args: object, **kwargs: object) -> tuple[float, list[float]]:
    params = [_with_grad(g) for g in grads]
    total = clip_grad_norm_(params, *args, **kwargs)  # type: ignore[arg-type]
    return total, [p.grad for p in params]


def _with_grad(g: float) -> Value:
    v = Value(0.5)
    v.grad = g
    return v


def theirs(grads: list[float], *args: object, **kwargs: object) -> tuple[float, list[float]]:
    # One tensor per scalar parameter, as chainrule's parameters are scalars.
    params = [torch.zeros(1, dtype=torch.float64, requires_grad=True) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = torch.tensor([g], dtype=torch.float64)
    total = torch.nn.utils.clip_grad_norm_(params, *args, **kwargs)
    return float(total), [float(p.grad[0]) for p in params]


def same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == pytest.approx(b, rel=1e-12, abs=1e-300)


CASES = [
    (grads_case(0, 20, 3.0), 1.0, 2.0),  # clipped
    (grads_case(1, 20, 0.01), 1.0, 2.0),  # under the limit: unchanged
    (grads_case(2, 50, 1.0), 0.5, math.inf),
    (grads_case(3, 50, 1.0, zeros=5), 0.5, -math.inf),
    (grads_case(4, 30, 2.0, zeros=7), 3.0, 0.0),
    (grads_case(5, 30, 2.0), 2.0, 1.0),
    (grads_case(6, 30, 2.0), 2.0, 3.0),
    (grads_case(7, 30, 2.0), 2.0, 0.5),
    (grads_case(8, 30, 2.0), 2.0, -1.5),
    (grads_case(9, 30, 2.0, zeros=2), 2.0, -2.0),
    ([0.0, 0.0, 0.0], 1.0, 2.0),
    ([1e200, 1e200], 1.0, 2.0),  # the sum of squares overflows: norm inf
    ([1.0, math.inf, -2.0], 1.0, 2.0),
    ([1.0, math.nan, -2.0], 1.0, 2.0),
    ([1.0, math.nan, -2.0], 1.0, math.inf),
]


@pytest.mark.parametrize(("grads", "max_norm", "norm_type"), CASES)
def test_clip_grad_norm_matches_torch(
    grads: list[float], max_norm: float, norm_type: float
) -> None:
    total, clipped = ours(grads, max_norm, norm_type)
    t_total, t_clipped = theirs(grads, max_norm, norm_type)
    assert same(total, t_total), (total, t_total)
    assert all(same(a, b) for a, b in zip(clipped, t_clipped)), (clipped, t_clipped)


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_error_if_nonfinite_raises_as_torch_does_and_changes_nothing(bad: float) -> None:
    grads = [1.0, bad, 2.0]
    params = [_with_grad(g) for g in grads]
    with pytest.raises(RuntimeError, match="non-finite, so it cannot be clipped") as ours_error:
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert [p.grad for p in params][0::2] == [1.0, 2.0]
    with pytest.raises(RuntimeError) as torch_error:
        theirs(grads, 1.0, error_if_nonfinite=True)
    assert str(ours_error.value) == str(torch_error.value)


def test_the_names_and_a_single_value() -> None:
    assert nn.clip_grad_norm is clip_grad_norm is clip_grad_norm_ is nn.clip_grad_norm_
    v = _with_grad(-4.0)
    assert clip_grad_norm_(v, 2.0) == 4.0
    assert v.grad == pytest.approx(-2.0 * 4.0 / (4.0 + 1e-6))
    assert clip_grad_norm_([], 1.0) == 0.0


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="parameter 1 is a float"):
        clip_grad_norm_([Value(1.0), 2.0], 1.0)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="max_norm must be a number"):
        clip_grad_norm_([Value(1.0)], "1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="error_if_nonfinite must be True or False"):
        clip_grad_norm_([Value(1.0)], 1.0, error_if_nonfinite=1)  # type: ignore[arg-type]
