"""engine.expr: expressions as text, parsed (never run as Python) into graphs.

* valid expressions give the graph, data and gradients of the same
  expression written by hand with Values;
* everything outside the whitelist is refused with ExpressionError, naming
  the problem and pointing at it with a column and a caret;
* resource bombs are refused (or evaluated harmlessly) at once;
* fuzzing: arbitrary text never escapes as another exception, never hangs
  and never runs code.
"""

# Greek letters are variable names here on purpose (RUF001 flags them as look-alikes).
# ruff: noqa: RUF001

from __future__ import annotations

import ast
import builtins
import contextlib
import math
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import DomainError, Value, draw_dot
from engine.cli.expr import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_LENGTH,
    MAX_NODES,
    ExpressionError,
    evaluate,
    parse_assignments,
)
from engine.core.value import CONSTANT

NEURON = "tanh(x*w1 + y*w2 + b)"
NEURON_VARIABLES = {"x": 2.0, "y": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}

# A generous bound that only catches hangs; these all take milliseconds.
QUICK = 2.0


def by_hand(variables: dict[str, float]) -> dict[str, Value]:
    return {name: Value(value, label=name) for name, value in variables.items()}


# --- valid expressions: the same as by hand -----------------------------------------


def applied_to_x(method: str) -> Callable[[dict[str, Value]], Value]:
    return lambda v: getattr(v["x"], method)()


V = dict[str, Value]
XY = {"x": 0.7, "y": -1.3}

# (expression, variables, the same written with Values). These give the very
# same graph: the DOT source of the two drawings is identical.
SAME_GRAPH: list[tuple[str, dict[str, float], Callable[[V], Value]]] = [
    (NEURON, NEURON_VARIABLES, lambda v: (v["x"] * v["w1"] + v["y"] * v["w2"] + v["b"]).tanh()),
    ("x + y", XY, lambda v: v["x"] + v["y"]),
    ("x - y", XY, lambda v: v["x"] - v["y"]),
    ("x * y", XY, lambda v: v["x"] * v["y"]),
    ("x / y", XY, lambda v: v["x"] / v["y"]),
    ("x ** y", {"x": 1.5, "y": -0.5}, lambda v: v["x"] ** v["y"]),
    ("x ** 2", XY, lambda v: v["x"] ** 2),
    ("x ** 0.5", XY, lambda v: v["x"] ** 0.5),
    ("x ** -1", XY, lambda v: v["x"] ** -1),
    ("2 ** x", XY, lambda v: 2 ** v["x"]),
    ("x * 2 + 3", XY, lambda v: v["x"] * 2 + 3),
    ("3 - x / 4", XY, lambda v: 3 - v["x"] / 4),
    ("-x", XY, lambda v: -v["x"]),
    ("+x", XY, lambda v: +v["x"]),
    ("- - x", XY, lambda v: (-v["x"]).__neg__()),
    ("x * -2", XY, lambda v: v["x"] * -2),
    ("x * +2.5e-1", XY, lambda v: v["x"] * 0.25),
    ("-(x * y)", XY, lambda v: -(v["x"] * v["y"])),
    ("(x + y) * (x - y)", XY, lambda v: (v["x"] + v["y"]) * (v["x"] - v["y"])),
    ("x - y - x", XY, lambda v: v["x"] - v["y"] - v["x"]),
    ("x * x", XY, lambda v: v["x"] * v["x"]),
    ("x + x + x", XY, lambda v: v["x"] + v["x"] + v["x"]),
    ("(x * y) * (x * y) + y", XY, lambda v: (v["x"] * v["y"]) * (v["x"] * v["y"]) + v["y"]),
    ("sqrt(x*x + y*y)", XY, lambda v: (v["x"] * v["x"] + v["y"] * v["y"]).sqrt()),
    ("leaky_relu(y)", XY, lambda v: v["y"].leaky_relu()),
    ("leaky_relu(y, 0.2)", XY, lambda v: v["y"].leaky_relu(0.2)),
    ("leaky_relu(y, -0.1)", XY, lambda v: v["y"].leaky_relu(-0.1)),
    (
        "exp(-x) * sin(cos(x)) / (1 + abs(y))",
        XY,
        lambda v: (-v["x"]).exp() * v["x"].cos().sin() / (1 + v["y"].abs()),
    ),
    ("log(sigmoid(x)) - relu(y)", XY, lambda v: v["x"].sigmoid().log() - v["y"].relu()),
    ("  x * y  ", XY, lambda v: v["x"] * v["y"]),
    ("α * β_2", {"α": 2.0, "β_2": 3.0}, lambda v: v["α"] * v["β_2"]),
] + [(f"{name}(x)", XY, applied_to_x(name)) for name in FUNCTIONS]


