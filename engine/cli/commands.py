"""``chainrule``: draw and explain the graph of an expression, from a shell.

    chainrule draw "tanh(x*w1 + y*w2 + b)" x=2 y=0 w1=-3 w2=1 b=6.8813735870195432 -o neuron.svg

evaluates the expression (see :mod:`engine.cli.expr` for what it may contain),
backpropagates from its output, writes the drawing (the format comes from
the suffix: .svg, .png, .pdf, or .dot for DOT text, which needs no
Graphviz) and prints every variable's value and gradient.

The expression may also come from standard input (``-`` in its place) or
from a file (``--file F``), for expressions longer than a command line
allows; the parser's limits (:data:`engine.cli.expr.MAX_LENGTH` characters,
:data:`engine.cli.expr.MAX_DEPTH` levels) apply to them too, and no more than
a few times ``MAX_LENGTH`` bytes is ever read.

Errors are one line on stderr starting with ``chainrule: error:`` (an
argument echoed in it is shortened when long); a refused expression adds
the expression and a caret under the problem. The exit status is 2 for
usage errors (bad arguments, a refused expression, missing or malformed
variables) and 1 for errors while computing or drawing (a domain error
such as log of a negative, Graphviz missing, a graph too large, an output
file that cannot be written, a full disk behind standard output). As shell
tools do, a closed pipe on standard output (``chainrule ... | head``) ends
the command quietly with status 141 (128 + SIGPIPE), and Ctrl-C with 130.
Text that the terminal's encoding cannot show is written with backslash
escapes instead of failing.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import subprocess
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from engine.cli.arguments import (
    OPTIONS,
    STDIN,
    check_command,
    did_you_mean,
    protect_expressions,
)
from engine.cli.expr import MAX_LENGTH, ExpressionError, evaluate, parse_assignments
from engine.cli.streams import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    PROG,
    BrokenPipe,
    Failure,
    OutputFailed,
    abandon_stdout,
    read_limited,
    report,
    shorten,
    write,
)
from engine.core.rules import DomainError
from engine.core.value import Value
from engine.teach.explain import explain
from engine.viz.dot import DEFAULT_MAX_NODES, GraphTooLargeError, GraphvizNotFoundError, draw_dot
from engine.viz.steps import backward_steps

__all__ = ["main"]

FORMATS = ("svg", "png", "pdf", "dot")
_EXAMPLES = """\
examples:
  chainrule draw "tanh(x*w1 + y*w2 + b)" x=2 y=0 w1=-3 w2=1 b=6.8813735870195432 -o neuron.svg
  chainrule draw "x**2 + exp(-x)" x=0.5 -o graph.dot
  chainrule draw "sigmoid(sigmoid(sigmoid(x)))" x=3 --color-by grad -o vanishing.svg
  chainrule draw "-log(sigmoid(z))" z=0.3 -o loss.pdf
  chainrule explain "x*y + y" x=2 y=3 --wrt y
  echo "x**2 + exp(-x)" | chainrule draw - x=0.5 -o graph.svg
  chainrule draw --file long-expression.txt x=0.5 -o graph.svg
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are reported like every other error."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments: "):
            message += did_you_mean(message.split(": ", 1)[1].split()[0].split("=")[0], OPTIONS)
        raise Failure(f"{message} (see '{self.prog} --help')", 2)

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:  # --help and --version, through the same checked output
            write(message.rstrip("\n"), sys.stdout if file is None else file)


def _max_nodes(text: str) -> int | None:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return number or None  # 0: no limit


