"""Sequential models: what one correct copy of the object would answer, operation by operation.

A `Model` is Porcupine's: an initial state, `step(state, input, output) -> (ok, new_state)`
saying whether the object, in `state`, may answer `input` with `output` (and where it goes), and
`partition(history)` for P-compositionality: when operations on different parts (keys, subtrees)
never observe each other, each part's sub-history is checked on its own, and the history is
linearizable exactly when every part is (Herlihy & Wing's locality; Horn & Kroening). A model
whose operations can observe several parts must not partition them apart.

The contract the checker relies on:

- States are immutable values with `==` and `hash` (or `state_key` gives one): the search caches
  (linearized set, state) pairs and stops wherever it has been before.
- `step` must not mutate `state`.
- `step(state, input, UNKNOWN)` is the step of an operation whose client never learned the
  output: it must succeed in every state (the operation happened, with whatever answer the state
  gave). This lets the search place such operations last — or treat them as never having
  happened — whenever nothing observed them.
- `prepare(op)` checks an operation's input and output once, before the search, and may turn
  them into compact values for `step`; it raises `ValueError` with a message for the user.

`DeterministicModel` is the common case: the state and input determine the output.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from checker.linearizability.history import UNKNOWN, MaybeUnknown, Operation

S = TypeVar("S")
In = TypeVar("In")
Out = TypeVar("Out")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=Hashable)


class Model(ABC, Generic[S, In, Out]):
    """A sequential specification (see the module docstring for the contract)."""

    name: str = "model"

    @abstractmethod
    def init(self) -> S:
        """The object's state before any operation."""

    @abstractmethod
    def step(self, state: S, input: In, output: Out | MaybeUnknown) -> tuple[bool, S]:
        """May the object, in `state`, answer `input` with `output`? And the state after."""

    def prepare(self, op: Operation) -> tuple[In, Out | MaybeUnknown]:
        """The operation's input and output as `step` takes them; `ValueError` if malformed."""
        return op.input, op.output

    def partition(self, history: Sequence[Operation]) -> dict[str, list[Operation]]:
        """Sub-histories that can be checked independently, by name (default: one, `all`)."""
        return {"all": list(history)} if history else {}

    def read_only(self, input: In) -> bool:
        """Does the operation leave every state as it is? An unanswered read-only operation
        constrains nothing, so the checker drops it."""
        return False

    def state_key(self, state: S) -> Hashable:
        """A hashable value equal for equal states (default: the state itself)."""
        return state

    def expected(self, state: S, input: In) -> str | None:
        """What the model would answer in `state`, for reports (None: cannot say)."""
        return None

    def describe_operation(self, op: Operation) -> str:
        """One short line: the call and what it returned."""
        out = "?" if op.pending else show(op.output)
        return f"{show(op.input)} -> {out}"

    def describe_state(self, state: S) -> str:
        return repr(state)


class DeterministicModel(Model[S, In, Out]):
    """A model whose output is a function of state and input: `apply` gives both; an observed
    output is accepted when `matches` the model's (equality by default; override for outputs
    the history records only in part)."""

    @abstractmethod
    def apply(self, state: S, input: In) -> tuple[Out, S]:
        """The model's output and next state."""

    def matches(self, expected: Out, observed: Out) -> bool:
        return expected == observed

    def describe_output(self, output: Out) -> str:
        return repr(output)

    def step(self, state: S, input: In, output: Out | MaybeUnknown) -> tuple[bool, S]:
        expected, after = self.apply(state, input)
        if output is UNKNOWN or self.matches(expected, output):
            return True, after
        return False, state

    def expected(self, state: S, input: In) -> str | None:
        return self.describe_output(self.apply(state, input)[0])


class FrozenMap(Mapping[K, V]):
    """An immutable dict with an incrementally maintained hash: `set` and `remove` copy the
    dict (small in practice: one key or one subtree per partition) and update the hash in O(1)."""

    __slots__ = ("_d", "_h")

    def __init__(self, items: Mapping[K, V] | None = None) -> None:
        self._d: dict[K, V] = dict(items) if items else {}
        h = 0
        for item in self._d.items():
            h ^= hash(item)
        self._h = h

    @classmethod
    def _make(cls, d: dict[K, V], h: int) -> FrozenMap[K, V]:
        m: FrozenMap[K, V] = cls.__new__(cls)
        m._d = d
        m._h = h
        return m

    def set(self, key: K, value: V) -> FrozenMap[K, V]:
        d = dict(self._d)
        h = self._h
        if key in d:
            h ^= hash((key, d[key]))
        d[key] = value
        return self._make(d, h ^ hash((key, value)))

    def remove(self, key: K) -> FrozenMap[K, V]:
        if key not in self._d:
            return self
        d = dict(self._d)
        value = d.pop(key)
        return self._make(d, self._h ^ hash((key, value)))

    def __getitem__(self, key: K) -> V:
        return self._d[key]

    def get(self, key: K, default: Any = None) -> Any:
        return self._d.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._d

    def __iter__(self) -> Iterator[K]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __hash__(self) -> int:
        return self._h

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrozenMap):
            return NotImplemented
        return self._h == other._h and self._d == other._d

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"


def freeze(value: Any) -> Hashable:
    """A JSON value as a hashable one: arrays become tuples, objects frozensets of pairs, and
    booleans stay apart from the numbers 0 and 1 (which Python holds equal to them)."""
    if isinstance(value, bool):
        return _Bool(value)
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return frozenset((k, freeze(v)) for k, v in value.items())
    return value  # type: ignore[no-any-return]


def thaw(value: Hashable) -> Any:
    """The JSON value `freeze` made `value` from."""
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    if isinstance(value, frozenset):
        return {k: thaw(v) for k, v in sorted(value)}
    if isinstance(value, _Bool):
        return value.value
    return value


@dataclass(frozen=True)
class _Bool:
    value: bool


def show(value: Any) -> str:
    """A JSON value, compactly."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
