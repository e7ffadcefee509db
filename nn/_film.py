"""What ``nn.LiveView`` hands to the page it writes (private).

The page recomputes everything it shows from a small description of the
network and one weight vector per frame, so a film of 100 epochs costs
little to record and stays small:

* :func:`dense_spec` describes a model made of dense layers (``MLP``,
  ``Layer``, ``Sequential`` of them, ``Residual`` around a ``Layer``,
  ``Dropout``, which is off at evaluation) as a list of steps the page's
  script can run; other modules get ``None`` and the page shows what does
  not need it;
* :func:`flat_weights` is one frame's weights in the order the page reads;
* :func:`graph_template` draws one sample's loss graph with ``draw_dot``
  (collapsed by layer, coloured by |grad|) and says which box is which, so
  the page can put any sample's numbers and colours into the same boxes.

The per-sample loss the page differentiates is a named loss ('hinge',
'bce_with_logits', 'cross_entropy' or 'mse'); for a loss function,
:func:`sample_loss_name` picks the one its labels imply, the data term of
the function.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine import Value
from nn import losses
from nn._checks import is_int, is_real
from nn.blocks import Residual, Sequential
from nn.layers import MLP, Dropout, Layer
from nn.module import Module

SAMPLE_LOSSES = {
    "hinge": losses.hinge_loss,
    "bce_with_logits": losses.binary_cross_entropy_with_logits,
    "cross_entropy": losses.cross_entropy,
    "mse": losses.mse_loss,
}


@dataclass
class DenseSpec:
    """A model as the page runs it: dense steps over ``layers``, in order."""

    layers: list[Layer]
    steps: list[dict[str, Any]]  # {"kind": "dense" | "residual", "layer": k, "act", "group"}
    nin: int
    nout: int


def dense_spec(model: Module) -> DenseSpec | None:
    """The steps of a model made of dense layers, or None for any other model."""
    from engine.viz.views import group_key

    layers: list[Layer] = []
    steps: list[dict[str, Any]] = []

    def add(layer: Layer, kind: str, owner: Module) -> None:
        scope = owner.path if kind == "residual" else layer.neurons[0].path
        layers.append(layer)
        steps.append(
            {
                "kind": kind,
                "layer": len(layers) - 1,
                "act": layer.neurons[0].activation,
                "group": group_key(scope, "layer"),
                "width": len(layer.neurons),
            }
        )

    def walk(module: Module) -> bool:
        if isinstance(module, Layer):
            add(module, "dense", module)
        elif isinstance(module, MLP):
            for layer in module.layers:
                add(layer, "dense", layer)
        elif isinstance(module, Sequential):
            return all(walk(child) for child in module.layers)
        elif isinstance(module, Residual) and isinstance(module.inner, Layer):
            inner = module.inner
            if inner.nin != len(inner.neurons):
                return False
            add(inner, "residual", module)
        elif not isinstance(module, Dropout):
            return False
        return True

    if not walk(model) or not layers:
        return None
    return DenseSpec(layers, steps, layers[0].nin, len(layers[-1].neurons))


def flat_weights(layers: Sequence[Layer]) -> list[float]:
    """Every layer's weights, neuron by neuron (w[0..nin-1], then b), as plain floats."""
    return [p.data for layer in layers for n in layer.neurons for p in (*n.w, n.b)]


def sample_loss_name(loss_name: str, labels: Sequence[Any], nout: int) -> str | None:
    """The named loss the page uses for one sample, or None if the labels fit none."""
    if loss_name in SAMPLE_LOSSES:
        return loss_name
    if nout == 1 and labels and all(is_real(t) for t in labels):
        if all(t in (-1, 1) for t in labels):
            return "hinge"
        if all(0 <= t <= 1 for t in labels):
            return "bce_with_logits"
        return "mse"
    if nout > 1 and labels and all(is_int(t) and 0 <= int(t) < nout for t in labels):
        return "cross_entropy"
    if nout > 1 and all(isinstance(t, Sequence) and len(t) == nout for t in labels):
        return "mse"
    return None


_NODE = re.compile(r'^\t(\w+) \[label="\{ ([^|"]*?) (?:\(\d+ values?\) )?\|', re.MULTILINE)


def graph_template(
    model: Module, spec: DenseSpec | None, x: list[float], label: Any, loss_name: str
) -> dict[str, Any]:
    """One sample's collapsed loss graph as SVG, and which box shows which number.

    ``roles`` maps Graphviz node ids to what the page writes into them:
    ``["input", i]``, ``["step", k]`` (a layer's box), ``["loss"]``; a box
    with no role keeps the numbers it was drawn with, and the page greys it.
    """
    import engine

    was_training = model.training
    params = model.parameters()
    kept = [p.grad for p in params]  # the caller's gradients, put back afterwards
    model.eval()
    try:
        for p in params:
            p.grad = 0.0
        inputs = [Value(v, label=f"x[{i}]") for i, v in enumerate(x)]
        out = model(inputs)
        loss_fn = SAMPLE_LOSSES[loss_name]
        if loss_name == "cross_entropy":
            loss = loss_fn(out, int(label))
        else:
            target = list(label) if isinstance(label, Sequence) else [label]
            loss = loss_fn(out if isinstance(out, list) else [out], target)
        loss.backward()
        dot = engine.draw_dot(loss, collapse="layer", color_by="grad", legend=False, max_nodes=None)
        svg = dot.pipe(format="svg").decode("utf-8")
    finally:
        for p, grad in zip(params, kept):
            p.grad = grad
        model.train(was_training)
    groups = {step["group"]: k for k, step in enumerate(spec.steps)} if spec else {}
    loss_group = getattr(loss_fn, "__name__", loss_name)
    roles: dict[str, list[Any]] = {}
    for node, name in _NODE.findall(dot.source):
        name = name.strip()
        if node.startswith("g") and name in groups:
            roles[node] = ["step", groups[name]]
        elif node.startswith("g") and name == loss_group:
            roles[node] = ["loss"]
        elif re.fullmatch(r"x\[\d+\]", name):
            roles[node] = ["input", int(name[2:-1])]
    # Graphviz writes an XML prolog and doctype; inline SVG needs neither.
    svg = svg[svg.index("<svg") :]
    return {"svg": svg, "roles": roles, "loss": loss_name, "loss_group": loss_group}


def grad_palette() -> dict[str, Any]:
    """draw_dot's |grad| colours: the ramp's stops and the fills for 0 and nan/inf."""
    from engine.viz.views import NONFINITE_FILL, ZERO_FILL, GradScale

    # A scale over 1 .. 1e8 puts the ramp's nine stops exactly at 1e0 .. 1e8.
    scale = GradScale([1.0, 1e8])
    return {
        "ramp": [scale.colour(10.0**e) for e in range(9)],
        "zero": ZERO_FILL,
        "nonfinite": NONFINITE_FILL,
    }


def to_json(payload: dict[str, Any]) -> str:
    """JSON safe inside a <script> element (no '</' can close it early).

    Non-finite numbers become null, which the page draws as a gap.
    """
    text = json.dumps(_finite(payload), separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/")


def _finite(x: Any) -> Any:
    if isinstance(x, float):
        return x if x == x and x not in (float("inf"), float("-inf")) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


__all__ = [
    "SAMPLE_LOSSES",
    "DenseSpec",
    "dense_spec",
    "flat_weights",
    "grad_palette",
    "graph_template",
    "sample_loss_name",
    "to_json",
]
