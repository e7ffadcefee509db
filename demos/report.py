"""Run every article demo and write one report: ``demo-output/report.html`` (and ``.md``).

    python -m demos.report            # the full run: every experiment over 5 seeds
    python -m demos.report --quick    # a smoke run: tiny budgets, 2 seeds, no verdicts

The HTML page is self-contained (plots inline, no network): a scoreboard of
every claim (the article's number, ours with its spread over seeds, the
verdict and a link), then one section per experiment with its table, the
article's table, the verdicts and the rules that computed them, the plot,
one line on what to notice, the configuration, the seeds and the command
that reruns it; and links to the lecture's step pages and any graph
explorer pages in the output folder. ``report.md`` holds the same tables
as text. A demo module joins the report by being named in ``DEMOS``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Iterable
from pathlib import Path

from demos import _html
from demos._common import DEFAULT_OUT, QUICK_BANNER, Result, markdown_table, seeds_line
from demos._runner import Printed as Printed
from demos._runner import run_all

DEMOS = [
    # The optimisation article's ten tables, in its order.
    "activations",
    "optimizers",
    "schedules",
    "batch_size",
    "regularization",
    "dropout",
    "initialization",
    "adaptive",
    "parallel",
    "tuning",
    # The backpropagation article.
    "learning_rate",
    "cost_functions",
    "linear_baseline",
    "vanishing_gradient",
    "momentum",
    "minibatch_noise",
    # Demos that only have main(argv) (no run() returning a Result) work too:
    # the report runs main(["--quick", "--out", DIR]), with the demo's own
    # default seed, and includes what it prints.
    "moons",
    "graph_tour",
]


def build_report(
    quick: bool = False,
    seed: int = 0,
    out: Path = DEFAULT_OUT,
    progress: bool = True,
    demos: Iterable[str] = DEMOS,
    jobs: int = 2,
) -> tuple[Path, list[Result | Printed]]:
    """Run the demos, write ``out/report.md`` and ``out/report.html``; return the
    markdown's path and every result. ``jobs`` processes share the work (see
    ``demos._runner``)."""
    out.mkdir(parents=True, exist_ok=True)
    names = list(demos)
    load_before = _load()
    start = time.perf_counter()
    results = run_all(names, quick, seed, out, jobs, progress)
    total = time.perf_counter() - start
    path = out / "report.md"
    loads = (load_before, _load())
    path.write_text(render(results, quick, seed, total, out, loads), encoding="utf-8")
    page = render_html(results, quick, seed, _made_by(quick, seed, total, loads), out)
    (out / "report.html").write_text(page, encoding="utf-8")
    return path, results


def _load() -> float | None:
    """The 1-minute load average (how many programs wanted a CPU), where the OS has one."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


INTRO = (
    "The optimisation article prints ten tables with no code, data set or seed behind them, "
    "and the backpropagation article makes claims without numbers. Each claim is tested "
    "here on a fixed task, over several seeds: tables show the mean ± standard deviation "
    "over the seeds, plots show bands or error bars, and every verdict is computed from the "
    "measured numbers by the rule printed under its table. Training times are CPU times of "
    "identical work alternated in rounds; where the work is identical by construction, the "
    "report says so and counts or times only the part that differs. Models train with "
    "compiled steps (fit(compile=True): the same numbers as eager steps, bit for bit) except "
    "with a loss function (a weight penalty, squared error on a sigmoid) and where the "
    "training itself is timed, which runs eager steps. A scalar engine is slow, so the tasks "
    "are small (two moons, a few dozen to a few hundred points)."
)


def _made_by(quick: bool, seed: int, total: float, loads: tuple[float | None, float | None]) -> str:
    flag = " --quick" if quick else ""
    load = "" if None in loads else f"; load average {loads[0]:.1f} before and {loads[1]:.1f} after"
    return (
        f"Made by `python -m demos.report{flag} --seed {seed}` in {total:.0f} s "
        f"({'quick' if quick else 'full'} mode; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU cores, no GPU{load})."
    )


def tally(results: list[Result]) -> str:
    """How many checks got each verdict."""
    counts: dict[str, int] = {}
    for r in results:
        for check in r.checks:
            counts[check.verdict] = counts.get(check.verdict, 0) + 1
    total = sum(counts.values())
    parts = ", ".join(f"{n} {verdict}" for verdict, n in counts.items())
    return f"{total} claims checked: {parts}."


