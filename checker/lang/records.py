"""Records: named product types, TLA+'s `[type: T, bal: B]`.

    Msg = Record(type=mtype, bal=ballot, val=value.or_bottom)   # in the class body
    msgs = Relation(Msg)                                         # a set of messages
    def receive(self, m: Msg): require(self.msgs(m) & (m.bal > self.max_bal(a)))
    self.msgs.insert(self.Msg(type=self.mtype["1a"], bal=b, val=self.value.bottom))
    exists(self.Msg, lambda m: self.msgs(m) & (m.type == ...)); m.replace(bal=b); m1 == m2

A record is flattened where it is traced: a relation column of a record type is one column per
field, a record-typed parameter or quantified variable one variable per field (named
`m_type`, `m_bal`, ...), equality the conjunction of the fields'. So every engine handles
records as it handles their fields, and text traces show the fields in order (`msgs(1a, b1,
None)`, `receive(m_type=1a, m_bal=b1, ...)`). The IR remembers which columns, parameters and
per-field functions form one record (`ir.RecordColumns`, `ir.RecordOf`), so that ITF traces
show records as ITF records (`traces/itf.py`). A record is a value: it has no identity and no
update in place; `m.replace(bal=b)` is a new record (TLA+'s `[m EXCEPT !.bal = b]`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

from checker import ir
from checker.errors import Loc, SpecError, user_loc
from checker.lang.context import TraceContext
from checker.lang.sorts import SortBase, TypeRef, resolve_type
from checker.lang.terms import SymFormula, SymTerm, as_term, check_type, shown


class Record:
    """A named product type: `Msg = Record(type=mtype, bal=ballot)`. Its fields are sorts (or
    `sort.or_bottom`); it types relation columns, action parameters and quantified variables;
    `self.Msg(type=..., bal=...)` builds one, `m.bal` reads a field."""

    def __init__(self, **fields: SortBase | TypeRef) -> None:
        self.loc = user_loc()
        self.name = ""
        if not fields:
            raise SpecError(
                "Record(...) needs at least one field: Record(name=sort, ...)", self.loc
            )
        for field, sort in fields.items():
            if not isinstance(sort, SortBase | TypeRef):
                raise SpecError(
                    f"field `{field}` of a Record must be a sort (or `sort.or_bottom`), not {sort!r}",
                    self.loc,
                )
        self.fields = dict(fields)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<record {self.name}>"

    def field_types(self) -> list[tuple[str, ir.Type]]:
        return [
            (f, resolve_type(s, f"field `{f}` of record `{self.name}`", self.loc))
            for f, s in self.fields.items()
        ]

    def __call__(self, **values: object) -> SymRecord:
        """The record with these field values (every field given)."""
        loc = user_loc()
        missing = [f for f in self.fields if f not in values]
        extra = [f for f in values if f not in self.fields]
        if missing or extra:
            raise SpecError(
                f"`{self.name}(...)` takes the fields {', '.join(self.fields)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; no field {', '.join(extra)}" if extra else ""),
                loc,
            )
        from checker.lang.terms import coerce

        terms = {}
        for f, t in self.field_types():
            term, _ = coerce(values[f], t, f"field `{f}` of `{self.name}(...)`", loc, reading=False)
            terms[f] = SymTerm(term)
        return SymRecord(self, terms)


Shape = ir.Type | Record  # what a column, a parameter or a quantified variable holds


class Compound:
    """A kind of value that a parameter or a quantified variable may hold, beyond a sort's
    elements and records, bound as several variables: a sequence sort's values
    (`lang/seqsorts.py`) are a length and one variable per slot. `domain` says which tuples of
    those variables are values (one tuple per value, so that counts are right)."""

    name: str

    def flat_names(self, name: str) -> list[str]:
        raise NotImplementedError

    def flat_types(self) -> list[ir.Type]:
        raise NotImplementedError

    def value(self, variables: tuple[ir.Var, ...], name: str) -> object:
        """What the spec's code gets for these variables."""
        raise NotImplementedError

    def domain(self, variables: tuple[ir.Var, ...], loc: Loc) -> ir.Formula:
        raise NotImplementedError


Binder = Shape | Compound  # what an action parameter or a quantified variable holds


def shape_of(obj: object, what: str, loc: Loc) -> Shape:
    """A record, or the IR type a sort (or `sort.or_bottom`) denotes."""
    if isinstance(obj, Record):
        return obj
    return resolve_type(obj, what, loc)


def flat_types(shapes: Sequence[Shape]) -> list[ir.Type]:
    """One type per column: a record's fields in order."""
    out: list[ir.Type] = []
    for s in shapes:
        if isinstance(s, Record):
            out.extend(t for _, t in s.field_types())
        else:
            out.append(s)
    return out


def record_columns(
    shapes: Sequence[Binder], names: Sequence[str] | None = None
) -> tuple[ir.RecordColumns, ...]:
    """Which of the flat columns of `shapes` hold records (one entry per record, its fields'
    columns), so that traces can show them as records; `names` names record parameters."""
    out: list[ir.RecordColumns] = []
    start = 0
    for i, s in enumerate(shapes):
        if isinstance(s, Record):
            name = names[i] if names is not None else ""
            out.append(ir.RecordColumns(start, tuple(s.fields), name))
            start += len(s.fields)
        elif isinstance(s, Compound):
            start += len(s.flat_types())
        else:
            start += 1
    return tuple(out)


def flat_names(name: str, shape: Shape) -> list[str]:
    """`m` -> `m_type`, `m_bal`, ... for a record; `n` for a sort."""
    if isinstance(shape, Record):
        return [f"{name}_{f}" for f in shape.fields]
    return [name]


