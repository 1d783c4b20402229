"""Sequence values: what a stored sequence, a slice of one, a concatenation or a list of
elements denotes — read anywhere (guards, properties, quantifier bodies) and assigned to a
stored sequence (`self.q = self.q[1:] + [m]`, TLA+'s `q' = Tail(q) \\o <<m>>`).

Every sequence value provides three things, from which every operation is built:

- its **length**, an integer term;
- its **element at a position** `k` (an integer term) for `0 <= k < length` — unchecked, and
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
from checker.lang.terms import SymFormula, SymTerm, as_formula, coerce, int_value

# fn(position, element) -> formula, for a quantifier over a sequence's positions
PositionFn = Callable[[ir.Term, ir.Term], ir.Formula]


class SeqValue:
    """A sequence value: read it with `len()`, `[i]`, `[i:j]`, `head()`, `tail()`, `last()`,
    `is_empty()`, `contains(x)`, `any(fn)`, `all(fn)`; combine with `+` (concatenation, a list
    of elements on either side); compare with `==` / `!=` (same length, same elements)."""

    elem: ir.Type  # the element type
    name: str  # how messages name it: "`q`", "a slice of `q`"

    # -- what each kind of value provides --------------------------------------------------------

    def _length(self, loc: Loc) -> ir.Term:
        raise NotImplementedError

    def _at(self, k: ir.Term, loc: Loc) -> ir.Term:
        raise NotImplementedError

    def _each(self, fn: PositionFn, universal: bool, loc: Loc) -> ir.Formula:
        raise NotImplementedError

    def _length_sort(self) -> str | None:
        """A stored sequence's length sort (0..capacity), for range checks; None for a list."""
        raise NotImplementedError

    def _read(self, k: ir.Term, what: str, loc: Loc) -> ir.Term:
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
        return SymTerm(
            self._read(index_term(key, f"an index of {self.name}", loc), "an index", loc)
        )

    def _slice(self, start: object, stop: object, loc: Loc) -> SeqValue:
        lo = _int(0, loc) if start is None else index_term(start, f"a slice of {self.name}", loc)
        hi = self._length(loc) if stop is None else index_term(stop, f"a slice of {self.name}", loc)
        return _Slice(self, lo, hi, loc)

    def head(self) -> SymTerm:
        """The first element (TLA+'s `Head`); the head of an empty sequence is an error."""
        loc = user_loc()
        return SymTerm(self._read(_int(0, loc), "the head", loc))

    def last(self) -> SymTerm:
        """The last element; the last of an empty sequence is an error."""
        loc = user_loc()
        end = ir.Arith("-", self._length(loc), _int(1, loc), loc=loc)
        return SymTerm(self._read(end, "the last element", loc))

    def tail(self) -> SeqValue:
        """Every element but the first (TLA+'s `Tail`); the tail of an empty sequence is an
        error."""
        return self._slice(1, None, user_loc())

    def contains(self, x: object) -> SymFormula:
        """Some element of the sequence is `x`."""
        loc = user_loc()
        elem, _ = coerce(x, self.elem, f"the element sought in {self.name}", loc, reading=False)
        return SymFormula(self._each(lambda _, e: ir.Eq(e, elem, loc=loc), False, loc))

    def any(self, fn: Any) -> SymFormula:
        """Some element satisfies `fn` — `fn(x)`, or `fn(i, x)` with its position `i` (0 is the
        head): TLA+'s `\\E i \\in 1..Len(q) : P(q[i])`. Only the elements below the length are
        read, so nothing needs checking (unlike `q[i]` under a guard of your own)."""
        return SymFormula(self._each(self._body(fn, "any(...)"), False, user_loc()))

    def all(self, fn: Any) -> SymFormula:
        """Every element satisfies `fn` (`fn(x)` or `fn(i, x)`)."""
        return SymFormula(self._each(self._body(fn, "all(...)"), True, user_loc()))

    def _body(self, fn: Any, what: str) -> PositionFn:
        from checker.lang.logic import _lambda_names

        loc = user_loc()
        try:
            arity = len(_lambda_names(fn, 2, what, loc))
        except SpecError:
            arity = len(_lambda_names(fn, 1, what, loc))

        def body(position: ir.Term, elem: ir.Term) -> ir.Formula:
            value = fn(SymTerm(position), SymTerm(elem)) if arity == 2 else fn(SymTerm(elem))
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
        pairwise = self._each(lambda k, e: ir.Eq(e, them._at(k, loc), loc=loc), True, loc)
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

    def _at(self, k: ir.Term, loc: Loc) -> ir.Term:
        return self.base._at(_plus(self.lo, k, loc), loc)

    def _each(self, fn: PositionFn, universal: bool, loc: Loc) -> ir.Formula:
        def inner(p: ir.Term, e: ir.Term) -> ir.Formula:
            inside = ir.And((_le(self.lo, p, loc), _lt(p, self.hi, loc)), loc=loc)
            holds = fn(ir.Arith("-", p, self.lo, loc=loc), e)
            return ir.Implies(inside, holds, loc=loc) if universal else _and(inside, holds, loc)

        valid = ir.Eq(self._checked(loc), _int(0, loc), loc=loc)  # an error where it is not
        return ir.And((valid, self.base._each(inner, universal, loc)), loc=loc)


