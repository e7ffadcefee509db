"""The names of :mod:`engine.teach.names`, worked out only for the values asked about.

A drawing of a million values shows about a hundred boxes, so naming every
value (one Python step per value) is wasted work. :class:`LazyNames` gives
exactly the names :func:`engine.teach.names.name_values` gives, as a
read-only mapping, but sorts the values into kinds with passes that run in
C (``map``, ``compress``) and finds a computed value's number by bisection
in the list of the values of its op: ``mul7`` is the seventh unlabelled
``*`` in the order. Labels and parameters, which need a Python step each,
are named when the mapping is made; there are few of them. Iterating the
mapping (or asking for its length) names everything at once, eagerly.

Why a lazy number is the eager one: the eager pass numbers each stem
(``mul``, ``x``, ...) in order, with a counter of its own; the numbers of
one stem never depend on another's, except through :func:`_fresh` for the
rare stem that a label or parameter name ends in digits after, and such a
stem is numbered eagerly here too.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping
from itertools import compress, repeat
from operator import attrgetter, eq, is_

from engine.core.rules import RULES, Rule
from engine.core.value import CONSTANT, Value
from engine.teach.names import _OP_NAMES, _STEM, _below_model, _fresh, name_values

__all__ = ["LazyNames"]

_NOTE = attrgetter("_note")
_RULE = attrgetter("_rule")
_SCOPE = attrgetter("_scope")
_SEQ = attrgetter("_seq")
_NAMED = object()  # stands in the key list for a value named when the mapping is made


def _stem(rule: Rule) -> str:
    return _OP_NAMES.get(rule.name, rule.name)


class LazyNames(Mapping[Value, str]):
    """``name_values(order)`` as a mapping that names a value when it is looked up."""

    def __init__(self, order: list[Value], index: dict[Value, int]) -> None:
        self._order = order
        self._index = index
        n = len(order)
        # The labels, read from the slot behind Value.label in C (a million
        # property calls would cost a tenth of a second): the slot holds the
        # label, or (label, params) for the few ops with params.
        labels = list(map(_NOTE, order))
        for i in compress(range(n), map(isinstance, labels, repeat(tuple))):
            labels[i] = labels[i][0]
        labelled = list(compress(range(n), labels))
        label_set = {labels[i] for i in labelled}
        # What decides each value's name: its rule (None for a leaf), or _NAMED.
        keys: list[object] = list(map(_RULE, order))
        for i in labelled:
            keys[i] = _NAMED
        leaves = list(compress(range(n), map(is_, keys, repeat(None))))
        scopes = list(map(_SCOPE, map(order.__getitem__, leaves)))
        params = list(compress(leaves, scopes))
        wanted: dict[str, int] = {}
        for i in params:
            short = _below_model(order[i]._scope)  # type: ignore[arg-type]
            wanted[short] = wanted.get(short, 0) + 1
        taken = set(label_set)
        taken.update(_below_model(s) for s in wanted)
        self._taken = taken
        self._counters: dict[str, int] = {}
        self._risky = {m.group(1) for m in map(_STEM.fullmatch, taken) if m}
        fixed: dict[int, str] = {}
        label_uses: dict[str, int] = {}
        for i in labelled:
            label = labels[i]
            uses = label_uses[label] = label_uses.get(label, 0) + 1
            fixed[i] = label if uses == 1 else _fresh(f"{label}_", taken, self._counters, uses)
        for i in params:
            scope: str = order[i]._scope  # type: ignore[assignment]
            short = _below_model(scope)
            unique = wanted[short] == 1 and short not in label_set
            fixed[i] = short if unique else scope
        self._fixed = fixed
        self._keys = keys
        # The unlabelled leaves the user made ('x') and the numbers ops wrapped ('c').
        loose = [i for i, s in zip(leaves, scopes) if s is None] if params else leaves
        constant = list(map(eq, map(_SEQ, map(order.__getitem__, loose)), repeat(CONSTANT)))
        self._at: dict[str, list[int]] = {
            "c": list(compress(loose, constant)),
            "x": [i for i, c in zip(loose, constant) if not c],
        }
        self._risky_names: dict[str, dict[int, str]] = {}
        self._all: dict[Value, str] | None = None
        known = {id(None), id(_NAMED), *map(id, RULES.values())}
        if not set(map(id, keys)) <= known:  # an op made outside the rule table
            self._all = name_values(order)

    def _positions(self, stem: str) -> list[int]:
        """The unlabelled values named ``stem<k>``, in order (found by C passes over the keys)."""
        found = self._at.get(stem)
        if found is None:
            keys, n = self._keys, len(self._keys)
            rules = [r for r in RULES.values() if _stem(r) == stem]
            found = []
            for rule in rules:
                at = list(compress(range(n), map(is_, keys, repeat(rule))))
                found = sorted(found + at) if found else at
            self._at[stem] = found
        return found

    def __getitem__(self, value: Value) -> str:
        if self._all is not None:
            return self._all[value]
        i = self._index[value]
        name = self._fixed.get(i)
        if name is not None:
            return name
        rule = self._keys[i]
        if rule is None:
            stem = "c" if value._seq == CONSTANT else "x"
        else:
            assert isinstance(rule, Rule)
            stem = _stem(rule)
        at = self._positions(stem)
        if stem in self._risky:
            numbered = self._risky_names.get(stem)
            if numbered is None:
                numbered = self._risky_names[stem] = {
                    j: _fresh(stem, self._taken, self._counters) for j in at
                }
            return numbered[i]
        return f"{stem}{bisect_left(at, i) + 1}"

    def _everything(self) -> dict[Value, str]:
        if self._all is None:
            self._all = name_values(self._order)
        return self._all

    def __iter__(self) -> Iterator[Value]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, value: object) -> bool:
        return value in self._index

    def __repr__(self) -> str:
        return f"LazyNames({len(self._order):,} values)"
