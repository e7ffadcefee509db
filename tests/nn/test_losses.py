"""Tests for nn.losses, with torch.nn.functional (float64) as the oracle.

Each loss is compared with torch in value and in gradient with respect to
its inputs, for both reductions, for single values, lists and (for
cross_entropy) batches; at extreme logits (+-1000); and for every error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import Value
from nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional

# float64 on both sides; only the order of summation may differ. The
# absolute part covers log(1 + e) for tiny e, which we compute without
# log1p (error ~1e-16, see binary_cross_entropy_with_logits).
TOL = 1e-12
REDUCTIONS = ["mean", "sum"]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


def t64(xs: Any, requires_grad: bool = False) -> Any:
    return torch.tensor(xs, dtype=torch.float64, requires_grad=requires_grad)


def ours(loss: Callable[..., Value], xs: Sequence[float], *args: Any, **kw: Any):
    """Our loss on fresh leaves: (value, gradient w.r.t. each input)."""
    leaves = [Value(x) for x in xs]
    out = loss(leaves, *args, **kw)
    out.backward()
    return out.data, [v.grad for v in leaves]


def theirs(loss: Callable[..., Any], xs: Sequence[float], *args: Any, **kw: Any):
    t = t64(list(xs), requires_grad=True)
    out = loss(t, *args, **kw)
    out.backward()
    return out.item(), t.grad.tolist()


def assert_match(a: tuple[float, list[float]], b: tuple[float, list[float]]) -> None:
    (value_a, grads_a), (value_b, grads_b) = a, b
    assert close(value_a, value_b), (value_a, value_b)
    assert len(grads_a) == len(grads_b)
    for i, (ga, gb) in enumerate(zip(grads_a, grads_b)):
        assert math.isfinite(ga), (i, ga)
        assert close(ga, gb), (i, ga, gb)


def pairs(draw_x: st.SearchStrategy[float], draw_y: st.SearchStrategy[Any], max_size: int = 8):
    """Equally long lists of inputs and targets."""
    return st.integers(1, max_size).flatmap(
        lambda n: st.tuples(
            st.lists(draw_x, min_size=n, max_size=n), st.lists(draw_y, min_size=n, max_size=n)
        )
    )


moderate = st.floats(-5.0, 5.0)
labels01 = st.sampled_from([0.0, 1.0])
soft = st.floats(0.0, 1.0)


# --- mse_loss --------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=pairs(moderate, moderate))
def test_mse_matches_torch(data, reduction):
    xs, ys = data
    assert_match(
        ours(mse_loss, xs, ys, reduction=reduction),
        theirs(F.mse_loss, xs, t64(ys), reduction=reduction),
    )


def test_mse_on_single_values_and_plain_floats():
    x = Value(2.0)
    loss = mse_loss(x, 3.5)
    loss.backward()
    assert loss.data == 2.25
    assert x.grad == -3.0  # 2 (x - y)
    # plain numbers are accepted as predictions (they get no gradient)
    assert mse_loss([1, 2.0], [0, 0]).data == 2.5
    assert mse_loss(Value(1.0), [3.0]).data == 4.0


# --- binary_cross_entropy -----------------------------------------------------------


probabilities = st.floats(1e-6, 1.0 - 1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=pairs(probabilities, st.one_of(labels01, soft)))
def test_bce_matches_torch(data, reduction):
    ps, ys = data
    assert_match(
        ours(binary_cross_entropy, ps, ys, reduction=reduction),
        theirs(F.binary_cross_entropy, ps, t64(ys), reduction=reduction),
    )


# Up to |x| = 25, p * (1 - p) stays above 1e-12. Beyond it torch's backward
# divides by 1e-12 instead of p * (1 - p) and its gradient drifts from the
# exact sigmoid(x) - y, which is what we compute.
@given(data=pairs(st.floats(-25.0, 25.0), labels01))
def test_bce_after_sigmoid_matches_torch(data):
    xs, ys = data

    def chained(vs, targets):
        return binary_cross_entropy([v.sigmoid() for v in vs], targets)

    def torch_chained(t, targets):
        return F.binary_cross_entropy(torch.sigmoid(t), targets)

    assert_match(ours(chained, xs, ys), theirs(torch_chained, xs, t64(ys)))


@pytest.mark.parametrize(
    ("p", "y"),
    [(0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (1.0, 1.0), (1e-50, 1.0), (1.0 - 1e-17, 0.0), (0.0, 0.5)],
)
def test_bce_clamps_the_log_at_minus_100_like_torch(p, y):
    value, (grad,) = ours(binary_cross_entropy, [p], [y])
    expected = F.binary_cross_entropy(t64([p]), t64([y])).item()
    assert value == pytest.approx(expected, rel=TOL, abs=TOL)
    assert value <= 100.0
    assert math.isfinite(grad)


def test_bce_clamped_log_is_flat():
    # Where log(p) < -100 the clamp is constant, so it passes no gradient.
    # (torch's hand-written backward reports (p - y) / 1e-12 there instead;
    # see nn.losses._clamped_log.)
    p = Value(0.0)
    loss = binary_cross_entropy(p, 1.0)
    loss.backward()
    assert loss.data == 100.0
    assert p.grad == 0.0


# --- binary_cross_entropy_with_logits -------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=pairs(st.floats(-60.0, 60.0), st.one_of(labels01, soft)))
def test_bce_with_logits_matches_torch(data, reduction):
    xs, ys = data
    assert_match(
        ours(binary_cross_entropy_with_logits, xs, ys, reduction=reduction),
        theirs(F.binary_cross_entropy_with_logits, xs, t64(ys), reduction=reduction),
    )


EXTREME_LOGITS = [1000.0, -1000.0, 745.0, -745.0, 1e308, -1e308, 0.0, 36.0, -36.0]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
def test_bce_with_logits_is_stable_at_extreme_logits(y, reduction):
    ys = [y] * len(EXTREME_LOGITS)
    value, grads = ours(binary_cross_entropy_with_logits, EXTREME_LOGITS, ys, reduction=reduction)
    assert math.isfinite(value)
    assert all(math.isfinite(g) for g in grads)
    expected = theirs(
        F.binary_cross_entropy_with_logits, EXTREME_LOGITS, t64(ys), reduction=reduction
    )
    assert_match((value, grads), expected)


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target(y):
    # max(x, 0) and |x| both have a kink at 0; written naively with relu and
    # abs the gradient there would be -y, not sigmoid(0) - y.
    x = Value(0.0)
    loss = binary_cross_entropy_with_logits(x, y)
    loss.backward()
    assert loss.data == pytest.approx(math.log(2.0), rel=TOL)
    assert x.grad == pytest.approx(0.5 - y, rel=TOL, abs=TOL)


# --- hinge_loss ------------------------------------------------------------------------


def torch_hinge(t, targets, reduction="mean"):
    margins = F.relu(1.0 - targets * t)
    return margins.mean() if reduction == "mean" else margins.sum()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=pairs(moderate, st.sampled_from([-1, 1])))
def test_hinge_matches_torch(data, reduction):
    xs, ys = data
    assert_match(
        ours(hinge_loss, xs, ys, reduction=reduction),
        theirs(torch_hinge, xs, t64(ys), reduction=reduction),
    )


def test_hinge_is_micrograds_loss():
    scores = [Value(s) for s in (0.3, -2.0, 1.0, 4.0)]
    ys = [1, 1, 1, -1]
    micrograd_style = sum((1 + -y * s).relu() for y, s in zip(ys, scores)) * (1.0 / len(ys))
    assert hinge_loss(scores, ys).data == pytest.approx(micrograd_style.data, rel=TOL)  # type: ignore[union-attr]
    # At the margin exactly relu'(0) = 0, as in torch and micrograd.
    s = Value(1.0)
    hinge_loss(s, 1).backward()
    assert s.grad == 0.0


# --- cross_entropy ---------------------------------------------------------------------------


def class_batches(max_batch: int = 4, max_classes: int = 5, logits=moderate):
    """(rows, targets): a batch of logit-lists of one width and class indices."""

    def build(shape: tuple[int, int]):
        n, c = shape
        row = st.lists(logits, min_size=c, max_size=c)
        return st.tuples(
            st.lists(row, min_size=n, max_size=n),
            st.lists(st.integers(0, c - 1), min_size=n, max_size=n),
        )

    return st.tuples(st.integers(1, max_batch), st.integers(1, max_classes)).flatmap(build)


def ours_batch(rows, targets, **kw):
    leaves = [[Value(z) for z in row] for row in rows]
    out = cross_entropy(leaves, targets, **kw)
    out.backward()
    return out.data, [v.grad for row in leaves for v in row]


def theirs_batch(rows, targets, **kw):
    t = t64(rows, requires_grad=True)
    out = F.cross_entropy(t, torch.tensor(targets), **kw)
    out.backward()
    return out.item(), t.grad.flatten().tolist()


@given(data=class_batches(max_batch=1))
def test_cross_entropy_one_sample_matches_torch(data):
    (row,), (target,) = data
    expected = theirs(F.cross_entropy, row, torch.tensor(target))
    assert_match(ours(cross_entropy, row, target), expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=class_batches())
def test_cross_entropy_batch_matches_torch(data, reduction):
    rows, targets = data
    assert_match(
        ours_batch(rows, targets, reduction=reduction),
        theirs_batch(rows, targets, reduction=reduction),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "rows",
    [
        [[1000.0, -1000.0, 0.0]] * 3,
        [[1000.0, 1000.0, -1000.0]] * 3,
        [[-1000.0, -1000.0, -1000.0]] * 3,
        [[1e6, -1e6, 3.0]] * 3,
    ],
)
def test_cross_entropy_is_stable_at_extreme_logits(rows, reduction):
    targets = [0, 1, 2]
    value, grads = ours_batch(rows, targets, reduction=reduction)
    assert math.isfinite(value)
    assert all(math.isfinite(g) for g in grads)
    assert_match((value, grads), theirs_batch(rows, targets, reduction=reduction))


def test_cross_entropy_accepts_plain_floats_and_a_layer_output():
    assert cross_entropy([0.0, 0.0], 1).data == pytest.approx(math.log(2.0), rel=TOL)
    assert cross_entropy((Value(5.0),), 0).data == 0.0  # one class: always right


# --- penalties ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ours_fn", "torch_fn"),
    [(l1_penalty, lambda t: t.abs().sum()), (l2_penalty, lambda t: (t * t).sum())],
)
@given(xs=st.lists(st.floats(-5.0, 5.0).filter(lambda x: x != 0.0), min_size=1, max_size=10))
def test_penalties_match_torch(ours_fn, torch_fn, xs):
    assert_match(ours(lambda vs: ours_fn(vs), xs), theirs(torch_fn, xs))


def test_penalties_accept_a_generator_and_repeated_parameters():
    p = Value(3.0)
    assert l2_penalty(q for q in [p, p]).data == 18.0
    assert l1_penalty(iter([p, Value(-1.0)])).data == 4.0


# --- graph shape: reductions and penalties are single nodes -------------------------------------


def test_sum_reduction_is_one_node():
    xs = [Value(float(i)) for i in range(5)]
    loss = mse_loss(xs, [0.0] * 5, reduction="sum")
    assert loss._op == "sum"
    assert len(loss._prev) == 5


def test_mean_reduction_is_one_sum_node_then_a_division():
    xs = [Value(float(i)) for i in range(5)]
    loss = hinge_loss(xs, [1] * 5)
    assert loss._op == "/"
    total, n = loss._prev
    assert total._op == "sum"
    assert len(total._prev) == 5
    assert n.data == 5.0


def test_l2_penalty_is_one_dot_node_and_l1_one_sum_node():
    ps = [Value(float(i)) for i in range(4)]
    l2 = l2_penalty(ps)
    assert l2._op == "dot"
    assert l2._prev == (*ps, *ps)
    l1 = l1_penalty(ps)
    assert l1._op == "sum"
    assert [parent._prev[0] for parent in l1._prev] == ps


# --- errors ------------------------------------------------------------------------------------

v = [Value(0.5), Value(-1.0)]

ERRORS: list[tuple[Callable[[], Any], type[Exception], str]] = [
    # lengths and emptiness
    (lambda: mse_loss(v, [1.0]), ValueError, r"2 preds but 1 targets.*one target per pred"),
    (lambda: mse_loss([], []), ValueError, r"no preds"),
    (lambda: hinge_loss(v, [1, 1, 1]), ValueError, r"2 scores but 3 targets"),
    (lambda: binary_cross_entropy_with_logits(v[0], [1, 0]), ValueError, r"1 logits but 2"),
    # reductions
    (lambda: mse_loss(v, [1, 2], reduction="avg"), ValueError, r"unknown reduction 'avg'.*'mean'"),
    (lambda: mse_loss(v, [1, 2], reduction="none"), ValueError, r"each sample separately"),
    (lambda: cross_entropy([v], [0], reduction="max"), ValueError, r"unknown reduction 'max'"),
    # probabilities and targets
    (lambda: binary_cross_entropy(Value(1.5), 1), ValueError, r"probs\[0\] = 1.5.*sigmoid"),
    (lambda: binary_cross_entropy(v, [1, 0]), ValueError, r"probs\[1\] = -1.0 is not a prob"),
    (lambda: binary_cross_entropy(Value(0.5), 2), ValueError, r"targets\[0\] = 2.0.*0/1"),
    (lambda: binary_cross_entropy_with_logits(v, [1, -1]), ValueError, r"targets\[1\] = -1.0"),
    (lambda: hinge_loss(v, [1, 0]), ValueError, r"targets\[1\] = 0.0.*2 \* y - 1"),
    (lambda: hinge_loss(v, [0.5, 1]), ValueError, r"-1 or \+1"),
    # class indices
    (lambda: cross_entropy(v, 2), ValueError, r"target = 2 is not a class index.*0 \.\. 1"),
    (lambda: cross_entropy(v, -1), ValueError, r"target = -1 is not a class index"),
    (lambda: cross_entropy(v, 1.0), TypeError, r"class index \(an int\), got float"),  # type: ignore[arg-type]
    (lambda: cross_entropy(v, True), TypeError, r"class index \(an int\), got bool"),
    (lambda: cross_entropy([], 0), ValueError, r"no logits"),
    (lambda: cross_entropy(v, [0, 1]), ValueError, r"logits of one sample but 2 targets.*batch"),
    (lambda: cross_entropy([v, v], [0, 5]), ValueError, r"target\[1\] = 5"),
    (lambda: cross_entropy([v, v], [0]), ValueError, r"2 logit-lists but 1 targets"),
    (lambda: cross_entropy([v, v], 0), ValueError, r"single target.*one class index per sample"),
    (lambda: cross_entropy([v, [*v, v[0]]], [0, 0]), ValueError, r"logits\[1\] has 3 classes"),
    # types
    (lambda: mse_loss(v, [Value(1.0), 2.0]), TypeError, r"targets\[0\] is a Value.*\.data"),  # type: ignore[list-item]
    (lambda: mse_loss("ab", [1, 2]), TypeError, r"preds must be a Value, a number or a list"),  # type: ignore[arg-type]
    (lambda: mse_loss([None], [1]), TypeError, r"preds\[0\] is a NoneType"),  # type: ignore[list-item]
    (lambda: mse_loss(v, None), TypeError, r"targets must be a number or a list"),  # type: ignore[arg-type]
    (lambda: mse_loss(v, ["1", 2]), TypeError, r"targets\[0\] is a str"),  # type: ignore[list-item]
    # penalties
    (lambda: l2_penalty([]), ValueError, r"no parameters.*model.parameters\(\)"),
    (lambda: l1_penalty([1.0, 2.0]), TypeError, r"params\[0\] is a float"),  # type: ignore[list-item]
]


@pytest.mark.parametrize(("call", "error", "pattern"), ERRORS)
def test_errors_name_the_problem_and_the_fix(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_penalty_given_a_model_says_to_pass_its_parameters():
    from nn import MLP

    model = MLP(2, [3, 1])
    with pytest.raises(TypeError, match=r"model.parameters\(\), not the model"):
        l2_penalty(model)  # type: ignore[arg-type]
    assert l2_penalty(model.parameters()).data > 0.0
