"""How long ``draw_dot`` with its defaults takes, end to end, on the graphs learners make.

Each graph is drawn with ``draw_dot(root)`` (the folded 'auto' view, at most
150 boxes) and laid out by Graphviz as SVG. The table gives CPU seconds,
medians of ``--rounds`` rounds: this process for ``draw_dot`` (walk, names,
folding, DOT text) and the ``dot`` children for the layouts (``draw_dot``
lays a folded view out both ways to choose its direction, then the SVG). Wall times are
printed too, but on a shared machine they measure the load as much as the
code; the machine load is printed first. The graphs:

* micrograd's demo loss as micrograd writes it, ``(1 + -yi*scorei).relu()``
  plus ``alpha * sum((p*p for p in model.parameters()))``, MLP 2-16-16-1:
  one sample (chainrule's fused neurons, about 1,100 values) and the full
  batch of 100 built micrograd's way (a multiply and an add per weight,
  about 66,000 values);
* one training step of the scalar GPT of ``demos/gpt.py`` (about 60,000);
* an MLP(2, [16, 16, 1]) output, by default and with ``collapse='neuron'``;
* built-in ``sum()`` over 100,000 values, and over 333,333 squares (a
  million values);
* a chain of 500,000 ops alternating ``+ 0.1`` and ``* 1.0000001`` (a
  million values with the wrapped numbers), which folds nowhere, so the
  drawing is cut at a depth from the root. ``--quick`` leaves out the
  million-value graphs.

Then the GPT step's explorer page: its size, and how long Chromium takes to
run its script (the page records ``performance.now()`` when the first view
is drawn).

    python benchmarks/bench_render.py                  # about a minute
    python benchmarks/bench_render.py --quick --rounds 1 --out some/folder
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine
from demos.gpt import make_model as make_gpt
from demos.gpt import step_loss as gpt_loss
from engine import Value, draw_dot
from engine.core.graph import values_in_order
from engine.viz import explore
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
    """micrograd's demo loss for the first sample, written as micrograd writes it."""
    net = model()
    X, y = moons()
    score = cast(Value, net([Value(X[0][0]), Value(X[0][1])]))
    losses = [(1 + -y[0] * score).relu()]
    data_loss = cast(Value, sum(losses)) * (1.0 / len(losses))
    reg_loss = ALPHA * cast(Value, sum(p * p for p in net.parameters()))
    loss = data_loss + reg_loss
    loss.backward()
    return loss


# --- timing -------------------------------------------------------------------------------

BOX = re.compile(r"^\t+(v\d+|g\d+|cut) \[", re.M)


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_default(name: str, root: Value, out: Path, rounds: int, **kwargs: Any) -> Row:
    """``draw_dot(root, **kwargs)`` then ``dot -Tsvg``, timed ``rounds`` times (medians).

    CPU seconds: this process for draw_dot, every ``dot`` child for the layouts
    (draw_dot lays a folded view out both ways to choose its direction).
    """
    builds, renders, walls = [], [], []
    svg = b""
    graph = None
    for _ in range(rounds):
        gc.collect()
        wall, cpu, before = time.perf_counter(), time.process_time(), child_cpu()
        graph = draw_dot(root, **kwargs)  # may run dot itself, to pick the direction
        svg = graph.pipe(format="svg")
        builds.append(time.process_time() - cpu)
        renders.append(child_cpu() - before)
        walls.append(time.perf_counter() - wall)
    assert graph is not None
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    (out / f"{stem}.svg").write_bytes(svg)
    values = len(values_in_order(root))
    boxes = len(BOX.findall(graph.source))
    return Row(
        name, values, graph.collapse, boxes, statistics.median(builds),
        statistics.median(renders), f"wall {statistics.median(walls):.2f} s, {stem}.svg",
    )  # fmt: skip


# --- the explorer page in Chromium ----------------------------------------------------------


