"""The rules behind the report's verdicts, on numbers whose answer is known."""

from __future__ import annotations

import math

import pytest

from demos._common import markdown_table
from demos._stats import (
    AGREES,
    DISAGREES,
    NOISE,
    NOT_JUDGED,
    UNCLEAR,
    Spread,
    judge,
    judge_times,
    paired_sign,
    ratio_sign,
    spread,
    t95,
)


def test_spread_mean_std_and_text() -> None:
    s = Spread((0.9, 0.92, 0.94))
    assert s.mean == pytest.approx(0.92)
    assert s.std == pytest.approx(0.02)
    assert s.text("%") == "92.0 ± 2.0%"
    assert s.text(".2f") == "0.92 ± 0.02"


def test_a_target_never_reached_counts_as_the_budget_and_says_so() -> None:
    s = spread([10, None, 30], budget=50)
    assert s.values == (10.0, 50.0, 30.0)
    assert s.missed == 1
    assert s.text(".0f").startswith("≥ 30 ± 20")
    assert "(1 of 3 not reached)" in s.text(".0f")
    with pytest.raises(ValueError, match="budget"):
        spread([1.0, None])


def test_t_quantiles() -> None:
    assert t95(4) == pytest.approx(2.776)
    assert t95(30) == 2.0
    assert math.isinf(t95(0))


def test_a_consistent_paired_difference_is_clear_even_when_the_seeds_vary_a_lot() -> None:
    # Seeds move both variants together (same data, same initial weights); the
    # difference is always 0.02, so it is clear although each spread is wide.
    a = Spread((0.70, 0.80, 0.90, 0.75, 0.85))
    b = Spread(tuple(x + 0.02 for x in a.values))
    assert paired_sign(b, a) == 1
    assert paired_sign(a, b) == -1
    # ... unless it is below the floor
    assert paired_sign(b, a, floor=0.05) == 0


def test_a_difference_inside_its_interval_is_no_clear_difference() -> None:
    a = Spread((0.80, 0.90, 0.85, 0.80, 0.90))
    b = Spread((0.85, 0.85, 0.80, 0.90, 0.86))  # differences -0.05 .. +0.05
    assert paired_sign(a, b) == 0


def test_paired_comparison_refuses_unpaired_spreads() -> None:
    with pytest.raises(ValueError, match="pair them by seed"):
        paired_sign(Spread((1.0, 2.0)), Spread((1.0,)))


def test_ratio_sign_needs_the_interval_and_the_floor() -> None:
    slow, fast = [2.0, 2.1, 1.9, 2.05, 2.0], [1.0, 1.0, 1.05, 0.95, 1.0]
    sign, median, low, high = ratio_sign(slow, fast)
    assert sign == 1
    assert median == pytest.approx(2.0, rel=0.05)
    assert low < median < high
    # 5% apart, very steady: beyond the interval but inside the noise floor
    sign, *_ = ratio_sign([1.05] * 4 + [1.051], [1.0] * 5)
    assert sign == 0


def test_judge_agrees_disagrees_or_finds_no_clear_difference() -> None:
    low, high = Spread((0.80, 0.82, 0.81)), Spread((0.90, 0.93, 0.92))
    same = Spread((0.80, 0.83, 0.80))

    def verdict(a: Spread, b: Spread, quick: bool = False) -> str:
        return judge("acc", ["A", "B"], [90.0, 95.0], "90 vs 95", [a, b], "%", quick).verdict

    assert verdict(low, high) == AGREES
    assert verdict(high, low) == DISAGREES
    assert verdict(low, same) == UNCLEAR
    assert verdict(low, high, quick=True) == NOT_JUDGED


def test_judge_over_three_variants_reports_every_pair() -> None:
    a, b, c = Spread((1.0, 1.1, 1.0)), Spread((2.0, 2.1, 2.0)), Spread((3.0, 3.2, 3.0))
    check = judge("x", ["a", "b", "c"], [1, 2, 3], "1, 2, 3", [a, b, c], ".1f", False)
    assert check.verdict == AGREES
    assert check.detail == "a < b; a < c; b < c"
    # one pair reversed is a disagreement, even if the others agree
    assert judge("x", ["a", "b", "c"], [1, 3, 2], "", [a, b, c], ".1f", False).verdict == DISAGREES


def test_judge_times_says_within_noise_for_equal_work() -> None:
    times = [[1.0, 1.02, 0.98, 1.01], [1.01, 1.0, 0.99, 1.0]]
    check = judge_times("t", ["a", "b"], [120, 89], "120 vs 89", times, False)
    assert check.verdict == NOISE
    assert "95% interval" in check.detail


def test_markdown_tables_escape_pipes_in_cells_and_headers() -> None:
    text = markdown_table(["name", "mean |w|"], [["a|b", Spread((1.0, 3.0))]])
    assert "mean \\|w\\|" in text
    assert "a\\|b" in text
    assert "2 ± 1.41" in text
    # every line still has exactly the table's 3 unescaped separators
    for line in text.splitlines():
        assert line.replace("\\|", "").count("|") == 3
