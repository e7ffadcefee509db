"""The backward pass of a big graph as a flip-book, one frame per box it runs through.

The scalar step page (:mod:`engine.viz.steps`) draws every value and gives
every chain-rule step a frame, which suits the lecture's graphs. A model's
loss has hundreds or thousands of steps; this page draws the folded view of
``draw_dot`` instead (neurons, layers, hand-written loss parts, each one
box) and gives a frame to each stretch of the backward pass that stays in
one box: on an MLP it steps neuron by neuron or layer by layer, through the
hand-written loss one value at a time. A click on a group box opens a panel
under the captions, a small flip-book of the scalar chain-rule steps inside
that box (the first ``PANEL_STEPS`` of them, in the pass's order), worded
like the captions; a second click, or 'close', folds it away.
``expand='MLP.layers[2]'`` opens one group in the drawing itself, so that
each of its scalar steps gets a frame of its own.

Each frame's caption says which box the pass went through and how many
chain-rule steps that took, then lists its first steps in the scalar
page's words: the local derivative (rule, then number) apart from what is
added to the accumulated gradient. Boxes show the gradient reached so far
(a group, that of its output). The page is one HTML file: the drawing is
laid out once by Graphviz and inlined; a few lines of JavaScript flip the
frames and the panels. The URL hash takes test hooks (``#frame=3``,
``#click=g5`` clicks box ``g5``, ``#inner=2``), and ``<body>`` reports the
open panel in ``data-open-group`` and ``data-inner-step``. The numbers come
from an exact replay of the pass (:func:`engine.teach.replay.replay_backward`);
``.grad`` is never touched.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from engine.core.graph import values_in_order
from engine.core.value import Value
from engine.teach.explain import local_rule
from engine.teach.names import name_values
from engine.teach.replay import PassStep, replay_backward
from engine.teach.source import edge_name, forward_text
from engine.viz.cut import box_of_groups, layout, plan_auto
from engine.viz.dot import draw_layout
from engine.viz.fold import TOP, fold

__all__ = ["GroupSteps", "group_steps"]

SHOWN_STEPS = 6  # scalar steps listed under a frame; the rest are counted
# Scalar steps a box's panel flips through (a click on the box opens it); past
# this the panel says how many more there are, which keeps a page of a
# 60,000-value graph a few megabytes.
PANEL_STEPS = 40

# Boxes per frame by default: a step page is read off a projector, so the
# drawing must stay legible at 1024 pixels across (draw_dot's own default
# budget, 150, is for a screen you can zoom).
SCREENFUL = 60


@dataclass(frozen=True)
class GroupFrame:
    index: int
    box: str | None  # the DOT id of the box the pass ran through (None: the start)
    heading: str
    captions: tuple[str, ...]
    numbers: dict[str, str]  # box id -> the text of its last line in this frame


@dataclass(frozen=True)
class InnerStep:
    """One scalar step inside a group box: a node passing its gradient on, in the panel."""

    heading: str
    captions: tuple[str, ...]  # one per parent: local derivative, then the += on the grad


@dataclass(frozen=True)
class GroupPanel:
    """What a click on a group box shows: the scalar steps of the pass inside it."""

    box: str  # the DOT id of the box, g<k>
    title: str
    steps: tuple[InnerStep, ...]  # the first PANEL_STEPS of them
    more: int  # steps inside the box that are not listed


class GroupSteps:
    """The pass through a folded graph, frame by frame (see the module docstring)."""

    def __init__(
        self,
        root: Value,
        max_nodes: int = SCREENFUL,
        *,
        expand: str | None = None,
        title: str | None = None,
        precision: int = 4,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"group_steps() needs a Value, got {type(root).__name__}")
        self.root = root
        self.order = values_in_order(root)
        index = {v: i for i, v in enumerate(self.order)}
        self.names = name_values(self.order)
        self.tree = fold(self.order, index)
        self.precision = precision
        view = plan_auto(self.tree, max_nodes, index[root])
        if expand is not None:
            view = layout(self.tree, view.open | self._opened(expand), index[root])
        self.view = view
        self.title = title or f"The backward pass of {self.names[root]}, box by box"
        group_box = box_of_groups(self.tree, view.open)
        self.box = [
            (group_box[g] if g != TOP else None) or f"v{i}"
            for i, g in enumerate(self.tree.group_of)
        ]
        self.index = index
        self.panels: dict[str, GroupPanel] = {}
        self.frames = self._frames()

    def _opened(self, title: str) -> set[int]:
        """The group called ``title``, every group inside it and every group around it."""
        groups = self.tree.groups
        found = [g.id for g in groups if g.title == title]
        if not found:
            known = ", ".join(sorted(g.title for g in groups if g.kind == "scope")[:8])
            raise ValueError(f"no group is called {title!r}; groups include {known}")
        opened = set(self.tree.ancestors(found[0]))
        stack = [found[0]]
        while stack:
            g = stack.pop()
            opened.add(g)
            stack.extend(groups[g].children)
        return opened

    # --- the numbers -----------------------------------------------------------------------

    def _num(self, x: float) -> str:
        return f"{x:.{self.precision}g}"

    def _texts(self, grads: dict[Value, float]) -> dict[str, str]:
        """The last line of every drawn box: its grad (a group: its output's data and grad)."""
        texts = {f"v{i}": f"grad {self._num(grads[self.order[i]])}" for i in self.view.values}
        for g, outs in self.view.outputs.items():
            out = self.order[outs[0]]
            texts[f"g{g}"] = f"data {self._num(out.data)} grad {self._num(grads[out])}"
        return texts

    def _frames(self) -> list[GroupFrame]:
        out = self.names[self.root]
        start = dict.fromkeys(self.order, 0.0)
        start[self.root] = 1.0
        frames = [
            GroupFrame(
                0,
                None,
                f"Every gradient is 0 but the output's seed d{out}/d{out} = 1.",
                (),
                self._texts(start),
            )
        ]
        steps, _ = replay_backward(self.root)
        boxes = [self.box[self.index[step.node]] for step in steps]
        # One frame per box, when the pass is done with it: the steps of a box
        # interleave with others' (a sum chain with its terms), but its last
        # step is where its gradients are final.
        by_box: dict[str, list[PassStep]] = {}
        last: dict[str, int] = {}
        for k, (step, box) in enumerate(zip(steps, boxes)):
            by_box.setdefault(box, []).append(step)
            last[box] = k
        ends = {k: box for box, k in last.items()}
        shown: dict[int, dict[str, str]] = {}
        done = 0

        def record(step: PassStep, grads: dict[Value, float]) -> None:
            nonlocal done
            if done in ends:  # the replay's dict is live: read it now
                shown[done] = self._texts(grads)
            done += 1

        replay_backward(self.root, record)
        for k in sorted(ends):
            box = ends[k]
            frames.append(self._frame(len(frames), box, by_box[box], shown[k]))
        for g in self.view.groups:
            box = f"g{g}"
            self.panels[box] = self._panel(box, by_box.get(box, []))
        return frames

    def _caption(self, step: PassStep, k: int) -> str:
        """The chain-rule step along ``step``'s ``k``-th transfer, as the scalar page words it."""
        names, t = self.names, step.transfers[k]
        local = edge_name(step.node, t.index, names)
        return (
            f"local {local} = {local_rule(step.node, t.index, names)} = "
            f"{self._num(t.local)};  grad {names[t.parent]} += grad {names[step.node]}"
            f" * {local} = {self._num(step.g)} * {self._num(t.local)} = "
            f"{self._num(t.amount)}"
        )

    def _panel(self, box: str, run: list[PassStep]) -> GroupPanel:
        """The scalar steps inside one group box, for the panel a click on it opens."""
        group = self.tree.groups[int(box[1:])]
        title = f"{group.title} ({group.size:,} values)"
        names = self.names
        steps = []
        for j, step in enumerate(run[:PANEL_STEPS]):
            node = step.node
            parents = len(step.transfers)
            heading = (
                f"Step {j + 1} of {len(run)} inside {group.title}: "
                f"{names[node]} = {forward_text(node, names)} passes its gradient "
                f"grad {names[node]} = {self._num(step.g)} on to {parents} parent"
                f"{'s' if parents != 1 else ''}."
            )
            captions = tuple(self._caption(step, k) for k in range(parents))
            steps.append(InnerStep(heading, captions))
        return GroupPanel(box, title, tuple(steps), max(len(run) - PANEL_STEPS, 0))

    def _frame(self, k: int, box: str, run: list[PassStep], numbers: dict[str, str]) -> GroupFrame:
        names, out = self.names, self.names[self.root]
        if box[0] == "g":
            group = self.tree.groups[int(box[1:])]
            what = f"{group.title} ({group.size:,} values)"
        else:
            node = run[0].node
            what = f"{names[node]} = {forward_text(node, names)}"
        count = sum(len(step.transfers) for step in run)
        heading = (
            f"Frame {k}: the pass is done with {what}: {len(run)} node"
            f"{'s' if len(run) != 1 else ''} passed gradient on, {count} chain-rule step"
            f"{'s' if count != 1 else ''}. grad x means d{out}/dx, summed over every use of x."
        )
        lines: list[str] = []
        for step in run:
            for t in range(len(step.transfers)):
                if len(lines) == SHOWN_STEPS:
                    break
                lines.append(self._caption(step, t))
        if count > len(lines):
            lines.append(f"... and {count - len(lines)} more chain-rule steps in this box")
        return GroupFrame(k, box, heading, tuple(lines), numbers)

    # --- the page ---------------------------------------------------------------------------

    @property
    def html(self) -> str:
        graph = draw_layout(self.view, self.root, self.names)
        svg = graph.pipe(format="svg", encoding="utf-8")
        svg = svg[svg.index("<svg") :]
        data = {
            "frames": [
                {
                    "box": f.box,
                    "heading": f.heading,
                    "captions": list(f.captions),
                    "numbers": f.numbers,
                }
                for f in self.frames
            ],
            "panels": {
                box: {
                    "title": p.title,
                    "steps": [
                        {"heading": inner.heading, "captions": list(inner.captions)}
                        for inner in p.steps
                    ],
                    "more": p.more,
                }
                for box, p in self.panels.items()
            },
        }
        blob = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        title = html.escape(self.title)
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{_asset('group_steps.css')}</style></head><body><h1>{title}</h1>"
            '<div class="controls"><button id="back">&#9664; back</button>'
            '<button id="play">&#9654; play</button><button id="forward">step &#9654;</button>'
            f'<input id="slider" type="range" min="0" max="{len(self.frames) - 1}" value="0">'
            '<span id="where"></span></div>'
            # the drawing first, scaled to the window, so that a projector shows
            # the graph and the step together
            f'<div id="drawing">{svg}</div>'
            '<p id="heading"></p><ul id="captions"></ul>'
            '<p class="hint">Click a purple group box to step through the scalar '
            "chain-rule steps inside it.</p>"
            '<section id="panel" hidden><div class="controls"><strong id="panel-title"></strong>'
            '<button id="inner-back">&#9664; back</button>'
            '<button id="inner-forward">step &#9654;</button>'
            '<input id="inner-slider" type="range" min="0" max="0" value="0">'
            '<span id="inner-where"></span><button id="panel-close">close</button></div>'
            '<p id="inner-heading"></p><ul id="inner-captions"></ul></section>'
            f'<script type="application/json" id="group-steps">{blob}</script>'
            f"<script>{_asset('group_steps.js')}</script></body></html>\n"
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def __repr__(self) -> str:
        return f"GroupSteps({self.names[self.root]}: {len(self.frames) - 1} frames)"


def group_steps(
    root: Value,
    path: str | os.PathLike[str],
    max_nodes: int = SCREENFUL,
    *,
    expand: str | None = None,
    title: str | None = None,
) -> Path:
    """Write the box-by-box backward pass of ``root`` to an HTML page; returns its path."""
    return GroupSteps(root, max_nodes, expand=expand, title=title).save(path)


def _asset(name: str) -> str:
    return resources.files("engine.viz").joinpath(name).read_text(encoding="utf-8")
