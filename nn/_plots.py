"""Plots of what ``fit`` recorded (private; matplotlib is imported only when called).

Kept apart from ``nn.callbacks`` and ``nn.health`` so that ``History`` can
draw itself without importing the callbacks that fill it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

MEASURES = ("grad_rms", "update_ratio", "dead", "saturated")
"""What ``nn.GradientHealth`` records per layer, as ``<measure>/<layer>`` keys."""


def plot_health(
    history: Mapping[str, list[float]], epochs: list[int], path: str | None = None
) -> Any:
    """The four panels of ``History.plot_gradient_health`` (matplotlib)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "plot_gradient_health() needs matplotlib: pip install matplotlib"
        ) from None
    series = {m: _series(history, m) for m in MEASURES}
    if not any(series.values()):
        raise ValueError(
            "this History has no gradient-health measures; "
            "train with fit(..., callbacks=[nn.GradientHealth()])"
        )
    titles = {
        "grad_rms": "gradient RMS (log scale)",
        "update_ratio": "log10 update / data",
        "dead": "dead ReLU share",
        "saturated": "saturated share",
    }
    # A bare Figure, not pyplot: no global state, no GUI backend needed;
    # Jupyter still shows it inline.
    fig = Figure(figsize=(15, 3.4))
    axes = fig.subplots(1, 4)
    for ax, measure in zip(axes, MEASURES):
        ax.set_title(titles[measure])
        ax.set_xlabel("epoch")
        for name, values in series[measure].items():
            xs = [e + 1 for e in epochs[-len(values) :]]
            shown = [v if math.isfinite(v) else math.nan for v in values]
            ax.plot(xs, shown, label=name)
        if measure == "grad_rms" and series[measure]:
            ax.set_yscale("log")
        if measure == "update_ratio":
            ax.axhline(-3, color="#888888", linestyle="--", linewidth=0.8)
        if measure in ("dead", "saturated"):
            ax.set_ylim(-0.03, 1.03)
        if series[measure]:
            ax.legend(fontsize=7)
        else:
            missing = "no ReLU layers" if measure == "dead" else "no tanh or sigmoid layers"
            ax.text(0.5, 0.5, missing, ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig


def _series(history: Mapping[str, list[float]], measure: str) -> dict[str, list[float]]:
    prefix = measure + "/"
    return {k[len(prefix) :]: v for k, v in history.items() if k.startswith(prefix)}


__all__ = ["MEASURES", "plot_health"]