def _build_parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="Build the computation graph of an expression, backpropagate, and show it.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str) -> _Parser:
        sub: _Parser = commands.add_parser(
            name, help=help_text, description=help_text, allow_abbrev=False
        )
        sub.add_argument(
            "expression",
            nargs="?",
            help="e.g. 'tanh(x*w + b)'; '-' reads it from standard input",
        )
        sub.add_argument(
            "assignments", nargs="*", metavar="NAME=VALUE", help="a value for each variable"
        )
        sub.add_argument(
            "--file",
            metavar="FILE",
            help=f"read the expression from FILE ('-': standard input; at most {MAX_LENGTH:,} "
            "characters, on one line)",
        )
        return sub

    draw = command("draw", "Draw the graph with every value and gradient.")
    draw.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help=f"the drawing; its suffix picks the format: {', '.join(FORMATS)}",
    )
    draw.add_argument(
        "--rankdir",
        choices=("auto", "LR", "TB", "RL", "BT"),
        default="auto",
        help="direction of flow (auto: left to right unless that makes a long strip)",
    )
    draw.add_argument(
        "--no-grad", action="store_true", help="do not backpropagate; show values only"
    )
    draw.add_argument(
        "--color-by",
        choices=("kind", "grad"),
        default="kind",
        help="colour nodes by kind (input, op, output) or by the size of their gradient",
    )
    draw.add_argument(
        "--max-nodes",
        type=_max_nodes,
        default=DEFAULT_MAX_NODES,
        metavar="N",
        help=f"refuse graphs with more values than this (default {DEFAULT_MAX_NODES}; 0: no limit)",
    )
    draw.set_defaults(run=_draw)

    explain = command("explain", "Explain, step by step, how a gradient is computed.")
    explain.add_argument(
        "--wrt", required=True, metavar="NAME", help="the variable to differentiate with respect to"
    )
    explain.set_defaults(run=_explain)

    steps = command("steps", "Write a page showing the backward pass one step at a time.")
    steps.add_argument("-o", "--output", required=True, metavar="FILE", help="e.g. steps.html")
    steps.set_defaults(run=_steps)
    return parser


# --- the commands -------------------------------------------------------------------------


def _version() -> str:
    try:
        return importlib.metadata.version("chainrule")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree
        return "(not installed)"


def _expression(args: argparse.Namespace) -> str:
    """The expression text, from the command line, a file or standard input."""
    if args.file is not None:
        if args.expression is not None:  # with --file, every positional is NAME=VALUE
            args.assignments = [args.expression, *args.assignments]
        if args.file == STDIN:
            return _stdin_expression()
        try:
            with open(args.file, "rb") as file:
                return read_limited(file, shorten(args.file))
        except OSError as exc:
            raise Failure(f"cannot read {args.file}: {exc.strerror or exc}", 2) from None
    if args.expression is None:
        raise Failure(
            "no expression given: write it as the first argument, '-' to read it from "
            f"standard input, or --file FILE (see '{PROG} {args.command} --help')",
            2,
        )
    if args.expression.strip() == STDIN:
        return _stdin_expression()
    text: str = args.expression
    return text


def _stdin_expression() -> str:
    if sys.stdin is None:
        raise Failure("'-' reads the expression from standard input, which is closed", 2)
    return read_limited(getattr(sys.stdin, "buffer", sys.stdin), "standard input")


def _graph(args: argparse.Namespace) -> tuple[Value, dict[str, Value]]:
    text = _expression(args)
    return evaluate(text, parse_assignments(args.assignments))


def _number(x: float) -> str:
    return f"{x:.6g}"


def _table(leaves: dict[str, Value], root: Value, grads: bool) -> str:
    rows = [["variable", "value", "grad"] if grads else ["variable", "value"]]
    for name, leaf in leaves.items():
        row = [name, _number(leaf.data)]
        if grads:
            row.append(_number(leaf.grad))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join([row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])])
        for row in rows
    ]
    lines.append(f"output = {_number(root.data)}")
    return "\n".join(line.rstrip() for line in lines)


