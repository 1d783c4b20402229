"""Sequence sorts: every sequence of a bounded length, as the type of an action parameter or of
a quantified variable — TLA+'s `\\E s \\in {q \\in Seq(Value) : Len(q) <= 2}`.

    Seqs = SeqSort(value, capacity=2)                  # in the class body; records too
    @action
    def put(self, s: Seqs): require(s.len() > 0); self.q = s   # one instance per sequence
    forall(self.Seqs, lambda s: ...), exists(...), count(...)  # in properties too

A sequence value of a sequence sort is flattened where it is bound, as a record is: a parameter
`s` is a length `s_len` (of an integer sort `Seqs_length`, 0..capacity) and one parameter per
slot, `s_0`, `s_1`, ... (per field of a record element, `s_0_type`, `s_0_bal`, ...), with the
condition that every slot at or past the length holds the element type's lowest value (bottom
where the element type admits it) — a guard of the action, the range of a quantifier — so that
each sequence is exactly one tuple. The capacity is therefore a constant: the number of
parameters cannot depend on an instance. The value `s` is a sequence value
(`checker.lang.seqvalues`): every reading operation, slices, `+`, `==`, and assignment to a
stored sequence. `ir.Action.sequence_params` (`ir.SequenceColumns`) lets traces show the
parameter as one sequence, `s=<<v1, v2>>`, an ITF list.
"""

from __future__ import annotations

from checker import ir
from checker.errors import Loc, SpecError, user_loc
from checker.lang.records import Binder, Compound, Record, Shape, flat_names, flat_types
from checker.lang.seqvalues import (
    Flat,
    PositionFn,
    SeqValue,
    empty_element,
    equal_flat,
    ite_flat,
)
from checker.lang.sorts import IntSort, Param, SizeExpr, SortBase, TypeLike, TypeRef, resolve_type


class SeqSort(Compound):
    """Every sequence of `elem` values (sort elements, `sort.or_bottom`, or records) with at most
    `capacity` of them: `Seqs = SeqSort(value, capacity=2)`. It types action parameters
    (`def put(self, s: Seqs)`: one instance per sequence) and quantified variables
    (`forall(self.Seqs, lambda s: ...)`); the value is a sequence value (`s.len()`, `s[i]`,
    `s[i:j]`, `s + [m]`, `s == self.q()`, ...) and can be assigned to a stored sequence. The
    capacity is a constant integer (each slot is a parameter of its own)."""

    def __init__(self, elem: TypeLike | Record, *, capacity: object) -> None:
        self.loc = user_loc()
        self.name = ""
        if not isinstance(elem, SortBase | TypeRef | Record):
            raise SpecError(
                f"SeqSort(...) takes the element sort (a sort, `sort.or_bottom` or a Record), "
                f"not {elem!r}",
                self.loc,
            )
        if isinstance(capacity, Param | SizeExpr):
            raise SpecError(
                "the capacity of a SeqSort must be a constant integer, not a parameter: each "
                "slot of a sequence value is a parameter of the action (or a variable of the "
                "quantifier) of its own, and their number cannot depend on an instance",
                self.loc,
            )
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
            raise SpecError(
                f"the capacity of a SeqSort must be a size, an integer >= 0, not {capacity!r}",
                self.loc,
            )
        self.elem_type = elem
        self.capacity = capacity
        self.length = IntSort(0, capacity)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.length.__set_name__(owner, f"{name}_length")
        self.length.loc = self.loc

    def __repr__(self) -> str:
        return f"<sequence sort {self.name}>"

    def hidden_sorts(self) -> dict[str, IntSort]:
        return {self.length.name: self.length}

    def shape(self) -> Shape:
        """The element type, or the record the elements are."""
        if isinstance(self.elem_type, Record):
            return self.elem_type
        return resolve_type(self.elem_type, f"the element sort of `{self.name}`", self.loc)

    def fields(self) -> tuple[str, ...]:
        shape = self.shape()
        return tuple(shape.fields) if isinstance(shape, Record) else ()

    # -- Compound: how a value is bound ----------------------------------------------------------

    def flat_names(self, name: str) -> list[str]:
        slots = [n for k in range(self.capacity) for n in flat_names(f"{name}_{k}", self.shape())]
        return [f"{name}_len", *slots]

    def flat_types(self) -> list[ir.Type]:
        return [ir.Type(self.length.name), *flat_types([self.shape()] * self.capacity)]

    def value(self, variables: tuple[ir.Var, ...], name: str) -> SeqParam:
        return SeqParam(self, variables, name)

    def domain(self, variables: tuple[ir.Var, ...], loc: Loc) -> ir.Formula:
        """Every slot at or past the length holds the empty element: one tuple per sequence."""
        seq = SeqParam(self, variables, "")
        empty = empty_element(self.shape(), loc)
        parts = tuple(
            ir.Implies(
                ir.Le(seq._length(loc), ir.IntLit(k, loc=loc), loc=loc),
                equal_flat(slot, empty, loc),
                loc=loc,
            )
            for k, slot in enumerate(seq.slots)
        )
        return ir.And(parts, loc=loc) if parts else ir.BoolLit(True, loc=loc)

    def columns(self, start: int, name: str) -> ir.SequenceColumns:
        return ir.SequenceColumns(start, self.capacity, self.fields(), name)


