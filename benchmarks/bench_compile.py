"""engine.compile on micrograd's demo step, against micrograd, plain floats and PyTorch.

The step is micrograd's demo step: 100 moons points, an MLP 2-16-16-1,
mean hinge loss plus 1e-4 L2 over every parameter, full-batch SGD with
lr = 1.0 - 0.9 k / 100, the update included. Every contender starts from
the same weights.

    pip install -e ".[test]"                  # micrograd, numpy and torch
    python benchmarks/bench_compile.py        # a minute or two
    python benchmarks/bench_compile.py --rounds 5

What it prints:

* the CPU time to compile the step (trace, plan, generate, first call);
* the largest loss difference between the compiled step and eager chainrule
  over 100 training steps (compiled: must be 0; numpy: to 1e-12 relative);
* time per step, CPU time (``time.process_time``), in short interleaved
  blocks of one contender each (steps 1-3 of training from the same
  weights) with ``gc.collect()`` between blocks, and the medians of the
  per-round ratios: micrograd as people run it (its
  garbage collector on), the same step written by hand with plain floats
  (the pure-Python floor), the compiled step, eager chainrule, the NumPy
  backend and PyTorch (float64, one thread);
* micrograd and the compiled step again, each alone in a fresh process
  of its own, since micrograd's cost depends on its garbage collector.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from operator import mul
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine
from nn import MLP, make_moons

ALPHA = 1e-4
Step = Callable[[int], float]


def data(seed: int) -> tuple[list[list[float]], list[float]]:
    X, labels = make_moons(100, noise=0.1, seed=seed)
    return X, [2.0 * t - 1 for t in labels]


def weights(seed: int) -> list[float]:
    random.seed(seed)
    return [p.data for p in MLP(2, [16, 16, 1]).parameters()]


# --- contenders ------------------------------------------------------------------------


def chainrule_model(w: list[float]) -> MLP:
    model = MLP(2, [16, 16, 1])
    for p, v in zip(model.parameters(), w):
        p.data = v
    return model


def demo_loss(model: MLP) -> Callable[..., Any]:
    """micrograd's demo loss, as its notebook writes it (inputs come as Values)."""

    def loss(X: Any, y: Any) -> Any:
        scores = list(map(model, X))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        return data_loss + reg_loss

    return loss


def compiled_step(w: list[float], X: Any, y: Any, backend: str = "python") -> Step:
    model = chainrule_model(w)
    params = model.parameters()
    step = engine.compile(demo_loss(model), backend=backend)

    def run(k: int) -> float:
        for p in params:
            p.grad = 0.0
        loss = step(X, y)
        lr = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= lr * p.grad
        return float(loss)

    return run


def eager_step(w: list[float], X: Any, y: Any) -> Step:
    model = chainrule_model(w)
    params = model.parameters()
    loss_fn = demo_loss(model)
    Value = engine.Value

    def run(k: int) -> float:
        loss = loss_fn([[Value(a), Value(b)] for a, b in X], [Value(t) for t in y])
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= lr * p.grad
        return float(loss.data)

    return run


def micrograd_step(w: list[float], X: Any, y: Any) -> Step:
    from micrograd import nn as mg_nn

    # the step itself, verbatim micrograd's demo notebook, is bench_micrograd's
    from benchmarks.bench_micrograd import micrograd_step as demo_step

    model = mg_nn.MLP(2, [16, 16, 1])
    for p, v in zip(model.parameters(), w):
        p.data = v
    return lambda k: demo_step(model, X, y, k)


