"""What every article demo shares: the command line, the task, training, tables.

Each demo module defines ``run(quick, seed, out) -> Result`` and gets its
``main(argv)`` from :func:`cli`. An experiment runs over several seeds
(:func:`seeds_for`); a :class:`Result` holds the measured table (cells are
:class:`~demos._stats.Spread` over the seeds, so tests can read every
seed's number), the article's own table, the plot, the exact configuration
and the :class:`~demos._stats.Check` of each claim, whose verdict a stated
rule computed from the numbers. ``--quick`` is a smoke run: tiny budgets,
two seeds, and no verdicts.

Training goes through :func:`train`, one place for every demo: it caches
runs by their :class:`Spec`, so experiments that need the same run share
it within one report, and ``FIT_OPTIONS`` switches on compiled steps
(``fit(compile=True)``) for every run whose loss and model allow them.
"""

from __future__ import annotations

import argparse
import functools
import math
import random
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from demos._results import (
    QUICK_BANNER,
    Cell,
    Result,
    Row,
    Table,
    describe,
    format_cell,
    markdown_table,
    quick_checks,
    seeds_line,
    sentence,
)
from demos._stats import Spread
from engine import Value
from nn import MLP, Callback, fit
from nn.callbacks import TargetReached
from nn.data import make_moons, train_test_split
from nn.losses import binary_cross_entropy_with_logits, l1_penalty, l2_penalty, mse_loss
from nn.metrics import accuracy, weights_of
from nn.optim import SGD, Adagrad, Adam, ExponentialLR, LRScheduler, Optimizer, RMSprop, StepLR

T = TypeVar("T")

DEFAULT_OUT = Path("demo-output")
SEEDS, QUICK_SEEDS = 5, 2
# Extra keyword arguments of every fit() the demos run. Compiled steps train
# bit for bit as eager ones with the named losses (nn.compiled), so every
# number in the report but the timings is the same, only sooner (dropout too:
# fit passes each step's masks in). train() drops them where fit cannot
# compile: a loss function (a weight penalty, MSE on sigmoid), which bakes
# each batch's targets into its graph.
FIT_OPTIONS: dict[str, Any] = {"compile": True}


# --- the command line ---------------------------------------------------------------


class Main(Protocol):
    """A demo's entry point: ``main(["--quick"])``, or ``main()`` to read ``sys.argv``."""

    def __call__(self, argv: list[str] | None = None) -> int: ...


def cli(run: Callable[..., Result], description: str) -> Main:
    """A ``main(argv)`` for a demo: parse --quick/--seed/--out, run, print the table."""

    def main(argv: list[str] | None = None) -> int:
        parser = argparse.ArgumentParser(description=description)
        parser.add_argument(
            "--quick", action="store_true", help="a smoke run: tiny budgets, 2 seeds, no verdicts"
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=0,
            help=f"the first seed; the experiment runs seeds SEED..SEED+{SEEDS - 1} (default 0)",
        )
        parser.add_argument(
            "--out",
            type=Path,
            default=DEFAULT_OUT,
            help="folder for the plot (default ./demo-output)",
        )
        args = parser.parse_args(argv)
        result = timed_run(run, args.quick, args.seed, args.out)
        print(describe(result))
        return 0

    return main


def timed_run(run: Callable[..., Result], quick: bool, seed: int, out: Path) -> Result:
    """``run(...)`` with its wall-clock and CPU times stored in the result."""
    out.mkdir(parents=True, exist_ok=True)
    start, cpu = time.perf_counter(), time.process_time()
    result = run(quick=quick, seed=seed, out=out)
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = time.process_time() - cpu
    return result


def seeds_for(quick: bool, seed: int) -> list[int]:
    """The seeds an experiment runs: 5 from ``seed`` on (2 in quick mode)."""
    return list(range(seed, seed + (QUICK_SEEDS if quick else SEEDS)))


# --- the task and training ------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """A train/test split of a data set with 0/1 labels."""

    X_train: list[list[float]]
    y_train: list[int]
    X_test: list[list[float]]
    y_test: list[int]
    description: str


