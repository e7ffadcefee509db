"""Plots shared by the demos: figures, bands over seeds, bars with error bars."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from demos._stats import Spread
from engine import no_grad


def figure(ncols: int = 1, nrows: int = 1, width: float = 6.0, height: float = 4.5) -> Any:
    """A matplotlib figure and axes (Agg backend: no window, works anywhere)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 11, "axes.grid": True, "grid.alpha": 0.3})
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)


def save(fig: Any, out: Path, name: str, title: str) -> Path:
    """Save ``fig`` as ``out/name.png`` with an overall title, and close it."""
    import matplotlib.pyplot as plt

    fig.suptitle(title, fontsize=13, fontweight="bold")
    fig.tight_layout()
    path = out / f"{name}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def decision_regions(
    ax: Any,
    score: Callable[[list[float]], float],
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    classes: Sequence[tuple[int, str, str, str]],
    extent: tuple[float, float, float, float],
    n: int = 60,
    fills: tuple[str, str] = ("#f4cccc", "#cfe2f3"),
) -> None:
    """Shade where ``score`` is negative or positive, draw where it is 0, and
    scatter the points, one ``(label, colour, marker, legend text)`` per class.

    ``extent`` is ``(x_min, x_max, y_min, y_max)``; the plane is sampled on
    an ``n`` by ``n`` grid, with no graph recorded.
    """
    x0, x1, y0, y1 = extent
    gx = [x0 + (x1 - x0) * i / (n - 1) for i in range(n)]
    gy = [y0 + (y1 - y0) * j / (n - 1) for j in range(n)]
    with no_grad():
        scores = [[score([a, b]) for a in gx] for b in gy]
    sides = [[1.0 if s > 0 else -1.0 for s in row] for row in scores]
    ax.contourf(gx, gy, sides, levels=[-2, 0, 2], colors=list(fills), alpha=0.8)
    ax.contour(gx, gy, scores, levels=[0.0], colors="black", linewidths=1)
    for label, colour, marker, text in classes:
        pts = [p for p, t in zip(X, y) if t == label]
        ax.scatter(
            [p[0] for p in pts],
            [p[1] for p in pts],
            c=colour,
            marker=marker,
            edgecolors="black",
            linewidths=0.5,
            s=40,
            label=text,
        )


def log_scale(ax: Any, axis: str = "y") -> None:
    """A log axis labelled with plain numbers (0.3, not 3 x 10^-1).

    In-between ticks get labels where powers of ten alone would be too few:
    all of them (0.2, 0.3, ...) on an axis spanning less than a factor of 6,
    those at 2 and 5 times a power of ten on one spanning less than 40.
    """
    from matplotlib.ticker import FuncFormatter

    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target = ax.yaxis if axis == "y" else ax.xaxis
    limits = ax.get_ylim if axis == "y" else ax.get_xlim

    def minor(v: float, _: int) -> str:
        low, high = limits()
        digit = round(v / 10 ** math.floor(math.log10(v) + 1e-9))
        wanted = high < 6 * low or (high < 40 * low and digit in (2, 5))
        return f"{v:g}" if wanted else ""

    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    target.set_minor_formatter(FuncFormatter(minor))


def band(
    ax: Any,
    curves: Sequence[Sequence[float]],
    label: str,
    color: str | None = None,
    x: Sequence[float] | None = None,
    linestyle: str = "-",
    log: bool = False,
) -> None:
    """The mean of ``curves`` (one per seed) as a line, with a band of ± one std.

    With ``log``, mean and std are taken of log10 of the values (a geometric
    mean and a band of one std in ratio), which suits a log axis and never
    reaches below 0. Curves may have different lengths (a run that stopped
    at its target): each point averages the seeds that got that far.
    """
    length = max(len(c) for c in curves)
    xs = list(x) if x is not None else list(range(1, length + 1))
    means, lows, highs = [], [], []
    for k in range(length):
        values = [c[k] for c in curves if k < len(c) and math.isfinite(c[k])]
        if log:
            values = [math.log10(v) for v in values if v > 0]
        mean = statistics.fmean(values) if values else math.nan
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        low, high = mean - std, mean + std
        if log:
            mean, low, high = 10**mean, 10**low, 10**high
        means.append(mean)
        lows.append(low)
        highs.append(high)
    (line,) = ax.plot(
        xs[:length], means, color=color, linestyle=linestyle, linewidth=2, label=label
    )
    ax.fill_between(xs[:length], lows, highs, color=line.get_color(), alpha=0.2, linewidth=0)


def positive_band(ax: Any, curves: Sequence[Sequence[float]], label: str, **kw: Any) -> None:
    """:func:`band` for a log axis: geometric mean, and a band of one std in ratio."""
    band(ax, curves, label, log=True, **kw)


def bars(
    ax: Any,
    names: Sequence[str],
    spreads: Sequence[Spread],
    scale: float = 1.0,
    colors: Sequence[str] | None = None,
) -> None:
    """One bar per variant at its mean, an error bar of ± one std, a dot per seed."""
    colors = colors or [f"C{i}" for i in range(len(names))]
    xs = range(len(names))
    ax.bar(
        xs,
        [scale * s.mean for s in spreads],
        yerr=[scale * s.std for s in spreads],
        color=colors,
        alpha=0.6,
        capsize=6,
    )
    for i, s in zip(xs, spreads):
        offsets = [(k - (s.n - 1) / 2) * 0.08 for k in range(s.n)]
        ax.scatter(
            [i + o for o in offsets],
            [scale * v for v in s.values],
            color="black",
            s=12,
            zorder=3,
            label="one seed" if i == 0 else None,
        )
    ax.set_xticks(list(xs), list(names))
