"""The inputs of the torch oracle checks: plain data from seeded streams.

Both the recorder (with torch) and the recorded tests (without it) read
these; the live tests use the same configurations. One section per area,
in one module (longer than most) so that every input torch is asked about
is found in one place.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from typing import Any

from engine import RULES
from tests.oracle import ORACLE
from tests.strategies import OPS, Program, Step

# --- random programs (the graphs of tests/strategies.py, from random.Random) -------------


def random_program(
    rng: random.Random,
    min_inputs: int = 1,
    max_inputs: int = 3,
    every_op: bool = True,
    max_extra_steps: int = 4,
) -> Program:
    """A program as :func:`tests.strategies.programs` draws them, from ``rng``."""
    xs = tuple(rng.uniform(-2.0, 2.0) for _ in range(rng.randint(min_inputs, max_inputs)))
    ops = rng.sample(OPS, len(OPS)) if every_op else []
    ops += [rng.choice(OPS) for _ in range(rng.randint(0 if every_op else 1, max_extra_steps))]
    steps: list[Step] = []
    for op in ops:
        n_nodes = len(xs) + len(steps)
        rule = RULES[op]
        if rule.shape == "each":
            arity = rng.randint(1, 4)
        elif rule.shape == "pairs":
            arity = 2 * rng.randint(1, 3) + rng.randint(0, 1)
        else:
            arity = len(rule.args)
        args = tuple(rng.randrange(n_nodes) for _ in range(arity))
        steps.append(Step(op, args, rng.choice(ORACLE[op].params)))
    return Program(xs, tuple(steps))


def program_to_json(program: Program) -> dict[str, Any]:
    return {
        "inputs": list(program.inputs),
        "steps": [[s.op, list(s.args), list(s.params)] for s in program.steps],
    }


def program_from_json(data: dict[str, Any]) -> Program:
    steps = tuple(Step(op, tuple(args), tuple(params)) for op, args, params in data["steps"])
    return Program(tuple(data["inputs"]), steps)


# How many programs each check records, and their shapes (as the live tests).
PROGRAM_SETS: dict[str, tuple[int, dict[str, Any]]] = {
    "first": (100, {}),
    "higher": (50, {"max_inputs": 2, "max_extra_steps": 2}),
    "hessian": (50, {"min_inputs": 2, "max_inputs": 3, "every_op": False, "max_extra_steps": 8}),
}


def programs(kind: str) -> list[Program]:
    count, shape = PROGRAM_SETS[kind]
    rng = random.Random(f"chainrule-programs-{kind}")
    return [random_program(rng, **shape) for _ in range(count)]


def finite(xs: Any, limit: float = 1e8) -> bool:
    return all(math.isfinite(x) and abs(x) < limit for x in xs)


# --- losses ----------------------------------------------------------------------------

REDUCTIONS = ("mean", "sum")
EXTREME_LOGITS = [1000.0, -1000.0, 745.0, -745.0, 1e308, -1e308, 0.0, 36.0, -36.0]
EXTREME_ROWS = [
    [[1000.0, -1000.0, 0.0]] * 3,
    [[1000.0, 1000.0, -1000.0]] * 3,
    [[-1000.0, -1000.0, -1000.0]] * 3,
    [[1e6, -1e6, 3.0]] * 3,
]
# Where log(p) < -100 both clamp the log; torch's hand-written backward then
# reports (p - y) / 1e-12 where ours passes no gradient, so only the values
# are compared (see nn.losses._clamped_log).
BCE_CLAMP_POINTS = [
    (0.0, 1.0),
    (1.0, 0.0),
    (0.0, 0.0),
    (1.0, 1.0),
    (1e-50, 1.0),
    (1.0 - 1e-17, 0.0),
    (0.0, 0.5),
]
SAMPLES_PER_LOSS = 15


def _pairs(
    rng: random.Random, draw_x: Callable[[], float], draw_y: Callable[[], Any]
) -> tuple[list[float], list[Any]]:
    n = rng.randint(1, 8)
    return [draw_x() for _ in range(n)], [draw_y() for _ in range(n)]


def loss_cases() -> list[dict[str, Any]]:
    """Every loss check: ``loss`` names the function, ``xs``/``ys`` its inputs."""
    rng = random.Random("chainrule-losses")

    def uniform(lo: float, hi: float) -> Callable[[], float]:
        return lambda: rng.uniform(lo, hi)

    def label_or_soft() -> float:
        return rng.choice((0.0, 1.0)) if rng.random() < 0.5 else rng.random()

    def label01() -> float:
        return rng.choice((0.0, 1.0))

    def sign() -> int:
        return rng.choice((-1, 1))

    out: list[dict[str, Any]] = []
    for _ in range(SAMPLES_PER_LOSS):
        for reduction in REDUCTIONS:
            for loss, draw_x, draw_y in (
                ("mse", uniform(-5, 5), uniform(-5, 5)),
                ("bce", uniform(1e-6, 1 - 1e-6), label_or_soft),
                ("bce_with_logits", uniform(-60, 60), label_or_soft),
                ("hinge", uniform(-5, 5), sign),
            ):
                xs, ys = _pairs(rng, draw_x, draw_y)
                out.append({"loss": loss, "xs": xs, "ys": ys, "reduction": reduction})
        xs, ys = _pairs(rng, uniform(-25, 25), label01)
        out.append({"loss": "bce_after_sigmoid", "xs": xs, "ys": ys, "reduction": "mean"})
        c = rng.randint(1, 5)
        out.append(
            {
                "loss": "cross_entropy_one",
                "xs": [rng.uniform(-5, 5) for _ in range(c)],
                "ys": rng.randrange(c),
                "reduction": "mean",
            }
        )
        for reduction in REDUCTIONS:
            n, c = rng.randint(1, 4), rng.randint(1, 5)
            rows = [[rng.uniform(-5, 5) for _ in range(c)] for _ in range(n)]
            targets = [rng.randrange(c) for _ in range(n)]
            out.append({"loss": "cross_entropy", "xs": rows, "ys": targets, "reduction": reduction})
        for loss in ("l1", "l2"):
            xs = [rng.uniform(-5, 5) or 1.0 for _ in range(rng.randint(1, 10))]
            out.append({"loss": loss, "xs": xs, "ys": None, "reduction": "sum"})
    for reduction in REDUCTIONS:
        for y in (0.0, 1.0, 0.25):
            ys = [y] * len(EXTREME_LOGITS)
            case = {"xs": EXTREME_LOGITS, "ys": ys, "reduction": reduction}
            out.append({"loss": "bce_with_logits", **case})
        for rows in EXTREME_ROWS:
            case = {"xs": rows, "ys": [0, 1, 2], "reduction": reduction}
            out.append({"loss": "cross_entropy", **case})
    for p, y in BCE_CLAMP_POINTS:
        out.append({"loss": "bce", "xs": [p], "ys": [y], "reduction": "mean", "value_only": True})
    return out


# --- optimizers and schedulers ------------------------------------------------------------

N_PARAMS = 5
STEPS = 50
# One scale per parameter, so the stream has tiny, ordinary and large
# gradients: eps matters for the first, not for the last.
SCALES = (1e-3, 0.1, 1.0, 3.0, 10.0)
# Steps whose parameters are recorded (any difference carries over to later steps).
RECORDED_STEPS = (1, 2, 3, 10, 25, STEPS)


def initial_values(seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(N_PARAMS)]


def gradient_stream(steps: int = STEPS, seed: int = 2) -> list[list[float]]:
    rng = random.Random(seed)
    stream = []
    for t in range(steps):
        grads = [rng.gauss(0.0, 1.0) * s for s in SCALES]
        if t % 7 == 3:
            grads[0] = 0.0  # a zero gradient now and then: only decay and momentum move p
        stream.append(grads)
    return stream


def product(**options: list[Any]) -> list[dict[str, Any]]:
    """Every combination of the options, as keyword dicts."""
    names = list(options)
    return [dict(zip(names, values)) for values in itertools.product(*options.values())]


def _sgd_valid(kw: dict[str, Any]) -> bool:
    return not kw["nesterov"] or (kw["momentum"] > 0 and kw["dampening"] == 0)


OPTIMIZER_CONFIGS: list[tuple[str, dict[str, Any]]] = [
    *(
        ("SGD", kw)
        for kw in product(
            lr=[0.05],
            momentum=[0.0, 0.9],
            dampening=[0.0, 0.3],
            weight_decay=[0.0, 0.1],
            nesterov=[False, True],
            maximize=[False, True],
        )
        if _sgd_valid(kw)
    ),
    *(
        ("Adam", kw)
        for kw in product(
            lr=[0.01],
            betas=[(0.9, 0.999), (0.5, 0.9)],
            eps=[1e-8, 1e-3],
            weight_decay=[0.0, 0.1],
            amsgrad=[False, True],
            maximize=[False, True],
            decoupled_weight_decay=[False, True],
        )
    ),
    *(
        ("AdamW", kw)
        for kw in product(
            lr=[0.01],
            betas=[(0.9, 0.999), (0.5, 0.9)],
            weight_decay=[0.0, 1e-2, 0.1],
            amsgrad=[False, True],
            maximize=[False, True],
        )
    ),
    *(
        ("RMSprop", kw)
        for kw in product(
            lr=[0.01],
            alpha=[0.99, 0.5],
            eps=[1e-8],
            weight_decay=[0.0, 0.1],
            momentum=[0.0, 0.9],
            centered=[False, True],
            maximize=[False, True],
        )
    ),
    *(
        ("Adagrad", kw)
        for kw in product(
            lr=[0.1],
            lr_decay=[0.0, 0.05],
            weight_decay=[0.0, 0.1],
            initial_accumulator_value=[0.0, 0.5],
            eps=[1e-10, 1e-3],
            maximize=[False, True],
        )
    ),
]
OPTIMIZERS = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad")


def optimizer_id(config: tuple[str, dict[str, Any]]) -> str:
    name, kw = config
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def _decay(epoch: int) -> float:
    return 0.95**epoch


def _halving(epoch: int) -> float:
    return 0.5 ** (epoch // 4)


def _harmonic(epoch: int) -> float:
    return 1 / (epoch + 1)


# lr_lambda functions by name, so a scheduler configuration is plain data.
LR_LAMBDAS: dict[str, Callable[[int], float]] = {
    "decay": _decay,
    "halving": _halving,
    "harmonic": _harmonic,
}

SCHEDULER_CONFIGS: list[tuple[str, dict[str, Any]]] = [
    *(("StepLR", kw) for kw in product(step_size=[1, 3, 7], gamma=[0.1, 0.5])),
    *(("ExponentialLR", {"gamma": g}) for g in [0.9, 0.5]),
    *(("CosineAnnealingLR", kw) for kw in product(T_max=[1, 5, 10, 30], eta_min=[0.0, 0.01])),
    ("LambdaLR", {"lr_lambda": "decay"}),
    ("LambdaLR", {"lr_lambda": "halving"}),
    ("LambdaLR", {"lr_lambda": ["harmonic"]}),
]
SCHEDULER_EPOCHS = 30


def scheduler_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
    """A configuration's keywords with lr_lambda names replaced by the functions."""
    names = kw.get("lr_lambda")
    if names is None:
        return dict(kw)
    functions: Any = (
        [LR_LAMBDAS[n] for n in names] if isinstance(names, list) else LR_LAMBDAS[names]
    )
    return {**kw, "lr_lambda": functions}


