"""The lecture's two small graphs, drawn, explained and stepped through.

    python -m demos.graph_tour               # writes ./demo-output/tour_*
    python -m demos.graph_tour --out tour-output

1. ``L = (a*b + c) * f`` with a = 2, b = -3, c = 10, f = -2.
2. The tanh neuron ``o = tanh(x1*w1 + x2*w2 + b)`` with x1 = 2, x2 = 0,
   w1 = -3, w2 = 1 and b = 6.8813735870195432, chosen so that the
   pre-activation is 0.8814 and o = 1/sqrt(2).

For each: the graph with data and gradients (SVG), the chain rule for one
input in words and numbers (``explain``, printed and saved as text), the
backward pass as straight-line code (``backward_source``), and a page that
steps through the backward pass one node at a time (HTML), and the same
graph in the explorer (HTML: click to expand, hover for each value's
chain-rule step).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import engine
from engine import Value
from engine.viz import backward_steps, explore


def lecture_expression() -> tuple[Value, Value]:
    """L = (a*b + c) * f, labelled as in the lecture; returns (L, a)."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    f = Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L, a


def tanh_neuron() -> tuple[Value, Value]:
    """o = tanh(x1*w1 + x2*w2 + b); returns (o, w1)."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    s = x1w1 + x2w2
    s.label = "x1w1x2w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, w1


EXAMPLES: dict[str, tuple[str, Callable[[], tuple[Value, Value]]]] = {
    "lecture": ("L = (a*b + c) * f", lecture_expression),
    "neuron": ("o = tanh(x1*w1 + x2*w2 + b)", tanh_neuron),
}


def tour(name: str, out: Path) -> list[Path]:
    """Draw, explain and step through one example; returns the files written."""
    title, build = EXAMPLES[name]
    root, wrt = build()
    root.backward()
    written = []

    graph = engine.draw_dot(root, title=title)
    svg = out / f"tour_{name}.svg"
    try:
        svg.write_bytes(graph.pipe(format="svg"))
    except engine.GraphvizNotFoundError as error:
        svg = svg.with_suffix(".dot")
        svg.write_text(graph.source)
        print(f"{error}\nWrote the DOT source instead.")
    written.append(svg)

    explanation = engine.explain(root, wrt)
    print(f"\n=== {title} ===\n")
    print(explanation)
    text = out / f"tour_{name}_explain.txt"
    text.write_text(str(explanation) + "\n")
    written.append(text)

    source = out / f"tour_{name}_backward.py"
    source.write_text(engine.backward_source(root))
    written.append(source)

    try:
        written.append(backward_steps(root, out / f"tour_{name}_steps.html", title=title))
    except engine.GraphvizNotFoundError as error:
        print(f"{error}\nSkipped the step-by-step page.")
    # The same graph to explore by clicking: expand, hover for the chain-rule step.
    explorer = explore(root, out / f"tour_{name}_explorer.html", title=title).path
    if explorer is not None:
        written.append(explorer)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The lecture's small graphs, explained.")
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    # Every demo takes --quick and --seed; the tour is already quick and
    # nothing in it is random.
    parser.add_argument("--quick", action="store_true", help="no effect: the tour is quick")
    parser.add_argument("--seed", type=int, default=0, help="no effect: nothing is random")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    written = [path for name in EXAMPLES for path in tour(name, args.out)]
    print()
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
