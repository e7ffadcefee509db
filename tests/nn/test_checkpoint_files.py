"""The file side of checkpoints: folders, modes, symlinks, leftovers, what load reads."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import nn
from nn import MLP, CheckpointError, Module
from nn.serialize import MAX_BYTES

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file system features")


def weights(model: Module) -> list[float]:
    return [p.data for p in model.parameters()]


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- where save writes -------------------------------------------------------------------


def test_saving_into_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "today"
    with pytest.raises(FileNotFoundError) as info:
        nn.save(MLP(2, [1]), folder / "model.json")
    message = str(info.value)
    assert f"the folder {folder} does not exist" in message
    assert "os.makedirs" in message
    assert ".tmp" not in message
    assert not (tmp_path / "runs").exists()


def test_saving_below_a_file_says_it_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("a file, not a folder")
    with pytest.raises(FileNotFoundError, match="notes is not a folder"):
        nn.save(MLP(2, [1]), tmp_path / "notes" / "model.json")


def test_saving_onto_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.json").mkdir()
    with pytest.raises(IsADirectoryError, match="it is a folder; give a file name"):
        nn.save(MLP(2, [1]), tmp_path / "model.json")
    assert names(tmp_path) == ["model.json"]


def test_a_folder_without_write_permission_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def refusing_open(path: Any, flags: int, *args: Any) -> int:
        if flags & os.O_CREAT:  # what a read-only folder does (root would not see it)
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(PermissionError, match=f"no permission to create a file in {tmp_path}"):
        nn.save(MLP(2, [1]), tmp_path / "model.json")
    assert names(tmp_path) == []


@posix_only
def test_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path: Path) -> None:
    path = tmp_path / "secret.json"
    nn.save(MLP(2, [1]), path)
    for mode in (0o600, 0o640, 0o444):
        os.chmod(path, mode)
        nn.save(MLP(2, [3, 1]), path)
        assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert names(tmp_path) == ["secret.json"]


@posix_only
def test_save_writes_through_a_symlink_to_its_target(tmp_path: Path) -> None:
    real = tmp_path / "store"
    real.mkdir()
    target = real / "model-v3.json"
    nn.save(MLP(2, [1]), target)
    link = tmp_path / "latest.json"
    link.symlink_to(os.path.relpath(target, tmp_path))
    model = MLP(2, [4, 1])
    nn.save(model, link)
    assert link.is_symlink()
    assert os.readlink(link) == os.path.relpath(target, tmp_path)
    assert weights(nn.load(target)) == weights(model)
    assert weights(nn.load(link)) == weights(model)
    assert names(tmp_path) == ["latest.json", "store"]
    assert names(real) == ["model-v3.json"]


@posix_only
def test_save_through_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "latest.json"
    link.symlink_to("model-v4.json")
    nn.save(MLP(2, [1]), link)
    assert link.is_symlink()
    assert (tmp_path / "model-v4.json").is_file()


@posix_only
def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").symlink_to("b.json")
    (tmp_path / "b.json").symlink_to("a.json")
    with pytest.raises(OSError, match="symlinks form a loop"):
        nn.save(MLP(2, [1]), tmp_path / "a.json")
    assert (tmp_path / "a.json").is_symlink()


# --- leftovers of a killed save --------------------------------------------------------------

KILLED_SAVE = """
import os, signal, sys
import nn
def die(fd):  # the bytes are written; the process dies before the rename
    os.kill(os.getpid(), signal.SIGKILL)
os.fsync = die
nn.save(nn.MLP(2, [3, 1]), sys.argv[1])
"""


@posix_only
def test_the_next_save_removes_the_temp_file_of_a_killed_save(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    nn.save(MLP(2, [1]), path)
    other = tmp_path / ".other.json.0123abcd.tmp"  # another checkpoint's: left alone
    other.write_text("{}")
    seen = []
    for _ in range(2):  # each killed save removes the leftover of the one before
        done = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(path)], check=False)
        assert done.returncode == -signal.SIGKILL
        (leftover,) = [n for n in names(tmp_path) if n.startswith(".model.json.")]
        assert leftover.endswith(".tmp")
        seen.append(leftover)
    assert seen[0] != seen[1]
    model = MLP(2, [5, 1])
    nn.save(model, path)
    assert names(tmp_path) == [".other.json.0123abcd.tmp", "model.json"]
    assert weights(nn.load(path)) == weights(model)


@posix_only
def test_the_temp_file_of_a_save_still_running_is_left_alone(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / "model.json"
    running = tmp_path / ".model.json.00ff00ff.tmp"
    fd = os.open(running, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # what a live writer holds until its rename
        nn.save(MLP(2, [1]), path)
        assert running.exists()
    finally:
        os.close(fd)
    nn.save(MLP(2, [1]), path)  # its writer is gone now
    assert names(tmp_path) == ["model.json"]


# --- what load reads ----------------------------------------------------------------------


def test_load_refuses_a_file_over_max_bytes(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model = MLP(2, [4, 1])
    nn.save(model, path)
    size = path.stat().st_size
    with pytest.raises(CheckpointError, match=f"{size:,} bytes, over the limit of max_bytes=100"):
        nn.load(path, max_bytes=100)
    assert weights(nn.load(path, max_bytes=size)) == weights(model)
    assert weights(nn.load(path, max_bytes=None)) == weights(model)


def test_the_default_size_limit_is_64_mib_and_checked_before_reading(tmp_path: Path) -> None:
    assert MAX_BYTES == 64 * 2**20
    path = tmp_path / "huge.json"
    with path.open("wb") as file:
        file.truncate(MAX_BYTES + 1)  # sparse: takes no disk space
    with pytest.raises(CheckpointError, match=r"67,108,865 bytes.*max_bytes=None for no limit"):
        nn.load(path)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1000"])
def test_max_bytes_must_be_a_positive_int_or_none(tmp_path: Path, bad: object) -> None:
    with pytest.raises(ValueError, match="max_bytes must be an int >= 1 or None"):
        nn.load(tmp_path / "model.json", max_bytes=bad)  # type: ignore[call-overload]


def test_load_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="is a directory, not a regular file"):
        nn.load(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_load_refuses_a_device_instead_of_reading_it_forever() -> None:
    with pytest.raises(CheckpointError, match="/dev/zero is a character device"):
        nn.load("/dev/zero", max_bytes=None)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_load_refuses_a_fifo_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            nn.load(fifo)
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():  # stuck opening the pipe: release it, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join()
        pytest.fail("nn.load waited for a writer on a FIFO")
    (error,) = outcome
    assert isinstance(error, CheckpointError)
    assert "is a FIFO (named pipe), not a regular file" in str(error)
