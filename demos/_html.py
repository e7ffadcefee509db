"""The report as one self-contained HTML page: pictures inline, no network.

A scoreboard of every claim comes first (the article's number, ours with
its spread, the verdict, a link to the section), then one section per
experiment. Plots are embedded as base64 data URIs, so the page can be
mailed or opened from anywhere; the interactive pages the demos write
(step-by-step backward passes, graph explorers) are linked by relative
path, since they are pages of their own.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Sequence
from pathlib import Path

from demos._common import QUICK_BANNER, Cell, Result, format_cell, seeds_line
from demos._stats import AGREES, DISAGREES, NOISE, NOT_JUDGED, UNCLEAR, UNTESTABLE, Check

VERDICT_COLOURS = {
    AGREES: "#1a7f37",
    DISAGREES: "#cf222e",
    UNCLEAR: "#9a6700",
    NOISE: "#9a6700",
    UNTESTABLE: "#57606a",
    NOT_JUDGED: "#57606a",
}
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 0 auto; padding: 1em 2em;
       color: #1f2328; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
.verdict { font-weight: 600; white-space: nowrap; }
.banner { background: #fff8c5; border: 2px solid #d4a72c; padding: 0.8em 1em; font-weight: 600; }
.rule { color: #57606a; font-size: 0.88em; margin: 0.3em 0; }
.notice { background: #ddf4ff; padding: 0.4em 0.8em; border-left: 4px solid #0969da; }
section { border-top: 2px solid #d0d7de; margin-top: 2em; padding-top: 0.5em; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
code, pre { background: #f6f8fa; padding: 1px 4px; font-size: 0.9em; }
pre { padding: 0.8em; overflow-x: auto; white-space: pre-wrap; }
"""


def e(text: object) -> str:
    return html.escape(str(text))


def anchor(name: str) -> str:
    return f"exp-{name}"


def image(path: Path, alt: str) -> str:
    """``path`` inline as a data URI (PNG or SVG)."""
    kind = "image/svg+xml" if path.suffix == ".svg" else "image/png"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:{kind};base64,{data}" alt="{e(alt)}">'


def table(columns: Sequence[str], rows: Sequence[Sequence[Cell]], formats: dict[str, str]) -> str:
    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{e(format_cell(v, formats.get(c, '')))}</td>" for c, v in zip(columns, r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def verdict_badge(verdict: str) -> str:
    colour = VERDICT_COLOURS.get(verdict, "#1f2328")
    return f'<span class="verdict" style="color:{colour}">{e(verdict)}</span>'


def pairs(check: Check) -> str:
    return f"<br><small>{e(check.pairs)}</small>" if check.pairs else ""


def scoreboard(results: Sequence[Result]) -> str:
    rows = []
    for r in results:
        for check in r.checks:
            rows.append(
                f"<tr><td>{e(r.title)}: {e(check.claim)}</td><td>{e(check.article)}</td>"
                f"<td>{e(check.ours)}</td><td>{verdict_badge(check.verdict)}{pairs(check)}</td>"
                f'<td><a href="#{anchor(r.name)}">section</a></td></tr>'
            )
    names = ("claim", "the article", "ours (mean ± std over seeds)", "verdict", "")
    head = "<tr>" + "".join(f"<th>{name}</th>" for name in names) + "</tr>"
    return f'<table id="scoreboard"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def section(r: Result, command: str) -> str:
    parts = [
        f'<section id="{anchor(r.name)}"><h2>{e(r.title)}</h2>',
        f"<p><em>The article's claim:</em> {e(r.claim)}.</p>",
        f'<p class="notice">What to notice: {e(r.notice)}</p>',
        f"<h3>Measured here ({e(seeds_line(r))})</h3>",
        table(r.columns, r.table().rows, r.formats),
    ]
    if r.article is not None:
        parts += ["<h3>The article's table</h3>", table(r.article.columns, r.article.rows, {})]
    parts.append("<h3>Verdicts</h3><ul>")
    for check in r.checks:
        detail = f" <small>({e(check.detail)})</small>" if check.detail else ""
        parts.append(
            f"<li>{e(check.claim)}: the article has {e(check.article)}; we measure "
            f"{e(check.ours)}{detail}: {verdict_badge(check.verdict)}{pairs(check)}</li>"
        )
    parts.append("</ul>")
    parts += [f'<p class="rule">{e(rule)}</p>' for rule in r.rules]
    parts.append(image(r.plot, r.title))
    config = "".join(f"<li>{e(k)}: <code>{e(v)}</code></li>" for k, v in r.config.items())
    seeds = ", ".join(map(str, r.seeds))
    parts += [
        f"<h3>Configuration</h3><ul>{config}<li>seeds: <code>{e(seeds)}</code></li></ul>",
        f"<p>Rerun: <code>{e(command)}</code> ({r.seconds:.1f} s in this run)</p></section>",
    ]
    return "\n".join(parts)


def printed_section(
    name: str, output: str, seconds: float, command: str, pictures: Sequence[Path]
) -> str:
    images = "".join(f"<p>{image(p, p.stem)}</p>" for p in pictures)
    return (
        f'<section id="{anchor(name)}"><h2>{e(name)}</h2>'
        f"<p>Rerun: <code>{e(command)}</code> ({seconds:.1f} s in this run)</p>"
        f"<pre>{e(output)}</pre>{images}</section>"
    )


def interactive_links(out: Path) -> str:
    """Links to every other HTML page in ``out``: step pages and explorers."""
    pages = sorted(p for p in out.glob("*.html") if p.name != "report.html")
    if not pages:
        return "<p>No interactive pages were written (Graphviz missing?).</p>"

    def kind(page: Path) -> str:
        if "steps" in page.stem:
            return "the lecture's backward pass, one step at a time"
        if "explor" in page.stem:
            return "graph explorer"
        return "page"

    items = "".join(
        f'<li><a href="{e(os.path.relpath(p, out))}">{e(p.name)}</a>: {e(kind(p))}</li>'
        for p in pages
    )
    return f"<ul>{items}</ul>"


def page(title: str, header: str, quick: bool, body: Sequence[str]) -> str:
    banner = f'<p class="banner">{e(QUICK_BANNER)}</p>' if quick else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>"
        f"{banner}<h1>{e(title)}</h1><p>{e(header)}</p>" + "\n".join(body) + "</body></html>\n"
    )
