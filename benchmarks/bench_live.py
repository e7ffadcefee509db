"""What nn.LiveView's training film costs on micrograd's moons recipe.

The recipe is micrograd's demo run through ``nn.fit``: 100 moons points,
an MLP 2-16-16-1, mean hinge loss plus 1e-4 L2 (a loss function, so the
film infers the hinge loss for its per-sample graphs), full-batch SGD with
lr = 1.0 - 0.9 k / 100, 100 epochs. Each round trains the same seeded
model twice, plain and with ``LiveView(path)`` writing its film, with a
``gc.collect()`` between them; the order alternates between rounds.

    python benchmarks/bench_live.py             # 5 rounds, about 20 s
    python benchmarks/bench_live.py --rounds 9

CPU time is this process's (``time.process_time``) plus its children's
(Graphviz's ``dot``, which draws the film's graph once), from ``os.times``.
Prints the median over rounds of (film time / plain time) and the film's
size; the goal is at most 1.3 and under 10 MB.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nn
from engine import Value
from nn import MLP, fit, make_moons
from nn.losses import hinge_loss, l2_penalty
from nn.optim import SGD, LambdaLR

EPOCHS = 100
ALPHA = 1e-4


def cpu_seconds() -> float:
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def train(callbacks: list[nn.Callback]) -> nn.History:
    X, labels = make_moons(100, noise=0.1, seed=0)
    y = [2 * t - 1 for t in labels]
    random.seed(1)
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    optimizer = SGD(params, lr=1.0)
    schedule = LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / EPOCHS)

    def loss(scores: list[Any], targets: list[Any]) -> Value:
        return hinge_loss(scores, targets) + ALPHA * l2_penalty(params)

    return fit(
        model,
        X,
        y,
        loss=loss,
        metrics=["accuracy"],
        optimizer=optimizer,
        scheduler=schedule,
        epochs=EPOCHS,
        batch_size=100,
        seed=0,
        callbacks=callbacks,
        verbose=False,
    )


def timed(run: Callable[[], object]) -> float:
    gc.collect()
    start = cpu_seconds()
    run()
    return cpu_seconds() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        film = Path(folder) / "moons_film.html"
        ratios, plain_times, film_times = [], [], []
        for r in range(args.rounds):
            plain = lambda: train([])  # noqa: E731
            live = lambda: train([nn.LiveView(film)])  # noqa: E731
            if r % 2 == 0:
                t_plain, t_film = timed(plain), timed(live)
            else:
                t_film, t_plain = timed(live), timed(plain)
            plain_times.append(t_plain)
            film_times.append(t_film)
            ratios.append(t_film / t_plain)
            print(f"round {r + 1}: plain {t_plain:.3f} s, with the film {t_film:.3f} s")
        size = film.stat().st_size
        history = train([])
    print(f"final training accuracy {history.history['accuracy'][-1]:.0%}")
    print(f"plain fit: median {statistics.median(plain_times):.3f} s CPU")
    print(f"with LiveView's film: median {statistics.median(film_times):.3f} s CPU")
    ratio = statistics.median(ratios)
    print(f"film / plain, median of per-round ratios: {ratio:.3f} (goal <= 1.3)")
    print(f"film size: {size / 1e6:.2f} MB ({size:,} bytes; goal < 10 MB)")


if __name__ == "__main__":
    main()