def fresh_variables(
    ctx: TraceContext, names: Sequence[str], shapes: Sequence[Binder], loc: Loc
) -> tuple[tuple[ir.Var, ...], list[Any]]:
    """Fresh variables for values of these shapes, named after `names` (a record `m` is one
    variable per field, `m_type`, ...; a sequence `s` its length and slots, `s_len`, `s_0`,
    ...), and the values they stand for (the record, the sequence from them)."""
    variables: list[ir.Var] = []
    values: list[Any] = []
    for name, shape in zip(names, shapes, strict=True):
        if isinstance(shape, Compound):
            flat, types = shape.flat_names(name), shape.flat_types()
        else:
            flat, types = flat_names(name, shape), flat_types([shape])
        mine = tuple(
            ir.Var(ctx.fresh_name(n), t, loc=loc) for n, t in zip(flat, types, strict=True)
        )
        variables.extend(mine)
        if isinstance(shape, Compound):
            values.append(shape.value(mine, name))
        else:
            values.extend(rebuild([shape], [SymTerm(v) for v in mine]))
    return tuple(variables), values


def domains(shapes: Sequence[Binder], variables: Sequence[ir.Var], loc: Loc) -> list[ir.Formula]:
    """The conditions under which `variables` (from `fresh_variables(shapes)`) are values of
    their shapes: one per compound shape (a sequence's slots past its length hold the empty
    value); a sort's elements and records need none."""
    out: list[ir.Formula] = []
    start = 0
    for shape in shapes:
        width = len(shape.flat_types() if isinstance(shape, Compound) else flat_types([shape]))
        if isinstance(shape, Compound):
            out.append(shape.domain(tuple(variables[start : start + width]), loc))
        start += width
    return out


def rebuild(shapes: Sequence[Shape], terms: Sequence[SymTerm]) -> list[SymTerm | SymRecord]:
    """Group flat terms back into the values they stand for (a record from its fields)."""
    it: Iterator[SymTerm] = iter(terms)
    out: list[SymTerm | SymRecord] = []
    for s in shapes:
        if isinstance(s, Record):
            out.append(SymRecord(s, {f: next(it) for f in s.fields}))
        else:
            out.append(next(it))
    return out


def flatten_values(
    shapes: Sequence[Shape], values: Sequence[object], what: str, loc: Loc
) -> list[object]:
    """The column values for `values` given where `shapes` are expected: a record's fields."""
    out: list[object] = []
    for i, (s, v) in enumerate(zip(shapes, values, strict=True)):
        if isinstance(s, Record):
            if not isinstance(v, SymRecord) or v.record is not s:
                raise SpecError(
                    f"{what}: argument {i + 1} must be a `{s.name}` record, not {shown(v)}", loc
                )
            out.extend(v.values[f] for f in s.fields)
        elif isinstance(v, SymRecord):
            raise SpecError(
                f"{what}: argument {i + 1} must be of sort `{s.sort}`, not a `{v.record.name}` record",
                loc,
            )
        else:
            out.append(v)
    return out


def shape_text(shape: Shape) -> str:
    return shape.name if isinstance(shape, Record) else str(shape)


class SymRecord:
    """A record value while a spec is traced: its fields' terms."""

    __slots__ = ("record", "values")

    def __init__(self, record: Record, values: dict[str, SymTerm]) -> None:
        self.record, self.values = record, values

    def shown_as(self) -> str:
        """What an error message calls this value (`terms.shown`)."""
        return f"a `{self.record.name}` record"

    def __getattr__(self, field: str) -> SymTerm:
        if field.startswith("__"):
            raise AttributeError(field)
        values = object.__getattribute__(self, "values")
        if field not in values:
            record = object.__getattribute__(self, "record")
            raise SpecError(
                f"record `{record.name}` has no field `{field}` (its fields: "
                f"{', '.join(record.fields)})",
                user_loc(),
            )
        term: SymTerm = values[field]
        return term

    def replace(self, **changes: object) -> SymRecord:
        """A copy with some fields changed (TLA+'s `[r EXCEPT !.f = v]`)."""
        loc = user_loc()
        unknown = [f for f in changes if f not in self.record.fields]
        if unknown:
            raise SpecError(
                f"record `{self.record.name}` has no field {', '.join(f'`{f}`' for f in unknown)}",
                loc,
            )
        return self.record(**{**self.values, **changes})

    def _equal(self, other: object, loc: Loc) -> ir.Formula:
        if not isinstance(other, SymRecord) or other.record is not self.record:
            raise SpecError(
                f"`==` compares a `{self.record.name}` record with "
                + (
                    f"a `{other.record.name}` record"
                    if isinstance(other, SymRecord)
                    else repr(other)
                ),
                loc,
            )
        parts = []
        for f, t in self.record.field_types():
            a, b = as_term(self.values[f], f, loc), as_term(other.values[f], f, loc)
            check_type(b, ir.Type(t.sort, True), f"field `{f}`", loc, reading=True)
            parts.append(ir.Eq(a, b, loc=loc))
        return ir.And(tuple(parts), loc=loc)

    def __eq__(self, other: object) -> SymFormula:  # type: ignore[override]
        return SymFormula(self._equal(other, user_loc()))

    def __ne__(self, other: object) -> SymFormula:  # type: ignore[override]
        loc = user_loc()
        return SymFormula(ir.Not(self._equal(other, loc), loc=loc))

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> NoReturn:
        raise SpecError(
            f"a `{self.record.name}` record has no truth value; compare its fields", user_loc()
        )

    def __repr__(self) -> str:
        return f"<record {self.record.name}>"