def float_step(w: list[float], X: Any, y: Any) -> Step:
    """The step written by hand with plain floats: the pure-Python floor.

    Weights as rows of floats, micrograd's parameter order; per sample the
    forward pass, then the backward pass straight into the gradient rows.
    """
    rows: list[list[float]] = []
    it = iter(w)
    for nin, nout in ((2, 16), (16, 16), (16, 1)):
        for _ in range(nout):
            rows.append([next(it) for _ in range(nin + 1)])  # weights, then bias
    W1, W2, W3 = rows[:16], rows[16:32], rows[32:]
    samples = list(zip(X, y))

    def run(k: int) -> float:
        grads = [[0.0] * len(r) for r in rows]
        G1, G2, G3 = grads[:16], grads[16:32], grads[32]
        w3 = W3[0]
        n = len(samples)
        total = 0.0
        for (x0, x1), t in samples:
            z1 = [r[2] + r[0] * x0 + r[1] * x1 for r in W1]
            h1 = [z if z > 0 else 0.0 for z in z1]
            z2 = [r[16] + sum(map(mul, r, h1)) for r in W2]
            h2 = [z if z > 0 else 0.0 for z in z2]
            s = w3[16] + sum(map(mul, w3, h2))
            margin = 1.0 - t * s
            if margin <= 0:
                continue
            total += margin
            gs = -t / n
            for j in range(16):
                G3[j] += gs * h2[j]
            G3[16] += gs
            g2 = [gs * w3[j] if z2[j] > 0 else 0.0 for j in range(16)]
            g1 = [0.0] * 16
            for r, g, row in zip(W2, g2, G2):
                if g:
                    for i in range(16):
                        row[i] += g * h1[i]
                        g1[i] += g * r[i]
                    row[16] += g
            for i, (g, row) in enumerate(zip(g1, G1)):
                if z1[i] > 0:
                    row[0] += g * x0
                    row[1] += g * x1
                    row[2] += g
        reg = 0.0
        for r, row in zip(rows, grads):
            for i, v in enumerate(r):
                reg += v * v
                row[i] += 2 * ALPHA * v
        lr = 1.0 - 0.9 * k / 100
        for r, row in zip(rows, grads):
            for i, g in enumerate(row):
                r[i] -= lr * g
        return total / n + ALPHA * reg

    return run


def torch_step(w: list[float], X: Any, y: Any) -> Step:
    import torch

    torch.set_num_threads(1)
    f64 = torch.float64
    layers, it = [], iter(w)
    for nin, nout in ((2, 16), (16, 16), (16, 1)):
        rows = [[next(it) for _ in range(nin + 1)] for _ in range(nout)]
        weight = torch.tensor([r[:nin] for r in rows], dtype=f64, requires_grad=True)
        bias = torch.tensor([r[nin] for r in rows], dtype=f64, requires_grad=True)
        layers.append((weight, bias))
    params = [t for layer in layers for t in layer]
    Xt = torch.tensor(X, dtype=f64)
    yt = torch.tensor(y, dtype=f64)

    def run(k: int) -> float:
        h = Xt
        for i, (weight, bias) in enumerate(layers):
            h = h @ weight.T + bias
            if i < 2:
                h = h.relu()
        data_loss = (1 - yt * h[:, 0]).relu().mean()
        loss = data_loss + ALPHA * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()  # type: ignore[no-untyped-call]
        lr = 1.0 - 0.9 * k / 100
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad  # type: ignore[operator]
        return float(loss.detach())

    return run


CONTENDERS: dict[str, Callable[..., Step]] = {
    "micrograd": micrograd_step,
    "floats": float_step,
    "compiled": compiled_step,
    "eager": eager_step,
    "numpy": lambda w, X, y: compiled_step(w, X, y, "numpy"),
    "torch": torch_step,
}


# --- timing ----------------------------------------------------------------------------


def block(step: Step, first_k: int, n: int) -> float:
    """Median CPU seconds per step over a block of ``n`` steps."""
    gc.collect()
    times = []
    for k in range(first_k, first_k + n):
        start = time.process_time()
        step(k % 100)
        times.append(time.process_time() - start)
    gc.collect()
    return statistics.median(times)


