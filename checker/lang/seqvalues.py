"""Sequence values: what a stored sequence, a slice of one, a concatenation or a list of
elements denotes — read anywhere (guards, properties, quantifier bodies) and assigned to a
stored sequence (`self.q = self.q[1:] + [m]`, TLA+'s `q' = Tail(q) \\o <<m>>`).

Every sequence value provides three things, from which every operation is built:

- its **length**, an integer term;
- its **element at a position** `k` (an integer term) for `0 <= k < length`, as a `Flat`: one
  term per field of a record element (`Record`), one term for a sort's element — unchecked, and
  read at a clamped slot, so that no engine indexes outside the stored slots even where it
  evaluates an `ite` branch that is not taken;
- a **quantifier over its positions**, `fn(position, element)`, made of the stored sequences'
  own index sorts (a concatenation's positions are its parts' positions), so a value longer
  than any stored sequence needs no sort of its own.

What can fail fails as TLA+'s operators do, wherever the value is used: `q[i:j]` outside
`0 <= i <= j <= len(q)` (`SubSeq`), an index past the length, the head, tail or last of an
empty sequence are errors reported with the trace that reached them. A range check is an
integer `Cast` into a stored sequence's length sort whose value is 0 where the check passes,
so `checker.lang.failures` reports it as it reports every out-of-range value, in actions and
in properties alike.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from checker import ir
from checker.errors import Loc, SpecError, user_loc
from checker.lang import context
from checker.lang.records import Record, Shape, SymRecord, flat_types, rebuild
from checker.lang.terms import SymFormula, SymTerm, as_formula, coerce, int_value, shown

# One element of a sequence: its fields' terms in the record's order (one term for a sort's
# element). Record sequences are stored one slots function per field, so an element is flat.
Flat = tuple[ir.Term, ...]

# fn(position, element) -> formula, for a quantifier over a sequence's positions
PositionFn = Callable[[ir.Term, Flat], ir.Formula]


class SeqValue:
    """A sequence value: read it with `len()`, `[i]`, `[i:j]`, `head()`, `tail()`, `last()`,
    `is_empty()`, `contains(x)`, `any(fn)`, `all(fn)`; combine with `+` (concatenation, a list
    of elements on either side); compare with `==` / `!=` (same length, same elements)."""

    elem: Shape  # the element type, or the record the elements are
    name: str  # how messages name it: "`q`", "a slice of `q`"

    # -- what each kind of value provides --------------------------------------------------------

    def _length(self, loc: Loc) -> ir.Term:
        raise NotImplementedError

    def _at(self, k: ir.Term, loc: Loc) -> Flat:
        raise NotImplementedError

    def _each(self, fn: PositionFn, universal: bool, loc: Loc) -> ir.Formula:
        raise NotImplementedError

    def _length_sort(self) -> str | None:
        """A stored sequence's length sort (0..capacity), for range checks; None for a list."""
        raise NotImplementedError

    def _read(self, k: ir.Term, what: str, loc: Loc) -> Flat:
        """The element at `k`, an error where `k` is not a position of the value."""
        inside = ir.And((_le(_int(0, loc), k, loc), _lt(k, self._length(loc), loc)), loc=loc)
        why = f"{what} of {self.name} is not one of its positions (0..len-1)"
        return self._at(_plus(k, self._zero_unless(inside, why, loc), loc), loc)

    def _zero_unless(self, ok: ir.Formula, why: str, loc: Loc) -> ir.Term:
        """0 where `ok` holds; where it does not, a value outside a length sort: an error,
        reported as `why`."""
        sort = self._length_sort()
        if sort is None:
            raise SpecError(f"{why}: a list of elements is read with constant positions", loc)
        minus_one = ir.TermIte(ok, _int(0, loc), _int(-1, loc), loc=loc)
        return ir.ToInt(ir.Cast(sort, minus_one, why=why, loc=loc), loc=loc)

    # -- reading -------------------------------------------------------------------------------

    def len(self) -> SymTerm:
        """The number of elements (an integer): TLA+'s `Len`."""
        return SymTerm(self._length(user_loc()))

    def is_empty(self) -> SymFormula:
        """No elements: `q = <<>>`."""
        loc = user_loc()
        return SymFormula(ir.Eq(self._length(loc), _int(0, loc), loc=loc))

    def __getitem__(self, key: object) -> Any:
        """`q[i]`, the element at `i` (0 is the head; past the length an error), or `q[i:j]`,
        the elements at `i` up to `j` excluded (TLA+'s `SubSeq(q, i+1, j)`; outside
        `0 <= i <= j <= len(q)` an error; `q[i:]` runs to the end)."""
        loc = user_loc()
        if isinstance(key, slice):
            if key.step is not None:
                raise SpecError(f"a slice of {self.name} takes no step", loc)
            return self._slice(key.start, key.stop, loc)
        return self._value_of(
            self._read(index_term(key, f"an index of {self.name}", loc), "an index", loc)
        )

    def _value_of(self, flat: Flat) -> SymTerm | SymRecord:
        """An element as the spec sees it: a term, or a record of its fields' terms."""
        return rebuild([self.elem], [SymTerm(t) for t in flat])[0]

    def _slice(self, start: object, stop: object, loc: Loc) -> SeqValue:
        lo = _int(0, loc) if start is None else index_term(start, f"a slice of {self.name}", loc)
        hi = self._length(loc) if stop is None else index_term(stop, f"a slice of {self.name}", loc)
        return _Slice(self, lo, hi, loc)

    def head(self) -> Any:
        """The first element (TLA+'s `Head`); the head of an empty sequence is an error."""
        loc = user_loc()
        return self._value_of(self._read(_int(0, loc), "the head", loc))

    def last(self) -> Any:
        """The last element; the last of an empty sequence is an error."""
        loc = user_loc()
        end = ir.Arith("-", self._length(loc), _int(1, loc), loc=loc)
        return self._value_of(self._read(end, "the last element", loc))

    def tail(self) -> SeqValue:
        """Every element but the first (TLA+'s `Tail`); the tail of an empty sequence is an
        error."""
        return self._slice(1, None, user_loc())

    def contains(self, x: object) -> SymFormula:
        """Some element of the sequence is `x`."""
        loc = user_loc()
        elem = flat_element(x, self.elem, f"the element sought in {self.name}", loc)
        return SymFormula(self._each(lambda _, e: equal_flat(e, elem, loc), False, loc))

    def any(self, fn: Any) -> SymFormula:
        """Some element satisfies `fn` — `fn(x)`, or `fn(i, x)` with its position `i` (0 is the
        head): TLA+'s `\\E i \\in 1..Len(q) : P(q[i])`. Only the elements below the length are
        read, so nothing needs checking (unlike `q[i]` under a guard of your own)."""
        return SymFormula(self._each(self._body(fn, "any(...)"), False, user_loc()))

    def all(self, fn: Any) -> SymFormula:
        """Every element satisfies `fn` (`fn(x)` or `fn(i, x)`)."""
        return SymFormula(self._each(self._body(fn, "all(...)"), True, user_loc()))

    def _body(self, fn: Any, what: str) -> PositionFn:
        loc = user_loc()
        try:
            arity = len(context.lambda_names(fn, 2, what, loc))
        except SpecError:
            arity = len(context.lambda_names(fn, 1, what, loc))

        def body(position: ir.Term, elem: Flat) -> ir.Formula:
            x = self._value_of(elem)
            value = fn(SymTerm(position), x) if arity == 2 else fn(x)
            return as_formula(value, f"the body of {self.name}.{what}", loc)

        return body

    def equals(self, other: object) -> SymFormula:
        """The same length and the same elements, position by position."""
        return self._equal(other, user_loc())

    def __eq__(self, other: object) -> SymFormula:  # type: ignore[override]
        return self._equal(other, user_loc())

    def __ne__(self, other: object) -> SymFormula:  # type: ignore[override]
        loc = user_loc()
        return SymFormula(ir.Not(self._equal(other, loc).ir, loc=loc))

    __hash__ = None  # type: ignore[assignment]

    def __iter__(self) -> Any:
        raise SpecError(
            f"{self.name} is symbolic: its elements cannot be iterated in Python (`[*q, m]`, "
            "`list(q)`); write `q + [m]`, or read them with `any`, `all` and `q[i]`",
            user_loc(),
        )

    def _equal(self, other: object, loc: Loc) -> SymFormula:
        them = as_sequence(other, self.elem, f"the sequence compared with {self.name}", loc)
        _same_elements(self, them, loc)
        same_length = ir.Eq(self._length(loc), them._length(loc), loc=loc)
        pairwise = self._each(lambda k, e: equal_flat(e, them._at(k, loc), loc), True, loc)
        return SymFormula(ir.And((same_length, pairwise), loc=loc))

    # -- combining -------------------------------------------------------------------------------

    def __add__(self, other: object) -> SeqValue:
        """Concatenation (TLA+'s `\\o`): `q + r`, `q + [m]` (an `Append`)."""
        loc = user_loc()
        them = as_sequence(other, self.elem, f"the sequence appended to {self.name}", loc)
        return _Concat(self, them, loc)

    def __radd__(self, other: object) -> SeqValue:
        loc = user_loc()
        them = as_sequence(other, self.elem, f"the sequence put before {self.name}", loc)
        return _Concat(them, self, loc)


