"""What every article demo shares: the command line, the task, tables, plots, verdicts.

Each demo module defines ``run(quick, seed, out) -> Result`` and gets its
``main(argv)`` from :func:`cli`. A :class:`Result` holds the measured table
(raw numbers, so tests can check them), the article's own table, the plot's
path, the exact configuration and a sentence comparing the two tables that
is computed from the numbers.
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from engine import no_grad
from nn.data import make_moons, train_test_split

T = TypeVar("T")
Cell = float | int | str | None

# How far apart two measurements must be to count as different (relative).
# Times get a wide margin: on a shared machine CPU times vary by 10-20%.
ACCURACY_TOL, TIME_TOL, OTHER_TOL = 0.01, 0.15, 0.05
Row = dict[str, Cell]

DEFAULT_OUT = Path("demo-output")


# --- results and tables -----------------------------------------------------------


@dataclass
class Table:
    """A table as printed: column names and rows of cells."""

    columns: list[str]
    rows: list[list[Cell]]


@dataclass
class Result:
    """One experiment: what was measured, against what the article printed."""

    name: str  # the module name: python -m demos.<name>
    title: str
    claim: str  # what the article says, in one line
    columns: list[str]
    rows: list[Row]  # raw numbers, keyed by column
    formats: dict[str, str]  # column -> format spec for printing ('%' for a share)
    plot: Path
    config: dict[str, Any]
    verdict: str  # one sentence: where we agree or disagree with the article
    article: Table | None = None
    seconds: float = 0.0  # wall-clock time of the whole experiment
    data: dict[str, Any] = field(default_factory=dict)  # extra raw numbers for tests

    def table(self) -> Table:
        return Table(self.columns, [[row[c] for c in self.columns] for row in self.rows])


def format_cell(value: Cell, spec: str = "") -> str:
    """A cell as text: ``None`` is '-', ``inf`` 'not reached', '%' a percentage."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isinf(value):
        return "not reached"
    if spec == "%":
        return f"{100 * value:.1f}%"
    if spec:
        return format(value, spec)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def markdown_table(
    columns: Sequence[str], rows: Sequence[Sequence[Cell]], formats: dict[str, str] | None = None
) -> str:
    """A markdown table padded to line up, so it reads as plain text too."""
    formats = formats or {}
    cells = [[format_cell(v, formats.get(c, "")) for c, v in zip(columns, row)] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(columns), rule, *(line(r) for r in cells)])


def describe(result: Result) -> str:
    """The measured table, the article's, the verdict and the plot, as text."""
    parts = [
        f"{result.title}: measured on chainrule",
        markdown_table(result.columns, result.table().rows, result.formats),
    ]
    if result.article is not None:
        parts += [
            "The article's table:",
            markdown_table(result.article.columns, result.article.rows),
        ]
    parts += [result.verdict, f"plot: {result.plot}   ({result.seconds:.1f} s)"]
    return "\n\n".join(parts)


# --- comparing with the article -----------------------------------------------------


def _sign(a: float, b: float, tol: float) -> int:
    """-1, 0 or +1: is ``a`` below, about equal to (within ``tol`` relative), or above ``b``?"""
    if a == b:  # also two runs that both never reached a target (inf)
        return 0
    if math.isinf(a) or math.isinf(b):
        return -1 if a < b else 1
    if abs(a - b) <= tol * max(abs(a), abs(b)):
        return 0
    return -1 if a < b else 1


def ordering(
    names: Sequence[str], values: Sequence[float], tol: float = 0.05, fmt: str = "g"
) -> str:
    """``names`` sorted by value, e.g. 'Adam (43) < SGD (80)'; '≈' joins values within ``tol``."""
    order = sorted(range(len(names)), key=lambda i: values[i])

    def item(i: int) -> str:
        shown = "not reached" if math.isinf(values[i]) else format(values[i], fmt)
        return f"{names[i]} ({shown})"

    text = item(order[0])
    for prev, i in itertools.pairwise(order):
        text += (" ≈ " if _sign(values[prev], values[i], tol) == 0 else " < ") + item(i)
    return text


