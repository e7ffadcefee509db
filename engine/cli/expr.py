"""Arithmetic expressions as text, turned into chainrule graphs.

>>> from engine.cli.expr import evaluate
>>> out, leaves = evaluate("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.5})
>>> out.backward()
>>> round(out.data, 4), round(leaves["w"].grad, 4)
(0.4621, 1.5729)

The text is **parsed, never run as Python**. ``ast.parse`` turns it into a
syntax tree, and this module walks that tree itself, accepting only:

* numbers: int and float literals (no complex, no True/False/None);
* names, which are the variables;
* ``+ - * / **``, unary ``-`` and ``+``, and parentheses;
* calls, by plain name, of ``exp log sqrt tanh sigmoid relu leaky_relu abs
  sin cos`` with one argument; ``leaky_relu(x, 0.1)`` may add a number as
  the slope.

Everything else (attribute access, subscripts, strings, lambdas, keyword
arguments, comparisons, ...) raises :class:`ExpressionError`, which says
what was refused, at which column, and draws a caret under it. The whole
tree is checked before anything is computed.

Limits, checked before any large piece of work starts:

* at most ``MAX_LENGTH`` (10,000) characters, checked before parsing;
* at most ``MAX_DEPTH`` (100) levels of brackets, and at most that many
  signs in a row, counted in the raw text before parsing. Python's own
  parser gives up on deeply nested input with a MemoryError or
  RecursionError; those are reported as ExpressionError too;
* at most ``MAX_NODES`` (2,000) parts (numbers, names and operations);
* integer literals of at most ``MAX_INT_DIGITS`` (30) digits. Every number
  becomes a float at once, so no step does arithmetic on big integers and
  ``9**9**9**9`` takes microseconds.

Results that overflow are **not** errors: they become ``inf``, as for any
chainrule float (``9**9**9**9`` evaluates to inf, ``exp(1000)`` too). Ops
applied outside their domain (``log(-1)``, ``1/0``) raise the engine's
:class:`~engine.core.rules.DomainError`, unchanged.

Numbers in the text become constant leaves, exactly as when a graph is
built by hand: ``x * 2`` wraps the 2 as Python's operator does, ``x ** 2``
records the exponent as a parameter of the op, and a sign in front of a
number belongs to the number (``x * -2`` has no negation node).

The module stays whole (about 640 lines): the whitelist of what an expression
may contain and the code that builds each allowed construct walk the same
syntax tree, and a reviewer of its safety should see both side by side.
"""

from __future__ import annotations

import ast
import keyword
import numbers
import operator
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from engine.core.rules import RULES
from engine.core.value import Value, _constant

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_LENGTH",
    "MAX_NODES",
    "ExpressionError",
    "evaluate",
    "parse_assignments",
]

MAX_LENGTH = 10_000
MAX_DEPTH = 100
MAX_NODES = 2_000
MAX_INT_DIGITS = 30
_INT_LIMIT = 10**MAX_INT_DIGITS  # the smallest integer with too many digits
_INT_HINT = f"more than {MAX_INT_DIGITS} digits; write large numbers as floats, e.g. 1e40"

# Every op of the table written as a function of one value, e.g. tanh(x),
# called through its Value method (leaky_relu takes an optional slope too).
_METHODS: dict[str, Callable[[Value], Value]] = {
    rule.name: getattr(Value, rule.name)
    for rule in RULES.values()
    if rule.shape == "fixed" and len(rule.args) == 1 and not rule.text and hasattr(Value, rule.name)
}
FUNCTIONS: tuple[str, ...] = tuple(_METHODS)
_FUNCTION_LIST = ", ".join(FUNCTIONS)

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}

# Operators Python has and we refuse, with how they are written and a hint.
_OTHER_BINOPS: dict[type[ast.operator], tuple[str, str]] = {
    ast.FloorDiv: ("//", ""),
    ast.Mod: ("%", ""),
    ast.MatMult: ("@", ""),
    ast.LShift: ("<<", ""),
    ast.RShift: (">>", ""),
    ast.BitOr: ("|", ""),
    ast.BitAnd: ("&", ""),
    ast.BitXor: ("^", "for a power write **"),
}

# How refused syntax is named in messages.
_SYNTAX_NAMES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Slice: "slice",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional expression",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.NamedExpr: "assignment expression (:=)",
    ast.Starred: "starred argument",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.List: "list",
    ast.Tuple: "tuple (a comma outside a call)",
    ast.Set: "set",
    ast.Dict: "dict",
}


