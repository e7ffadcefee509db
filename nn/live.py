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

In Jupyter (and no ``path``) the view is one output that is replaced in
place as epochs finish (at most every ``every`` seconds, and at the end).
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
        self._handle: Any = None
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
        if self._jupyter:
            from IPython.display import HTML, display

            self._handle = display(HTML(self._framed()), display_id=True)
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
        if self._handle is not None and time.monotonic() - self._shown >= self.every:
            self._refresh()

    def _record(self, epoch: int, logs: Logs) -> None:
        frame: dict[str, Any] = {"epoch": epoch + 1, "logs": dict(logs)}
        if self._spec is not None:
            # Seven significant digits: the page shows four, and the film stays small.
            frame["w"] = [float(f"{x:.7g}") for x in flat_weights(self._spec.layers)]
        self.frames.append(frame)

    def on_train_end(self, logs: Logs) -> None:
        if self._handle is not None:
            self._refresh()
            return
        target = self.path or Path(DEFAULT_PATH)
        target.write_text(self._page(live=False), encoding="utf-8")
        self.written = target
        if self.params.get("verbose", False):
            print(f"LiveView: wrote the training film ({len(self.frames)} frames) to {target}")

    def _refresh(self) -> None:
        from IPython.display import HTML

        self._handle.update(HTML(self._framed()))
        self._shown = time.monotonic()

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
        return page_html(to_json(self.payload()), self.title, live)

    def _framed(self) -> str:
        """The page inside an iframe, so that several views in one notebook keep apart."""
        import html

        return (
            f'<iframe srcdoc="{html.escape(self._page(live=True))}" '
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
