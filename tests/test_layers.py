"""The packages import only downward, and no module imports itself in a circle.

Layers, bottom to top (see engine/__init__.py):

    engine.core  <  engine.teach  <  engine.compiler  <  engine.viz  <  engine.cli

A module may import its own layer and the layers below. ``engine`` itself
(the package's ``__init__``) is the facade over every layer and may import
any of them lazily; no layer may import it. ``nn`` imports only the core,
except inside a function (a model that draws itself may reach the drawing
layer when asked to). Every import counts: at module level and inside
functions. Imports under ``if TYPE_CHECKING:`` never run, so they are left
out of the cycle check (``engine.core.graph`` names ``Value`` for the type
checker while ``value.py`` imports it); they must still point downward or
within a layer.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "nn")
LAYERS = ("engine.core", "engine.teach", "engine.compiler", "engine.viz", "engine.cli")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. 'engine.viz.dot'
    target: str  # the imported project module, e.g. 'engine.core.value'
    line: int
    in_function: bool
    type_checking: bool

    def __str__(self) -> str:
        where = "inside a function" if self.in_function else "at module level"
        return f"{self.source} (line {self.line}, {where}) imports {self.target}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(path, root)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, source: str, known: set[str]) -> list[Import]:
    """Every import of a project module in ``source``, wherever it is written."""
    found: list[Import] = []

    def resolve(target: str) -> str | None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        return target or None

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, in_function, True)
            for child in node.orelse:
                visit(child, in_function, type_checking)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            in_function = True
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import: resolve against this module's package
                package = name.split(".")[: -node.level] if node.level else []
                base = ".".join([*package, base] if base else package)
            # ``from engine.core import rules`` imports the submodule when there is one
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        for target in targets:
            module = resolve(target)
            if module is not None and module != name:
                found.append(Import(name, module, node.lineno, in_function, type_checking))  # type: ignore[attr-defined]
        for child in ast.iter_child_nodes(node):  # type: ignore[assignment]
            visit(child, in_function, type_checking)

    visit(ast.parse(source), False, False)
    return found


def layer_of(module: str) -> int | None:
    """The layer index of an engine module, or None for the facade and for nn."""
    for index, layer in enumerate(LAYERS):
        if module == layer or module.startswith(layer + "."):
            return index
    return None


def violations(imports: list[Import]) -> list[str]:
    """The imports that break the layering, each said in words."""
    bad = []
    for imp in imports:
        src, dst = imp.source, imp.target
        if dst == "engine" and src != "engine" and src.startswith("engine."):
            bad.append(f"{imp}: a layer must not import the engine facade")
        elif src.startswith("engine.") and dst.startswith("nn"):
            bad.append(f"{imp}: the engine must not import nn")
        elif src.startswith("engine."):
            low, high = layer_of(dst), layer_of(src)
            if low is not None and high is not None and low > high:
                bad.append(f"{imp}: {LAYERS[low]} is above {LAYERS[high]}")
        elif (src == "nn" or src.startswith("nn.")) and dst.startswith("engine"):
            layer = layer_of(dst)
            if layer is not None and layer > 0 and not imp.in_function:
                bad.append(f"{imp}: nn may reach {LAYERS[layer]} only inside a function")
    return bad


def cycles(imports: list[Import]) -> list[list[str]]:
    """Import cycles among modules, through imports that run (not TYPE_CHECKING)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if not imp.type_checking:
            graph.setdefault(imp.source, set()).add(imp.target)
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            # A package's __init__ importing its own submodules is how packages
            # work (the submodule imports the package first, by Python's rules).
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    return found


def all_imports(root: Path = ROOT) -> list[Import]:
    modules = project_modules(root)
    known = set(modules)
    return [
        imp
        for name, path in modules.items()
        for imp in imports_of(name, path.read_text(encoding="utf-8"), known)
    ]


def test_every_import_points_downward() -> None:
    bad = violations(all_imports())
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_no_import_cycles() -> None:
    found = cycles(all_imports())
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_core_imports_nothing_else_from_the_project() -> None:
    outside = [
        str(imp)
        for imp in all_imports()
        if imp.source.startswith("engine.core") and not imp.target.startswith("engine.core")
    ]
    assert not outside


# --- the checker itself catches what it should ---------------------------------------

KNOWN = {
    "engine",
    "engine.core",
    "engine.core.value",
    "engine.core.rules",
    "engine.teach",
    "engine.teach.explain",
    "engine.viz",
    "engine.viz.dot",
    "nn",
    "nn.module",
}


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("engine.core.value", "from engine.viz.dot import draw_dot", "engine.viz is above"),
        (
            "engine.core.value",
            "def f():\n    from engine.teach import explain",
            "inside a function",
        ),
        ("engine.teach.explain", "import engine.viz.dot", "engine.viz is above engine.teach"),
        ("engine.core.rules", "import engine", "must not import the engine facade"),
        ("engine.core.rules", "from engine import Value", "must not import the engine facade"),
        ("nn.module", "from engine.viz import draw_dot", "only inside a function"),
        ("engine.viz.dot", "from nn import MLP", "must not import nn"),
    ],
)
def test_a_planted_upward_import_is_named(module: str, source: str, expected: str) -> None:
    bad = violations(imports_of(module, source, KNOWN))
    assert len(bad) == 1
    assert expected in bad[0]
    assert module in bad[0]


def test_allowed_imports_pass() -> None:
    for module, source in [
        ("engine.viz.dot", "from engine.core.value import Value\nfrom engine.teach import explain"),
        ("engine", "from engine.viz.dot import draw_dot"),
        ("nn.module", "from engine import Value\ndef draw():\n    from engine.viz import draw_dot"),
        ("engine.core.value", "from typing import TYPE_CHECKING\nfrom engine.core import rules"),
    ]:
        assert violations(imports_of(module, source, KNOWN)) == [], source


def test_a_planted_cycle_is_found_and_type_checking_imports_are_not() -> None:
    a = imports_of("engine.core.value", "from engine.core.rules import Rule", KNOWN)
    b = imports_of("engine.core.rules", "def f():\n    from engine.core.value import Value", KNOWN)
    assert cycles(a + b) == [["engine.core.rules", "engine.core.value", "engine.core.rules"]]
    typed = imports_of(
        "engine.core.rules",
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from engine.core.value import Value",
        KNOWN,
    )
    assert cycles(a + typed) == []


# --- what ``import engine`` and ``import nn`` load -----------------------------------


def loaded_after(statement: str) -> set[str]:
    script = f"import sys\n{statement}\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("heavy", ["graphviz", "tqdm", "multiprocessing"])
def test_import_engine_loads_the_core_only(heavy: str) -> None:
    loaded = loaded_after("import engine")
    assert heavy not in loaded
    assert not {m for m in loaded if m.startswith(("engine.teach", "engine.viz", "engine.cli"))}


def test_tools_load_on_first_use() -> None:
    loaded = loaded_after("import engine\nengine.draw_dot\nengine.explain")
    assert {"engine.viz.dot", "engine.teach.explain"} <= loaded


def test_no_test_module_imports_another() -> None:
    # Shared helpers live in modules that are not tests (tests/fixtures.py,
    # tests/browser.py, ...), so each test module can be read and run alone.
    offenders = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(n.split(".")[-1].startswith("test_") for n in names if n.startswith("tests")):
                offenders.append(f"{path.relative_to(ROOT)} line {node.lineno}")  # type: ignore[attr-defined]
    assert not offenders, "test modules importing test modules:\n" + "\n".join(offenders)
