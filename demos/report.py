"""Run every article demo and write one report: ``demo-output/report.md``.

    python -m demos.report            # the full run (about 10 minutes on 2 cores)
    python -m demos.report --quick    # small versions of every experiment, under a minute

For each experiment the report holds the table measured here, the
article's own table, one sentence comparing them (computed from the
numbers), the plot, the exact configuration and seed, and the time it
took. A demo module joins the report by being named in ``DEMOS``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import platform
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from demos._common import DEFAULT_OUT, Result, markdown_table, timed_run

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
    "vanishing_gradient",
    "momentum",
    # Demos that only have main(argv) (no run() returning a Result) work too:
    # the report runs main(["--quick", "--out", DIR]), with the demo's own
    # default seed, and includes what it prints.
    "moons",
    "graph_tour",
]


@dataclass
class Printed:
    """A demo without ``run()``: what its ``main`` printed, and how long it took."""

    name: str
    output: str
    seconds: float


def run_demo(name: str, quick: bool, seed: int, out: Path) -> Result | Printed:
    """Run ``demos.<name>``: its ``run()`` if it has one, else its ``main(argv)``."""
    module = importlib.import_module(f"demos.{name}")
    if hasattr(module, "run"):
        return timed_run(module.run, quick, seed, out)
    # Such a demo keeps its own default seed (the moons demo's is the one that
    # reproduces micrograd's 100%); it prints the seed it used.
    argv = [*(["--quick"] if quick else []), "--out", str(out)]
    buffer = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(buffer):
        module.main(argv)
    # Keep only the final state of lines that a progress bar redrew with '\r'.
    text = "\n".join(line.rsplit("\r", 1)[-1] for line in buffer.getvalue().split("\n"))
    return Printed(name, text.strip(), time.perf_counter() - start)


def build_report(
    quick: bool = False,
    seed: int = 0,
    out: Path = DEFAULT_OUT,
    progress: bool = True,
    demos: Iterable[str] = DEMOS,
) -> tuple[Path, list[Result | Printed]]:
    """Run the demos, write ``out/report.md``; return its path and every result."""
    out.mkdir(parents=True, exist_ok=True)
    names = list(demos)
    results: list[Result | Printed] = []
    load_before = _load()
    start = time.perf_counter()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(names), unit="experiment", file=sys.stderr)
    try:
        for name in names:
            if bar is not None:
                bar.set_description(f"running demos.{name}")
            result = run_demo(name, quick, seed, out)
            results.append(result)
            if bar is not None:
                bar.write(f"  {name}: {result.seconds:.1f} s")
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    total = time.perf_counter() - start
    path = out / "report.md"
    loads = (load_before, _load())
    path.write_text(render(results, quick, seed, total, out, loads), encoding="utf-8")
    return path, results


def _load() -> float | None:
    """The 1-minute load average (how many programs wanted a CPU), where the OS has one."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


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
    load = "" if None in loads else f"; load average {loads[0]:.1f} before and {loads[1]:.1f} after"
    lines = [
        "# The articles' claims, measured on chainrule",
        "",
        f"Made by `python -m demos.report{flag} --seed {seed}` in {total:.0f} s "
        f"({'quick' if quick else 'full'} mode; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU cores{load}).",
        "",
        "The optimisation article prints ten tables with no code, data set or seed behind "
        "them. Its numbers are claims to test, not targets: each experiment below runs a "
        "fixed task with stated seeds, and the sentence under each table is computed from "
        "the measured numbers (a relative difference under 1% for accuracies, 15% for "
        "times and 5% for other numbers counts as no clear difference). Each row is a "
        "single run: a point or two of accuracy can change with `--seed`. Training times "
        "are CPU seconds of the training process, which other programs on the machine "
        "inflate less than wall-clock time (on a busy machine they still vary by 10-20%); "
        "the parallel experiment measures wall-clock time, which is its point. A scalar "
        "engine is slow, so the tasks are small (two moons, a few hundred points).",
        "",
        "| experiment | command | time (s) |",
        "|---|---|---|",
    ]
    for r in results:
        title = r.title if isinstance(r, Result) else r.name
        lines.append(
            f"| [{title}](#{_anchor(title)}) | `{_command(r, flag, seed)}` | {r.seconds:.1f} |"
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
        f"**Measured here** (`python -m demos.{r.name}{flag} --seed {seed}`, {r.seconds:.1f} s):",
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
    lines += [
        f"**Article against measurement:** {r.verdict}",
        "",
        f"![{r.title}]({image})",
        "",
        "Configuration:",
        "",
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
    # Show the pictures the demo says it wrote.
    for word in r.output.split():
        path = Path(word)
        if path.suffix in (".png", ".svg") and path.exists():
            image = os.path.relpath(path, out).replace(os.sep, "/")
            lines += ["", f"![{path.stem}]({image})"]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every article demo and write report.md.")
    parser.add_argument("--quick", action="store_true", help="small versions, under a minute")
    parser.add_argument("--seed", type=int, default=0, help="seed for every demo (default 0)")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder for report.md and the plots (default ./demo-output)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path, _ = build_report(args.quick, args.seed, args.out)
    print(f"wrote {path} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