def render_html(
    results: list[Result | Printed], quick: bool, seed: int, made_by: str, out: Path
) -> str:
    """The whole report as one self-contained HTML page."""
    flag = " --quick" if quick else ""
    measured = [r for r in results if isinstance(r, Result)]
    titles = {r.name: r.title if isinstance(r, Result) else r.name for r in results}
    sections = " · ".join(
        f'<a href="#{_html.anchor(name)}">{_html.e(title)}</a>' for name, title in titles.items()
    )
    body = [
        f"<p>{_html.e(INTRO)}</p>",
        '<p><a href="#scoreboard">Scoreboard</a> · <a href="#interactive">Interactive pages '
        f"(step-by-step backward passes, graph explorers)</a></p><p>Sections: {sections}</p>",
        "<h2>Scoreboard</h2>",
        f"<p>{_html.e(tally(measured))}</p>",
        _html.scoreboard(measured),
        '<h2 id="interactive">Interactive pages</h2>',
        _html.interactive_links(out),
    ]
    for r in results:
        command = _command(r, flag, seed)
        if isinstance(r, Result):
            body.append(_html.section(r, command))
        else:
            shown = r.output.strip().replace(f"{out}{os.sep}", "")
            body.append(_html.printed_section(r.name, shown, r.seconds, command, _pictures(r)))
    return _html.page(
        "The articles' claims, measured on chainrule", made_by.replace("`", ""), quick, body
    )


def _pictures(r: Printed) -> list[Path]:
    """The pictures a demo says (in its output) that it wrote."""
    paths = [Path(word) for word in r.output.split()]
    return [p for p in paths if p.suffix in (".png", ".svg") and p.exists()]


def render(
    results: list[Result | Printed],
    quick: bool,
    seed: int,
    total: float,
    out: Path,
    loads: tuple[float | None, float | None] = (None, None),
) -> str:
    """The whole report as markdown."""
    flag = " --quick" if quick else ""
    lines = ["# The articles' claims, measured on chainrule", ""]
    if quick:
        lines += [f"**{QUICK_BANNER}**", ""]
    lines += [_made_by(quick, seed, total, loads), "", INTRO, "", "## Scoreboard", ""]
    measured = [r for r in results if isinstance(r, Result)]
    board = [
        [
            f"[{r.title}](#{_anchor(r.title)}): {c.claim}",
            c.article,
            c.ours,
            c.verdict + (f" ({c.pairs})" if c.pairs else ""),
        ]
        for r in measured
        for c in r.checks
    ]
    lines += [markdown_table(["claim", "the article", "ours", "verdict"], board), ""]
    lines += [tally(measured), ""]
    lines += ["| experiment | command | wall-clock (s) | CPU (s) |", "|---|---|---|---|"]
    for r in results:
        title = r.title if isinstance(r, Result) else r.name
        cpu = f"{r.cpu_seconds:.1f}" if isinstance(r, Result) else "-"
        lines.append(
            f"| [{title}](#{_anchor(title)}) | `{_command(r, flag, seed)}` | {r.seconds:.1f} "
            f"| {cpu} |"
        )
    for r in results:
        lines += [
            "",
            *(
                _section(r, flag, seed, out)
                if isinstance(r, Result)
                else _printed(r, flag, seed, out)
            ),
        ]
    return "\n".join(lines) + "\n"


def _anchor(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def _section(r: Result, flag: str, seed: int, out: Path) -> list[str]:
    image = os.path.relpath(r.plot, out).replace(os.sep, "/")
    lines = [
        f"## {r.title}",
        "",
        f"*The article's claim:* {r.claim}.",
        "",
        f"**Measured here**, {seeds_line(r)} (`python -m demos.{r.name}{flag} --seed {seed}`, "
        f"{r.seconds:.1f} s):",
        "",
        markdown_table(r.columns, r.table().rows, r.formats),
        "",
    ]
    if r.article is not None:
        lines += [
            "**The article's table:**",
            "",
            markdown_table(r.article.columns, r.article.rows),
            "",
        ]
    lines += ["**Verdicts:**", ""]
    lines += [f"- {check.sentence()}" for check in r.checks]
    lines += ["", *(f"*{rule}*\n" for rule in r.rules)]
    lines += [
        f"What to notice: {r.notice}",
        "",
        f"![{r.title}]({image})",
        "",
        "Configuration:",
        "",
        f"- seeds: `{', '.join(map(str, r.seeds))}`",
    ]
    lines += [f"- {key}: `{value}`" for key, value in r.config.items()]
    return lines


def _command(r: Result | Printed, flag: str, seed: int) -> str:
    # A demo without run() keeps its own default seed (see run_demo).
    seed_flag = f" --seed {seed}" if isinstance(r, Result) else ""
    return f"python -m demos.{r.name}{flag}{seed_flag}"


def _printed(r: Printed, flag: str, seed: int, out: Path) -> list[str]:
    # Paths under the output folder are shown relative to it, like the links.
    shown = r.output.strip().replace(f"{out}{os.sep}", "")
    lines = [
        f"## {r.name}",
        "",
        f"`{_command(r, flag, seed)}` ({r.seconds:.1f} s) printed:",
        "",
        "```",
        shown,
        "```",
    ]
    for path in _pictures(r):
        image = os.path.relpath(path, out).replace(os.sep, "/")
        lines += ["", f"![{path.stem}]({image})"]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run every article demo and write report.html and report.md."
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: tiny budgets, 2 seeds, no verdicts"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="first seed of every demo (default 0: seeds 0-4)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder for report.md and the plots (default ./demo-output)",
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="processes to run the experiments on (default 2)"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path, _ = build_report(args.quick, args.seed, args.out, jobs=args.jobs)
    print(f"wrote {path.with_suffix('.html')} and {path} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
