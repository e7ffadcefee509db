"""The byte level of checkpoints: atomic writes, guarded reads, strict JSON.

Writing (:func:`write_atomically`)
    The bytes go to a hidden temporary file next to the target,
    ``.<name>.<8 hex digits>.tmp``, which is flushed, fsynced and renamed
    over the target (``os.replace`` is atomic within a file system), so a
    reader sees the old checkpoint or the new one, never half of one.

    * A symlink is written *through*: its target gets the new contents and
      the link stays a link (as ``open(path, "w")`` would do).
    * An existing checkpoint keeps its permission bits (a ``0600`` file
      stays ``0600``); a new one gets the usual ``0666`` minus the umask.
    * A process killed mid-write leaves its temporary file behind. The
      next save of the same checkpoint removes such leftovers. To tell a
      leftover from the temporary file of a save still running in another
      process, every writer holds an exclusive ``flock`` on its temporary
      file until the rename; a lock nobody holds means its writer is gone.
      (Without ``fcntl``, on Windows, leftovers are left alone.)

Reading (:func:`read_checkpoint_bytes`)
    Only a regular file is read, never a FIFO, a device such as
    ``/dev/zero`` or a directory, and at most ``max_bytes`` of it: parsing
    a checkpoint takes several times its size in memory.

Parsing (:func:`parse_strict_json`)
    Stricter than ``json.loads``: a key given twice in one object, the
    tokens ``NaN``, ``Infinity`` and ``-Infinity``, a number out of float
    range (``1e999``) and an integer of more than 309 digits are refused,
    and the document must be a JSON object.

Every refusal raises :class:`Refused` whose message completes the sentence
"<file name> ...", for the caller to add the file name.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import secrets
import stat
import sys
from pathlib import Path
from typing import Any

if sys.platform != "win32":
    import fcntl


class Refused(Exception):
    """Bytes that are not a checkpoint; the message says why, after the file name."""


# --- writing -----------------------------------------------------------------------


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file at ``path`` (or a symlink's target) with ``data``."""
    target = _resolve_target(path)
    folder = target.parent
    mode = _existing_mode(target)
    _remove_leftovers(target)
    fd, temp = _create_locked_temp(target)
    try:
        try:
            if mode is not None:
                _set_mode(fd, temp, mode)
            with os.fdopen(os.dup(fd), "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    finally:
        os.close(fd)  # releases the lock, after the rename
    _fsync_directory(folder)


def _resolve_target(path: Path) -> Path:
    """The file a write to ``path`` lands in: through symlinks, into an existing folder."""
    target = Path(os.path.realpath(path))
    if target.is_symlink():  # realpath stops at a symlink loop
        raise OSError(errno.ELOOP, f"cannot save to {path}: its symlinks form a loop")
    folder = target.parent
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise FileNotFoundError(
            errno.ENOENT,
            f"cannot save to {path}: the folder {folder} {why}; "
            "create it first, e.g. with os.makedirs(folder, exist_ok=True)",
        )
    if target.is_dir():
        raise IsADirectoryError(
            errno.EISDIR, f"cannot save to {path}: it is a folder; give a file name inside it"
        )
    return target


def _existing_mode(target: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return None


def _set_mode(fd: int, temp: Path, mode: int) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # pragma: no cover - Windows before Python 3.13
        os.chmod(temp, mode)


def _temp_name(target: Path, tag: str) -> str:
    return f".{target.name}.{tag}.tmp"


def _create_locked_temp(target: Path) -> tuple[int, Path]:
    """Create and lock a fresh temporary file; return its descriptor and path."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = target.parent / _temp_name(target, secrets.token_hex(4))
        try:
            fd = os.open(temp, flags, 0o666)  # the usual umask applies, as for open()
        except PermissionError as error:
            raise PermissionError(
                error.errno,
                f"cannot save to {target}: no permission to create a file in {target.parent} "
                "(nn.save writes a temporary file there and renames it over the target)",
            ) from None
        if sys.platform == "win32":
            return fd, temp
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks: leftovers then stay too
            return fd, temp
        # Another save's cleanup may have taken the file for a leftover in the
        # moment between creating and locking it; then it is unlinked: retry.
        if os.fstat(fd).st_nlink > 0:
            return fd, temp
        os.close(fd)


def _remove_leftovers(target: Path) -> None:
    """Delete temporary files of this checkpoint whose writer has died."""
    if sys.platform == "win32":
        return
    pattern = re.compile(re.escape(_temp_name(target, "@")).replace("@", "[0-9a-f]{8}") + r"\Z")
    try:
        names = [name for name in os.listdir(target.parent) if pattern.match(name)]
    except OSError:
        return
    for name in names:
        leftover = target.parent / name
        with contextlib.suppress(OSError):
            fd = os.open(leftover, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while a writer lives
                if os.path.samestat(os.fstat(fd), os.lstat(leftover)):
                    os.unlink(leftover)
            finally:
                os.close(fd)


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


# --- reading -------------------------------------------------------------------------


def read_checkpoint_bytes(path: Path, max_bytes: int | None) -> bytes:
    """The bytes of the regular file at ``path``, refusing anything else or more."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer (regular files ignore it).
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(
                f"is {_kind(info.st_mode)}, not a regular file; "
                "a checkpoint is a file written by nn.save"
            )
        if max_bytes is not None and info.st_size > max_bytes:
            raise Refused(_too_big(info.st_size, max_bytes))
        with os.fdopen(os.dup(fd), "rb") as file:
            raw = file.read() if max_bytes is None else file.read(max_bytes + 1)
    finally:
        os.close(fd)
    if max_bytes is not None and len(raw) > max_bytes:  # it grew while we read
        raise Refused(_too_big(len(raw), max_bytes))
    return raw


def _too_big(size: int, max_bytes: int) -> str:
    return (
        f"is {size:,} bytes, over the limit of max_bytes={max_bytes:,} for loading "
        "(parsing takes several times a file's size in memory); if you trust the file, "
        "pass a larger max_bytes, or max_bytes=None for no limit"
    )


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


# --- parsing ----------------------------------------------------------------------------


def parse_strict_json(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw``, refusing what a checkpoint never holds."""
    if not raw.strip():
        raise Refused("is empty, not a chainrule checkpoint")
    if not raw.lstrip().startswith(b"{"):
        head = raw.lstrip()[:20]
        try:
            start: object = head.decode("utf-8")
        except UnicodeDecodeError:
            start = head  # binary: show the bytes
        raise Refused(
            "is not a chainrule checkpoint: a checkpoint is a JSON object "
            f"starting with '{{', this file starts with {start!r}"
        )
    try:
        document = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constants,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except UnicodeDecodeError:
        raise Refused("is not UTF-8 text; the file is corrupted") from None
    except json.JSONDecodeError as error:
        raise Refused(
            f"is not valid JSON ({error.msg} at line {error.lineno} column "
            f"{error.colno}); the file is truncated or corrupted"
        ) from None
    except RecursionError:
        raise Refused("nests too deeply to be a checkpoint") from None
    if not isinstance(document, dict):
        raise Refused(
            "is not a chainrule checkpoint: it holds a JSON "
            f"{type(document).__name__}, not an object"
        )
    return document


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise Refused(
                f"is not a valid checkpoint: the key {key!r:.80} appears twice in one object "
                "(JSON readers disagree on which one counts)"
            )
        document[key] = value
    return document


def _no_constants(token: str) -> Any:
    raise Refused(
        f"is not a valid checkpoint: it holds the token {token}, which is not JSON "
        '(a checkpoint writes non-finite numbers as the strings "nan", "inf" and "-inf")'
    )


def _finite_float(token: str) -> float:
    x = float(token)
    if math.isinf(x):
        raise Refused(f"is not a valid checkpoint: the number {token:.40} is out of float range")
    return x


def _bounded_int(token: str) -> int:
    digits = len(token.lstrip("-"))
    if digits > 309:  # 10**309 exceeds every float; no width or version is that long
        raise Refused(
            f"is not a valid checkpoint: it holds an integer of {digits} digits "
            f"({token[:12]}...), out of float range"
        )
    return int(token)
