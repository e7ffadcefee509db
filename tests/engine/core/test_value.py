"""The Value class: construction, reprs, operators, edge values and every error."""

from __future__ import annotations

import copy
import math
import pickle
import sys
from collections.abc import Callable
from fractions import Fraction

import pytest

import engine
from engine import RULES, DomainError, Value, no_grad
from engine.core.graph import values_in_order
from engine.core.rules import IEEE_DIV, Rule
from engine.core.value import dot_of_values
from tests.oracle import ORACLE, apply, cases

INF = math.inf
NAN = math.nan

# --- construction and repr -----------------------------------------------------------


def test_construction_defaults() -> None:
    v = Value(2)
    assert type(v.data) is float
    assert v.data == 2.0
    assert v.grad == 0.0
    assert v.label == ""
    assert v._prev == ()
    assert v._op == ""
    assert v.is_leaf


@pytest.mark.parametrize(
    ("number", "expected"), [(3, 3.0), (-2.5, -2.5), (Fraction(1, 4), 0.25), (True, 1.0)]
)
def test_construction_from_real_numbers(number: object, expected: float) -> None:
    v = Value(number)  # type: ignore[arg-type]
    assert type(v.data) is float
    assert v.data == expected


def test_repr_shows_label_data_and_grad() -> None:
    a = Value(2.0, label="a")
    assert repr(a) == "Value(data=2.0, grad=0.0, label='a')"
    (a * 3.0).backward()
    assert repr(a) == "Value(data=2.0, grad=3.0, label='a')"
    assert repr(Value(-1.5)) == "Value(data=-1.5, grad=0.0)"


@pytest.mark.parametrize(
    "x", [123456789.0, 1 / 3, -2 / 3 * 1e300, 123456789.123, 1e-300 / 7, 5e-324, INF, -0.0]
)
def test_repr_never_rounds(x: float) -> None:
    v = Value(x)
    v.grad = x / 3
    text = repr(v)
    assert text == f"Value(data={x!r}, grad={x / 3!r})"
    shown = text.removeprefix("Value(data=").removesuffix(")").split(", grad=")
    assert [float(t) for t in shown] == [v.data, v.grad]  # reads back exactly
    assert repr(Value(123456789.0)) == "Value(data=123456789.0, grad=0.0)"
    assert repr(Value(NAN)) == "Value(data=nan, grad=0.0)"


@pytest.mark.parametrize(
    ("make", "where"),
    [
        (lambda: Value(10**400), r"Value\(\): the int 100000000000\.\.\. \(401 digits\)"),
        (lambda: Value(-(10**400)), r"Value\(\): the int -100000000000\.\.\. \(401 digits\)"),
        (lambda: Value(Fraction(10**400, 3)), r"Value\(\): the Fraction"),  # type: ignore[arg-type]
        (lambda: Value(2.0) ** 10**400, r"the exponent of \*\*: the int 1000"),
        (lambda: Value(0.5) ** -(10**5000), "exponent of .*an int of about 5,000 digits"),
        (lambda: Value(2) * 10**400, r"the operand of \*: the int 1000"),
        (lambda: 10**400 * Value(2), r"the operand of \*: the int 1000"),
        (lambda: Value(2) + 2**1024, r"the operand of \+: the int 179769313486\.\.\. \(309 digits"),
        (lambda: Value(2) / 10**400, "the operand of /"),
        (lambda: (2**1024) ** Value(2), r"the operand of \*\*: the int 1797"),
        (lambda: engine.sum([Value(1), 10**400]), "the operand of sum"),
        (lambda: engine.dot([Value(1)], [10**400]), "the operand of dot"),
        (lambda: Value(1).leaky_relu(10**400), r"leaky_relu\(negative_slope\): the int"),
        (lambda: Value(1).backward(10**400), r"backward\(gradient\): the int"),
    ],
)
def test_ints_too_large_for_a_float_get_a_clear_error(
    make: Callable[[], object], where: str
) -> None:
    with pytest.raises(OverflowError, match=where) as info:
        make()
    assert "too large for a float" in str(info.value)
    assert "Use a smaller number, or math.inf" in str(info.value)
    assert len(str(info.value)) < 300