def compile_time(w: list[float], X: Any, y: Any, backend: str, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        model = chainrule_model(w)
        gc.collect()
        start = time.process_time()
        engine.compile(demo_loss(model), backend=backend)(X, y)
        times.append(time.process_time() - start)
    return statistics.median(times)


def trajectory_gap(w: list[float], X: Any, y: Any, backend: str) -> float:
    """Largest relative loss difference, compiled vs eager, over 100 steps."""
    a, b = compiled_step(w, X, y, backend), eager_step(w, X, y)
    return max(abs(a(k) - (e := b(k))) / abs(e) for k in range(100))


def alone(name: str, steps: int, seed: int) -> float:
    """Median ms per step of one contender run in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--only", name, "--steps", str(steps), "--seed", str(seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--only", choices=list(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per block")
    args = parser.parse_args()
    X, y = data(args.seed)
    w = weights(args.seed)
    if args.only:  # a child process of --alone timing: one contender, nothing else
        step = CONTENDERS[args.only](w, X, y)
        step(0)
        print(f"{block(step, 1, args.steps) * 1e3:.6f}")
        return

    # Every contender computes the same loss (up to summation order).
    first = {name: make(w, X, y)(0) for name, make in CONTENDERS.items()}
    for name, value in first.items():
        if abs(value - first["eager"]) > 1e-12 * abs(first["eager"]):
            sys.exit(f"FAIL: {name}'s first loss {value!r} differs from eager's")

    compile_ms = {b: compile_time(w, X, y, b) * 1e3 for b in ("python", "numpy")}
    gaps = {b: trajectory_gap(w, X, y, b) for b in ("python", "numpy")}

    # Each round builds every contender afresh from the same weights, takes
    # one untimed step (which compiles), then times the next few steps, so
    # all are timed on the same stretch of training (how many units are
    # dead, and so how much the compiled step can skip, changes as it trains).
    rows: list[dict[str, float]] = []
    for _ in range(args.rounds):
        row = {}
        for name, make in CONTENDERS.items():
            step = make(w, X, y)
            step(0)
            row[name] = block(step, 1, args.steps)
            del step
        rows.append(row)

    def ratio(a: str, b: str) -> float:
        return statistics.median(row[a] / row[b] for row in rows)

    print(
        f"compile (trace + plan + generate + first call), CPU ms: "
        f"python {compile_ms['python']:.1f}, numpy {compile_ms['numpy']:.1f}"
    )
    print(
        f"loss over 100 steps vs eager chainrule, largest relative difference: "
        f"python {gaps['python']:.1e}, numpy {gaps['numpy']:.1e}"
    )
    print()
    print(f"{'contender':34}{'ms/step':>10}{'compiled is':>14}")
    for name, label in (
        ("micrograd", "micrograd (as people run it)"),
        ("eager", "chainrule eager"),
        ("floats", "hand-written floats (floor)"),
        ("compiled", "chainrule compiled"),
        ("torch", "PyTorch float64, 1 thread"),
        ("numpy", "chainrule compiled, numpy"),
    ):
        ms = statistics.median(row[name] for row in rows) * 1e3
        print(f"{label:34}{ms:10.3f}{ratio(name, 'compiled'):13.1f}x")
    print()
    print(f"compiled vs micrograd: {ratio('micrograd', 'compiled'):.0f}x faster (target >= 400x)")
    print(
        f"compiled vs the float floor: {ratio('compiled', 'floats'):.2f}x its time (target <= 1.5x)"
    )
    print(f"numpy backend vs PyTorch: {ratio('torch', 'numpy'):.2f}x faster (target > 1x)")
    mg, ours = alone("micrograd", args.steps, args.seed), alone("compiled", args.steps, args.seed)
    print(
        f"each alone in its own process: micrograd {mg:.1f} ms, compiled {ours:.3f} ms "
        f"per step: {mg / ours:.0f}x"
    )


if __name__ == "__main__":
    main()
