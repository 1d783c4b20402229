"""Sequences of bounded capacity — `Sequence(args..., elem, capacity=k)`, a FIFO channel or a
log — and bags, `Bag(args..., capacity=k)`, a channel that may hold copies.

A sequence-valued state symbol `q` is stored as functions over the same arguments — its
length `q_len` (an integer sort `q_length`, 0..capacity) and its slots `q_at` (over an integer
sort `q_index`, 0..capacity-1), or, for a sequence of records (`Sequence(Msg, capacity=k)`),
one slots function per field, `q_at_type`, `q_at_bal`, ... — with every slot past the length
holding the element's first value (bottom when the element type admits it), so that equal
sequences are one state. Every engine reads those functions, so sequences work wherever
functions do, and traces print them as sequences (`<<m1, m2>>`, `<<[type |-> 1a, ...]>>`). What can go wrong is checked where it happens, as TLA+'s
sequence operators fail: appending to a full sequence, the head or tail of an empty one, an
index past the length — each an error reported with the trace that reached it.

    net = Sequence(proc, proc, msg, capacity=3)          # network[s][r]
    self.net(s, r).append(m); self.net(s, r).head(); self.net(s, r).pop()
    self.net(s, r).len(); self.net(s, r)[i]; self.net(s, r).is_empty(); .contains(m)
    self.net[s, r] = self.net(s, r)[1:] + [m]     # a sequence value (checker.lang.seqvalues)
"""

from __future__ import annotations

import dataclasses
import graphlib
from collections.abc import Mapping
from typing import Any

from checker import ir
from checker.errors import Loc, SpecError, user_loc
from checker.lang import context
from checker.lang.failures import failure
from checker.lang.records import Record, Shape
from checker.lang.seqvalues import (
    Flat,
    PositionFn,
    SeqValue,
    as_sequence,
    clamp,
    flat_element,
    index_term,
    ite_flat,
    mentions,
    same_shape,
    shape_name,
)
from checker.lang.sorts import IntSort, Param, SizeExpr, TypeLike, resolve_type
from checker.lang.spec import Function, FunctionHandle, StateDecl, _Handle, _proxy_primed
from checker.lang.terms import SymFormula, SymTerm, as_formula

SizeLike = int | Param | SizeExpr


