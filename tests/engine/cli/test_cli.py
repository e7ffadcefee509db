"""The ``chainrule`` command line, run through ``engine.cli.commands``.

Errors must be one ``chainrule: error:`` line on stderr (a refused
expression adds the expression and a caret line under it), never a
traceback, with exit status 2 for usage errors and 1 for errors while
computing or drawing.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import engine
import engine.cli.commands as cli_commands
from engine import Value
from engine.cli import main

ROOT = Path(__file__).resolve().parents[3]

NEURON = ["tanh(x*w1 + y*w2 + b)", "x=2", "y=0", "w1=-3", "w2=1", "b=6.8813735870195432"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def table(out: str) -> dict[str, list[str]]:
    """The printed table: variable -> [value, grad], plus 'output'."""
    rows: dict[str, list[str]] = {}
    for line in out.splitlines():
        if line.startswith("output = "):
            rows["output"] = [line.removeprefix("output = ")]
        elif line and not line.startswith(("variable", "wrote")):
            name, *numbers = line.split()
            rows[name] = numbers
    return rows


def check_one_error(err: str, *, caret: bool = False) -> str:
    """Exactly one error line, first; with caret=True two lines of context follow."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines, "nothing on stderr"
    assert lines[0].startswith("chainrule: error: ")
    assert sum(line.startswith("chainrule: error:") for line in lines) == 1
    if caret:
        assert len(lines) == 3
        assert set(lines[2].strip()) == {"^"}
    else:
        assert len(lines) == 1
    return lines[0]


# --- draw -------------------------------------------------------------------------------


def test_draw_svg_and_the_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / "neuron.svg"
    status, out, err = run(capsys, "draw", *NEURON, "-o", str(output))
    assert status == 0
    assert err == ""
    svg = output.read_text()
    assert "<svg" in svg
    assert "grad &#45;1.5" in svg  # the drawing carries the gradients (- is escaped)
    rows = table(out)
    assert rows["x"] == ["2", "-1.5"]
    assert rows["w1"] == ["-3", "1"]
    assert rows["y"] == ["0", "0.5"]
    assert rows["b"][1] == "0.5"
    assert float(rows["output"][0]) == pytest.approx(0.7071, abs=1e-4)
    assert out.splitlines()[-1] == f"wrote {output}"
    # the rows of the table line up
    lines = out.splitlines()
    assert lines[0].split() == ["variable", "value", "grad"]
    assert len({len(line) for line in lines[:6]}) == 1