class ExpressionError(ValueError):
    """The expression (or a ``name=value`` item) was refused; nothing was computed.

    Attributes:
        problem: what is wrong, in a few words, e.g. "unsupported syntax:
            attribute access".
        column: 1-based column in the expression where the problem starts,
            or None when it has no place (an unused variable, a too-long
            input).
        hint: more detail or advice, or "".
        message: one line: ``problem``, then "at column N" when there is a
            column, then the hint in parentheses.
        caret: two lines, the expression (an excerpt of it when it is long)
            and carets under the offending part; empty without a column.

    ``str(error)`` is ``message``, followed by ``caret`` on the next lines.
    """

    def __init__(
        self,
        problem: str,
        text: str | None = None,
        start: int | None = None,
        end: int | None = None,
        *,
        hint: str = "",
    ) -> None:
        self.problem = problem
        self.column = None if start is None else start + 1
        self.hint = hint
        message = problem if start is None else f"{problem} at column {start + 1}"
        self.message = f"{message} ({hint})" if hint else message
        self.caret = "" if text is None or start is None else _caret(text, start, end)
        super().__init__(f"{self.message}\n{self.caret}" if self.caret else self.message)


def _caret(text: str, start: int, end: int | None, width: int = 72) -> str:
    """The text (a window of it, if long) and a line of carets under [start, end)."""
    end = start + 1 if end is None or end <= start else end
    lo = max(0, min(start - 20, len(text) - width))
    hi = min(len(text), lo + width)
    head = "..." if lo > 0 else ""
    tail = "..." if hi < len(text) else ""
    # One printable character per character keeps the carets aligned.
    shown = "".join(c if c.isprintable() else " " for c in text[lo:hi])
    marks = "^" * max(1, min(end, max(hi, start + 1)) - start)
    return f"  {head}{shown}{tail}\n  {' ' * (len(head) + start - lo)}{marks}"


# --- reading the text ------------------------------------------------------------------