@functools.lru_cache(maxsize=64)
def moons(seed: int, n_train: int, n_test: int, noise: float = 0.2) -> Task:
    """Two moons, ``make_moons(n_train + n_test, noise, seed)``, split at random by ``seed``."""
    X, y = make_moons(n_train + n_test, noise=noise, seed=seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=n_test / (n_train + n_test), seed=seed
    )
    text = f"make_moons({n_train + n_test}, noise={noise}, seed), {n_test} held out"
    return Task(X_train, y_train, X_test, y_test, text)


@dataclass(frozen=True)
class Spec:
    """Everything that decides a training run; equal specs give equal runs."""

    seed: int
    n_train: int = 80
    n_test: int = 200
    noise: float = 0.2
    widths: tuple[int, ...] = (8, 8, 1)
    activation: str = "tanh"
    init: str = "xavier_uniform"
    dropout: float = 0.0
    optimizer: str = "SGD"  # SGD, Adam, Adagrad or RMSprop
    lr: float = 0.1
    momentum: float = 0.9  # SGD only
    loss: str = "bce_with_logits"  # or "mse_on_sigmoid"
    penalty: str = "none"  # none, L1 or L2 on the weights, times alpha
    alpha: float = 0.0
    schedule: str = "fixed"  # fixed, step (halve 4 times) or exponential (tenfold over the run)
    epochs: int = 30
    batch_size: int = 10
    stop_below: float | None = None  # stop once an epoch's training loss is at most this
    track_accuracy: bool = False  # measure training accuracy after every epoch
    # Compiled steps where fit can compile them: the same numbers, sooner. A demo
    # that times training itself sets False: a compiled run's time includes its
    # traces (one per batch size met), which is not what the article times.
    compiled: bool = True

    def optimizer_text(self) -> str:
        momentum = f", momentum={self.momentum:g}" if self.optimizer == "SGD" else ""
        return f"{self.optimizer}(lr={self.lr:g}{momentum})"

    def model_text(self) -> str:
        drop = f", dropout={self.dropout:g}" if self.dropout else ""
        return f"MLP(2, {list(self.widths)}, '{self.activation}'{drop}), {self.init}"


@dataclass
class Run:
    """A finished training run: the model and its curves."""

    spec: Spec
    model: MLP
    losses: list[float]  # mean training loss of each epoch
    rates: list[float]  # the learning rate of each epoch
    # Training accuracy of each epoch: measured after the epoch with track_accuracy,
    # else fit's running accuracy over the epoch's batches (None for a custom loss).
    epoch_accuracy: list[float]
    train_accuracy: float
    test_accuracy: float
    cpu_seconds: float

    def epochs_to(self, target: float, curve: str = "loss") -> int | None:
        """The first epoch (1-based) whose loss fell to, or accuracy rose to, ``target``."""
        values = self.losses if curve == "loss" else self.epoch_accuracy
        for epoch, v in enumerate(values, 1):
            if (v <= target) if curve == "loss" else (v >= target):
                return epoch
        return None


_RUNS: dict[Spec, Run] = {}


def clear_runs() -> None:
    """Forget cached runs (the report starts each build with a clean cache)."""
    _RUNS.clear()


def train(spec: Spec, callbacks: Sequence[Callback] = ()) -> Run:
    """Train the model ``spec`` describes; runs without callbacks are cached by spec."""
    if not callbacks and spec in _RUNS:
        return _RUNS[spec]
    task = moons(spec.seed, spec.n_train, spec.n_test, spec.noise)
    random.seed(spec.seed)  # the same initial weights (and dropout draws) for every variant
    model = MLP(
        2, list(spec.widths), activation=spec.activation, dropout=spec.dropout, init=spec.init
    )
    optimizer = _optimizer(spec, model)
    tracker = _EpochAccuracy(task) if spec.track_accuracy else None
    stopper = TargetReached(spec.stop_below) if spec.stop_below is not None else None
    extra = [c for c in (tracker, stopper) if c is not None]
    loss = _loss(spec, model)
    compilable = spec.compiled and isinstance(loss, str)
    options = FIT_OPTIONS if compilable else {}
    start = time.process_time()
    history = fit(
        model,
        task.X_train,
        task.y_train,
        loss=loss,
        optimizer=optimizer,
        scheduler=_scheduler(spec, optimizer),
        epochs=spec.epochs,
        batch_size=spec.batch_size,
        callbacks=[*callbacks, *extra],
        verbose=False,
        seed=spec.seed,
        **options,
    )
    seconds = time.process_time() - start
    run = Run(
        spec,
        model,
        history.history["loss"],
        history.history.get("lr", []),
        tracker.values if tracker else history.history.get("accuracy", []),
        accuracy(model, task.X_train, task.y_train),
        accuracy(model, task.X_test, task.y_test),
        seconds,
    )
    if not callbacks:
        _RUNS[spec] = run
    return run