# Where numbers meet numbers ("2 ** 3"), the parsed graph keeps the op, with
# both numbers as constant leaves, while Python folds 2 ** 3 to 8 before any
# Value sees it. Data and gradients still agree.
SAME_NUMBERS: list[tuple[str, dict[str, float], Callable[[V], Value]]] = [
    ("x ** 2 ** 3", {"x": 1.1}, lambda v: v["x"] ** 2**3),
    ("x * (2 + 3)", {"x": 1.1}, lambda v: v["x"] * 5),
    ("exp(2) * x", {"x": 1.1}, lambda v: math.exp(2) * v["x"]),
    ("x / (1 - 4 ** 0.5)", {"x": 1.1}, lambda v: v["x"] / -1.0),
]


def ids(cases: list[Any]) -> list[str]:
    return [case[0] for case in cases]


@pytest.mark.parametrize(("text", "variables", "build"), SAME_GRAPH, ids=ids(SAME_GRAPH))
def test_same_as_by_hand(
    text: str, variables: dict[str, float], build: Callable[[V], Value]
) -> None:
    variables = {n: v for n, v in variables.items() if re.search(rf"\b{n}\b", text)}
    out, leaves = evaluate(text, variables)
    hand = by_hand(variables)
    expected = build(hand)
    assert out.data == expected.data
    # The same graph, node for node: the drawings are identical.
    assert draw_dot(out).source == draw_dot(expected).source
    check_gradients(out, leaves, expected, hand)


@pytest.mark.parametrize(("text", "variables", "build"), SAME_NUMBERS, ids=ids(SAME_NUMBERS))
def test_same_numbers_as_by_hand(
    text: str, variables: dict[str, float], build: Callable[[V], Value]
) -> None:
    out, leaves = evaluate(text, variables)
    hand = by_hand(variables)
    expected = build(hand)
    assert out.data == expected.data
    check_gradients(out, leaves, expected, hand)


def check_gradients(out: Value, leaves: V, expected: Value, hand: V) -> None:
    out.backward()
    expected.backward()
    assert list(leaves) == list(hand)
    for name in hand:
        assert leaves[name].grad == hand[name].grad, name


def test_the_tanh_neuron() -> None:
    out, leaves = evaluate(NEURON, NEURON_VARIABLES)
    out.backward()
    assert out.data == pytest.approx(0.7071, abs=1e-4)
    assert leaves["x"].grad == pytest.approx(-1.5)
    assert leaves["w1"].grad == pytest.approx(1.0)
    assert leaves["y"].grad == pytest.approx(0.5)
    assert leaves["w2"].grad == pytest.approx(0.0)
    assert leaves["b"].grad == pytest.approx(0.5)


def test_leaves_are_labeled_inputs_reused_at_each_occurrence() -> None:
    out, leaves = evaluate("x * y + x", {"y": 3.0, "x": 2.0})
    assert list(leaves) == ["y", "x"]  # the order given
    assert leaves["x"].label == "x"
    assert leaves["x"].data == 2.0
    assert leaves["x"].is_leaf
    product, x_again = out._prev
    assert x_again is leaves["x"]
    assert product._prev == (leaves["x"], leaves["y"])
    out.backward()
    assert leaves["x"].grad == 4.0  # y + 1: both uses add up


