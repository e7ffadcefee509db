"""chainrule against micrograd on micrograd's own demo, in one run.

The step is the one from micrograd's demo notebook: 100 moons points, an
MLP 2-16-16-1, mean hinge loss plus 1e-4 L2 on every parameter, full-batch
SGD with lr = 1.0 - 0.9 k / 100. Both models start from the same weights.

    pip install micrograd
    python benchmarks/bench_micrograd.py            # about a minute
    python benchmarks/bench_micrograd.py --rounds 5 # quicker, noisier

Four timings, in short interleaved blocks (CPU time) with a ``gc.collect()`` between
them so that no block pays for another's garbage:

* micrograd as a user runs it (the garbage collector on, its default);
* micrograd with the collector off during its steps (its best case);
* chainrule, collector on (its default; chainrule makes no cycles);
* chainrule inside ``engine.pause_gc()``, its opt-in pause of the collector.

Also the memory per op of the chain ``x = x * 1.0001`` (tracemalloc), the
largest loss difference over the lock-step run, and, since the collector's
work depends on everything else alive in the process, micrograd with its
collector off against chainrule with and without ``pause_gc()`` each alone
in a fresh process, as users run them (rounds of one process per engine,
ratios per round).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine
from nn import MLP, make_moons

try:
    from micrograd import engine as mg_engine
    from micrograd import nn as mg_nn
except ImportError:  # pragma: no cover - a message for the user
    sys.exit("this benchmark needs micrograd: pip install micrograd")

ALPHA = 1e-4


def make_models(seed: int) -> tuple[mg_nn.MLP, MLP]:
    random.seed(seed)
    theirs = mg_nn.MLP(2, [16, 16, 1])
    ours = MLP(2, [16, 16, 1])
    for p_ours, p_theirs in zip(ours.parameters(), theirs.parameters(), strict=True):
        p_ours.data = float(p_theirs.data)
    return theirs, ours


def micrograd_step(model: mg_nn.MLP, X: list[list[float]], y: list[int], k: int) -> float:
    """Verbatim the loss and update of micrograd's demo notebook."""
    Value = mg_engine.Value
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return float(total_loss.data)


def chainrule_step(model: MLP, X: list[list[float]], y: list[int], k: int) -> float:
    """The same step written the chainrule way: one node per sum and dot."""
    Value = engine.Value
    params = model.parameters()
    inputs = [[Value(a), Value(b)] for a, b in X]
    scores = [cast(engine.Value, model(x)) for x in inputs]
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = engine.sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * engine.dot(params, params)
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in params:
        p.data -= learning_rate * p.grad
    return total_loss.data


def paused_step(model: MLP, X: list[list[float]], y: list[int], k: int) -> float:
    """chainrule's step with the opt-in pause of the cyclic collector."""
    with engine.pause_gc():
        return chainrule_step(model, X, y, k)


def time_block(step: Callable[[int], float], first_k: int, n: int, gc_off: bool) -> list[float]:
    gc.collect()
    times = []
    for k in range(first_k, first_k + n):
        if gc_off:
            gc.disable()
        start = time.process_time()
        step(k % 100)
        times.append(time.process_time() - start)
        gc.enable()
    gc.collect()
    return times


def _quartiles(ratios: list[float]) -> str:
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    return f"{q1:.1f}x-{q3:.1f}x"


def bytes_per_op(value_cls: type, n: int = 50_000) -> float:
    x = value_cls(1.0)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(n):
        x = x * 1.0001
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del x
    return (after - before) / n


ALONE = ("micrograd-gc-off", "chainrule", "chainrule-paused")


def alone(kind: str, steps: int, seed: int) -> float:
    """CPU ms per step of one engine in a process of its own, after two warm-up steps."""
    X, labels = make_moons(100, noise=0.1, seed=seed)
    y = [2 * t - 1 for t in labels]
    theirs, ours = make_models(seed)
    if kind == "micrograd-gc-off":
        step: Callable[[int], float] = lambda k: micrograd_step(theirs, X, y, k)  # noqa: E731
    elif kind == "chainrule":
        step = lambda k: chainrule_step(ours, X, y, k)  # noqa: E731
    else:
        step = lambda k: paused_step(ours, X, y, k)  # noqa: E731
    step(0)
    step(1)
    times = time_block(step, 2, steps, gc_off=kind == "micrograd-gc-off")
    return sum(times) / len(times) * 1000


