"""nn.clip_grad_norm_ against torch.nn.utils.clip_grad_norm_ in float64."""

from __future__ import annotations

import math
from typing import Any

import pytest

import nn
from engine import Value
from nn.utils import clip_grad_norm, clip_grad_norm_
from tests.torch_oracle.cases import CLIP_CASES


def require_torch() -> Any:
    """torch, or a skip (a failure when CI=true, see conftest)."""
    return pytest.importorskip("torch")


def ours(grads: list[float], *args: object, **kwargs: object) -> tuple[float, list[float]]:
    params = [_with_grad(g) for g in grads]
    total = clip_grad_norm_(params, *args, **kwargs)  # type: ignore[arg-type]
    return total, [p.grad for p in params]


def _with_grad(g: float) -> Value:
    v = Value(0.5)
    v.grad = g
    return v


def theirs(grads: list[float], *args: object, **kwargs: object) -> tuple[float, list[float]]:
    torch = require_torch()
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


CASES = CLIP_CASES  # shared with the recorded checks (tests/torch_oracle)


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
    assert clip_grad_norm_([_with_grad(3.0)], 10.0, foreach=True) == 3.0  # torch's keyword


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="parameter 1 is a float"):
        clip_grad_norm_([Value(1.0), 2.0], 1.0)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="max_norm must be a number"):
        clip_grad_norm_([Value(1.0)], "1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="error_if_nonfinite must be True or False"):
        clip_grad_norm_([Value(1.0)], 1.0, error_if_nonfinite=1)  # type: ignore[arg-type]
