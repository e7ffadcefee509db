"""Smoke tests for the article demos and their report, in quick mode.

The report runs once (about 10 s of CPU) and every test reads its results.
The checks hold whatever the measurements turn out to be: shapes, ranges,
exact identities (zero init, parallel runs), files, that quick mode gives
no verdicts, that report.md holds every table and that report.html is
self-contained and renders in Chromium (where Chromium is installed). None
of them depends on a particular measured number.
"""

from __future__ import annotations

import math
import os
import re
import sys
import types
from pathlib import Path

import pytest

from demos import momentum, report, tuning
from demos._common import QUICK_BANNER, Result, markdown_table
from demos._stats import NOT_JUDGED, Spread
from tests.browser import chromium

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


def spreads(result: Result, column: str) -> list[Spread]:
    values = [row[column] for row in result.rows]
    assert all(isinstance(v, Spread) for v in values), (result.name, column, values)
    return [v for v in values if isinstance(v, Spread)]


def test_the_report_runs_every_demo_in_its_list(quick_report: Report) -> None:
    out, text, results = quick_report
    assert list(results) == [n for n in report.DEMOS if n not in ("moons", "graph_tour")]
    for name in ("learning_rate", "cost_functions", "linear_baseline", "minibatch_noise"):
        assert name in results  # the backpropagation article, complete
    assert "## moons" in text
    assert "## graph_tour" in text
    assert "![decision_boundary](decision_boundary.png)" in text
    assert (out / "decision_boundary.png").stat().st_size > 0
    assert (out / "tour_lecture_steps.html").stat().st_size > 0


def test_every_result_is_a_well_formed_table_over_the_seeds(quick_report: Report) -> None:
    _, _, results = quick_report
    for result in results.values():
        assert result.rows, result.name
        assert result.seeds == [QUICK_SEED, QUICK_SEED + 1], result.name
        assert result.quick
        for row in result.rows:
            assert list(row) == result.columns, result.name
            for cell in row.values():
                if isinstance(cell, Spread):
                    assert cell.n == len(result.seeds), (result.name, cell)
        assert result.seconds > 0
        assert result.config, result.name
        assert result.checks, result.name
        assert result.rules, result.name
        assert result.notice, result.name
        if result.article is not None:
            assert all(len(r) == len(result.article.columns) for r in result.article.rows)


def test_quick_mode_gives_no_verdicts(quick_report: Report) -> None:
    _, text, results = quick_report
    for result in results.values():
        for check in result.checks:
            assert check.verdict == NOT_JUDGED, result.name
            assert check.detail == check.pairs == "", result.name  # no pair-by-pair verdicts
    assert text.splitlines()[2] == f"**{QUICK_BANNER}**"  # said at the top
    board = text.split("## Scoreboard")[1].split("\n## ")[0]
    for verdict in ("| agrees", "| disagrees", "| no clear difference", "| within noise"):
        assert verdict not in board


def test_shares_and_accuracies_lie_between_0_and_1(quick_report: Report) -> None:
    _, _, results = quick_report
    checked = 0
    for result in results.values():
        for column, spec in result.formats.items():
            if spec == "%" and column != "dropout":
                low = -1.0 if column.startswith("gap") else 0.0  # a gap may be negative
                for s in spreads(result, column):
                    assert all(low <= v <= 1.0 for v in s.values), (result.name, column)
                checked += 1
    assert checked >= 15


def test_every_row_has_its_variant(quick_report: Report) -> None:
    _, _, results = quick_report
    expected = {
        "activations": ("activation", ["sigmoid", "tanh", "ReLU"]),
        "optimizers": ("optimizer", ["SGD", "momentum", "Adam"]),
        "batch_size": ("batch size", [16, 32, 64]),
        "regularization": ("penalty", ["none", "L1", "L2"]),
        "dropout": ("dropout", [0.0, 0.3, 0.5]),
        "parallel": ("workers", [1, 2, 4]),
        "momentum": ("method", ["gradient descent", "momentum 0.7"]),
        "learning_rate": ("learning rate", [0.03, 0.3, 3.0, 30.0]),
        "cost_functions": ("cost", ["cross-entropy", "squared error"]),
        "linear_baseline": ("hidden units", ["linear", "tanh"]),
        "minibatch_noise": ("batch", ["full batch", "mini-batch of 10"]),
    }
    for name, (column, values) in expected.items():
        assert [row[column] for row in results[name].rows] == values, name
    schedules = results["schedules"].rows
    assert len(schedules) == 6
    assert {row["schedule"] for row in schedules} == {"fixed", "step decay", "exponential decay"}
    assert [row["learning rate"] for row in results["tuning"].rows] == list(tuning.LRS)
    assert results["tuning"].columns[1:] == [f"batch {bs}" for bs in tuning.BATCH_SIZES]


