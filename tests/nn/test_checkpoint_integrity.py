"""Checkpoint integrity: the checksum, strict JSON, and nothing but CheckpointError.

Corrupted files are the point here: every single-bit flip of a saved file
and a few hundred random byte changes must either load the very same model
or be refused with a CheckpointError naming the file; never load a changed
weight, never raise anything else.
"""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path
from typing import Any

import pytest

import nn
from nn import MLP, CheckpointError, CheckpointWarning, Module, serialize
from tests.checkpoints import checksum_of


def snapshot(model: Module) -> tuple[str, str, list[str]]:
    """What a loaded model is: its class, its repr and its exact weights."""
    return type(model).__name__, repr(model), [p.data.hex() for p in model.parameters()]


@pytest.fixture
def saved(tmp_path: Path) -> tuple[MLP, Path]:
    model = MLP(2, [3, 1], activation="tanh")
    rng = random.Random(5)
    for p in model.parameters():
        p.data = rng.uniform(-2.0, 2.0)
    model.layers[0].neurons[0].b.data = math.nan
    model.layers[0].neurons[1].b.data = -math.inf
    model.layers[0].neurons[2].b.data = -0.0
    path = tmp_path / "model.json"
    nn.save(model, path)
    return model, path


def load_or_refuse(
    path: Path, raw: bytes, original: Module, monkeypatch: pytest.MonkeyPatch
) -> bool:
    """Load ``raw`` as the file ``path``: True if refused, False if it gave ``original``.

    The bytes are handed to the parser directly instead of being written
    thousands of times; the file layer has its own tests.
    """
    monkeypatch.setattr(serialize, "read_checkpoint_bytes", lambda *_: raw)
    try:
        loaded = nn.load(path)
    except CheckpointError as error:
        refusal = str(error)
    else:
        assert snapshot(loaded) == snapshot(original), raw
        return False
    assert str(path) in refusal
    return True


# --- the checksum ----------------------------------------------------------------------


def test_the_checksum_is_what_the_docstring_defines(saved: tuple[MLP, Path]) -> None:
    _, path = saved
    document = json.loads(path.read_text())
    assert document["checksum"].startswith("sha256:")
    assert document["checksum"] == checksum_of(document)