def compare(
    what: str,
    names: Sequence[str],
    article: Sequence[float],
    measured: Sequence[float],
    tol: float = 0.05,
    fmt: str = ".3g",
) -> str:
    """How the measured order of ``names`` by ``what`` matches the article's.

    Every pair is compared: the article says one is larger, and we agree if
    ours is larger by more than ``tol`` (relative), disagree if it is
    smaller, and find no clear difference otherwise. ``fmt`` formats our
    numbers (the article's are shown as printed).
    """
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    signs = [
        (_sign(measured[i], measured[j], tol), _sign(article[i], article[j], 0.0)) for i, j in pairs
    ]
    same = sum(ours == theirs for ours, theirs in signs)
    tied = sum(ours == 0 != theirs for ours, theirs in signs)
    reversed_ = len(pairs) - same - tied
    if same == len(pairs):
        verdict = "agrees"
    elif reversed_ == len(pairs):
        verdict = "disagrees: the order is reversed"
    elif tied == len(pairs):
        verdict = "disagrees: no clear difference"
    else:
        verdict = f"agrees on {same} of {len(pairs)} pairs"
        verdict += f", reversed on {reversed_}" if reversed_ else ""
        verdict += f", no clear difference on {tied}" if tied else ""
    return (
        f"{what}: the article has {ordering(names, article, 0.0)}, we measure "
        f"{ordering(names, measured, tol, fmt)} ({verdict})"
    )


def sentence(parts: Sequence[str]) -> str:
    """Clauses joined into one sentence."""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


# --- the command line ---------------------------------------------------------------


class Main(Protocol):
    """A demo's entry point: ``main(["--quick"])``, or ``main()`` to read ``sys.argv``."""

    def __call__(self, argv: list[str] | None = None) -> int: ...


def cli(run: Callable[..., Result], description: str) -> Main:
    """A ``main(argv)`` for a demo: parse --quick/--seed/--out, run, print the table."""

    def main(argv: list[str] | None = None) -> int:
        parser = argparse.ArgumentParser(description=description)
        parser.add_argument(
            "--quick", action="store_true", help="a small version that runs in a few seconds"
        )
        parser.add_argument(
            "--seed", type=int, default=0, help="seed for data, weights and shuffling (default 0)"
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
    """``run(...)`` with its wall-clock time stored in ``result.seconds``."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    result = run(quick=quick, seed=seed, out=out)
    result.seconds = time.perf_counter() - start
    return result


# --- the task and measurements --------------------------------------------------------


@dataclass
class Task:
    """A train/test split of a data set with 0/1 labels."""

    X_train: list[list[float]]
    y_train: list[int]
    X_test: list[list[float]]
    y_test: list[int]
    description: str


def moons(seed: int, n_train: int, n_test: int, noise: float = 0.2) -> Task:
    """Two moons, ``make_moons(n_train + n_test, noise, seed)``, split at random by ``seed``."""
    X, y = make_moons(n_train + n_test, noise=noise, seed=seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=n_test / (n_train + n_test), seed=seed
    )
    text = f"make_moons({n_train + n_test}, noise={noise}, seed={seed}), {n_test} held out"
    return Task(X_train, y_train, X_test, y_test, text)


def median_epoch(seconds: Sequence[float]) -> float:
    """The median time of one epoch, from a Stopwatch's cumulative ``seconds``.

    Less sensitive than the total to a moment when the machine was busy.
    """
    return statistics.median(b - a for a, b in zip([0.0, *seconds], seconds))


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


# --- plots ------------------------------------------------------------------------------


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


def number(cell: Cell) -> float:
    """A numeric cell as a float (None and text, which have no number, are nan)."""
    return float(cell) if isinstance(cell, (int, float)) else math.nan


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
