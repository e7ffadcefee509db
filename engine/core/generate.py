"""Write the generated fast backward pass, :mod:`engine.core.float_pass`.

Run ``python -m engine.core.generate`` after changing the derivative table;
``python -m engine.core.generate --check`` exits 1 (and says so) when the
checked-in module differs from what the table generates.
"""

from __future__ import annotations

import sys
from pathlib import Path

from engine.core.codegen import float_pass_module
from engine.core.rules import RULES

TARGET = Path(__file__).with_name("float_pass.py")


def generated() -> str:
    """The text the checked-in module must have."""
    return float_pass_module(RULES.values())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = generated()
    if args == ["--check"]:
        if TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.name} is out of date: run python -m engine.core.generate")
            return 1
        print(f"{TARGET.name} is up to date")
        return 0
    if args:
        print("usage: python -m engine.core.generate [--check]")
        return 2
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
