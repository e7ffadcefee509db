"""The top layer: the expression parser and the ``chainrule`` command.

* :mod:`~engine.cli.expr`: ``evaluate(text, variables)``, a whitelisted
  parser that builds a graph from an expression and never runs Python;
* :mod:`~engine.cli.commands`: ``chainrule draw|explain|steps``, with
  :mod:`~engine.cli.arguments` (what is an expression, what an option)
  and :mod:`~engine.cli.streams` (bounded input, checked output, errors).
"""

from engine.cli.commands import main

__all__ = ["main"]
