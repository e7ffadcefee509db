"""Tests for nn.save / nn.load: exact round trips, clear errors, atomic writes."""

from __future__ import annotations

import contextlib
import json
import math
import os
import pickle
import random
from pathlib import Path
from typing import Any, cast

import pytest

import nn
from engine import Value
from nn import MLP, CheckpointError, Layer, Module, Neuron
from nn.serialize import FORMAT, VERSION
from tests.checkpoints import checksum_of

SPECIALS = [math.inf, -math.inf, -0.0, 5e-324, 0.1 + 0.2, 1e308, -1.2345678901234567e-300]


def same_floats(a: list[float], b: list[float]) -> bool:
    """Bit-for-bit equal lists, with nan equal to nan and -0.0 apart from 0.0."""
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or (x == y and math.copysign(1, x) == math.copysign(1, y))
        for x, y in zip(a, b)
    )


def weights(model: Module) -> list[float]:
    return [p.data for p in model.parameters()]


def sgd_steps(model: MLP, steps: int = 5) -> None:
    """A few steps of hand-written SGD, so the weights are 'trained' numbers."""
    X, labels = nn.make_moons(20, noise=0.1, seed=3)
    for _ in range(steps):
        scores = [cast(Value, model(x)) for x in X]
        loss = nn.losses.hinge_loss(scores, [2 * t - 1 for t in labels])
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad


@pytest.fixture
def saved(tmp_path: Path) -> tuple[MLP, Path]:
    model = MLP(2, [4, 3, 1], activation="tanh", dropout=0.25)
    path = tmp_path / "model.json"
    nn.save(model, path)
    return model, path


def rewrite(path: Path, change: Any) -> None:
    """Load the JSON document, let ``change`` edit it, write it back.

    The checksum is recomputed where it can be, so that the check under
    test, not the checksum, is what refuses the file.
    """
    document = json.loads(path.read_text())
    change(document)
    with contextlib.suppress(Exception):
        document["checksum"] = checksum_of(document)
    path.write_text(json.dumps(document))


# --- round trips ---------------------------------------------------------------------


def test_round_trip_rebuilds_the_same_mlp_exactly(tmp_path: Path) -> None:
    model = MLP(3, [5, 4, 2], activation="sigmoid", dropout=0.1)
    for p, x in zip(model.parameters(), SPECIALS):
        p.data = x
    path = tmp_path / "m.json"
    nn.save(model, path)
    loaded = nn.load(path)
    assert isinstance(loaded, MLP)
    assert loaded.config() == model.config()
    assert repr(loaded) == repr(model)
    assert same_floats(weights(loaded), weights(model))


def test_round_trip_after_training_gives_the_same_outputs(tmp_path: Path) -> None:
    model = MLP(2, [8, 8, 1])
    sgd_steps(model)
    path = tmp_path / "trained.json"
    nn.save(model, str(path))  # a str path works as well as a Path
    loaded = nn.load(str(path))
    assert weights(loaded) == weights(model)
    for x in ([0.1, 0.2], [-1.0, 0.5], [2.0, -0.3]):
        out, ref = loaded(x), model(x)
        assert isinstance(out, Value)
        assert isinstance(ref, Value)
        assert out.data == ref.data


def test_nan_and_every_special_float_round_trip(tmp_path: Path) -> None:
    model = MLP(2, [4, 1])
    values = [math.nan, *SPECIALS]
    for p, x in zip(model.parameters(), values):
        p.data = x
    nn.save(model, tmp_path / "s.json")
    assert same_floats(weights(nn.load(tmp_path / "s.json")), weights(model))


def test_random_floats_round_trip_bit_for_bit(tmp_path: Path) -> None:
    rng = random.Random(5)
    model = MLP(4, [16, 16, 3])
    for p in model.parameters():
        p.data = rng.uniform(-1, 1) * 10 ** rng.randint(-300, 300)
    nn.save(model, tmp_path / "r.json")
    assert weights(nn.load(tmp_path / "r.json")) == weights(model)