class _Slice(SeqValue):
    def __init__(self, base: SeqValue, lo: ir.Term, hi: ir.Term, loc: Loc) -> None:
        self.base, self.lo, self.hi, self.elem = base, lo, hi, base.elem
        self.name = f"a slice of {base.name}"
        self.ok = ir.And(
            (
                _le(_int(0, loc), lo, loc),
                _le(lo, hi, loc),
                _le(hi, base._length(loc), loc),
            ),
            loc=loc,
        )
        self.why = (
            f"a slice of {base.name} out of range (it needs 0 <= start <= stop <= len, as "
            "TLA+'s SubSeq; the tail of an empty sequence is one)"
        )

    def _length_sort(self) -> str | None:
        return self.base._length_sort()

    def _checked(self, loc: Loc) -> ir.Term:
        return self._zero_unless(self.ok, self.why, loc)

    def _length(self, loc: Loc) -> ir.Term:
        span = ir.Arith("-", self.hi, self.lo, loc=loc)
        return _plus(span, self._checked(loc), loc)

    def _at(self, k: ir.Term, loc: Loc) -> Flat:
        return self.base._at(_plus(self.lo, k, loc), loc)

    def _each(self, fn: PositionFn, universal: bool, loc: Loc) -> ir.Formula:
        def inner(p: ir.Term, e: Flat) -> ir.Formula:
            inside = ir.And((_le(self.lo, p, loc), _lt(p, self.hi, loc)), loc=loc)
            holds = fn(ir.Arith("-", p, self.lo, loc=loc), e)
            return ir.Implies(inside, holds, loc=loc) if universal else _and(inside, holds, loc)

        valid = ir.Eq(self._checked(loc), _int(0, loc), loc=loc)  # an error where it is not
        return ir.And((valid, self.base._each(inner, universal, loc)), loc=loc)


