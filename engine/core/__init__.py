"""The core of chainrule: everything needed to build a graph and backpropagate.

* :mod:`~engine.core.rules`: the derivative table, one row per op;
* :mod:`~engine.core.codegen`: turns the table's formulas into code;
  :mod:`~engine.core.float_pass` is the generated backward pass (checked in,
  rewritten by :mod:`~engine.core.generate`);
* :mod:`~engine.core.recording`: ``no_grad``, ``enable_grad``, ``scope``;
* :mod:`~engine.core.value`: ``Value``, ``sum``, ``dot``;
* :mod:`~engine.core.graph`: the graph walks;
* :mod:`~engine.core.backward`: ``backward`` and ``zero_grad``;
* :mod:`~engine.core.grad`: ``grad``, derivatives as results (also of higher order);
* :mod:`~engine.core.stale`: ``stale_nodes`` and ``StaleGraphError``, for
  graphs whose data changed after they were built.

The core imports nothing else from the project; the tools in
``engine.teach``, ``engine.viz`` and ``engine.cli`` are built on it.
"""