def test_the_largest_ints_that_fit_a_float_still_work() -> None:
    biggest = int(sys.float_info.max)
    assert Value(biggest).data == float(biggest)
    assert (Value(1.0) * biggest).data == float(biggest)
    assert (Value(1.0) * -biggest).data == -float(biggest)
    assert (Value(2.0) ** 1023).data == 2.0**1023


def test_float_and_item() -> None:
    v = Value(2.5)
    assert float(v) == 2.5
    assert v.item() == 2.5


def test_prev_keeps_order_and_duplicates() -> None:
    a, b = Value(1.0), Value(2.0)
    assert _same((a * b)._prev, (a, b))
    assert _same((b * a)._prev, (b, a))
    assert _same((a * a)._prev, (a, a))
    assert _same((a - b)._prev, (a, b))
    assert _same(engine.sum([a, b, a])._prev, (a, b, a))
    left = 2 - a
    assert left._prev[1] is a
    assert left._prev[0].is_leaf
    assert left._prev[0].data == 2.0
    assert (a - 2)._prev[0] is a
    assert (a - 2)._prev[1].data == 2.0


def _same(xs: tuple[Value, ...], ys: tuple[Value, ...]) -> bool:
    return len(xs) == len(ys) and all(x is y for x, y in zip(xs, ys))


OP_STRINGS: list[tuple[Callable[[Value, Value], Value], str]] = [
    (lambda a, b: a + b, "+"),
    (lambda a, b: 1 + a, "+"),
    (lambda a, b: a - b, "-"),
    (lambda a, b: a * b, "*"),
    (lambda a, b: a / b, "/"),
    (lambda a, b: -a, "neg"),
    (lambda a, b: a**2, "**2"),
    (lambda a, b: a**0.5, "**0.5"),
    (lambda a, b: a**-1, "**-1"),
    (lambda a, b: a**b, "**"),
    (lambda a, b: 2**a, "**"),
    (lambda a, b: a.exp(), "exp"),
    (lambda a, b: a.log(), "log"),
    (lambda a, b: a.sqrt(), "sqrt"),
    (lambda a, b: a.tanh(), "tanh"),
    (lambda a, b: a.sigmoid(), "sigmoid"),
    (lambda a, b: a.relu(), "ReLU"),
    (lambda a, b: a.leaky_relu(), "leaky_relu"),
    (lambda a, b: a.abs(), "abs"),
    (lambda a, b: abs(a), "abs"),
    (lambda a, b: a.sin(), "sin"),
    (lambda a, b: a.cos(), "cos"),
    (lambda a, b: engine.sum([a, b]), "sum"),
    (lambda a, b: engine.dot([a], [b]), "dot"),
]


@pytest.mark.parametrize(("make", "op"), OP_STRINGS, ids=[op for _, op in OP_STRINGS])
def test_op_strings(make: Callable[[Value, Value], Value], op: str) -> None:
    assert make(Value(2.0), Value(3.0))._op == op


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_shows_its_symbol(name: str) -> None:
    # micrograd's strings are pinned above; every other op shows its row's symbol
    case = cases(name)[0]
    _, out = apply(name, case)
    assert out._rule is RULES[name]
    assert out._op == RULES[name].label(case.params) != ""


# --- micrograd-style construction ----------------------------------------------------


def test_micrograd_style_nodes_backprop() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = Value(a.data * b.data, (a, b), "*", label="c")
    d = Value(c.data + a.data, (c, a), "+")
    e = Value(math.tanh(d.data), (d,), "tanh")
    f = Value(e.data**2, (e,), "**2")
    g = Value(max(f.data, 0.0), (f,), "ReLU")
    assert c.label == "c"
    assert _same(d._prev, (c, a))
    assert (c._op, d._op, e._op, f._op, g._op) == ("*", "+", "tanh", "**2", "ReLU")
    g.backward()
    t = math.tanh(-4.0)
    dd = 1.0 * 2 * t * (1 - t * t)
    assert a.grad == pytest.approx(dd * (b.data + 1.0), rel=1e-15)
    assert b.grad == pytest.approx(dd * a.data, rel=1e-15)


