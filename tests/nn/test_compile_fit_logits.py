"""fit(compile=...) with bce_with_logits and cross_entropy: as eager, even at extreme logits.

The compiled losses (nn.compiled) are written branch-free; the eager ones
branch on the logits. Same values and gradients: bit for bit for
bce_with_logits with 0/1 labels; for cross_entropy training to 1e-12 relative,
and each loss to 1e-12 relative or 1e-15 absolute (the accuracy of both).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

import nn
from engine import Value
from nn.compiled import LOSS_GRAPHS
from nn.losses import binary_cross_entropy_with_logits, cross_entropy
from nn.optim import SGD, Adam

EXTREME = [-1000.0, -745.0, -40.0, -20.5, -5.0, -0.3, -0.0]
EXTREME += [-x for x in EXTREME]


def _close(a: float, b: float, rel: float = 1e-12, floor: float = 0.0) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) + floor


def _train(how: Any, loss: str, scale: float = 1.0, init: str | None = None, opt: Any = SGD) -> Any:
    random.seed(5)
    X, labels = nn.data.make_moons(40, noise=0.1, seed=3)
    X = [[scale * a for a in row] for row in X]
    n_out = 1
    y: list[Any] = list(labels)
    if loss == "cross_entropy":  # three classes
        n_out = 3
        y = [t + (1 if i % 3 == 0 else 0) for i, t in enumerate(labels)]
    model = nn.MLP(2, [6, 5, n_out], init=init) if init else nn.MLP(2, [6, 5, n_out])
    history = nn.fit(
        model,
        X,
        y,
        loss=loss,
        optimizer=opt(model.parameters(), lr=0.05),
        epochs=3,
        batch_size=16,
        verbose=False,
        seed=2,
        compile=how,
    )
    return history.history, [p.data for p in model.parameters()]


# scale 1: ordinary logits; scale 1000: logits in the hundreds and thousands
CASES = [(1.0, None), (1.0, "zeros"), (1000.0, None)]


@pytest.mark.parametrize(("scale", "init"), CASES)
def test_bce_fit_compiled_is_bit_for_bit_eager(scale: float, init: str | None) -> None:
    eager = _train(False, "bce_with_logits", scale, init)
    assert _train(True, "bce_with_logits", scale, init) == eager


@pytest.mark.parametrize(("scale", "init"), CASES)
def test_cross_entropy_fit_compiled_agrees_to_1e_12(scale: float, init: str | None) -> None:
    (history, weights), (eager_history, eager_weights) = (
        _train(True, "cross_entropy", scale, init),
        _train(False, "cross_entropy", scale, init),
    )
    assert history["accuracy"] == eager_history["accuracy"]
    assert all(_close(a, b) for a, b in zip(history["loss"], eager_history["loss"]))
    assert all(_close(a, b) for a, b in zip(weights, eager_weights))


@pytest.mark.parametrize("loss", ["bce_with_logits", "cross_entropy"])
def test_numpy_fit_agrees_closely(loss: str) -> None:
    pytest.importorskip("numpy")
    for scale in (1.0, 1000.0):
        history, weights = _train("numpy", loss, scale, opt=Adam)
        eager_history, eager_weights = _train(False, loss, scale, opt=Adam)
        assert history["accuracy"] == eager_history["accuracy"]
        assert all(_close(a, b) for a, b in zip(history["loss"], eager_history["loss"]))
        # a weight that ends near 0 (w - lr*g cancelling) is compared absolutely
        assert all(_close(a, b, 1e-12, 1e-12) for a, b in zip(weights, eager_weights))


@pytest.mark.parametrize("y", [0.0, 1.0, 0.25, 0.9])
def test_bce_graph_matches_eager_at_extreme_logits(y: float) -> None:
    for x in EXTREME:
        eager_x, graph_x = Value(x), Value(x)
        eager = binary_cross_entropy_with_logits([eager_x], [y])
        eager.backward()
        graph = LOSS_GRAPHS["bce_with_logits"]([graph_x], [Value(y)])
        graph.backward()
        if y in (0.0, 1.0):
            assert (graph.data, graph_x.grad) == (eager.data, eager_x.grad), x
        else:  # a soft label: 1 - y and (1/2 - y) + 1/2 may round differently
            assert _close(graph.data, eager.data, 1e-15), x
            assert graph_x.grad == eager_x.grad, x
        # the true slope is sigmoid(x) - y, also at the kink x = 0
        if x == 0.0:
            assert graph_x.grad == 0.5 - y


@pytest.mark.parametrize("target", [0, 1, 2])
def test_cross_entropy_graph_matches_eager_at_extreme_logits(target: int) -> None:
    rng = random.Random(target)
    for _ in range(30):
        row = [rng.choice(EXTREME) + rng.uniform(-1.0, 1.0) for _ in range(3)]
        eager_zs, graph_zs = [Value(z) for z in row], [Value(z) for z in row]
        eager = cross_entropy(eager_zs, target)
        eager.backward()
        hot = [Value(float(k == target)) for k in range(3)]
        graph = LOSS_GRAPHS["cross_entropy"]([graph_zs], [hot])
        graph.backward()
        # Both forms are accurate to about 1e-16 absolute (log of a sum >= 1), so a
        # loss near 0 is compared absolutely; the shift here is a Value, the running
        # max of the logits up to rounding, and its gradient, 1 - sum(softmax), is a
        # few roundings that reach the largest logit.
        assert _close(graph.data, eager.data, 1e-12, 1e-15), row
        for a, b in zip(graph_zs, eager_zs):
            assert _close(a.grad, b.grad, 1e-12, 1e-15), row
