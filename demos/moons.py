"""micrograd's demo, on chainrule: an MLP learns the two-moons data set.

    python -m demos.moons                 # 100 steps, writes ./demo-output
    python -m demos.moons --quick         # 20 steps
    python -m demos.moons --out /tmp/x --seed 7

The recipe is micrograd's: 100 moons points, an MLP 2-16-16-1, mean hinge
loss plus 1e-4 L2 on every parameter, full-batch SGD with
lr = 1.0 - 0.9 k / steps. It prints the loss and accuracy as it trains and
writes the graph of one trained neuron, with every gradient on it, as SVG.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import cast

import engine
from engine import Value
from nn import MLP, make_moons

ALPHA = 1e-4


def loss_and_accuracy(model: MLP, X: list[list[float]], y: list[int]) -> tuple[Value, float]:
    """micrograd's loss: mean hinge loss plus L2, and the accuracy."""
    scores = [cast(Value, model([Value(a), Value(b)])) for a, b in X]
    margins = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = engine.sum(margins) * (1.0 / len(margins))
    params = model.parameters()
    reg_loss = ALPHA * engine.dot(params, params)
    hits = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores))
    return data_loss + reg_loss, hits / len(y)


def train(
    model: MLP, X: list[list[float]], y: list[int], steps: int, show: bool = True
) -> tuple[float, float]:
    """Full-batch SGD with micrograd's decaying learning rate."""
    progress = _progress(steps, show)
    loss = acc = 0.0
    for k in range(steps):
        total, acc = loss_and_accuracy(model, X, y)
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / steps
        for p in model.parameters():
            p.data -= lr * p.grad
        loss = total.data
        progress.update(k, loss, acc)
    progress.close()
    return loss, acc


class _progress:
    """A tqdm bar when tqdm is installed, plain lines otherwise."""

    def __init__(self, steps: int, show: bool) -> None:
        self.show = show
        self.bar = None
        if not show:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            print("(pip install tqdm for a progress bar)")
            return
        self.bar = tqdm(total=steps, desc="training", unit="step", file=sys.stdout)

    def update(self, k: int, loss: float, acc: float) -> None:
        if not self.show:
            return
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{loss:.4f}", acc=f"{acc:.0%}", refresh=False)
            self.bar.update(1)
        elif k % 10 == 0:
            print(f"step {k:3d}  loss {loss:.4f}  accuracy {acc:.0%}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def draw_one_neuron(model: MLP, x: list[float], out: Path) -> Path:
    """Run one point through the first hidden neuron and draw its graph."""
    neuron = model.layers[0].neurons[0]
    inputs = [Value(v, label=f"x{i + 1}") for i, v in enumerate(x)]
    for i, w in enumerate(neuron.w):
        w.label = f"w{i + 1}"
    neuron.b.label = "b"
    y = neuron(inputs)
    y.label = "relu(w.x + b)"
    model.zero_grad()
    y.backward()
    graph = engine.draw_dot(y)
    path = out / "neuron.svg"
    try:
        path.write_bytes(graph.pipe(format="svg"))
    except engine.GraphvizNotFoundError as error:  # keep the DOT text instead
        path = out / "neuron.dot"
        path.write_text(graph.source)
        print(f"{error}\nWrote the DOT source instead.")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train micrograd's moons MLP on chainrule.")
    parser.add_argument("--steps", type=int, default=100, help="SGD steps (default 100)")
    parser.add_argument("--quick", action="store_true", help="20 steps, for a smoke test")
    parser.add_argument("--seed", type=int, default=1337, help="seed for data and weights")
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    args = parser.parse_args(argv)
    steps = 20 if args.quick else args.steps

    X, labels = make_moons(100, noise=0.1, seed=args.seed)
    y = [2 * t - 1 for t in labels]  # hinge loss wants -1 / +1
    random.seed(args.seed)
    model = MLP(2, [16, 16, 1])
    print(f"{model} on {len(X)} moons points, {steps} steps")

    start = time.perf_counter()
    loss, acc = train(model, X, y, steps, show=not args.quiet)
    seconds = time.perf_counter() - start
    print(f"final loss {loss:.4f}, accuracy {acc:.0%}, {seconds:.2f} s "
          f"({1000 * seconds / steps:.1f} ms per step)")

    args.out.mkdir(parents=True, exist_ok=True)
    path = draw_one_neuron(model, X[0], args.out)
    print(f"graph of one trained neuron, with gradients: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