class _Source:
    """The expression and the means to turn AST positions into columns."""

    def __init__(self, text: str) -> None:
        self.text = text
        body = text.lstrip(" \t\f")  # Python refuses leading indentation
        self.lead = len(text) - len(body)
        self.body = body
        self.ascii = body.isascii()
        self.encoded = body.encode("utf-8")

    def char(self, byte_offset: int) -> int:
        """0-based column in ``text`` of an AST offset (UTF-8 bytes in ``body``)."""
        if self.ascii:
            return self.lead + byte_offset
        return self.lead + len(self.encoded[:byte_offset].decode("utf-8", "ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.char(getattr(node, "col_offset", 0))
        end_offset = getattr(node, "end_col_offset", None)
        end = start + 1 if end_offset is None else self.char(end_offset)
        return start, end

    def error(self, problem: str, node: ast.AST, *, hint: str = "") -> ExpressionError:
        start, end = self.span(node)
        return ExpressionError(problem, self.text, start, end, hint=hint)

    def error_at(self, problem: str, start: int, end: int, *, hint: str = "") -> ExpressionError:
        return ExpressionError(problem, self.text, start, end, hint=hint)


def _check_raw(text: str) -> None:
    """Refuse what must not reach the parser: too long, odd characters, deep nesting."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression too long: {len(text)} characters, the limit is {MAX_LENGTH}"
        )
    depth = 0
    signs = 0
    signs_start = 0
    for i, ch in enumerate(text):
        if ch in "\n\r\0" or "\ud800" <= ch <= "\udfff":
            raise ExpressionError(
                f"invalid character U+{ord(ch):04X}",
                text,
                i,
                hint="the expression must be one line of text",
            )
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(
                    "expression too deeply nested",
                    text,
                    i,
                    hint=f"more than {MAX_DEPTH} levels of brackets",
                )
        elif ch in ")]}":
            depth = max(0, depth - 1)
        if ch in "+-~":
            if signs == 0:
                signs_start = i
            signs += 1
            if signs > MAX_DEPTH:
                raise ExpressionError(
                    "expression too deeply nested",
                    text,
                    signs_start,
                    i + 1,
                    hint=f"more than {MAX_DEPTH} signs in a row",
                )
        elif not ch.isspace():
            signs = 0
    if not text.strip():
        raise ExpressionError("empty expression")


def _parse(source: _Source) -> ast.Expression:
    try:
        with warnings.catch_warnings():
            # e.g. "invalid escape sequence" in a string we refuse anyway
            warnings.simplefilter("ignore")
            tree = ast.parse(source.body, mode="eval")
    except SyntaxError as exc:
        text = source.text
        message = exc.msg or "invalid syntax"
        if message.startswith("Exceeds the limit"):  # Python's own cap on int literals
            found = re.search(rf"\d{{{MAX_INT_DIGITS + 1},}}", text)
            where = found.span() if found else (len(text), len(text) + 1)
            raise ExpressionError(
                "integer literal too long", text, *where, hint=_INT_HINT
            ) from None
        hint = ""
        if message.startswith("invalid syntax. "):  # "... Perhaps you forgot a comma?"
            message, hint = "invalid syntax", message[len("invalid syntax. ") :]
        elif message != "invalid syntax":
            message = f"invalid syntax: {message}"
        if exc.lineno != 1 or not exc.offset or exc.offset < 1:
            # no usable position: the parser ran into the end of the input
            raise ExpressionError(message, text, len(text), hint=hint) from None
        start = min(source.lead + exc.offset - 1, len(text))
        end = exc.end_offset if exc.end_lineno == 1 and exc.end_offset else None
        stop = None if end is None else source.lead + end - 1
        raise ExpressionError(message, text, start, stop, hint=hint) from None
    except (MemoryError, RecursionError):
        # CPython's parser gives up on deep nesting (x**x**x**...) and on
        # very long chains of operations (x-x-x-...) this way.
        raise ExpressionError(
            "expression too complex for Python's parser",
            hint=f"nested too deeply, or more than {MAX_NODES} parts",
        ) from None
    except (ValueError, OverflowError) as exc:
        raise ExpressionError(f"invalid expression: {exc}") from None
    return tree


# --- checking the tree -------------------------------------------------------------------


def _number(node: ast.Constant, source: _Source) -> float:
    """The float of a numeric literal; anything else is refused."""
    value = node.value
    if isinstance(value, bool) or value is None:
        raise source.error(f"unsupported syntax: {value} is not a number", node)
    if isinstance(value, int):
        if abs(value) >= _INT_LIMIT:
            raise source.error("integer literal too long", node, hint=_INT_HINT)
        return float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, complex):
        raise source.error("unsupported syntax: complex number", node)
    if isinstance(value, (str, bytes)):
        raise source.error("unsupported syntax: string", node)
    raise source.error(f"unsupported syntax: {value!r}", node)


def _signed_number(node: ast.expr, source: _Source) -> float | None:
    """The value of a number with any signs in front (``-0.1``), else None."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        if isinstance(node.op, ast.USub):
            sign = -sign
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        if isinstance(node.value, bool):
            return None
        return sign * _number(node, source)
    return None


def _operator_span(node: ast.BinOp, symbol: str, source: _Source) -> tuple[int, int]:
    """Where the operator of a binary operation is written."""
    _, left_end = source.span(node.left)
    right_start, _ = source.span(node.right)
    found = source.text.find(symbol, left_end, right_start)
    if found < 0:
        return source.span(node)
    return found, found + len(symbol)


def _check_call(node: ast.Call, source: _Source) -> list[ast.expr]:
    func = node.func
    if not isinstance(func, (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call)):
        _check_node(func, source)  # refuses it, naming what it is: x.f(), (lambda: 1)()
    if not isinstance(func, ast.Name):
        raise source.error(
            "unsupported syntax: call of something other than a function name",
            func,
            hint=f"the functions are {_FUNCTION_LIST}",
        )
    name = func.id
    if name not in _METHODS:
        raise source.error(
            f"unknown function '{name}'", func, hint=f"the functions are {_FUNCTION_LIST}"
        )
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise source.error("unsupported syntax: starred argument", arg)
    if node.keywords:
        kw = node.keywords[0]
        what = "keyword argument" if kw.arg is not None else "** argument unpacking"
        raise source.error(f"unsupported syntax: {what}", kw)
    most = 2 if name == "leaky_relu" else 1
    if not 1 <= len(node.args) <= most:
        wanted = "one or two arguments (x, slope)" if most == 2 else "exactly one argument"
        raise source.error(f"{name}() takes {wanted}, got {len(node.args)}", node)
    if len(node.args) == 2 and _signed_number(node.args[1], source) is None:
        raise source.error(
            "the slope of leaky_relu must be a number", node.args[1], hint="e.g. leaky_relu(x, 0.1)"
        )
    return [node.args[0]]


def _check_node(node: ast.AST, source: _Source) -> list[ast.expr]:
    """Refuse ``node`` unless it is allowed; return the children to check next."""
    if isinstance(node, ast.Constant):
        _number(node, source)
        return []
    if isinstance(node, ast.Name):
        if node.id in _METHODS:
            raise source.error(
                f"'{node.id}' is a function, not a variable", node, hint=f"call it: {node.id}(x)"
            )
        return []
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            symbol, hint = _OTHER_BINOPS.get(type(node.op), (type(node.op).__name__, ""))
            start, end = _operator_span(node, symbol, source)
            raise source.error_at(f"unsupported operator '{symbol}'", start, end, hint=hint)
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            raise source.error("unsupported operator 'not'", node)
        if isinstance(node.op, ast.Invert):
            raise source.error("unsupported operator '~'", node)
        return [node.operand]
    if isinstance(node, ast.Call):
        return _check_call(node, source)
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        # Point at the ".name" or "[...]" part, not at what it is applied to.
        start, end = source.span(node.value)[1], source.span(node)[1]
        what = (
            f"attribute access (.{node.attr})" if isinstance(node, ast.Attribute) else "subscript"
        )
        raise source.error_at(f"unsupported syntax: {what}", start, end)
    name = _SYNTAX_NAMES.get(type(node), type(node).__name__)
    raise source.error(f"unsupported syntax: {name}", node)


def _check_tree(tree: ast.Expression, source: _Source) -> dict[str, ast.Name]:
    """Refuse the tree unless all of it is allowed; return its variables.

    The variables map each name to its leftmost occurrence, in the order
    they first appear. (Function names are not variables: a call's name is
    never visited as a node.)
    """
    parts = 0
    pending: list[ast.AST] = [tree.body]
    while pending:  # like ast.walk, which however imports on each call
        node = pending.pop()
        parts += isinstance(node, ast.expr)
        pending.extend(ast.iter_child_nodes(node))
    if parts > MAX_NODES:
        raise ExpressionError(
            f"expression too large: {parts} parts",
            hint=f"numbers, names and operations; the limit is {MAX_NODES}",
        )
    # Depth first and left to right with a stack of our own, so the leftmost
    # problem is the one reported, and depth costs no recursion.
    variables: dict[str, ast.Name] = {}
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        stack.extend(reversed(_check_node(node, source)))
        if isinstance(node, ast.Name):
            variables.setdefault(node.id, node)
    return variables


# --- variables ------------------------------------------------------------------------


def _check_name(name: str) -> str:
    """``name`` as Python reads it in an expression (NFKC), if it may name a variable."""
    if not isinstance(name, str):
        raise TypeError(f"variable names must be str, got {type(name).__name__}")
    normal = unicodedata.normalize("NFKC", name)
    if not normal.isidentifier() or keyword.iskeyword(normal):
        raise ExpressionError(
            f"{name!r} is not a valid variable name "
            "(letters, digits and _, not starting with a digit, not a Python keyword)"
        )
    if normal in _METHODS:
        raise ExpressionError(
            f"'{name}' is a function name and cannot be a variable; choose another name"
        )
    return normal


def _check_variables(variables: Mapping[str, float] | None) -> dict[str, float]:
    checked: dict[str, float] = {}
    for name, number in (variables or {}).items():
        normal = _check_name(name)
        value: object = number  # callers without type checks may pass anything
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"the value of variable '{name}' must be an int or float, "
                f"got {type(value).__name__}"
            )
        if normal in checked:
            raise ExpressionError(f"variable '{normal}' is given twice")
        checked[normal] = float(value)
    return checked


def _match_variables(used: dict[str, ast.Name], given: dict[str, float], source: _Source) -> None:
    shown = ", ".join(given) if given else "none"
    missing = [name for name in used if name not in given]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        plural = "s" if len(missing) > 1 else ""
        raise source.error(
            f"no value given for variable{plural} {names}",
            used[missing[0]],
            hint=f"variables given: {shown}",
        )
    unused = [name for name in given if name not in used]
    if unused:
        names = ", ".join(f"'{name}'" for name in unused)
        verb = "are" if len(unused) > 1 else "is"
        plural = "s" if len(unused) > 1 else ""
        raise ExpressionError(
            f"variable{plural} {names} {verb} given but not used in the expression"
        )


# --- building the graph ---------------------------------------------------------------


def _exponent(k: float) -> float | int:
    """A constant exponent as ``x ** 2`` would record it: '**2', not '**2.0'."""
    if k.is_integer() and abs(k) <= 2**53:
        return int(k)
    return k


def _as_value(x: Value | float) -> Value:
    return x if isinstance(x, Value) else _constant(x)


def _build(tree: ast.Expression, leaves: dict[str, Value], source: _Source) -> Value:
    """Compute the (already checked) tree bottom-up, with an explicit stack.

    Intermediate results are Values, or floats for plain numbers: a float
    meets a Value through Python's operators, exactly as in hand-written
    code, and signs in front of a number are folded into it.
    """
    results: dict[int, Value | float] = {}
    stack: list[tuple[ast.expr, bool]] = [(tree.body, False)]
    while stack:
        node, children_done = stack.pop()
        result: Value | float
        if isinstance(node, ast.Constant):
            result = _number(node, source)
        elif isinstance(node, ast.Name):
            result = leaves[node.id]
        elif not children_done:
            stack.append((node, True))
            if isinstance(node, ast.BinOp):
                stack.append((node.right, False))
                stack.append((node.left, False))
            elif isinstance(node, ast.UnaryOp):
                stack.append((node.operand, False))
            elif isinstance(node, ast.Call):
                stack.append((node.args[0], False))
            continue
        elif isinstance(node, ast.BinOp):
            left = results.pop(id(node.left))
            right = results.pop(id(node.right))
            if not isinstance(left, Value) and not isinstance(right, Value):
                left = _constant(left)  # 2 * 3 is still a * node with two constants
            if isinstance(node.op, ast.Pow) and not isinstance(right, Value):
                result = left ** _exponent(right)
            else:
                result = _BINOPS[type(node.op)](left, right)
        elif isinstance(node, ast.UnaryOp):
            operand = results.pop(id(node.operand))
            result = -operand if isinstance(node.op, ast.USub) else operand
        elif isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)  # checked by _check_call
            argument = _as_value(results.pop(id(node.args[0])))
            if len(node.args) == 2:
                slope = _signed_number(node.args[1], source)
                assert slope is not None  # checked by _check_call
                result = argument.leaky_relu(slope)
            else:
                result = _METHODS[node.func.id](argument)
        else:  # pragma: no cover - _check_tree refuses every other node
            raise source.error(f"unsupported syntax: {type(node).__name__}", node)
        results[id(node)] = result
    return _as_value(results[id(tree.body)])