class _Concat(SeqValue):
    def __init__(self, first: SeqValue, second: SeqValue, loc: Loc) -> None:
        _same_elements(first, second, loc)
        self.first, self.second = first, second
        a, b = first.elem, second.elem  # with bottom where either admits it
        self.elem = b if isinstance(a, ir.Type) and isinstance(b, ir.Type) and b.bottom else a
        self.name = f"{first.name} + {second.name}"

    def _length_sort(self) -> str | None:
        return self.first._length_sort() or self.second._length_sort()

    def _length(self, loc: Loc) -> ir.Term:
        return ir.Arith("+", self.first._length(loc), self.second._length(loc), loc=loc)

    def _at(self, k: ir.Term, loc: Loc) -> Flat:
        split = self.first._length(loc)
        later = self.second._at(ir.Arith("-", k, split, loc=loc), loc)
        return ite_flat(_lt(k, split, loc), self.first._at(k, loc), later, loc)

    def _each(self, fn: PositionFn, universal: bool, loc: Loc) -> ir.Formula:
        split = self.first._length(loc)
        parts = (
            self.first._each(fn, universal, loc),
            self.second._each(lambda p, e: fn(ir.Arith("+", split, p, loc=loc), e), universal, loc),
        )
        return ir.And(parts, loc=loc) if universal else ir.Or(parts, loc=loc)


