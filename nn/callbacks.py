"""Two callbacks for measuring training: when a target is reached, and how long it took.

target = TargetReached(0.1)            # training loss at or below 0.1
clock = Stopwatch()                    # wall-clock; Stopwatch(time.process_time): CPU
fit(model, X, y, ..., callbacks=[target, clock])
target.reached_epoch                   # epochs trained when it got there (or None)
clock.seconds[target.reached_epoch - 1]  # wall-clock seconds to get there
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from nn.train import Callback, Logs


class TargetReached(Callback):
    """Note the first epoch at which ``monitor`` reaches ``target``; stop there if ``stop``.

    A metric whose name contains 'acc' reaches the target from below
    (``value >= target``); any other metric, a loss, from above
    (``value <= target``). ``reached_epoch`` counts the epochs trained when
    the target was first reached (1 for the first epoch), or is None.
    """

    def __init__(self, target: float, monitor: str = "loss", stop: bool = True) -> None:
        if isinstance(target, bool) or not isinstance(target, (int, float)):
            raise TypeError(f"target must be a number, got {type(target).__name__}")
        if not math.isfinite(target):
            raise ValueError(f"target must be finite, got {target!r}")
        self.target = float(target)
        self.monitor = monitor
        self.stop = stop
        self.higher_is_better = "acc" in monitor
        self.reached_epoch: int | None = None

    def on_train_begin(self, logs: Logs) -> None:
        metrics = self.params["metrics"]
        if self.monitor not in metrics:
            raise ValueError(
                f"TargetReached monitors {self.monitor!r}, but fit records only "
                f"{', '.join(metrics)}"
            )
        self.reached_epoch = None

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        if self.reached_epoch is not None:
            return
        value = logs[self.monitor]
        reached = value >= self.target if self.higher_is_better else value <= self.target
        if reached:
            self.reached_epoch = epoch + 1
            self.stop_training = self.stop

    def __repr__(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        return f"TargetReached({self.monitor} {sign} {self.target:g})"


class Stopwatch(Callback):
    """Seconds from the start of training to the end of each epoch.

    ``seconds[k]`` is the time after epoch k + 1, so ``seconds[-1]`` is the
    whole run and the differences are per-epoch times. ``clock`` is
    wall-clock time by default; ``Stopwatch(time.process_time)`` counts the
    CPU time of this process instead, which other programs running on the
    machine do not inflate.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.seconds: list[float] = []
        self._start = 0.0

    def on_train_begin(self, logs: Logs) -> None:
        self.seconds = []
        self._start = self.clock()

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self.seconds.append(self.clock() - self._start)

    def __repr__(self) -> str:
        return f"Stopwatch({len(self.seconds)} epochs)"


__all__ = ["Stopwatch", "TargetReached"]