# --- the public functions ---------------------------------------------------------------


def evaluate(
    text: str, variables: Mapping[str, float] | None = None
) -> tuple[Value, dict[str, Value]]:
    """Build the graph of ``text`` and return ``(output, leaves)``.

    Each variable becomes a leaf ``Value(value, label=name)``; ``leaves``
    maps the names to them, in the order given. Every variable the
    expression uses must be given, and every variable given must be used
    (a name given but unused is usually a typo, so it is an error too).

    Raises:
        ExpressionError: the text is refused (syntax outside the whitelist,
            a limit exceeded), or a variable is missing, unused, given
            twice or badly named. Nothing has been computed.
        DomainError: an op was applied outside its domain, e.g. ``log(-1)``.
        TypeError: ``text`` is not a str, or a variable's value is not a
            real number.
    """
    if not isinstance(text, str):
        raise TypeError(f"the expression must be a str, got {type(text).__name__}")
    given = _check_variables(variables)
    _check_raw(text)
    source = _Source(text)
    tree = _parse(source)
    _match_variables(_check_tree(tree, source), given, source)
    leaves = {name: Value(value, label=name) for name, value in given.items()}
    return _build(tree, leaves, source), leaves


def parse_assignments(items: Iterable[str]) -> dict[str, float]:
    """Read ``name=value`` items, as typed on a command line, into a dict.

    >>> parse_assignments(["x=2", "w1=-3"])
    {'x': 2.0, 'w1': -3.0}

    Raises ExpressionError for a malformed item (``x``, ``=3``, ``x=``,
    ``x=abc``, ``1x=3``), a name that is a function (``exp=1``) or a
    Python keyword, and a name given twice.
    """
    found: dict[str, float] = {}
    seen: dict[str, str] = {}
    for item in items:
        name, equals, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not equals:
            raise ExpressionError(f"expected name=value, got {item!r}")
        if not name:
            raise ExpressionError(f"missing variable name before '=' in {item!r}")
        if not text:
            raise ExpressionError(f"missing value after '=' in {item!r}")
        normal = _check_name(name)
        try:
            value = float(text)
        except ValueError:
            raise ExpressionError(
                f"the value of {name} is not a number: {text!r} (in {item!r})"
            ) from None
        if normal in found:
            raise ExpressionError(f"variable '{normal}' is given twice ({seen[normal]} and {item})")
        found[normal] = value  # nan and inf included: the engine accepts them
        seen[normal] = item
    return found
