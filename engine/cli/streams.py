"""The command line's standard streams: reading input, writing output, reporting.

* The expression may come from a file or standard input; at most
  ``MAX_INPUT_BYTES`` are read, so a huge or endless input is refused
  at once, and the parser's own limits apply to what was read.
* Every line of output is written and flushed through :func:`write`: text
  the stream's encoding cannot show becomes backslash escapes, a closed
  pipe raises :class:`BrokenPipe` (the command then ends quietly) and any
  other failure (a full disk) a :class:`Failure` with status 1.
* :func:`report` prints the one-line error, with every long word (an echoed
  argument) and the line itself shortened.
"""

from __future__ import annotations

import contextlib
import os
import sys
import textwrap
from typing import Any

from engine.cli.expr import MAX_LENGTH, ExpressionError

PROG = "chainrule"

# Exit statuses besides 0, 1 and 2, as shells report a death by signal.
EXIT_BROKEN_PIPE = 128 + 13  # SIGPIPE
EXIT_INTERRUPTED = 128 + 2  # SIGINT

# The most read from a file or standard input: MAX_LENGTH characters take
# at most 4 bytes each in UTF-8, plus a byte-order mark and a line ending.
MAX_INPUT_BYTES = 4 * MAX_LENGTH + 8

# Echoed arguments are shortened to this many characters in error lines.
MAX_ECHO = 120
MAX_ERROR_LINE = 1_000


class Failure(Exception):
    """An error to report as one line, with the exit status to return."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class OutputFailed(Failure):
    """Standard output cannot be written (a full disk, a device error)."""


class BrokenPipe(Exception):
    """Standard output was closed by its reader: end quietly."""


def read_limited(stream: Any, where: str) -> str:
    """At most MAX_INPUT_BYTES of ``stream``, as one line of UTF-8 text."""
    data = stream.read(MAX_INPUT_BYTES + 1)
    if isinstance(data, str):  # a text stream without a binary buffer
        data = data.encode("utf-8", "surrogateescape")
    if len(data) > MAX_INPUT_BYTES:
        raise ExpressionError(
            f"the expression in {where} is too long: more than {MAX_INPUT_BYTES:,} bytes, "
            f"and the limit is {MAX_LENGTH:,} characters"
        )
    try:
        text: str = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExpressionError(
            f"{where} is not UTF-8 text (byte {exc.start + 1} cannot be read)"
        ) from None
    return text.strip()  # a file ends with a line break


def write(text: str, stream: Any = None) -> None:
    """Print a line to standard output, checked: a failure is reported, never ignored.

    Characters the stream cannot encode are written as backslash escapes.
    """
    stream = sys.stdout if stream is None else stream
    encoding = getattr(stream, "encoding", None) or "utf-8"
    with contextlib.suppress(LookupError):  # an encoding Python does not know: leave it be
        text = text.encode(encoding, "backslashreplace").decode(encoding)
    try:
        stream.write(text + "\n")
        stream.flush()
    except BrokenPipeError:
        raise BrokenPipe from None
    except OSError as exc:
        raise OutputFailed(f"cannot write the output: {exc.strerror or exc}", 1) from None


def abandon_stdout() -> None:
    """Point standard output at the null device, so that the text still
    buffered in it cannot fail again (with a traceback) when Python exits."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)
    except (OSError, ValueError, AttributeError):  # no real file behind stdout
        pass


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """``text``, or its start and end around the number of characters left out."""
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 2 // 3], text[-(limit // 6) :]
    return f"{head}...[{len(text) - len(head) - len(tail):,} more characters]...{tail}"


def report(message: str, detail: str = "") -> None:
    one_line = message.replace("\r", " ").replace("\n", " ")
    # An echoed argument may be megabytes long: shorten every long word,
    # then the line itself.
    words = [shorten(word) for word in one_line.split(" ")]
    one_line = shorten(" ".join(words), MAX_ERROR_LINE)
    try:
        print(f"{PROG}: error: {one_line}", file=sys.stderr)
        if detail:
            print(textwrap.indent(detail, "  "), file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr is gone too: the status says it all
        pass
