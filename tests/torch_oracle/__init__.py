"""PyTorch's answers, recorded, so the oracle checks run without torch.

``python -m tests.torch_oracle.record`` runs torch (float64, CPU) on every
input the oracle tests use and writes one JSON file per area next to this
module: ``rules.json`` (each derivative rule), ``programs.json`` (random
graphs, to third order), ``losses.json``, ``optim.json`` (trajectories,
state buffers, scheduler rates, defaults, error messages), ``clip.json``
(gradient clipping), ``init.json``, ``nn.json`` (MLPs forward and
backward) and ``higher_order.json`` (derivatives to third order where one
is infinite, and powers at a zero or nan base).

Each file holds the inputs as well as torch's outputs, so a recorded test
needs nothing but the file and chainrule. Floats are written by ``repr``,
which reads back to the same double; nan and the infinities use JSON's
common extension tokens (``NaN``, ``Infinity``), which :func:`json.loads`
reads. The live tests run torch itself when it is installed, and
``test_torch_fixtures_are_up_to_date`` regenerates every file in memory
and compares it with the one checked in.

The inputs come from :mod:`tests.torch_oracle.cases`: seeded
``random.Random`` streams, never hypothesis, so recording is repeatable.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SECTIONS = ("rules", "programs", "losses", "optim", "clip", "init", "nn", "higher_order")


def path(section: str) -> Path:
    return HERE / f"{section}.json"


def dumps(data: Any) -> str:
    """Compact JSON, one top-level entry per line (readable diffs)."""
    if isinstance(data, dict):
        lines = [
            f"{json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in data.items()
        ]
        return "{\n" + ",\n".join(lines) + "\n}\n"
    return json.dumps(data, separators=(",", ":")) + "\n"


@functools.cache
def load(section: str) -> Any:
    """The recorded answers of one area (read once per test session)."""
    return json.loads(path(section).read_text(encoding="utf-8"))


def same(recorded: Any, fresh: Any, rel: float = 1e-13) -> bool:
    """Equal structure and inputs, numbers equal up to ``rel``, nan to nan.

    The tolerance allows another CPU's last-bit differences in torch's
    kernels; a changed input or a real change of result is far larger.
    """
    if isinstance(recorded, dict):
        return (
            isinstance(fresh, dict)
            and recorded.keys() == fresh.keys()
            and all(same(recorded[k], fresh[k], rel) for k in recorded)
        )
    if isinstance(recorded, list):
        return (
            isinstance(fresh, list)
            and len(recorded) == len(fresh)
            and all(same(a, b, rel) for a, b in zip(recorded, fresh))
        )
    if isinstance(recorded, float) and isinstance(fresh, float):
        if math.isnan(recorded) or math.isnan(fresh):
            return math.isnan(recorded) and math.isnan(fresh)
        return math.isclose(recorded, fresh, rel_tol=rel, abs_tol=1e-300)
    return type(recorded) is type(fresh) and recorded == fresh
