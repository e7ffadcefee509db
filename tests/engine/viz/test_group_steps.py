"""The box-by-box step page of a big graph."""

from __future__ import annotations

import html
import random
import re
from pathlib import Path
from typing import cast

import pytest

import engine
from engine import Value
from engine.core.graph import values_in_order
from engine.teach.replay import replay_backward
from engine.viz.group_steps import SCREENFUL, GroupSteps
from nn import MLP
from tests.browser import body_data, chromium


def micrograd_loss() -> Value:
    random.seed(1)
    model = MLP(2, [8, 8, 1])
    score = cast(Value, model([Value(0.5), Value(-1.0)]))
    loss = (1 + -1.0 * score).relu() + 1e-4 * cast(Value, sum(p * p for p in model.parameters()))
    return loss


def test_frames_go_box_by_box_and_end_on_the_backward_pass() -> None:
    loss = micrograd_loss()
    page = GroupSteps(loss, max_nodes=150)  # room for neuron boxes
    order = values_in_order(loss)
    grads = dict(zip(order, engine.grad(loss, order)))
    boxes = [f.box for f in page.frames[1:]]
    assert len(boxes) == len(set(boxes))  # each box once, when the pass is done with it
    assert any(str(f.heading).startswith("Frame ") and "neurons[" in f.heading for f in page.frames)
    last = page.frames[-1].numbers
    for i in page.view.values:  # every value drawn on its own shows its final grad
        assert last[f"v{i}"] == f"grad {grads[order[i]]:.4g}"
    assert page.frames[0].numbers[f"v{order.index(loss)}"] == "grad 1"
    caption = next(c for f in page.frames for c in f.captions if c.startswith("local "))
    assert re.match(r"local d\S+/d\S+ = .+ = \S+;  grad \S+ \+= grad \S+ \* d\S+ = ", caption)


def test_expand_opens_one_group_for_its_scalar_steps() -> None:
    loss = micrograd_loss()
    closed = GroupSteps(loss, max_nodes=20)
    opened = GroupSteps(loss, max_nodes=20, expand="MLP.layers[1]")
    assert len(opened.frames) > len(closed.frames)
    assert any("dot" in (f.heading or "") and "layers[1]" in f.heading for f in opened.frames)
    with pytest.raises(ValueError, match="no group is called 'nope'"):
        GroupSteps(loss, expand="nope")


def test_page_flips_frames_in_chromium(tmp_path: Path) -> None:
    path = GroupSteps(micrograd_loss()).save(tmp_path / "steps.html")
    dom = chromium(f"{path.resolve().as_uri()}#frame=3", "--dump-dom")
    heading = html.unescape(dom.split('id="heading">', 1)[1].split("</p>", 1)[0])
    assert heading.startswith("Frame 3: the pass is done with ")
    assert re.search(r'class="node(?: clickable)? hot"', dom)


def test_each_group_box_has_a_panel_of_its_scalar_steps() -> None:
    loss = micrograd_loss()
    page = GroupSteps(loss)
    passed, _ = replay_backward(loss)
    inside: dict[str, list[str]] = {}
    for node in (p.node for p in passed):  # the pass's nodes, in order, by their box
        inside.setdefault(page.box[page.index[node]], []).append(page.names[node])
    assert set(page.panels) == {f"g{g}" for g in page.view.groups}
    busy = [p for p in page.panels.values() if p.steps]
    assert busy, "some group box holds chain-rule steps"
    for box, panel in page.panels.items():
        expected = inside.get(box, [])
        assert len(panel.steps) + panel.more == len(expected)
        for step, name in zip(panel.steps, expected):
            assert f"inside {page.tree.groups[int(box[1:])].title}: {name} = " in step.heading
            for caption in step.captions:  # local rule and number, then the += on the grad
                found = re.fullmatch(
                    r"local (d\S+/d\S+) = .+ = (\S+);  grad \S+ \+= grad \S+ \* \1 = "
                    r"(\S+) \* (\S+) = (\S+)",
                    caption,
                )
                assert found, caption
                local, g, local_again, amount = map(float, found.groups()[1:])
                assert local == local_again
                assert amount == pytest.approx(g * local, rel=1e-3, abs=1e-12)


def test_a_click_on_a_group_box_shows_its_scalar_steps_in_chromium(tmp_path: Path) -> None:
    page = GroupSteps(micrograd_loss())
    box, panel = next((b, p) for b, p in page.panels.items() if len(p.steps) >= 2)
    path = page.save(tmp_path / "steps.html")
    closed = body_data(chromium(path.resolve().as_uri(), "--dump-dom"))
    assert "open-group" not in closed
    # #click= dispatches a real click event on the box, as a mouse would.
    dom = chromium(f"{path.resolve().as_uri()}#click={box}&inner=1", "--dump-dom")
    assert body_data(dom) == {"open-group": box, "inner-step": "1"}
    heading = html.unescape(dom.split('id="inner-heading">', 1)[1].split("</p>", 1)[0])
    assert heading == panel.steps[1].heading
    shown = re.findall(r"<li>(.*?)</li>", dom.split('id="inner-captions">', 1)[1].split("</ul>")[0])
    assert [html.unescape(c) for c in shown] == list(panel.steps[1].captions)


def test_the_default_page_fits_a_projector() -> None:
    page = GroupSteps(micrograd_loss())
    assert page.view.box_count <= SCREENFUL
    assert len(page.frames) > 2  # still steps through several boxes
