"""Save and load models as JSON checkpoints.

A checkpoint is plain JSON, never pickle: loading one only parses data and
can never run code. It holds

* ``"format"``: the tag ``"chainrule-checkpoint"``, and ``"version"``: 1;
* ``"model"``: the class name and the config that rebuilds it, e.g.
  ``{"class": "MLP", "config": {"nin": 2, "nouts": [16, 16, 1], ...}}``
  (config is null for a Module we cannot rebuild by itself);
* ``"state_dict"``: every parameter's number, keyed by its name.

Numbers round-trip exactly: ``json`` writes a float with ``repr``, the
shortest text that reads back as the same float. JSON has no inf or nan,
so those are written as the strings ``"inf"``, ``"-inf"`` and ``"nan"``.

``save`` writes a temporary file next to the target, flushes and fsyncs
it, and only then renames it over the target (``os.replace`` is atomic),
so a crash leaves either the old checkpoint or the new one, never half of
one. Every way a file can be wrong raises :class:`CheckpointError` naming
what is wrong.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias, TypeVar, overload

from engine import Value
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron
from nn.module import Module

FORMAT = "chainrule-checkpoint"
VERSION = 1

PathLike: TypeAlias = "str | os.PathLike[str]"

# Non-finite floats, which JSON cannot hold, as strings.
_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}

# Config keys that change no weight; loading into a model may differ in them.
_WEIGHTLESS_KEYS = {"dropout"}


class CheckpointError(ValueError):
    """A checkpoint file that is not readable as this model."""


# --- saving ------------------------------------------------------------------


def save(model: Module, path: PathLike) -> None:
    """Write ``model``'s architecture and weights to ``path`` as JSON, atomically."""
    if not isinstance(model, Module):
        raise TypeError(f"save() takes a Module, got {type(model).__name__}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "model": {"class": type(model).__name__, "config": _config(model)},
        "state_dict": {name: _encode(x) for name, x in model.state_dict().items()},
    }
    # Serialise before touching the disk: an error here leaves no trace.
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    _write_atomically(Path(path), text.encode("utf-8"))


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


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that no reader ever sees half of it."""
    # Same directory as the target: os.replace is atomic only within a file system.
    temp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, 0o666)  # the usual umask applies, as for open()
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; elsewhere a no-op)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- loading -------------------------------------------------------------------


ModuleT = TypeVar("ModuleT", bound=Module)


@overload
def load(path: PathLike, model: None = None) -> Module: ...
@overload
def load(path: PathLike, model: ModuleT) -> ModuleT: ...


def load(path: PathLike, model: Module | None = None) -> Module:
    """Read a checkpoint written by :func:`save`.

    With ``model=None`` the model is rebuilt from the stored config (MLP,
    Layer or Neuron). Given a model, its weights are replaced instead,
    after checking that the checkpoint holds the same architecture.
    Raises :class:`CheckpointError` for a file that is truncated, not JSON,
    not a chainrule checkpoint, of another version, holds values of the
    wrong type, or does not fit the model.
    """
    where = str(path)
    document = _parse(Path(path).read_bytes(), where)
    info = _check_header(document, where)
    state = _decode_state(document.get("state_dict"), where)
    if model is None:
        model = _rebuild(info, len(state), where)
    else:
        _check_architecture(model, info, where)
    try:
        model.load_state_dict(state)
    except ValueError as error:
        raise CheckpointError(f"{where}: {error}") from None
    return model


def _parse(raw: bytes, where: str) -> dict[str, Any]:
    if not raw.strip():
        raise CheckpointError(f"{where} is empty, not a chainrule checkpoint")
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CheckpointError(f"{where} is not UTF-8 text; the file is corrupted") from None
    except json.JSONDecodeError as error:
        raise CheckpointError(
            f"{where} is not valid JSON ({error.msg} at line {error.lineno} column "
            f"{error.colno}); the file is truncated or corrupted"
        ) from None
    except RecursionError:
        raise CheckpointError(f"{where} nests too deeply to be a checkpoint") from None
    if not isinstance(document, dict):
        raise CheckpointError(
            f"{where} is not a chainrule checkpoint: it holds a JSON "
            f"{type(document).__name__}, not an object"
        )
    return document


def _check_header(document: dict[str, Any], where: str) -> dict[str, Any]:
    """Check the format tag and version; return the ``"model"`` entry."""
    tag = document.get("format")
    if tag != FORMAT:
        raise CheckpointError(
            f"{where} is not a chainrule checkpoint: format tag {tag!r}, expected {FORMAT!r}"
        )
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CheckpointError(f"{where}: version must be an int, got {version!r}")
    if version != VERSION:
        newer = " (written by a newer chainrule?)" if version > VERSION else ""
        raise CheckpointError(
            f"{where}: checkpoint format version {version} is not supported{newer}; "
            f"this chainrule reads version {VERSION}"
        )
    info = document.get("model")
    if (
        not isinstance(info, dict)
        or not isinstance(info.get("class"), str)
        or not isinstance(info.get("config"), (dict, type(None)))
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
            state[name] = float(x)
        else:
            raise CheckpointError(
                f"{where}: state_dict[{name!r}] must be a number, got {type(x).__name__} {x!r:.40}"
            )
    return state


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


__all__ = ["FORMAT", "VERSION", "CheckpointError", "load", "save"]