def test_layer_and_neuron_round_trip(tmp_path: Path) -> None:
    layer = Layer(3, 2, activation="tanh")
    neuron = Neuron(4, nonlin=False)
    nn.save(layer, tmp_path / "layer.json")
    nn.save(neuron, tmp_path / "neuron.json")
    got_layer, got_neuron = nn.load(tmp_path / "layer.json"), nn.load(tmp_path / "neuron.json")
    assert repr(got_layer) == repr(layer)
    assert weights(got_layer) == weights(layer)
    assert repr(got_neuron) == repr(neuron)
    assert weights(got_neuron) == weights(neuron)


def test_loading_draws_nothing_from_the_global_random(saved: tuple[MLP, Path]) -> None:
    _, path = saved
    random.seed(8)
    expected = random.random()
    random.seed(8)
    nn.load(path)
    assert random.random() == expected


def test_file_is_strict_json_with_tag_version_config_and_state(saved: tuple[MLP, Path]) -> None:
    model, path = saved

    def no_constants(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    document = json.loads(path.read_text(), parse_constant=no_constants)
    assert document["format"] == FORMAT == "chainrule-checkpoint"
    assert document["version"] == VERSION == 2
    assert list(document) == ["format", "version", "model", "state_dict", "checksum"]
    assert document["model"] == {
        "class": "MLP",
        "config": {"nin": 2, "nouts": [4, 3, 1], "activation": "tanh", "dropout": 0.25},
    }
    assert document["state_dict"] == model.state_dict()


def test_non_finite_values_are_written_as_strings(tmp_path: Path) -> None:
    model = MLP(1, [1])
    model.layers[0].neurons[0].w[0].data = math.inf
    model.layers[0].neurons[0].b.data = math.nan
    nn.save(model, tmp_path / "n.json")
    state = json.loads((tmp_path / "n.json").read_text())["state_dict"]
    assert state == {"layers[0].neurons[0].w[0]": "inf", "layers[0].neurons[0].b": "nan"}


def test_load_into_an_existing_model(saved: tuple[MLP, Path]) -> None:
    model, path = saved
    target = MLP(2, [4, 3, 1], activation="tanh")  # dropout holds no weights: may differ
    assert nn.load(path, model=target) is target
    assert weights(target) == weights(model)


def test_modules_nn_cannot_rebuild_load_into_a_given_model(tmp_path: Path) -> None:
    class Pair(Module):
        def __init__(self) -> None:
            self.a, self.b = Layer(2, 2), Layer(2, 1)

        def parameters(self) -> list[Value]:
            return [*self.a.parameters(), *self.b.parameters()]

    pair = Pair()
    nn.save(pair, tmp_path / "pair.json")
    with pytest.raises(CheckpointError, match=r"holds a Pair.*model="):
        nn.load(tmp_path / "pair.json")
    target = Pair()
    nn.load(tmp_path / "pair.json", model=target)
    assert weights(target) == weights(pair)


def test_save_needs_a_module(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="Module"):
        nn.save({"w": 1.0}, tmp_path / "x.json")  # type: ignore[arg-type]
    assert not (tmp_path / "x.json").exists()


def test_checkpoint_error_is_a_value_error() -> None:
    assert issubclass(CheckpointError, ValueError)


# --- broken files: each gets an error naming what is wrong -----------------------------


def test_truncated_file(saved: tuple[MLP, Path]) -> None:
    _, path = saved
    raw = path.read_bytes()
    for cut in (len(raw) // 2, len(raw) - 3, 10):
        path.write_bytes(raw[:cut])
        with pytest.raises(CheckpointError, match="truncated or corrupted"):
            nn.load(path)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_bytes(b"")
    with pytest.raises(CheckpointError, match="is empty"):
        nn.load(tmp_path / "empty.json")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\xff\xfe", r"not a chainrule checkpoint.*with b'\\x89PNG"),
        (b'{"format": "\xff\xfe"}', "not UTF-8"),
        (b"hello, I am not JSON", "not a chainrule checkpoint.*starts with 'hello, I am not JSON'"),
        (b"  # notes\nlearning rate 0.1\n", "not a chainrule checkpoint.*JSON object starting"),
        (b"{hello, I am not JSON", "not valid JSON"),
        (b"[1, 2, 3]", r"not a chainrule checkpoint.*starts with '\[1, 2, 3\]'"),
        (b'"chainrule-checkpoint"', "not a chainrule checkpoint"),
        (b"{" * 100_000, "nests too deeply|not valid JSON"),
        (b'{"a": ' * 100_000, "nests too deeply|not valid JSON"),
    ],
)
def test_garbage(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "garbage.json"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=words):
        nn.load(path)


