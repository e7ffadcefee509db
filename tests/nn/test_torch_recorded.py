"""nn against PyTorch's recorded answers: no torch needed.

Losses (value and gradient), optimizers (trajectories and state buffers,
every option combination), schedulers (the lr of every epoch), defaults
and argument errors, initialisers (spread, gains, fans) and MLPs (forward
and backward), checked against ``tests/torch_oracle/*.json``. The live
tests run torch itself when it is installed; ``test_torch_fixtures.py``
checks that the recordings are what torch answers today.
"""

from __future__ import annotations

import math
import random
import re
import statistics
from collections.abc import Callable
from typing import Any

import pytest

import engine
import nn.init
from engine import Value
from nn import MLP
from nn.init import NONLINEARITIES, calculate_gain, fan_in_and_fan_out
from nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
)
from nn.optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    Optimizer,
    RMSprop,
    StepLR,
)
from nn.utils import clip_grad_norm_
from tests.torch_oracle import cases as inputs
from tests.torch_oracle import load

TOL = 1e-12  # float64 on both sides; only the order of summation may differ


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


# --- losses ------------------------------------------------------------------------------

LOSSES: dict[str, Callable[[Any, Any, str], Value]] = {
    "mse": lambda vs, ys, r: mse_loss(vs, ys, reduction=r),
    "bce": lambda vs, ys, r: binary_cross_entropy(vs, ys, reduction=r),
    "bce_with_logits": lambda vs, ys, r: binary_cross_entropy_with_logits(vs, ys, reduction=r),
    "bce_after_sigmoid": lambda vs, ys, r: binary_cross_entropy([v.sigmoid() for v in vs], ys),
    "hinge": lambda vs, ys, r: hinge_loss(vs, ys, reduction=r),
    "cross_entropy_one": lambda vs, ys, r: cross_entropy(vs, ys),
    "cross_entropy": lambda vs, ys, r: cross_entropy(vs, ys, reduction=r),
    "l1": lambda vs, ys, r: l1_penalty(vs),
    "l2": lambda vs, ys, r: l2_penalty(vs),
}


def test_losses_match_recorded_torch() -> None:
    recorded = load("losses")["cases"]
    assert {case["loss"] for case in recorded} == set(LOSSES)
    for k, case in enumerate(recorded):
        xs = case["xs"]
        rows = isinstance(xs[0], list)
        leaves: Any = [[Value(z) for z in row] for row in xs] if rows else [Value(x) for x in xs]
        out = LOSSES[case["loss"]](leaves, case["ys"], case["reduction"])
        out.backward()
        what = f"case {k}: {case['loss']} {case['reduction']}"
        assert close(out.data, case["value"]), (what, out.data, case["value"])
        assert math.isfinite(out.data), what
        if case.get("value_only"):
            continue
        flat = [v for row in leaves for v in row] if rows else leaves
        assert len(flat) == len(case["grads"])
        for i, (v, g) in enumerate(zip(flat, case["grads"])):
            assert math.isfinite(v.grad), (what, i, v.grad)
            assert close(v.grad, g), (what, i, v.grad, g)


# --- optimizers and schedulers ------------------------------------------------------------

OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "SGD": SGD,
    "Adam": Adam,
    "AdamW": AdamW,
    "RMSprop": RMSprop,
    "Adagrad": Adagrad,
}
SCHEDULERS: dict[str, Callable[..., Any]] = {
    "StepLR": StepLR,
    "ExponentialLR": ExponentialLR,
    "CosineAnnealingLR": CosineAnnealingLR,
    "LambdaLR": LambdaLR,
}


def params() -> list[Value]:
    return [Value(x) for x in inputs.initial_values()]


def step_with(opt: Optimizer, ps: list[Value], grads: list[float]) -> None:
    for p, g in zip(ps, grads):
        p.grad = g
    opt.step()


def test_every_optimizer_configuration_is_recorded() -> None:
    runs = load("optim")["runs"]
    recorded = [(r["optimizer"], inputs.from_json_kwargs(r["kw"])) for r in runs]
    assert recorded == inputs.OPTIMIZER_CONFIGS