class Sequence(StateDecl):
    """A sequence of elements of `elem` with at most `capacity` of them, for each tuple of
    arguments: `Sequence(proc, proc, msg, capacity=3)` is a FIFO channel per pair of processes,
    `Sequence(value, capacity=max_len)` one log; the elements may be records
    (`Sequence(proc, proc, Msg, capacity=3)`: channels of messages). Starts empty. Read `self.q(args).len()`,
    `.head()`, `[i]`, `.last()`, `.is_empty()`, `.contains(x)`, `.any(fn)`, `.all(fn)`; change
    it with `.append(x, when=...)`, `.pop(when=...)` (drop the head: TLA+'s `Tail`),
    `.remove(i)`, `.set(i, x)`, `.clear()`, or assign it a sequence value (slices `q[i:j]`,
    `tail()`, concatenation `q + r`, lists `[m]`): `self.q[args] = ...`. Appending past the
    capacity, the head or tail of an empty sequence and an index past its length are errors
    reported with their trace."""

    kind = ir.SymbolKind.FUNCTION

    def __init__(self, *types: TypeLike | Record, capacity: SizeLike, doc: str = "") -> None:
        if not types:
            raise SpecError(
                "Sequence(...) takes the argument sorts and then the element sort", user_loc()
            )
        super().__init__(types[:-1], doc)
        self.elem_type = types[-1]
        self.capacity = capacity
        self.length = IntSort(0, capacity)
        self.index = IntSort(0, capacity - 1)

    def __set_name__(self, owner: type, name: str) -> None:
        super().__set_name__(owner, name)
        self.length.__set_name__(owner, f"{name}_length")
        self.index.__set_name__(owner, f"{name}_index")
        self.length.loc = self.index.loc = self.loc

    @property
    def len_name(self) -> str:
        return f"{self.name}_len"

    @property
    def at_name(self) -> str:
        """The slots function of a sequence of sort elements."""
        return f"{self.name}_at"

    def record(self) -> Record | None:
        """The record the elements are, when they are records."""
        return self.elem_type if isinstance(self.elem_type, Record) else None

    def shape(self) -> Shape:
        """The element type, or the record the elements are."""
        record = self.record()
        return record if record is not None else self.elem()

    def slots(self) -> tuple[tuple[str, ir.Type], ...]:
        """The slots functions and the types they hold: `q_at`, or one per field of a record
        element, `q_at_type`, `q_at_bal`, ... in the record's order."""
        record = self.record()
        if record is None:
            return ((self.at_name, self.elem()),)
        return tuple((f"{self.at_name}_{f}", t) for f, t in record.field_types())

    def slot_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.slots())

    def hidden_sorts(self) -> dict[str, IntSort]:
        return {self.length.name: self.length, self.index.name: self.index}

    def elem(self) -> ir.Type:
        return resolve_type(self.elem_type, f"the element sort of `{self.name}`", self.loc)

    def empty_slot(self, t: ir.Type) -> ir.Elem:
        """What a slot (of type `t`) past the length holds: bottom, or the sort's first
        element."""
        return ir.Elem(t.sort, None if t.bottom else 0, loc=self.loc)

    def decls(self) -> tuple[ir.SymbolDecl, ...]:
        args = self.ir_args()
        record = self.record()
        fields = () if record is None else tuple(record.fields)
        seq = ir.SequenceOf(self.name, self.len_name, self.slot_names(), fields)
        return (
            ir.SymbolDecl(
                self.len_name,
                ir.SymbolKind.FUNCTION,
                args,
                ir.Type(self.length.name),
                init=ir.Elem(self.length.name, 0, loc=self.loc),
                individual=not args,
                loc=self.loc,
                sequence=seq,
                record_args=self.record_args(),
            ),
            *(
                ir.SymbolDecl(
                    name,
                    ir.SymbolKind.FUNCTION,
                    (*args, ir.Type(self.index.name)),
                    t,
                    init=self.empty_slot(t),
                    loc=self.loc,
                    sequence=seq,
                    record_args=self.record_args(),
                )
                for name, t in self.slots()
            ),
        )

    def decl(self) -> ir.SymbolDecl:  # pragma: no cover - a sequence is several symbols
        raise AssertionError("a Sequence declares several symbols: use decls()")

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        return _SequenceHandle(self, _proxy_primed(instance))

    def __set__(self, instance: Any, value: object) -> None:
        """`self.q = value` for a sequence without arguments."""
        if self.arg_types:
            raise SpecError(
                f"`{self.name}` is a sequence per argument: assign one with "
                f"`self.{self.name}[args] = ...`",
                user_loc(),
            )
        _SequenceHandle(self, _proxy_primed(instance))().assign(value)


class _SequenceHandle(_Handle):
    def __call__(self, *args: object) -> SequenceValue:
        loc = user_loc()
        return SequenceValue(self, self._args(args, loc, reading=False))

    def __setitem__(self, key: object, value: object) -> None:
        """`self.q[args] = value`: the sequence at `args` becomes a sequence value."""
        self(*(key if isinstance(key, tuple) else (key,))).assign(value)