# leaky_relu is left out: its _op string cannot carry the slope.
@pytest.mark.parametrize("name", sorted(set(ORACLE) - {"leaky_relu"}))
def test_micrograd_style_node_with_each_op_symbol(name: str) -> None:
    # Rebuild each op's node by hand from its _op string: same gradients.
    case = cases(name)[0]
    leaves, out = apply(name, case)
    out.backward()
    manual = Value(out.data, out._prev, out._op)
    assert manual._rule is out._rule
    expected = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    manual.backward()
    assert [leaf.grad for leaf in leaves] == expected


def test_unknown_op_with_children_is_refused() -> None:
    a = Value(1.0)
    with pytest.raises(ValueError, match="no derivative rule") as info:
        Value(2.0, (a,), "frobnicate")
    message = str(info.value)
    assert "'frobnicate'" in message
    assert "'+'" in message  # lists the ops it knows


def test_op_without_children_is_a_leaf() -> None:
    v = Value(2.0, (), "anything")
    assert v.is_leaf
    assert v._op == ""


def test_children_must_be_values() -> None:
    with pytest.raises(TypeError, match="_children must be Values"):
        Value(2.0, (1.0,), "+")  # type: ignore[arg-type]


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)  # type: ignore[arg-type]


# --- operators with numbers on either side -------------------------------------------

LN2, LN3 = math.log(2.0), math.log(3.0)

MIXED: list[tuple[str, Callable[[Value], Value], float, float]] = [
    # (text, expression of v = Value(3.0), value, d/dv)
    ("v + 2", lambda v: v + 2, 5.0, 1.0),
    ("2 + v", lambda v: 2 + v, 5.0, 1.0),
    ("v + 0.5", lambda v: v + 0.5, 3.5, 1.0),
    ("v - 3", lambda v: v - 3, 0.0, 1.0),
    ("3 - v", lambda v: 3 - v, 0.0, -1.0),
    ("2 * v", lambda v: 2 * v, 6.0, 2.0),
    ("v * 2.5", lambda v: v * 2.5, 7.5, 2.5),
    ("v / 2", lambda v: v / 2, 1.5, 0.5),
    ("2 / v", lambda v: 2 / v, 2 / 3, -2 / 9),
    ("2 ** v", lambda v: 2**v, 8.0, 8.0 * LN2),
    ("v ** 2", lambda v: v**2, 9.0, 6.0),
    ("v ** -1", lambda v: v**-1, 1 / 3, -1 / 9),
    ("v ** 0.5", lambda v: v**0.5, math.sqrt(3.0), 0.5 / math.sqrt(3.0)),
    ("v ** v", lambda v: v**v, 27.0, 27.0 * (LN3 + 1)),
    ("-v", lambda v: -v, -3.0, -1.0),
    ("+v", lambda v: +v, 3.0, 1.0),
    ("abs(-v)", lambda v: abs(-v), 3.0, 1.0),
    ("v * v * v", lambda v: v * v * v, 27.0, 27.0),
]


@pytest.mark.parametrize(("text", "make", "value", "slope"), MIXED, ids=[m[0] for m in MIXED])
def test_operators_with_numbers(
    text: str, make: Callable[[Value], Value], value: float, slope: float
) -> None:
    v = Value(3.0)
    y = make(v)
    assert isinstance(y, Value)
    assert y.data == pytest.approx(value, rel=1e-15)
    y.backward()
    assert v.grad == pytest.approx(slope, rel=1e-15)


def test_pos_returns_the_same_value() -> None:
    v = Value(1.0)
    assert +v is v


def test_value_to_the_power_of_a_value() -> None:
    v, w = Value(3.0), Value(2.0)
    y = v**w
    assert _same(y._prev, (v, w))
    y.backward()
    assert v.grad == 6.0
    assert w.grad == pytest.approx(9.0 * LN3, rel=1e-15)


