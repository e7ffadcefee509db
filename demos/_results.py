"""Results of the article demos: tables over seeds, their text and markdown forms.

A :class:`Result` holds the measured table (cells are
:class:`~demos._stats.Spread` over the seeds, so tests can read every
seed's number), the article's own table, the plot, the exact configuration,
the :class:`~demos._stats.Check` of each claim and the rules behind them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demos._stats import NOT_JUDGED, Check, Spread

Cell = float | int | str | Spread | None
Row = dict[str, Cell]
QUICK_BANNER = (
    "QUICK MODE: a smoke run with tiny budgets and 2 seeds. It checks that every "
    "experiment runs; its numbers mean nothing and it gives no verdicts."
)


# --- results and tables -----------------------------------------------------------


@dataclass
class Table:
    """A table as printed: column names and rows of cells."""

    columns: list[str]
    rows: list[list[Cell]]


@dataclass
class Result:
    """One experiment over several seeds, against what the article printed."""

    name: str  # the module name: python -m demos.<name>
    title: str
    claim: str  # what the article says, in one line
    columns: list[str]
    rows: list[Row]  # Spread cells hold one number per seed
    formats: dict[str, str]  # column -> format spec ('%' for a share)
    plot: Path
    config: dict[str, Any]
    checks: list[Check]
    rules: list[str]  # the rules the verdicts came from, printed under the table
    notice: str  # one line: what to look at in the plot
    seeds: list[int]
    quick: bool
    article: Table | None = None
    seconds: float = 0.0  # wall-clock time of the whole experiment
    cpu_seconds: float = 0.0  # CPU time of this process (worker processes not included)
    data: dict[str, Any] = field(default_factory=dict)  # extra raw numbers for tests

    def table(self) -> Table:
        return Table(self.columns, [[row[c] for c in self.columns] for row in self.rows])

    @property
    def verdict(self) -> str:
        """Every check as one sentence."""
        return sentence([check.sentence() for check in self.checks])


def format_cell(value: Cell, spec: str = "") -> str:
    """A cell as text: ``None`` is '-', ``inf`` 'not reached', '%' a percentage."""
    if value is None:
        return "-"
    if isinstance(value, Spread):
        return value.text(spec or ".3g")
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
    """A markdown table padded to line up; a '|' inside a cell is escaped."""
    formats = formats or {}

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    heads = [cell(c) for c in columns]
    cells = [[cell(format_cell(v, formats.get(c, ""))) for c, v in zip(columns, r)] for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(heads)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(heads), rule, *(line(r) for r in cells)])


def seeds_line(result: Result) -> str:
    seeds = result.seeds
    shown = f"{seeds[0]}-{seeds[-1]}" if len(seeds) > 2 else ", ".join(map(str, seeds))
    return f"mean ± standard deviation over {len(seeds)} seeds ({shown})"


def describe(result: Result) -> str:
    """The measured table, the article's, the checks and rules, as text."""
    parts = [QUICK_BANNER] if result.quick else []
    parts += [
        f"{result.title}: measured on chainrule, {seeds_line(result)}",
        markdown_table(result.columns, result.table().rows, result.formats),
    ]
    if result.article is not None:
        parts += [
            "The article's table:",
            markdown_table(result.article.columns, result.article.rows),
        ]
    parts += [f"- {check.sentence()}" for check in result.checks]
    parts += result.rules
    parts += [f"plot: {result.plot}   ({result.seconds:.1f} s)"]
    return "\n\n".join(parts)


def sentence(parts: Sequence[str]) -> str:
    """Clauses joined into one sentence."""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def quick_checks(checks: list[Check], quick: bool) -> list[Check]:
    """In quick mode, every verdict becomes 'not judged', with no pair-by-pair judgement."""
    if quick:
        for check in checks:
            check.verdict, check.detail, check.pairs = NOT_JUDGED, "", ""
    return checks
