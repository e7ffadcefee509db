"""Numbers over several seeds, and verdicts computed from them by stated rules.

A measurement repeated over seeds is a :class:`Spread`; two variants run
with the same seed see the same data, initial weights and shuffling, so
they are compared seed by seed (paired). CPU times of identical work are
compared per round of a timing loop (:func:`time_rounds`). Each rule is a
sentence (``PAIRED_RULE``, ``TIMING_RULE``) printed under every table it
judges, and a :class:`Check` records one claim: the article's number,
ours with its spread, and the verdict the rule gave.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

AGREES, DISAGREES, UNCLEAR = "agrees", "disagrees", "no clear difference"
NOISE, UNTESTABLE, NOT_JUDGED = "within noise", "not testable here", "not judged (quick run)"

# Two-sided 95% quantiles of Student's t, by degrees of freedom.
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306}
TIME_FLOOR = 0.20  # the same work, timed in two runs on a shared machine, can differ by 10-20%

PAIRED_RULE = (
    "Rule: two variants differ when the mean of their per-seed differences (each seed gives "
    "both the same data, initial weights and shuffling) is further from 0 than its 95% "
    "confidence interval (Student's t over the seeds) and than {floor}; otherwise there is "
    "no clear difference. The verdict compares that direction with the article's numbers: "
    "agrees, disagrees (the order is reversed), or no clear difference."
)
TIMING_RULE = (
    "Timing rule: each variant runs the same work in blocks of CPU time "
    "(time.process_time), alternating variants over {rounds} rounds with gc.collect() "
    "between blocks; the ratio of two variants is the median of the per-round ratios. A "
    "difference counts only if the 95% interval of the per-round log ratios excludes 1 and "
    f"the median ratio is more than {TIME_FLOOR:.0%} away from 1; otherwise it is within noise."
)


def t95(df: int) -> float:
    """The 95% two-sided quantile of Student's t with ``df`` degrees of freedom."""
    return _T95.get(df, 2.0 if df > 8 else math.inf)


@dataclass(frozen=True)
class Spread:
    """One number measured once per seed (or per round)."""

    values: tuple[float, ...]
    missed: int = 0  # values that are a budget, not a measurement: a target never reached

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    @property
    def std(self) -> float:
        return statistics.stdev(self.values) if self.n > 1 else 0.0

    def text(self, spec: str = ".3g") -> str:
        """'97.0 ± 1.2%' for spec '%', else the mean and std in ``spec``."""
        if spec == "%":
            text = f"{100 * self.mean:.1f} ± {100 * self.std:.1f}%"
        else:
            text = f"{self.mean:{spec}} ± {self.std:{spec}}"
        if self.missed:
            text = f"≥ {text} ({self.missed} of {self.n} not reached)"
        return text

    def __repr__(self) -> str:
        return f"Spread({self.text()}, n={self.n})"


def spread(values: Sequence[float | None], budget: float | None = None) -> Spread:
    """A Spread of ``values``, where None (a target not reached) counts as ``budget``."""
    missed = sum(v is None for v in values)
    if missed and budget is None:
        raise ValueError("spread: some values are missing; give the budget they count as")
    return Spread(tuple(float(v) if v is not None else float(budget or 0) for v in values), missed)


def paired_sign(a: Spread, b: Spread, floor: float = 0.0) -> int:
    """+1 if ``a`` is clearly larger than ``b`` seed by seed, -1 if smaller, else 0."""
    if a.n != b.n:
        raise ValueError(f"paired_sign: {a.n} values against {b.n}; pair them by seed")
    diffs = [x - y for x, y in zip(a.values, b.values)]
    mean = statistics.fmean(diffs)
    se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else math.inf
    if abs(mean) <= floor or abs(mean) <= t95(len(diffs) - 1) * se:
        return 0
    return 1 if mean > 0 else -1


def ratio_sign(a: Sequence[float], b: Sequence[float]) -> tuple[int, float, float, float]:
    """Is time ``a`` clearly above (+1) or below (-1) time ``b``, round by round?

    Returns the sign, the median ratio a/b and the 95% interval of the ratio.
    """
    logs = [math.log(x / y) for x, y in zip(a, b)]
    median = math.exp(statistics.median(logs))
    mean = statistics.fmean(logs)
    half = t95(len(logs) - 1) * statistics.stdev(logs) / math.sqrt(len(logs))
    low, high = math.exp(mean - half), math.exp(mean + half)
    clear = (low > 1 or high < 1) and abs(math.log(median)) > math.log(1 + TIME_FLOOR)
    return (0 if not clear else 1 if median > 1 else -1), median, low, high