def test_comparisons_use_data() -> None:
    v = Value(3.0)
    assert v < 4
    assert v <= 3
    assert v > 2
    assert v >= 3
    # A number on the left: Python falls back to the Value's reflected method.
    assert 4 > v  # noqa: SIM300
    assert 2 < v  # noqa: SIM300
    assert 3 >= v  # noqa: SIM300
    assert 3 <= v  # noqa: SIM300
    assert v < Value(3.5)
    assert not (v < Value(3.0))
    values = [Value(1.0), Value(3.0), Value(2.0)]
    assert max(values) is values[1]
    assert [x.data for x in sorted(values)] == [1.0, 2.0, 3.0]
    assert not (Value(NAN) < 1)
    assert not (Value(NAN) >= 1)


def test_equality_is_identity_so_values_hash() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert a != b
    assert len({a, b, a}) == 2
    assert {a: 1}[a] == 1


# --- infinities, overflow and nan ----------------------------------------------------------


def test_activations_saturate_without_overflow() -> None:
    assert Value(1000).tanh().data == 1.0
    assert Value(-1000).tanh().data == -1.0
    assert Value(-1000).sigmoid().data == 0.0
    assert Value(1000).sigmoid().data == 1.0
    assert Value(INF).sigmoid().data == 1.0
    assert Value(-INF).sigmoid().data == 0.0
    assert Value(INF).tanh().data == 1.0
    for x in (Value(1000), Value(-1000)):
        x.tanh().backward()
        x.sigmoid().backward()
        assert x.grad == 0.0


def test_overflow_gives_inf() -> None:
    assert Value(1000).exp().data == INF
    assert Value(-1000).exp().data == 0.0
    assert (Value(10.0) ** 1000).data == INF
    assert (Value(-10.0) ** 1001).data == -INF
    assert (2 ** Value(5000)).data == INF
    assert (Value(1e308) * 10).data == INF
    x = Value(1000)
    x.exp().backward()
    assert x.grad == INF


def test_trigonometry_of_infinity_is_nan() -> None:
    assert math.isnan(Value(INF).sin().data)
    assert math.isnan(Value(-INF).sin().data)
    assert math.isnan(Value(INF).cos().data)


NAN_OPS: list[tuple[str, Callable[[Value], Value]]] = [
    ("+", lambda v: v + 1),
    ("*", lambda v: 2 * v),
    ("/", lambda v: 1 / v),
    ("/ by nan", lambda v: Value(1.0) / v),
    ("exp", lambda v: v.exp()),
    ("log", lambda v: v.log()),
    ("sqrt", lambda v: v.sqrt()),
    ("tanh", lambda v: v.tanh()),
    ("sigmoid", lambda v: v.sigmoid()),
    ("abs", lambda v: v.abs()),
    ("sin", lambda v: v.sin()),
    ("leaky_relu", lambda v: v.leaky_relu(0.1)),
    ("** 0.5", lambda v: v**0.5),
    ("** 3", lambda v: v**3),
    ("2 ** v", lambda v: 2**v),
    ("(-1) ** v", lambda v: Value(-1.0) ** v),
    ("sum", lambda v: engine.sum([v, 1.0])),
    ("dot", lambda v: engine.dot([v], [2.0], 1.0)),
]


@pytest.mark.parametrize(("text", "make"), NAN_OPS, ids=[t for t, _ in NAN_OPS])
def test_nan_flows_through_without_errors(text: str, make: Callable[[Value], Value]) -> None:
    # relu is checked against torch, like every rule, in test_rules.py.
    x = Value(NAN)
    y = make(x)
    assert math.isnan(y.data)
    y.backward()  # no error on the way back either
    assert type(x.grad) is float


def test_nan_gradients() -> None:
    x = Value(NAN)
    (x * 2).backward()
    assert x.grad == 2.0  # d(2x)/dx does not depend on x
    y = Value(NAN)
    (y * y).backward()
    assert math.isnan(y.grad)