def test_numbers_are_constant_leaves_and_signs_belong_to_them() -> None:
    out, leaves = evaluate("x * -2", {"x": 1.5})
    assert out._op == "*"  # no negation node: -2 is one number
    x, two = out._prev
    assert x is leaves["x"]
    assert two.data == -2.0
    assert two._seq == CONSTANT
    assert two.label == ""
    # a function of a number: the number is a constant leaf too
    out, leaves = evaluate("exp(2)")
    assert leaves == {}
    assert out.data == pytest.approx(math.exp(2))
    assert out._prev[0]._seq == CONSTANT
    # numbers only: still a graph, with both operands as constants
    out, _ = evaluate("2 * 3")
    assert out.data == 6.0
    assert out._op == "*"
    assert [p.data for p in out._prev] == [2.0, 3.0]


@pytest.mark.parametrize(("text", "expected"), [("7", 7.0), ("-2", -2.0), ("+1.5", 1.5)])
def test_a_number_alone_is_a_value(text: str, expected: float) -> None:
    out, leaves = evaluate(text)
    assert isinstance(out, Value)
    assert out.data == expected
    assert leaves == {}


def test_integer_exponents_are_recorded_as_micrograd_does() -> None:
    out, _ = evaluate("x ** 2", {"x": 3.0})
    assert out._op == "**2"
    out, _ = evaluate("x ** 2.5", {"x": 3.0})
    assert out._op == "**2.5"


def test_overflow_gives_inf_not_an_error() -> None:
    out, _ = evaluate("9**9**9**9")
    assert out.data == math.inf
    out, _ = evaluate("exp(x)", {"x": 1000.0})
    assert out.data == math.inf
    out, _ = evaluate("1e400 * x", {"x": 1.0})  # a float literal too big for a float is inf
    assert out.data == math.inf


@pytest.mark.parametrize(
    ("text", "variables", "message"),
    [
        ("log(x)", {"x": -1.0}, "log(-1.0) is undefined"),
        ("sqrt(x)", {"x": -4.0}, "sqrt(-4.0) is undefined"),
        ("1 / x", {"x": 0.0}, "1.0 / 0.0 is undefined"),
        ("x ** 0.5", {"x": -2.0}, "(-2.0) ** 0.5 is undefined"),
        ("log(0)", {}, "log(0.0) is undefined"),
    ],
)
def test_domain_errors_are_the_engines(
    text: str, variables: dict[str, float], message: str
) -> None:
    with pytest.raises(DomainError, match=re.escape(message)):
        evaluate(text, variables)


# --- refusals -------------------------------------------------------------------------

