"""The HTML, CSS and script of ``nn.LiveView``'s page (private).

The script is ``_film_page.js`` beside this module, inlined into every page
so that a film is one file. The page reruns the network in the browser from each
frame's weights (forward for the map and the unit thumbnails, forward and
backward of one sample's loss for its graph), so that recording a frame in
Python costs one copy of the weights. The script's backward pass is the
chain rule for dense layers written out by hand; ``tests/nn/test_live.py``
checks its numbers against the engine's in a real browser.

Test hooks: ``#frame=K&sample=I`` in the address opens that frame and
sample, and ``&act=slider:K`` or ``&act=click:I`` then moves the slider or
clicks sample I's point through the page's own event handlers; the page
writes what it shows into ``data-`` attributes of ``<body>``.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources

_CSS = """
body { font-family: system-ui, sans-serif; margin: 12px; color: #222; background: #fff; }
h1 { font-size: 18px; margin: 0 0 6px 0; }
#controls { display: flex; gap: 8px; align-items: center; margin: 6px 0 10px 0; }
#controls input[type=range] { width: 420px; }
#status { font-size: 13px; min-width: 360px; }
.row { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
.panel { border: 1px solid #ddd; border-radius: 4px; padding: 6px; }
.panel h2 { font-size: 13px; margin: 0 0 4px 0; font-weight: 600; }
#map { cursor: crosshair; image-rendering: pixelated; }
.units { display: flex; flex-direction: column; gap: 4px; }
.unitrow { display: flex; gap: 3px; align-items: center; font-size: 11px; }
.unitrow canvas { border: 1px solid #ccc; image-rendering: pixelated; }
.note { font-size: 12px; color: #8a4b00; margin: 2px 0; }
#graph { overflow-x: auto; max-width: 100%; }
#graph svg { max-width: none; }
.unmapped { opacity: 0.35; }
.chart text { font-size: 10px; fill: #444; }
.legend { font-size: 11px; }
"""

_BODY = """
<h1 id="title"></h1>
<div id="notes"></div>
<div id="controls">
  <button id="back" title="previous epoch (left arrow)">&#9664;</button>
  <button id="play" title="play / pause (space)">play</button>
  <button id="next" title="next epoch (right arrow)">&#9654;</button>
  <input id="frame" type="range" min="0" max="0" value="0" aria-label="epoch">
  <span id="status"></span>
</div>
<div class="row">
  <div class="panel" id="mappanel"><h2>Decision boundary (click a point)</h2>
    <canvas id="map" width="300" height="300"></canvas>
    <div class="legend">filled: training points, ringed: validation points</div></div>
  <div class="panel" id="unitpanel"><h2>Hidden units over the input plane</h2>
    <div class="units" id="units"></div></div>
  <div class="panel"><h2>Loss</h2><svg class="chart" id="losschart" width="260"
    height="170"></svg><h2>Accuracy</h2><svg class="chart" id="accchart" width="260"
    height="170"></svg></div>
</div>
<div class="row" id="healthrow"></div>
<div class="panel"><h2 id="graphtitle">Graph of one sample's loss</h2>
  <div class="legend" id="graphlegend"></div><div id="graph"></div></div>
"""


@cache
def _script() -> str:
    """The page's script, kept in ``_film_page.js`` beside this module."""
    return resources.files("nn").joinpath("_film_page.js").read_text(encoding="utf-8")


def page_html(data_json: str, title: str, live: bool) -> str:
    """The whole page: styles, layout, the frames as JSON and the script, in one file.

    ``live`` pages (Jupyter) open at the last frame, as a film does; the
    flag is kept in the page for the reader (``data-live``).
    """
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body data-live='{int(live)}'>{_BODY}"
        f'<script type="application/json" id="film-data">{data_json}</script>'
        f"<script>{_script()}</script></body></html>\n"
    )


__all__ = ["page_html"]