def test_draw_dot_needs_no_graphviz(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` program
    output = tmp_path / "neuron.dot"
    status, out, _ = run(capsys, "draw", *NEURON, "-o", str(output))
    assert status == 0
    source = output.read_text()
    assert source.startswith("digraph chainrule {")
    assert "grad -1.5" in source
    assert "rankdir=LR" in source
    assert f"wrote {output}" in out


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_draw_binary_formats(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str, magic: bytes
) -> None:
    output = tmp_path / f"graph{suffix.upper()}"  # the suffix is case-insensitive
    status, _, _ = run(capsys, "draw", "x * y", "x=2", "y=3", "-o", str(output))
    assert status == 0
    assert output.read_bytes().startswith(magic)


def test_draw_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / "g.dot"
    status, out, _ = run(capsys, "draw", *NEURON, "-o", str(output), "--rankdir", "TB", "--no-grad")
    assert status == 0
    source = output.read_text()
    assert "rankdir=TB" in source
    assert "grad" not in source
    assert out.splitlines()[0].split() == ["variable", "value"]
    assert table(out)["x"] == ["2"]


def test_assignments_may_follow_the_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "g.dot"
    status, out, _ = run(capsys, "draw", "x*y", "x=2", "-o", str(output), "y=5")
    assert status == 0
    assert table(out)["y"] == ["5", "2"]


@pytest.mark.parametrize(
    "argv",
    [
        ["draw", "-log(sigmoid(z))", "z=0", "-o", "{out}"],
        ["draw", "-o", "{out}", "-log(sigmoid(z))", "z=0"],
        ["draw", "-o", "{out}", "--", "-log(sigmoid(z))", "z=0"],
    ],
)
def test_expression_may_start_with_a_minus(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    output = tmp_path / "loss.dot"
    status, out, err = run(capsys, *[a.replace("{out}", str(output)) for a in argv])
    assert (status, err) == (0, "")
    assert table(out)["z"] == ["0", "-0.5"]
    assert float(table(out)["output"][0]) == pytest.approx(0.693147)


def test_max_nodes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / "g.dot"
    status, _, _ = run(capsys, "draw", "x*x*x*x", "x=1", "-o", str(output), "--max-nodes", "3")
    assert status == 0  # the drawing is folded to fit, never refused
    source = output.read_text()
    assert "product of 4 factors" in source
    assert len(re.findall(r"^\t+(?:v\d+|g\d+|cut) \[", source, re.M)) <= 3
    status, _, _ = run(capsys, "draw", "x*x*x*x", "x=1", "-o", str(output), "--max-nodes", "0")
    assert status == 0
    assert output.exists()


# --- errors -----------------------------------------------------------------------------

# (argv, exit status, what the error line says); {tmp} is a temporary directory
USAGE_AND_EVALUATION_ERRORS: list[tuple[list[str], int, str]] = [
    (["draw", "x", "x", "-o", "{tmp}/g.svg"], 2, "expected name=value, got 'x'"),
    (["draw", "x", "=3", "-o", "{tmp}/g.svg"], 2, "missing variable name"),
    (["draw", "x", "x=", "-o", "{tmp}/g.svg"], 2, "missing value after '='"),
    (["draw", "x", "x=abc", "-o", "{tmp}/g.svg"], 2, "the value of x is not a number: 'abc'"),
    (["draw", "x", "1x=3", "-o", "{tmp}/g.svg"], 2, "'1x' is not a valid variable name"),
    (["draw", "exp(x)", "x=1", "exp=1", "-o", "{tmp}/g.svg"], 2, "'exp' is a function name"),
    (["draw", "x", "x=1", "x=2", "-o", "{tmp}/g.svg"], 2, "variable 'x' is given twice"),
    (["draw", "x", "x=1", "y=2", "-o", "{tmp}/g.svg"], 2, "'y' is given but not used"),
    (["draw", "x", "-o", "{tmp}/g.svg", "x=1", "--", "y=2"], 2, "'y' is given but not used"),
    (["draw", "x", "x=1", "-o", "{tmp}/g.jpg"], 2, "cannot tell the format of"),
    (["draw", "x", "x=1", "-o", "{tmp}/g"], 2, "(no suffix)"),
    (["draw", "x", "x=1"], 2, "the following arguments are required: -o/--output"),
    (["draw", "x", "x=1", "-o", "{tmp}/g.svg", "--bogus"], 2, "unrecognized arguments: --bogus"),
    (["draw", "x", "x=1", "-o", "{tmp}/g.svg", "--rankdir", "XY"], 2, "invalid choice: 'XY'"),
    (["draw", "x", "x=1", "-o", "{tmp}/g.svg", "--max-nodes", "-1"], 2, "expected a whole"),
    (["draw", "x", "x=1", "-o", "{tmp}/g.svg", "--max-nodes", "many"], 2, "expected a whole"),
    ([], 2, "the following arguments are required: COMMAND"),
    (["paint", "x"], 2, "unknown command 'paint'; did you mean"),
    (["xyz", "x"], 2, "unknown command 'xyz' (commands: draw, explain, steps;"),
    (["draw", "x" * 1_000_000, "-o", "{tmp}/g.svg"], 2, "expression too long"),
    (["draw", "log(x)", "x=-1", "-o", "{tmp}/g.svg"], 1, "log(-1.0) is undefined"),
    (["draw", "1 / x", "x=0", "-o", "{tmp}/g.svg"], 1, "1.0 / 0.0 is undefined"),
    (["draw", "sqrt(x)", "x=-4", "-o", "{tmp}/g.dot"], 1, "sqrt(-4.0) is undefined"),
    (["draw", "x", "x=1", "-o", "{tmp}/missing/g.svg"], 1, "cannot write"),
    (["draw", "x", "x=1", "-o", "{tmp}/missing/g.dot"], 1, "No such file or directory"),
    (["draw", "x", "x=1", "-o", "{tmp}"], 2, "cannot tell the format"),
    (["explain", "x", "x=1"], 2, "the following arguments are required: --wrt"),
    (["steps", "x", "x=1"], 2, "the following arguments are required: -o/--output"),
]


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    USAGE_AND_EVALUATION_ERRORS,
    ids=[" ".join(c[0])[:50] for c in USAGE_AND_EVALUATION_ERRORS],
)
def test_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], status: int, message: str
) -> None:
    got, _, err = run(capsys, *[a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert got == status
    line = check_one_error(err)
    assert message in line
    assert list(tmp_path.glob("g*")) == []


@pytest.mark.parametrize(
    ("expression", "message", "column"),
    [
        ("x.data", "unsupported syntax: attribute access (.data) at column 2", 2),
        ("x + y", "no value given for variable 'y' at column 5 (variables given: x)", 5),
        ("__import__('os').system('touch PWNED')", "attribute access (.system)", 17),
        ("x ** ", "invalid syntax", 6),
    ],
)
def test_refused_expression_shows_a_caret(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    expression: str,
    message: str,
    column: int,
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "draw", expression, "x=1", "-o", "g.svg")
    assert status == 2
    assert out == ""
    line = check_one_error(err, caret=True)
    assert message in line
    shown, carets = err.splitlines()[1:]
    assert shown == f"    {expression}"
    assert carets.index("^") == 4 + column - 1
    assert list(tmp_path.iterdir()) == []  # no drawing, and no PWNED


def test_graphviz_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    output = tmp_path / "g.svg"
    status, out, err = run(capsys, "draw", "x*y", "x=1", "y=2", "-o", str(output))
    assert status == 1
    line = check_one_error(err)
    assert "Graphviz program 'dot'" in line
    assert ".dot output needs no Graphviz" in line
    assert not output.exists()
    assert "variable" in out  # the numbers were printed before drawing


def test_output_is_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "taken.dot"
    folder.mkdir()
    status, _, err = run(capsys, "draw", "x", "x=1", "-o", str(folder))
    assert status == 1
    assert "cannot write" in check_one_error(err)


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0
    assert "draw" in out
    assert "explain" in out
    status, out, _ = run(capsys, "draw", "--help")
    assert status == 0
    assert "--max-nodes" in out


# --- explain and steps: they use functions other modules provide ------------------------


def test_explain_calls_engine_explain(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Value, Value]] = []

    def explain(root: Value, wrt: Value) -> str:
        calls.append((root, wrt))
        return "d out / d y = x + 1 = 3"

    monkeypatch.setattr(cli_commands, "explain", explain)
    status, out, err = run(capsys, "explain", "x*y + y", "x=2", "y=5", "--wrt", "y")
    assert (status, err) == (0, "")
    assert out == "d out / d y = x + 1 = 3\n"
    [(root, wrt)] = calls
    assert root.data == 15.0
    assert wrt.label == "y"
    assert wrt.data == 5.0

    status, _, err = run(capsys, "explain", "x*y", "x=2", "y=5", "--wrt", "z")
    assert status == 2
    assert "--wrt z is not a variable here (variables: x, y)" in check_one_error(err)


def test_steps_calls_backward_steps(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def backward_steps(root: Value, path: Any) -> None:
        Path(path).write_text(f"<html>{root.data}</html>")

    monkeypatch.setattr(cli_commands, "backward_steps", backward_steps)
    output = tmp_path / "steps.html"
    status, out, err = run(capsys, "steps", "x*y", "x=2", "y=5", "-o", str(output))
    assert (status, err) == (0, "")
    assert output.read_text() == "<html>10.0</html>"
    assert f"wrote {output}" in out

    status, _, err = run(
        capsys, "steps", "x*y", "x=2", "y=5", "-o", str(tmp_path / "no" / "s.html")
    )
    assert status == 1
    assert "cannot write" in check_one_error(err)


def test_steps_graph_too_large(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def backward_steps(root: Value, path: Any) -> None:
        raise engine.GraphTooLargeError("this graph has 9 values, more than max_nodes=3. Etc.")

    monkeypatch.setattr(cli_commands, "backward_steps", backward_steps)
    status, _, err = run(capsys, "steps", "x*y", "x=2", "y=5", "-o", str(tmp_path / "s.html"))
    assert status == 1
    line = check_one_error(err)
    assert line.endswith("more than max_nodes=3; use a smaller expression")


def test_explain_and_steps_as_shipped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run(capsys, "explain", "x*y", "x=2", "y=5", "--wrt", "x")
    assert (status, err) == (0, "")
    assert "5" in out
    output = tmp_path / "steps.html"
    status, out, err = run(capsys, "steps", "x*y", "x=2", "y=5", "-o", str(output))
    assert (status, err) == (0, "")
    assert output.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def run_program(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_as_a_program(tmp_path: Path) -> None:
    done = run_program("draw", *NEURON, "-o", "neuron.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote neuron.svg" in done.stdout
    assert (tmp_path / "neuron.svg").exists()

    done = run_program(
        "draw", "__import__('os').system('touch PWNED')", "-o", "x.svg", cwd=tmp_path
    )
    assert done.returncode == 2
    check_one_error(done.stderr, caret=True)
    assert not (tmp_path / "PWNED").exists()

    done = run_program("draw", "log(x)", "x=0", "-o", "x.svg", cwd=tmp_path)
    assert done.returncode == 1
    check_one_error(done.stderr)


def test_console_script_is_declared() -> None:
    scripts = importlib.metadata.entry_points(group="console_scripts")
    found = [ep for ep in scripts if ep.name == "chainrule"]
    assert found, "no `chainrule` console script: run `pip install -e .` again"
    assert found[0].value == "engine.cli:main"


def test_draw_colours_by_gradient(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.dot"
    assert main(["draw", "sigmoid(sigmoid(x))", "x=3", "--color-by", "grad", "-o", str(out)]) == 0
    assert "|grad|" in out.read_text()  # the printed colour scale
    assert main(["draw", "x*2", "x=1", "--color-by", "size", "-o", str(out)]) == 2
    assert "invalid choice" in capsys.readouterr().err
