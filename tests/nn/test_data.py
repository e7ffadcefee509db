"""Tests for nn.data.make_moons."""

from __future__ import annotations

import itertools
import math
import random
import statistics
from typing import Any

import pytest

from nn import make_moons

# Label 0 is the upper moon: the unit circle around (0, 0), y >= 0.
# Label 1 is the lower moon: the unit circle around (1, 0.5), y <= 0.5.
CENTRES = {0: (0.0, 0.0), 1: (1.0, 0.5)}


def radius(point: list[float], label: int) -> float:
    cx, cy = CENTRES[label]
    return math.hypot(point[0] - cx, point[1] - cy)


def test_deterministic_for_a_seed() -> None:
    a = make_moons(100, noise=0.1, seed=3)
    b = make_moons(100, noise=0.1, seed=3)
    assert a == b
    # Keyword and positional calls agree, and the default seed is fixed too.
    assert make_moons(100, 0.1, 3) == a
    assert make_moons() == make_moons()


def test_does_not_touch_the_global_random_stream() -> None:
    # nn draws initial weights from the global ``random``; making the data
    # between random.seed() and MLP() must not change those weights.
    random.seed(11)
    expected = random.random()
    random.seed(11)
    make_moons(50, noise=0.2, seed=5)
    assert random.random() == expected


@pytest.mark.parametrize("n", [2, 3, 10, 99, 100, 101])
def test_shape_types_and_balanced_labels(n: int) -> None:
    X, y = make_moons(n, noise=0.1, seed=0)
    assert isinstance(X, list)
    assert isinstance(y, list)
    assert len(X) == len(y) == n
    for point in X:
        assert isinstance(point, list)
        assert len(point) == 2
        assert all(type(c) is float and math.isfinite(c) for c in point)
    assert all(type(label) is int for label in y)
    assert set(y) <= {0, 1}
    assert y.count(0) == n // 2
    assert y.count(1) == n - n // 2


def test_points_are_shuffled() -> None:
    _, y = make_moons(100, noise=0.1, seed=0)
    assert y != sorted(y)
    assert y != sorted(y, reverse=True)
    # Both classes appear in the first and the second half.
    assert set(y[:50]) == {0, 1}
    assert set(y[50:]) == {0, 1}


def test_different_seeds_differ() -> None:
    sets = [make_moons(100, noise=0.1, seed=s) for s in range(5)]
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            assert sets[i][0] != sets[j][0], (i, j)


def test_noise_free_points_lie_exactly_on_the_half_circles() -> None:
    X, y = make_moons(100, noise=0.0, seed=0)
    for point, label in zip(X, y):
        assert math.isclose(radius(point, label), 1.0, abs_tol=1e-12), (point, label)
        if label == 0:
            assert point[1] >= -1e-15  # the upper half
        else:
            assert point[1] <= 0.5 + 1e-15  # the lower half
    # Each moon runs from one end of its half circle to the other.
    for label, ends in ((0, [(-1.0, 0.0), (1.0, 0.0)]), (1, [(0.0, 0.5), (2.0, 0.5)])):
        moon = [p for p, t in zip(X, y) if t == label]
        for ex, ey in ends:
            assert any(
                math.isclose(px, ex, abs_tol=1e-12) and math.isclose(py, ey, abs_tol=1e-12)
                for px, py in moon
            ), (label, ex, ey)
        # Evenly spaced along the arc: consecutive angles differ by pi / 49.
        cx, cy = CENTRES[label]
        angles = sorted(math.atan2(abs(py - cy), px - cx) for px, py in moon)
        steps = [b - a for a, b in itertools.pairwise(angles)]
        assert all(math.isclose(s, math.pi / 49, rel_tol=1e-9) for s in steps)


def test_noise_free_shape_does_not_depend_on_the_seed() -> None:
    # Without noise the seed only shuffles.
    a = make_moons(40, noise=0.0, seed=1)
    b = make_moons(40, noise=0.0, seed=2)
    assert a != b
    assert sorted(zip(map(tuple, a[0]), a[1])) == sorted(zip(map(tuple, b[0]), b[1]))


def test_noise_is_the_standard_deviation_of_the_offset() -> None:
    # With small noise the distance from the circle is close to the radial
    # part of an isotropic Gaussian offset, whose sd is the noise level.
    noise = 0.05
    X, y = make_moons(4000, noise=noise, seed=0)
    residuals = [radius(p, t) - 1.0 for p, t in zip(X, y)]
    assert abs(statistics.fmean(residuals)) < 0.1 * noise
    assert math.isclose(statistics.stdev(residuals), noise, rel_tol=0.1)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"n": 1}, "n"),
        ({"n": 0}, "n"),
        ({"n": -10}, "n"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"noise": float("inf")}, "noise"),
    ],
    ids=["n=1", "n=0", "n<0", "noise<0", "noise-nan", "noise-inf"],
)
def test_bad_arguments_raise_clear_value_errors(kwargs: dict[str, Any], word: str) -> None:
    with pytest.raises(ValueError, match=rf"\b{word}\b"):
        make_moons(**kwargs)


@pytest.mark.parametrize("n", [10.0, "100", None], ids=["float", "str", "None"])
def test_n_of_the_wrong_type_is_rejected_naming_n(n: Any) -> None:
    # TypeError would be the more precise class; ValueError is accepted too.
    with pytest.raises((TypeError, ValueError), match=r"\bn\b"):
        make_moons(n)


def test_non_numeric_noise_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        make_moons(10, noise="0.1")  # type: ignore[arg-type]