def time_rounds(work: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """CPU seconds of each ``work[name]()``, once per round, in a rotating order."""
    names = list(work)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            gc.collect()
            start = time.process_time()
            work[name]()
            seconds[name].append(time.process_time() - start)
    return seconds


@dataclass
class Check:
    """One claim of the article against our measurement."""

    claim: str  # what the article says, short
    article: str  # the article's numbers, as printed
    ours: str  # our numbers with their spread
    verdict: str  # AGREES, DISAGREES, UNCLEAR, NOISE, UNTESTABLE or NOT_JUDGED
    detail: str = ""  # pair by pair, or why
    pairs: str = ""  # how many pairs agree, e.g. '2 of 3 pairs agree, 1 unclear'

    def sentence(self) -> str:
        detail = f"; {self.detail}" if self.detail else ""
        ours = f"we measure {self.ours}{detail}"
        pairs = f"; {self.pairs}" if self.pairs else ""
        return f"{self.claim}: the article has {self.article}, {ours} ({self.verdict}{pairs})"


def pair_tally(pairs: Sequence[tuple[int, int]]) -> str:
    """'2 of 3 pairs agree, 1 unclear': the pairs behind an order's verdict."""
    if len(pairs) < 2:
        return ""
    same = sum(ours == theirs for ours, theirs in pairs)
    reversed_ = sum(ours == -theirs != 0 for ours, theirs in pairs)
    unclear = len(pairs) - same - reversed_
    text = f"{same} of {len(pairs)} pairs agree"
    text += f", {reversed_} reversed" if reversed_ else ""
    return text + (f", {unclear} unclear" if unclear else "")


def order_verdict(pairs: Sequence[tuple[int, int]], quick: bool, timed: bool = False) -> str:
    """The verdict on a claimed order, from (ours, the article's) signs, pair by pair."""
    if quick:
        return NOT_JUDGED
    if all(ours == theirs for ours, theirs in pairs):
        return AGREES
    if any(ours == -theirs != 0 for ours, theirs in pairs):
        return DISAGREES
    return NOISE if timed else UNCLEAR


def judge(
    claim: str,
    names: Sequence[str],
    article: Sequence[float],
    article_text: str,
    measured: Sequence[Spread],
    spec: str,
    quick: bool,
    floor: float = 0.0,
) -> Check:
    """Check the article's order of ``names`` (by its numbers) against seed-paired spreads."""
    pairs, details = [], []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            theirs = _sign(article[i] - article[j])
            ours = paired_sign(measured[i], measured[j], floor)
            pairs.append((ours, theirs))
            details.append(f"{names[i]} {_symbol(ours)} {names[j]}")
    ours_text = ", ".join(f"{n} {m.text(spec)}" for n, m in zip(names, measured))
    verdict = order_verdict(pairs, quick)
    return Check(claim, article_text, ours_text, verdict, "; ".join(details), pair_tally(pairs))


def judge_times(
    claim: str,
    names: Sequence[str],
    article: Sequence[float],
    article_text: str,
    seconds: Sequence[Sequence[float]],
    quick: bool,
) -> Check:
    """Check the article's order of ``names`` by time against per-round CPU times."""
    pairs, details = [], []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            ours, median, low, high = ratio_sign(seconds[i], seconds[j])
            pairs.append((ours, _sign(article[i] - article[j])))
            details.append(
                f"{names[i]} / {names[j]} = {median:.2f}x (95% interval {low:.2f}-{high:.2f})"
            )
    ours_text = ", ".join(
        f"{n} {1000 * statistics.median(s):.2f} ms" for n, s in zip(names, seconds)
    )
    verdict = order_verdict(pairs, quick, timed=True)
    shown = f"{ours_text} (medians)"
    return Check(claim, article_text, shown, verdict, "; ".join(details), pair_tally(pairs))


def _sign(x: float) -> int:
    return 0 if x == 0 else 1 if x > 0 else -1


def _symbol(sign: int) -> str:
    return {1: ">", -1: "<", 0: "≈"}[sign]