class _Elements(SeqValue):
    """A list of elements written in the spec: `[m]`, `[a, b]`, `[]`."""

    def __init__(self, items: tuple[Flat, ...], elem: Shape) -> None:
        self.items, self.elem = items, elem
        self.name = "a list of elements"

    def _length_sort(self) -> str | None:
        return None

    def _length(self, loc: Loc) -> ir.Term:
        return _int(len(self.items), loc)

    def _at(self, k: ir.Term, loc: Loc) -> Flat:
        if not self.items:  # never read: a position of an empty list
            return empty_element(self.elem, loc)
        flat = self.items[-1]
        for j in reversed(range(len(self.items) - 1)):
            flat = ite_flat(ir.Eq(k, _int(j, loc), loc=loc), self.items[j], flat, loc)
        return flat

    def _each(self, fn: PositionFn, universal: bool, loc: Loc) -> ir.Formula:
        parts = tuple(fn(_int(j, loc), e) for j, e in enumerate(self.items))
        if not parts:
            return ir.BoolLit(universal, loc=loc)
        return ir.And(parts, loc=loc) if universal else ir.Or(parts, loc=loc)

    def _slice(self, start: object, stop: object, loc: Loc) -> SeqValue:
        if not all(isinstance(b, int | None) for b in (start, stop)):
            return super()._slice(start, stop, loc)  # an error: no length sort to check with
        lo, hi = 0 if start is None else start, len(self.items) if stop is None else stop
        assert isinstance(lo, int) and isinstance(hi, int)
        if not 0 <= lo <= hi <= len(self.items):
            raise SpecError(f"the slice [{lo}:{hi}] of a list of {len(self.items)} elements", loc)
        return _Elements(self.items[lo:hi], self.elem)


def as_sequence(x: object, elem: Shape, what: str, loc: Loc) -> SeqValue:
    """`x` as a sequence value of `elem`s: a sequence value, or a Python list or tuple of
    elements (`[m]`, `[]`)."""
    if isinstance(x, SeqValue):
        return x
    if isinstance(x, list | tuple):
        items = tuple(
            flat_element(v, elem, f"element {i} of {what}", loc)
            for i, v in zip(itertools.count(), x)
        )
        return _Elements(items, elem)
    raise SpecError(
        f"{what} must be a sequence (a stored sequence, a slice, a concatenation or a list of "
        f"elements), not {type(x).__name__}",
        loc,
    )


def _same_elements(a: SeqValue, b: SeqValue, loc: Loc) -> None:
    if not same_shape(a.elem, b.elem):
        raise SpecError(
            f"{a.name} holds {shape_name(a.elem)} elements and {b.name} {shape_name(b.elem)} "
            "elements: sequences combined or compared must hold one sort (or one record)",
            loc,
        )


def same_shape(a: Shape, b: Shape) -> bool:
    """The same record, or elements of the same sort (with or without bottom)."""
    if isinstance(a, Record) or isinstance(b, Record):
        return a is b
    return a.sort == b.sort


