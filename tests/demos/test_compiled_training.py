"""The demos train with compiled steps where fit can compile, and get the eager numbers."""

from __future__ import annotations

from dataclasses import replace

import pytest

import demos._common as common
from demos._common import Run, Spec, clear_runs, train


def _numbers(run: Run) -> tuple[object, ...]:
    weights = [p.data for p in run.model.parameters()]
    return run.losses, run.epoch_accuracy, run.train_accuracy, run.test_accuracy, weights


def _eager_and_compiled(spec: Spec, monkeypatch: pytest.MonkeyPatch) -> tuple[Run, Run]:
    clear_runs()
    compiled = train(spec)
    clear_runs()
    with monkeypatch.context() as patch:
        patch.setattr(common, "FIT_OPTIONS", {})
        eager = train(spec)
    clear_runs()
    return eager, compiled


def test_demo_runs_are_compiled_and_bit_for_bit_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    assert common.FIT_OPTIONS == {"compile": True}
    base = Spec(0, n_train=30, n_test=20, epochs=3, track_accuracy=True)
    for spec in (base, replace(base, init="zeros", optimizer="Adam", schedule="step")):
        eager, compiled = _eager_and_compiled(spec, monkeypatch)
        assert _numbers(compiled) == _numbers(eager)


@pytest.mark.parametrize(
    "change",
    [{"dropout": 0.2}, {"penalty": "L2", "alpha": 1e-3}, {"loss": "mse_on_sigmoid"}],
)
def test_runs_fit_cannot_compile_train_eagerly(
    change: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = replace(Spec(1, n_train=20, n_test=10, epochs=2), **change)  # type: ignore[arg-type]
    eager, compiled = _eager_and_compiled(spec, monkeypatch)
    assert _numbers(compiled) == _numbers(eager)
