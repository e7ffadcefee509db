"""Tests for nn.optim, with torch.optim (float64) as the oracle.

* Every optimizer, over every combination of its options, follows torch's
  trajectory for 50 steps of one seeded stream of gradients (to 1e-12), and
  ends with the same state buffers under the same names.
* Every scheduler gives torch's lr sequence over 30 epochs, and the
  optimizer really uses it.
* state_dict survives JSON and resumes a run exactly; a bad one is refused.
* Invalid arguments raise torch's errors.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from engine import Value
from nn.layers import MLP
from nn.optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LRScheduler,
    Optimizer,
    RMSprop,
    StepLR,
)
from tests.torch_oracle.cases import (
    N_PARAMS,
    OPTIMIZER_CONFIGS,
    STEPS,
    gradient_stream,
    initial_values,
    optimizer_id,
    product,
)

TOL = 1e-12


def require_torch() -> Any:
    """torch, or a skip (a failure when CI=true, see conftest)."""
    return pytest.importorskip("torch")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


# The configurations and the gradient stream the recorded checks use too.
CONFIGS = OPTIMIZER_CONFIGS


# Every concrete optimizer class (each can be built from params alone).
OptimizerClass = type[SGD] | type[Adam] | type[AdamW] | type[RMSprop] | type[Adagrad]

OURS: dict[str, OptimizerClass] = {
    "SGD": SGD,
    "Adam": Adam,
    "AdamW": AdamW,
    "RMSprop": RMSprop,
    "Adagrad": Adagrad,
}


config_id = optimizer_id


def make_params(values: list[float] | None = None) -> list[Value]:
    return [Value(x) for x in (values if values is not None else initial_values())]


def run(opt: Optimizer, params: list[Value], stream: list[list[float]]) -> None:
    for grads in stream:
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()


# --- the oracle -------------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_matches_torch_every_step(config: tuple[str, dict[str, Any]]) -> None:
    torch = require_torch()
    name, kw = config
    params = make_params()
    opt = OURS[name](params, **kw)
    t = torch.tensor(initial_values(), dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, name)([t], **kw)

    for step, grads in enumerate(gradient_stream(), start=1):
        for p, g in zip(params, grads):
            p.grad = g
        t.grad = torch.tensor(grads, dtype=torch.float64)
        opt.step()
        topt.step()
        theirs = t.detach().tolist()
        for i, (p, want) in enumerate(zip(params, theirs)):
            assert close(p.data, want), f"step {step}, parameter {i}: {p.data!r} != {want!r}"

    # Same state, under torch's names.
    tstate = topt.state[t]
    assert set(opt.state) == set(tstate) - {"step"}
    for key, ours in opt.state.items():
        for i, (a, b) in enumerate(zip(ours, tstate[key].tolist())):
            assert close(a, b), f"state {key!r}[{i}]: {a!r} != {b!r}"
    if "step" in tstate:
        assert opt.step_count == int(tstate["step"].item()) == STEPS


def test_every_option_combination_is_covered() -> None:
    # SGD: 32 combinations, 12 of them Nesterov without momentum or with dampening.
    counts = {name: sum(1 for n, _ in CONFIGS if n == name) for name in OURS}
    assert counts == {"SGD": 20, "Adam": 64, "AdamW": 24, "RMSprop": 32, "Adagrad": 32}


@pytest.mark.parametrize("name", list(OURS))
def test_defaults_match_torch(name: str) -> None:
    torch = require_torch()
    params = make_params()
    ours = OURS[name](params).param_groups[0]
    theirs = getattr(torch.optim, name)([torch.zeros(1)]).param_groups[0]
    for key, value in ours.items():
        if key != "params":
            assert theirs[key] == value, key


def test_lr_change_between_steps_matches_torch() -> None:
    # Hyperparameters are read at every step, as torch reads its param_groups.
    torch = require_torch()
    params = make_params()
    opt = Adam(params, lr=0.1, amsgrad=True)
    t = torch.tensor(initial_values(), dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([t], lr=0.1, amsgrad=True)
    for step, grads in enumerate(gradient_stream(20)):
        if step == 5:
            opt.lr = 0.02
            topt.param_groups[0]["lr"] = 0.02
        if step == 10:
            opt.param_groups[0]["betas"] = (0.8, 0.99)
            topt.param_groups[0]["betas"] = (0.8, 0.99)
        for p, g in zip(params, grads):
            p.grad = g
        t.grad = torch.tensor(grads, dtype=torch.float64)
        opt.step()
        topt.step()
    assert all(close(p.data, x) for p, x in zip(params, t.detach().tolist()))


# --- schedulers -------------------------------------------------------------------


def _halving(epoch: int) -> float:
    return 0.5 ** (epoch // 4)


SCHEDULERS: list[tuple[str, dict[str, Any]]] = [
    *(("StepLR", kw) for kw in product(step_size=[1, 3, 7], gamma=[0.1, 0.5])),
    *(("ExponentialLR", {"gamma": g}) for g in [0.9, 0.5]),
    *(("CosineAnnealingLR", kw) for kw in product(T_max=[1, 5, 10, 30], eta_min=[0.0, 0.01])),
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.95**epoch}),
    ("LambdaLR", {"lr_lambda": _halving}),
    ("LambdaLR", {"lr_lambda": [lambda epoch: 1 / (epoch + 1)]}),
]

SCHEDULER_CLASSES: dict[str, type[LRScheduler]] = {
    "StepLR": StepLR,
    "ExponentialLR": ExponentialLR,
    "CosineAnnealingLR": CosineAnnealingLR,
    "LambdaLR": LambdaLR,
}


def scheduler_id(config: tuple[str, dict[str, Any]]) -> str:
    name, kw = config
    shown = {k: ("fn" if k == "lr_lambda" else v) for k, v in kw.items()}
    return name + "-" + "-".join(f"{k}={v}" for k, v in shown.items())


@pytest.mark.parametrize("config", SCHEDULERS, ids=scheduler_id)
def test_scheduler_matches_torch(config: tuple[str, dict[str, Any]]) -> None:
    torch = require_torch()
    name, kw = config
    params = make_params()
    opt = SGD(params, lr=0.1, momentum=0.9)
    sched = SCHEDULER_CLASSES[name](opt, **kw)
    t = torch.tensor(initial_values(), dtype=torch.float64, requires_grad=True)
    topt = torch.optim.SGD([t], lr=0.1, momentum=0.9)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kw)

    assert sched.last_epoch == tsched.last_epoch == 0
    assert sched.base_lrs == tsched.base_lrs
    for epoch, grads in enumerate(gradient_stream(30), start=1):
        assert close(opt.lr, topt.param_groups[0]["lr"]), f"epoch {epoch}"
        for p, g in zip(params, grads):
            p.grad = g
        t.grad = torch.tensor(grads, dtype=torch.float64)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert sched.last_epoch == tsched.last_epoch == epoch
        (ours,), (theirs,) = sched.get_last_lr(), tsched.get_last_lr()
        assert close(ours, theirs), f"epoch {epoch}: lr {ours!r} != {theirs!r}"
        assert opt.lr == ours
    # The optimizer stepped with the scheduled rates.
    assert all(close(p.data, x) for p, x in zip(params, t.detach().tolist()))


def test_cosine_passes_through_eta_min_and_back() -> None:
    opt = SGD(make_params(), lr=1.0)
    sched = CosineAnnealingLR(opt, T_max=4, eta_min=0.1)
    lrs = [opt.lr]
    for _ in range(8):
        opt.step()
        sched.step()
        lrs.append(opt.lr)
    assert close(lrs[2], 0.1 + 0.9 * 0.5)
    assert close(lrs[4], 0.1)
    assert close(lrs[8], 1.0)  # climbed back: no clamp, no restart


def test_scheduler_before_optimizer_step_warns() -> None:
    opt = SGD(make_params(), lr=0.1)
    sched = StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"before optimizer\.step\(\)"):
        sched.step()


def test_lambda_lr_sets_lr_at_creation() -> None:
    opt = SGD(make_params(), lr=0.1)
    LambdaLR(opt, lambda epoch: 0.5)
    assert opt.lr == 0.05
    assert opt.param_groups[0]["initial_lr"] == 0.1


def test_scheduler_state_dict_resumes_exactly() -> None:
    def epochs(opt: Optimizer, sched: LRScheduler, n: int) -> list[float]:
        lrs = []
        for _ in range(n):
            opt.step()
            sched.step()
            lrs.append(opt.lr)
        return lrs

    opt = SGD(make_params(), lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=7, eta_min=0.001)
    full = epochs(opt, sched, 20)

    opt = SGD(make_params(), lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=7, eta_min=0.001)
    first = epochs(opt, sched, 10)
    saved = json.loads(json.dumps({"opt": opt.state_dict(), "sched": sched.state_dict()}))

    opt2 = SGD(make_params(), lr=0.1)
    sched2 = CosineAnnealingLR(opt2, T_max=7, eta_min=0.001)
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    assert sched2.last_epoch == 10
    assert sched2.get_last_lr() == sched.get_last_lr()
    assert first + epochs(opt2, sched2, 10) == full


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda opt: StepLR(opt, step_size=0), "step_size must be an int >= 1"),
        (lambda opt: StepLR(opt, step_size=2, gamma=-0.1), "Invalid gamma: -0.1"),
        (lambda opt: ExponentialLR(opt, gamma=float("nan")), "Invalid gamma: nan"),
        (lambda opt: CosineAnnealingLR(opt, T_max=0), "T_max must be an int >= 1"),
        (lambda opt: CosineAnnealingLR(opt, T_max=5, eta_min=-1), "Invalid eta_min: -1"),
        (lambda opt: LambdaLR(opt, [_halving, _halving]), "Expected 1 lr_lambdas, but got 2"),
    ],
)
def test_invalid_scheduler_arguments(
    make: Callable[[Optimizer], LRScheduler], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make(SGD(make_params(), lr=0.1))


def test_a_fractional_step_size_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"StepLR: step_size must be an int >= 1, got float 2\.5"):
        StepLR(SGD(make_params(), lr=0.1), step_size=2.5)  # type: ignore[arg-type]


def test_scheduler_type_errors() -> None:
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        StepLR([], step_size=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="lr_lambda must be a function"):
        LambdaLR(SGD(make_params()), 0.5)  # type: ignore[arg-type]


def test_scheduler_load_refuses_other_kinds() -> None:
    opt = SGD(make_params(), lr=0.1)
    step = StepLR(opt, step_size=3)
    expo = ExponentialLR(SGD(make_params(), lr=0.1), gamma=0.9)
    with pytest.raises(
        ValueError, match="from a ExponentialLR scheduler; cannot load it into StepLR"
    ):
        step.load_state_dict(expo.state_dict())
    bad = step.state_dict()
    del bad["gamma"]
    with pytest.raises(ValueError, match=r"missing \['gamma'\]"):
        step.load_state_dict(bad)


def test_scheduler_reprs() -> None:
    opt = SGD(make_params(), lr=0.1)
    assert repr(StepLR(opt, 3, 0.5)) == "StepLR(step_size=3, gamma=0.5, last_epoch=0, lr=[0.1])"
    assert repr(LambdaLR(opt, _halving)) == "LambdaLR(lr_lambda=_halving, last_epoch=0, lr=[0.1])"
    assert "T_max=10, eta_min=0.0" in repr(CosineAnnealingLR(opt, 10))


# --- state_dict -------------------------------------------------------------------

ROUND_TRIP: list[tuple[OptimizerClass, dict[str, Any]]] = [
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    (Adam, {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    (AdamW, {"lr": 0.01, "amsgrad": True}),
    (RMSprop, {"momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    (Adagrad, {"lr_decay": 0.05, "initial_accumulator_value": 0.5}),
]


@pytest.mark.parametrize(("cls", "kw"), ROUND_TRIP, ids=[c.__name__ for c, _ in ROUND_TRIP])
def test_state_dict_resumes_exactly(cls: OptimizerClass, kw: dict[str, Any]) -> None:
    stream = gradient_stream(20)
    straight = make_params()
    run(cls(straight, **kw), straight, stream)

    params = make_params()
    opt = cls(params, **kw)
    run(opt, params, stream[:10])
    saved = json.loads(json.dumps(opt.state_dict()))
    assert saved == opt.state_dict()  # nothing lost to JSON (tuples aside, none are kept)

    # A fresh model and optimizer, built with a different lr: loading restores it.
    resumed = make_params([p.data for p in params])
    opt2 = cls(resumed, **{**kw, "lr": 0.5})
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0] == opt.param_groups[0] | {"params": resumed}
    assert opt2.step_count == 10
    run(opt2, resumed, stream[10:])
    assert [p.data for p in resumed] == [p.data for p in straight]


def test_state_dict_is_a_copy() -> None:
    params = make_params()
    opt = Adam(params)
    run(opt, params, gradient_stream(3))
    saved = opt.state_dict()
    before = json.dumps(saved)
    run(opt, params, gradient_stream(3))
    assert json.dumps(saved) == before
    opt2 = Adam(make_params())
    opt2.load_state_dict(saved)
    saved["state"]["exp_avg"][0] = 123.0
    assert opt2.state["exp_avg"][0] != 123.0


def test_state_dict_contents() -> None:
    params = make_params()
    opt = SGD(params, lr=0.1, momentum=0.5)
    assert opt.state_dict()["state"] == {}  # buffers appear at the first step, as in torch
    run(opt, params, gradient_stream(1))
    sd = opt.state_dict()
    assert sd["optimizer"] == "SGD"
    assert sd["num_params"] == N_PARAMS
    assert sd["step"] == 1
    assert sd["param_groups"] == [
        {
            "lr": 0.1,
            "momentum": 0.5,
            "dampening": 0.0,
            "weight_decay": 0.0,
            "nesterov": False,
            "maximize": False,
        }
    ]
    assert sd["state"] == {"momentum_buffer": gradient_stream(1)[0]}  # first buffer = first grad


def _bad(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    params = make_params()
    opt = Adam(params, amsgrad=True)
    run(opt, params, gradient_stream(2))
    sd = opt.state_dict()
    change(sd)
    return sd


@pytest.mark.parametrize(
    ("state_dict", "message"),
    [
        (
            _bad(lambda sd: sd.update(num_params=3)),
            "state_dict has 3 parameters but this Adam has 5",
        ),
        (
            _bad(lambda sd: sd.update(optimizer="SGD")),
            "from a SGD optimizer; cannot load it into Adam",
        ),
        (_bad(lambda sd: sd.pop("step")), r"missing \['step'\]"),
        (
            _bad(lambda sd: sd["state"]["exp_avg"].pop()),
            "buffer 'exp_avg' has 4 values, one per parameter, but this Adam has 5",
        ),
        (
            _bad(lambda sd: sd["state"].update(sum=[0.0] * 5)),
            "buffer 'sum', which Adam does not use",
        ),
        (_bad(lambda sd: sd["param_groups"][0].pop("eps")), r"missing \['eps'\], unexpected \[\]"),
        (_bad(lambda sd: sd["param_groups"].append({})), "has 2 parameter groups; expected 1"),
    ],
    ids=["count", "kind", "step", "buffer-length", "buffer-name", "hyperparameter", "groups"],
)
def test_load_state_dict_refuses_mismatch(state_dict: dict[str, Any], message: str) -> None:
    params = make_params()
    opt = Adam(params, lr=0.2)
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(state_dict)
    # untouched
    assert opt.lr == 0.2
    assert opt.state == {}
    assert opt.step_count == 0


def test_load_state_dict_into_more_parameters() -> None:
    opt = SGD(make_params(), lr=0.1)
    bigger = SGD([*make_params(), Value(0.0)], lr=0.1)
    with pytest.raises(ValueError, match="state_dict has 5 parameters but this SGD has 6"):
        bigger.load_state_dict(opt.state_dict())


# --- arguments --------------------------------------------------------------------

INVALID: list[tuple[OptimizerClass, dict[str, Any], str]] = [
    (SGD, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (SGD, {"lr": float("nan")}, "Invalid learning rate: nan"),
    (SGD, {"lr": 0.1, "momentum": -0.5}, "Invalid momentum value: -0.5"),
    (SGD, {"lr": 0.1, "weight_decay": -1e-4}, "Invalid weight_decay value: -0.0001"),
    (
        SGD,
        {"lr": 0.1, "nesterov": True},
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    (
        SGD,
        {"lr": 0.1, "nesterov": True, "momentum": 0.9, "dampening": 0.1},
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    (Adam, {"lr": -0.001}, "Invalid learning rate: -0.001"),
    (Adam, {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    (Adam, {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    (Adam, {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    (Adam, {"betas": (0.9,)}, r"betas must be a pair \(beta1, beta2\)"),
    (Adam, {"weight_decay": -1}, "Invalid weight_decay value: -1"),
    (AdamW, {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    (AdamW, {"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
    (RMSprop, {"lr": -1}, "Invalid learning rate: -1"),
    (RMSprop, {"alpha": -0.1}, "Invalid alpha value: -0.1"),
    (RMSprop, {"alpha": 1.5}, "Invalid alpha value: 1.5"),
    (RMSprop, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    (RMSprop, {"momentum": -0.9}, "Invalid momentum value: -0.9"),
    (RMSprop, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (Adagrad, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (Adagrad, {"lr_decay": -1.0}, "Invalid lr_decay value: -1.0"),
    (Adagrad, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (
        Adagrad,
        {"initial_accumulator_value": -1.0},
        "Invalid initial_accumulator_value value: -1.0",
    ),
    (Adagrad, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
]


@pytest.mark.parametrize(("cls", "kw", "message"), INVALID)
def test_invalid_hyperparameters(cls: OptimizerClass, kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cls(make_params(), **kw)


# Checks torch does not make: alpha > 1, a NaN lr, betas that are not a pair.
OURS_ONLY = ("Invalid alpha value: 1.5", "Invalid learning rate: nan", "betas must be a pair")


@pytest.mark.parametrize(
    ("cls", "kw", "message"), [case for case in INVALID if not case[2].startswith(OURS_ONLY)]
)
def test_torch_rejects_the_same(cls: OptimizerClass, kw: dict[str, Any], message: str) -> None:
    # Where torch has a check, our message is its message.
    torch = require_torch()
    with pytest.raises(ValueError, match=message):
        getattr(torch.optim, cls.__name__)([torch.zeros(1)], **kw)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"lr": "0.1"}, "learning rate must be a number, got str"),
        ({"lr": 0.1, "momentum": None}, "momentum value must be a number, got NoneType"),
        ({"lr": 0.1, "nesterov": 1}, "nesterov must be True or False, got int"),
        ({"lr": 0.1, "maximize": "yes"}, "maximize must be True or False, got str"),
    ],
)
def test_hyperparameter_types(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        SGD(make_params(), **kw)


def test_empty_parameter_list() -> None:
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD([], lr=0.1)
    used_up = iter(make_params())
    list(used_up)
    with pytest.raises(ValueError, match="generator already used up"):
        Adam(used_up)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([Value(1.0), 2.0], "SGD can only optimize Values, but parameter 1 is float 2.0"),
        (Value(1.0), r"got a single Value; wrap it in a list: SGD\(\[v\], ...\)"),
        (MLP(2, [3, 1]), r"got a MLP; pass model\.parameters\(\)"),
        (3, "SGD takes an iterable of Values, got int 3"),
        ([{"params": [Value(1.0)]}], r"parameter groups \(dicts\) are not supported"),
    ],
    ids=["float", "single-value", "module", "int", "dict"],
)
def test_parameters_must_be_values(params: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        SGD(params, lr=0.1)


def test_accepts_any_iterable_in_order() -> None:
    model = MLP(2, [3, 1])
    assert Adam(model.parameters()).params == model.parameters()
    params = make_params()
    opt = SGD((p for p in params), lr=0.1)
    assert opt.params == params
    assert opt.param_groups[0]["params"] is opt.params


def test_duplicates_are_kept_with_a_warning() -> None:
    a, b = Value(1.0), Value(2.0)
    with pytest.warns(UserWarning, match="parameter 2 is the same Value as parameter 0"):
        opt = SGD([a, b, a], lr=0.5)
    assert opt.params == [a, b, a]
    a.grad = 1.0
    opt.step()
    assert a.data == 0.0  # updated twice: 1 - 0.5 - 0.5


# --- behaviour --------------------------------------------------------------------


@pytest.mark.parametrize("cls", list(OURS.values()), ids=list(OURS))
def test_zero_grad(cls: OptimizerClass) -> None:
    params = make_params()
    for p, g in zip(params, gradient_stream(1)[0]):
        p.grad = g + 1.0
    data = [p.data for p in params]
    cls(params).zero_grad()
    assert [p.grad for p in params] == [0.0] * N_PARAMS
    assert [p.data for p in params] == data


@pytest.mark.parametrize("cls", list(OURS.values()), ids=list(OURS))
def test_step_builds_no_graph(cls: OptimizerClass) -> None:
    params = make_params()
    run(cls(params), params, gradient_stream(3))
    for p in params:
        assert type(p.data) is float
        assert p.is_leaf


def test_training_a_model_reduces_the_loss() -> None:
    model = MLP(1, [8, 1], activation="tanh")
    opt = Adam(model.parameters(), lr=0.05)
    sched = ExponentialLR(opt, gamma=0.99)
    xs = [i / 10 for i in range(-10, 11)]

    def loss_fn() -> Value:
        opt.zero_grad()
        loss = Value(0.0)
        for x in xs:
            y = model([x])
            assert isinstance(y, Value)
            loss = loss + (y - x * x) ** 2
        loss.backward()
        return loss

    first = loss_fn().data
    for _ in range(60):
        opt.step(loss_fn)
        sched.step()
    assert loss_fn().data < first / 10


def test_step_returns_the_closure_result() -> None:
    params = make_params()
    opt = SGD(params, lr=0.1)
    calls: list[int] = []

    def closure() -> float:
        calls.append(1)
        for p in params:
            p.grad = 1.0
        return 42.0

    assert opt.step(closure) == 42.0
    assert opt.step() is None
    assert len(calls) == 1


def test_lr_attribute_is_param_groups_lr() -> None:
    opt = RMSprop(make_params())
    assert opt.lr == opt.param_groups[0]["lr"] == 1e-2
    opt.lr = 0.5
    assert opt.param_groups[0]["lr"] == 0.5
    opt.param_groups[0]["lr"] = 0.25
    assert opt.lr == 0.25
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        opt.lr = -1


def test_maximize_climbs() -> None:
    # maximize: move *with* the gradient.
    x = Value(0.0)
    x.grad = 1.0
    SGD([x], lr=0.1, maximize=True).step()
    assert x.data == 0.1


def test_reprs() -> None:
    params = make_params()
    assert repr(SGD(params, lr=0.1, momentum=0.9)) == (
        "SGD(5 parameters, lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, "
        "nesterov=False, maximize=False)"
    )
    assert repr(AdamW([Value(1.0)])) == (
        "AdamW(1 parameter, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, "
        "amsgrad=False, maximize=False, decoupled_weight_decay=True)"
    )
    for cls in OURS.values():
        opt = cls(params)
        StepLR(opt, 5)  # adds initial_lr to the group; the repr leaves it out
        assert repr(opt).startswith(f"{cls.__name__}(5 parameters, lr=")
        assert "initial_lr" not in repr(opt)
