"""Reading the DOT source that ``draw_dot`` writes, for the drawing tests."""

from __future__ import annotations

import html
import re

from engine import Value

# graphviz writes one statement per line, indented with tabs:
#     v0 [label="{ a | data 2 | grad 6 }" fillcolor="#cfe2f3" style=filled]
#     v0 -> op2

NODE_LINE = re.compile(r"^\t+(\w+) \[(.*)\]$", re.MULTILINE)

EDGE_LINE = re.compile(r"^\t+(\w+) -> (\w+)(?: \[.*\])?$", re.MULTILINE)

QUOTED_LABEL = re.compile(r'label="((?:[^"\\]|\\.)*)"')

BARE_LABEL = re.compile(r"label=([^\s\"]+)")


def nodes(source: str) -> dict[str, str]:
    """Node id -> its attribute text, legend entries included."""
    defaults = {"graph", "node", "edge"}  # `node [shape=record]` sets defaults
    return {k: v for k, v in NODE_LINE.findall(source) if k not in defaults}


def edges(source: str) -> list[tuple[str, str]]:
    """The graph's edges in order, without the legend's invisible ones."""
    return [(a, b) for a, b in EDGE_LINE.findall(source) if not a.startswith("legend_")]


def label(attrs: str) -> str:
    """The label as written in the DOT source (escapes kept)."""
    match = QUOTED_LABEL.search(attrs) or BARE_LABEL.search(attrs)
    assert match, attrs
    return match.group(1)


def attr(attrs: str, name: str) -> str:
    match = re.search(rf'\b{name}=("(?:[^"\\]|\\.)*"|\S+)', attrs)
    assert match, (name, attrs)
    return match.group(1).strip('"')


def value_labels(source: str) -> dict[str, str]:
    return {k: label(v) for k, v in nodes(source).items() if k.startswith("v")}


def svg_text(svg: bytes) -> list[str]:
    """The text of every <text> element, XML entities decoded."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg.decode())]


def chain(length: int) -> Value:
    """x, tanh(x), tanh(tanh(x)), ...: ``length + 1`` values, one per level."""
    x = Value(0.5, label="x")
    for _ in range(length):
        x = x.tanh()
    return x