def shape_name(shape: Shape) -> str:
    return f"`{shape.name}` record" if isinstance(shape, Record) else str(shape.sort)


def flat_element(x: object, elem: Shape, what: str, loc: Loc) -> Flat:
    """The terms of `x` given as an element of `elem`: its fields' for a record."""
    if not isinstance(elem, Record):
        if isinstance(x, SymRecord):
            raise SpecError(
                f"{what} must be of sort `{elem.sort}`, not a `{x.record.name}` record", loc
            )
        return (coerce(x, elem, what, loc, reading=False)[0],)
    if not isinstance(x, SymRecord) or x.record is not elem:
        got = f"a `{x.record.name}` record" if isinstance(x, SymRecord) else repr(x)
        raise SpecError(f"{what} must be a `{elem.name}` record, not {got}", loc)
    return tuple(
        coerce(x.values[f], t, f"field `{f}` of {what}", loc, reading=False)[0]
        for f, t in elem.field_types()
    )


def empty_element(elem: Shape, loc: Loc) -> Flat:
    """What a slot past the length holds: per field, bottom or the sort's first element."""
    return tuple(ir.Elem(t.sort, None if t.bottom else 0, loc=loc) for t in flat_types([elem]))


def equal_flat(a: Flat, b: Flat, loc: Loc) -> ir.Formula:
    parts = tuple(ir.Eq(x, y, loc=loc) for x, y in zip(a, b, strict=True))
    return parts[0] if len(parts) == 1 else ir.And(parts, loc=loc)


def ite_flat(cond: ir.Formula, a: Flat, b: Flat, loc: Loc) -> Flat:
    return tuple(ir.TermIte(cond, x, y, loc=loc) for x, y in zip(a, b, strict=True))


def mentions(term: ir.Expr, symbol: str) -> bool:
    """Whether `term` reads the state symbol `symbol`."""
    return any(isinstance(e, ir.App) and e.symbol == symbol for e in ir.walk(term))


def clamp(k: ir.Term, capacity: int | ir.Size, loc: Loc) -> ir.Term:
    """`k` brought into 0..capacity-1: a slot read where the value is not needed stays inside
    the stored slots."""
    if isinstance(k, ir.IntLit) and isinstance(k.value, int) and isinstance(capacity, int):
        return _int(max(0, min(k.value, capacity - 1)), loc)
    top = ir.Arith("-", ir.IntLit(capacity, loc=loc), _int(1, loc), loc=loc)
    return ir.Arith("max", _int(0, loc), ir.Arith("min", k, top, loc=loc), loc=loc)


def index_term(x: object, what: str, loc: Loc) -> ir.Term:
    value = int_value(x, loc)
    if value is None:
        raise SpecError(f"{what} must be an integer, not {shown(x)}", loc)
    return value


def _int(n: int, loc: Loc) -> ir.Term:
    return ir.IntLit(n, loc=loc)


def _plus(a: ir.Term, b: ir.Term, loc: Loc) -> ir.Term:
    if isinstance(a, ir.IntLit) and a.value == 0:
        return b
    return ir.Arith("+", a, b, loc=loc)


def _le(a: ir.Term, b: ir.Term, loc: Loc) -> ir.Formula:
    return ir.Le(a, b, loc=loc)


def _lt(a: ir.Term, b: ir.Term, loc: Loc) -> ir.Formula:
    return ir.Lt(a, b, loc=loc)


def _and(a: ir.Formula, b: ir.Formula, loc: Loc) -> ir.Formula:
    return ir.And((a, b), loc=loc)


__all__ = [
    "Flat",
    "SeqValue",
    "as_sequence",
    "clamp",
    "empty_element",
    "equal_flat",
    "flat_element",
    "index_term",
    "ite_flat",
    "mentions",
    "same_shape",
]
