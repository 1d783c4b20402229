"""The IR's state symbols: their declarations, and the markers that say which symbols (or
columns) together hold one sequence or record value."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from checker.errors import UNKNOWN_LOC, Loc
from checker.ir.sorts import Type
from checker.ir.terms import Term


class SymbolKind(enum.Enum):
    RELATION = "relation"
    FUNCTION = "function"  # individuals are functions with no arguments


@dataclass(frozen=True)
class MessageDecl:
    """A relation whose tuples are messages (for message-sequence charts): a tuple is sent by
    the node in column `sender` to the node in column `to`, or to every element of sort `to`."""

    sender: int
    to: int | str


@dataclass(frozen=True)
class SequenceOf:
    """Marks the functions that store a sequence-valued symbol `name` (lang/sequences.py): its
    length `length` (over the symbol's arguments) and its slots (over the arguments and a
    position): one function `slots[0]` for elements of a sort, or, for a sequence of records,
    one per field, `slots[i]` holding field `fields[i]` (`fields` is empty for a sort). Traces
    print them as one sequence (of records)."""

    name: str
    length: str
    slots: tuple[str, ...]
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordColumns:
    """Consecutive columns that hold one record (lang/records.py flattens a record into one
    column per field): `len(fields)` columns from `start` of a symbol's arguments or of an
    action's parameters, one per field, in the record's order. Engines read the columns; ITF
    traces show them as one record. `name` is a record parameter's own name (`m`, whose columns
    are the parameters `m_type`, `m_bal`, ...); "" for a symbol's columns."""

    start: int
    fields: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class SequenceColumns:
    """Consecutive parameters (or bound variables) that hold one sequence value of a sequence
    sort (lang/seqsorts.py flattens it): the length at `start`, then `capacity` slots, each one
    column — or, for a sequence of records, one column per field in `fields` (empty for a
    sort's elements). A slot at or past the length holds the element type's lowest value, so
    each sequence is one tuple of columns. `name` is the parameter's own name (`s`, whose
    columns are `s_len`, `s_0`, ...); ITF and text traces show it as one sequence."""

    start: int
    capacity: int
    fields: tuple[str, ...]
    name: str

    @property
    def width(self) -> int:
        """The columns of one slot."""
        return max(1, len(self.fields))

    @property
    def stop(self) -> int:
        """One past the last column."""
        return self.start + 1 + self.capacity * self.width


@dataclass(frozen=True)
class RecordOf:
    """Marks the functions (or individuals) that store a record-valued symbol `name`, one per
    field (lang/spec.py): `symbols[i]` holds field `fields[i]` (`last` is `last_type`,
    `last_bal`, ...); ITF traces show them as one variable holding records."""

    name: str
    fields: tuple[str, ...]
    symbols: tuple[str, ...]


@dataclass(frozen=True)
class SymbolDecl:
    name: str
    kind: SymbolKind
    args: tuple[Type, ...]
    result: Type | None  # None for relations
    init: Term | bool | None  # declared initial value: an element term for functions
    individual: bool = False
    loc: Loc = UNKNOWN_LOC
    message: MessageDecl | None = None
    # Any initial value: the initial states are every value (of every such symbol) that the
    # @init guards and the axioms allow. A rigid symbol never changes afterwards.
    arbitrary: bool = False
    rigid: bool = False
    sequence: SequenceOf | None = None  # one of the functions that store a sequence
    record: RecordOf | None = None  # one of the per-field functions of a record-valued symbol
    record_args: tuple[RecordColumns, ...] = ()  # the argument columns that hold records
