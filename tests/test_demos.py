"""Smoke tests: each demo runs end to end with its own defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from demos import moons


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
    assert "20 steps" in capsys.readouterr().out
    assert (tmp_path / "nested" / "dir").is_dir()