def _draw(args: argparse.Namespace) -> int:
    output = Path(args.output)
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        shown = output.suffix or "no suffix"
        raise Failure(
            f"cannot tell the format of {args.output} ({shown}): "
            f"end the file name with .{', .'.join(FORMATS)}",
            2,
        )
    root, leaves = _graph(args)
    if not args.no_grad:
        root.backward()
    write(_table(leaves, root, grads=not args.no_grad))
    try:
        graph = draw_dot(
            root,
            format="svg" if fmt == "dot" else fmt,
            rankdir=args.rankdir,
            show_grad=not args.no_grad,
            max_nodes=args.max_nodes,
            color_by=args.color_by,
        )
    except ImportError:
        raise Failure(
            "drawing needs the graphviz Python package: pip install graphviz", 1
        ) from None
    if fmt == "dot":
        data = graph.source.encode("utf-8")
    else:
        try:
            data = graph.pipe(format=fmt)
        except subprocess.CalledProcessError as exc:
            detail = exc.stderr.decode(errors="replace").strip() if exc.stderr else str(exc)
            raise Failure(f"Graphviz could not render the graph: {detail}", 1) from None
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise Failure(f"cannot write {args.output}: {exc.strerror or exc}", 1) from None
    write(f"wrote {args.output}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    root, leaves = _graph(args)
    wrt = unicodedata.normalize("NFKC", args.wrt.strip())  # as the assignments' names
    if wrt not in leaves:
        given = ", ".join(leaves) or "none"
        raise Failure(f"--wrt {args.wrt} is not a variable here (variables: {given})", 2)
    # Fill .grad, so the explanation agrees with it instead of advising
    # Python calls that a command-line user cannot make.
    root.backward()
    write(str(explain(root, leaves[wrt])))
    return 0


def _steps(args: argparse.Namespace) -> int:
    root, _ = _graph(args)
    try:
        backward_steps(root, args.output)
    except OSError as exc:
        raise Failure(f"cannot write {args.output}: {exc.strerror or exc}", 1) from None
    write(f"wrote {args.output}")
    return 0


# --- running ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0, 1, 2, 130 or 141)."""
    try:
        return _main(sys.argv[1:] if argv is None else list(argv))
    except BrokenPipe:
        abandon_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _main(argv: list[str]) -> int:
    parser = _build_parser()
    command = ""
    try:
        check_command(argv)
        try:
            args, extra = parser.parse_known_args(protect_expressions(argv))
        except SystemExit as exc:  # --help, --version, or argparse's own exit
            return exc.code if isinstance(exc.code, int) else 0
        # NAME=VALUE items may also come after the options (and after '--').
        if "--" in extra:
            cut = extra.index("--")
            extra = extra[:cut] + [" " + item for item in extra[cut + 1 :]]
        stray = [item for item in extra if item.startswith("-")]
        if stray:
            raise Failure(
                f"unrecognized arguments: {' '.join(stray)}"
                f"{did_you_mean(stray[0].split('=')[0], OPTIONS)} "
                f"(see '{PROG} {args.command} --help')",
                2,
            )
        args.assignments = [*args.assignments, *extra]
        command = args.command
        status: int = args.run(args)
        return status
    except Failure as exc:
        if isinstance(exc, OutputFailed):
            abandon_stdout()
        report(exc.message)
        return exc.status
    except ExpressionError as exc:
        report(exc.message, exc.caret)
        return 2
    except DomainError as exc:
        report(str(exc))
        return 1
    except ArithmeticError as exc:  # not expected: the engine gives inf/nan instead
        report(f"arithmetic error: {exc}")
        return 1
    except GraphvizNotFoundError:
        report(
            "drawing needs the Graphviz program 'dot', which is not installed "
            "(e.g. apt-get install graphviz or brew install graphviz); "
            "a .dot output needs no Graphviz"
        )
        return 1
    except GraphTooLargeError as exc:
        first = str(exc).split(". ")[0]
        advice = "raise --max-nodes (0 means no limit) or " if command == "draw" else ""
        report(f"{first}; {advice}use a smaller expression")
        return 1


if __name__ == "__main__":
    sys.exit(main())
