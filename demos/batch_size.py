"""Article table 4: batch sizes 16, 32 and 64: training time and epochs to converge.

    python -m demos.batch_size [--quick] [--seed 0] [--out demo-output]

The same model, initial weights and learning rate per seed, trained with
each batch size until the epoch's training loss reaches the target, over
5 seeds. In a scalar engine every sample costs the same whatever the batch
(the forward and backward work of an epoch is identical by construction);
what differs is the number of optimizer steps per epoch, which the table
counts. GPUs are different: they process a batch at once. Training time
is the CPU time until the target, so it carries both the epochs and the
machine's noise; the timing floor of the rule absorbs the latter.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from demos._common import Result, Row, Run, Spec, Table, cli, moons, quick_checks, seeds_for, train
from demos._plots import figure, log_scale, positive_band, save
from demos._stats import PAIRED_RULE, TIME_FLOOR, judge, spread

BATCH_SIZES = (16, 32, 64)
ARTICLE = Table(
    ["batch size", "training time (s)", "convergence speed (epochs)"],
    [[16, 84, 300], [32, 72, 250], [64, 64, 200]],
)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    seeds = seeds_for(quick, seed)
    n, budget, target = (48, 4, 0.45) if quick else (96, 60, 0.15)
    # eager runs: the table times training, and a compiled run would add its traces
    base = Spec(seed, n_train=n, lr=0.3, epochs=budget, stop_below=target, compiled=False)
    runs = {bs: [train(replace(base, seed=s, batch_size=bs)) for s in seeds] for bs in BATCH_SIZES}
    epochs = {bs: spread([r.epochs_to(target) for r in runs[bs]], budget) for bs in BATCH_SIZES}
    seconds = {bs: spread([r.cpu_seconds for r in runs[bs]]) for bs in BATCH_SIZES}
    rows: list[Row] = [
        {
            "batch size": bs,
            "steps per epoch": -(-n // bs),
            "epochs to target": epochs[bs],
            "time to target (CPU s)": seconds[bs],
            "CPU ms per epoch": spread([1000 * r.cpu_seconds / len(r.losses) for r in runs[bs]]),
        }
        for bs in BATCH_SIZES
    ]
    names = [f"batch {bs}" for bs in BATCH_SIZES]
    mean_time = sum(s.mean for s in seconds.values()) / len(seconds)
    checks = quick_checks(
        [
            judge(
                "training time to the target",
                names,
                [84, 72, 64],
                "84, 72, 64 s",
                [seconds[bs] for bs in BATCH_SIZES],
                ".2f",
                quick,
                floor=TIME_FLOOR * mean_time,
            ),
            judge(
                "epochs to converge",
                names,
                [300, 250, 200],
                "300, 250, 200",
                [epochs[bs] for bs in BATCH_SIZES],
                ".1f",
                quick,
            ),
        ],
        quick,
    )
    plot = _plot(runs, target, out)
    return Result(
        "batch_size",
        "4. Batch size",
        "larger batches train faster and converge in fewer epochs",
        list(rows[0]),
        rows,
        {"epochs to target": ".1f", "time to target (CPU s)": ".2f", "CPU ms per epoch": ".1f"},
        plot,
        {
            "task": moons(seed, n, base.n_test).description,
            "model": base.model_text(),
            "loss": "bce_with_logits",
            "optimizer": base.optimizer_text(),
            "target": f"epoch training loss <= {target}",
            "max epochs": f"{budget} (never reached counts as {budget} epochs and their time)",
            "steps": "eager (not compiled), as the table times them",
        },
        checks,
        [
            PAIRED_RULE.format(
                floor=f"0 epochs, or {TIME_FLOOR:.0%} of the mean time (the machine's noise)"
            )
        ],
        "A smaller batch takes more steps per epoch, so compare the bands epoch by epoch; "
        "the table's CPU ms per epoch shows what one epoch costs at each size.",
        seeds,
        quick,
        ARTICLE,
    )


def _plot(runs: dict[int, list[Run]], target: float, out: Path) -> Path:
    fig, axes = figure(1, width=8)
    ax = axes[0][0]
    for bs, rs in runs.items():
        positive_band(ax, [r.losses for r in rs], f"batch {bs}")
    ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
    ax.set(
        xlabel="epoch",
        ylabel="training loss (BCE, log scale)",
        title="Loss per epoch, geometric mean ± std over seeds (runs stop at the target)",
    )
    log_scale(ax)
    ax.legend()
    return save(fig, out, "batch_size", "Batch size 16 vs 32 vs 64, same learning rate")


main = cli(run, "Batch sizes 16, 32 and 64: training time and epochs to a target loss.")

if __name__ == "__main__":
    raise SystemExit(main())