def test_edge_values_inside_the_domain() -> None:
    assert Value(0.0).sqrt().data == 0.0
    assert (Value(0.0) ** 0).data == 1.0
    assert (Value(0.0) ** 0.5).data == 0.0
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** -2).data == 0.25
    assert (Value(-2.0) ** 2.0).data == 4.0  # an integral float is fine
    assert Value(1.0).log().data == 0.0
    assert (Value(0.0) / Value(-3.0)).data == 0.0


# --- every bad input, with its message --------------------------------------------------


@pytest.mark.parametrize(
    ("make", "pieces"),
    [
        (lambda: Value("3"), ["Value()", "str", "'3'", "float('3')"]),  # type: ignore[arg-type]
        (lambda: Value(None), ["Value()", "NoneType"]),  # type: ignore[arg-type]
        (lambda: Value(1 + 2j), ["Value()", "complex"]),  # type: ignore[arg-type]
        (lambda: Value([1.0]), ["Value()", "list"]),  # type: ignore[arg-type]
        (lambda: Value(Value(1.0)), ["got a Value", "v.data", "detach"]),  # type: ignore[arg-type]
    ],
    ids=["str", "None", "complex", "list", "Value"],
)
def test_value_of_a_non_number(make: Callable[[], Value], pieces: list[str]) -> None:
    with pytest.raises(TypeError) as info:
        make()
    for piece in pieces:
        assert piece in str(info.value)


def test_long_bad_input_is_shortened_in_the_message() -> None:
    with pytest.raises(TypeError) as info:
        Value("x" * 500)  # type: ignore[arg-type]
    assert "..." in str(info.value)
    assert len(str(info.value)) < 200


DOMAIN_ERRORS: list[tuple[str, Callable[[], Value], str, list[str]]] = [
    # (id, op, rule, pieces the message must contain: op, value, domain)
    ("log(0)", lambda: Value(0).log(), "log", ["log(0.0)", "x > 0"]),
    ("log(-1)", lambda: Value(-1).log(), "log", ["log(-1.0)", "x > 0"]),
    ("sqrt(-1)", lambda: Value(-1).sqrt(), "sqrt", ["sqrt(-1.0)", "x >= 0"]),
    ("0**-1", lambda: Value(0) ** -1, "pow_const", ["0.0 ** (-1)", "a == 0 with k >= 0"]),
    (
        "(-8)**(1/3)",
        lambda: Value(-8) ** (1 / 3),
        "pow_const",
        ["(-8.0) ** 0.333", "a < 0 with an integer k"],
    ),
    ("0**Value(-1)", lambda: Value(0) ** Value(-1), "pow", ["0.0 ** (-1.0)", "b >= 0"]),
    ("(-8)**Value(0.5)", lambda: Value(-8) ** Value(0.5), "pow", ["(-8.0) ** 0.5", "integer b"]),
    ("1/0", lambda: Value(1) / 0, "div", ["1.0 / 0.0", "b != 0"]),
    ("1/Value(0)", lambda: 1 / Value(0), "div", ["1.0 / 0.0", "b != 0"]),
    ("Value/Value(-0.0)", lambda: Value(2) / Value(-0.0), "div", ["2.0 / -0.0", "b != 0"]),
]


@pytest.mark.parametrize(
    ("make", "rule", "pieces"),
    [d[1:] for d in DOMAIN_ERRORS],
    ids=[d[0] for d in DOMAIN_ERRORS],
)
def test_domain_errors(make: Callable[[], Value], rule: str, pieces: list[str]) -> None:
    with pytest.raises(DomainError) as info:
        make()
    message = str(info.value)
    assert info.value.op == rule
    for piece in pieces:
        assert piece in message, message
    assert "undefined" in message
    assert RULES[rule].fix in message  # and how to avoid it


def test_domain_errors_are_value_errors_and_raised_under_no_grad() -> None:
    assert issubclass(DomainError, ValueError)
    with no_grad(), pytest.raises(DomainError):
        Value(-1.0).log()