def run_alone(kind: str, steps: int, seed: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--alone", kind, f"--alone-steps={steps}", f"--seed={seed}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def report_alone(rounds: int, steps: int, seed: int) -> None:
    """Each engine alone in a fresh process, as users run it; ratios per round."""
    ms: dict[str, list[float]] = {kind: [] for kind in ALONE}
    for _ in range(rounds):
        for kind in ALONE:
            ms[kind].append(run_alone(kind, steps, seed))
    print()
    print(f"each alone in its own process ({rounds} rounds of {steps} steps; CPU ms per step)")
    base = ms["micrograd-gc-off"]
    print(f"{'micrograd, GC off during steps':34}{statistics.median(base):16.1f}")
    for kind, label in (
        ("chainrule", "chainrule, GC on"),
        ("chainrule-paused", "chainrule, pause_gc()"),
    ):
        ratios = [b / o for b, o in zip(base, ms[kind])]
        print(
            f"{label:34}{statistics.median(ms[kind]):16.1f}{statistics.median(ratios):15.1f}x"
            f"   faster than micrograd with GC off (quartiles {_quartiles(ratios)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12, help="interleaved timing rounds")
    parser.add_argument("--our-steps", type=int, default=5, help="chainrule steps per block")
    parser.add_argument(
        "--mg-steps", type=int, default=4, help="micrograd steps per block with the collector on"
    )
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--alone-rounds", type=int, default=7, help="rounds of separate processes")
    parser.add_argument("--alone-steps", type=int, default=5, help="steps per separate process")
    parser.add_argument("--alone", choices=ALONE, help=argparse.SUPPRESS)  # a child process
    args = parser.parse_args()
    if args.alone:
        print(alone(args.alone, args.alone_steps, args.seed))
        return

    X, labels = make_moons(100, noise=0.1, seed=args.seed)
    y = [2 * t - 1 for t in labels]

    # 1. Lock-step agreement from identical weights.
    theirs, ours = make_models(args.seed)
    worst = 0.0
    for k in range(10):
        worst = max(worst, abs(micrograd_step(theirs, X, y, k) - chainrule_step(ours, X, y, k)))
    print(f"largest loss difference over 10 lock-step steps: {worst:.2e}")
    if worst > 1e-9:
        sys.exit("FAIL: losses differ from micrograd's by more than 1e-9")

    # 2. Speed. This machine's speed drifts by tens of percent within
    # seconds, so the blocks are short and interleaved: each round times a
    # few micrograd steps with the collector on, a block of chainrule steps,
    # one micrograd step with the collector off, and another chainrule block,
    # with gc.collect() between blocks. Each round gives its own ratios and
    # we report their medians. Both sides are warmed up first.
    theirs, ours = make_models(args.seed)
    time_block(lambda k: micrograd_step(theirs, X, y, k), 0, 2, gc_off=False)
    time_block(lambda k: chainrule_step(ours, X, y, k), 0, 20, gc_off=False)
    rows: list[tuple[float, float, float, float, float]] = []
    for r in range(args.rounds):
        k = r % 100
        # Several steps in a row: with the collector on, micrograd's cost
        # builds up as its cyclic garbage does, as in a user's training loop.
        mg_on = statistics.median(
            time_block(lambda k: micrograd_step(theirs, X, y, k), k, args.mg_steps, False)
        )
        ours_a = statistics.median(
            time_block(lambda k: chainrule_step(ours, X, y, k), k, args.our_steps, False)
        )
        (mg_off,) = time_block(lambda k: micrograd_step(theirs, X, y, k), k, 1, True)
        ours_b = statistics.median(
            time_block(lambda k: chainrule_step(ours, X, y, k), k, args.our_steps, False)
        )
        ours_paused = statistics.median(
            time_block(lambda k: paused_step(ours, X, y, k), k, args.our_steps, False)
        )
        rows.append((mg_on, ours_a, mg_off, ours_b, ours_paused))
    m_gc = statistics.median(row[0] for row in rows)
    m_nogc = statistics.median(row[2] for row in rows)
    m_cr = statistics.median([row[1] for row in rows] + [row[3] for row in rows])
    ratio_gc = statistics.median(row[0] / row[1] for row in rows)
    ratio_nogc = statistics.median(row[2] / row[3] for row in rows)
    spread_gc = _quartiles([row[0] / row[1] for row in rows])
    spread_nogc = _quartiles([row[2] / row[3] for row in rows])
    m_paused = statistics.median(row[4] for row in rows)
    ratio_paused = statistics.median(row[2] / row[4] for row in rows)
    spread_paused = _quartiles([row[2] / row[4] for row in rows])

    # 3. Memory per op on a long chain.
    b_theirs = bytes_per_op(mg_engine.Value)
    b_ours = bytes_per_op(engine.Value)

    print()
    print(f"{'':34}{'median ms/step':>16}{'chainrule is':>16}")
    print(f"{'(ratios: median over rounds)':34}{'':16}{'faster':>16}")
    print(
        f"{'micrograd, GC on (as users run it)':34}{m_gc * 1e3:16.1f}{ratio_gc:15.1f}x"
        f"   (quartiles {spread_gc})"
    )
    print(
        f"{'micrograd, GC off during steps':34}{m_nogc * 1e3:16.1f}{ratio_nogc:15.1f}x"
        f"   (quartiles {spread_nogc})"
    )
    print(f"{'chainrule, GC on':34}{m_cr * 1e3:16.1f}")
    print(
        f"{'chainrule, engine.pause_gc()':34}{m_paused * 1e3:16.1f}{ratio_paused:15.1f}x"
        f"   faster than micrograd with GC off (quartiles {spread_paused})"
    )
    print()
    print(
        f"memory per op of x = x * 1.0001: micrograd {b_theirs:.0f} B, chainrule {b_ours:.0f} B "
        f"({100 * b_ours / b_theirs:.0f}% of micrograd)"
    )
    report_alone(args.alone_rounds, args.alone_steps, args.seed)


if __name__ == "__main__":
    main()
