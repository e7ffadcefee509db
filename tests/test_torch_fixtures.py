"""The recorded torch answers are what torch answers today.

Runs where torch is installed (CI installs it, and there a skip fails):
every file of ``tests/torch_oracle`` is regenerated in memory and compared
with the one checked in. A difference means the inputs or torch changed:
run ``python -m tests.torch_oracle.record`` and review the diff.
"""

from __future__ import annotations

import json

import pytest

from tests.torch_oracle import SECTIONS, dumps, load, same


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