class SequenceValue(SeqValue):
    """One stored sequence of a `Sequence` symbol (its arguments fixed): a sequence value
    (`checker.lang.seqvalues`) that can also be changed in place or assigned."""

    def __init__(self, handle: _SequenceHandle, args: tuple[ir.Term, ...]) -> None:
        assert isinstance(handle.decl, Sequence)
        self.handle, self.decl, self.args, self.primed = handle, handle.decl, args, handle.primed
        self.elem = self.decl.shape()
        self.name = f"`{self.decl.name}`"

    # -- reading: what a sequence value provides -------------------------------------------------

    def _length_sort(self) -> str | None:
        return self.decl.length.name

    def _stored_length(self, loc: Loc) -> ir.Term:
        return ir.App(
            self.decl.len_name, self.args, ir.Type(self.decl.length.name), self.primed, loc=loc
        )

    def _length(self, loc: Loc) -> ir.Term:
        return ir.ToInt(self._stored_length(loc), loc=loc)

    _value = _length

    def _slot(self, position: ir.Term, loc: Loc) -> Flat:
        return _slot_of(self.decl, self.args, position, loc, self.primed)

    def _at(self, k: ir.Term, loc: Loc) -> Flat:
        inside = clamp(k, _size(self.decl.capacity, loc), loc)
        return self._slot(ir.Cast(self.decl.index.name, inside, guarded=True, loc=loc), loc)

    def _read(self, k: ir.Term, what: str, loc: Loc) -> Flat:
        return self._slot(self._position(k, f"{what} of `{self.decl.name}`", loc), loc)

    def _each(self, fn: PositionFn, universal: bool, loc: Loc) -> ir.Formula:
        from checker.lang.logic import exists, forall

        def at(i: SymTerm) -> SymFormula:
            position = ir.ToInt(i.ir, loc=loc)
            below = ir.Lt(position, self._value(loc), loc=loc)
            holds = fn(position, self._slot(i.ir, loc))
            if universal:
                return SymFormula(ir.Implies(below, holds, loc=loc))
            return SymFormula(ir.And((below, holds), loc=loc))

        return (forall(self.decl.index, at) if universal else exists(self.decl.index, at)).ir

    def len(self) -> SymTerm:
        """The number of elements (an integer), read as the stored length."""
        return SymTerm(self._stored_length(user_loc()))

    def _position(self, value: ir.Term, what: str, loc: Loc) -> ir.Cast:
        """The slot of position `value` (an integer term), which must be below the length:
        past it, the read is an error (a Cast to the index sort of a value outside it)."""
        beyond = ir.Le(self._value(loc), value, loc=loc)  # index >= len: out of the sequence
        capacity = ir.IntLit(_size(self.decl.capacity, loc), loc=loc)
        checked = ir.TermIte(beyond, capacity, value, loc=loc)  # capacity lies outside 0..cap-1
        return ir.Cast(self.decl.index.name, checked, loc=loc)

    # -- changing --------------------------------------------------------------------------------

    def _write(self, stmt: ir.Stmt, what: str, loc: Loc) -> None:
        self.handle._write(stmt, what, loc)

    def _fails_when(self, cond: ir.Formula, why: str, what: str, loc: Loc) -> None:
        context.require_current(what, loc).add_check(cond, why, what, loc)

    def _set_length(self, value: ir.Term, what: str, loc: Loc) -> None:
        self._write(
            ir.SetFn(
                self.decl.len_name,
                self.args,
                # in range wherever the operation's own check (full, empty) passed
                ir.Cast(self.decl.length.name, value, guarded=True, loc=loc),
                loc=loc,
            ),
            what,
            loc,
        )

    def append(self, x: object, *, when: object = True) -> None:
        """Add `x` at the end (TLA+'s `Append`); appending to a full sequence is an error.
        `when=cond`: only where `cond` holds (TLA+'s `IF cond THEN Append(q, x) ELSE q`)."""
        loc = user_loc()
        decl = self.decl
        what = f"appending to `{decl.name}`"
        cond = as_formula(when, f"the when= condition of {what}", loc)
        elem = flat_element(x, self.elem, f"the element appended to `{decl.name}`", loc)
        capacity = ir.IntLit(_size(decl.capacity, loc), loc=loc)
        full = ir.Le(capacity, self._value(loc), loc=loc)
        self._fails_when(_both(cond, full, loc), f"{what}, full at its capacity", what, loc)
        at = _pick_int(cond, self._value(loc), ir.IntLit(0, loc=loc), loc)  # no change: slot 0
        position = ir.Cast(decl.index.name, at, guarded=True, loc=loc)  # not full: inside
        old = self._slot(position, loc)
        value = elem if _always(cond) else ite_flat(cond, elem, old, loc)
        # One statement per slots function, in order: each writes the slot past the length (or
        # slot 0 back to itself), which nothing below the length — all that `cond` and the
        # element can read of this sequence — sees.
        for (name, _), v in zip(decl.slots(), value, strict=True):
            self._write(ir.SetFn(name, (*self.args, position), v, loc=loc), what, loc)
        longer = ir.Arith("+", self._value(loc), ir.IntLit(1, loc=loc), loc=loc)
        self._set_length(_pick_int(cond, longer, self._value(loc), loc), what, loc)

    def pop(self, *, when: object = True) -> None:
        """Drop the head (TLA+'s `Tail`); popping an empty sequence is an error. `when=cond`:
        only where `cond` holds; `cond` may not read this sequence's elements (the pop moves
        them before it writes the length): freeze such a condition with a choice first,
        `hit = maybe()`, `require(iff(hit, cond))`, `.pop(when=hit)`."""
        loc = user_loc()
        what = f"popping `{self.decl.name}`"
        cond = as_formula(when, f"the when= condition of {what}", loc)
        self._refuse_reading_slots(
            cond,
            f"the when= condition of {what} reads the elements of `{self.decl.name}`, which the "
            "pop moves before it writes the length, so the condition would be read changed; "
            "freeze it with a choice first: `hit = maybe()`, `require(iff(hit, <condition>))`, "
            "then `.pop(when=hit)`",
            loc,
        )
        empty = ir.Eq(self._value(loc), ir.IntLit(0, loc=loc), loc=loc)
        self._fails_when(_both(cond, empty, loc), f"{what}, which is empty", what, loc)
        self._shift(what, loc, cond)
        shorter = ir.Arith("-", self._value(loc), ir.IntLit(1, loc=loc), loc=loc)
        self._set_length(_pick_int(cond, shorter, self._value(loc), loc), what, loc)

    def _refuse_reading_slots(self, term: ir.Expr, why: str, loc: Loc) -> None:
        if any(mentions(term, name) for name in self.decl.slot_names()):
            raise SpecError(why, loc)

    def _shift(self, what: str, loc: Loc, when: ir.Formula, start: ir.Term | None = None) -> None:
        """Every slot of this sequence (from position `start` on) takes the next one's element;
        the last, the empty slot (where `when` holds). One update per slots function: `when`
        and `start` must not read the slots (the callers make sure)."""
        decl = self.decl
        types = [*decl.ir_args(), ir.Type(decl.index.name)]
        variables = _fresh(types, loc)
        *args, i = variables
        mine = ir.And(
            (
                *(ir.Eq(a, b, loc=loc) for a, b in zip(args, self.args, strict=True)),
                *(() if _always(when) else (when,)),
                *(() if start is None else (ir.Le(start, ir.ToInt(i, loc=loc), loc=loc),)),
            ),
            loc=loc,
        )
        nxt = ir.Arith("+", ir.ToInt(i, loc=loc), ir.IntLit(1, loc=loc), loc=loc)
        inside = ir.Lt(nxt, self._value(loc), loc=loc)
        following = ir.Cast(decl.index.name, nxt, guarded=True, loc=loc)
        for name, t in decl.slots():
            shifted = ir.App(name, (*args, following), t, loc=loc)
            old = ir.App(name, (*args, i), t, loc=loc)
            moved = ir.TermIte(inside, shifted, decl.empty_slot(t), loc=loc)
            body = ir.TermIte(mine, moved, old, loc=loc)
            self._write(ir.UpdateFn(name, variables, body, loc=loc), what, loc)

    def remove(self, index: object) -> None:
        """Remove the element at `index` (the ones after it move up: TLA+'s
        `SubSeq(q, 1, i-1) \\o SubSeq(q, i+1, Len(q))`, a lossy channel's loss); an index past
        the length is an error."""
        loc = user_loc()
        what = f"removing from `{self.decl.name}`"
        position = self._position(
            index_term(index, what, loc), what, loc
        )  # outside the index sort past the length
        if len(self.decl.slots()) > 1:  # one update per field: each would see the last moved
            self._refuse_reading_slots(
                position,
                f"the index of {what} reads the elements of `{self.decl.name}`, which are moved "
                "one field at a time; freeze it with a choice first (`i = pick(...)`)",
                loc,
            )
        fails = failure(position, context.require_current(what, loc).int_bounds)
        assert fails is not None  # the position is a Cast that can fail
        self._fails_when(fails, f"{what}: the index is past its length", what, loc)
        position = dataclasses.replace(position, guarded=True)  # checked here, once
        start = ir.ToInt(position, loc=loc)
        self._shift(what, loc, ir.BoolLit(True, loc=loc), start)
        shorter = ir.Arith("-", self._value(loc), ir.IntLit(1, loc=loc), loc=loc)
        self._set_length(shorter, what, loc)

    def set(self, index: object, x: object) -> None:
        """Replace the element at `index`, which must be below the length."""
        loc = user_loc()
        decl = self.decl
        what = f"setting an element of `{decl.name}`"
        elem = flat_element(x, self.elem, f"the element set in `{decl.name}`", loc)
        position = self._position(index_term(index, what, loc), what, loc)
        if len(decl.slots()) > 1:  # checked once, not once per field
            fails = failure(position, context.require_current(what, loc).int_bounds)
            assert fails is not None  # the position is a Cast that can fail
            self._fails_when(fails, f"{what}: the index is past its length", what, loc)
            position = dataclasses.replace(position, guarded=True)
        stmts = {
            name: ir.SetFn(name, (*self.args, position), v, loc=loc)
            for (name, _), v in zip(decl.slots(), elem, strict=True)
        }
        reads = {name: (position, v) for (name, _), v in zip(decl.slots(), elem, strict=True)}
        for name in _field_order(reads, what, loc):
            self._write(stmts[name], what, loc)

    def clear(self) -> None:
        """Empty the sequence (every slot back to the empty slot's value)."""
        loc = user_loc()
        what = f"clearing `{self.decl.name}`"
        decl = self.decl
        types = [*decl.ir_args(), ir.Type(decl.index.name)]
        variables = _fresh(types, loc)
        *args, i = variables
        mine = ir.And(
            tuple(ir.Eq(a, b, loc=loc) for a, b in zip(args, self.args, strict=True)), loc=loc
        )
        for name, t in decl.slots():
            old = ir.App(name, (*args, i), t, loc=loc)
            body = ir.TermIte(mine, decl.empty_slot(t), old, loc=loc)
            self._write(ir.UpdateFn(name, variables, body, loc=loc), what, loc)
        self._set_length(ir.IntLit(0, loc=loc), what, loc)

    def assign(self, value: object) -> None:
        """Make this sequence equal to a sequence value: `self.q(n).assign(self.q(n)[1:] +
        [m])`, also written `self.q[n] = ...` (`self.q = ...` without arguments) — TLA+'s
        `q' = SubSeq(q, 2, Len(q)) \\o <<m>>`. A value longer than the capacity is an error."""
        loc = user_loc()
        decl = self.decl
        what = f"assigning `{decl.name}`"
        seq = as_sequence(value, self.elem, f"the value assigned to `{decl.name}`", loc)
        if not _fits(seq.elem, self.elem):
            raise SpecError(
                f"{what}: {seq.name} holds {shape_name(seq.elem)} elements, `{decl.name}` "
                f"{shape_name(self.elem)}",
                loc,
            )
        length = seq._length(loc)
        if any(mentions(length, name) for name in decl.slot_names()):
            raise SpecError(
                f"{what}: the new length reads the elements of `{decl.name}`, which this "
                "assignment changes first; freeze the value it reads with `pick` before",
                loc,
            )
        capacity = ir.IntLit(_size(decl.capacity, loc), loc=loc)
        longer = ir.Lt(capacity, length, loc=loc)
        self._fails_when(longer, f"{what} a sequence longer than its capacity", what, loc)
        types = [*decl.ir_args(), ir.Type(decl.index.name)]
        variables = _fresh(types, loc)
        *args, i = variables
        mine = ir.And(
            tuple(ir.Eq(a, b, loc=loc) for a, b in zip(args, self.args, strict=True)), loc=loc
        )
        position = ir.ToInt(i, loc=loc)
        below = ir.Lt(position, length, loc=loc)
        bodies: dict[str, ir.Term] = {}
        for (name, t), new in zip(decl.slots(), seq._at(position, loc), strict=True):
            fresh = ir.TermIte(below, new, decl.empty_slot(t), loc=loc)
            old = ir.App(name, (*args, i), t, loc=loc)
            bodies[name] = fresh if not args else ir.TermIte(mine, fresh, old, loc=loc)
        for name in _field_order({n: (b,) for n, b in bodies.items()}, what, loc):
            self._write(ir.UpdateFn(name, variables, bodies[name], loc=loc), what, loc)
        self._set_length(length, what, loc)


