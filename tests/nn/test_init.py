"""Tests for nn.init: PyTorch's initialisers on list-of-rows weight matrices.

Statistics are taken over a 200 x 300 matrix (N = 60,000 draws). The
tolerances come from the sampling distributions, at 5 standard errors
(a false alarm has probability below 1e-6 for a fresh seed; with the
fixed seeds used here the tests are deterministic anyway):

* sample mean: standard error sigma / sqrt(N);
* sample variance: standard error sqrt((mu4 - sigma**4) / N), where the
  fourth central moment mu4 is 9/5 sigma**4 for a uniform distribution and
  3 sigma**4 for a normal one, i.e. about 0.37% and 0.58% of sigma**2;
* largest |sample| of U(-b, b): it stays below b(1 - eps) with probability
  (1 - eps)**N, which is e**-60 for eps = 1e-3.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable
from typing import Any

import pytest

from engine import Value
from nn import Layer
from nn.init import (
    NONLINEARITIES,
    calculate_gain,
    fan_in_and_fan_out,
    kaiming_normal_,
    kaiming_uniform_,
    normal_,
    uniform_,
    xavier_normal_,
    xavier_uniform_,
    zeros_,
)

OUT, IN = 200, 300
N = OUT * IN
Z = 5.0  # standard errors allowed
EPS = 1e-3  # how close the largest |sample| must come to a uniform bound

KURTOSIS = {"uniform": 9 / 5, "normal": 3.0}  # mu4 / sigma**4


def matrix(rows: int = OUT, cols: int = IN) -> list[list[Value]]:
    return [[Value(7.0) for _ in range(cols)] for _ in range(rows)]


def flat(w: list[list[Value]]) -> list[float]:
    return [p.data for row in w for p in row]


def assert_mean(xs: list[float], mean: float, var: float) -> None:
    se = math.sqrt(var / len(xs))
    assert abs(statistics.fmean(xs) - mean) < Z * se


def assert_variance(xs: list[float], var: float, kind: str) -> None:
    se = var * math.sqrt((KURTOSIS[kind] - 1.0) / len(xs))
    sample = statistics.pvariance(xs)
    assert abs(sample - var) < Z * se, (sample, var, se)


def assert_uniform(xs: list[float], lo: float, hi: float) -> None:
    """All draws in [lo, hi], both ends reached, right mean and variance."""
    assert all(lo <= x <= hi for x in xs)
    width = hi - lo
    assert min(xs) < lo + EPS * width
    assert max(xs) > hi - EPS * width
    var = width**2 / 12.0
    assert_mean(xs, (lo + hi) / 2.0, var)
    assert_variance(xs, var, "uniform")


def assert_normal(xs: list[float], mean: float, std: float) -> None:
    assert_mean(xs, mean, std**2)
    assert_variance([x - mean for x in xs], std**2, "normal")


# --- plain distributions ---------------------------------------------------------------


def test_uniform_statistics():
    w = uniform_(matrix(), -2.0, 3.0, rng=random.Random(1))
    assert_uniform(flat(w), -2.0, 3.0)


def test_uniform_default_is_zero_to_one():
    assert_uniform(flat(uniform_(matrix(), rng=random.Random(2))), 0.0, 1.0)


def test_normal_statistics():
    w = normal_(matrix(), mean=1.5, std=0.5, rng=random.Random(3))
    assert_normal(flat(w), 1.5, 0.5)
    assert_normal(flat(normal_(matrix(), rng=random.Random(4))), 0.0, 1.0)


def test_zeros():
    w = zeros_(matrix(3, 4))
    assert flat(w) == [0.0] * 12
    bias = [Value(1.0), Value(2.0)]
    assert zeros_(bias, rng=random.Random(0)) is bias  # rng accepted, ignored
    assert [b.data for b in bias] == [0.0, 0.0]


def test_flat_lists_are_accepted_for_biases():
    bias = [Value(0.0) for _ in range(N)]
    uniform_(bias, -1.0, 1.0, rng=random.Random(5))
    assert_uniform([b.data for b in bias], -1.0, 1.0)
    normal_(bias, 0.0, 2.0, rng=random.Random(6))
    assert_normal([b.data for b in bias], 0.0, 2.0)


def test_degenerate_distributions():
    assert set(flat(uniform_(matrix(2, 2), 0.5, 0.5))) == {0.5}
    assert set(flat(normal_(matrix(2, 2), 0.25, 0.0))) == {0.25}


# --- variance-scaling schemes: our formulas ---------------------------------------------------


@pytest.mark.parametrize("gain", [1.0, 5 / 3, math.sqrt(2.0)])
def test_xavier_uniform_bound_and_variance(gain):
    bound = gain * math.sqrt(6.0 / (IN + OUT))
    w = xavier_uniform_(matrix(), gain=gain, rng=random.Random(7))
    assert_uniform(flat(w), -bound, bound)


@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier_normal_variance(gain):
    w = xavier_normal_(matrix(), gain=gain, rng=random.Random(8))
    assert_normal(flat(w), 0.0, gain * math.sqrt(2.0 / (IN + OUT)))


KAIMING_CASES = [
    # (a, mode, nonlinearity, gain)
    (0, "fan_in", "leaky_relu", math.sqrt(2.0)),  # the defaults: He for ReLU
    (0.2, "fan_in", "leaky_relu", math.sqrt(2.0 / 1.04)),
    (0, "fan_out", "relu", math.sqrt(2.0)),
    (0, "fan_in", "tanh", 5 / 3),
    (0.5, "fan_out", "linear", 1.0),  # a only matters for leaky_relu
]


@pytest.mark.parametrize(("a", "mode", "nonlinearity", "gain"), KAIMING_CASES)
def test_kaiming_uniform_bound_and_variance(a, mode, nonlinearity, gain):
    fan = IN if mode == "fan_in" else OUT
    bound = gain * math.sqrt(3.0 / fan)
    w = kaiming_uniform_(matrix(), a=a, mode=mode, nonlinearity=nonlinearity, rng=random.Random(9))
    assert_uniform(flat(w), -bound, bound)


@pytest.mark.parametrize(("a", "mode", "nonlinearity", "gain"), KAIMING_CASES)
def test_kaiming_normal_variance(a, mode, nonlinearity, gain):
    fan = IN if mode == "fan_in" else OUT
    w = kaiming_normal_(matrix(), a, mode, nonlinearity, rng=random.Random(10))
    assert_normal(flat(w), 0.0, gain / math.sqrt(fan))


# --- the same schemes against torch's own samples ----------------------------------------------

SCHEMES: list[tuple[str, dict[str, Any]]] = [
    ("xavier_uniform_", {}),
    ("xavier_uniform_", {"gain": 2.5}),
    ("xavier_normal_", {"gain": 0.7}),
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", {"a": math.sqrt(5.0)}),  # what torch.nn.Linear uses
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", {}),
    ("kaiming_normal_", {"a": 0.1, "mode": "fan_out"}),
]


@pytest.mark.parametrize(("name", "kwargs"), SCHEMES)
def test_spread_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    import nn.init

    torch.manual_seed(0)
    theirs = getattr(torch.nn.init, name)(
        torch.empty(OUT, IN, dtype=torch.float64), **kwargs
    ).flatten()
    ours = flat(getattr(nn.init, name)(matrix(), rng=random.Random(11), **kwargs))
    if "uniform" in name:
        # Both largest |samples| are within EPS of the same bound.
        assert max(map(abs, ours)) == pytest.approx(theirs.abs().max().item(), rel=EPS)
    else:
        # Two independent sample variances: the difference has a standard
        # error sqrt(2) times that of one.
        var = theirs.var(unbiased=False).item()
        se = var * math.sqrt(2.0 * (KURTOSIS["normal"] - 1.0) / N)
        assert abs(statistics.pvariance(ours) - var) < Z * se


# --- gains and fans ---------------------------------------------------------------------------


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_gains_equal_torch(nonlinearity):
    torch = pytest.importorskip("torch")
    assert calculate_gain(nonlinearity) == torch.nn.init.calculate_gain(nonlinearity)


@pytest.mark.parametrize("slope", [None, 0, 0.01, 0.2, 1, 3.5, -0.5])
def test_leaky_relu_gain_equals_torch(slope):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init.calculate_gain("leaky_relu", slope)
    assert calculate_gain("leaky_relu", slope) == pytest.approx(expected, rel=1e-15)


def test_gain_values_from_the_brief():
    assert calculate_gain("linear") == calculate_gain("sigmoid") == 1.0
    assert calculate_gain("tanh") == 5 / 3
    assert calculate_gain("relu") == math.sqrt(2.0)
    assert calculate_gain("leaky_relu") == math.sqrt(2.0 / (1.0 + 0.01**2))
    assert calculate_gain("selu") == 0.75
    assert calculate_gain("relu", 0.5) == math.sqrt(2.0)  # param ignored


@pytest.mark.parametrize(("out", "inp"), [(1, 1), (3, 5), (5, 3), (7, 1), (1, 7), (OUT, IN)])
def test_fans_equal_torch(out, inp):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(out, inp))
    assert fan_in_and_fan_out(matrix(out, inp)) == expected == (inp, out)


def test_fans_of_a_layer():
    layer = Layer(4, 3)
    assert fan_in_and_fan_out([n.w for n in layer.neurons]) == (4, 3)


# --- in place, data only, determinism -------------------------------------------------------------

ALL_INITS: list[Callable[..., Any]] = [
    zeros_,
    uniform_,
    normal_,
    xavier_uniform_,
    xavier_normal_,
    kaiming_uniform_,
    kaiming_normal_,
]


@pytest.mark.parametrize("init", ALL_INITS, ids=lambda f: f.__name__)
def test_writes_data_in_place_and_returns_the_matrix(init):
    w = matrix(3, 4)
    before = [list(row) for row in w]
    for row in w:
        for p in row:
            p.grad = 2.5
            p.label = "w"
    assert init(w, rng=random.Random(0)) is w
    assert all(a is b for ra, rb in zip(before, w) for a, b in zip(ra, rb))
    for row in w:
        for p in row:
            assert p.grad == 2.5
            assert p.label == "w"
            assert p.is_leaf
            assert p.data != 7.0


def test_initialises_a_layer_in_place():
    layer = Layer(3, 2)
    kaiming_uniform_([n.w for n in layer.neurons], nonlinearity="relu", rng=random.Random(0))
    zeros_([n.b for n in layer.neurons])
    bound = math.sqrt(2.0) * math.sqrt(3.0 / 3)
    assert all(abs(p.data) <= bound for n in layer.neurons for p in n.w)
    assert all(n.b.data == 0.0 for n in layer.neurons)
    # The layer computes with the new weights (its neurons are ReLUs).
    xs = [1.0, 2.0, 3.0]
    expected = [max(0.0, sum(p.data * x for p, x in zip(n.w, xs))) for n in layer.neurons]
    assert [o.data for o in layer(xs)] == pytest.approx(expected, rel=1e-12)  # type: ignore[union-attr]


@pytest.mark.parametrize("init", ALL_INITS[1:], ids=lambda f: f.__name__)
def test_a_seeded_rng_is_reproducible_and_leaves_global_random_alone(init):
    random.seed(123)
    expected_next = random.random()
    random.seed(123)
    a = flat(init(matrix(4, 5), rng=random.Random(42)))
    b = flat(init(matrix(4, 5), rng=random.Random(42)))
    c = flat(init(matrix(4, 5), rng=random.Random(43)))
    assert a == b
    assert a != c
    assert random.random() == expected_next


@pytest.mark.parametrize("init", ALL_INITS[1:], ids=lambda f: f.__name__)
def test_without_rng_the_global_random_is_used(init):
    random.seed(7)
    a = flat(init(matrix(4, 5)))
    random.seed(7)
    b = flat(init(matrix(4, 5)))
    assert a == b
    assert a != flat(init(matrix(4, 5)))


# --- errors -------------------------------------------------------------------------------------

v = Value(1.0)

ERRORS: list[tuple[Callable[[], Any], type[Exception], str]] = [
    (lambda: kaiming_uniform_(matrix(2, 2), mode="fan_avg"), ValueError, r"unknown mode 'fan_avg'"),
    (
        lambda: kaiming_normal_(matrix(2, 2), mode="in"),
        ValueError,
        r"mode='fan_in' or mode='fan_out'",
    ),
    (
        lambda: kaiming_uniform_(matrix(2, 2), nonlinearity="gelu"),
        ValueError,
        r"unsupported nonlin",
    ),
    (lambda: calculate_gain("Relu"), ValueError, r"unsupported nonlinearity 'Relu'.*relu"),
    (lambda: calculate_gain("leaky_relu", "0.1"), ValueError, r"negative_slope '0.1' is not a num"),  # type: ignore[arg-type]
    (lambda: calculate_gain("leaky_relu", True), ValueError, r"not a number"),
    (lambda: xavier_uniform_([]), ValueError, r"empty list"),
    (lambda: zeros_([]), ValueError, r"empty list.*flat list of Values"),
    (lambda: normal_([[v], []]), ValueError, r"row 1 is empty"),
    (
        lambda: uniform_([[v, v], [v]]),
        ValueError,
        r"ragged matrix: row 1 has 1 entries but row 0 has 2",
    ),
    (lambda: kaiming_normal_([[v], [v, v]]), ValueError, r"kaiming_normal_: ragged"),
    (lambda: fan_in_and_fan_out([v, v]), ValueError, r"got a flat list; for a bias use zeros_"),  # type: ignore[list-item]
    (lambda: xavier_normal_([v, v]), ValueError, r"xavier_normal_: .*flat list"),  # type: ignore[list-item]
    (lambda: uniform_([[v, 1.0]]), TypeError, r"w\[0\]\[1\] is a float, not a Value"),  # type: ignore[type-var]
    (lambda: uniform_([v, [v]]), TypeError, r"row 0 must be a list of Values"),  # type: ignore[type-var]
    (lambda: zeros_(v), TypeError, r"needs a list of rows of Values"),  # type: ignore[type-var]
    (lambda: zeros_("abc"), TypeError, r"needs a list of rows"),  # type: ignore[type-var]
    (lambda: uniform_(matrix(2, 2), 1.0, -1.0), ValueError, r"a <= b, got a=1.0 and b=-1.0"),
    (lambda: normal_(matrix(2, 2), std=-1.0), ValueError, r"std must be >= 0, got -1.0"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), ERRORS)
def test_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_a_failed_call_leaves_the_weights_alone():
    w = matrix(2, 2)
    with pytest.raises(ValueError, match="mode"):
        kaiming_uniform_(w, mode="bad")
    assert flat(w) == [7.0] * 4
