"""Smoke tests for the article demos and their report, in quick mode.

The report runs once (about 20 s) and every test reads its results. The
checks hold whatever the measurements turn out to be: shapes, ranges,
exact identities (zero init, parallel runs), files, and that report.md
holds every table. None of them depends on a particular measured number.
"""

from __future__ import annotations

import math
import re
import sys
import types
from pathlib import Path

import pytest

from demos import momentum, report, tuning
from demos._common import Result, markdown_table

QUICK_SEED = 3
Report = tuple[Path, str, dict[str, Result]]  # the output folder, report.md's text, the results


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    out = tmp_path_factory.mktemp("demo-output")
    path, results = report.build_report(quick=True, seed=QUICK_SEED, out=out, progress=False)
    assert [r.name for r in results] == report.DEMOS
    # moons and graph_tour have only main(); they are reported from what they print
    printed = [r.name for r in results if isinstance(r, report.Printed)]
    assert printed == ["moons", "graph_tour"]
    by_name = {r.name: r for r in results if isinstance(r, Result)}
    return out, path.read_text(encoding="utf-8"), by_name


def cells(result: Result, column: str) -> list[float]:
    values = [row[column] for row in result.rows]
    assert all(isinstance(v, (int, float)) for v in values), (result.name, column, values)
    return [float(v) for v in values if isinstance(v, (int, float))]


def test_the_report_runs_every_demo_in_its_list(quick_report: Report) -> None:
    out, text, results = quick_report
    assert list(results) == [n for n in report.DEMOS if n not in ("moons", "graph_tour")]
    assert "## moons" in text
    assert "## graph_tour" in text
    assert "![decision_boundary](decision_boundary.png)" in text
    assert (out / "decision_boundary.png").stat().st_size > 0
    assert (out / "tour_lecture_steps.html").stat().st_size > 0


def test_every_result_is_a_well_formed_table(quick_report: Report) -> None:
    _, _, results = quick_report
    for result in results.values():
        assert result.rows, result.name
        for row in result.rows:
            assert list(row) == result.columns, result.name
        assert result.seconds > 0
        assert result.config, result.name
        assert result.verdict.endswith("."), result.name
        if result.article is not None:
            assert all(len(r) == len(result.article.columns) for r in result.article.rows)


def test_shares_and_accuracies_lie_between_0_and_1(quick_report: Report) -> None:
    _, _, results = quick_report
    checked = 0
    for result in results.values():
        for column, spec in result.formats.items():
            if spec == "%":  # accuracies and shares; a gap between two of them may be negative
                low = -1.0 if column.startswith("gap") else 0.0
                assert all(low <= v <= 1.0 for v in cells(result, column)), (result.name, column)
                checked += 1
    assert checked >= 10


def test_times_are_positive(quick_report: Report) -> None:
    _, _, results = quick_report
    checked = 0
    for result in results.values():
        for column in result.columns:
            if re.search(r"\((CPU )?m?s\)", column):  # (s), (ms), (CPU s)
                # inf marks a target that was never reached
                assert all(v > 0 for v in cells(result, column)), (result.name, column)
                checked += 1
    assert checked >= 5


def test_every_row_has_its_variant(quick_report: Report) -> None:
    _, _, results = quick_report
    expected = {
        "activations": ("activation", ["sigmoid", "tanh", "ReLU"]),
        "optimizers": ("optimizer", ["SGD", "momentum", "Adam"]),
        "batch_size": ("batch size", [16, 32, 64]),
        "regularization": ("penalty", ["none", "L1", "L2"]),
        "dropout": ("dropout", [0.0, 0.3, 0.5]),
        "parallel": ("workers", [1, 2]),
        "momentum": ("method", ["gradient descent", "momentum 0.7"]),
    }
    for name, (column, values) in expected.items():
        assert [row[column] for row in results[name].rows] == values, name
    schedules = results["schedules"].rows
    assert len(schedules) == 6
    assert {row["schedule"] for row in schedules} == {"fixed", "step decay", "exponential decay"}
    # one row per learning rate, one column per batch size
    assert [row["learning rate"] for row in results["tuning"].rows] == list(tuning.LRS)
    assert results["tuning"].columns[1:] == [f"batch {bs}" for bs in tuning.BATCH_SIZES]


def test_optimizer_state_grows_with_the_buffers_it_keeps(quick_report: Report) -> None:
    _, _, results = quick_report
    floats = cells(results["optimizers"], "state floats per parameter")
    assert floats == [0, 1, 2]  # SGD keeps none, momentum one buffer, Adam two


def test_zero_init_leaves_the_hidden_units_identical(quick_report: Report) -> None:
    _, _, results = quick_report
    result = results["initialization"]
    assert result.data["zero_init_units"] == [(1, 1), (1, 1)]  # tanh and sigmoid
    for row in result.rows:
        if row["init"] == "Xavier":
            assert row["distinct units, layer 1"] == row["units per layer"]


def test_two_workers_compute_exactly_what_one_does(quick_report: Report) -> None:
    _, _, results = quick_report
    result = results["parallel"]
    assert result.data["results"][1] == result.data["results"][2]
    assert [row["same results as 1 worker"] for row in result.rows] == ["yes", "yes"]
    assert result.rows[0]["speed-up"] == 1.0


def test_gradient_norms_are_positive_and_finite(quick_report: Report) -> None:
    _, _, results = quick_report
    profiles = results["vanishing_gradient"].data["profiles"]
    assert len(profiles) == 6  # three activations, plain and residual
    for name, profile in profiles.items():
        assert len(profile) == 10, name
        assert all(0 < g < math.inf for g in profile), name


def test_every_plot_is_a_non_empty_png(quick_report: Report) -> None:
    out, _, results = quick_report
    for result in results.values():
        assert result.plot.parent == out
        data = result.plot.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), result.name
        assert len(data) > 10_000, result.name


def test_report_md_holds_every_table_plot_and_configuration(quick_report: Report) -> None:
    out, text, results = quick_report
    assert str(out) not in text  # image links are relative
    for result in results.values():
        measured = markdown_table(result.columns, result.table().rows, result.formats)
        assert measured in text, result.name
        if result.article is not None:
            assert markdown_table(result.article.columns, result.article.rows) in text
        assert f"]({result.plot.name})" in text
        assert result.verdict in text
        assert f"python -m demos.{result.name} --quick --seed {QUICK_SEED}" in text
        for key in result.config:
            assert f"- {key}: `" in text


def test_a_demo_runs_from_its_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert momentum.main(["--quick", "--seed", "1", "--out", str(tmp_path / "new")]) == 0
    printed = capsys.readouterr().out
    assert "| method" in printed
    assert "gradient descent" in printed
    assert (tmp_path / "new" / "momentum.png").stat().st_size > 0


def test_demos_without_run_are_reported_from_what_they_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []

    def main(argv: list[str] | None = None) -> int:
        seen.append(list(argv or []))
        print("step 1\rstep 2\rdone: accuracy 100%")  # a progress line redrawn with \r
        return 0

    fake = types.ModuleType("demos.printing_only")
    fake.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "demos.printing_only", fake)
    path, results = report.build_report(
        quick=True, seed=5, out=tmp_path, progress=False, demos=["printing_only"]
    )
    (printed,) = results
    assert isinstance(printed, report.Printed)
    assert seen == [["--quick", "--out", str(tmp_path)]]  # its own default seed
    assert printed.output == "done: accuracy 100%"
    assert "```\ndone: accuracy 100%\n```" in path.read_text(encoding="utf-8")
