"""Small seeded data sets for teaching. Plain Python lists, no numpy.

Classification sets return ``(X, y)``: ``n`` points ``[x1, x2]`` and int
labels 0, 1, ... in a shuffled order. ``make_regression`` returns 1-D
inputs ``[x]`` and float targets. Every generator takes ``n``, ``noise``
and ``seed``; a given seed always gives the same set, ``seed=None`` a
fresh one, and none of them touches Python's global ``random`` stream.

* ``make_moons``: two interleaving half circles (scikit-learn's);
* ``make_circles``: a circle inside a circle (scikit-learn's);
* ``make_xor``: the four quadrants, labelled by the sign of x1 * x2;
* ``make_spiral``: two or more interleaved spiral arms;
* ``make_gauss``: two Gaussian blobs (TensorFlow Playground's);
* ``make_regression``: a noisy sine curve.

``train_test_split`` and ``batches`` cut any such set up for training.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from nn._checks import check_finite, check_int, check_real


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, as scikit-learn's ``make_moons``.

    Returns ``(X, y)``: ``n`` points ``[x1, x2]`` and labels 0 (upper moon)
    or 1 (lower moon). ``noise`` is the standard deviation of Gaussian noise
    added to each coordinate; ``seed`` makes the set reproducible.
    """
    _check_n(n, 2, "make_moons", "one point per moon")
    _check_noise(noise, "make_moons")
    rng = random.Random(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    X: list[list[float]] = []
    y: list[int] = []
    for i in range(n_upper):
        t = math.pi * i / max(n_upper - 1, 1)
        X.append([math.cos(t), math.sin(t)])
        y.append(0)
    for i in range(n_lower):
        t = math.pi * i / max(n_lower - 1, 1)
        X.append([1.0 - math.cos(t), 0.5 - math.sin(t)])
        y.append(1)
    if noise:
        X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b in X]
    order = list(range(n))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


Points = list[list[float]]
XItem = TypeVar("XItem")
YItem = TypeVar("YItem")


# --- argument checks and shared steps ---------------------------------------------


def _check_n(n: Any, minimum: int, who: str, why: str) -> None:
    check_int(n, "n", minimum, who=who, why=why)


def _check_noise(noise: float, who: str) -> None:
    check_finite(noise, "noise", who=who, minimum=0)


def _jitter(X: Points, noise: float, rng: random.Random) -> Points:
    """Add independent N(0, noise**2) offsets to every coordinate."""
    if not noise:
        return X
    return [[c + rng.gauss(0.0, noise) for c in point] for point in X]


