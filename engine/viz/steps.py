"""The backward pass as a flip-book: one drawing per chain-rule step, in one HTML file.

>>> import engine, tempfile, pathlib
>>> from engine.viz.steps import backward_steps
>>> a = engine.Value(2.0, label='a'); b = engine.Value(-3.0, label='b')
>>> L = a * b; L.label = 'L'
>>> page = backward_steps(L, pathlib.Path(tempfile.mkdtemp()) / 'L.html')
>>> page.name
'L.html'

Open the file in any browser, offline: the drawings are inline SVG, and a
slider with play, back and forward buttons (a few lines of hand-written
JavaScript; the arrow keys work too) flips through them. Nothing is
fetched from the network.

Frames, exactly:

* frame 0 is the graph after the forward pass: every grad is 0 except the
  root's, which holds the seed 1 (d root / d root) that starts the pass;
* frame k (1 <= k <= N) shows the graph right after the k-th node of the
  backward pass has passed its gradient on to its parents. N is the number
  of non-leaf values (``len(engine.topological_order(root))``), taken in the
  order ``root.backward()`` takes them, so there are **N + 1 frames**. The
  grads shown are the partial sums at that moment; the edges of the step
  are drawn thick and red, and the caption has one line per parent that
  tells the local derivative (the op's own rule, in symbols, then its
  number) from the accumulated gradient, e.g.
  ``local de/da = b = -3;  grad a += grad e * de/da = -2 * -3 = 6``;
* the last frame's grads are exactly what ``root.backward()`` gives from
  zero grads.

The pass is replayed on copies of the numbers (:func:`engine.teach.replay.replay_backward`):
no ``.grad`` is read or written. The graph is laid out once by Graphviz's
``dot``, so nodes never move between frames; each frame is that drawing
with its own numbers and highlights. The page also carries the numbers of
every frame as JSON (``<script type="application/json" id="chainrule-steps">``).

(About 550 lines, kept whole: the replayed frames, the SVG they are
painted on and the page's script agree on one set of element ids, which is
simplest to keep right in one module.)
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.core.graph import values_in_order
from engine.core.value import Value
from engine.teach.explain import local_rule
from engine.teach.names import names as display_names
from engine.teach.replay import PassStep, replay_backward
from engine.teach.source import edge_name, forward_text
from engine.viz.dot import (
    _STYLES,
    GraphTooLargeError,
    GraphvizNotFoundError,
    _escape_record,
    _escape_text,
)
from engine.viz.render import value_kind

__all__ = ["DEFAULT_MAX_NODES", "BackwardSteps", "Frame", "backward_steps"]

DEFAULT_MAX_NODES = 80

_RANKDIRS = ("LR", "TB", "RL", "BT")

_HOT = "#d62728"  # the edges, op and values of the current step


@dataclass(frozen=True)
class Frame:
    """One picture of the pass.

    ``node`` is the value passing its gradient on in this frame (None in
    frame 0), ``grads`` every value's partial gradient right after it,
    ``heading`` and ``captions`` the text under the picture (one caption per
    parent of ``node``).
    """

    index: int
    node: Value | None
    grads: dict[Value, float]
    heading: str
    captions: tuple[str, ...]


def _number(x: float, precision: int) -> str:
    """Exact when a short form is exact (``-2.0``, ``0.5``), else rounded (``0.7071``)."""
    short = f"{x:.{precision}g}"
    if float(short) == x:
        return repr(x)
    return short


class BackwardSteps:
    """The frames of ``root``'s backward pass, drawn, as one HTML page.

    ``.frames`` holds the numbers, ``.html`` the page, ``.save(path)`` writes
    it; in Jupyter the object shows itself inline (an iframe).
    See the module docstring for what each frame shows.
    """

    def __init__(
        self,
        root: Value,
        max_nodes: int | None = DEFAULT_MAX_NODES,
        *,
        rankdir: str = "LR",
        title: str | None = None,
        precision: int = 4,
        legend: bool = True,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"backward_steps() needs a Value, got {type(root).__name__}")
        if rankdir not in _RANKDIRS:
            raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
        if isinstance(precision, bool) or not isinstance(precision, int) or precision < 1:
            raise ValueError(f"precision must be a positive int, got {precision!r}")
        if max_nodes is not None and (
            isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
        ):
            raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
        self.root = root
        self.order = values_in_order(root)
        n_steps = sum(1 for v in self.order if v._prev)
        if max_nodes is not None and len(self.order) > max_nodes:
            raise GraphTooLargeError(
                f"this graph has {len(self.order)} values, more than max_nodes={max_nodes}. "
                f"The page holds one drawing per backward step ({n_steps} steps, each "
                "showing every value), so it grows with steps x values, and a picture this "
                "big is hard to follow anyway. Show a smaller graph (one neuron, a tiny "
                f"model, a single example), or pass max_nodes={len(self.order)} "
                "(or None) to draw it regardless."
            )
        self.names = display_names(root)
        self.precision = precision
        self.rankdir = rankdir
        self.title = title if title is not None else f"The backward pass of {self.names[root]}"
        self.legend = legend
        self.frames = self._frames()
        self._html: str | None = None

    # --- the numbers -----------------------------------------------------------------------

    def _frames(self) -> list[Frame]:
        names, root, num = self.names, self.root, self._num
        out = names[root]
        grads = dict.fromkeys(self.order, 0.0)
        grads[root] = 1.0
        n_steps = sum(1 for v in self.order if v._prev)
        frames = [
            Frame(
                0,
                None,
                dict(grads),
                "The forward pass is done and every gradient is 0, except the output's: "
                f"the backward pass starts from d{out}/d{out} = 1."
                + ("" if n_steps else f" {out} is a leaf, so there is nothing more to do."),
                (),
            )
        ]
        seen: set[Value] = set()  # values that have received some gradient already

        def record(step: PassStep, now: dict[Value, float]) -> None:
            node = step.node
            lines = []
            for t in step.transfers:
                parent = names[t.parent]
                local = edge_name(node, t.index, names)
                line = (
                    f"local {local} = {local_rule(node, t.index, names)} = {num(t.local)};  "
                    f"grad {parent} += grad {names[node]} * {local} "
                    f"= {num(step.g)} * {num(t.local)} = {num(t.amount)}"
                )
                if t.parent in seen:
                    line += f", so grad {parent} is now {num(t.after)}"
                seen.add(t.parent)
                lines.append(line)
            k = len(frames)
            heading = (
                f"Step {k} of {n_steps}: {names[node]} = {forward_text(node, names)} passes "
                f"its accumulated gradient grad {names[node]} = d{out}/d{names[node]} = "
                f"{num(step.g)} on to its parents. Each line: the local derivative (this op "
                "alone, its rule then its number), then what is added to the parent's grad."
            )
            frames.append(Frame(k, node, dict(now), heading, tuple(lines)))

        replay_backward(root, record)
        return frames

    def _num(self, x: float) -> str:
        return _number(x, self.precision)

    # --- the drawing ---------------------------------------------------------------------------

    def _graph(self) -> Any:
        try:
            import graphviz
        except ImportError as exc:
            raise ImportError(
                "backward_steps() needs the graphviz Python package (pip install graphviz) "
                "and the Graphviz program dot (e.g. apt-get install graphviz)."
            ) from exc
        sideways = self.rankdir in ("LR", "RL")
        graph = graphviz.Digraph(
            name="chainrule_steps",
            graph_attr={"rankdir": self.rankdir},
            # 14 pt: a drawing shown at its natural size stays legible on a 1024 px projector
            node_attr={"shape": "record", "fontsize": "14"},
            edge_attr={"arrowsize": "0.8"},
        )
        index = {v: k for k, v in enumerate(self.order)}
        for k, value in enumerate(self.order):
            # Laid out once for all frames: the grad field gets the widest text it will show.
            widest = max((self._num(f.grads[value]) for f in self.frames), key=len)
            fields = [self.names[value], f"data {self._num(value.data)}", f"grad {widest}"]
            row = " | ".join(_escape_record(f) for f in fields)
            kind = value_kind(value, self.root)
            graph.node(
                f"v{k}",
                label=graphviz.nohtml(f"{{ {row} }}" if sideways else row),
                id=f"n{k}",
                # engine.viz's colours and borders, so both drawings look alike
                style=_STYLES[kind]["style"],
                fillcolor=_STYLES[kind]["fillcolor"],
            )
            if value._prev:
                graph.node(
                    f"op{k}",
                    label=graphviz.nohtml(_escape_text(value._op)),
                    id=f"op{k}",
                    **_STYLES["op"],
                )
                for i, parent in enumerate(value._prev):
                    graph.edge(f"v{index[parent]}", f"op{k}", id=f"e{k}_{i}")
                graph.edge(f"op{k}", f"v{k}", id=f"o{k}")
        return graph

    def _template(self) -> list[str | tuple[str, int, str]]:
        """The laid-out SVG, cut into fixed text and the groups that change per frame."""
        import graphviz

        try:
            svg: str = self._graph().pipe(format="svg", encoding="utf-8")
        except graphviz.ExecutableNotFound as exc:
            raise GraphvizNotFoundError(str(exc)) from exc
        svg = svg[svg.index("<svg") :]
        svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.DOTALL)
        svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)  # inline SVG in HTML needs none
        pieces: list[str | tuple[str, int, str]] = []
        at = 0
        for match in _GROUP.finditer(svg):
            pieces.append(svg[at : match.start()])
            pieces.append((match.group(1), int(match.group(2)), match.group(0)))
            at = match.end()
        pieces.append(svg[at:])
        return pieces

    def _svg(self, frame: Frame, template: list[str | tuple[str, int, str]]) -> str:
        active = -1 if frame.node is None else self.order.index(frame.node)
        receiving = set() if frame.node is None else set(frame.node._prev)
        parts = []
        for piece in template:
            if isinstance(piece, str):
                parts.append(piece)
                continue
            kind, k, text = piece
            if kind == "n":
                value = self.order[k]
                grad_text = f"grad {self._num(frame.grads[value])}"
                text = _set_grad(text, grad_text, hot=value in receiving)
                text = _set_title(text, self._tip(value))
                if k == active:
                    text = _hot_border(text)
            elif k == active:  # the op, its in-edges and its out-edge
                text = _hot_edge(text) if kind in ("e", "o") else _hot_border(text)
            parts.append(text)
        return "".join(parts).replace(' id="', f' id="f{frame.index}-')

    def _tip(self, value: Value) -> str:
        name = self.names[value]
        return f"{name} = {forward_text(value, self.names)}" if value._prev else name

    # --- the page ---------------------------------------------------------------------------

    @property
    def html(self) -> str:
        """The whole page: inline SVG, CSS and JavaScript, no network access."""
        if self._html is None:
            self._html = self._page()
        return self._html

    def _page(self) -> str:
        template = self._template()
        names = self.names
        last = len(self.frames) - 1
        body = []
        for frame in self.frames:
            current = " current" if frame.index == 0 else ""
            captions = "".join(f"<li><code>{html.escape(c)}</code></li>" for c in frame.captions)
            body.append(
                f'<section class="frame{current}" data-frame="{frame.index}">\n'
                f"{self._svg(frame, template)}\n"
                f'<div class="caption"><p>{html.escape(frame.heading)}</p>'
                f"{f'<ul>{captions}</ul>' if captions else ''}</div>\n</section>"
            )
        data = {
            "root": names[self.root],
            "steps": last,
            "values": [names[v] for v in self.order],
            "frames": [
                {
                    "frame": f.index,
                    "node": None if f.node is None else names[f.node],
                    "edges": []
                    if f.node is None
                    else [[names[p], names[f.node]] for p in f.node._prev],
                    "heading": f.heading,
                    "captions": list(f.captions),
                    # repr strings: exact, and valid JSON even for nan and inf
                    "grads": {names[v]: repr(g) for v, g in f.grads.items()},
                }
                for f in self.frames
            ],
        }
        payload = json.dumps(data, indent=1).replace("</", "<\\/")
        legend = _LEGEND_HTML if self.legend else ""
        return _PAGE.format(
            title=html.escape(self.title),
            summary=html.escape(
                f"{last} backward step{'s' if last != 1 else ''}, {last + 1} frames: "
                "frame 0 is the graph after the forward pass; each further frame shows the "
                "graph after one more value has passed its gradient on to its parents."
            ),
            last=last,
            frames="\n".join(body),
            legend=legend,
            data=payload,
            script=_SCRIPT,
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        match = re.search(r'<svg width="[^"]*" height="([\d.]+)pt"', self.html)
        height = 120 + float(match.group(1)) * 4 / 3 if match else 400
        height = min(max(height + 160, 320), 1000)
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width:100%;height:{height:.0f}px;border:1px solid #ddd"></iframe>'
        )

    def __repr__(self) -> str:
        return (
            f"BackwardSteps({self.names[self.root]}: {len(self.frames) - 1} steps, "
            f"{len(self.frames)} frames, {len(self.order)} values)"
        )


def backward_steps(
    root: Value,
    path: str | os.PathLike[str],
    max_nodes: int | None = DEFAULT_MAX_NODES,
    *,
    rankdir: str = "LR",
    title: str | None = None,
    precision: int = 4,
    legend: bool = True,
) -> Path:
    """Write the backward pass of ``root``, one frame per step, to an HTML file.

    Args:
        root: the output whose backward pass is shown (usually a loss).
        path: where to write the page.
        max_nodes: a graph with more values than this gets the box-by-box
            page of :mod:`engine.viz.group_steps` instead (neuron by neuron,
            layer by layer; ``None``: always a frame per scalar step).
        rankdir, title, legend: as for :func:`engine.draw_dot`.
        precision: significant digits of numbers that are not short and exact.

    Returns:
        ``path``, as a :class:`pathlib.Path`. For Jupyter, ``BackwardSteps(root)``
        shows the same page inline.

    Frame 0 is the forward graph (grads 0, the root's seed 1); frame k shows
    the grads after the k-th node of the pass, so there are
    ``len(engine.topological_order(root)) + 1`` frames.
    """
    if (
        isinstance(root, Value)
        and max_nodes is not None
        and not isinstance(max_nodes, bool)
        and isinstance(max_nodes, int)
        and max_nodes >= 1
        and len(values_in_order(root)) > max_nodes
    ):
        # Too many values for a frame per scalar step: step box by box instead.
        from engine.viz.group_steps import group_steps

        return group_steps(root, path, title=title)
    steps = BackwardSteps(
        root, max_nodes, rankdir=rankdir, title=title, precision=precision, legend=legend
    )
    return steps.save(path)


# --- SVG surgery ---------------------------------------------------------------------------------

# A group that changes from frame to frame: a value (n3), an op (op3), an
# edge into an op (e3_0) or out of it (o3).
_GROUP = re.compile(r'<g id="(n|op|e|o)(\d+)(?:_\d+)?" class="(?:node|edge)">.*?</g>', re.DOTALL)
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)

_LAST_TEXT = re.compile(r"(.*)(<text[^>]*)(>)[^<]*(</text>)", re.DOTALL)


def _set_grad(group: str, text: str, hot: bool) -> str:
    """Put ``text`` into the group's last text element (the grad field)."""
    style = f' fill="{_HOT}" font-weight="bold"' if hot else ""
    return _LAST_TEXT.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{style}{m.group(3)}{html.escape(text)}{m.group(4)}",
        group,
        count=1,
    )


