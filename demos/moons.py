"""micrograd's demo, on chainrule: an MLP learns the two-moons data set.

    python -m demos.moons                 # 100 steps, writes ./demo-output
    python -m demos.moons --quick         # 20 steps
    python -m demos.moons --out moons-output --seed 7

The recipe is micrograd's: 100 moons points, an MLP 2-16-16-1, mean hinge
loss plus 1e-4 L2 on every parameter, full-batch SGD with
lr = 1.0 - 0.9 k / steps. It prints the loss and accuracy as it trains and
writes, into ``--out``:

* ``decision_boundary.png``: the data and the regions the model assigns
  to each class;
* ``training.png``: loss and accuracy per step;
* ``model_graph.svg``: the loss graph of the sample the trained model gets
  most wrong (so its loss, and its gradients, are not zero), folded to fit
  a screen and coloured by gradient size;
* ``neuron.svg``: one first-layer neuron inside that loss graph, chosen to
  be active on the sample (a dead ReLU passes no gradient back), with the
  loss's gradient on every box.

It prints which sample and which neuron it drew, and why.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any, cast

import engine
from demos._plots import decision_regions, figure, log_scale, save
from engine import Value
from engine.core.graph import values_in_order
from nn import MLP, make_moons
from nn.losses import hinge_loss, l2_penalty

ALPHA = 1e-4


def loss_and_accuracy(model: MLP, X: list[list[float]], y: list[int]) -> tuple[Value, float]:
    """micrograd's loss: mean hinge loss plus L2, and the accuracy."""
    scores = [cast(Value, model([Value(a), Value(b)])) for a, b in X]
    total = hinge_loss(scores, y) + ALPHA * l2_penalty(model.parameters())
    hits = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores))
    return total, hits / len(y)


def train(
    model: MLP, X: list[list[float]], y: list[int], steps: int, show: bool = True
) -> tuple[list[float], list[float]]:
    """Full-batch SGD with micrograd's decaying learning rate.

    Returns the loss and the accuracy at every step.
    """
    progress = _progress(steps, show)
    losses: list[float] = []
    accuracies: list[float] = []
    for k in range(steps):
        total, acc = loss_and_accuracy(model, X, y)
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / steps
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append(total.data)
        accuracies.append(acc)
        progress.update(k, total.data, acc)
    progress.close()
    return losses, accuracies


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
        self.bar = tqdm(total=steps, desc="training", unit="step")

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


def sample_loss(model: MLP, x: list[float], label: int) -> Value:
    """One sample's loss, micrograd's recipe, after backward()."""
    score = cast(Value, model([Value(x[0]), Value(x[1])]))
    loss = hinge_loss([score], [label]) + ALPHA * l2_penalty(model.parameters())
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    return loss


def pick_sample(model: MLP, X: list[list[float]], y: list[int]) -> tuple[int, str]:
    """The sample with the largest hinge loss: the one the model still gets most wrong.

    A sample with hinge loss 0 sends no gradient into the model, so its
    graph would show zeros everywhere but the weight penalty.
    """
    margins = [yi * cast(Value, model(x)).data for x, yi in zip(X, y)]
    k = min(range(len(X)), key=lambda i: margins[i])
    hinge = max(0.0, 1.0 - margins[k])
    why = (
        f"sample {k} (x = {X[k][0]:.3f}, {X[k][1]:.3f}, label {y[k]:+d}): its hinge loss "
        f"max(0, 1 - y * score) = {hinge:.4f} is the largest of the {len(X)}, so gradient "
        "flows back through the model"
    )
    if hinge == 0.0:
        why += " (every sample has loss 0 now: only the weight penalty has gradient)"
    return k, why


def pick_neuron(loss: Value, model: MLP) -> tuple[Value, str]:
    """The first-layer neuron that is active on this sample and passes back the most gradient."""
    outputs = {v._prev[0]._scope: v for v in _relu_outputs(loss)}
    best = None
    for i, neuron in enumerate(model.layers[0].neurons):
        out = outputs.get(neuron.path)
        if out is not None and out.data > 0 and (best is None or abs(out.grad) > abs(best[1].grad)):
            best = (i, out)
    if best is None:
        raise RuntimeError("no first-layer neuron is active on this sample")
    i, out = best
    why = (
        f"neuron layers[0].neurons[{i}]: active on this sample (relu output {out.data:.4f} > 0, "
        f"so its gradient is not cut off) and the largest |dloss/d output| = {abs(out.grad):.4g} "
        "among the active ones"
    )
    return out, why


