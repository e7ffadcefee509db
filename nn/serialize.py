"""Save and load models as JSON checkpoints.

A checkpoint is plain JSON, never pickle: loading one only parses data and
can never run code. It holds

* ``"format"``: the tag ``"chainrule-checkpoint"``, and ``"version"``: 2;
* ``"model"``: the class name and the config that rebuilds it, e.g.
  ``{"class": "MLP", "config": {"nin": 2, "nouts": [16, 16, 1], ...}}``
  (config is null for a Module we cannot rebuild by itself);
* ``"state_dict"``: every parameter's number, keyed by its name;
* ``"checksum"``: ``"sha256:"`` and the hex SHA-256 digest of the bytes
  of ``json.dumps([model, names], sort_keys=True, separators=(",", ":"))``
  (``model`` the entry above, ``names`` the state dict's keys in file
  order), a newline, and then each parameter's number as an IEEE-754
  double, 8 bytes little-endian, in the same order (every nan as the
  quiet nan ``0x7ff8000000000000``). It is computed over the exact floats,
  not the text, so it catches any changed weight however it is written.

Numbers round-trip exactly: ``json`` writes a float with ``repr``, the
shortest text that reads back as the same float. JSON has no inf or nan,
so those are written as the strings ``"inf"``, ``"-inf"`` and ``"nan"``.

``load`` is strict: a checksum that does not match, a key given twice,
the non-standard tokens ``NaN``, ``Infinity`` and ``-Infinity``, and a
number out of float range (``1e999``) are refused. Version 1 files, which
have no checksum, still load, with a :class:`CheckpointWarning`. A file
over ``max_bytes`` (:data:`MAX_BYTES`, 64 MiB, about a million parameters,
by default) and anything but a regular file are refused before reading.

``save`` writes a temporary file next to the target, flushes and fsyncs
it, and only then renames it over the target (``os.replace`` is atomic),
so a crash leaves either the old checkpoint or the new one, never half of
one (details in :mod:`nn._checkpoint_io`). Every way a file can be
wrong raises :class:`CheckpointError` naming the file and what is wrong;
a file that cannot be opened at all raises the usual ``OSError``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import struct
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeAlias, TypeVar, overload

from engine import Value
from nn._checkpoint_io import Refused, parse_strict_json, read_checkpoint_bytes, write_atomically
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron
from nn.module import Module

FORMAT = "chainrule-checkpoint"
VERSION = 2
OLDEST_VERSION = 1  # before checksums
MAX_BYTES = 64 * 2**20  # load()'s default size limit

PathLike: TypeAlias = "str | os.PathLike[str]"

# Non-finite floats, which JSON cannot hold, as strings.
_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}

# Config keys that change no weight; loading into a model may differ in them.
_WEIGHTLESS_KEYS = {"dropout"}


class CheckpointError(ValueError):
    """A checkpoint file that is not readable as this model."""


class CheckpointWarning(UserWarning):
    """A checkpoint that loads, but with less protection than a current one."""


# --- saving ------------------------------------------------------------------


def save(model: Module, path: PathLike) -> None:
    """Write ``model``'s architecture and weights to ``path`` as JSON, atomically.

    A symlink is written through to its target; an existing file keeps its
    permissions. The folder must exist.
    """
    if not isinstance(model, Module):
        raise TypeError(f"save() takes a Module, got {type(model).__name__}")
    info = {"class": type(model).__name__, "config": _config(model)}
    state = model.state_dict()
    document = {
        "format": FORMAT,
        "version": VERSION,
        "model": info,
        "state_dict": {name: _encode(x) for name, x in state.items()},
        "checksum": _checksum(info, state),
    }
    # Serialise before touching the disk: an error here leaves no trace.
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    write_atomically(Path(path), text.encode("utf-8"))


def _checksum(info: Mapping[str, Any], state: Mapping[str, float]) -> str:
    """The ``"checksum"`` entry, as the module docstring defines it."""
    digest = hashlib.sha256()
    header = json.dumps([info, list(state)], sort_keys=True, separators=(",", ":"))
    digest.update(header.encode("ascii") + b"\n")
    numbers = [math.nan if math.isnan(x) else x for x in state.values()]
    digest.update(struct.pack(f"<{len(numbers)}d", *numbers))
    return "sha256:" + digest.hexdigest()


def _config(model: Module) -> dict[str, Any] | None:
    # Exact classes only: a subclass may take other constructor arguments.
    # (isinstance as well, so the type checker knows config() exists.)
    if type(model) in (MLP, Layer, Neuron) and isinstance(model, (MLP, Layer, Neuron)):
        return model.config()
    return None


def _encode(x: float) -> float | str:
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


# --- loading -------------------------------------------------------------------


ModuleT = TypeVar("ModuleT", bound=Module)


@overload
def load(path: PathLike, model: None = None, *, max_bytes: int | None = MAX_BYTES) -> Module: ...
@overload
def load(path: PathLike, model: ModuleT, *, max_bytes: int | None = MAX_BYTES) -> ModuleT: ...


def load(
    path: PathLike, model: Module | None = None, *, max_bytes: int | None = MAX_BYTES
) -> Module:
    """Read a checkpoint written by :func:`save`.

    With ``model=None`` the model is rebuilt from the stored config (MLP,
    Layer or Neuron). Given a model, its weights are replaced instead,
    after checking that the checkpoint holds the same architecture; on any
    error the model is left as it was.
    Raises :class:`CheckpointError`, naming the file, for a file that is
    not a regular file, larger than ``max_bytes`` (``None``: no limit),
    truncated, not JSON, not a chainrule checkpoint, of another version,
    changed since it was saved (checksum), holds values of the wrong type,
    or does not fit the model. A file that cannot be opened raises the
    usual ``OSError`` (``FileNotFoundError``, ``PermissionError``).
    """
    if max_bytes is not None and (
        not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1
    ):
        raise ValueError(f"max_bytes must be an int >= 1 or None, got {max_bytes!r}")
    where = str(path)
    try:
        document = parse_strict_json(read_checkpoint_bytes(Path(path), max_bytes))
    except Refused as error:
        raise CheckpointError(f"{where} {error}") from None
    info = _check_header(document, where)
    state = _decode_state(document.get("state_dict"), where)
    _check_checksum(document, info, state, where)
    if model is None:
        model = _rebuild(info, len(state), where)
    else:
        _check_architecture(model, info, where)
    try:
        model.load_state_dict(state)
    except ValueError as error:
        raise CheckpointError(f"{where}: {error}") from None
    return model


def _check_header(document: dict[str, Any], where: str) -> dict[str, Any]:
    """Check the format tag and version; return the ``"model"`` entry."""
    tag = document.get("format")
    if tag != FORMAT:
        raise CheckpointError(
            f"{where} is not a chainrule checkpoint: format tag {tag!r:.80}, expected {FORMAT!r}"
        )
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CheckpointError(f"{where}: version must be an int, got {version!r:.80}")
    if not OLDEST_VERSION <= version <= VERSION:
        newer = " (written by a newer chainrule?)" if version > VERSION else ""
        raise CheckpointError(
            f"{where}: checkpoint format version {version} is not supported{newer}; "
            f"this chainrule reads versions {OLDEST_VERSION} to {VERSION}"
        )
    info = document.get("model")
    if (
        not isinstance(info, dict)
        or not isinstance(info.get("class"), str)
        or "config" not in info
        or not isinstance(info["config"], (dict, type(None)))
    ):
        raise CheckpointError(
            f'{where}: "model" must be {{"class": <name>, "config": <object or null>}}, '
            f"got {info!r:.80}"
        )
    return info


def _decode_state(entries: Any, where: str) -> dict[str, float]:
    if not isinstance(entries, dict):
        raise CheckpointError(
            f'{where}: "state_dict" must map parameter names to numbers, '
            f"got {type(entries).__name__}"
        )
    state: dict[str, float] = {}
    for name, x in entries.items():
        if isinstance(x, str) and x in _NON_FINITE:
            state[name] = _NON_FINITE[x]
        elif isinstance(x, (int, float)) and not isinstance(x, bool):
            try:
                state[name] = float(x)
            except OverflowError:  # an int token of up to 309 digits
                raise CheckpointError(
                    f"{where}: state_dict[{name!r}] is {str(x)[:12]}... ({len(str(x))} "
                    "digits), out of float range"
                ) from None
        else:
            raise CheckpointError(
                f"{where}: state_dict[{name!r}] must be a number, got {type(x).__name__} {x!r:.40}"
            )
    return state


def _check_checksum(
    document: dict[str, Any], info: dict[str, Any], state: dict[str, float], where: str
) -> None:
    recorded = document.get("checksum")
    if recorded is None and document["version"] == OLDEST_VERSION:
        warnings.warn(
            f"{where} is a version {OLDEST_VERSION} checkpoint, which has no checksum, so "
            "a corrupted weight would go unnoticed; save it again with nn.save to add one",
            CheckpointWarning,
            stacklevel=3,
        )
        return
    if not isinstance(recorded, str):
        raise CheckpointError(
            f'{where}: "checksum" must be a string "sha256:<hex digest>", got {recorded!r:.80}'
        )
    actual = _checksum(info, state)
    if recorded != actual:
        raise CheckpointError(
            f"{where}: checksum mismatch: the file records {recorded:.80}, its contents "
            f"give {actual}; the file was changed or corrupted after nn.save wrote it. "
            "Restore it from a copy (to change weights on purpose, load, set p.data and save)"
        )


# --- architectures -----------------------------------------------------------------

# Per class: the config keys with a check for each, and the parameter count
# the config implies (checked against the state dict *before* building, so
# a corrupted width cannot make us allocate a huge model).


def _width(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 1


def _activation(x: Any) -> bool:
    return isinstance(x, str) and x in ACTIVATIONS


def _probability(x: Any) -> bool:
    return not isinstance(x, bool) and isinstance(x, (int, float)) and 0.0 <= x <= 1.0


def _widths(x: Any) -> bool:
    return isinstance(x, list) and bool(x) and all(_width(n) for n in x)


_SCHEMAS: dict[str, dict[str, Callable[[Any], bool]]] = {
    "MLP": {"nin": _width, "nouts": _widths, "activation": _activation, "dropout": _probability},
    "Layer": {"nin": _width, "nout": _width, "activation": _activation},
    "Neuron": {"nin": _width, "activation": _activation},
}


def _count(kind: str, config: dict[str, Any]) -> int:
    if kind == "MLP":
        sizes = [config["nin"], *config["nouts"]]
        return sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    if kind == "Layer":
        return int((config["nin"] + 1) * config["nout"])
    return int(config["nin"] + 1)


def _leave_zeros(weights: list[list[Value]]) -> None:
    """An ``init`` that draws nothing: load() overwrites every weight anyway."""


def _rebuild(info: dict[str, Any], n_state: int, where: str) -> Module:
    kind, config = info["class"], info["config"]
    if kind not in _SCHEMAS or config is None:
        raise CheckpointError(
            f"{where} holds a {kind}, which nn.load cannot rebuild by itself; "
            f"build one and pass it: nn.load(path, model=...)"
        )
    _check_config(kind, config, where)
    expected = _count(kind, config)
    if expected != n_state:
        raise CheckpointError(
            f"{where}: its config describes a {kind} with {expected} parameters, "
            f"but its state_dict holds {n_state}"
        )
    if kind == "MLP":
        return MLP(**config, init=_leave_zeros)
    if kind == "Layer":
        return Layer(
            config["nin"], config["nout"], init=_leave_zeros, activation=config["activation"]
        )
    weights = [Value(0.0) for _ in range(config["nin"])]
    return Neuron.with_weights(weights, activation=config["activation"])


def _check_config(kind: str, config: dict[str, Any], where: str) -> None:
    schema = _SCHEMAS[kind]
    if set(config) != set(schema):
        raise CheckpointError(
            f"{where}: a {kind} config needs the keys {sorted(schema)}, got {sorted(config)}"
        )
    for key, valid in schema.items():
        if not valid(config[key]):
            raise CheckpointError(f"{where}: bad {kind} config value {key}={config[key]!r}")


def _check_architecture(model: Module, info: dict[str, Any], where: str) -> None:
    """Loading into an existing model: the stored architecture must match it."""
    kind, config = info["class"], info["config"]
    if type(model).__name__ != kind:
        raise CheckpointError(f"{where} holds a {kind}, but the model is {model!r}")
    ours = _config(model)
    if ours is None or config is None:
        return  # nothing to compare beyond the state dict's names
    differ = [
        f"{key}: checkpoint {config.get(key)!r}, model {ours.get(key)!r}"
        for key in sorted(set(ours) | set(config))
        if key not in _WEIGHTLESS_KEYS and config.get(key) != ours.get(key)
    ]
    if differ:
        raise CheckpointError(
            f"{where} holds another architecture than {model!r}: {'; '.join(differ)}"
        )


__all__ = [
    "FORMAT",
    "MAX_BYTES",
    "VERSION",
    "CheckpointError",
    "CheckpointWarning",
    "load",
    "save",
]