def _slot_of(
    decl: Sequence, args: tuple[ir.Term, ...], position: ir.Term, loc: Loc, primed: bool = False
) -> Flat:
    """The element in one slot: one read per slots function."""
    return tuple(ir.App(name, (*args, position), t, primed, loc=loc) for name, t in decl.slots())


def _fits(value: Shape, stored: Shape) -> bool:
    """Elements of `value` can be stored where `stored` is expected: the same record, or the
    same sort, without bottom unless `stored` admits it."""
    if isinstance(value, ir.Type) and isinstance(stored, ir.Type):
        return value.sort == stored.sort and (stored.bottom or not value.bottom)
    return same_shape(value, stored)


def _field_order(reads: Mapping[str, tuple[ir.Expr, ...]], what: str, loc: Loc) -> list[str]:
    """The order to write a record sequence's slots functions in (`reads[f]`: what the
    statement writing `f` evaluates), each before any whose old value it reads: statements run
    in order, and a function written first would be read new."""
    order = graphlib.TopologicalSorter[str]()
    for f, terms in reads.items():
        order.add(f)
        for g in reads:  # f's statement reads g's old value: write g after f
            if g != f and any(mentions(term, g) for term in terms):
                order.add(g, f)
    try:
        return list(order.static_order())
    except graphlib.CycleError:
        raise SpecError(
            f"{what}: the record's fields read each other's old values in a cycle, so no order "
            "of writing them keeps every old value; freeze the element with a choice first",
            loc,
        ) from None