class SeqParam(SeqValue):
    """A sequence value bound as variables: an action parameter or a quantified variable of a
    sequence sort (its length variable and its slots' variables)."""

    def __init__(self, sort: SeqSort, variables: tuple[ir.Var, ...], name: str) -> None:
        self.sort, self.elem = sort, sort.shape()
        self.name = f"`{name}`" if name else f"a sequence of `{sort.name}`"
        self.length_var = variables[0]
        width = len(flat_types([self.elem]))
        rest = variables[1:]
        self.slots: tuple[Flat, ...] = tuple(
            tuple(rest[k * width : (k + 1) * width]) for k in range(sort.capacity)
        )

    def __repr__(self) -> str:
        return f"<sequence {self.name}>"

    def _length_sort(self) -> str | None:
        return self.sort.length.name

    def _length(self, loc: Loc) -> ir.Term:
        return ir.ToInt(self.length_var, loc=loc)

    def _at(self, k: ir.Term, loc: Loc) -> Flat:
        if not self.slots:  # never read: there is no position
            return empty_element(self.elem, loc)
        if isinstance(k, ir.IntLit) and isinstance(k.value, int):
            return self.slots[max(0, min(k.value, len(self.slots) - 1))]
        flat = self.slots[-1]  # past the last slot: read the last (unchecked, never needed)
        for j in reversed(range(len(self.slots) - 1)):
            flat = ite_flat(ir.Eq(k, ir.IntLit(j, loc=loc), loc=loc), self.slots[j], flat, loc)
        return flat

    def _each(self, fn: PositionFn, universal: bool, loc: Loc) -> ir.Formula:
        parts = []
        for j, slot in enumerate(self.slots):
            position = ir.IntLit(j, loc=loc)
            below = ir.Lt(position, self._length(loc), loc=loc)
            holds = fn(position, slot)
            parts.append(
                ir.Implies(below, holds, loc=loc) if universal else ir.And((below, holds), loc=loc)
            )
        if not parts:
            return ir.BoolLit(universal, loc=loc)
        return ir.And(tuple(parts), loc=loc) if universal else ir.Or(tuple(parts), loc=loc)


def binder_of(obj: object, what: str, loc: Loc) -> Binder:
    """What a quantifier's or a parameter's sort argument binds: a sequence sort, a record, or
    the IR type of a sort (or `sort.or_bottom`)."""
    if isinstance(obj, SeqSort):
        return obj
    if isinstance(obj, Record):
        return obj
    return resolve_type(obj, what, loc)


def sequence_columns(shapes: list[Binder], names: list[str]) -> tuple[ir.SequenceColumns, ...]:
    """Which of the flat parameters of `shapes` hold sequences, for traces."""
    out: list[ir.SequenceColumns] = []
    start = 0
    for shape, name in zip(shapes, names, strict=True):
        if isinstance(shape, SeqSort):
            out.append(shape.columns(start, name))
        width = len(shape.flat_types() if isinstance(shape, Compound) else flat_types([shape]))
        start += width
    return tuple(out)


__all__ = ["SeqParam", "SeqSort", "binder_of", "sequence_columns"]
