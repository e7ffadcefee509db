"""The recorded torch answers are what torch answers today.

Runs where torch is installed (CI installs it, and there a skip fails):
every file of ``tests/torch_oracle`` is regenerated in memory and compared
with the one checked in. A difference means the inputs or torch changed:
run ``python -m tests.torch_oracle.record`` and review the diff.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.torch_oracle import SECTIONS, dumps, load, same

TESTS = Path(__file__).resolve().parent

# Every test module that runs torch, and the recording that covers its
# checks when torch is absent (None: it tests a conversion to torch itself).
LIVE_TORCH_TESTS: dict[str, str | None] = {
    "engine/core/test_rules.py": "rules",
    "engine/core/test_properties.py": "programs",
    "engine/core/test_higher_order.py": "higher_order",
    "nn/test_losses.py": "losses",
    "nn/test_optim.py": "optim",
    "nn/test_clip.py": "clip",
    "nn/test_init.py": "init",
    "nn/test_nn.py": "nn",
    "nn/test_module_features.py": None,  # MLP.to_torch()
}
# helpers that run torch for the tests above
TORCH_HELPERS = {"oracle.py", "strategies.py", "test_torch_fixtures.py"}


@pytest.mark.parametrize("section", SECTIONS)
def test_torch_fixtures_are_up_to_date(section: str) -> None:
    torch = pytest.importorskip("torch")
    from tests.torch_oracle.record import record

    torch.set_num_threads(1)
    fresh = record(section, torch)
    assert same(load(section), fresh), (
        f"tests/torch_oracle/{section}.json is out of date: "
        "run python -m tests.torch_oracle.record and review the diff"
    )


def test_fixture_format_round_trips() -> None:
    # repr-exact floats, nan and signed zeros survive the file format
    data = {"x": [0.1, -0.0, 1e-310, float("inf"), 2.0**0.5], "y": {"n": float("nan")}}
    back = json.loads(dumps(data))
    assert back["x"] == data["x"]
    assert str(back["x"][1]) == "-0.0"
    assert same(data, back)
    assert not same(data, {**back, "x": [*back["x"][:4], 1.4142135623730951 * (1 + 1e-12)]})


def test_every_live_torch_test_has_a_recording() -> None:
    uses_torch = re.compile(r'importorskip\("torch"\)|require_torch\(|apply_torch\(')
    found = {
        path.relative_to(TESTS).as_posix()
        for path in TESTS.rglob("*.py")
        if "torch_oracle" not in path.parts and uses_torch.search(path.read_text())
    }
    unlisted = sorted(found - set(LIVE_TORCH_TESTS) - TORCH_HELPERS)
    assert not unlisted, (
        f"{unlisted} run torch: record torch's answers for them in tests/torch_oracle "
        "(cases.py, record.py), check chainrule against the recording without torch, "
        "and list them in LIVE_TORCH_TESTS, so that a machine without torch still tests them"
    )
    assert set(LIVE_TORCH_TESTS) <= found
    assert {s for s in LIVE_TORCH_TESTS.values() if s} == set(SECTIONS)
