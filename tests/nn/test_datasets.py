"""Tests for the data sets and helpers in nn.data (make_moons: test_data.py).

Shapes, determinism and label balance are checked for every generator.
The geometric facts (circles lie on their circles, XOR points sit in their
quadrants, spiral points on their arms) are checked without noise for
arbitrary seeds, since the seed then only shuffles. Noise levels are
checked statistically at 5 standard errors with fixed seeds.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.data import (
    GAUSS_CENTRES,
    Batches,
    batches,
    gauss_variance,
    make_circles,
    make_gauss,
    make_regression,
    make_spiral,
    make_xor,
    spiral_angle,
    train_test_split,
)

Z = 5.0  # standard errors allowed in statistical checks

# name -> (generator, number of classes)
CLASSIFIERS: dict[str, tuple[Callable[..., Any], int]] = {
    "circles": (make_circles, 2),
    "xor": (make_xor, 2),
    "spiral": (make_spiral, 2),
    "spiral-3": (lambda *a, **k: make_spiral(*a, classes=3, **k), 3),  # type: ignore[misc]
    "spiral-5": (lambda *a, **k: make_spiral(*a, classes=5, **k), 5),  # type: ignore[misc]
    "gauss": (make_gauss, 2),
}
ALL_GENERATORS: dict[str, Callable[..., Any]] = {
    **{name: gen for name, (gen, _) in CLASSIFIERS.items()},
    "regression": make_regression,
}
any_seed = st.integers(0, 2**32 - 1)


def by_label(X: list[list[float]], y: list[int]) -> dict[int, list[list[float]]]:
    groups: dict[int, list[list[float]]] = {}
    for point, label in zip(X, y):
        groups.setdefault(label, []).append(point)
    return groups


def as_set(X: list[list[float]], y: list[Any]) -> list[tuple[tuple[float, ...], Any]]:
    return sorted((tuple(p), label) for p, label in zip(X, y))


# --- every generator ------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_GENERATORS)
def test_deterministic_for_a_seed(name):
    gen = ALL_GENERATORS[name]
    a = gen(60, 0.1, 3)
    assert gen(60, noise=0.1, seed=3) == a
    assert gen() == gen()  # the default seed is fixed too
    assert gen(60, 0.1, 4) != a


@pytest.mark.parametrize("name", ALL_GENERATORS)
def test_seed_none_gives_a_fresh_set(name):
    gen = ALL_GENERATORS[name]
    assert gen(50, 0.1, None) != gen(50, 0.1, None)


@pytest.mark.parametrize("name", ALL_GENERATORS)
def test_does_not_touch_the_global_random_stream(name):
    random.seed(11)
    expected = random.random()
    random.seed(11)
    ALL_GENERATORS[name](50, 0.2, 5)
    ALL_GENERATORS[name](50, 0.2, None)
    assert random.random() == expected


@pytest.mark.parametrize("n", [5, 10, 99, 100, 101])
@pytest.mark.parametrize("name", CLASSIFIERS)
def test_shapes_types_and_balanced_labels(name, n):
    gen, classes = CLASSIFIERS[name]
    X, y = gen(n, 0.1, 0)
    assert len(X) == len(y) == n
    for point in X:
        assert isinstance(point, list)
        assert len(point) == 2
        assert all(type(c) is float and math.isfinite(c) for c in point)
    assert all(type(label) is int for label in y)
    counts = Counter(y)
    assert set(counts) == set(range(classes))
    assert max(counts.values()) - min(counts.values()) <= 1
    if classes == 2:  # as make_moons: label 0 gets n // 2
        assert counts[0] == n // 2


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_points_are_shuffled(name):
    gen, _ = CLASSIFIERS[name]
    _, y = gen(100, 0.1, 0)
    assert y != sorted(y)
    assert y != sorted(y, reverse=True)
    assert len(set(y[:30])) > 1


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_smallest_n_has_every_class(name):
    gen, classes = CLASSIFIERS[name]
    _, y = gen(classes, 0.1, 0)
    assert sorted(y) == list(range(classes))


# --- make_circles ---------------------------------------------------------------------


@settings(max_examples=30)
@given(seed=any_seed, factor=st.sampled_from([0.0, 0.1, 0.5, 0.8, 0.99]))
def test_noise_free_circles_have_radius_one_and_factor(seed, factor):
    X, y = make_circles(80, noise=0.0, seed=seed, factor=factor)
    for (x1, x2), label in zip(X, y):
        expected = 1.0 if label == 0 else factor
        assert math.isclose(math.hypot(x1, x2), expected, abs_tol=1e-12)


def test_circles_are_evenly_spaced_and_only_shuffled_by_the_seed():
    X, y = make_circles(40, noise=0.0, seed=1)
    outer = sorted(math.atan2(b, a) % (2 * math.pi) for (a, b), t in zip(X, y) if t == 0)
    assert outer == pytest.approx([2 * math.pi * i / 20 for i in range(20)], abs=1e-12)
    assert as_set(X, y) == as_set(*make_circles(40, noise=0.0, seed=2))


def test_circle_noise_is_the_standard_deviation_of_the_offset():
    noise = 0.02
    X, y = make_circles(4000, noise=noise, seed=0)
    residuals = [math.hypot(*p) - (1.0 if t == 0 else 0.5) for p, t in zip(X, y)]
    # For small noise the radial error is ~ N(0, noise**2).
    assert abs(statistics.fmean(residuals)) < Z * noise / math.sqrt(len(residuals)) + 1e-3
    assert statistics.stdev(residuals) == pytest.approx(noise, rel=0.1)


# --- make_xor -------------------------------------------------------------------------


@settings(max_examples=30)
@given(seed=any_seed)
def test_noise_free_xor_labels_are_the_sign_rule_with_a_margin(seed):
    X, y = make_xor(100, noise=0.0, seed=seed)
    for (x1, x2), label in zip(X, y):
        assert 0.1 <= abs(x1) <= 1.0
        assert 0.1 <= abs(x2) <= 1.0
        assert label == (1 if x1 * x2 < 0 else 0)


def test_xor_fills_all_four_quadrants_evenly():
    X, _ = make_xor(100, noise=0.0, seed=0)
    quadrants = Counter((x1 > 0, x2 > 0) for x1, x2 in X)
    assert sorted(quadrants.values()) == [25, 25, 25, 25]


def test_xor_noise_moves_points_but_not_labels():
    clean = make_xor(200, noise=0.0, seed=4)
    noisy = make_xor(200, noise=0.3, seed=4)
    assert noisy[0] != clean[0]
    wrong_side = sum((x1 * x2 < 0) != bool(t) for (x1, x2), t in zip(*noisy))
    assert 0 < wrong_side < 100


# --- make_spiral ----------------------------------------------------------------------


@settings(max_examples=30)
@given(seed=any_seed, classes=st.integers(2, 5))
def test_noise_free_spiral_points_lie_on_their_arm(seed, classes):
    X, y = make_spiral(60, noise=0.0, seed=seed, classes=classes)
    for (x1, x2), arm in zip(X, y):
        r = math.hypot(x1, x2)
        assert 0.1 - 1e-12 <= r <= 1.0 + 1e-12
        # The point's angle equals the arm's angle at that radius, mod 2 pi.
        diff = (math.atan2(x2, x1) - spiral_angle(r, arm, classes)) % (2 * math.pi)
        assert min(diff, 2 * math.pi - diff) < 1e-9


def test_spiral_arms_are_evenly_spread_at_every_radius():
    X, y = make_spiral(90, noise=0.0, seed=0, classes=3)
    for arm in range(3):
        radii = sorted(math.hypot(*p) for p, t in zip(X, y) if t == arm)
        assert radii == pytest.approx([0.1 + 0.9 * i / 29 for i in range(30)], abs=1e-12)


# --- make_gauss -----------------------------------------------------------------------


@pytest.mark.parametrize("noise", [0.0, 0.1, 0.5])
def test_gauss_blobs_have_the_playground_centres_and_spread(noise):
    X, y = make_gauss(4000, noise=noise, seed=1)
    var = gauss_variance(noise)
    for label, points in by_label(X, y).items():
        for axis in (0, 1):
            coords = [p[axis] for p in points]
            centre = GAUSS_CENTRES[label][axis]
            assert abs(statistics.fmean(coords) - centre) < Z * math.sqrt(var / len(coords))
            se = var * math.sqrt(2.0 / len(coords))  # sample variance of a normal
            assert abs(statistics.pvariance(coords, mu=centre) - var) < Z * se


def test_gauss_variance_follows_the_playground_scale():
    assert gauss_variance(0.0) == 0.5
    assert gauss_variance(0.5) == 4.0


def test_gauss_is_nearly_linearly_separable_at_low_noise():
    X, y = make_gauss(1000, noise=0.0, seed=2)
    # x1 + x2 ~ N(+-4, 1): the line x1 + x2 = 0 misses about 0.003%.
    hits = sum((x1 + x2 > 0) == (t == 1) for (x1, x2), t in zip(X, y))
    assert hits >= 995


# --- make_regression ------------------------------------------------------------------


@settings(max_examples=30)
@given(seed=any_seed)
def test_noise_free_regression_is_the_sine(seed):
    X, y = make_regression(50, noise=0.0, seed=seed)
    assert len(X) == len(y) == 50
    for (x,), target in zip(X, y):
        assert -math.pi <= x <= math.pi
        assert target == math.sin(x)
        assert type(target) is float


def test_regression_noise_is_the_standard_deviation_of_the_targets():
    noise = 0.3
    X, y = make_regression(5000, noise=noise, seed=0)
    residuals = [t - math.sin(x) for (x,), t in zip(X, y)]
    assert abs(statistics.fmean(residuals)) < Z * noise / math.sqrt(len(residuals))
    se = noise**2 * math.sqrt(2.0 / len(residuals))
    assert abs(statistics.pvariance(residuals, mu=0.0) - noise**2) < Z * se


def test_regression_inputs_cover_the_range():
    X, _ = make_regression(1000, seed=0)
    xs = [x for (x,) in X]
    assert min(xs) < -3.0
    assert max(xs) > 3.0


# --- generator arguments --------------------------------------------------------------

GENERATOR_ERRORS: list[tuple[Callable[[], Any], type[Exception], str]] = [
    (lambda: make_circles(1), ValueError, r"n must be an int >= 2.*got 1"),
    (lambda: make_xor(0), ValueError, r"n must be an int >= 2"),
    (lambda: make_gauss(-5), ValueError, r"n must be an int >= 2"),
    (lambda: make_spiral(2, classes=3), ValueError, r"n must be an int >= 3.*classes=3"),
    (lambda: make_regression(0), ValueError, r"n must be an int >= 1"),
    (lambda: make_xor(10.0), TypeError, r"n must be an int >= 2 .*got float 10.0"),  # type: ignore[arg-type]
    (lambda: make_circles(True), TypeError, r"n must be an int"),
    (lambda: make_circles(10, noise=-0.1), ValueError, r"noise must be a finite number >= 0"),
    (lambda: make_spiral(10, noise=float("nan")), ValueError, r"noise"),
    (lambda: make_gauss(10, noise=float("inf")), ValueError, r"noise"),
    (lambda: make_regression(10, noise=-1), ValueError, r"noise.*got -1"),
    (lambda: make_xor(10, noise="0.1"), TypeError, r"noise must be a number"),  # type: ignore[arg-type]
    (lambda: make_circles(10, factor=1.0), ValueError, r"factor.*\[0, 1\), got 1.0"),
    (lambda: make_circles(10, factor=-0.5), ValueError, r"factor"),
    (lambda: make_circles(10, factor="half"), TypeError, r"factor must be a number"),  # type: ignore[arg-type]
    (lambda: make_spiral(10, classes=1), ValueError, r"classes must be an int >= 2"),
    (lambda: make_spiral(10, classes=2.0), TypeError, r"classes must be an int"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("call", "error", "pattern"), GENERATOR_ERRORS)
def test_generator_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# --- train_test_split -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "test_size", "n_test"),
    [(100, 0.25, 25), (10, 0.3, 3), (7, 0.5, 4), (2, 0.5, 1), (3, 0.01, 1), (1000, 0.2, 200)],
)
def test_split_sizes_and_partition(n, test_size, n_test):
    X = [[float(i)] for i in range(n)]
    y = list(range(n))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size)
    assert len(X_test) == len(y_test) == n_test
    assert len(X_train) == len(y_train) == n - n_test
    assert sorted(y_train + y_test) == y  # every sample once
    assert [x[0] for x in X_train] == y_train  # pairs stay together
    assert [x[0] for x in X_test] == y_test


def test_split_is_seeded_and_shuffles():
    X, y = make_xor(100, 0.1, 0)
    a = train_test_split(X, y, seed=1)
    assert train_test_split(X, y, 0.25, 1) == a
    assert train_test_split(X, y, seed=2) != a
    ids = list(range(100))
    _, test_ids, _, _ = train_test_split(ids, ids, seed=1)
    assert test_ids != ids[75:]


def test_split_without_shuffle_keeps_the_order():
    ids = list(range(10))
    train, test, _, _ = train_test_split(ids, ids, test_size=0.2, shuffle=False)
    assert train == ids[:8]
    assert test == ids[8:]


def test_split_does_not_touch_its_inputs():
    X, y = make_circles(20)
    before = (list(X), list(y))
    train_test_split(X, y)
    assert (X, y) == before


SPLIT_ERRORS: list[tuple[Callable[[], Any], type[Exception], str]] = [
    (lambda: train_test_split([1, 2], [1]), ValueError, r"X has 2 samples but y has 1"),
    (lambda: train_test_split([1, 2], [1, 2], 0.0), ValueError, r"strictly between 0 and 1"),
    (lambda: train_test_split([1, 2], [1, 2], 1.0), ValueError, r"between 0 and 1"),
    (lambda: train_test_split([1, 2], [1, 2], -0.2), ValueError, r"got -0.2"),
    (lambda: train_test_split(list(range(50)), [0] * 50, 20), ValueError, r"test_size=20 / len"),
    (lambda: train_test_split([1], [1], 0.5), ValueError, r"leaves none for training"),
    (lambda: train_test_split([], [], 0.5), ValueError, r"leaves none"),
    (lambda: train_test_split([1, 2], [1, 2], "0.5"), TypeError, r"test_size must be a number"),  # type: ignore[arg-type]
    (lambda: train_test_split(iter([1, 2]), [1, 2]), TypeError, r"X must be a list"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("call", "error", "pattern"), SPLIT_ERRORS)
def test_split_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# --- batches --------------------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("batch_size", [1, 3, 10, 32, 50])
@pytest.mark.parametrize("n", [1, 7, 10, 32, 33])
def test_batches_cover_every_index_once(n, batch_size, shuffle):
    ids = list(range(n))
    labels = [f"y{i}" for i in ids]
    epoch = batches(ids, labels, batch_size, shuffle=shuffle, seed=0)
    assert isinstance(epoch, Batches)
    out = list(epoch)
    assert len(out) == len(epoch) == math.ceil(n / batch_size)
    seen = [i for xb, _ in out for i in xb]
    assert sorted(seen) == ids
    if not shuffle:
        assert seen == ids
    sizes = [len(xb) for xb, _ in out]
    assert all(s == batch_size for s in sizes[:-1])
    assert 1 <= sizes[-1] <= batch_size
    for xb, yb in out:
        assert yb == [f"y{i}" for i in xb]


def test_batches_is_a_one_pass_iterator_with_a_length():
    epoch = batches(list(range(10)), list(range(10)), 4, seed=0)
    assert iter(epoch) is epoch
    first = next(epoch)
    assert len(first[0]) == 4
    assert len(list(epoch)) == 2
    assert list(epoch) == []  # used up, like a generator
    assert len(epoch) == 3
    assert repr(epoch) == "Batches(10 samples, batch_size=4, 3 batches)"


def test_batches_shuffle_reproducibly_per_seed():
    ids = list(range(50))

    def order(seed):
        return [i for xb, _ in batches(ids, ids, 8, seed=seed) for i in xb]

    assert order(3) == order(3)
    assert order(3) != order(4)
    assert order(3) != ids
    assert order(None) != order(None)


def test_batches_leave_the_global_random_stream_alone():
    random.seed(5)
    expected = random.random()
    random.seed(5)
    list(batches(list(range(20)), list(range(20)), 3, seed=1))
    list(batches(list(range(20)), list(range(20)), 3))
    assert random.random() == expected


def test_batches_of_a_data_set():
    X, y = make_spiral(30, seed=0)
    for xb, yb in batches(X, y, batch_size=8, seed=0):
        assert all(len(p) == 2 for p in xb)
        assert all(label in (0, 1) for label in yb)
        assert len(xb) == len(yb)


BATCH_ERRORS: list[tuple[Callable[[], Any], type[Exception], str]] = [
    (
        lambda: batches([1, 2, 3], [1, 2, 3], 0),
        ValueError,
        r"batch_size must be an int >= 1, got 0",
    ),
    (lambda: batches([1, 2, 3], [1, 2, 3], -4), ValueError, r"batch_size must be an int >= 1"),
    (lambda: batches([1, 2, 3], [1, 2, 3], 2.5), TypeError, r"batch_size must be an int"),  # type: ignore[arg-type]
    (lambda: batches([1, 2, 3], [1, 2, 3], True), TypeError, r"batch_size must be an int"),
    (lambda: batches([1, 2, 3], [1, 2], 2), ValueError, r"X has 3 samples but y has 2"),
    (lambda: batches((i for i in range(3)), [1, 2, 3], 2), TypeError, r"X must be a list"),  # type: ignore[arg-type]
    (lambda: batches([1, 2], "ab", 2), TypeError, r"y must be a list"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), BATCH_ERRORS)
def test_batch_errors_are_raised_at_the_call(call, error, pattern):
    # No next() needed: the arguments are checked when batches() is called.
    with pytest.raises(error, match=pattern):
        call()
