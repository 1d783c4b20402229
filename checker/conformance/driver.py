"""The driver API: how a spec's actions reach an implementation, and how its state comes back.

Modelled on hypothesis' `RuleBasedStateMachine`: a driver is a class with one method per spec
action, named like the action and taking its parameters by name, that applies the matching
stimulus to the implementation (deliver this message to that node, fire a timeout, restart a
node, let a client submit a value). Parameters arrive as the spec's labels: integers for
ordered sorts (ballots, slots; -1 or the sort's bottom label for "none"), strings such as
"a1" or "v2" otherwise. A method raises `NotEnabled` when the implementation cannot take the
step. `abstract()` is the abstraction function: the implementation's state as a spec state.

    class PaxosDriver(Driver):
        def __init__(self, params):            # a fresh implementation for each path
            ...
        def phase1b(self, a: str, b: int) -> None:
            ...deliver the 1a of ballot b to acceptor a; raise NotEnabled if it refuses...
        def abstract(self) -> dict[str, object]:
            return {"max_bal": {"a1": 0, ...}, "msg_1a": {0}, "msg_1b": {("a1", 0, -1, "None")}, ...}

A spec whose initial state is not unique (an `@init` that constrains, a rigid symbol with
no value) starts each path in one of them: `start(state)` tells the driver which, before the
first comparison, as a dict of the spec's labels (the ITF form of the state: individuals as
labels, functions as `{"#map": [[argument, value], ...]}`, relations as `{"#set": [...]}`).

In `abstract()`, a relation is a set of tuples (of plain values for one column), a function a
dict from argument (a tuple, or a plain value for one argument) to value, an individual its
value — the spec's labels throughout, as in ITF traces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.errors import UsageError
from checker.explicit.layout import Layout
from checker.instance import Instance


class NotEnabled(Exception):
    """The implementation cannot take the step the spec took; the message says why."""


class UnexpectedOutput(Exception):
    """Taking the step, the implementation did something the spec does not allow (say, it
    decided before a quorum voted); the message says what."""


class Driver:
    """Base class of conformance drivers (see the module docstring). `options` are the
    driver's own settings (`paxoscope conform --option NAME=VALUE`), such as faults to switch
    on in the implementation."""

    def __init__(self, params: Mapping[str, int], options: Mapping[str, str] | None = None) -> None:
        self.params = dict(params)
        self.options = dict(options or {})

    def start(self, state: Mapping[str, Any]) -> None:
        """The initial state this path starts in (see the module docstring); by default
        ignored, as a driver of a spec with one initial state needs nothing from it."""

    def abstract(self) -> Mapping[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} must define abstract()")


class AbstractPacker:
    """Packs a driver's abstract state as the explicit engine packs spec states, so that a
    comparison is one integer equality. Replay packs after every step, so each symbol's
    argument tuples are looked up by their labels in a table made once; a label that is not in
    it takes the slow path, which says what is wrong."""

    def __init__(self, inst: Instance, layout: Layout) -> None:
        self.layout = layout
        self.codes = {
            name: {inst.label(name, c): c for c in sort.codes(sort.decl.has_bottom)}
            for name, sort in inst.sorts.items()
        }
        # per symbol: its columns' sorts, and its argument tuples (as labels) -> the first bit
        # of their field
        self.sorts = {lay.decl.name: [t.sort for t in lay.decl.args] for lay in layout.symbols}
        self.fields: dict[str, dict[tuple[Any, ...], int]] = {}
        for lay in layout.symbols:
            sorts = self.sorts[lay.decl.name]
            self.fields[lay.decl.name] = {
                tuple(inst.label(s, c) for s, c in zip(sorts, codes, strict=True)): lay.bit(codes)
                for codes in (lay.tuple_at(i) for i in range(lay.count))
            }

    def _code(self, symbol: str, sort: str, label: Any) -> int:
        try:
            return self.codes[sort][label]
        except (KeyError, TypeError):
            raise UsageError(
                f"the driver's abstract() gives `{symbol}` the value {label!r}, which is not an "
                f"element of sort `{sort}` (expected one of {sorted(map(str, self.codes[sort]))})"
            ) from None

    def _codes(self, symbol: str, sorts: list[str], labels: Any) -> tuple[int, ...]:
        labels = labels if isinstance(labels, tuple) else (labels,)
        if len(labels) != len(sorts):
            raise UsageError(f"the driver's abstract() gives `{symbol}` the tuple {labels!r}")
        return tuple(self._code(symbol, s, x) for s, x in zip(sorts, labels, strict=True))

    def _field(self, symbol: str, sorts: list[str], labels: Any) -> int:
        bit = self.fields[symbol].get(labels if isinstance(labels, tuple) else (labels,))
        if bit is None:  # not an argument tuple: the slow path names the culprit
            self._codes(symbol, sorts, labels)
            raise UsageError(f"the driver's abstract() gives `{symbol}` the tuple {labels!r}")
        return bit

    def pack(self, state: Mapping[str, Any]) -> int:
        packed = 0
        for lay in self.layout.symbols:
            decl = lay.decl
            if decl.name not in state:
                raise UsageError(f"the driver's abstract() has no value for `{decl.name}`")
            value = state[decl.name]
            sorts = self.sorts[decl.name]
            if lay.is_relation:
                for t in value:
                    packed |= 1 << self._field(decl.name, sorts, t)
                continue
            assert decl.result is not None
            result = decl.result.sort
            if decl.individual:
                packed |= self._code(decl.name, result, value) << lay.offset
                continue
            if len(value) != lay.count:
                raise UsageError(
                    f"the driver's abstract() gives `{decl.name}` {len(value)} entries, "
                    f"not {lay.count}"
                )
            for key, val in value.items():
                packed |= self._code(decl.name, result, val) << self._field(decl.name, sorts, key)
        return packed
