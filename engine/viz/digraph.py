"""Graphviz, imported on first use: a ``Digraph`` that renders with a time limit.

``draw_dot`` returns the ``Digraph`` class made here. Its ``pipe()`` (and so
notebook display, ``render()`` and ``view()``) runs ``dot`` through
:func:`engine.viz.render.run_dot`, which stops it after ``graph.timeout``
seconds and turns a crash into a :class:`~engine.viz.render.RenderError`;
a missing ``dot`` becomes :class:`GraphvizNotFoundError` with install steps.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from engine.viz.render import DOT_TIMEOUT, run_dot

__all__ = ["GraphvizNotFoundError", "digraph_class", "import_graphviz"]


class GraphvizNotFoundError(RuntimeError):
    """The Graphviz ``dot`` program is missing, so the graph cannot be rendered.

    Raised by ``.pipe()``, ``.render()``, ``.view()`` and notebook display of
    a graph returned by :func:`draw_dot`. It replaces graphviz's own
    ``graphviz.ExecutableNotFound`` (kept as ``__cause__``) with a message
    that says how to install Graphviz. Both are ``RuntimeError`` subclasses,
    so ``except RuntimeError`` catches either.
    """

    def __init__(self, detail: str = "") -> None:
        message = (
            "Rendering a graph needs the Graphviz program `dot`, which was not found "
            "on PATH. `pip install graphviz` installs only the Python bindings; "
            "install the program itself:\n"
            "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
            "  macOS:          brew install graphviz\n"
            "  conda:          conda install -c conda-forge graphviz\n"
            "  Windows:        the installer from graphviz.org, then add its bin "
            "folder to PATH\n"
            "Without Graphviz you can still get the DOT text of the drawing: "
            "print(graph.source), or save it with graph.save('graph.gv'), and "
            "render it anywhere Graphviz is available."
        )
        if detail:
            message += f"\n(graphviz said: {detail})"
        super().__init__(message)


def import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError as exc:
        raise ImportError(
            "draw_dot() needs the graphviz Python package: pip install graphviz. "
            "Rendering also needs the Graphviz programs (e.g. apt-get install "
            "graphviz, brew install graphviz, or conda install -c conda-forge "
            "graphviz)."
        ) from exc
    return graphviz


@functools.cache
def digraph_class() -> type[Any]:
    """``graphviz.Digraph`` with a helpful error when ``dot`` is missing.

    Defined on first use because graphviz itself is imported on first use.
    Only the entry points are wrapped: ``.view()`` goes through
    ``.render()``, and notebook display (``_repr_image_svg_xml`` and
    friends) goes through ``.pipe()``; ``_repr_mimebundle_`` is wrapped too
    in case a graphviz release routes it differently.
    """
    import graphviz  # draw_dot has already checked that it is installed

    # graphviz ships no type hints, so mypy sees its classes as Any.
    class Digraph(graphviz.Digraph):  # type: ignore[misc]
        """A graphviz.Digraph whose rendering explains how to install Graphviz."""

        collapse = "none"  # the view draw_dot drew: auto, none, neuron, layer or module
        timeout: float | None = DOT_TIMEOUT  # seconds dot may run; None: no limit

        def pipe(
            self,
            format: str | None = None,  # noqa: A002 - graphviz's own name
            *args: Any,
            encoding: str | None = None,
            **kwargs: Any,
        ) -> Any:
            """The rendered drawing, from ``dot`` run with a time limit of ``self.timeout``."""
            program = kwargs.get("engine") or self.engine
            if args or set(kwargs) - {"engine", "quiet"}:
                # renderer/formatter options: graphviz's own pipe (no time limit)
                try:
                    return super().pipe(format, *args, encoding=encoding, **kwargs)
                except graphviz.ExecutableNotFound as exc:
                    raise GraphvizNotFoundError(str(exc)) from exc
            try:
                data = run_dot(self.source, format or self.format, self.timeout, program)
            except FileNotFoundError as exc:
                missing = graphviz.ExecutableNotFound([program])
                missing.__cause__ = exc
                raise GraphvizNotFoundError(str(missing)) from missing
            return data.decode(encoding) if encoding is not None else data

        def render(
            self,
            filename: Any = None,
            directory: Any = None,
            view: bool = False,
            cleanup: bool = False,
            format: str | None = None,  # noqa: A002 - graphviz's own name
            *args: Any,
            outfile: Any = None,
            **kwargs: Any,
        ) -> Any:
            """Save the DOT text and write the rendered file next to it (or to ``outfile``)."""
            if view or args or kwargs:
                try:
                    return super().render(
                        filename, *args, directory=directory, view=view, cleanup=cleanup,
                        format=format, outfile=outfile, **kwargs,
                    )  # fmt: skip
                except graphviz.ExecutableNotFound as exc:
                    raise GraphvizNotFoundError(str(exc)) from exc
            fmt = format or self.format
            if outfile is not None:
                target = os.fspath(outfile)
                fmt = format or os.path.splitext(target)[1].lstrip(".") or self.format
                source_path = (
                    self.save(os.path.splitext(target)[0] + ".gv")
                    if filename is None
                    else self.save(filename, directory)
                )
            else:
                source_path = self.save(filename, directory=directory)
                target = f"{source_path}.{fmt}"
            data = self.pipe(fmt)
            with open(target, "wb") as file:
                file.write(data)
            if cleanup:
                os.remove(source_path)
            return target

        def _repr_mimebundle_(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super()._repr_mimebundle_(*args, **kwargs)
            except graphviz.ExecutableNotFound as exc:
                raise GraphvizNotFoundError(str(exc)) from exc

    # Show as engine.viz.Digraph in reprs rather than as a function local.
    Digraph.__qualname__ = "Digraph"
    return Digraph
