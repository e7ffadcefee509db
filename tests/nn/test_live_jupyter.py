"""nn.LiveView in Jupyter: one page shown once, new frames delivered to it in place.

Jupyter is faked with a stand-in for ``IPython.display`` that records what
is displayed and updated; the browser test renders those outputs in a
notebook-like page the way JupyterLab renders ``text/html`` (the markup
set in place, then each ``<script>`` run) and checks that the view's page
takes the new frames without reloading.
"""

from __future__ import annotations

import html
import json
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import nn
from nn import MLP, LiveView, fit
from nn.optim import SGD
from tests.browser import body_data, chromium


@dataclass
class FakeNotebook:
    """What a cell shows: outputs in display order and what each update did."""

    outputs: list[str] = field(default_factory=list)
    log: list[tuple[str, int]] = field(default_factory=list)  # ("display" | "update", output)
    updates: list[tuple[int, str]] = field(default_factory=list)

    def display(self, obj: Any, display_id: bool = False) -> Any:
        index = len(self.outputs)
        self.outputs.append(str(obj))
        self.log.append(("display", index))
        if not display_id:
            return None
        notebook = self

        class Handle:
            def update(self, new: Any) -> None:
                notebook.log.append(("update", index))
                notebook.updates.append((index, str(new)))

        return Handle()


def run_in_notebook(
    monkeypatch: pytest.MonkeyPatch,
    epochs: int = 3,
    every: float = 0.0,
    seed: int = 1,
    extra: tuple[nn.Callback, ...] = (),
) -> tuple[FakeNotebook, LiveView]:
    notebook = FakeNotebook()
    fake = types.ModuleType("IPython.display")
    fake.HTML = lambda text: text  # type: ignore[attr-defined]
    fake.display = notebook.display  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython.display", fake)
    monkeypatch.setattr(nn.live, "_in_jupyter", lambda: True)
    X, labels = nn.make_moons(20, noise=0.1, seed=seed)
    model = MLP(2, [4, 1])
    view = LiveView(every=every)
    fit(
        model,
        X,
        [2 * t - 1 for t in labels],
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=epochs,
        seed=0,
        callbacks=[*extra, view],
        verbose=False,
    )
    return notebook, view


def message_of(script: str) -> dict[str, Any]:
    found = re.fullmatch(r"<script>.*\)\((.*)\);</script>", script, re.S)
    assert found, script[-200:]
    message: dict[str, Any] = json.loads(found.group(1))
    return message


def page_data(view_html: str) -> dict[str, Any]:
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', view_html).group(1))  # type: ignore[union-attr]
    found = re.search(r'<script type="application/json" id="film-data">(.*?)</script>', page)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_the_view_is_displayed_once_and_each_epoch_updates_only_the_script(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notebook, view = run_in_notebook(monkeypatch, epochs=3)
    # Two outputs made at the start, none after: the page and its update script.
    assert notebook.log == [("display", 0), ("display", 1)] + [("update", 1)] * 4
    view_html, script = notebook.outputs
    view_id = re.match(r'<iframe id="(chainrule-live-[0-9a-f]{32})" srcdoc=', view_html)
    assert view_id
    assert page_data(view_html)["live"] == view_id.group(1)
    assert [f["epoch"] for f in page_data(view_html)["frames"]] == [0]
    assert script.startswith("<script>")
    assert script.endswith("(null);</script>")
    assert view.written is None


def test_each_update_sends_only_the_new_frames_and_the_last_sends_the_whole_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notebook, view = run_in_notebook(monkeypatch, epochs=3)
    view_id = page_data(notebook.outputs[0])["live"]
    messages = [message_of(text) for _, text in notebook.updates]
    assert {m["chainruleLive"] for m in messages} == {view_id}
    per_epoch, last = messages[:-1], messages[-1]
    assert [(m["start"], [f["epoch"] for f in m["frames"]]) for m in per_epoch] == [
        (1, [1]),
        (2, [2]),
        (3, [3]),
    ]
    assert all("graph" not in m and "health" not in m for m in per_epoch)  # nothing changed
    # The frames sent are the frames recorded (JSON has no nan; these are finite).
    assert [f for m in per_epoch for f in m["frames"]] == view.frames[1:]
    assert last["start"] == 0
    assert last["frames"] == view.frames
    assert "grad_rms/layers[0]" in last["health"]
    assert last["graph"]["svg"].startswith("<svg")


def test_updates_wait_for_every_seconds_and_then_carry_all_frames_since_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notebook, view = run_in_notebook(monkeypatch, epochs=4, every=3600.0)
    assert notebook.log == [("display", 0), ("display", 1), ("update", 1)]  # only the end
    assert message_of(notebook.updates[0][1])["frames"] == view.frames

    # A clock that each epoch moves to the time given, read by the view only.
    now = [0.0]
    times = {0: 1.0, 1: 2.5, 2: 3.0, 3: 5.0}

    class Clock(nn.Callback):
        def on_epoch_begin(self, epoch: int, logs: nn.callbacks.Logs) -> None:
            now[0] = times[epoch]

    monkeypatch.setattr(nn.live, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    notebook, view = run_in_notebook(monkeypatch, epochs=4, every=2.0, extra=(Clock(),))
    messages = [message_of(text) for _, text in notebook.updates]
    # Epoch 1 ends at 1.0 s: too soon; epoch 2 at 2.5 s: frames 1 and 2 go;
    # epoch 3 at 3.0 s: too soon (0.5 s since); epoch 4 at 5.0 s: frames 3 and 4.
    assert [(m["start"], [f["epoch"] for f in m["frames"]]) for m in messages[:-1]] == [
        (1, [1, 2]),
        (3, [3, 4]),
    ]
    assert messages[-1]["frames"] == view.frames


# --- in a real browser ----------------------------------------------------------------------

# A notebook-like page; the test puts each cell's outputs and updates into it.
HOST = Path(__file__).with_name("notebook_host.html")


def test_in_a_browser_updates_reach_the_loaded_page_without_reloading_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cells = []
    for seed in (1, 2, 3, 4):
        notebook, _ = run_in_notebook(monkeypatch, epochs=3, seed=seed)
        cells.append({"outputs": notebook.outputs, "updates": [t for _, t in notebook.updates]})
    host = tmp_path / "notebook.html"
    host.write_text(HOST.read_text().replace("__CELLS__", json.dumps(cells).replace("</", "<\\/")))
    data = body_data(chromium(host.as_uri(), "--dump-dom"))
    assert "error" not in data, data.get("error")
    assert data["done"] == "1"
    # frames held / slider max / frame shown
    assert data["start"] == "1/0/0"
    assert data["first"] == "2/1/1"  # on the newest frame: follows training
    assert data["scrubbed"] == "3/2/0"  # scrubbing an earlier epoch: keeps its place
    assert data["end"] == "4/3/3"  # the last update's full run adds nothing twice
    assert data["marker"] == "set before the updates"  # the same window: never reloaded
    assert data["reloads"] == "0"
    # A page that (re)loads after updates were sent asks for them and gets them all.
    assert data["reattached"] == "4/3/3"
    assert data["early"] == "4/3/3"
    # Outputs in separate frames: delivered across them, the page not reloaded.
    assert data["isolated"] == "4/3/3 kept"
    # A saved notebook opened again replays the whole run from the last update.
    assert data["reopened"] == "4/3/3"
    assert data["gaps"] == "0/0/0/0"