class _Concat(SeqValue):
    def __init__(self, first: SeqValue, second: SeqValue, loc: Loc) -> None:
        _same_elements(first, second, loc)
        self.first, self.second = first, second
        self.elem = first.elem if first.elem.bottom or not second.elem.bottom else second.elem
        self.name = f"{first.name} + {second.name}"

    def _length_sort(self) -> str | None:
        return self.first._length_sort() or self.second._length_sort()

    def _length(self, loc: Loc) -> ir.Term:
        return ir.Arith("+", self.first._length(loc), self.second._length(loc), loc=loc)

    def _at(self, k: ir.Term, loc: Loc) -> ir.Term:
        split = self.first._length(loc)
        later = self.second._at(ir.Arith("-", k, split, loc=loc), loc)
        return ir.TermIte(_lt(k, split, loc), self.first._at(k, loc), later, loc=loc)

    def _each(self, fn: PositionFn, universal: bool, loc: Loc) -> ir.Formula:
        split = self.first._length(loc)
        parts = (
            self.first._each(fn, universal, loc),
            self.second._each(lambda p, e: fn(ir.Arith("+", split, p, loc=loc), e), universal, loc),
        )
        return ir.And(parts, loc=loc) if universal else ir.Or(parts, loc=loc)


class _Elements(SeqValue):
    """A list of elements written in the spec: `[m]`, `[a, b]`, `[]`."""

    def __init__(self, items: tuple[ir.Term, ...], elem: ir.Type) -> None:
        self.items, self.elem = items, elem
        self.name = "a list of elements"

    def _length_sort(self) -> str | None:
        return None

    def _length(self, loc: Loc) -> ir.Term:
        return _int(len(self.items), loc)

    def _at(self, k: ir.Term, loc: Loc) -> ir.Term:
        if not self.items:  # never read: a position of an empty list
            return ir.Elem(self.elem.sort, None if self.elem.bottom else 0, loc=loc)
        term = self.items[-1]
        for j in reversed(range(len(self.items) - 1)):
            term = ir.TermIte(ir.Eq(k, _int(j, loc), loc=loc), self.items[j], term, loc=loc)
        return term

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


def as_sequence(x: object, elem: ir.Type, what: str, loc: Loc) -> SeqValue:
    """`x` as a sequence value of `elem`s: a sequence value, or a Python list or tuple of
    elements (`[m]`, `[]`)."""
    if isinstance(x, SeqValue):
        return x
    if isinstance(x, list | tuple):
        items = tuple(
            coerce(v, elem, f"element {i} of {what}", loc, reading=False)[0]
            for i, v in zip(itertools.count(), x)
        )
        return _Elements(items, elem)
    raise SpecError(
        f"{what} must be a sequence (a stored sequence, a slice, a concatenation or a list of "
        f"elements), not {type(x).__name__}",
        loc,
    )


def _same_elements(a: SeqValue, b: SeqValue, loc: Loc) -> None:
    if a.elem.sort != b.elem.sort:
        raise SpecError(
            f"{a.name} holds {a.elem.sort} elements and {b.name} {b.elem.sort} elements: "
            "sequences combined or compared must hold one sort",
            loc,
        )


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
        raise SpecError(f"{what} must be an integer, not {type(x).__name__} {x!r}", loc)
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


__all__ = ["SeqValue", "as_sequence", "clamp", "index_term", "mentions"]