def explorer_row(root: Value, out: Path) -> str:
    """Size of the GPT step's explorer page, and how long Chromium takes to show it."""
    page = explore(root, out / "gpt-step-explorer.html", title="one GPT step")
    size = len(page.html.encode()) / 1e6
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return f"GPT explorer page: {size:.2f} MB (Chromium not installed: no load time)"
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--window-size=1280,800",
             "--virtual-time-budget=10000", "--dump-dom",
             (out / "gpt-step-explorer.html").resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    wall = time.perf_counter() - start
    ready = re.search(r'data-ready-ms="(\d+)"', done.stdout)
    shown = f"{int(ready.group(1)) / 1000:.2f} s" if ready else "never (no data-ready-ms)"
    verdict = "yes" if ready and int(ready.group(1)) < 3000 and size < 5 else "NO"
    return (
        f"GPT explorer page: {size:.2f} MB; page script done {shown} after navigation "
        f"(Chromium run, start to exit: {wall:.2f} s); under 3 s and 5 MB: {verdict}"
    )


# --- the report ---------------------------------------------------------------------------


def seconds(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def table(rows: list[Row]) -> str:
    header = ("graph", "values", "view", "boxes", "draw_dot cpu s", "dot cpu s", "total", "ok", "")
    cells = []
    for r in rows:
        total = (r.build or 0.0) + (r.render or 0.0)
        ok = "yes" if total < 5.0 and r.boxes <= 150 else "NO"
        cells.append(
            (r.graph, f"{r.values:,}", r.view, f"{r.boxes:,}", seconds(r.build),
             seconds(r.render), seconds(total), ok, r.note)
        )  # fmt: skip
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    left = {0, 2, 7, 8}

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))
        ).rstrip()

    return "\n".join([line(header), "-" * len(line(header)), *map(line, cells)])


def squares(n: int) -> Value:
    xs = [Value(float(i % 7) - 3.0) for i in range(n)]
    total = cast(Value, sum(x * x for x in xs))
    total.backward()
    return total


def zigzag(n: int) -> Value:
    """``n`` ops alternating + and *, each on the last result: a chain no fold shortens."""
    out = Value(0.5)
    for i in range(n):
        out = out * 1.0000001 if i % 2 else out + 0.1
    out.backward()
    return out


def plain_sum(n: int) -> Value:
    total = cast(Value, sum(Value(float(i % 5)) for i in range(n)))
    total.backward()
    return total


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench-output"))
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per graph (median)")
    parser.add_argument("--quick", action="store_true", help="leave out the million-value graphs")
    args = parser.parse_args(argv)
    if shutil.which("dot") is None:
        sys.exit("this benchmark renders with Graphviz's `dot` program; install Graphviz first")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    print(f"machine load (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")  # fmt: skip
    cases: list[tuple[str, Any, dict[str, Any]]] = [
        ("micrograd demo loss, one sample", one_sample, {}),
        ("micrograd demo loss, batch of 100", lambda: batch_loss(False, False), {}),
        ("GPT step (demos/gpt.py)", gpt_step, {}),
        ("MLP(2,[16,16,1]) output", mlp_output, {}),
        ("MLP(2,[16,16,1]) output, collapse='neuron'", mlp_output, {"collapse": "neuron"}),
        ("sum() of 100,000 terms", lambda: plain_sum(100_000), {}),
    ]
    if not args.quick:
        cases.append(("sum of 333,333 squares", lambda: squares(333_333), {}))
        cases.append(("chain of 500,000 alternating + and *", lambda: zigzag(500_000), {}))
    rows: list[Row] = []
    gpt_root = None
    for name, make, kwargs in cases:
        root = make()
        rows.append(time_default(name, root, out, args.rounds, **kwargs))
        if make is gpt_step:
            gpt_root = root
        del root
        print(".", end="", flush=True)
    print("\n")
    print(table(rows))
    print(f"\nCPU seconds, medians of {args.rounds} rounds; ok: under 5 s, at most 150 boxes.")
    if gpt_root is not None:
        print(explorer_row(gpt_root, out))
    print(f"SVG files in {out}/")
    return 0 if all((r.build or 0) + (r.render or 0) < 5 and r.boxes <= 150 for r in rows) else 1


def gpt_step() -> Value:
    model = make_gpt()
    loss = gpt_loss(model, "garden")
    loss.backward()
    return loss


def mlp_output() -> Value:
    out = cast(Value, model()([0.5, -1.0]))
    out.backward()
    return out


if __name__ == "__main__":
    sys.exit(main())
