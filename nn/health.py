"""``GradientHealth``: is every layer learning? Per layer and per epoch.

    health = nn.GradientHealth()
    history = nn.fit(model, X, y, ..., callbacks=[health])
    history.history["grad_rms/layers[0]"]        # one number per epoch
    history.plot_gradient_health()               # the four panels below

For every ``nn.Layer`` in the model (named by its path inside the model,
``layers[0]``, ``layers[1].inner``, ...) it records, each epoch:

* ``grad_rms/<layer>``: the root mean square of the gradients of the
  layer's weights (biases left out), over every step of the epoch. Layers
  far below the others are not learning: vanishing gradients.
* ``update_ratio/<layer>``: log10 of RMS(weight change per step) over
  RMS(weights), the update-to-data ratio of Karpathy's makemore lectures.
  Around -3 (updates a thousandth of the weights) is healthy; much lower
  learns slowly, above -1 jumps around.
* ``dead/<layer>`` (ReLU layers): the share of units that were never
  active (output > 0) on any of the epoch's training samples. A dead unit
  passes no gradient and stays dead.
* ``saturated/<layer>`` (tanh and sigmoid layers): the share of the epoch's
  activations in the flat tails, where |tanh| > 0.97 or a sigmoid is within
  0.03 of 0 or 1. There the derivative is below about 0.06, so little
  gradient gets through.

The first time a layer's gradients vanish (RMS below ``vanishing`` times
the largest layer's), explode (above ``exploding``, or nan/inf) or most of
its units are dead, it prints one line saying so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine import Value
from nn._checks import check_finite, check_flag
from nn._plots import MEASURES
from nn.callbacks import Callback, Logs
from nn.layers import Layer
from nn.module import Module

SATURATION = 0.97
"""|tanh| above this, or a sigmoid within 1 - SATURATION of 0 or 1, is saturated."""


def layers_of(model: Module) -> list[tuple[str, Layer]]:
    """Every ``nn.Layer`` in ``model``, with its path inside the model, in order."""
    if isinstance(model, Layer):
        return [("layer", model)]
    found: list[tuple[str, Layer]] = []
    seen: set[int] = set()

    def walk(module: Module, prefix: str) -> None:
        for name, child in module.named_children():
            path = f"{prefix}.{name}" if prefix else name
            if isinstance(child, Layer):
                if id(child) not in seen:  # a shared layer counts once
                    seen.add(id(child))
                    found.append((path, child))
            else:
                walk(child, path)

    walk(model, "")
    return found


@dataclass
class _Tally:
    """One layer's sums over the current epoch."""

    layer: Layer
    grad_sq: float = 0.0
    grads: int = 0
    update_sq: float = 0.0
    data_sq: float = 0.0
    before: list[float] = field(default_factory=list)
    ever_active: list[bool] = field(default_factory=list)
    saturated: int = 0
    activations: int = 0