@pytest.mark.parametrize(
    ("make", "pieces"),
    [
        (lambda v: v + "a", ["+", "str", "'a'"]),
        (lambda v: "a" + v, ["+", "str"]),
        (lambda v: v * None, ["*", "NoneType"]),
        (lambda v: None * v, ["*", "NoneType"]),
        (lambda v: v - [1], ["-", "list"]),
        (lambda v: v / "2", ["/", "str"]),
        (lambda v: "2" / v, ["/", "str"]),
        (lambda v: v ** "2", ["**", "str"]),
        (lambda v: "2" ** v, ["**", "str"]),
        (lambda v: v < "a", ["<", "str"]),
        (lambda v: v.leaky_relu("a"), ["leaky_relu", "str"]),
    ],
    ids=[
        "v+str",
        "str+v",
        "v*None",
        "None*v",
        "v-list",
        "v/str",
        "str/v",
        "v**str",
        "str**v",
        "v<str",
        "leaky_relu(str)",
    ],
)
def test_wrong_operand_types(make: Callable[[Value], object], pieces: list[str]) -> None:
    with pytest.raises(TypeError) as info:
        make(Value(1.0))
    for piece in pieces:
        assert piece in str(info.value)


# --- engine.sum and engine.dot -------------------------------------------------------------


def test_sum_of_nothing_is_a_zero_leaf() -> None:
    s = engine.sum([])
    assert s.data == 0.0
    assert s.is_leaf


def test_sum_over_numbers_and_values() -> None:
    v, w = Value(2.0), Value(-0.5)
    s = engine.sum([1, v, 2.5, w, v])
    assert s.data == 7.0
    assert len(s._prev) == 5
    assert s._prev[0].is_leaf
    assert s._prev[0].data == 1.0
    s.backward()
    assert (v.grad, w.grad) == (2.0, 1.0)
    only_numbers = engine.sum([1, 2.5])
    assert only_numbers.data == 3.5
    assert engine.sum(x * x for x in [v, w]).data == 4.25


def test_sum_rejects_non_numbers() -> None:
    with pytest.raises(TypeError, match="sum"):
        engine.sum([Value(1.0), "a"])  # type: ignore[list-item]


def test_dot_of_values() -> None:
    ws = [Value(1.0), Value(2.0)]
    xs = [Value(3.0), Value(4.0)]
    assert engine.dot(ws, xs).data == 11.0
    assert engine.dot(ws, xs, Value(0.5)).data == 11.5
    assert engine.dot(iter(ws), (x for x in xs), 1.0).data == 12.0


def test_the_unchecked_dot_makes_the_same_node_as_dot() -> None:
    ws = [Value(0.1 * i - 0.7) for i in range(16)]
    xs = [Value(1.0 / (i + 3)) for i in range(16)]
    b = Value(0.25)
    with engine.scope("layer"):
        checked, unchecked = engine.dot(ws, xs, b), dot_of_values(ws, xs, b)
    assert (unchecked.data, unchecked._prev, unchecked._rule) == (
        checked.data,
        checked._prev,
        checked._rule,
    )
    assert unchecked.scope == "layer"
    assert unchecked._seq > checked._seq
    with no_grad():
        assert dot_of_values(ws, xs, b).is_leaf


def test_dot_wraps_plain_numbers() -> None:
    x, y = Value(3.0), Value(-1.0)
    out = engine.dot([1.0, 2], [x, y], 0.25)
    assert out.data == 1.25
    assert len(out._prev) == 5
    assert out._prev[0].is_leaf
    assert out._prev[0].data == 1.0
    assert out._prev[2] is x
    assert out._prev[3] is y
    out.backward()
    assert (x.grad, y.grad) == (1.0, 2.0)
    assert out._prev[4].grad == 1.0  # the wrapped bias
    b = Value(1.0)
    engine.dot([x], [2.0], b).backward()
    assert b.grad == 1.0


def test_dot_of_empty_lists() -> None:
    assert engine.dot([], []).data == 0.0
    assert engine.dot([], [], 2.0).data == 2.0


