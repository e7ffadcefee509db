"""The README is executable: its commands are CI's, and its REPL tour runs."""

from __future__ import annotations

import doctest
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CI_SCRIPT = ROOT / ".ci" / "run"
# Stock Debian/Ubuntu Pythons refuse `pip install` outside a virtual
# environment, so both commands make one and work inside it.
VENV = "python3 -m venv .venv && . .venv/bin/activate && "
PINNED_TORCH = "torch==2.13.0"  # the CPU build CI's machine carries


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


def test_readme_commands_create_and_use_a_virtual_environment() -> None:
    demo, tests = readme_commands()
    assert demo == VENV + 'pip install -e ".[demos]" && python -m demos.moons'
    assert tests == (
        VENV + 'pip install -e ".[test]" && ruff check . && ruff format --check . && mypy && pytest'
    )


def test_ci_runs_the_readme_test_command() -> None:
    ci = CI_SCRIPT.read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_ci_puts_pinned_torch_into_the_readme_environment_first() -> None:
    lines = [line.strip() for line in CI_SCRIPT.read_text().splitlines()]
    readme_line = lines.index(readme_commands()[1])
    torch_lines = [i for i, line in enumerate(lines) if "torch" in line and "pip" in line]
    assert torch_lines, ".ci/run must install torch for the live oracle checks"
    for i in torch_lines:
        assert i < readme_line
        assert lines[i] == f".venv/bin/pip install {PINNED_TORCH}"
    # created before use, and CI=true (a skipped live check fails) set before the tests
    assert lines.index("python3 -m venv .venv") < torch_lines[0]
    assert lines.index("export CI=true  # conftest.py turns any skipped test into a failure") < (
        readme_line
    )


def test_the_test_install_leaves_torch_out() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    extra = re.search(r"^test = \[(.*?)^\]", text, re.DOTALL | re.MULTILINE)
    assert extra, "pyproject.toml has no test extra"
    names = re.findall(r'^\s*"([A-Za-z0-9_.-]+)', extra.group(1), re.MULTILINE)
    assert "pytest" in names
    assert "torch" not in names, (
        "torch is the oracle: record it, do not make every user download it"
    )


@pytest.mark.parametrize("path", ["README.md", ".ci/run", "pyproject.toml"])
def test_torch_is_never_installed_unpinned(path: str) -> None:
    text = (ROOT / path).read_text()
    for match in re.finditer(r"pip install[^\n]*", text):
        for word in match.group(0).split():
            if word.strip("\"'`").lower().startswith("torch"):
                assert word.strip("\"'`") == PINNED_TORCH, match.group(0)
    if path == "pyproject.toml":  # requirements: from [project] to the next tool's table
        requirements = text[text.index("[project]") : text.index("[project.scripts]")]
        for requirement in re.findall(r'"(torch[^"]*)"', requirements):
            assert requirement == PINNED_TORCH, requirement


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
