"""Reading the command line before argparse does: what is an expression,
what is an option, and which command was meant.

argparse takes anything starting with '-' for an option, but an
expression may start with one ("-log(p)", "--x", a double negation);
:func:`protect_expressions` marks those as positional. A mistyped command
or option gets a suggestion (:func:`did_you_mean`).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from engine.cli.streams import PROG, Failure, shorten

COMMANDS = ("draw", "explain", "steps")
STDIN = "-"

# Every option of every command, and those that take a value.
OPTIONS = {
    "-h",
    "--help",
    "-o",
    "--output",
    "--rankdir",
    "--no-grad",
    "--max-nodes",
    "--wrt",
    "--color-by",
    "--file",
    "--version",
}
TAKES_VALUE = {"-o", "--output", "--rankdir", "--max-nodes", "--wrt", "--color-by", "--file"}


def did_you_mean(word: str, choices: Sequence[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def protect_expressions(argv: Sequence[str]) -> list[str]:
    """Keep argparse from reading an expression like "-log(p)" as an option.

    An item that starts with one '-' but is no option gets a leading space,
    which argparse takes as the mark of a positional argument (and which
    the expression parser ignores). So does an item starting with '--'
    where the expression goes ("--x" is a double negation), unless it looks
    like a mistyped option. Everything after '--' is left alone.
    """
    protected: list[str] = []
    positionals = 0  # the command, then the expression, then NAME=VALUE items
    for i, item in enumerate(argv):
        if item == "--":
            return protected + list(argv[i:])
        if protected and protected[-1] in TAKES_VALUE:  # an option's value
            protected.append(item)
            continue
        name = item.split("=", 1)[0]
        is_option = name in OPTIONS or (item.startswith("-o") and item[:2] != "--")
        # "--x" where the expression goes, and not a mistyped option
        negation = positionals == 1 and not did_you_mean(name, OPTIONS)
        if item[:1] == "-" and item != STDIN and not is_option and (item[:2] != "--" or negation):
            item = " " + item
        if item[:1] != "-" or item == STDIN:
            positionals += 1
        protected.append(item)
    return protected


def check_command(argv: Sequence[str]) -> None:
    """Refuse an unknown command, suggesting the closest one."""
    for item in argv:
        if item == "--" or (item[:1] == "-" and item != STDIN):
            if item == "--":
                return
            continue
        if item not in COMMANDS:
            raise Failure(
                f"unknown command {shorten(item)!r}{did_you_mean(item, COMMANDS)} "
                f"(commands: {', '.join(COMMANDS)}; see '{PROG} --help')",
                2,
            )
        return