class GradientHealth(Callback):
    """Record gradient RMS, update ratio, dead and saturated units per layer per epoch."""

    def __init__(self, vanishing: float = 1e-3, exploding: float = 1e2, warn: bool = True) -> None:
        self.vanishing = check_finite(vanishing, "vanishing", who="GradientHealth", minimum=0)
        self.exploding = check_finite(exploding, "exploding", who="GradientHealth", minimum=0)
        self.warn = check_flag(warn, "warn", who="GradientHealth")
        self.names: list[str] = []
        self.warnings: list[str] = []
        self._tallies: dict[int, _Tally] = {}
        self._warned: set[tuple[str, str]] = set()

    def on_train_begin(self, logs: Logs) -> None:
        layers = layers_of(self.model)
        if not layers:
            raise ValueError(
                f"GradientHealth measures nn.Layer modules, and {self.model!r} has none"
            )
        self.names = [name for name, _ in layers]
        self._layers = layers
        self.warnings = []
        self._warned = set()

    def on_epoch_begin(self, epoch: int, logs: Logs) -> None:
        self._tallies = {
            id(layer): _Tally(layer, ever_active=[False] * len(layer.neurons))
            for _, layer in self._layers
        }

    def on_batch_begin(self, batch: int, logs: Logs) -> None:
        for tally in self._tallies.values():
            tally.before = [w.data for n in tally.layer.neurons for w in n.w]

    def on_layer_output(self, layer: Layer, outputs: list[Value]) -> None:
        tally = self._tallies.get(id(layer))
        if tally is None:
            return
        kind = layer.neurons[0].activation
        if kind == "relu":
            ever = tally.ever_active
            for j, out in enumerate(outputs):
                if out.data > 0.0:
                    ever[j] = True
        elif kind == "tanh":
            tally.saturated += sum(1 for out in outputs if abs(out.data) > SATURATION)
        elif kind == "sigmoid":
            low = 1.0 - SATURATION
            tally.saturated += sum(1 for out in outputs if not low <= out.data <= SATURATION)
        tally.activations += len(outputs)

    def on_batch_end(self, batch: int, logs: Logs) -> None:
        for tally in self._tallies.values():
            weights = [w for n in tally.layer.neurons for w in n.w]
            tally.grad_sq += sum(w.grad * w.grad for w in weights)
            tally.grads += len(weights)
            tally.update_sq += sum((w.data - b) ** 2 for w, b in zip(weights, tally.before))
            tally.data_sq += sum(b * b for b in tally.before)

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        for name, layer in self._layers:
            tally = self._tallies[id(layer)]
            for measure, value in self._measures(tally).items():
                logs[f"{measure}/{name}"] = value
        if self.warn:
            line = self._check(epoch, logs)
            if line:
                self.warnings.append(line)
                print(line)

    @staticmethod
    def _measures(tally: _Tally) -> dict[str, float]:
        out = {"grad_rms": math.sqrt(tally.grad_sq / tally.grads) if tally.grads else math.nan}
        if tally.data_sq > 0 and tally.update_sq > 0:
            out["update_ratio"] = 0.5 * math.log10(tally.update_sq / tally.data_sq)
        else:
            out["update_ratio"] = -math.inf if tally.data_sq > 0 else math.nan
        kind = tally.layer.neurons[0].activation
        if kind == "relu" and tally.activations:
            out["dead"] = tally.ever_active.count(False) / len(tally.ever_active)
        if kind in ("tanh", "sigmoid") and tally.activations:
            out["saturated"] = tally.saturated / tally.activations
        return out

    def _check(self, epoch: int, logs: Logs) -> str:
        """The one line on this epoch's new problems, or ''."""
        rms = {name: logs[f"grad_rms/{name}"] for name in self.names}
        largest = max((r for r in rms.values() if math.isfinite(r)), default=0.0)
        problems = []
        for name in self.names:
            r = rms[name]
            if not math.isfinite(r) or r > self.exploding:
                problems.append((name, "exploding", f"{name}: gradients exploding (RMS {r:.2g})"))
            elif largest > 0 and r < self.vanishing * largest:
                problems.append(
                    (
                        name,
                        "vanishing",
                        f"{name}: gradients vanishing (RMS {r:.2g}, "
                        f"{r / largest:.1g} of the largest layer's)",
                    )
                )
            dead = logs.get(f"dead/{name}", 0.0)
            if dead > 0.5:
                problems.append(
                    (name, "dead", f"{name}: {dead:.0%} of its ReLUs dead (never active)")
                )
        new = [text for name, kind, text in problems if (name, kind) not in self._warned]
        self._warned.update((name, kind) for name, kind, _ in problems)
        if not new:
            return ""
        return f"GradientHealth, epoch {epoch + 1}: " + "; ".join(new)

    def __repr__(self) -> str:
        return f"GradientHealth({len(self.names)} layers)"


__all__ = ["MEASURES", "SATURATION", "GradientHealth", "layers_of"]