def _optimizer(spec: Spec, model: MLP) -> Optimizer:
    params = model.parameters()
    if spec.optimizer == "SGD":
        return SGD(params, lr=spec.lr, momentum=spec.momentum)
    kinds: dict[str, Callable[..., Optimizer]] = {
        "Adam": Adam,
        "Adagrad": Adagrad,
        "RMSprop": RMSprop,
    }
    return kinds[spec.optimizer](params, lr=spec.lr)


def _scheduler(spec: Spec, optimizer: Optimizer) -> LRScheduler | None:
    if spec.schedule == "step":
        return StepLR(optimizer, step_size=max(1, spec.epochs // 4), gamma=0.5)
    if spec.schedule == "exponential":
        return ExponentialLR(optimizer, gamma=0.1 ** (1 / spec.epochs))
    return None


def _loss(spec: Spec, model: MLP) -> Any:
    """The loss fit() minimises: a name, or BCE/MSE plus a penalty on the weights."""
    if spec.loss == "bce_with_logits" and spec.penalty == "none":
        return "bce_with_logits"
    weights = weights_of(model)
    penalty = {"none": None, "L1": l1_penalty, "L2": l2_penalty}[spec.penalty]

    def loss(preds: list[Any], targets: list[Any]) -> Any:
        if spec.loss == "mse_on_sigmoid":
            value = mse_loss([p.sigmoid() for p in preds], [float(t) for t in targets])
        else:
            value = binary_cross_entropy_with_logits(preds, targets)
        return value if penalty is None else value + spec.alpha * penalty(weights)

    return loss


class _EpochAccuracy(Callback):
    """Training accuracy after each epoch, in eval mode."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.values: list[float] = []

    def on_epoch_end(self, epoch: int, logs: Any) -> None:
        self.values.append(accuracy(self.model, self.task.X_train, self.task.y_train))


# --- measurements ---------------------------------------------------------------------


def score(model: MLP, x: list[float]) -> Value:
    """The output of a one-output model for one sample."""
    out = model(x)
    if not isinstance(out, Value):
        raise TypeError(f"expected a model with one output, got {len(out)} outputs")
    return out


def number(cell: Cell) -> float:
    """A numeric cell as a float (a Spread gives its mean; None and text are nan)."""
    if isinstance(cell, Spread):
        return cell.mean
    return float(cell) if isinstance(cell, (int, float)) else math.nan


def peak_memory(fn: Callable[[], T]) -> tuple[T, int]:
    """``fn()`` and the peak bytes Python allocated while it ran (tracemalloc).

    Tracing slows allocation down several times, so time a run separately.
    """
    tracemalloc.start()
    try:
        value = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return value, peak


# The result types live in demos._results; demos import them from here too.
__all__ = [
    "DEFAULT_OUT",
    "FIT_OPTIONS",
    "QUICK_BANNER",
    "Cell",
    "Result",
    "Row",
    "Run",
    "Spec",
    "Table",
    "Task",
    "clear_runs",
    "cli",
    "format_cell",
    "markdown_table",
    "moons",
    "number",
    "peak_memory",
    "quick_checks",
    "score",
    "seeds_for",
    "seeds_line",
    "sentence",
    "timed_run",
    "train",
]
