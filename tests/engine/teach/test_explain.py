"""explain(): the chain rule path by path, and every number it prints checked.

:func:`check` reads an explanation line by line and checks each number on
it independently: values against ``.data``, local derivatives against the
rule's vjp and central finite differences (and the printed formula,
evaluated), path products by multiplying, sums by adding, and every
gradient against ``engine.grad``. It fails if any line with a number on it
was not checked.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings

import engine
from engine import RULES, Value, explain
from engine.core.graph import values_in_order
from engine.teach.explain import Explanation
from engine.teach.names import names
from engine.teach.source import variable_names
from nn import MLP
from nn.losses import hinge_loss, l2_penalty
from tests.fixtures import fd_local, lecture, op_graph, score, tanh_neuron
from tests.strategies import ENGINE, Program, programs, run

FLOAT = re.compile(r"(?<![\w.#])-?(?:\d+\.\d*(?:e[-+]?\d+)?|\d+e[-+]?\d+|inf|nan)(?![\w.])")
EDGE = re.compile(r"d([\w.\[\]]+)/d([\w.\[\]]+)(?:#(\d+))?")  # names may be paths: w[0]

# What the explanation's formulas may call: each op's forward on floats (the
# table's, whose correctness test_rules checks against PyTorch), and the
# helpers the gradient formulas use.
FUNCTIONS: dict[str, Any] = {
    **{name: rule.forward for name, rule in RULES.items() if rule.shape == "fixed"},
    "sign": lambda x: float((x > 0) - (x < 0)),
    "inf": math.inf,
    "nan": math.nan,
}


def close(x: float, y: float, rel: float = 1e-12) -> bool:
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return math.isclose(x, y, rel_tol=rel, abs_tol=1e-300) or x == y


class Checker:
    def __init__(self, root: Value, wrt: Value, text: str, fd: bool) -> None:
        self.root, self.wrt, self.fd = root, wrt, fd
        self.lines = str(text).splitlines()
        # The explanation shows the graph's names; Python needs identifiers.
        self.names = names(root)
        self.by_name = {name: v for v, name in self.names.items()}
        idents = variable_names(root)
        self.env = {**FUNCTIONS, **{idents[v]: v.data for v in self.names}}
        self.renames = sorted(
            ((name, idents[v]) for v, name in self.names.items() if name != idents[v]),
            key=lambda pair: -len(pair[0]),
        )
        order = values_in_order(root)
        self.grads = dict(zip(order, engine.grad(root, order)))
        self.total = engine.grad(root, wrt)
        self.checked: set[int] = set()
        self.terms: list[float] = []
        self.paths: list[tuple[tuple[Value, int], ...]] = []
        self.visited: list[Value] = []

    def number(self, text: str) -> float:
        assert FLOAT.fullmatch(text.strip()), text
        return float(text)

    def evaluate(self, expression: str) -> float:
        for name, ident in self.renames:
            expression = expression.replace(name, ident)
        try:
            return float(eval(expression, {"__builtins__": {}}, self.env))
        except ZeroDivisionError:  # the rules give inf or nan there, as IEEE 754 does
            return math.inf

    def edge(self, token: str) -> tuple[Value, int]:
        match = EDGE.fullmatch(token.strip())
        assert match, token
        child, parent = self.by_name[match[1]], self.by_name[match[2]]
        uses = [i for i, p in enumerate(child._prev) if p is parent]
        assert len(uses) > 1 or match[3] is None, token  # '#k' only on repeated uses
        return child, uses[int(match[3] or 1) - 1]

    def local(self, child: Value, i: int, shown: float) -> None:
        rule = child._rule
        assert rule is not None
        xs = [p.data for p in child._prev]
        assert shown == float(rule.vjp(1.0, child.data, *xs, *child._ctx)[i])
        if self.fd:
            assert math.isclose(shown, fd_local(child, i), rel_tol=1e-5, abs_tol=1e-6)

    def why(self, text: str) -> None:
        """``(e = a * b[, and cond])``: the definition holds, the condition too."""
        definition, _, condition = text.partition(", and ")
        name, _, forward = definition.partition(" = ")
        if "..." not in forward:
            assert close(self.evaluate(forward), self.by_name[name].data, 1e-9)
        if condition:
            assert self.evaluate(condition)

    # --- line kinds -------------------------------------------------------------------------

    def definition(self, line: str) -> None:
        name, rest = line.strip().split(" = ", 1)
        value = self.by_name[name.split(" (label")[0]]
        parts = rest.removesuffix(" (a constant)").split(" = ")
        assert close(self.number(parts[-1]), value.data, 0)
        if len(parts) == 2 and "..." not in parts[0]:
            assert close(self.evaluate(parts[0]), value.data, 1e-9)

    def local_line(self, line: str) -> None:
        left, _, why = line.partition("   (")
        edge, formula, shown = left.strip().split(" = ")
        child, i = self.edge(edge)
        number = self.number(shown)
        self.local(child, i, number)
        assert close(self.evaluate(formula), number, 1e-12)
        self.why(why.rstrip().removesuffix(")"))

    def path_line(self, line: str) -> None:
        text = line.strip()
        single = not text.startswith("path ")
        if not single:
            assert text.startswith(f"path {len(self.terms) + 1}: ")
            text = text.split(": ", 1)[1]
        parts = text.split(" = ")
        if single:
            assert parts[0] == f"d{self.names[self.root]}/d{self.names[self.wrt]}"
            if len(parts) == 5:
                parts = parts[1:]
        edges = [self.edge(e) for e in parts[0].split(" * ")]
        # the edges chain from the root down to wrt
        assert edges[0][0] is self.root
        for (upper, i), (lower, _) in itertools.pairwise(edges):
            assert upper._prev[i] is lower
        assert edges[-1][0]._prev[edges[-1][1]] is self.wrt
        if len(edges) == 1:
            formula, shown = parts[1], parts[2]
            product = self.number(shown)
            self.local(*edges[0], product)
        else:
            formula, numbers, shown = parts[1], parts[2], parts[3]
            factors = [self.number(n) for n in numbers.split(" * ")]
            for (child, i), factor in zip(edges, factors, strict=True):
                self.local(child, i, factor)
            product = self.number(shown)
            assert product == math.prod(factors)
        assert close(self.evaluate(formula), product, 1e-12)
        self.terms.append(product)
        self.paths.append(tuple(edges))

    def sum_line(self, line: str) -> None:
        added, total = line.split(": ", 1)[1].split(" = ")
        terms = [self.number(t) for t in added.split(" + ")]
        assert terms == self.terms
        running = 0.0
        for t in terms:
            running += t
        assert self.number(total) == running

    def total_line(self, line: str) -> None:
        shown = line.split(" = ", 1)[1].split(",")[0].split(" by the paths")[0]
        if " by the paths" in line:
            assert self.number(shown) == sum(self.terms)
            other = line.split(" gives ")[1].split(". ")[0]
            assert self.number(other) == self.total
        else:
            assert self.number(shown) == self.total
        assert f"engine.grad({self.names[self.root]}, {self.names[self.wrt]})" in line

    def status_line(self, line: str) -> None:
        numbers = [float(m) for m in FLOAT.findall(line)]
        assert close(numbers[0], self.wrt.grad, 0)
        if "currently" in line:
            assert close(numbers[1], self.total, 0)
        else:
            assert close(self.wrt.grad, self.total, 1e-9)

    def step_line(self, line: str) -> Value:
        """``dL/dN = dL/dC * dC/dN = g * local = amount   (C = ...)``; returns N."""
        left, _, why = line.partition("   (")
        target, chain, numbers, amount = left.strip().split(" = ")
        node = self.by_name[target.split("/d", 1)[1]]
        contribution = self.contribution(chain, numbers, amount, node)
        assert close(contribution, self.grads[node], 1e-9)
        self.why(why.rstrip().removesuffix(")"))
        return node

    def contribution(self, chain: str, numbers: str, amount: str, node: Value) -> float:
        first, second = chain.split(" * ")
        child, i = self.edge(second)
        assert child._prev[i] is node
        assert first == f"d{self.names[self.root]}/d{self.names[child]}"
        g, local = (self.number(n) for n in numbers.split(" * "))
        assert close(g, self.grads[child], 1e-9)
        self.local(child, i, local)
        added = self.number(amount)
        assert close(added, g * local, 1e-12)
        return added

    # --- the whole text ---------------------------------------------------------------------

    def run(self) -> None:
        section = ""
        pending: list[float] = []
        node: Value | None = None
        for k, line in enumerate(self.lines):
            stripped = line.strip()
            if line in (
                "The values involved:",
                "Local derivatives (each op's rule with the incoming gradient g = 1):",
            ):
                section = line
                continue
            if "paths lead from" in line or "path leads from" in line:
                section = "steps" if "more than max_paths" in line else "paths"
            if not FLOAT.search(line) and "contributions:" not in line:
                continue
            self.checked.add(k)
            if line.startswith("Sum over the"):
                self.sum_line(line)
            elif ".grad is" in line:
                self.status_line(line)
            elif not line.startswith(" ") and "engine.grad(" in line:
                self.total_line(line)
            elif section.startswith("The values involved"):
                self.definition(line)
            elif section.startswith("Local derivatives"):
                self.local_line(line)
            elif section == "paths":
                self.path_line(line)
            elif section == "steps" or "(the seed)" in line:
                node = self.steps(stripped, line, pending, node)
            elif not line.startswith(" ") and " = " in line:  # wrt's definition
                self.definition(line)
            else:
                raise AssertionError(f"unchecked line {k}: {line!r}")
        unchecked = [
            line
            for k, line in enumerate(self.lines)
            if FLOAT.search(line) and k not in self.checked
        ]
        assert not unchecked

    def steps(
        self, stripped: str, line: str, pending: list[float], node: Value | None
    ) -> Value | None:
        out = self.names[self.root]
        if stripped == f"d{out}/d{out} = 1.0 (the seed)":
            return None
        if "contributions:" in line:
            target, rest = stripped.split(" = ", 1)
            node = self.by_name[target.split("/d", 1)[1]]
            assert close(self.number(rest.split(",")[0]), self.grads[node], 1e-9)
            pending.clear()
            self.visited.append(node)
            return node
        if line.startswith("      ") and node is not None:
            if "   (" in line:  # one contribution
                left, _, why = line.partition("   (")
                chain, numbers, amount = left.strip().split(" = ")
                pending.append(self.contribution(chain, numbers, amount, node))
                self.why(why.rstrip().removesuffix(")"))
            else:  # their sum
                added, total = stripped.split(" = ")
                assert [self.number(t) for t in added.split(" + ")] == pending
                running = 0.0
                for t in pending:
                    running += t
                assert self.number(total) == running
                assert close(running, self.grads[node], 1e-9)
            return node
        self.visited.append(self.step_line(line))
        return None


def check(root: Value, wrt: Value, fd: bool = True, **kw: Any) -> Explanation:
    text = explain(root, wrt, **kw)
    checker = Checker(root, wrt, text, fd)
    checker.run()
    assert text.total == engine.grad(root, wrt)
    if text.terms:
        assert list(text.terms) == checker.terms
        assert len(checker.paths) == text.path_count
        assert len(set(checker.paths)) == len(checker.paths)  # each path once
    elif wrt is not root and text.path_count:
        # the accumulation visits every value between wrt and root, wrt last
        between = {v for v in values_in_order(root) if v is not root and _reaches(wrt, v)}
        assert set(checker.visited) == between
        assert checker.visited[-1] is wrt
    return text


def _reaches(start: Value, value: Value) -> bool:
    stack, seen = [value], set()
    while stack:
        v = stack.pop()
        if v is start:
            return True
        seen.add(v)
        stack.extend(p for p in v._prev if p not in seen)
    return False


def find(root: Value, label: str) -> Value:
    return next(v for v in values_in_order(root) if v.label == label)


# --- the lecture example -----------------------------------------------------------------


def test_lecture_example_reads_as_in_the_lecture() -> None:
    L = lecture()
    text = check(L, find(L, "a"))
    assert (
        "  dL/da = dL/dd * dd/de * de/da = f * 1 * b = -2.0 * 1.0 * -3.0 = 6.0" in text.splitlines()
    )
    assert "  de/da = b = -3.0   (e = a * b)" in text.splitlines()
    assert "dL/da = 6.0, which is what engine.grad(L, a) gives." in text
    assert text.total == 6.0
    assert text.terms == (6.0,)
    assert text.path_count == 1


@pytest.mark.parametrize(
    ("label", "expected"),
    [("a", 6.0), ("b", -4.0), ("c", -2.0), ("f", 4.0), ("e", -2.0), ("d", -2.0)],
)
def test_lecture_every_number_is_right(label: str, expected: float) -> None:
    L = lecture()
    assert check(L, find(L, label)).total == expected


def test_tanh_neuron() -> None:
    o = tanh_neuron()
    expected = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5, "n": 0.5}
    for label, value in expected.items():
        text = check(o, find(o, label))
        assert math.isclose(text.total, value, abs_tol=1e-12)
    text = explain(o, find(o, "w1"))
    assert "  do/dn = 1.0 - o * o = 0.4999999999999998   (o = tanh(n))" in text
    assert "(1.0 - o * o) * 1 * 1 * x1 = 0.4999999999999998 * 1.0 * 1.0 * 2.0" in text


def test_grad_status_says_why_grad_differs() -> None:
    L = lecture()
    a = find(L, "a")
    assert "a.grad is currently 0.0, not 6.0:\n  backward() has not run" in explain(L, a)
    L.backward()
    assert "a.grad is 6.0 too." in check(L, a)
    L.backward()
    text = check(L, a)
    assert "a.grad is currently 12.0, not 6.0:\n  it looks like backward() ran 2 times" in text
    (a * 0.5).backward()
    assert "another output may have been differentiated" in check(L, a)


# --- fan-out --------------------------------------------------------------------------------


def test_value_used_twice_by_one_op() -> None:
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    text = check(b, a)
    assert text.path_count == 2
    assert text.terms == (3.0, 3.0)
    assert "  path 1: db/da#1 = a = 3.0" in text.splitlines()
    assert "  path 2: db/da#2 = a = 3.0" in text.splitlines()
    assert "Sum over the 2 paths: 3.0 + 3.0 = 6.0" in text


def test_tinygrads_fan_out_case() -> None:
    a = Value(-2.0, label="a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    text = check(c, a)
    assert text.path_count == 4
    assert text.total == 4.0
    assert text.count("  path ") == 4


def test_reused_intermediate_node() -> None:
    x = Value(0.5, label="x")
    h = (x * 2.0).tanh()
    h.label = "h"
    y = h * h + h.exp() - h
    y.label = "y"
    text = check(y, x)
    assert text.path_count == 4  # h * h twice, exp, and the subtraction
    check(y, h)


@pytest.mark.parametrize("op", sorted(RULES))
def test_every_op(op: str) -> None:
    root = op_graph(op)
    root.label = "out"
    # kinks (relu(x - x) ...) make finite differences meaningless: numbers are
    # checked against the rules, the printed formulas and engine.grad instead
    leaves = [v for v in values_in_order(root) if v.label in ("x", "y")]
    assert leaves
    for leaf in leaves:
        check(root, leaf, fd=False)


# --- many paths: the accumulation of the backward pass -------------------------------------------


def small_mlp_loss(points: int) -> tuple[Value, MLP]:
    model = MLP(2, [8, 8, 1])
    xs = [[0.3 * i - 1.0, 1.0 - 0.2 * i] for i in range(points)]
    ys = [1 if i % 2 else -1 for i in range(points)]
    loss = hinge_loss([score(model, x) for x in xs], ys) + 1e-4 * l2_penalty(model.parameters())
    loss.label = "loss"
    return loss, model


def test_too_many_paths_shows_the_accumulation() -> None:
    loss, model = small_mlp_loss(8)
    w = model.layers[0].neurons[0].w[0]
    text = check(loss, w)
    assert text.path_count > 50
    assert text.terms == ()
    assert f"{text.path_count:,} paths lead from " in text
    assert "more than max_paths=50, so they are not listed one by one" in text
    assert "  dloss/dloss = 1.0 (the seed)" in text
    assert "contributions:" in text


def test_max_paths_chooses_the_form() -> None:
    L = lecture()
    a = find(L, "a")
    assert check(L, a, max_paths=0).terms == ()
    assert "1 path leads from a to L, more than max_paths=0, so it is" in explain(L, a, max_paths=0)
    assert check(L, a, max_paths=1).terms == (6.0,)
    b = Value(1.5, label="b")
    c = b * b + b
    c.label = "c"
    accumulated = check(c, b, max_paths=2)
    assert "3 paths lead from b to c, more than max_paths=2" in accumulated
    assert "  dc/db = 4.0, the sum of 3 contributions:" in accumulated


@settings(max_examples=30)
@given(programs(every_op=False, max_extra_steps=8))
def test_random_graphs_both_forms(program: Program) -> None:
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(program.inputs)]
    root = run(program, leaves, ENGINE)
    for leaf in leaves:
        check(root, leaf, fd=False)
        check(root, leaf, fd=False, max_paths=0)


# --- edges of the API ---------------------------------------------------------------------


def test_wrt_outside_the_graph_and_wrt_root() -> None:
    L = lecture()
    stranger = Value(1.0, label="z")
    text = explain(L, stranger)
    assert text.total == 0.0
    assert text.path_count == 0
    assert "L does not depend on z" in text
    assert "dL/dz = 0.0" in text
    text = check(L, L)
    assert text.total == 1.0
    assert "dL/dL = 1: an output with respect to itself" in text


def test_unlabelled_values_get_names_that_are_explained() -> None:
    x = Value(2.0)
    y = (x * 3.0).exp()
    text = check(y, x)
    assert "mul1 = x1 * c1 = 6.0" in text  # the names drawings put on these boxes
    assert "c1 = 3.0 (a constant)" in text


def test_precision_rounds_numbers() -> None:
    o = tanh_neuron()
    text = explain(o, find(o, "x1"), precision=3)
    assert "0.5 * 1 * 1 * -3 = -1.5" in text
    with pytest.raises(ValueError, match="precision"):
        explain(o, o, precision=0)


def test_value_method_and_engine_export() -> None:
    L = lecture()
    a = find(L, "a")
    assert L.explain(a) == engine.explain(L, a) == explain(L, a)
    assert L.explain(a, max_paths=0) == explain(L, a, max_paths=0)
    assert "explain" in engine.__all__


def test_displays_readably() -> None:
    L = lecture()
    text = explain(L, find(L, "a"))
    assert isinstance(text, str)
    assert repr(text) == str(text)
    assert text._repr_html_().startswith("<pre>dL/da")
    assert "&lt;" not in text._repr_html_() or "<" in text


def test_bad_arguments() -> None:
    L = lecture()
    with pytest.raises(TypeError, match="wrt"):
        explain(L, 2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="root"):
        explain(1.0, L)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_paths"):
        explain(L, L, max_paths=-1)