# (expression, what the message must say, the column it must point at)
REFUSED: list[tuple[str, str, int]] = [
    ("x.data", "unsupported syntax: attribute access", 2),
    ("x.exp()", "attribute access (.exp)", 2),
    ("__import__('os')", "unknown function '__import__'", 1),
    ("__import__('os').system('touch PWNED')", "attribute access (.system)", 17),
    ("print(x)", "unknown function 'print'", 1),
    ("lambda: x", "unsupported syntax: lambda", 1),
    ("x + (lambda t: t)(1)", "lambda", 6),
    ("x[0]", "unsupported syntax: subscript", 2),
    ("x[1:2]", "subscript", 2),
    ("[t for t in x]", "unsupported syntax: comprehension", 1),
    ("{t: 1 for t in x}", "comprehension", 1),
    ("sum(t for t in x)", "unknown function 'sum'", 1),
    ("'os'", "unsupported syntax: string", 1),
    ("x + 'a'", "string", 5),
    ("b'x'", "string", 1),
    ("f'{x}'", "unsupported syntax: f-string", 1),
    ("exp(x=1)", "unsupported syntax: keyword argument", 5),
    ("exp(**x)", "** argument unpacking", 5),
    ("exp(*x)", "unsupported syntax: starred argument", 5),
    ("x < 1", "unsupported syntax: comparison", 1),
    ("1 < x == 2", "comparison", 1),
    ("x and y", "unsupported syntax: boolean operator", 1),
    ("x or y", "boolean operator", 1),
    ("not x", "unsupported operator 'not'", 1),
    ("~x", "unsupported operator '~'", 1),
    ("x if y else 1", "unsupported syntax: conditional expression", 1),
    ("(y := 2)", "unsupported syntax: assignment expression (:=)", 2),
    ("exp(x)(x)", "call of something other than a function name", 1),
    ("(1)(x)", "call of something other than a function name", 2),
    ("x // 2", "unsupported operator '//'", 3),
    ("x % 2", "unsupported operator '%'", 3),
    ("x @ y", "unsupported operator '@'", 3),
    ("x ^ 2", "unsupported operator '^' at column 3 (for a power write **)", 3),
    ("x | y", "unsupported operator '|'", 3),
    ("x & y", "unsupported operator '&'", 3),
    ("x << 1", "unsupported operator '<<'", 3),
    ("(x)>>(y)", "unsupported operator '>>'", 4),
    ("[x, 1]", "unsupported syntax: list", 1),
    ("(x, 1)", "unsupported syntax: tuple", 1),
    ("x, 1", "tuple", 1),
    ("{x}", "unsupported syntax: set", 1),
    ("{x: 1}", "unsupported syntax: dict", 1),
    ("await x", "unsupported syntax: await", 1),
    ("(yield x)", "unsupported syntax: yield", 2),
    ("True", "True is not a number", 1),
    ("x * None", "None is not a number", 5),
    ("1j", "unsupported syntax: complex number", 1),
    ("...", "unsupported syntax", 1),
    ("9" * (MAX_INT_DIGITS + 1), "integer literal too long", 1),
    ("x + 1" + "0" * MAX_INT_DIGITS, f"more than {MAX_INT_DIGITS} digits", 5),
    ("1 + " + "9" * 5000, "integer literal too long", 5),  # past Python's own limit
    ("exp", "'exp' is a function, not a variable", 1),
    ("x + cos", "'cos' is a function", 5),
    ("exp(x, y)", "exp() takes exactly one argument, got 2", 1),
    ("exp()", "exp() takes exactly one argument, got 0", 1),
    ("leaky_relu(x, 0.1, 2)", "leaky_relu() takes one or two arguments", 1),
    ("leaky_relu(x, y)", "the slope of leaky_relu must be a number", 15),
    ("leaky_relu(x, True)", "the slope of leaky_relu must be a number", 15),
    ("x +", "invalid syntax", 4),
    ("(x", "'(' was never closed", 1),
    ("x)", "unmatched ')'", 2),
    ("x = 1", "invalid syntax", 3),
    ("import os", "invalid syntax", 1),
    ("1 2", "invalid syntax", 3),
    ("x $ y", "invalid syntax", 3),
    ("x\ny", "invalid character U+000A", 2),
    ("x\0", "invalid character U+0000", 2),
    ("x + \ud800", "invalid character U+D800", 5),
    ("  x.y", "attribute access", 4),
    ("α.β", "attribute access", 2),
    ("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "too deeply nested", MAX_DEPTH + 1),
    ("-" * (MAX_DEPTH + 1) + "x", f"more than {MAX_DEPTH} signs in a row", 1),
    ("x * " + "- " * (MAX_DEPTH + 1) + "x", "signs in a row", 5),
]


@pytest.mark.parametrize(
    ("text", "problem", "column"), REFUSED, ids=[repr(c[0])[:40] for c in REFUSED]
)
def test_refused_with_column_and_caret(text: str, problem: str, column: int) -> None:
    variables = {name: 1.0 for name in ("x", "y") if name in text}
    with pytest.raises(ExpressionError) as info:
        evaluate(text, variables)
    error = info.value
    assert problem in error.message
    assert error.column == column
    assert f"at column {column}" in error.message
    assert "\n" not in error.message
    shown, carets = error.caret.split("\n")
    assert str(error) == f"{error.message}\n{error.caret}"
    # The caret stands under the column (the display is indented by two).
    if len(text) < 60:
        assert shown[2:] == "".join(c if c.isprintable() else " " for c in text)
        assert carets.index("^") == 2 + column - 1
    assert set(carets.strip()) == {"^"}


def test_refused_error_is_a_value_error_with_its_parts() -> None:
    with pytest.raises(ValueError, match="attribute access") as info:
        evaluate("2 * x.data", {"x": 1.0})
    error = info.value
    assert isinstance(error, ExpressionError)
    assert error.problem == "unsupported syntax: attribute access (.data)"
    assert error.column == 6
    assert error.caret == "  2 * x.data\n       ^^^^^"


def test_caret_in_a_long_expression_shows_an_excerpt() -> None:
    text = "x + " * 40 + "x.data + " + "x + " * 40 + "x"
    with pytest.raises(ExpressionError) as info:
        evaluate(text, {"x": 1.0})
    shown, carets = info.value.caret.split("\n")
    assert info.value.column == 4 * 40 + 2
    assert shown.startswith("  ...")
    assert shown.endswith("...")
    assert len(shown) < 90
    start = carets.index("^")
    assert shown[start : start + 5] == ".data"
    assert carets[start:] == "^^^^^"


def test_nothing_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    attacks = [
        "__import__('os').system('touch PWNED')",
        "__import__('os')",
        'exec(\'open("PWNED", "w")\')',
        "eval('1')",
        "open('PWNED', 'w')",
        "(lambda: __import__('os').system('touch PWNED'))()",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        "exp.__globals__",
        "x.__class__",
    ]
    with forbid_code_execution():
        for text in attacks:
            with pytest.raises(ExpressionError):
                evaluate(text, {"x": 1.0})
    assert list(tmp_path.iterdir()) == []


# --- variables ------------------------------------------------------------------------


def test_missing_variable_is_named_with_the_given_ones() -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate("x * w + b", {"x": 1.0, "w": 2.0})
    error = info.value
    assert error.problem == "no value given for variable 'b'"
    assert error.column == 9
    assert "variables given: x, w" in error.message


def test_several_missing_variables_are_all_named() -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate("y + x * z + y")
    assert "variables 'y', 'x', 'z'" in info.value.message
    assert "variables given: none" in info.value.message
    assert info.value.column == 1


def test_unused_variable_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="variable 'w2' is given but not used") as info:
        evaluate("x * w1", {"x": 1.0, "w1": 2.0, "w2": 3.0})
    assert info.value.column is None
    assert info.value.caret == ""
    with pytest.raises(ExpressionError, match="variables 'a', 'b' are given but not used"):
        evaluate("x", {"x": 1.0, "a": 1.0, "b": 2.0})


