"""The progress bar ``fit`` shows, and how it writes numbers (private).

Numbers are written compactly, so that a loss of 8.6e6 reads ``8.6e+06``
and never as a 200-digit integer: four significant digits, in exponent
form when very large or very small (Python's ``g`` format).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any


def compact(x: float) -> str:
    """``x`` in at most four significant digits: ``0.1234``, ``8.6e+06``, ``nan``."""
    return f"{x:.4g}"


class Progress:
    """One tqdm bar over all batches of all epochs, with live metrics."""

    def __init__(self, enabled: bool, epochs: int, steps: int) -> None:
        self.epochs = epochs
        self.bar: Any = None
        self.closed = False
        self.shown: dict[str, str] = {}
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=epochs * steps, unit="batch", file=sys.stderr, dynamic_ncols=True)

    def start_epoch(self, epoch: int) -> None:
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch + 1}/{self.epochs}", refresh=False)

    def batch_done(self, loss: float, accuracy: float | None) -> None:
        if self.bar is None:
            return
        self.shown["loss"] = compact(loss)
        if accuracy is not None:
            self.shown["acc"] = f"{accuracy:.1%}"
        self.bar.set_postfix(self.shown, refresh=False)
        self.bar.update(1)

    def end_epoch(self, logs: Mapping[str, float]) -> None:
        if self.bar is None:
            return
        if "val_loss" in logs:
            self.shown["val_loss"] = compact(logs["val_loss"])
        if "val_accuracy" in logs:
            self.shown["val_acc"] = f"{logs['val_accuracy']:.1%}"
        self.bar.set_postfix(self.shown)

    def finish_early(self) -> None:
        """Training stopped before its last epoch: end the bar at what was done.

        The bar's total shrinks to the batches trained, so it closes at 100%
        of the run that happened instead of freezing part way.
        """
        if self.bar is not None and not self.closed:
            self.bar.total = self.bar.n
            self.bar.refresh()
        self.close()

    def close(self) -> None:
        if self.bar is not None and not self.closed:
            self.closed = True
            self.bar.close()


__all__ = ["Progress", "compact"]