def _shuffled(X: Points, y: list[int], rng: random.Random) -> tuple[Points, list[int]]:
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def _split_evenly(n: int, parts: int) -> list[int]:
    """``n`` as ``parts`` counts that differ by at most one, smaller first.

    For two parts that is ``n // 2`` and ``n - n // 2``, as in ``make_moons``.
    """
    return [n // parts + (1 if k >= parts - n % parts else 0) for k in range(parts)]


# --- classification sets ----------------------------------------------------------------


def make_circles(
    n: int = 100, noise: float = 0.1, seed: int | None = 0, factor: float = 0.5
) -> tuple[Points, list[int]]:
    """A circle inside a circle, as scikit-learn's ``make_circles``.

    Label 0: ``n // 2`` points evenly spaced on the unit circle. Label 1: the
    rest, evenly spaced on the circle of radius ``factor`` (0 <= factor < 1).
    ``noise`` is the standard deviation of Gaussian noise on each coordinate.
    No straight line separates the classes; x1**2 + x2**2 does.
    """
    _check_n(n, 2, "make_circles", "one point per class")
    _check_noise(noise, "make_circles")
    if not 0.0 <= check_real(factor, "factor", who="make_circles") < 1.0:
        raise ValueError(
            f"make_circles: factor is the inner radius over the outer one and must "
            f"be in [0, 1), got {factor!r}"
        )
    rng = random.Random(seed)
    X: Points = []
    y: list[int] = []
    for label, (count, radius) in enumerate(zip(_split_evenly(n, 2), (1.0, factor))):
        for i in range(count):
            t = 2.0 * math.pi * i / count
            X.append([radius * math.cos(t), radius * math.sin(t)])
            y.append(label)
    return _shuffled(_jitter(X, noise, rng), y, rng)


# Quadrants in turn, so label 0 gets n // 2 points and label 1 the rest (as
# in make_moons); the label is 1 where the signs of the coordinates differ.
_QUADRANTS = ((1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0))
_XOR_MARGIN = 0.1


def make_xor(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> tuple[Points, list[int]]:
    """Points in the four quadrants of [-1, 1]**2, labelled like XOR.

    Label 0 where x1 and x2 have the same sign (x1 * x2 > 0), 1 where they
    differ. Before noise every coordinate has magnitude in [0.1, 1], so the
    axes separate the classes with a margin of 0.1 (the TensorFlow
    Playground set keeps a similar gap). ``noise`` is the standard deviation
    of Gaussian noise on each coordinate; labels keep the noise-free
    quadrant. No single line separates the classes, so a network without a
    hidden layer cannot learn it.
    """
    _check_n(n, 2, "make_xor", "one point per class")
    _check_noise(noise, "make_xor")
    rng = random.Random(seed)
    X: Points = []
    y: list[int] = []
    for i in range(n):
        sx, sy = _QUADRANTS[i % 4]
        X.append([sx * rng.uniform(_XOR_MARGIN, 1.0), sy * rng.uniform(_XOR_MARGIN, 1.0)])
        y.append(0 if sx == sy else 1)
    return _shuffled(_jitter(X, noise, rng), y, rng)


SPIRAL_INNER_RADIUS = 0.1


def spiral_angle(radius: float, arm: int, classes: int) -> float:
    """The angle (radians, unwrapped) of spiral arm ``arm`` at ``radius``.

    Arm k starts at angle 2 pi k / classes and turns once, counter-clockwise,
    as its radius grows by 1: angle = 2 pi (k / classes + radius).
    """
    return 2.0 * math.pi * (arm / classes + radius)


def make_spiral(
    n: int = 100, noise: float = 0.1, seed: int | None = 0, classes: int = 2
) -> tuple[Points, list[int]]:
    """``classes`` interleaved spiral arms, one per label (CS231n's classic).

    Arm k holds n / classes points (within one), evenly spaced in radius
    from 0.1 to 1 along the curve described in ``spiral_angle``: each arm
    turns through 0.9 of a full turn, and at every radius the arms are
    evenly spread around the circle. ``noise`` is the standard deviation of
    Gaussian noise on each coordinate. Needs a hidden layer, and gets hard
    as noise or classes grow.
    """
    check_int(classes, "classes", 2, who="make_spiral")
    _check_n(n, classes, "make_spiral", f"one point per class, classes={classes}")
    _check_noise(noise, "make_spiral")
    rng = random.Random(seed)
    X: Points = []
    y: list[int] = []
    for arm, count in enumerate(_split_evenly(n, classes)):
        for i in range(count):
            r = SPIRAL_INNER_RADIUS + (1.0 - SPIRAL_INNER_RADIUS) * i / max(count - 1, 1)
            t = spiral_angle(r, arm, classes)
            X.append([r * math.cos(t), r * math.sin(t)])
            y.append(arm)
    return _shuffled(_jitter(X, noise, rng), y, rng)


GAUSS_CENTRES = ((-2.0, -2.0), (2.0, 2.0))


def gauss_variance(noise: float) -> float:
    """TensorFlow Playground's spread: noise 0 .. 0.5 maps to variance 0.5 .. 4."""
    return 0.5 + 7.0 * noise


def make_gauss(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> tuple[Points, list[int]]:
    """Two Gaussian blobs, as TensorFlow Playground's "Gaussian" data set.

    Label 0: ``n // 2`` points around (-2, -2); label 1: the rest around
    (2, 2). As in the Playground, ``noise`` sets the spread rather than an
    added offset: each coordinate has variance ``0.5 + 7 * noise`` (the
    Playground's slider, 0 to 50%, is noise 0 to 0.5; larger values carry
    on along the same line). The blobs overlap a little even at noise 0,
    so expect a linear model to get most but not all points right.
    """
    _check_n(n, 2, "make_gauss", "one point per class")
    _check_noise(noise, "make_gauss")
    rng = random.Random(seed)
    std = math.sqrt(gauss_variance(noise))
    X: Points = []
    y: list[int] = []
    for label, (count, (cx, cy)) in enumerate(zip(_split_evenly(n, 2), GAUSS_CENTRES)):
        for _ in range(count):
            X.append([rng.gauss(cx, std), rng.gauss(cy, std)])
            y.append(label)
    return _shuffled(X, y, rng)


# --- regression ---------------------------------------------------------------------------


def make_regression(
    n: int = 100, noise: float = 0.1, seed: int | None = 0
) -> tuple[Points, list[float]]:
    """A noisy sine wave: 1-D inputs ``[x]``, float targets ``sin(x) + noise``.

    ``x`` is drawn uniformly from [-pi, pi]; ``noise`` is the standard
    deviation of the Gaussian noise added to each target. Unlike
    scikit-learn's ``make_regression`` (a random linear problem) this is a
    curve, so a model needs a hidden layer to fit it. Feed it to
    ``MLP(1, [...])``: every point of X is a one-element list.
    """
    _check_n(n, 1, "make_regression", "at least one sample")
    _check_noise(noise, "make_regression")
    rng = random.Random(seed)
    xs = [rng.uniform(-math.pi, math.pi) for _ in range(n)]
    targets = [math.sin(x) for x in xs]
    if noise:
        targets = [t + rng.gauss(0.0, noise) for t in targets]
    return [[x] for x in xs], targets


# --- splitting and batching ------------------------------------------------------------------


def _check_pairs(X: Any, y: Any, who: str) -> int:
    """Number of samples, after checking X and y are equally long sequences."""
    for name, data in (("X", X), ("y", y)):
        if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
            raise TypeError(f"{who}: {name} must be a list, got {type(data).__name__}")
    if len(X) != len(y):
        raise ValueError(
            f"{who}: X has {len(X)} samples but y has {len(y)}; pass one label per point"
        )
    return len(X)


def train_test_split(
    X: Sequence[XItem],
    y: Sequence[YItem],
    test_size: float = 0.25,
    seed: int | None = 0,
    shuffle: bool = True,
) -> tuple[list[XItem], list[XItem], list[YItem], list[YItem]]:
    """``X_train, X_test, y_train, y_test``, in scikit-learn's order.

    The test set gets ``ceil(test_size * n)`` samples, the training set the
    rest. With ``shuffle`` the samples are dealt out in a random order fixed
    by ``seed``; without it the last samples form the test set.
    """
    n = _check_pairs(X, y, "train_test_split")
    check_real(test_size, "test_size", who="train_test_split")
    if not 0.0 < test_size < 1.0:
        hint = ""
        if test_size >= 1 and n:
            hint = f"; to hold out {test_size:g} samples pass test_size={test_size:g} / len(X)"
        raise ValueError(
            f"train_test_split: test_size is the fraction held out and must be "
            f"strictly between 0 and 1, got {test_size!r}{hint}"
        )
    # round() first so that 0.3 * 10 = 3.0000000000000004 gives 3, not 4.
    n_test = math.ceil(round(test_size * n, 9))
    if n_test >= n:
        raise ValueError(
            f"train_test_split: test_size={test_size!r} of {n} samples leaves none "
            "for training; use a smaller test_size or more samples"
        )
    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
    train, test = order[: n - n_test], order[n - n_test :]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


class Batches(Iterator[tuple[list[XItem], list[YItem]]]):
    """One pass over a data set in mini-batches ``(X_batch, y_batch)``.

    An iterator, used up after one pass like a generator; ``len()`` is the
    number of batches, as for a PyTorch ``DataLoader``. Made by
    :func:`batches`.
    """

    def __init__(
        self, X: Sequence[XItem], y: Sequence[YItem], batch_size: int, order: list[int]
    ) -> None:
        self._X = X
        self._y = y
        self._order = order
        self.batch_size = batch_size
        self._next = 0

    def __len__(self) -> int:
        return math.ceil(len(self._order) / self.batch_size)

    def __iter__(self) -> Batches[XItem, YItem]:
        return self

    def __next__(self) -> tuple[list[XItem], list[YItem]]:
        if self._next >= len(self._order):
            raise StopIteration
        chosen = self._order[self._next : self._next + self.batch_size]
        self._next += self.batch_size
        return [self._X[i] for i in chosen], [self._y[i] for i in chosen]

    def __repr__(self) -> str:
        size = f"{len(self._order)} samples, batch_size={self.batch_size}"
        return f"Batches({size}, {len(self)} batches)"


def batches(
    X: Sequence[XItem],
    y: Sequence[YItem],
    batch_size: int,
    shuffle: bool = True,
    seed: int | None = None,
) -> Batches[XItem, YItem]:
    """Mini-batches for one epoch: ``for xb, yb in batches(X, y, 32): ...``.

    Every sample appears in exactly one batch; the last batch is short when
    ``batch_size`` does not divide ``len(X)``. With ``shuffle`` the order is
    random: the same for every call with the same ``seed`` (pass
    ``seed=epoch`` for a new but reproducible order each epoch), fresh each
    call with ``seed=None``. Arguments are checked when you call this, not
    when the first batch is drawn.
    """
    n = _check_pairs(X, y, "batches")
    check_int(batch_size, "batch_size", who="batches")
    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
    return Batches(X, y, batch_size, order)