# Arguments torch refuses; each recorded with torch's message.
INVALID_ARGUMENTS: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": -1.0}),
    ("SGD", {"lr": 0.1, "momentum": -0.5}),
    ("SGD", {"lr": 0.1, "weight_decay": -1e-4}),
    ("SGD", {"lr": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.1, "nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adam", {"lr": -0.001}),
    ("Adam", {"eps": -1e-8}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (0.9, -0.1)}),
    ("Adam", {"weight_decay": -1}),
    ("AdamW", {"betas": (0.9, 1.0)}),
    ("AdamW", {"weight_decay": -0.01}),
    ("RMSprop", {"lr": -1}),
    ("RMSprop", {"alpha": -0.1}),
    ("RMSprop", {"eps": -1.0}),
    ("RMSprop", {"momentum": -0.9}),
    ("RMSprop", {"weight_decay": -1.0}),
    ("Adagrad", {"lr": -1.0}),
    ("Adagrad", {"lr_decay": -1.0}),
    ("Adagrad", {"weight_decay": -1.0}),
    ("Adagrad", {"initial_accumulator_value": -1.0}),
    ("Adagrad", {"eps": -1.0}),
]


def from_json_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
    """JSON keeps tuples as lists; optimizers take betas as a pair."""
    return {k: tuple(v) if k == "betas" else v for k, v in kw.items()}


