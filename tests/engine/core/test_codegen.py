"""The gradient formulas compile into vjp functions and one fast pass."""

from __future__ import annotations

import ast
import math

import pytest

import engine
from engine import RULES, Rule, Value
from engine.core import generate
from engine.core.codegen import check_formulas, float_pass_source, names_in
from engine.core.float_pass import float_pass
from engine.core.value import _node


def test_fast_pass_source_is_python_and_covers_every_rule() -> None:
    source = float_pass_source(RULES.values())
    ast.parse(source)
    for name in RULES:
        assert f"rule is R_{name}:" in source
    # the hot ops come first, so an MLP's nodes dispatch quickly
    assert source.index("R_dot:") < source.index("R_relu:") < source.index("R_cos:")


@pytest.mark.parametrize("name", sorted(RULES))
def test_each_formula_uses_only_its_own_names(name: str) -> None:
    rule = RULES[name]
    allowed = {"g", "out", *rule.args, *rule.params}
    for formula in rule.grads:
        assert names_in(formula) - allowed <= set(engine.core.codegen.HELPERS)


def _rule(**changes: object) -> Rule:
    fields: dict[str, object] = {"name": "twice", "formula": "2.0 * x", "grads": ("2.0 * g",)}
    fields.update(changes)
    return Rule(**fields)  # type: ignore[arg-type]


def test_rules_with_bad_formulas_are_refused() -> None:
    with pytest.raises(ValueError, match="uses \\['y'\\]"):
        _rule(grads=("g * y",))
    with pytest.raises(ValueError, match="needs 1 gradient formula"):
        _rule(grads=("g", "g"))
    with pytest.raises(ValueError, match="reserved"):
        _rule(args=("node",), grads=("g",))
    with pytest.raises(ValueError, match="bad formula"):
        _rule(grads=("g *",))
    with pytest.raises(ValueError, match="shape"):
        _rule(shape="ragged")
    with pytest.raises(ValueError, match=r"formula '2.0 \* z' uses \['z'\]"):
        _rule(formula="2.0 * z")
    with pytest.raises(ValueError, match=r"bad undefined 'x <'"):
        _rule(undefined="x <")
    check_formulas(_rule())  # the good one passes


def test_a_rule_unknown_to_the_fast_pass_still_backpropagates() -> None:
    # A rule added after the pass was compiled takes the generic branch.
    twice = _rule()
    x = Value(3.0)
    y = _node(6.0, (x,), twice, ())
    z = y * y
    z.backward()
    assert x.grad == 2 * 2 * 6.0  # dz/dy = 2y = 12, dy/dx = 2


def test_fast_pass_agrees_with_the_vjp_functions_on_every_rule() -> None:
    # Build one node per rule and compare in-place accumulation with vjp.
    samples = {"pow": (2.0, 1.5), "pow_const": (2.0,), "log": (2.0,), "sqrt": (2.0,)}
    params = {"pow_const": (3,), "leaky_relu": (0.1,)}
    fast = float_pass
    for name, rule in RULES.items():
        default = (0.7, -1.3, 0.4) if rule.arity is None else (0.7, -1.3)[: rule.arity]
        xs = samples.get(name, default)
        ps = params.get(name, ())
        parents = tuple(Value(x) for x in xs)
        out = _node(rule.forward(*xs, *ps), parents, rule, ps)
        out.grad = 0.5
        fast([out])
        expected = rule.vjp(0.5, out.data, *xs, *ps)
        for parent, want in zip(parents, expected, strict=True):
            assert math.isclose(parent.grad, want, rel_tol=0, abs_tol=0), name


def test_the_checked_in_fast_pass_is_what_the_table_generates() -> None:
    # Like httpcore's unasync --check: edit rules.py, then regenerate with
    # ``python -m engine.core.generate``.
    for path, text in generate.generated().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is out of date: run python -m engine.core.generate"
        )
    assert generate.main(["--check"]) == 0
