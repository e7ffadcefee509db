"""The ``chainrule`` command line at its edges: where the expression comes
from, and what happens when standard output fails.

Standard input and ``--file`` obey the parser's limits and never read more
than ``MAX_INPUT_BYTES``; a closed pipe, a full disk, an encoding that
cannot show the text and Ctrl-C end the command with a conventional status
and no traceback.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import engine.cli.commands
from engine.cli.commands import main
from engine.cli.expr import MAX_DEPTH, MAX_LENGTH
from engine.cli.streams import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, MAX_INPUT_BYTES

ROOT = Path(__file__).resolve().parents[3]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    [line] = [line for line in err.splitlines() if line.startswith("chainrule: error: ")]
    assert err.startswith(line)
    return line


class CountingInput(io.RawIOBase):
    """An endless stream of one repeated text, counting what was read."""

    def __init__(self, text: bytes) -> None:
        self.text = text
        self.taken = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        for i in range(len(view)):
            view[i] = self.text[(self.taken + i) % len(self.text)]
        self.taken += len(view)
        return len(view)


def use_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def program(*argv: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), **kwargs.pop("env", {})}
    return subprocess.Popen([sys.executable, "-m", "engine.cli", *argv], env=env, **kwargs)


# --- the expression from standard input or a file -----------------------------------------


def test_expression_from_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_stdin(monkeypatch, b"\xef\xbb\xbfx * y + y\r\n")  # a byte-order mark and CRLF
    output = tmp_path / "g.dot"
    status, out, err = run(capsys, "draw", "-", "x=2", "y=3", "-o", str(output))
    assert (status, err) == (0, "")
    assert out.splitlines()[1].split() == ["x", "2", "3"]
    assert output.exists()
    use_stdin(monkeypatch, b"x * y")
    status, out, err = run(capsys, "draw", "--file", "-", "x=2", "y=3", "-o", str(output))
    assert (status, err) == (0, "")
    assert out.splitlines()[2].split() == ["y", "3", "2"]


def test_expression_from_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "expr.txt"
    source.write_text(" + ".join(["x * y"] * 300) + "\n", encoding="utf-8")
    status, out, err = run(capsys, "explain", "--file", str(source), "x=2", "y=3", "--wrt", "y")
    assert (status, err) == (0, "")
    assert "300 paths lead from y" in out
    assert "= 600.0, which is what" in out


@pytest.mark.parametrize("where", ["stdin", "file"])
def test_a_megabyte_is_refused_after_reading_a_bounded_prefix(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    where: str,
) -> None:
    endless = CountingInput(b"x+")
    if where == "stdin":
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(endless)))
        argv = ["draw", "-", "x=1", "-o", str(tmp_path / "g.dot")]
    else:
        big = tmp_path / "big.txt"
        big.write_bytes(b"x+" * 500_000 + b"x")  # 1 MB
        argv = ["draw", "--file", str(big), "x=1", "-o", str(tmp_path / "g.dot")]
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    line = one_error_line(err)
    assert "too long" in line
    assert f"the limit is {MAX_LENGTH:,} characters" in line
    if where == "stdin":  # the buffered reader reads ahead by at most one buffer
        assert endless.taken <= MAX_INPUT_BYTES + 1 + io.DEFAULT_BUFFER_SIZE


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"(" * (MAX_DEPTH + 1) + b"x" + b")" * (MAX_DEPTH + 1), "brackets"),
        (b"x" * (MAX_LENGTH + 1), "expression too long"),
        (b"x +\ny", "invalid character U+000A"),
        (b"x * \xff", "not UTF-8 text (byte 5 cannot be read)"),
    ],
    ids=["depth", "length", "two lines", "not utf-8"],
)
def test_the_parser_limits_apply_to_standard_input(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    data: bytes,
    message: str,
) -> None:
    use_stdin(monkeypatch, data)
    status, _, err = run(capsys, "draw", "-", "x=1", "y=1", "-o", str(tmp_path / "g.dot"))
    assert status == 2
    assert message in one_error_line(err)


def test_file_and_expression_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, "draw", "--file", str(tmp_path / "nope.txt"), "x=1", "-o", "g.svg")
    assert status == 2
    assert "cannot read" in one_error_line(err)
    assert "No such file" in err
    status, _, err = run(capsys, "draw", "-o", str(tmp_path / "g.svg"))
    assert status == 2
    assert "no expression given" in one_error_line(err)


# --- arguments ------------------------------------------------------------------------------


def test_double_negation_is_an_expression(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, "draw", "--x", "x=1", "-o", str(tmp_path / "g.dot"))
    assert (status, err) == (0, "")
    assert out.splitlines()[1].split() == ["x", "1", "1"]
    # a mistyped option is still reported as one, with a suggestion
    status, _, err = run(capsys, "draw", "--outptu", "g.svg", "x", "x=1", "-o", "g.svg")
    assert status == 2
    assert "unrecognized arguments: --outptu; did you mean '--output'?" in one_error_line(err)


def test_echoed_arguments_are_shortened(capsys: pytest.CaptureFixture[str]) -> None:
    huge = "a" * 100_000
    for argv in (
        ["draw", "x", f"x={huge}", "-o", "g.svg"],
        ["draw", "x", "x=1", "-o", f"g.{huge}"],
        ["explain", "x", "x=1", "--wrt", huge],
        [huge],
    ):
        status, _, err = run(capsys, *argv)
        assert status == 2
        line = one_error_line(err)
        assert len(err) < 1_000
        assert "more characters]" in line


def test_wrt_is_normalised_like_the_names(capsys: pytest.CaptureFixture[str]) -> None:
    # U+FB01 (the ligature fi) reads as "fi" in Python and in assignments
    status, out, err = run(capsys, "explain", "\ufb01 * 2", "\ufb01=3", "--wrt", "\ufb01")
    assert (status, err) == (0, "")
    assert "/dfi = 2.0" in out


def test_explain_gives_no_advice_a_shell_user_cannot_follow(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "explain", "x*y + sin(x)", "x=2", "y=3", "--wrt", "x")
    assert status == 0
    assert "backward()" not in out
    assert "zero_grad" not in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--version")
    assert (status, err) == (0, "")
    assert out.startswith("chainrule ")
    assert out.split()[1][0].isdigit() or "not installed" in out


@pytest.mark.parametrize(
    ("typo", "meant"), [("drwa", "draw"), ("explian", "explain"), ("step", "steps")]
)
def test_mistyped_commands_get_a_suggestion(
    capsys: pytest.CaptureFixture[str], typo: str, meant: str
) -> None:
    status, _, err = run(capsys, typo, "x", "x=1")
    assert status == 2
    assert f"unknown command '{typo}'; did you mean '{meant}'?" in one_error_line(err)


# --- when standard output fails ------------------------------------------------------------


def test_closed_pipe_ends_quietly() -> None:
    for _ in range(3):
        argv = ("explain", "x*y + sin(x)", "x=2", "y=3", "--wrt", "x")
        with program(*argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
            assert child.stdout is not None
            assert child.stderr is not None
            child.stdout.close()  # the reader is gone before the first line is written
            err = child.stderr.read().decode()
            assert child.wait(timeout=60) == EXIT_BROKEN_PIPE
        assert err == ""


def test_closed_pipe_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["explain", "x*2", "x=1", "--wrt", "x"]) == EXIT_BROKEN_PIPE
    assert main(["--help"]) == EXIT_BROKEN_PIPE
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_full_disk_is_one_error_line(tmp_path: Path) -> None:
    with open("/dev/full", "wb") as full:
        child = program(
            "draw", "x*2", "x=1", "-o", str(tmp_path / "g.dot"),
            stdout=full, stderr=subprocess.PIPE,
        )  # fmt: skip
        _, err_bytes = child.communicate(timeout=60)
    err = err_bytes.decode()
    assert child.returncode == 1
    assert (
        one_error_line(err) == "chainrule: error: cannot write the output: No space left on device"
    )
    assert err.count("\n") == 1


def test_unencodable_output_is_escaped() -> None:
    child = program(
        "explain", "\u03b1 * 2", "\u03b1=1", "--wrt", "\u03b1",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={"PYTHONIOENCODING": "ascii"},
    )  # fmt: skip
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err.decode()
    assert err == b""
    assert b"\\u03b1 = 1.0" in out


def test_ctrl_c_ends_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class Interrupted(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            raise KeyboardInterrupt

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Interrupted())))
    status, out, err = run(capsys, "draw", "-", "x=1", "-o", str(tmp_path / "g.dot"))
    assert (status, out, err) == (EXIT_INTERRUPTED, "", "")

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.cli.commands, "draw_dot", interrupted)
    status, _, err = run(capsys, "draw", "x*2", "x=1", "-o", str(tmp_path / "g.svg"))
    assert (status, err) == (EXIT_INTERRUPTED, "")
    assert not (tmp_path / "g.svg").exists()