# --- gradient clipping ------------------------------------------------------------------


def clip_grads(seed: int, n: int, scale: float, zeros: int = 0) -> list[float]:
    rng = random.Random(seed)
    grads = [rng.gauss(0.0, scale) for _ in range(n)]
    for i in range(zeros):
        grads[i] = 0.0
    return grads


# (gradients, max_norm, norm_type)
CLIP_CASES: list[tuple[list[float], float, float]] = [
    (clip_grads(0, 20, 3.0), 1.0, 2.0),  # clipped
    (clip_grads(1, 20, 0.01), 1.0, 2.0),  # under the limit: unchanged
    (clip_grads(2, 50, 1.0), 0.5, math.inf),
    (clip_grads(3, 50, 1.0, zeros=5), 0.5, -math.inf),
    (clip_grads(4, 30, 2.0, zeros=7), 3.0, 0.0),
    (clip_grads(5, 30, 2.0), 2.0, 1.0),
    (clip_grads(6, 30, 2.0), 2.0, 3.0),
    (clip_grads(7, 30, 2.0), 2.0, 0.5),
    (clip_grads(8, 30, 2.0), 2.0, -1.5),
    (clip_grads(9, 30, 2.0, zeros=2), 2.0, -2.0),
    ([0.0, 0.0, 0.0], 1.0, 2.0),
    ([1e200, 1e200], 1.0, 2.0),  # the sum of squares overflows: norm inf
    ([1.0, math.inf, -2.0], 1.0, 2.0),
    ([1.0, math.nan, -2.0], 1.0, 2.0),
    ([1.0, math.nan, -2.0], 1.0, math.inf),
]
# gradients that error_if_nonfinite=True refuses
CLIP_NONFINITE: list[list[float]] = [[1.0, math.inf, 2.0], [1.0, math.nan, 2.0]]


