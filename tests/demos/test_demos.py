"""Smoke tests: each demo runs end to end with its own defaults."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import cast

import pytest

from demos import graph_tour, moons
from engine import Value
from nn import MLP, make_moons


def test_moons_demo_reaches_full_accuracy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert moons.main(["--out", str(tmp_path), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "accuracy 100%" in printed
    drawn = list(tmp_path.glob("neuron.*"))
    assert drawn, "the demo must write the neuron's graph"
    assert str(drawn[0]) in printed  # and say where it went


def test_moons_demo_quick_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert moons.main(["--quick", "--out", str(tmp_path / "nested" / "dir"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "20 steps" in printed
    assert (tmp_path / "nested" / "dir").is_dir()
    # it says which sample and neuron it drew, and why
    assert re.search(r"drawing sample \d+ .*hinge loss .* is the largest", printed)
    assert re.search(r"neuron layers\[0\]\.neurons\[\d+\]: active on this sample", printed)


def test_moons_draws_a_sample_with_loss_and_an_active_neuron() -> None:
    X, labels = make_moons(40, noise=0.1, seed=3)
    y = [2 * t - 1 for t in labels]
    random.seed(3)
    model = MLP(2, [16, 16, 1])
    moons.train(model, X, y, 5, show=False)
    k, _ = moons.pick_sample(model, X, y)
    margins = [yi * cast(Value, model(x)).data for x, yi in zip(X, y)]
    assert 1 - margins[k] == max(1 - m for m in margins) > 0  # the largest hinge loss
    loss = moons.sample_loss(model, X[k], y[k])
    out, _ = moons.pick_neuron(loss, model)
    assert out.data > 0  # active: its ReLU passes gradient back
    assert out.grad != 0
    assert str(out._prev[0].scope).startswith("MLP.layers[0]")


def test_graph_tour_writes_every_artifact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert graph_tour.main(["--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for name in ("lecture", "neuron"):
        for suffix in (".svg", "_explain.txt", "_backward.py", "_steps.html", "_explorer.html"):
            path = tmp_path / f"tour_{name}{suffix}"
            assert path.stat().st_size > 0, path
            assert str(path) in printed
    # the explanations print the lecture's numbers
    assert "= 6.0" in (tmp_path / "tour_lecture_explain.txt").read_text()
    # the backward code reproduces the gradients it was made from
    namespace: dict[str, object] = {}
    exec((tmp_path / "tour_lecture_backward.py").read_text(), namespace)
    assert namespace["grad_a"] == 6.0
    assert namespace["grad_b"] == -4.0


def test_live_demo_writes_a_training_film(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from demos import live

    assert live.main(["--quick", "--out", str(tmp_path), "--quiet"]) == 0
    printed = capsys.readouterr().out
    film = tmp_path / "live_film.html"
    assert f"training film: {film}" in printed
    assert "15 epochs: training accuracy" in printed
    text = film.read_text()
    assert '"epoch":15' in text  # every epoch's frame, the last included
    assert "MLP.layers[1]" in text  # the sample graph's boxes carry the model's names
