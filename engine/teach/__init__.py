"""Tools that teach the chain rule, built on :mod:`engine.core` only.

* :mod:`~engine.teach.explain`: ``explain(root, wrt)``, the sum over paths
  of the products of local derivatives, in symbols and numbers, with
  :mod:`~engine.teach.paths` counting and listing those paths;
* :mod:`~engine.teach.source`: ``backward_source(root)``, the backward pass
  as straight-line Python, and the names of a graph's values;
* :mod:`~engine.teach.replay`: the backward pass replayed step by step on
  plain numbers, for the step page.
"""