class Bag(Function):
    """A multiset (bag) over argument sorts — records too — with at most `capacity` copies of
    each: a channel that may deliver a message more than once or hold several copies
    (`net = Bag(Msg, capacity=2)`). It is a function from its arguments to their counts,
    0..capacity, starting at 0: `self.net.add(m)`, `self.net.discard(m)` (one copy),
    `self.net.count(m)`, `self.net.contains(m)`. Adding past the capacity and discarding a copy
    that is not there are errors reported with their trace."""

    def __init__(self, *types: TypeLike | Record, capacity: SizeLike, doc: str = "") -> None:
        if not types:
            raise SpecError("Bag(...) takes the sorts (or records) of its elements", user_loc())
        self.counts = IntSort(0, capacity)
        super().__init__(*types, self.counts, init=0, doc=doc)
        self.capacity = capacity

    def __set_name__(self, owner: type, name: str) -> None:
        super().__set_name__(owner, name)
        self.counts.__set_name__(owner, f"{name}_count")
        self.counts.loc = self.loc

    def hidden_sorts(self) -> dict[str, IntSort]:
        return {self.counts.name: self.counts}

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        return _BagHandle(self, _proxy_primed(instance))


class _BagHandle(FunctionHandle):
    def count(self, *args: object) -> SymTerm:
        """How many copies of `args` the bag holds (an integer)."""
        value: SymTerm = self(*args)
        return value

    def contains(self, *args: object) -> SymFormula:
        """At least one copy."""
        loc = user_loc()
        count = self(*args).ir
        return SymFormula(ir.Lt(ir.IntLit(0, loc=loc), ir.ToInt(count, loc=loc), loc=loc))

    def add(self, *args: object) -> None:
        """One more copy; past the capacity, an error with its trace."""
        self._change(args, "+", "adding to")

    def discard(self, *args: object) -> None:
        """One copy fewer; discarding a copy that is not there is an error with its trace."""
        self._change(args, "-", "discarding from")

    def _change(self, args: tuple[object, ...], op: str, doing: str) -> None:
        loc = user_loc()
        decl = self.decl
        assert isinstance(decl, Bag)
        flat = self._args(args, loc, reading=False)
        old = ir.ToInt(ir.App(decl.name, flat, ir.Type(decl.counts.name), loc=loc), loc=loc)
        new = ir.Arith(op, old, ir.IntLit(1, loc=loc), loc=loc)
        what = f"{doing} `{decl.name}`"
        if op == "+":
            capacity = ir.IntLit(_size(decl.capacity, loc), loc=loc)
            fails: ir.Formula = ir.Le(capacity, old, loc=loc)
            why = f"{what}, which holds as many copies as its capacity"
        else:
            fails = ir.Eq(old, ir.IntLit(0, loc=loc), loc=loc)
            why = f"{what} a copy it does not hold"
        context.require_current(what, loc).add_check(fails, why, what, loc)
        cast = ir.Cast(decl.counts.name, new, guarded=True, loc=loc)  # checked just above
        self._write(ir.SetFn(decl.name, flat, cast, loc=loc), what, loc)


def _always(cond: ir.Formula) -> bool:
    return isinstance(cond, ir.BoolLit) and cond.value


def _both(cond: ir.Formula, fails: ir.Formula, loc: Loc) -> ir.Formula:
    return fails if _always(cond) else ir.And((cond, fails), loc=loc)


def _pick_int(cond: ir.Formula, then: ir.Term, else_: ir.Term, loc: Loc) -> ir.Term:
    return then if _always(cond) else ir.TermIte(cond, then, else_, loc=loc)


def _fresh(types: list[ir.Type], loc: Loc) -> tuple[ir.Var, ...]:
    """Variables for an update over every slot: one per argument, then the position."""
    ctx = context.require_current("a sequence update", loc)
    hints = [f"a{i}" for i in range(len(types) - 1)] + ["i"]
    return tuple(ir.Var(ctx.fresh_name(h), t, loc=loc) for h, t in zip(hints, types, strict=True))


def _size(value: SizeLike, loc: Loc) -> int | ir.Size:
    from checker.lang.sorts import size_of

    size = size_of(value, loc)
    return size.value if size.op == "const" else size


__all__ = ["Bag", "Sequence", "SequenceValue"]
