"""The explorer page: its data, and the page itself in a real (headless) browser."""

from __future__ import annotations

import html
import json
import random
import re
from pathlib import Path
from typing import Any, cast

import pytest

import engine
from engine import Value
from engine.core.graph import values_in_order
from engine.teach.replay import replay_backward
from engine.viz import Explorer, explore
from nn import MLP
from nn.losses import hinge_loss, l2_penalty
from tests.browser import chromium


def small_loss() -> Value:
    random.seed(3)
    model = MLP(2, [4, 4, 1])
    scores = [cast(Value, model([Value(0.5), Value(-1.5)])), cast(Value, model([1.0, 2.0]))]
    loss = hinge_loss(scores, [1, -1]) + 1e-4 * l2_penalty(model.parameters())
    loss.backward()
    return loss


def page_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S)
    assert found
    return cast(dict[str, Any], json.loads(found.group(1).replace("<\\/", "</")))


def test_page_is_self_contained_and_carries_the_graph(tmp_path: Path) -> None:
    loss = small_loss()
    page = explore(loss, tmp_path / "sub" / "graph.html")
    assert isinstance(page, Explorer)
    assert page.path == tmp_path / "sub" / "graph.html"
    text = page.path.read_text()
    assert text == page.html
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")  # a name, not a fetch
    assert "https://" not in text
    assert not re.search(r"<(script|img|link|iframe)[^>]*\b(src|href)=", text)
    data = page_data(text)
    order = values_in_order(loss)
    names = engine.names(loss)
    assert data["names"] == [names[v] for v in order]
    assert data["root"] == order.index(loss)
    assert data["grad"][data["root"]] == 1
    # every local derivative is the backward pass's own (d node / d parent, g = 1)
    steps, _ = replay_backward(loss)
    for step in steps:
        i = order.index(step.node)
        for transfer in step.transfers:
            shown = data["local"][i][transfer.index]
            assert shown == pytest.approx(transfer.local, rel=1e-4, abs=1e-12)
    assert repr(page).startswith(f"Explorer({len(order)} values, ")


def test_notebooks_get_an_iframe_and_bad_paths_a_clear_error(tmp_path: Path) -> None:
    page = explore(Value(2.0) * 3)
    assert page.path is None
    inline = page._repr_html_()
    assert inline.startswith("<iframe srcdoc=")
    assert html.unescape(inline.split('"')[1]) == page.html
    with pytest.raises(ValueError, match=r"ending in \.html"):
        explore(Value(1.0), tmp_path / "graph.svg")
    with pytest.raises(TypeError, match="needs a Value"):
        explore(3.0)  # type: ignore[arg-type]


# --- in Chromium ---------------------------------------------------------------------------


def boxes(dom: str) -> list[str]:
    return re.findall(r'class="box [^"]*" data-id="([gv]\d+)"', dom)


def test_page_renders_opens_a_group_on_click_and_shows_hover_text(tmp_path: Path) -> None:
    # The lecture's L = a * b + a, added to a small MLP loss: one page, one browser run.
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    e.label = "e"
    L = e + a
    L.label = "L"
    root = small_loss() + L
    root.backward()
    page = explore(root, tmp_path / "graph.html", max_nodes=12)
    data = page_data(page.html)
    url = page.path.resolve().as_uri() if page.path else ""
    closed = [g for g, group in enumerate(data["groups"]) if group[0] == data["top"]]
    group = max(closed, key=lambda g: data["groups"][g][3])
    title = data["groups"][group][2]
    dom = chromium(f"{url}#open={title}&find=e&hover=e", "--dump-dom")
    assert "data-ready-ms" in dom  # the script ran to the end
    # the clicked group is open in place: a frame with its contents, no box of its own
    assert f'data-frame="{group}"' in dom
    assert f'data-id="g{group}"' not in dom
    assert len(boxes(dom)) > len(closed)
    tip = html.unescape(re.sub(r"<[^>]+>", "", dom.split('id="tip"', 1)[1].split("</div>", 1)[0]))
    assert "de/da = b = -3" in tip  # the local derivative: the rule, then its number
    grad_l = data["grad"][data["names"].index("L")]
    assert f"grad e = dL/de \u00b7 grad L = 1 \u00d7 {grad_l:g}" in tip  # what filled e.grad
    shot = tmp_path / "graph.png"
    chromium(f"{url}#open={title}&hover=e", f"--screenshot={shot}")
    assert shot.stat().st_size > 5000


Rect = tuple[float, float, float, float]


def _overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _inside(inner: Rect, outer: Rect) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


def test_frames_hold_only_their_groups_boxes_and_nest_without_crossing(tmp_path: Path) -> None:
    root = small_loss()
    page = explore(root, tmp_path / "graph.html")
    data = page_data(page.html)
    groups, top = data["groups"], data["top"]

    def chain(group: int) -> set[int]:  # a group and every group around it
        out = set()
        while group != top:
            out.add(group)
            group = groups[group][0]
        return out

    url = page.path.resolve().as_uri() if page.path else ""
    opened = [title for title in (g[2] for g in groups) if "neurons[1]" in title][:2]
    for action in ("", "#open=" + "|".join(opened)):
        dom = chromium(url + action, "--dump-dom")
        number = r"(-?[\d.e+-]+)"
        frames = {
            int(g): (float(x), float(y), float(w), float(h))
            for g, x, y, w, h in re.findall(
                rf'<g class="frame" data-frame="(\d+)"><rect x="{number}" y="{number}" '
                rf'width="{number}" height="{number}"',
                dom,
            )
        }
        placed = re.findall(
            rf'class="box [^"]*" data-id="([gv])(\d+)" transform="translate\({number},{number}\)">'
            rf'<rect width="{number}" height="{number}"',
            dom,
        )
        assert len(frames) >= 3
        assert placed
        for kind, number_text, x, y, w, h in placed:
            i = int(number_text)
            around = chain(groups[i][0] if kind == "g" else data["group"][i])
            box = (float(x), float(y), float(w), float(h))
            for gid, frame in frames.items():
                if _overlap(box, frame):
                    assert gid in around, f"frame {groups[gid][2]} covers {kind}{i}"
                    assert _inside(box, frame)
        for a, fa in frames.items():
            for b, fb in frames.items():
                if a < b and _overlap(fa, fb):
                    outer, inner = (a, b) if _inside(fb, fa) else (b, a)
                    assert _inside(frames[inner], frames[outer]), "frames cross"
                    assert outer in chain(inner), "a frame inside another group's frame"
