"""Tests for demos.grid: parameter grids, and running them on one or more processes."""

from __future__ import annotations

import random
from typing import Any

import pytest

from demos.grid import param_grid, run_grid


def square_with_noise(config: dict[str, Any]) -> tuple[float, float]:
    """Module level, so a worker process can import it; seeded from the config."""
    rng = random.Random(config["seed"])
    return config["x"] ** 2, rng.random()


def test_param_grid_varies_the_last_axis_fastest() -> None:
    grid = param_grid(lr=[0.1, 0.01], batch_size=[16, 32, 64])
    assert len(grid) == 6
    assert grid[0] == {"lr": 0.1, "batch_size": 16}
    assert grid[1] == {"lr": 0.1, "batch_size": 32}
    assert grid[-1] == {"lr": 0.01, "batch_size": 64}


def test_param_grid_rejects_empty_or_scalar_axes() -> None:
    with pytest.raises(ValueError, match="lr must be a non-empty list"):
        param_grid(lr=[])
    with pytest.raises(ValueError, match="lr must be a non-empty list"):
        param_grid(lr=0.1)  # type: ignore[arg-type]


def test_run_grid_gives_the_same_results_in_order_on_any_number_of_workers() -> None:
    configs = param_grid(x=[1, 2, 3, 4, 5], seed=[7])
    serial = run_grid(square_with_noise, configs)
    assert [s for s, _ in serial] == [1, 4, 9, 16, 25]
    assert run_grid(square_with_noise, configs, workers=2) == serial


def test_run_grid_checks_workers() -> None:
    with pytest.raises(ValueError, match="workers must be an int >= 1"):
        run_grid(square_with_noise, [], workers=0)