def test_dot_length_mismatch() -> None:
    with pytest.raises(ValueError, match="2 weights and 3 inputs"):
        engine.dot([Value(1.0), Value(2.0)], [Value(1.0)] * 3)


def test_dot_rejects_non_numbers() -> None:
    with pytest.raises(TypeError, match="dot"):
        engine.dot([Value(1.0)], ["x"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="dot"):
        engine.dot([Value(1.0)], [Value(1.0)], bias="b")  # type: ignore[arg-type]


# --- stepping the backward pass by hand, as micrograd's lecture does -------------------


def test_backward_by_hand_node_by_node_gives_the_lecture_numbers() -> None:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    o.grad = 1.0
    o._backward()
    assert n.grad == pytest.approx(0.5)
    n._backward()
    assert (x1w1x2w2.grad, b.grad) == pytest.approx((0.5, 0.5))
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))
    x1._backward()  # a leaf has nothing to pass on
    assert x1.grad == pytest.approx(-1.5)


@pytest.mark.parametrize("name", sorted(RULES))
def test_each_nodes_own_step_matches_backward(name: str) -> None:
    for case in cases(name)[:3]:
        leaves, out = apply(name, case)
        out.backward()
        expected = [leaf.grad for leaf in leaves]
        for leaf in leaves:
            leaf.grad = 0.0
        out._backward()  # out.grad is still 1.0 from backward()
        got = [leaf.grad for leaf in leaves]
        assert [repr(g) for g in got] == [repr(g) for g in expected]  # nan == nan too


def test_label_and_params_share_a_slot_without_mixing_up() -> None:
    x = Value(3.0, label="x")
    y = x**2
    assert (y.label, y._ctx, y._op) == ("", (2,), "**2")
    y.label = "y"
    assert (y.label, y._ctx, y._op) == ("y", (2,), "**2")
    z = x.leaky_relu(0.1)
    z.label = "z"
    z.label = "z2"
    assert (z.label, z._ctx) == ("z2", (0.1,))
    assert (x.label, x._ctx) == ("x", ())
    made = Value(9.0, (x,), "**2", label="m")
    assert (made.label, made._ctx) == ("m", (2,))
    with pytest.raises(TypeError, match="label must be a str"):
        y.label = 3  # type: ignore[assignment]
    assert (y.label, y._ctx) == ("y", (2,))  # a refused label changes nothing
    with no_grad():
        unrecorded = x**2
    assert (unrecorded.label, unrecorded._ctx, unrecorded.is_leaf) == ("", (), True)


def _leaves_by_label(root: Value) -> dict[str, Value]:
    return {v.label: v for v in values_in_order(root) if not v._prev and v.label}


def test_a_graph_pickles_and_deep_copies_with_the_tables_own_rules() -> None:
    x = Value(0.0, label="x")
    slope = engine.grad(x.sqrt(), x, create_graph=True)  # 1 / (2 * sqrt(0)): an IEEE division
    a = Value(2.0, label="a")
    root = (a**2 * a).tanh() + a.leaky_relu(0.1) / a + engine.dot([a], [a], 1.0) + slope
    assert any(v._rule is IEEE_DIV for v in values_in_order(root))
    for clone in (pickle.loads(pickle.dumps(root)), copy.deepcopy(root)):
        pairs = list(zip(values_in_order(root), values_in_order(clone), strict=True))
        for mine, theirs in pairs:
            assert theirs._rule is mine._rule  # the same row, so the pass knows it
            assert (theirs._ctx, theirs.label, theirs.data) == (mine._ctx, mine.label, mine.data)
        clone.backward()
        root.backward()
        assert _leaves_by_label(clone)["a"].grad == _leaves_by_label(root)["a"].grad
        root.zero_grad()


def test_a_rule_from_outside_the_table_is_not_pickled_as_a_table_row() -> None:
    stranger = Rule("twice", "2 * x", ("2 * g",))
    with pytest.raises(TypeError, match=r"only the rules of engine\.core\.rules"):
        pickle.dumps(stranger)
