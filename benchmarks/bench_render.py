"""How long it takes to draw a loss graph: the full view against collapsed ones.

The graph is the loss of micrograd's demo (moons data, MLP 2-16-16-1, hinge
loss plus 1e-4 L2 over all 337 parameters), for one sample and for the
full batch of 100. Each row times ``draw_dot`` (building the DOT text) and
Graphviz's ``dot`` laying it out as SVG, separately; "total" is the two
together. Renders that take longer than ``--timeout`` seconds are stopped
and reported as such.

    pip install micrograd   # optional: adds the row for micrograd's own graph
    python benchmarks/bench_render.py                  # 1-2 minutes, mostly timeouts
    python benchmarks/bench_render.py --timeout 10 --out some/folder

The SVG and PNG of every view that finished are written to ``--out``
(default ./bench-output), for a person to look at. So is the layer view of
a deep sigmoid network coloured by gradient, where the vanishing gradient
shows as pale early layers.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine
from engine import Value, draw_dot
from engine.viz import view_sizes
from nn import MLP, make_moons
from nn.losses import l2_penalty

ALPHA = 1e-4
SEED = 1337


@dataclass
class Row:
    graph: str
    values: int
    view: str
    boxes: int
    build: float | None  # seconds for draw_dot; None: not built
    render: float | None  # seconds for dot -Tsvg; None: did not finish
    note: str = ""


# --- the graphs ---------------------------------------------------------------------------


def moons() -> tuple[list[list[float]], list[int]]:
    X, labels = make_moons(100, noise=0.1, seed=SEED)
    return X, [2 * t - 1 for t in labels]


def model() -> MLP:
    random.seed(SEED)
    return MLP(2, [16, 16, 1])


def unfused(net: MLP, x: Sequence[Value]) -> Value:
    """``net(x)`` built the way micrograd builds it: a mul and an add per weight.

    Each neuron's nodes are tagged with its path, as ``nn`` does, so the
    graph collapses just like one from ``net(x)``.
    """
    out = list(x)
    for layer in net.layers:
        outs = []
        for neuron in layer.neurons:
            with engine.scope(neuron.path):
                act = sum((w * xi for w, xi in zip(neuron.w, out)), neuron.b)
                outs.append(act.relu() if neuron.nonlin else act)
        out = outs
    return out[0]


def batch_loss(fused: bool, scoped: bool, n: int = 100) -> Value:
    """The demo's loss over ``n`` samples, after backward().

    ``fused``: neurons are chainrule's single dot nodes; otherwise built
    micrograd's way (about 66,000 values for 100 samples). ``scoped``: the
    hand-written loss is computed inside ``engine.scope('loss')``, so that
    collapsed views draw it as one box.
    """
    net = model()
    X, y = moons()
    scores = [
        cast(Value, net([Value(a), Value(b)])) if fused else unfused(net, [Value(a), Value(b)])
        for a, b in X[:n]
    ]
    params = net.parameters()
    with engine.scope("loss" if scoped else None):
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        if fused:
            total = engine.sum(losses) * (1.0 / len(losses)) + ALPHA * l2_penalty(params)
        else:  # micrograd's demo, verbatim: built-in sum() chains
            data_loss = cast(Value, sum(losses)) * (1.0 / len(losses))
            total = data_loss + ALPHA * cast(Value, sum(p * p for p in params))
    total.backward()
    return total


def one_sample() -> Value:
    """The loss of the first sample: hinge by hand plus 1e-4 * l2_penalty."""
    net = model()
    X, y = moons()
    score = cast(Value, net([Value(X[0][0]), Value(X[0][1])]))
    loss: Value = (1 + -y[0] * score).relu() + ALPHA * l2_penalty(net.parameters())
    loss.backward()
    return loss


def deep_sigmoid() -> Value:
    """A squared error through MLP(2, [8]*8 + [1]) with sigmoid hidden layers."""
    random.seed(SEED)
    net = MLP(2, [8] * 8 + [1], activation="sigmoid")
    score = cast(Value, net([0.5, -1.0]))
    loss = (score - 1.0) ** 2
    loss.backward()
    return loss


# --- timing -------------------------------------------------------------------------------


def render(source: str, fmt: str, timeout: float) -> tuple[float | None, bytes]:
    """Lay ``source`` out with ``dot``: (seconds, output), or (None, b'') on timeout.

    Raises RuntimeError with dot's message if dot fails.
    """
    start = time.perf_counter()
    try:
        done = subprocess.run(
            ["dot", f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None, b""
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
    return time.perf_counter() - start, done.stdout


def time_view(name: str, root: Value, view: str, out: Path, timeout: float, **kwargs: Any) -> Row:
    """Draw ``root`` in ``view``, render it, and write the SVG and PNG."""
    start = time.perf_counter()
    graph = draw_dot(root, collapse=view, **kwargs)
    build = time.perf_counter() - start
    drawn = graph.collapse
    sizes = view_sizes(root)
    boxes, values = sizes[drawn], sizes["none"]
    seconds, svg = render(graph.source, "svg", timeout)
    shown = f"auto -> {drawn}" if view == "auto" else view
    if seconds is None:
        return Row(name, values, shown, boxes, build, None, f"dot did not finish in {timeout:g} s")
    stem = f"{name.replace(' ', '-').replace(',', '')}-{view}"
    (out / f"{stem}.svg").write_bytes(svg)
    _, png = render(graph.source, "png", timeout)
    if png:
        (out / f"{stem}.png").write_bytes(png)
    return Row(name, values, shown, boxes, build, seconds, f"{stem}.svg")


# --- micrograd's own graph ------------------------------------------------------------------


def micrograd_sample() -> Any:
    """micrograd's one-sample loss, with its own Value class, after backward()."""
    from micrograd import engine as mg_engine
    from micrograd import nn as mg_nn

    random.seed(SEED)
    net = mg_nn.MLP(2, [16, 16, 1])
    X, y = moons()
    score = net([mg_engine.Value(v) for v in X[0]])
    loss = (1 + -y[0] * score).relu() + ALPHA * sum(p * p for p in net.parameters())
    loss.backward()
    return loss