def test_optimizer_state_grows_with_the_buffers_it_keeps(quick_report: Report) -> None:
    _, _, results = quick_report
    floats = [row["state floats per parameter"] for row in results["optimizers"].rows]
    assert floats == [0, 1, 2]  # SGD keeps none, momentum one buffer, Adam two


def test_zero_init_leaves_the_hidden_units_identical(quick_report: Report) -> None:
    _, _, results = quick_report
    result = results["initialization"]
    assert result.data["zero_init_units"] == [(1, 1)]  # every zero-init run, tanh and sigmoid
    for row in result.rows:
        if row["init"] == "Xavier":
            units = row["distinct units, layer 1"]
            assert isinstance(units, Spread)
            assert set(units.values) == {row["units per layer"]}


def test_every_worker_count_computes_exactly_what_one_does(quick_report: Report) -> None:
    _, _, results = quick_report
    result = results["parallel"]
    computed = result.data["results"]
    assert computed[1] == computed[2] == computed[4]
    assert [row["same results as 1 worker"] for row in result.rows] == ["yes"] * 3
    assert result.rows[0]["speed-up (median)"] == 1.0
    # the ideal line never exceeds the number of cores
    cores = os.cpu_count() or 1
    assert [row["ideal on this machine"] for row in result.rows] == [
        min(w, cores) for w in (1, 2, 4)
    ]
    assert "no GPU" in str(result.config["machine"])


def test_gradient_norms_are_positive_and_finite(quick_report: Report) -> None:
    _, _, results = quick_report
    profiles = results["vanishing_gradient"].data["profiles"]
    assert len(profiles) == 6  # three activations, plain and residual
    for name, per_seed in profiles.items():
        assert len(per_seed) == 2, name  # one profile per seed
        for profile in per_seed:
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
        for check in result.checks:
            assert check.sentence() in text
        assert f"python -m demos.{result.name} --quick --seed {QUICK_SEED}" in text
        for key in result.config:
            assert f"- {key}: `" in text
    assert "mean \\|w\\|" in text  # a pipe in a column name does not break the table


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
        quick=True, seed=5, out=tmp_path, progress=False, demos=["printing_only"], jobs=1
    )
    (printed,) = results
    assert isinstance(printed, report.Printed)
    assert seen == [["--quick", "--out", str(tmp_path)]]  # its own default seed
    assert printed.output == "done: accuracy 100%"
    assert "```\ndone: accuracy 100%\n```" in path.read_text(encoding="utf-8")


def test_report_html_is_self_contained(quick_report: Report) -> None:
    out, _, results = quick_report
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert QUICK_BANNER in page
    # no network: every picture is inline, nothing is fetched
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) >= len(results)
    assert all(src.startswith("data:image/") for src in sources)
    assert "http://" not in page
    assert "https://" not in page
    # a scoreboard row per check, each linking to its section (and one link in the
    # list of sections at the top), and the section exists
    for result in results.values():
        assert page.count(f'href="#exp-{result.name}"') == len(result.checks) + 1, result.name
        assert f'id="exp-{result.name}"' in page
        assert f"python -m demos.{result.name} --quick --seed {QUICK_SEED}" in page
    # the lecture's step pages and explorer pages are linked by relative path, and exist
    for name in ("tour_lecture_steps.html", "tour_neuron_steps.html", "tour_lecture_explorer.html"):
        assert f'href="{name}"' in page
        assert (out / name).exists()


def test_report_html_renders_in_chromium(quick_report: Report, tmp_path: Path) -> None:
    out, _, results = quick_report
    url = (out / "report.html").resolve().as_uri()
    dom = chromium(url, "--virtual-time-budget=3000", "--dump-dom")
    # the browser parsed the whole page: the scoreboard and every section are in its DOM
    assert 'id="scoreboard"' in dom
    for result in results.values():
        assert f'id="exp-{result.name}"' in dom
    shot = tmp_path / "report.png"
    chromium(url, f"--screenshot={shot}", "--window-size=1200,1600")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 50_000  # a page with text and pictures, not a blank one
