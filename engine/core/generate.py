"""Write the code generated from the derivative table.

Two files: :mod:`engine.core.float_pass` (the fast backward pass, all of
it) and the marked parts of :mod:`engine.core.value` (the op methods and
``sum``/``dot``). Run ``python -m engine.core.generate`` after changing the
table; ``python -m engine.core.generate --check`` exits 1 (and says so)
when a checked-in file differs from what the table generates.
"""

from __future__ import annotations

import sys
from pathlib import Path

from engine.core.codegen import float_pass_module
from engine.core.codegen_methods import fill_regions, value_regions
from engine.core.rules import RULES

HERE = Path(__file__).parent
FLOAT_PASS = HERE / "float_pass.py"
VALUE = HERE / "value.py"


def generated() -> dict[Path, str]:
    """Each generated file and the text it must have."""
    value = fill_regions(VALUE.read_text(encoding="utf-8"), value_regions(RULES.values()))
    return {FLOAT_PASS: float_pass_module(RULES.values()), VALUE: value}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--check"]):
        print("usage: python -m engine.core.generate [--check]")
        return 2
    stale = [path for path, text in generated().items() if path.read_text("utf-8") != text]
    if args == ["--check"]:
        for path in stale:
            print(f"{path.name} is out of date: run python -m engine.core.generate")
        return 1 if stale else 0
    for path, text in generated().items():
        if path in stale:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