def micrograd_values(root: Any) -> list[Any]:
    """Every value under ``root`` (micrograd keeps parents in a set, ``_prev``)."""
    seen = {root}
    stack = [root]
    while stack:
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return list(seen)


def micrograd_dot(values: list[Any]) -> str:
    """DOT text drawn as micrograd's notebook draws a graph: a record per value
    with its data and grad, an oval per op, an edge per parent."""
    ids = {v: f"n{i}" for i, v in enumerate(values)}
    lines = ["digraph micrograd {", "rankdir=LR;"]
    for v in values:
        numbers = f"data {v.data:.4f} | grad {v.grad:.4f}"
        lines.append(f'{ids[v]} [shape=record label="{{ {numbers} }}"];')
        if v._op:
            lines.append(f'{ids[v]}op [label="{v._op}"];')
            lines.append(f"{ids[v]}op -> {ids[v]};")
            lines.extend(f"{ids[p]} -> {ids[v]}op;" for p in v._prev)
    lines.append("}")
    return "\n".join(lines)


def micrograd_row(timeout: float) -> Row | None:
    try:
        root = micrograd_sample()
    except ImportError:
        return None
    values = micrograd_values(root)
    seconds, _ = render(micrograd_dot(values), "svg", timeout)
    note = "micrograd-style DOT, full view"
    if seconds is None:
        note = f"dot did not finish in {timeout:g} s ({note})"
    return Row("one sample, micrograd", len(values), "none", len(values), None, seconds, note)


# --- the report ---------------------------------------------------------------------------


def seconds(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def table(rows: list[Row]) -> str:
    header = ("graph", "values", "view", "boxes", "draw_dot s", "dot s", "total s", "")
    cells = [
        (
            r.graph,
            f"{r.values:,}",
            r.view,
            f"{r.boxes:,}",
            seconds(r.build),
            seconds(r.render),
            seconds(None if r.render is None else r.render + (r.build or 0.0)),
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    left = {0, 2, 7}

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))
        ).rstrip()

    return "\n".join([line(header), "-" * len(line(header)), *map(line, cells)])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("bench-output"),
        help="folder for the SVG and PNG files (default ./bench-output)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="stop a dot render after this many seconds (default 30)",
    )
    args = parser.parse_args(argv)
    if shutil.which("dot") is None:
        sys.exit("this benchmark renders with Graphviz's `dot` program; install Graphviz first")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    timeout: float = args.timeout

    rows: list[Row] = []

    def step(row: Row) -> None:
        rows.append(row)
        print(".", end="", flush=True)

    sample = one_sample()
    for view in ("auto", "neuron", "layer", "module"):
        step(time_view("one sample", sample, view, out, timeout))
    step(time_view("one sample", sample, "none", out, timeout, max_nodes=None))

    for fused, scoped, name, views in [
        (True, False, "batch, dot nodes", ("layer",)),
        (True, True, "batch, dot nodes, scoped loss", ("auto", "layer")),
        (False, False, "batch, micrograd-style", ("layer",)),
        (False, True, "batch, micrograd-style, scoped loss", ("auto", "layer")),
    ]:
        root = batch_loss(fused, scoped)
        for view in views:
            # A batch has 100 input pairs, each its own box: 'auto' gets room
            # for them (the default limit is sized for a screenful).
            limit = {"max_nodes": 300} if view == "auto" else {"max_nodes": None}
            step(time_view(name, root, view, out, timeout, **limit))
        del root

    deep = deep_sigmoid()
    for view in ("auto", "layer"):
        step(time_view("deep sigmoid", deep, view, out, timeout, color_by="grad"))
    mg = micrograd_row(timeout)
    if mg is not None:
        step(mg)
    print("\n")
    print(table(rows))
    auto = rows[0]
    total = None if auto.render is None else auto.render + (auto.build or 0.0)
    verdict = "yes" if total is not None and total < 5.0 else "NO"
    print(
        f"\none sample, collapse='auto' ({auto.view}), draw_dot + dot -Tsvg: "
        f"{seconds(total)} s; under 5 s: {verdict}"
    )
    if mg is None:
        print("micrograd is not installed: pip install micrograd adds its row")
    print(f"SVG and PNG files in {out}/")
    return 0 if verdict == "yes" else 1


if __name__ == "__main__":
    sys.exit(main())