@pytest.mark.parametrize("name", inputs.OPTIMIZERS)
def test_optimizers_follow_recorded_torch(name: str) -> None:
    runs = [r for r in load("optim")["runs"] if r["optimizer"] == name]
    assert runs
    for run in runs:
        kw = inputs.from_json_kwargs(run["kw"])
        ps = params()
        opt = OPTIMIZERS[name](ps, **kw)
        for step, grads in enumerate(inputs.gradient_stream(), start=1):
            step_with(opt, ps, grads)
            want = run["trajectory"].get(str(step))
            if want is not None:
                for i, (p, x) in enumerate(zip(ps, want, strict=True)):
                    assert close(p.data, x), f"{name}{kw} step {step}, parameter {i}"
        # the same state buffers, under torch's names
        state = dict(run["state"])
        torch_steps = state.pop("step", None)
        assert set(opt.state) == set(state), (name, kw)
        for key, ours in opt.state.items():
            assert all(map(close, ours, state[key])), f"{name}{kw} state {key!r}"
        if torch_steps is not None:
            assert opt.step_count == torch_steps == inputs.STEPS


@pytest.mark.parametrize("name", inputs.OPTIMIZERS)
def test_optimizer_defaults_match_recorded_torch(name: str) -> None:
    theirs = load("optim")["defaults"][name]
    ours = OPTIMIZERS[name](params()).param_groups[0]
    for key, value in ours.items():
        if key != "params":
            want = tuple(theirs[key]) if isinstance(theirs[key], list) else theirs[key]
            assert want == value, key


def test_lr_change_between_steps_matches_recorded_torch() -> None:
    ps = params()
    opt = Adam(ps, lr=0.1, amsgrad=True)
    for step, grads in enumerate(inputs.gradient_stream(20)):
        if step == 5:
            opt.lr = 0.02
        if step == 10:
            opt.param_groups[0]["betas"] = (0.8, 0.99)
        step_with(opt, ps, grads)
    assert all(map(close, [p.data for p in ps], load("optim")["lr_change"]))


def test_schedulers_match_recorded_torch() -> None:
    recorded = load("optim")["schedulers"]
    assert [(r["scheduler"], r["kw"]) for r in recorded] == inputs.SCHEDULER_CONFIGS
    for entry in recorded:
        ps = params()
        opt = SGD(ps, lr=0.1, momentum=0.9)
        sched = SCHEDULERS[entry["scheduler"]](opt, **inputs.scheduler_kwargs(entry["kw"]))
        assert sched.base_lrs == entry["base_lrs"]
        grads_by_epoch = inputs.gradient_stream(inputs.SCHEDULER_EPOCHS)
        for epoch, (grads, want) in enumerate(zip(grads_by_epoch, entry["lrs"]), start=1):
            step_with(opt, ps, grads)
            sched.step()
            (ours,) = sched.get_last_lr()
            assert close(ours, want), f"{entry['scheduler']}{entry['kw']} epoch {epoch}"
            assert opt.lr == ours
        assert all(map(close, [p.data for p in ps], entry["final"]))


def test_argument_errors_say_what_torch_says() -> None:
    for entry in load("optim")["refusals"]:
        kw = inputs.from_json_kwargs(entry["kw"])
        with pytest.raises(ValueError, match=re.escape(entry["message"])):
            OPTIMIZERS[entry["optimizer"]](params(), **kw)


# --- gradient clipping ------------------------------------------------------------------