def test_a_pickle_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self) -> tuple[Any, tuple[str, str]]:
            return (open, (str(marker), "w"))

    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(CheckpointError):
        nn.load(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.__setitem__("format", "keras-h5"), "format tag 'keras-h5'"),
        (lambda d: d.pop("format"), "format tag None"),
        (lambda d: d.__setitem__("version", 3), "version 3 is not supported.*newer"),
        (lambda d: d.__setitem__("version", 0), "version 0 is not supported"),
        (lambda d: d.__setitem__("version", "1"), "version must be an int"),
        (lambda d: d.__setitem__("version", True), "version must be an int"),
        (lambda d: d.pop("model"), '"model" must be'),
        (lambda d: d["model"].__setitem__("class", 3), '"model" must be'),
        (lambda d: d["model"].__setitem__("config", [2, [4, 1]]), '"model" must be'),
        (lambda d: d["model"].__setitem__("class", "Transformer"), "holds a Transformer"),
        (lambda d: d.pop("state_dict"), '"state_dict" must map'),
        (lambda d: d.__setitem__("state_dict", [0.1, 0.2]), '"state_dict" must map.*list'),
    ],
)
def test_wrong_header(saved: tuple[MLP, Path], change: Any, words: str) -> None:
    _, path = saved
    rewrite(path, change)
    with pytest.raises(CheckpointError, match=words):
        nn.load(path)


def set_state(value: Any) -> Any:
    """A change that sets the first state-dict entry to ``value``."""
    return lambda d: d["state_dict"].__setitem__(next(iter(d["state_dict"])), value)


def set_config(key: str, value: Any) -> Any:
    return lambda d: d["model"]["config"].__setitem__(key, value)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            set_state("0.5"),
            r"state_dict\['layers\[0\]\.neurons\[0\]\.w\[0\]'\] must be a number, got str",
        ),
        (set_state(None), "must be a number, got NoneType"),
        (set_state(True), "must be a number, got bool"),
        (set_state([0.5]), "must be a number, got list"),
        (set_config("nin", "2"), "bad MLP config value nin='2'"),
        (set_config("nouts", [4, 0, 1]), "bad MLP config value nouts"),
        (set_config("activation", "gelu"), "activation='gelu'"),
        (set_config("dropout", 1.5), "dropout=1.5"),
        (set_config("bias", False), "needs the keys"),
        (lambda d: d["model"]["config"].pop("dropout"), "needs the keys"),
    ],
)
def test_wrong_types_and_values(saved: tuple[MLP, Path], change: Any, words: str) -> None:
    _, path = saved
    rewrite(path, change)
    with pytest.raises(CheckpointError, match=words):
        nn.load(path)


def test_config_that_does_not_match_its_own_state_dict(saved: tuple[MLP, Path]) -> None:
    _, path = saved
    rewrite(path, lambda d: d["model"]["config"].__setitem__("nouts", [5, 3, 1]))
    with pytest.raises(CheckpointError, match=r"describes a MLP with 37 parameters.*holds 31"):
        nn.load(path)


def test_a_huge_width_is_refused_before_building_anything(saved: tuple[MLP, Path]) -> None:
    _, path = saved
    rewrite(path, lambda d: d["model"]["config"].__setitem__("nin", 10**12))
    with pytest.raises(CheckpointError, match="parameters"):
        nn.load(path)  # must not try to allocate a model with 10^12 weights


