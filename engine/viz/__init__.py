"""Drawing graphs, built on :mod:`engine.core` and :mod:`engine.teach`.

* :mod:`~engine.viz.dot`: ``draw_dot(root)``, a Graphviz drawing with data
  and grad on every value, collapsed views and gradient colours;
* :mod:`~engine.viz.views`: how values fold into neuron, layer and module
  boxes, and the gradient colour scale;
* :mod:`~engine.viz.explore`: ``explore(root, path)``, an HTML page to
  open and fold groups by clicking, with hover details and search;
* :mod:`~engine.viz.group_steps`: the backward pass of a big graph box by
  box (neuron by neuron, layer by layer), ``expand=`` for one group's steps;
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
from engine.viz.group_steps import GroupSteps, group_steps
from engine.viz.steps import BackwardSteps, backward_steps

__all__ = [
    "COLLAPSE_CHOICES",
    "DEFAULT_MAX_NODES",
    "BackwardSteps",
    "Explorer",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "GroupSteps",
    "RenderError",
    "backward_steps",
    "draw_dot",
    "explore",
    "group_steps",
    "view_sizes",
]
