"""One short, stable name for every value of a graph.

Every tool that shows values by name (the drawings, the explorer, the step
page, ``explain``, ``backward_source``, the CLI) takes its names from
:func:`names`, so the name printed in an explanation is the one drawn on
the box.

>>> from engine import Value
>>> a = Value(2.0, label='a'); b = Value(-3.0)
>>> L = (a * b).relu() + a * 2
>>> sorted(names(L).values())
['a', 'add1', 'c1', 'mul1', 'mul2', 'relu1', 'x1']

The rules, in order of precedence:

* a value's own ``label`` wins (a second value with the same label gets
  ``label_2``, a third ``label_3``);
* a parameter of an ``nn`` module is called by its path below the model,
  e.g. ``layers[0].neurons[3].w[1]`` (the full path, with the model's name
  in front, when two models of the graph would give the same name);
* any other leaf the user made is ``x1``, ``x2``, ... and a number an op
  wrapped (the 2 in ``a * 2``) is ``c1``, ``c2``, ...;
* a computed value is its op and a count, ``mul1``, ``relu12``, ``sum3``,
  numbered per op in the order of :func:`engine.core.graph.values_in_order`
  (parents before children, so names grow from the inputs to the output).

The names depend only on the graph, never on memory addresses, so the same
graph gets the same names in every run and in every view of it.
:func:`identifier_names` turns them into Python identifiers for generated
code (``layers[0].neurons[3].w[1]`` becomes ``layers_0_neurons_3_w_1``).
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

from engine.core.graph import values_in_order
from engine.core.value import CONSTANT, Value

__all__ = ["identifier_names", "is_identifier", "name_values", "names", "short_name"]

# Ops whose table name is not the best short name for their result.
_OP_NAMES = {"pow_const": "pow", "leaky_relu": "lrelu"}


def names(root: Value) -> dict[Value, str]:
    """A short name for every value of ``root``'s graph (see the module docstring)."""
    if not isinstance(root, Value):
        raise TypeError(f"names() needs a Value, got {type(root).__name__}")
    return name_values(values_in_order(root))


def name_values(order: Iterable[Value]) -> dict[Value, str]:
    """:func:`names` for values already listed parents-first (one pass, no walk)."""
    order = list(order)
    labels = {v.label for v in order if v.label}
    taken = set(labels)
    # Parameter names below the model, and how many parameters want each.
    wanted: dict[str, int] = {}
    for v in order:
        if not v._prev and v._scope is not None:
            short = _below_model(v._scope)
            wanted[short] = wanted.get(short, 0) + 1
    taken.update(_below_model(s) for s in wanted)
    counters: dict[str, int] = {}
    # Only a stem some label or parameter ends in digits after can collide.
    risky = {m.group(1) for m in map(_STEM.fullmatch, taken) if m}
    label_uses: dict[str, int] = {}
    result: dict[Value, str] = {}
    for v in order:
        label = v.label
        if label:
            uses = label_uses[label] = label_uses.get(label, 0) + 1
            result[v] = label if uses == 1 else _fresh(f"{label}_", taken, counters, uses)
            continue
        rule = v._rule
        if rule is not None:
            stem = _OP_NAMES.get(rule.name, rule.name)
        elif v._scope is not None:
            short = _below_model(v._scope)
            unique = wanted[short] == 1 and short not in labels
            result[v] = short if unique else v._scope
            continue
        else:
            stem = "c" if v._seq == CONSTANT else "x"
        if stem in risky:
            result[v] = _fresh(stem, taken, counters)
        else:
            k = counters[stem] = counters.get(stem, 0) + 1
            result[v] = f"{stem}{k}"
    return result


def _below_model(scope: str) -> str:
    """'MLP.layers[0].neurons[3].w[1]' -> 'layers[0].neurons[3].w[1]'."""
    head, dot, rest = scope.partition(".")
    return rest if dot else head


def _fresh(stem: str, taken: set[str], counters: dict[str, int], start: int = 1) -> str:
    """The next ``stem<k>`` that no label or parameter uses."""
    k = max(counters.get(stem, 0) + 1, start)
    while f"{stem}{k}" in taken:
        k += 1
    counters[stem] = k
    name = f"{stem}{k}"
    taken.add(name)
    return name


_STEM = re.compile(r"(.*?)\d+")
_ITEM = re.compile(r"(\w+)\[(\w+)\]")


def short_name(name: str, width: int = 18) -> str:
    """``name`` shortened to fit a small box, keeping its end, which tells most.

    >>> short_name('layers[0].neurons[13].w[1]')
    'L0.n13.w[1]'
    """
    if len(name) <= width:
        return name
    text = _ITEM.sub(_abbreviate, name)
    # keep the last item as written: w[1] reads better than w1
    last = name.rsplit(".", 1)[-1]
    if "." in text:
        text = f"{text.rsplit('.', 1)[0]}.{last}"
    if len(text) <= width:
        return text
    return "\u2026" + text[-(width - 1) :]


def _abbreviate(item: re.Match[str]) -> str:
    """'layers[0]' -> 'L0', 'neurons[13]' -> 'n13', 'heads[2]' -> 'h2'."""
    word, index = item.group(1), item.group(2)
    return f"{'L' if word == 'layers' else word[0]}{index}"


# Names generated code needs for itself, besides Python's keywords.
RESERVED = frozenset(
    {"float", "engine", "ieee_div", "ieee_pow", "pow_da", "pow_db", "cos", "sin", "log", "sign"}
)


def is_identifier(name: str) -> bool:
    """``name`` can name a value in generated Python (not a keyword, not reserved)."""
    return (
        name.isidentifier()
        and unicodedata.normalize("NFKC", name) == name  # Python folds identifiers
        and not keyword.iskeyword(name)
        and name not in RESERVED
        and not name.startswith(("grad_", "__"))
    )


def identifier_names(shown: dict[Value, str], reserved: Iterable[str] = ()) -> dict[Value, str]:
    """The names of :func:`names` as distinct Python identifiers.

    A name that already is one is kept; any other has each run of other
    characters replaced by ``_`` (``layers[0].w[1]`` -> ``layers_0_w_1``)
    and gets a ``_2``, ``_3``, ... if that is taken.
    """
    banned = set(reserved)
    kept = {name for name in shown.values() if is_identifier(name) and name not in banned}
    result: dict[Value, str] = {}
    for v, name in shown.items():
        if name in kept:
            result[v] = name
            continue
        base = re.sub(r"\W+", "_", name).strip("_") or "v"
        if base[0].isdigit() or not is_identifier(base) or base in banned:
            base = f"v_{base}"
        candidate, k = base, 1
        while candidate in kept:
            k += 1
            candidate = f"{base}_{k}"
        kept.add(candidate)
        result[v] = candidate
    return result