def _same_or_both_nan(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == pytest.approx(b, rel=1e-12, abs=1e-300)


def test_clip_grad_norm_matches_recorded_torch() -> None:
    recorded = load("clip")
    assert len(recorded["cases"]) == len(inputs.CLIP_CASES)
    for case in recorded["cases"]:
        params = [Value(0.5) for _ in case["grads"]]
        for p, g in zip(params, case["grads"]):
            p.grad = g
        total = clip_grad_norm_(params, case["max_norm"], case["norm_type"])
        what = (case["max_norm"], case["norm_type"])
        assert _same_or_both_nan(total, case["total"]), (what, total, case["total"])
        clipped = [p.grad for p in params]
        assert all(map(_same_or_both_nan, clipped, case["clipped"])), what


def test_clip_refuses_nonfinite_gradients_as_recorded_torch_does() -> None:
    for entry in load("clip")["nonfinite"]:
        params = [Value(0.5) for _ in entry["grads"]]
        for p, g in zip(params, entry["grads"]):
            p.grad = g
        with pytest.raises(RuntimeError) as info:
            clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
        assert str(info.value) == entry["message"]


# --- initialisation ---------------------------------------------------------------------

# 5 standard errors, as in test_init.py; see its docstring for the sizes.
Z = 5.0
EPS = 1e-3


@pytest.mark.parametrize("k", range(len(inputs.INIT_SCHEMES)))
def test_init_spread_matches_recorded_torch(k: int) -> None:
    entry = load("init")["spreads"][k]
    name, kw = inputs.INIT_SCHEMES[k]
    assert (entry["scheme"], entry["kw"]) == (name, kw)
    rows, cols = inputs.INIT_SHAPE
    w = [[Value(7.0) for _ in range(cols)] for _ in range(rows)]
    ours = [p.data for row in getattr(nn.init, name)(w, rng=random.Random(11), **kw) for p in row]
    if "uniform" in name:  # both largest |samples| come within EPS of the bound
        assert max(map(abs, ours)) == pytest.approx(entry["max_abs"], rel=EPS)
    else:  # two sample variances: the difference has sqrt(2) standard errors
        var = entry["variance"]
        se = var * math.sqrt(2.0 * (3.0 - 1.0) / len(ours))
        assert abs(statistics.pvariance(ours) - var) < Z * se


def test_gains_and_fans_match_recorded_torch() -> None:
    recorded = load("init")
    assert set(recorded["gains"]) == set(NONLINEARITIES)
    for name, gain in recorded["gains"].items():
        assert calculate_gain(name) == gain, name
    for slope, gain in recorded["leaky_relu_gains"]:
        assert calculate_gain("leaky_relu", slope) == pytest.approx(gain, rel=1e-15)
    for out, inp, fans in recorded["fans"]:
        matrix = [[Value(0.0) for _ in range(inp)] for _ in range(out)]
        assert fan_in_and_fan_out(matrix) == tuple(fans) == (inp, out)


# --- MLPs --------------------------------------------------------------------------------


def test_mlps_match_recorded_torch() -> None:
    recorded = load("nn")["mlps"]
    assert len(recorded) == len(inputs.MLP_ACTIVATIONS) * len(inputs.MLP_SHAPES)
    for case in recorded:
        model = MLP(case["nin"], case["nouts"], activation=case["activation"])
        for layer, neurons in zip(model.layers, case["layers"], strict=True):
            for neuron, numbers in zip(layer.neurons, neurons, strict=True):
                for w, x in zip(neuron.w, numbers[:-1], strict=True):
                    w.data = x
                neuron.b.data = numbers[-1]
        inputs_ = [[Value(a) for a in x] for x in case["xs"]]
        outs = [model(x) for x in inputs_]
        rows = [out if isinstance(out, list) else [out] for out in outs]
        loss = engine.sum(
            (o - t) ** 2 for row, trow in zip(rows, case["targets"]) for o, t in zip(row, trow)
        ) * (1.0 / len(rows))
        loss.backward()
        what = f"{case['activation']} {case['nin']}-{case['nouts']}"
        for row, trow in zip(rows, case["outputs"], strict=True):
            assert all(close(o.data, t) for o, t in zip(row, trow, strict=True)), what
        assert close(loss.data, case["loss"]), what
        theirs = [g for neuron in case["param_grads"] for g in neuron]
        ours = [p.grad for p in model.parameters()]
        assert len(ours) == len(theirs) == model.num_parameters()
        bad = [(i, a, b) for i, (a, b) in enumerate(zip(ours, theirs)) if not close(a, b)]
        assert not bad, (what, bad[:5])
        assert sum(g != 0.0 for g in theirs) > len(theirs) // 2  # not trivially all zero
        for row, trow in zip(inputs_, case["input_grads"]):
            assert all(close(v.grad, g) for v, g in zip(row, trow, strict=True)), what
