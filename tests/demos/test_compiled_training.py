"""The demos train with compiled steps where fit can compile, and get the eager numbers."""

from __future__ import annotations

from dataclasses import replace

import pytest

import demos._common as common
import nn
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
    others = (
        replace(base, init="zeros", optimizer="Adam", schedule="step"),
        replace(base, dropout=0.2),
    )
    for spec in (base, *others):
        eager, compiled = _eager_and_compiled(spec, monkeypatch)
        assert _numbers(compiled) == _numbers(eager)


@pytest.mark.parametrize(
    "change",
    [{"penalty": "L2", "alpha": 1e-3}, {"loss": "mse_on_sigmoid"}],
)
def test_runs_fit_cannot_compile_train_eagerly(
    change: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = replace(Spec(1, n_train=20, n_test=10, epochs=2), **change)  # type: ignore[arg-type]
    eager, compiled = _eager_and_compiled(spec, monkeypatch)
    assert _numbers(compiled) == _numbers(eager)


def test_a_spec_can_ask_for_eager_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    # batch_size times its runs, so it trains eagerly: fit must not get compile=True
    seen: list[dict[str, object]] = []
    real_fit = nn.fit

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(kwargs)
        return real_fit(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(common, "fit", spy)
    clear_runs()
    spec = Spec(2, n_train=20, n_test=10, epochs=1)
    train(spec)
    train(replace(spec, compiled=False))
    clear_runs()
    assert [k.get("compile", False) for k in seen] == [True, False]
