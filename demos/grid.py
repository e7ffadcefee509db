"""Hyperparameter grids, run in one process or spread over several.

    configs = param_grid(lr=[0.01, 0.1], batch_size=[16, 32])   # 4 dicts
    scores = run_grid(train_and_score, configs, workers=2)      # in configs' order

``train_and_score`` must be a function defined at the top level of a module
(worker processes import it by name) that takes one config dict and returns
something picklable. Seed everything inside it from the config, not from
the caller's state: then each result depends only on its config, and the
grid gives the same numbers with any number of workers.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from nn._checks import check_int

T = TypeVar("T")
Config = dict[str, Any]


def param_grid(**axes: Sequence[Any]) -> list[Config]:
    """Every combination of the given values, the last axis varying fastest.

    >>> param_grid(lr=[0.1, 0.01], batch_size=[16, 32])
    [{'lr': 0.1, 'batch_size': 16}, {'lr': 0.1, 'batch_size': 32}, \
{'lr': 0.01, 'batch_size': 16}, {'lr': 0.01, 'batch_size': 32}]
    """
    for name, values in axes.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise ValueError(
                f"param_grid: {name} must be a non-empty list of values, got {values!r:.40}"
            )
    names = list(axes)
    return [dict(zip(names, combo)) for combo in itertools.product(*axes.values())]


def run_grid(fn: Callable[[Config], T], configs: Sequence[Config], workers: int = 1) -> list[T]:
    """``[fn(c) for c in configs]``, on ``workers`` processes; results in ``configs``' order.

    ``workers=1`` runs in this process, with no pool. More workers start
    fresh interpreters ("spawn", the same on every platform, and safe when
    threads are running), which costs a few tenths of a second per worker:
    worth it when each config trains for a second or more. More workers
    than CPU cores gain nothing.
    """
    check_int(workers, "workers", who="run_grid")
    if workers == 1 or len(configs) <= 1:
        return [fn(config) for config in configs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(configs)), mp_context=context) as pool:
        return list(pool.map(fn, configs))


__all__ = ["param_grid", "run_grid"]