def test_renamed_parameter_is_named_in_the_error(saved: tuple[MLP, Path]) -> None:
    _, path = saved

    def rename(d: dict[str, Any]) -> None:
        state = d["state_dict"]
        state["layers[9].neurons[0].b"] = state.pop("layers[2].neurons[0].b")

    rewrite(path, rename)
    with pytest.raises(
        CheckpointError,
        match=r"missing keys: layers\[2\]\.neurons\[0\]\.b.*"
        r"unexpected keys: layers\[9\]\.neurons\[0\]\.b",
    ):
        nn.load(path)


@pytest.mark.parametrize(
    ("other", "words"),
    [
        (
            lambda: MLP(2, [5, 3, 1], activation="tanh"),
            r"nouts: checkpoint \[4, 3, 1\], model \[5, 3, 1\]",
        ),
        (lambda: MLP(3, [4, 3, 1], activation="tanh"), "nin: checkpoint 2, model 3"),
        (lambda: MLP(2, [4, 3, 1]), "activation: checkpoint 'tanh', model 'relu'"),
        (lambda: Layer(2, 4), "holds a MLP, but the model is Layer"),
    ],
)
def test_other_architecture(saved: tuple[MLP, Path], other: Any, words: str) -> None:
    _, path = saved
    model = other()
    before = weights(model)
    with pytest.raises(CheckpointError, match=words):
        nn.load(path, model=model)
    assert weights(model) == before  # nothing half-loaded


def test_other_shape_via_load_state_dict(saved: tuple[MLP, Path]) -> None:
    model, _ = saved
    with pytest.raises(ValueError, match=r"has 17 parameters, the state dict has 31 entries"):
        MLP(2, [4, 1]).load_state_dict(model.state_dict())


def test_missing_file_is_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.json")


# --- atomic writes -------------------------------------------------------------------------


def only_file(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_a_failed_serialisation_leaves_the_old_file_and_no_temp_file(
    saved: tuple[MLP, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, path = saved
    good = path.read_bytes()

    def broken_dumps(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("simulated crash while serialising")

    monkeypatch.setattr(json, "dumps", broken_dumps)
    with pytest.raises(RuntimeError, match="simulated"):
        nn.save(MLP(2, [4, 3, 1]), path)
    assert path.read_bytes() == good
    assert only_file(path.parent) == ["model.json"]
    monkeypatch.undo()
    assert weights(nn.load(path)) == weights(model)


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_a_crash_mid_write_leaves_the_old_file_and_no_temp_file(
    saved: tuple[MLP, Path], monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    model, path = saved
    good = path.read_bytes()

    def crash(fd: int) -> None:
        raise failure

    monkeypatch.setattr(os, "fsync", crash)  # after the bytes went out
    with pytest.raises(type(failure)):
        nn.save(MLP(5, [7, 1]), path)
    assert path.read_bytes() == good
    assert only_file(path.parent) == ["model.json"]
    monkeypatch.undo()
    assert weights(nn.load(path)) == weights(model)


def test_a_failed_rename_leaves_the_old_file_and_no_temp_file(
    saved: tuple[MLP, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, path = saved
    good = path.read_bytes()
    renames: list[tuple[str, str]] = []

    def failing_replace(src: Any, dst: Any) -> None:
        renames.append((str(src), str(dst)))
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        nn.save(MLP(2, [2, 1]), path)
    assert path.read_bytes() == good
    assert only_file(path.parent) == ["model.json"]
    # The temporary file was complete, in the same directory, and not the target.
    ((src, dst),) = renames
    assert Path(src).parent == Path(dst).parent == path.parent
    assert Path(src) != path


def test_save_replaces_an_old_file_and_leaves_only_it(saved: tuple[MLP, Path]) -> None:
    _, path = saved
    new = MLP(3, [2, 1])
    nn.save(new, path)
    assert only_file(path.parent) == ["model.json"]
    assert weights(nn.load(path)) == weights(new)


def test_saved_file_has_ordinary_permissions(tmp_path: Path) -> None:
    nn.save(MLP(1, [1]), tmp_path / "a.json")
    (tmp_path / "b.json").write_text("{}")  # made the usual way, by open()
    assert os.stat(tmp_path / "a.json").st_mode == os.stat(tmp_path / "b.json").st_mode