def test_every_single_bit_flip_is_refused_or_changes_nothing(
    saved: tuple[MLP, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, path = saved
    raw = path.read_bytes()
    refused = 0
    for i in range(len(raw)):
        for bit in range(8):
            flipped = bytearray(raw)
            flipped[i] ^= 1 << bit
            refused += load_or_refuse(path, bytes(flipped), model, monkeypatch)
    # The harmless flips are few (such as 'e' to 'E' in an exponent).
    assert refused > 0.99 * 8 * len(raw)


def test_random_byte_changes_are_refused_or_change_nothing(
    saved: tuple[MLP, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, path = saved
    raw = path.read_bytes()
    rng = random.Random(12)
    for _ in range(300):
        changed = bytearray(raw)
        for _ in range(rng.randint(1, 3)):
            changed[rng.randrange(len(raw))] = rng.randrange(256)
        load_or_refuse(path, bytes(changed), model, monkeypatch)


def test_a_changed_weight_is_refused_naming_both_checksums(saved: tuple[MLP, Path]) -> None:
    _, path = saved
    document = json.loads(path.read_text())
    name = "layers[1].neurons[0].w[2]"
    document["state_dict"][name] = math.nextafter(document["state_dict"][name], math.inf)
    path.write_text(json.dumps(document))
    with pytest.raises(CheckpointError, match="checksum mismatch") as info:
        nn.load(path)
    message = str(info.value)
    assert str(path) in message
    assert document["checksum"] in message
    assert checksum_of(document) in message


def test_a_weight_written_another_way_has_the_same_checksum(saved: tuple[MLP, Path]) -> None:
    model, path = saved
    document = json.loads(path.read_text())
    text = path.read_text()
    name = "layers[1].neurons[0].w[0]"
    x = document["state_dict"][name]
    path.write_text(text.replace(f'"{name}": {x!r}', f'"{name}": {x!r}0e0'))
    assert path.read_text() != text
    assert snapshot(nn.load(path)) == snapshot(model)  # the checksum is over floats, not text


@pytest.mark.parametrize(
    ("checksum", "words"),
    [
        (None, '"checksum" must be a string'),
        (12, '"checksum" must be a string'),
        ("sha256:" + "0" * 64, "checksum mismatch"),
        ("md5:abc", "checksum mismatch"),
    ],
)
def test_a_missing_or_malformed_checksum_is_refused(
    saved: tuple[MLP, Path], checksum: Any, words: str
) -> None:
    _, path = saved
    document = json.loads(path.read_text())
    if checksum is None:
        del document["checksum"]
    else:
        document["checksum"] = checksum
    path.write_text(json.dumps(document))
    with pytest.raises(CheckpointError, match=words):
        nn.load(path)


def test_a_version_1_file_without_checksum_loads_with_a_warning(saved: tuple[MLP, Path]) -> None:
    model, path = saved
    document = json.loads(path.read_text())
    del document["checksum"]
    document["version"] = 1
    path.write_text(json.dumps(document, indent=1))
    with pytest.warns(CheckpointWarning, match="version 1 checkpoint.*no checksum.*save it again"):
        loaded = nn.load(path)
    assert snapshot(loaded) == snapshot(model)
    nn.save(loaded, path)  # saving again adds the checksum
    assert json.loads(path.read_text())["version"] == 2
    assert snapshot(nn.load(path)) == snapshot(model)


def test_a_version_1_file_with_a_checksum_is_checked(saved: tuple[MLP, Path]) -> None:
    _, path = saved
    document = json.loads(path.read_text())
    document["version"] = 1
    document["state_dict"]["layers[1].neurons[0].b"] = 0.5
    path.write_text(json.dumps(document))
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        nn.load(path)


# --- strict JSON -------------------------------------------------------------------------


def replace_first_weight(path: Path, token: str) -> None:
    text = path.read_text()
    name = '"layers[0].neurons[0].w[0]": '
    start = text.index(name) + len(name)
    end = text.index(",", start)
    path.write_text(text[:start] + token + text[end:])


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("NaN", "token NaN, which is not JSON"),
        ("Infinity", "token Infinity, which is not JSON"),
        ("-Infinity", "token -Infinity, which is not JSON"),
        ("1e999", "1e999 is out of float range"),
        ("-1e999", "-1e999 is out of float range"),
        ("1" * 400 + ".5", "out of float range"),
        ("1" * 400, "integer of 400 digits"),
        ("-" + "7" * 5000, "integer of 5000 digits"),
        ("2" + "0" * 308, r"state_dict\['layers\[0\]\.neurons\[0\]\.w\[0\]'\] is 200000000000"),
    ],
    ids=lambda x: f"{x[:20]}..." if isinstance(x, str) and len(x) > 20 else None,
)
def test_non_standard_and_out_of_range_numbers_are_refused(
    saved: tuple[MLP, Path], token: str, words: str
) -> None:
    _, path = saved
    replace_first_weight(path, token)
    with pytest.raises(CheckpointError, match=words) as info:
        nn.load(path)
    assert str(path) in str(info.value)
    assert len(str(info.value)) < 500  # a 5,000-digit number is not echoed


@pytest.mark.parametrize(
    ("duplicate", "key"),
    [
        ('{"version": 2, ', "version"),
        ('"state_dict": {"layers[1].neurons[0].b": 9.0, ', "layers[1].neurons[0].b"),
        ('"config": {"nin": 2, ', "nin"),
    ],
)
def test_a_key_given_twice_is_refused(saved: tuple[MLP, Path], duplicate: str, key: str) -> None:
    _, path = saved
    text = path.read_text()
    opening = duplicate[: duplicate.index("{") + 1]
    path.write_text(text.replace(opening, duplicate, 1).replace(opening + "\n", duplicate, 1))
    assert path.read_text() != text
    with pytest.raises(
        CheckpointError, match=f"the key {re.escape(repr(key))} appears twice"
    ) as info:
        nn.load(path)
    assert str(path) in str(info.value)


# --- every error is a CheckpointError naming the file ---------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["model"].pop("config"),
        lambda d: d["model"].pop("class"),
        lambda d: d.__setitem__("version", 10**300),
        lambda d: d.__setitem__("format", "x" * 10_000),
    ],
)
def test_broken_headers_are_checkpoint_errors_naming_the_file(
    saved: tuple[MLP, Path], change: Any
) -> None:
    _, path = saved
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    with pytest.raises(CheckpointError) as info:
        nn.load(path)
    assert str(path) in str(info.value)
    assert len(str(info.value)) < 500


def test_a_text_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Training notes\n\nlearning rate 0.1, 200 epochs\n")
    with pytest.raises(CheckpointError, match=r"notes\.txt is not a chainrule checkpoint"):
        nn.load(path)