def _set_title(group: str, title: str) -> str:
    """The tooltip: ``e = a * b`` rather than Graphviz's node name."""
    return _TITLE.sub(lambda _: f"<title>{html.escape(title)}</title>", group, count=1)


def _hot_border(group: str) -> str:
    return re.sub(
        r'stroke="black"(?: stroke-width="[^"]*")?',
        f'stroke="{_HOT}" stroke-width="3"',
        group,
        count=1,
    )


def _hot_edge(group: str) -> str:
    group = group.replace('stroke="black"', f'stroke="{_HOT}" stroke-width="2.5"')
    return group.replace('fill="black"', f'fill="{_HOT}"')


# --- the page around the frames ---------------------------------------------------------------

_LEGEND_HTML = (
    '<p class="legend">'
    + "".join(
        f'<span><i style="background:{_STYLES[kind]["fillcolor"]}"></i>{text}</span>'
        for kind, text in (
            ("input", "input / parameter"),
            ("constant", "constant"),
            ("intermediate", "intermediate value"),
            ("output", "output"),
        )
    )
    + f'<span><i style="background:{_HOT}"></i>the step shown: edges used, '
    "gradients just added to</span></p>"
)

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }}
h1 {{ font-size: 1.3em; margin: 0 0 0.3em; }}
.summary {{ color: #555; margin: 0 0 0.8em; }}
.controls {{ display: flex; gap: 0.5em; align-items: center; margin-bottom: 0.8em; }}
.controls input {{ flex: 1; max-width: 30em; }}
.frame {{ display: none; }}
.frame.current {{ display: block; }}
.frame svg {{ max-width: 100%; height: auto; }}
.caption p {{ margin: 0.4em 0; }}
.caption ul {{ margin: 0; padding-left: 1.2em; }}
.legend span {{ margin-right: 1.2em; font-size: 0.85em; white-space: nowrap; }}
.legend i {{ display: inline-block; width: 0.9em; height: 0.9em; border: 1px solid #888;
  margin-right: 0.3em; vertical-align: middle; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="summary">{summary}</p>
<div class="controls">
<button id="back" title="previous step (left arrow)">&#9664; back</button>
<button id="play" title="play / pause (space)">&#9654; play</button>
<button id="forward" title="next step (right arrow)">step &#9654;</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="frame">
<span id="counter">frame 0 of {last}</span>
</div>
{frames}
{legend}
<script type="application/json" id="chainrule-steps">
{data}
</script>
<script>
{script}
</script>
</body>
</html>
"""

_SCRIPT = """(function () {
  "use strict";
  var frames = document.querySelectorAll(".frame");
  var slider = document.getElementById("slider");
  var counter = document.getElementById("counter");
  var play = document.getElementById("play");
  var last = frames.length - 1;
  var current = 0;
  var timer = null;

  function show(k) {
    k = Math.max(0, Math.min(last, k));
    frames[current].classList.remove("current");
    frames[k].classList.add("current");
    current = k;
    slider.value = String(k);
    counter.textContent = "frame " + k + " of " + last;
  }
  function stop() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
    play.innerHTML = "&#9654; play";
  }
  function start() {
    if (current === last) show(0);
    timer = setInterval(function () {
      if (current >= last) stop(); else show(current + 1);
    }, 1200);
    play.innerHTML = "&#10073;&#10073; pause";
  }
  document.getElementById("back").onclick = function () { stop(); show(current - 1); };
  document.getElementById("forward").onclick = function () { stop(); show(current + 1); };
  play.onclick = function () { if (timer === null) start(); else stop(); };
  slider.oninput = function () { stop(); show(parseInt(slider.value, 10)); };
  document.addEventListener("keydown", function (event) {
    if (event.target === slider) return;
    if (event.key === "ArrowRight") { stop(); show(current + 1); }
    else if (event.key === "ArrowLeft") { stop(); show(current - 1); }
    else if (event.key === " ") { event.preventDefault(); play.onclick(); }
  });
})();"""