def test_function_names_are_not_variables() -> None:
    # a function name given as a variable is refused, used as a call it is fine
    with pytest.raises(ExpressionError, match="'exp' is a function name"):
        evaluate("exp(x)", {"x": 1.0, "exp": 2.0})
    out, leaves = evaluate("exp(x)", {"x": 0.0})
    assert out.data == 1.0
    assert list(leaves) == ["x"]


@pytest.mark.parametrize(
    ("variables", "error", "message"),
    [
        ({"1x": 1.0}, ExpressionError, "'1x' is not a valid variable name"),
        ({"if": 1.0}, ExpressionError, "not a valid variable name"),
        ({"x": "1"}, TypeError, "variable 'x' must be an int or float, got str"),
        ({"x": True}, TypeError, "got bool"),
        ({"x": None}, TypeError, "got NoneType"),
        ({1: 1.0}, TypeError, "variable names must be str"),
    ],
)
def test_bad_variables_dict(variables: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        evaluate("x", variables)


def test_text_must_be_a_str() -> None:
    with pytest.raises(TypeError, match="must be a str, got bytes"):
        evaluate(b"x", {"x": 1.0})  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_empty_expression(text: str) -> None:
    with pytest.raises(ExpressionError, match="empty expression"):
        evaluate(text)


# --- name=value assignments -------------------------------------------------------------


def test_parse_assignments() -> None:
    parsed = parse_assignments(["x=2", "w1=-3", " y = 1.5e3 ", "α=0.5", "_z=1_000"])
    assert parsed == {"x": 2.0, "w1": -3.0, "y": 1500.0, "α": 0.5, "_z": 1000.0}
    assert all(type(v) is float for v in parsed.values())
    assert parse_assignments([]) == {}
    assert math.isinf(parse_assignments(["x=inf"])["x"])


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["x"], "expected name=value, got 'x'"),
        (["=3"], "missing variable name before '=' in '=3'"),
        (["x="], "missing value after '=' in 'x='"),
        (["x=abc"], "the value of x is not a number: 'abc'"),
        (["x=1=2"], "not a number"),
        (["1x=3"], "'1x' is not a valid variable name"),
        (["x-y=3"], "'x-y' is not a valid variable name"),
        (["if=3"], "'if' is not a valid variable name"),
        (["exp=1"], "'exp' is a function name and cannot be a variable"),
        (["x=1", "y=2", "x=2"], "variable 'x' is given twice (x=1 and x=2)"),
    ],
)
def test_parse_assignments_refuses(items: list[str], message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        parse_assignments(items)


# --- resource bombs -----------------------------------------------------------------------


def outcome(text: str) -> Value | ExpressionError | DomainError:
    """What evaluate() makes of ``text`` (given the variables it seems to use)."""
    variables = {n: v for n, v in FUZZ_VARIABLES.items() if re.search(rf"\b{n}\b", text)}
    try:
        return evaluate(text, variables)[0]
    except (ExpressionError, DomainError) as error:
        return error


BOMBS: dict[str, str] = {
    "power tower": "9**9**9**9",
    "1 MB": "x + " * 250_000 + "x",
    "10,000 parentheses": "(" * 10_000 + "x" + ")" * 10_000,
    "100,000 minus signs": "-" * 100_000 + "x",
    "2,000-term sum": " + ".join(["x"] * 2_000),
    "deep brackets within the length limit": "(" * 4_000 + "x" + ")" * 4_000,
    "deep brackets of all kinds": "[{(" * 200 + "x",
    "power chain": "x**" * 3_000 + "x",
    "long subtraction chain": "-x" * 4_000,
    "huge int literal": "9" * 9_999,
    "huge hex literal": "0x" + "f" * 9_000,
    "huge float literal": "1" + "0" * 9_000 + ".0 * x",
    "many calls": "exp(" * 100 + "x" + ")" * 100,
    "many nodes": "x*" * 4_000 + "x",
}


@pytest.mark.parametrize("text", BOMBS.values(), ids=BOMBS.keys())
def test_resource_bombs_are_quick(text: str) -> None:
    start = time.perf_counter()
    result = outcome(text)
    assert time.perf_counter() - start < QUICK
    if isinstance(result, ExpressionError):
        assert result.message
        assert "\n" not in result.message
    else:
        assert isinstance(result, Value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "x + " * 250_000 + "x",
            f"expression too long: 1000001 characters, the limit is {MAX_LENGTH}",
        ),
        (" + ".join(["x"] * 2_000), "expression too large: 3999 parts"),
        ("(" * 4_000 + "x" + ")" * 4_000, "more than 100 levels of brackets"),
        ("x**" * 3_000 + "x", "expression too complex for Python's parser"),
        ("-x" * 4_000, "expression too complex for Python's parser"),
    ],
    ids=["1 MB", "2,000-term sum", "deep brackets", "power chain", "subtraction chain"],
)
def test_how_bombs_are_refused(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        evaluate(text, {"x": 1.0})


def test_limits_are_inclusive() -> None:
    evaluate("x" + " " * (MAX_LENGTH - 1), {"x": 1.0})
    with pytest.raises(ExpressionError, match="too long"):
        evaluate("x" + " " * MAX_LENGTH, {"x": 1.0})
    evaluate("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH, {"x": 1.0})
    evaluate("-" * MAX_DEPTH + "x", {"x": 1.0})
    evaluate("9" * MAX_INT_DIGITS)
    # 1000 terms: 999 additions and 1000 names, within MAX_NODES parts
    out, _ = evaluate(" + ".join(["x"] * (MAX_NODES // 2)), {"x": 1.0})
    assert out.data == MAX_NODES // 2
    with pytest.raises(ExpressionError, match="too large"):
        evaluate(" + ".join(["x"] * (MAX_NODES // 2 + 1)), {"x": 1.0})


# --- fuzzing ----------------------------------------------------------------------------


@contextlib.contextmanager
def forbid_code_execution() -> Iterator[None]:
    """Fail loudly if anything imports, evals, execs or compiles code meanwhile.

    compile() may only build syntax trees (ast.parse uses it that way).
    CPython's parser imports unicodedata to normalize non-ASCII names.
    """
    real_import, real_compile = builtins.__import__, builtins.compile

    def guarded_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name != "unicodedata":
            raise AssertionError(f"import of {name!r} while evaluating an expression")
        return real_import(name, *args, **kwargs)

    def guarded_compile(
        source: Any, filename: Any, mode: str, flags: int = 0, *a: Any, **k: Any
    ) -> Any:
        if not flags & ast.PyCF_ONLY_AST:
            raise AssertionError("compile() asked for code while evaluating an expression")
        return real_compile(source, filename, mode, flags, *a, **k)

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("eval() or exec() while evaluating an expression")

    with mock.patch.multiple(
        builtins,
        __import__=guarded_import,
        compile=guarded_compile,
        eval=forbidden,
        exec=forbidden,
    ):
        yield


def test_the_guard_works() -> None:
    with forbid_code_execution():
        with pytest.raises(AssertionError, match="import of 'os'"):
            __import__("os")
        with pytest.raises(AssertionError, match="eval"):
            eval("1")
        with pytest.raises(AssertionError, match="compile"):
            compile("1", "<test>", "eval")
        ast.parse("x", mode="eval")  # allowed


FUZZ_VARIABLES = {"x": 0.5, "y": -2.0, "α": 3.0}


def evaluate_safely(text: str) -> None:
    """evaluate() returns a Value or raises one of its documented errors, quickly."""
    # Give the variables the text seems to use, so that some texts get
    # past the variable checks and are computed.
    start = time.perf_counter()
    with forbid_code_execution():
        result = outcome(text)
    assert time.perf_counter() - start < QUICK
    if isinstance(result, ExpressionError):
        assert result.message
        assert "\n" not in result.message
    else:
        assert isinstance(result, (Value, DomainError))


TOKENS = [
    *["x", "y", "α", "z", "_", "x1", "exp", "log", "leaky_relu", "sqrt", "tanh", "abs"],
    *["0", "1", "2.5", "9", "1e308", "0x1f", "1j", "1_0", "007"],
    *["+", "-", "*", "/", "**", "//", "%", "@", "^", "~", "<", "==", "=", ":="],
    *["(", ")", "(", ")", "[", "]", "{", "}", ".", ",", ":", "'", '"', "f'", "\\", "#"],
    *["lambda", "import", "__import__", "os", "not", "and", "if", "else", "for", "in"],
    *[" ", " ", "\t", "\n", "\0", "None", "True", "..."],
]


@settings(max_examples=300)
@given(st.text())
def test_fuzz_any_text(text: str) -> None:
    evaluate_safely(text)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_fuzz_token_soup(text: str) -> None:
    evaluate_safely(text)


EXPRESSION_PARTS = st.recursive(
    st.sampled_from(["x", "y", "2.0", "0.5", "-1.0", "0.0"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
        inner.map(lambda t: f"-{t}"),
    ),
    max_leaves=12,
)


def as_value(method: Callable[[Value], Value]) -> Callable[[Any], Value]:
    return lambda a: method(a if isinstance(a, Value) else Value(a))


@settings(max_examples=200)
@given(EXPRESSION_PARTS)
def test_fuzz_valid_expressions_agree_with_python(text: str) -> None:
    # A valid expression computes what Python computes for the same text,
    # with Values for the variables, or raises the engine's DomainError.
    # (eval here runs text this test built, with no builtins.)
    variables = {n: v for n, v in FUZZ_VARIABLES.items() if re.search(rf"\b{n}\b", text)}
    try:
        out, _ = evaluate(text, variables)
    except DomainError:
        return
    namespace: dict[str, Any] = {name: as_value(getattr(Value, name)) for name in FUNCTIONS}
    namespace.update(by_hand(variables))
    try:
        expected = eval(text, {"__builtins__": {}}, namespace)
    except (OverflowError, ZeroDivisionError):  # Python's floats raise where Values give inf
        return
    expected_data = expected.data if isinstance(expected, Value) else expected
    assert out.data == pytest.approx(expected_data, nan_ok=True, rel=1e-12)
