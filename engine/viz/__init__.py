"""Drawing graphs, built on :mod:`engine.core` and :mod:`engine.teach`.

* :mod:`~engine.viz.dot`: ``draw_dot(root)``, a Graphviz drawing with data
  and grad on every value, collapsed views and gradient colours;
* :mod:`~engine.viz.views`: how values fold into neuron, layer and module
  boxes, and the gradient colour scale;
* :mod:`~engine.viz.explore`: ``explore(root, path)``, an HTML page to
  open and fold groups by clicking, with hover details and search;
* :mod:`~engine.viz.steps`: ``backward_steps(root, path)``, the backward
  pass as a flip-book page.

Graphviz (the Python package) is imported only when a drawing is made.
"""

from engine.viz.dot import (
    COLLAPSE_CHOICES,
    DEFAULT_MAX_NODES,
    GraphTooLargeError,
    GraphvizNotFoundError,
    RenderError,
    draw_dot,
    view_sizes,
)
from engine.viz.explore import Explorer, explore
from engine.viz.steps import BackwardSteps, backward_steps

__all__ = [
    "COLLAPSE_CHOICES",
    "DEFAULT_MAX_NODES",
    "BackwardSteps",
    "Explorer",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "RenderError",
    "backward_steps",
    "draw_dot",
    "explore",
    "view_sizes",
]