def _relu_outputs(loss: Value) -> list[Value]:
    return [
        v
        for v in values_in_order(loss)
        if v._rule is not None and v._rule.name == "relu" and v._prev[0]._scope is not None
    ]


def draw_one_neuron(loss: Value, neuron_out: Value, out: Path) -> Path:
    """The neuron's part of the loss graph, with the loss's gradients on every box."""
    graph = engine.draw_dot(
        loss, focus=neuron_out, title="One active neuron inside the loss: grad = dloss/d value"
    )
    return _render(graph, out / "neuron.svg")


def plot_decision_boundary(model: MLP, X: list[list[float]], y: list[int], out: Path) -> Path:
    """Shade the plane by the model's score sign and scatter the data."""
    fig, axes = figure(width=6.6, height=5.5)
    pad = 0.5
    extent = (
        min(p[0] for p in X) - pad,
        max(p[0] for p in X) + pad,
        min(p[1] for p in X) - pad,
        max(p[1] for p in X) + pad,
    )
    classes = [(-1, "#cc0000", "o", "class -1"), (1, "#1155cc", "s", "class +1")]
    decision_regions(axes[0][0], lambda x: cast(Value, model(x)).data, X, y, classes, extent)
    axes[0][0].set(xlabel="x1", ylabel="x2")
    axes[0][0].legend(loc="upper right")
    return save(fig, out, "decision_boundary", "Decision boundary of the trained MLP 2-16-16-1")


def plot_training(losses: list[float], accuracies: list[float], out: Path) -> Path:
    """Loss (log scale) and accuracy against the step."""
    fig, axes = figure(2, width=5.5, height=4.4)
    left, right = axes[0]
    steps = range(len(losses))
    left.plot(steps, losses, color="#cc0000", label="hinge loss + L2")
    left.set(title="Loss", xlabel="SGD step", ylabel="loss (log scale)")
    log_scale(left)
    left.legend()
    right.plot(steps, [100 * a for a in accuracies], color="#1155cc", label="training accuracy")
    right.set_ylim(0, 105)
    right.set(title="Accuracy", xlabel="SGD step", ylabel="accuracy (%)")
    right.legend(loc="lower right")
    return save(fig, out, "training", "micrograd's moons recipe, step by step")


def draw_model_graph(loss: Value, out: Path) -> Path:
    """The chosen sample's loss graph, folded to fit, coloured by gradient size."""
    graph = engine.draw_dot(
        loss, color_by="grad", max_nodes=40, title="One sample's loss, folded; colour = |gradient|"
    )
    return _render(graph, out / "model_graph.svg")


def _render(graph: Any, path: Path) -> Path:
    try:
        path.write_bytes(graph.pipe(format="svg"))
    except engine.GraphvizNotFoundError as error:  # keep the DOT text instead
        path = path.with_suffix(".dot")
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
    print(f"{model} on {len(X)} moons points, {steps} steps, seed {args.seed}")

    start = time.perf_counter()
    losses, accuracies = train(model, X, y, steps, show=not args.quiet)
    seconds = time.perf_counter() - start
    _, final_acc = loss_and_accuracy(model, X, y)  # after the last update
    print(
        f"final loss {losses[-1]:.4f}, accuracy {final_acc:.0%}, {seconds:.2f} s "
        f"({1000 * seconds / steps:.1f} ms per step)"
    )

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    k, why_sample = pick_sample(model, X, y)
    loss = sample_loss(model, X[k], y[k])
    neuron_out, why_neuron = pick_neuron(loss, model)
    print(f"drawing {why_sample}")
    print(f"and {why_neuron}")
    written = [
        ("decision boundary", plot_decision_boundary(model, X, y, out)),
        ("loss and accuracy curves", plot_training(losses, accuracies, out)),
        ("that sample's loss graph, folded", draw_model_graph(loss, out)),
        (
            "that neuron inside the loss graph, with gradients",
            draw_one_neuron(loss, neuron_out, out),
        ),
    ]
    for what, path in written:
        print(f"{what}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