# --- initialisation --------------------------------------------------------------------------

INIT_SHAPE = (200, 300)  # out, in
INIT_SCHEMES: list[tuple[str, dict[str, Any]]] = [
    ("xavier_uniform_", {}),
    ("xavier_uniform_", {"gain": 2.5}),
    ("xavier_normal_", {"gain": 0.7}),
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", {"a": math.sqrt(5.0)}),  # what torch.nn.Linear uses
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", {}),
    ("kaiming_normal_", {"a": 0.1, "mode": "fan_out"}),
]
LEAKY_SLOPES: tuple[float | None, ...] = (None, 0, 0.01, 0.2, 1, 3.5, -0.5)
FAN_SHAPES = ((1, 1), (3, 5), (5, 3), (7, 1), (1, 7), INIT_SHAPE)

# --- MLPs ---------------------------------------------------------------------------------

MLP_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
MLP_SHAPES: tuple[tuple[int, tuple[int, ...]], ...] = ((2, (16, 16, 1)), (3, (5, 4, 2)))


def mlp_batch(nin: int, nout: int) -> tuple[list[list[float]], list[list[float]]]:
    rng = random.Random(99)
    xs = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(6)]
    targets = [[rng.uniform(-1, 1) for _ in range(nout)] for _ in range(6)]
    return xs, targets


# --- higher orders where a derivative is infinite -----------------------------------------

HIGHER_ORDERS = 3
# (name, function on a Value or a float64 tensor, point): the function and its
# first HIGHER_ORDERS derivatives there, each derivative built as a graph.
HIGHER_ORDER_CASES: list[tuple[str, Callable[[Any], Any], float]] = [
    ("sqrt(x)", lambda x: x.sqrt(), 0.0),
    ("x ** 0.5", lambda x: x**0.5, 0.0),
    ("x ** 1e-300", lambda x: x**1e-300, 0.0),
    ("x ** 1.5", lambda x: x**1.5, 0.0),
    ("x ** 2.5", lambda x: x**2.5, 0.0),
    ("sqrt(x) * x", lambda x: x.sqrt() * x, 0.0),
    ("sqrt(x * x)", lambda x: (x * x).sqrt(), 0.0),
    ("1 / sqrt(x + 1)", lambda x: 1.0 / (x + 1.0).sqrt(), 0.0),
    ("sqrt(x) at 0.5", lambda x: x.sqrt(), 0.5),
]
VALUE_EXPONENT_POINT = (0.0, 0.5)  # x ** k with k a Value too, at (x, k)
ZERO_BASE_POINTS = (0.5, 0.0)  # 0 ** x at x
NAN_BASE_POINT = (math.nan, 0.0)  # a ** b at (a, b)
