"""``LiveView``: watch a network learn, live in Jupyter or as an HTML training film.

    view = nn.LiveView("film.html")          # or LiveView() in a notebook
    nn.fit(model, X, y, ..., callbacks=[view])

For two-dimensional inputs it shows the decision boundary as a heatmap with
the training points (filled) and validation points (ringed), and a thumbnail
per hidden unit of that unit's activation over the same plane (TensorFlow
Playground's view). For every model it shows the loss and accuracy curves
(train and validation), the gradient-health panels of ``nn.GradientHealth``
and the collapsed graph of one sample's loss coloured by |grad|, drawn by
``draw_dot`` with the names used everywhere else. Click a point to see its
graph; the slider, the play and step buttons and the arrow keys move
through the epochs (frame 0 is the model before training).

In Jupyter (and no ``path``) the page is displayed once, in an iframe with
a unique id, and is never replaced, so it neither reloads nor flickers.
Beside it sits a second, invisible output: a small ``<script>`` that is
updated in place through its own display id as epochs finish (at most
every ``every`` seconds). Each update carries only the frames recorded
since the previous one; the script hands them to the loaded page with
``postMessage``, and the page appends them, moves the slider's end and
shows the newest epoch unless you have moved back to an earlier one.
Messages that arrive before the page has loaded are kept by the notebook
page and handed over when the page asks for them. At the end of training
the script is updated once more with every frame (and the final graph),
so that a saved notebook, opened again and trusted, replays the whole run.
No cell gets a new output per epoch.

With a ``path``, or outside Jupyter, the film is written to ``path`` (by
default ``training_film.html``) when training ends: one self-contained
file, no network access, no other files.

Recording is cheap: per epoch, one copy of the weights, the metrics and
the health numbers. The page recomputes maps, thumbnails and any sample's
graph from those weights in the browser (for models made of ``nn.Layer``,
``MLP``, ``Sequential`` and ``Residual``; for other models it says what it
cannot show and why).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from nn._film import (
    DenseSpec,
    dense_spec,
    flat_weights,
    grad_palette,
    graph_template,
    sample_loss_name,
    to_json,
)
from nn._film_page import page_html
from nn._plots import MEASURES
from nn.callbacks import Callback, Logs
from nn.health import GradientHealth, layers_of
from nn.layers import Layer

DEFAULT_PATH = "training_film.html"

# Runs in the notebook's page each time the update script is (re)rendered.
# It keeps every message in ``window.chainruleLive.views[id]`` and posts the
# new one to every frame under the notebook's top window: the view's iframe
# is one of them, in this document or, in frontends that put each output in
# a frame of its own, in another (pages ignore ids that are not theirs). A
# page that loads later says hello the same way and gets all kept messages,
# so a message sent before it listened is not lost.
_DELIVERY = """(function (message) {
  var hub = window.chainruleLive = window.chainruleLive || {views: {}};
  if (!hub.listening) {
    hub.listening = true;
    window.addEventListener("message", function (e) {
      var d = e.data, kept = d && d.chainruleLiveHello && hub.views[d.chainruleLiveHello];
      if (kept && e.source) kept.forEach(function (m) { e.source.postMessage(m, "*"); });
    });
  }
  var kept = hub.views["VIEW_ID"] = hub.views["VIEW_ID"] || [];
  if (!message) return;
  kept.push(message);
  (function post(w) {
    for (var i = 0; i < w.length; i++) {
      try { w[i].postMessage(message, "*"); post(w[i]); } catch (err) { /* unreachable */ }
    }
  })(window.top);
})"""


def _in_jupyter() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class LiveView(Callback):
    """Show training as it happens: boundary, units, curves, gradient health, graph."""

    def __init__(
        self, path: str | Path | None = None, every: float = 0.5, title: str = "Training film"
    ) -> None:
        if path is not None and not isinstance(path, (str, Path)):
            raise TypeError(f"LiveView: path must be a file name, got {type(path).__name__}")
        if isinstance(every, bool) or not isinstance(every, (int, float)) or not every >= 0:
            raise ValueError(f"LiveView: every must be a number of seconds >= 0, got {every!r}")
        self.path = Path(path) if path is not None else None
        self.every = float(every)
        self.title = str(title)
        self.frames: list[dict[str, Any]] = []
        self.written: Path | None = None
        self._health = GradientHealth(warn=False)
        self._data: tuple[list[list[float]], list[Any], Any] | None = None
        self._spec: DenseSpec | None = None
        self._view_id = ""
        self._deliver: Any = None  # the display handle of the update script (Jupyter)
        self._sent = 0  # frames the page has (or will get from the messages sent)
        self._sent_health: list[str] = []
        self._shown = 0.0

    def set_data(self, X: list[list[float]], y: list[Any], validation: Any) -> None:
        self._data = (X, y, validation)

    # --- recording --------------------------------------------------------------------

    def on_train_begin(self, logs: Logs) -> None:
        if self._data is None:
            raise ValueError("LiveView needs the data; pass it to nn.fit in callbacks=[...]")
        self.frames = []
        self.written = None
        self._spec = dense_spec(self.model)
        self._health.set_context(self.model, self.optimizer, self.params)
        self._has_layers = bool(layers_of(self.model))
        if self._has_layers:
            self._health.on_train_begin(logs)
        self._jupyter = self.path is None and _in_jupyter()
        self._record(-1, {})
        self._deliver = None
        if self._jupyter:
            from IPython.display import HTML, display

            self._view_id = f"chainrule-live-{uuid.uuid4().hex}"
            display(HTML(self._framed()))  # shown once, never updated: no reload
            self._sent = len(self.frames)
            self._sent_health = list(self._health.names)
            self._deliver = display(HTML(self._delivery(None)), display_id=True)
            self._shown = time.monotonic()

    def on_epoch_begin(self, epoch: int, logs: Logs) -> None:
        if self._has_layers:
            self._health.on_epoch_begin(epoch, logs)

    def on_batch_begin(self, batch: int, logs: Logs) -> None:
        if self._has_layers:
            self._health.on_batch_begin(batch, logs)

    def on_batch_end(self, batch: int, logs: Logs) -> None:
        if self._has_layers:
            self._health.on_batch_end(batch, logs)

    def on_layer_output(self, layer: Layer, outputs: list[Any]) -> None:
        if self._has_layers:
            self._health.on_layer_output(layer, outputs)

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        if self._has_layers:
            self._health.on_epoch_end(epoch, logs)
        self._record(epoch, logs)
        if self._deliver is not None and time.monotonic() - self._shown >= self.every:
            self._send_new_frames()

    def _record(self, epoch: int, logs: Logs) -> None:
        frame: dict[str, Any] = {"epoch": epoch + 1, "logs": dict(logs)}
        if self._spec is not None:
            # Seven significant digits: the page shows four, and the film stays small.
            frame["w"] = [float(f"{x:.7g}") for x in flat_weights(self._spec.layers)]
        self.frames.append(frame)

    def on_train_end(self, logs: Logs) -> None:
        if self._deliver is not None:
            self._send_everything()
            return
        target = self.path or Path(DEFAULT_PATH)
        target.write_text(self._page(live=False), encoding="utf-8")
        self.written = target
        if self.params.get("verbose", False):
            print(f"LiveView: wrote the training film ({len(self.frames)} frames) to {target}")

    # --- Jupyter: deliveries to the page already shown ---------------------------------

    def _send_new_frames(self) -> None:
        """Send the frames the page does not have yet (and health names, if they changed)."""
        message: dict[str, Any] = {"start": self._sent, "frames": self.frames[self._sent :]}
        if self._health.names != self._sent_health:
            message["health"] = [f"{m}/{name}" for m in MEASURES for name in self._health.names]
            self._sent_health = list(self._health.names)
        if self._spec is None:
            # The page cannot rerun such a model: its graph is drawn here, at the latest epoch.
            message["graph"] = self.payload()["graph"]
        self._update_script(message)

    def _send_everything(self) -> None:
        """The last update: every frame and the final graph, for a notebook opened again.

        The page ignores the frames it has; a saved notebook keeps only this
        update's script beside the first frame's page, and replays the run from it.
        """
        payload = self.payload()
        message = {"start": 0, "frames": self.frames, "health": payload["health"]}
        message["graph"] = payload["graph"]
        self._update_script(message)

    def _update_script(self, message: dict[str, Any]) -> None:
        from IPython.display import HTML

        message["chainruleLive"] = self._view_id
        self._deliver.update(HTML(self._delivery(message)))
        self._sent = len(self.frames)
        self._shown = time.monotonic()

    def _delivery(self, message: dict[str, Any] | None) -> str:
        """The invisible script output: it posts ``message`` to the view's page."""
        body = "null" if message is None else to_json(message)
        return f"<script>{_DELIVERY.replace('VIEW_ID', self._view_id)}({body});</script>"

    # --- the page ---------------------------------------------------------------------

    def payload(self) -> dict[str, Any]:
        """Everything the page needs, as plain data (what the film embeds as JSON)."""
        assert self._data is not None
        X, y, validation = self._data
        spec = self._spec
        nout = spec.nout if spec else _output_width(self.model, X[0])
        loss_name = sample_loss_name(self.params.get("loss", ""), y, nout)
        notes = []
        two_d = len(X[0]) == 2
        if not two_d:
            notes.append(
                f"No decision map: the inputs have {len(X[0])} features, and a map of the "
                "input plane needs exactly 2."
            )
        if spec is None:
            notes.append(
                f"No map, unit thumbnails or per-sample graphs: {self.model!r} is not made of "
                "nn.Layer, MLP, Sequential and Residual blocks, which the page can rerun."
            )
        if loss_name is None:
            notes.append("No per-sample graph: the labels fit no named loss.")
        graph = None
        if loss_name is not None:
            graph = graph_template(self.model, spec, X[0], y[0], loss_name)
            if spec is None:
                notes.append("The graph shows sample 0 after the last epoch.")
        return {
            "title": self.title,
            "X": X,
            "y": y,
            "val": [validation[0], validation[1]] if validation is not None else None,
            "classes": _classes(y, nout),
            "spec": None
            if spec is None
            else {"steps": spec.steps, "nin": spec.nin, "nout": spec.nout},
            "two_d": two_d and spec is not None,
            "frames": self.frames,
            "epochs": self.params.get("epochs", len(self.frames) - 1),
            "health": [f"{m}/{name}" for m in MEASURES for name in self._health.names],
            "graph": graph,
            "palette": grad_palette(),
            "notes": notes,
        }

    def _page(self, live: bool) -> str:
        payload = self.payload()
        if live:
            payload["live"] = self._view_id  # the id the page answers to
        return page_html(to_json(payload), self.title, live)

    def _framed(self) -> str:
        """The page inside an iframe, so that several views in one notebook keep apart."""
        import html

        return (
            f'<iframe id="{self._view_id}" srcdoc="{html.escape(self._page(live=True))}" '
            'style="width: 100%; height: 1150px; border: 0"></iframe>'
        )

    def __repr__(self) -> str:
        where = "Jupyter" if self.path is None else str(self.path)
        return f"LiveView({where}, {len(self.frames)} frames)"


def _output_width(model: Any, row: list[float]) -> int:
    from engine import no_grad

    with no_grad():
        out = model(row)
    return 1 if not isinstance(out, list) else len(out)


def _classes(y: list[Any], nout: int) -> int:
    """How many classes the labels colour points by (0: not class labels)."""
    if nout == 1 and all(isinstance(t, (int, float)) and t in (-1, 0, 1) for t in y):
        return 2
    if nout > 1 and all(isinstance(t, int) and not isinstance(t, bool) for t in y):
        return nout
    return 0


__all__ = ["DEFAULT_PATH", "LiveView"]
