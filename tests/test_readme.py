"""The README is executable: its commands are CI's, and its REPL tour runs."""

from __future__ import annotations

import doctest
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def readme_commands() -> list[str]:
    first_block = re.search(r"```bash\n(.*?)```", README.read_text(), re.DOTALL)
    assert first_block, "README must open with a bash block holding the two commands"
    return [line.strip() for line in first_block.group(1).splitlines() if line.strip()]


def _doctest_text(markdown: str) -> str:
    """The README as doctest reads it.

    A code fence right after an example would read as expected output, so
    fences become blank lines; and a blank line inside an example's output
    (which doctest would take as its end) becomes <BLANKLINE>.
    """
    lines = markdown.splitlines()
    out: list[str] = []
    in_code = False
    for i, line in enumerate(lines):
        if line.strip().startswith("```"):
            in_code = not in_code
            out.append("")
            continue
        following = lines[i + 1].strip() if i + 1 < len(lines) else "```"
        inside_output = in_code and not line.strip() and not following.startswith((">>>", "```"))
        out.append("<BLANKLINE>" if inside_output else line)
    return "\n".join(out)


def test_readme_opens_with_exactly_two_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    demo, tests = commands
    assert "python -m demos.moons" in demo
    assert tests.endswith("pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_readme_repl_tour_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("dot") is None:
        pytest.skip("the tour renders a graph and needs Graphviz's dot program")
    monkeypatch.chdir(tmp_path)  # the tour writes L.svg
    test_text = _doctest_text(README.read_text())
    test = doctest.DocTestParser().get_doctest(test_text, {}, "README.md", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 20
    assert result.failed == 0, "README examples are out of date (see output above)"
    assert (tmp_path / "L.svg").exists()
