"""An interactive page for exploring a graph: ``explore(root, path)``.

The page opens on the same folded view as ``draw_dot(root)``. Clicking a
group box opens it in place (a frame around what it holds); clicking the
frame's title folds it again. Hovering a value shows its data and grad, the
op that made it, the local derivative towards each of its inputs (the
rule in symbols, then its number) and the chain-rule sum that filled its
grad. There is a search box (by the names of :func:`engine.teach.names.names`,
the ones ``explain`` and the step page use), pan (drag) and zoom (wheel or
the + and - keys), and a switch that colours boxes by the size of their
gradient.

Why the page lays the graph out itself instead of embedding Graphviz
pictures: the reader chooses which groups are open, so the page must lay
out any combination of open groups, and there are far too many to render
in advance. The layout is a small layered one written for this page
(longest-path layers, a few barycentre sweeps to reduce crossings, then
straight placement), nested: each open group is laid out on its own and
placed in its parent as one box, so frames hold only their group's boxes
and never cross. It is in ``explore.js`` next to this file and needs no
library, so the page is one self-contained HTML file: no network, no
files beside it. It refuses to open a group that would put more than a
few hundred boxes on the screen, and says so.
"""

from __future__ import annotations

import html
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

from engine.core.graph import values_in_order
from engine.core.value import CONSTANT, Value
from engine.teach.names import name_values
from engine.viz.cut import plan_auto
from engine.viz.dot import DEFAULT_MAX_NODES
from engine.viz.fold import TOP, fold

__all__ = ["Explorer", "explore"]


class Explorer:
    """An explorer page: ``.html`` (the text), ``.path`` (where it was written, if anywhere).

    In a notebook the page shows inline (``_repr_html_``).
    """

    def __init__(self, page: str, path: Path | None, values: int) -> None:
        self.html = page
        self.path = path
        self.values = values

    def __repr__(self) -> str:
        where = f" at {str(self.path)!r}" if self.path is not None else ""
        return f"Explorer({self.values:,} values, {len(self.html):,} bytes{where})"

    def __fspath__(self) -> str:
        if self.path is None:
            raise TypeError("this explorer page was not written to a file; pass a path")
        return str(self.path)

    def _repr_html_(self) -> str:
        # A notebook cell gets the page in an iframe, so its script and styles
        # stay apart from the notebook's own.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width:100%;height:640px;border:1px solid #ccc"></iframe>'
        )


def explore(
    root: Value,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Explorer:
    """Write the explorer page of ``root``'s graph to ``path`` (if given) and return it."""
    if not isinstance(root, Value):
        raise TypeError(f"explore() needs a Value, got {type(root).__name__}")
    order = values_in_order(root)
    index = {v: i for i, v in enumerate(order)}
    names = name_values(order)
    tree = fold(order, index)
    first = plan_auto(tree, max_nodes, index[root])
    data = _page_data(order, index, names, tree, sorted(first.open), index[root])
    page = _page(data, title or f"the graph of {names[root]}")
    written = None
    if path is not None:
        written = Path(path)
        if written.suffix.lower() not in (".html", ".htm"):
            raise ValueError(
                f"explore() writes an HTML page; give a path ending in .html, got {str(path)!r}"
            )
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_text(page, encoding="utf-8")
    return Explorer(page, written, len(order))


def _number(x: float) -> float | str:
    """Five significant digits (the page shows four), or a string JSON can hold."""
    if math.isfinite(x):
        rounded = float(f"{x:.5g}")
        return int(rounded) if rounded.is_integer() and abs(rounded) < 1e15 else rounded
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _page_data(
    order: list[Value],
    index: dict[Value, int],
    names: dict[Value, str],
    tree: Any,
    first_open: list[int],
    root: int,
) -> dict[str, Any]:
    rules: dict[str, int] = {}
    rule_rows: list[dict[str, Any]] = []
    op: list[int] = []
    kind: list[int] = []  # 0 input, 1 constant, 2 parameter, 3 computed
    parents: list[list[int]] = []
    local: list[list[float | str]] = []
    params: dict[int, list[float | str]] = {}
    for i, v in enumerate(order):
        rule = v._rule
        if rule is None:
            op.append(-1)
            kind.append(1 if v._seq == CONSTANT else 2 if v._scope is not None else 0)
            parents.append([])
            local.append([])
            continue
        if rule.name not in rules:
            rules[rule.name] = len(rule_rows)
            rule_rows.append(
                {
                    "name": rule.name,
                    "args": list(rule.args),
                    "grads": list(rule.grads),
                    "params": list(rule.params),
                    "shape": rule.shape,
                }
            )
        op.append(rules[rule.name])
        kind.append(3)
        parents.append([index[p] for p in v._prev])
        xs = [p.data for p in v._prev]
        local.append([_number(float(d)) for d in rule.vjp(1.0, v.data, *xs, *v._ctx)])
        if v._ctx:
            params[i] = [_number(float(c)) for c in v._ctx]
    groups = [
        [g.parent, g.kind, g.title, g.size, len(g.children) + len(g.members)] for g in tree.groups
    ]
    return {
        "root": root,
        "names": [names[v] for v in order],
        "data": [_number(v.data) for v in order],
        "grad": [_number(v.grad) for v in order],
        "label": [v._op for v in order],
        "op": op,
        "kind": kind,
        "parents": parents,
        "local": local,
        "params": params,
        "group": tree.group_of,
        "groups": groups,
        "rules": rule_rows,
        "open": first_open,
        "top": TOP,
    }


def _asset(name: str) -> str:
    return resources.files("engine.viz").joinpath(name).read_text(encoding="utf-8")


def _page(data: dict[str, Any], title: str) -> str:
    # "</" inside a script would end it early; JSON never needs it unescaped.
    blob = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        f"<style>{_asset('explore.css')}</style></head><body>"
        f"<header><h1>{html.escape(title)}</h1>"
        '<input id="search" type="search" placeholder="find a value by name (e.g. mul3, w[0])" '
        'aria-label="find a value by name">'
        '<label><input id="gradcolour" type="checkbox"> colour by |grad|</label>'
        '<button id="fit" type="button">fit</button>'
        '<span id="status" role="status"></span></header>'
        '<main id="view"><svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg>'
        '<div id="tip" hidden></div></main>'
        "<footer>Click a purple box to open it, click a frame's title to fold it. "
        "Drag to pan, wheel or +/- to zoom. Hover a box for its numbers and the chain rule."
        "</footer>"
        f'<script type="application/json" id="graph-data">{blob}</script>'
        f"<script>{_asset('explore.js')}</script></body></html>\n"
    )
