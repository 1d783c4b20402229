"""Symbolic values that spec code computes with while it is traced.

A `SymTerm` stands for a sort element and a `SymFormula` for a truth value; both wrap an IR node.
Operators build new IR: `==`, `!=`, `<` ... on terms; `&`, `|`, `~` on formulas. Python's own
`and`, `or`, `not`, `if` would need a concrete truth value, which a symbolic value does not have,
so `__bool__` raises a `SpecError` that names the spec line.
"""

from __future__ import annotations

from typing import NoReturn

from checker import ir
from checker.errors import Loc, SpecError, user_loc
from checker.lang import context
from checker.lang.sorts import Param, SizeExpr, SortBase, size_of

_BOOL_HELP = (
    "a symbolic value was used where Python needs a concrete True/False (Python `and`, `or`, "
    "`not`, `if`, `while`, `in`, or a chained comparison such as `a < b < c`). Spec code is traced "
    "once for all states, so write `&`, `|`, `~`, `implies(p, q)` or `ite(c, x, y)` instead."
)


class Sym:
    """Base of symbolic values."""

    __slots__ = ()

    def __bool__(self) -> NoReturn:
        raise SpecError(_BOOL_HELP, user_loc())

    __hash__ = object.__hash__


class SetValue(Sym):
    """Base of the sets built from others (`nodeset.union(a, b)`, ...: `checker/lang/sets.py`):
    tested, a set is a formula over its members; used as a value, the one subset with those
    members, chosen where it was built (inside an action only)."""

    __slots__ = ()

    def term(self, what: str, loc: Loc) -> ir.Term:  # pragma: no cover - overridden
        """The set as an element of its `Subsets` sort (`what` names the place it is used)."""
        raise NotImplementedError

    def equals(self, other: object, loc: Loc) -> ir.Formula:  # pragma: no cover - overridden
        """The formula that this set and `other` (a set of the same sort) are equal."""
        raise NotImplementedError

    def __eq__(self, other: object) -> SymFormula:  # type: ignore[override]
        return SymFormula(self.equals(other, user_loc()))

    def __ne__(self, other: object) -> SymFormula:  # type: ignore[override]
        loc = user_loc()
        return SymFormula(ir.Not(self.equals(other, loc), loc=loc))

    def _not_here(self, op: str) -> NoReturn:
        raise SpecError(
            f"`{op}` does not apply to sets: compare them with `==`, `subset_of(a, b)`, and build "
            "them with `union`, `intersection` and `difference` of their sort",
            user_loc(2),
        )

    def __lt__(self, other: object) -> NoReturn:
        self._not_here("<")

    def __le__(self, other: object) -> NoReturn:
        self._not_here("<=")

    def __gt__(self, other: object) -> NoReturn:
        self._not_here(">")

    def __ge__(self, other: object) -> NoReturn:
        self._not_here(">=")

    def __and__(self, other: object) -> NoReturn:
        self._not_here("&")

    __rand__ = __and__

    def __or__(self, other: object) -> NoReturn:
        self._not_here("|")

    __ror__ = __or__

    def __invert__(self) -> NoReturn:
        self._not_here("~")

    __hash__ = Sym.__hash__


class SymTerm(Sym):
    """A symbolic sort element."""

    __slots__ = ("_ir",)

    def __init__(self, node: ir.Term) -> None:
        self._ir = node

    @property
    def ir(self) -> ir.Term:
        return self._ir

    def __repr__(self) -> str:
        return f"<term {self.ir!r}>"

    def _compare(self, other: object, op: str) -> SymFormula:
        loc = user_loc(2)
        if isinstance(other, SetValue):  # a stored set and a built one
            if op == "==":
                return SymFormula(other.equals(self, loc))
            if op == "!=":
                return SymFormula(ir.Not(other.equals(self, loc), loc=loc))
            other._not_here(op)
        left = self.ir
        same_sort = isinstance(other, SymTerm) and other.ir.type.sort == left.type.sort
        if not same_sort or left.type.sort == ir.INT_ANY:
            a, b = int_value(self, loc), int_value(other, loc)
            if a is not None and b is not None:  # integers: compared by value
                return _ordered(a, op, b, loc)
        right = as_term(other, f"the right operand of `{op}`", loc)
        if left.type.sort != right.type.sort:
            raise SpecError(
                f"`{op}` compares a {left.type} with a {right.type}; both sides must be of one sort",
                loc,
            )
        if op == "==":
            return SymFormula(ir.Eq(left, right, loc=loc))
        if op == "!=":
            return SymFormula(ir.Not(ir.Eq(left, right, loc=loc), loc=loc))
        sort = _current_sort_kind(left.type.sort)
        if sort is not None and sort not in (ir.SortKind.ORDERED, ir.SortKind.INT):
            raise SpecError(
                f"`{op}` needs an ordered sort, but `{left.type.sort}` is not ordered "
                "(declare it with OrderedSort)",
                loc,
            )
        return _ordered(left, op, right, loc)

    def __eq__(self, other: object) -> SymFormula:  # type: ignore[override]
        return self._compare(other, "==")

    def __ne__(self, other: object) -> SymFormula:  # type: ignore[override]
        return self._compare(other, "!=")

    def __lt__(self, other: object) -> SymFormula:
        return self._compare(other, "<")

    def __le__(self, other: object) -> SymFormula:
        return self._compare(other, "<=")

    def __gt__(self, other: object) -> SymFormula:
        return self._compare(other, ">")

    def __ge__(self, other: object) -> SymFormula:
        return self._compare(other, ">=")

    # -- arithmetic, on the values of integer elements -------------------------------------

    def _arith(self, other: object, op: str, swap: bool = False) -> SymTerm:
        loc = user_loc(2)
        a, b = int_value(self, loc), int_value(other, loc)
        for x, value in ((self, a), (other, b)):
            if value is None:
                it = f"a {x.ir.type}" if isinstance(x, SymTerm) else shown(x)
                raise SpecError(
                    f"`{op}` needs integers (elements of an IntSort, integer values or Python "
                    f"ints), but one operand is {it}",
                    loc,
                )
        assert a is not None and b is not None
        left, right = (b, a) if swap else (a, b)
        return SymTerm(ir.Arith(op, left, right, loc=loc))

    def __add__(self, other: object) -> SymTerm:
        return self._arith(other, "+")

    def __radd__(self, other: object) -> SymTerm:
        return self._arith(other, "+", swap=True)

    def __sub__(self, other: object) -> SymTerm:
        return self._arith(other, "-")

    def __rsub__(self, other: object) -> SymTerm:
        return self._arith(other, "-", swap=True)

    def __mul__(self, other: object) -> SymTerm:
        return self._arith(other, "*")

    def __rmul__(self, other: object) -> SymTerm:
        return self._arith(other, "*", swap=True)

    def __floordiv__(self, other: object) -> SymTerm:
        return self._arith(other, "//")

    def __rfloordiv__(self, other: object) -> SymTerm:
        return self._arith(other, "//", swap=True)

    def __mod__(self, other: object) -> SymTerm:
        return self._arith(other, "%")

    def __rmod__(self, other: object) -> SymTerm:
        return self._arith(other, "%", swap=True)

    def __neg__(self) -> SymTerm:
        return self._arith(0, "-", swap=True)

    def __and__(self, other: object) -> NoReturn:
        _not_a_formula(self, "&")

    __rand__ = __and__

    def __or__(self, other: object) -> NoReturn:
        _not_a_formula(self, "|")

    __ror__ = __or__

    def __invert__(self) -> NoReturn:
        _not_a_formula(self, "~")

    __hash__ = Sym.__hash__


class ElemRef(SymTerm):
    """A constant element such as `ballot.bottom` or `value[0]`.

    It may be created in a class body before the sort knows its name, so its IR is built lazily.
    """

    __slots__ = ("index", "loc", "sort")

    def __init__(self, sort: SortBase, index: int | Param | SizeExpr | None, loc: Loc) -> None:
        self.sort = sort
        self.index = index
        self.loc = loc

    @property
    def ir(self) -> ir.Term:
        if self.index is None and self.sort.bottom_label is None:
            raise SpecError(
                f"`{self.sort.name}.bottom`: sort `{self.sort.name}` has no bottom element; "
                "declare it with bottom=...",
                self.loc,
            )
        index = self.index
        if isinstance(index, Param | SizeExpr):  # named by parameters: evaluated per instance
            return ir.Elem(self.sort.name, size_of(index, self.loc), loc=self.loc)
        return ir.Elem(self.sort.name, index, loc=self.loc)

    __hash__ = Sym.__hash__


class SymFormula(Sym):
    """A symbolic truth value."""

    __slots__ = ("ir",)

    def __init__(self, node: ir.Formula) -> None:
        self.ir = node

    def __repr__(self) -> str:
        return f"<formula {self.ir!r}>"

    def __and__(self, other: object) -> SymFormula:
        loc = user_loc()
        return SymFormula(
            ir.And((self.ir, as_formula(other, "the right operand of `&`", loc)), loc=loc)
        )

    def __rand__(self, other: object) -> SymFormula:
        loc = user_loc()
        return SymFormula(
            ir.And((as_formula(other, "the left operand of `&`", loc), self.ir), loc=loc)
        )

    def __or__(self, other: object) -> SymFormula:
        loc = user_loc()
        return SymFormula(
            ir.Or((self.ir, as_formula(other, "the right operand of `|`", loc)), loc=loc)
        )

    def __ror__(self, other: object) -> SymFormula:
        loc = user_loc()
        return SymFormula(
            ir.Or((as_formula(other, "the left operand of `|`", loc), self.ir), loc=loc)
        )

    def __invert__(self) -> SymFormula:
        return SymFormula(ir.Not(self.ir, loc=user_loc()))

    def __eq__(self, other: object) -> SymFormula:  # type: ignore[override]
        loc = user_loc()
        return SymFormula(
            ir.Iff(self.ir, as_formula(other, "the right operand of `==`", loc), loc=loc)
        )

    def __ne__(self, other: object) -> SymFormula:  # type: ignore[override]
        loc = user_loc()
        iff = ir.Iff(self.ir, as_formula(other, "the right operand of `!=`", loc), loc=loc)
        return SymFormula(ir.Not(iff, loc=loc))

    def _ordering(self, other: object) -> NoReturn:
        raise SpecError(
            "`<`, `<=`, `>`, `>=` apply to elements of ordered sorts, not to formulas. If you meant "
            "`p & (x < y)`, add the parentheses: `&` and `|` bind tighter than comparisons in Python",
            user_loc(2),
        )

    def __lt__(self, other: object) -> NoReturn:
        self._ordering(other)

    def __le__(self, other: object) -> NoReturn:
        self._ordering(other)

    def __gt__(self, other: object) -> NoReturn:
        self._ordering(other)

    def __ge__(self, other: object) -> NoReturn:
        self._ordering(other)

    __hash__ = Sym.__hash__


def _not_a_formula(term: SymTerm, op: str) -> NoReturn:
    raise SpecError(
        f"`{op}` needs formulas, but one operand is a {term.ir.type} element. If you meant "
        f"`p {op} (x < y)` or `p {op} (x == y)`, add the parentheses: `&` and `|` bind tighter than "
        "comparisons in Python",
        user_loc(2),
    )


def shown(x: object) -> str:
    """What `x`, given where something else was expected, is, as an error message says it:
    `eventually(p), a temporal formula`, `a formula`, `a proc element`, `3` — never
    the IR a symbolic value holds. Values of the modules above this one (a record, a temporal
    formula) say it themselves, with a `shown_as()` method."""
    shown_as = getattr(type(x), "shown_as", None)  # on the class: records read fields
    if callable(shown_as):
        return str(shown_as(x))
    if isinstance(x, SymFormula):
        return "a formula"
    if isinstance(x, SymTerm):
        return f"a {x.ir.type} element"
    if isinstance(x, SetValue):
        return "a set"
    if isinstance(x, SortBase):
        return f"the sort `{x.name}` itself"
    if x is None or isinstance(x, bool | int | float | str):
        return repr(x)
    name = getattr(x, "__name__", None)
    if callable(x) and isinstance(name, str):
        return f"the {type(x).__name__} `{name}` itself (call it for its value)"
    return f"a {type(x).__name__}"


def _misplaced(x: object, what: str, loc: Loc) -> None:
    """Raise the error a value of a module above this one (a temporal formula) gives for
    being written where a formula or a term belongs, if it has one (`misplaced(what)`)."""
    misplaced = getattr(type(x), "misplaced", None)
    if callable(misplaced):
        raise SpecError(str(misplaced(x, what)), loc)


def as_formula(x: object, what: str, loc: Loc) -> ir.Formula:
    """The IR formula for `x` (a SymFormula or a Python bool), or a SpecError."""
    if isinstance(x, SymFormula):
        return x.ir
    if isinstance(x, bool):
        return ir.BoolLit(x, loc=loc)
    _misplaced(x, what, loc)
    if isinstance(x, SetValue):
        raise SpecError(
            f"{what} must be a formula, but it is a set: test it (`member(x, s)`, `is_empty(s)`, "
            "`subset_of(a, b)`, `==`, `size(s)` of its sort)",
            loc,
        )
    if isinstance(x, SymTerm):
        hint = ""
        if "`&`" in what or "`|`" in what:
            hint = (
                ". If you meant `p & (x < y)`, add the parentheses: `&` and `|` bind tighter than "
                "comparisons in Python"
            )
        raise SpecError(f"{what} must be a formula, but it is a {x.ir.type} element{hint}", loc)
    raise SpecError(f"{what} must be a formula, not {shown(x)}", loc)


def as_term(x: object, what: str, loc: Loc) -> ir.Term:
    """The IR term for `x` (a SymTerm), or a SpecError."""
    _misplaced(x, what, loc)
    if isinstance(x, SymTerm):
        return x.ir
    if isinstance(x, SetValue):  # a built set as a value: the subset chosen with its members
        return x.term(what, loc)
    if isinstance(x, SymFormula):
        raise SpecError(f"{what} must be a sort element, but it is a formula", loc)
    if isinstance(x, SortBase):
        raise SpecError(f"{what} must be a sort element, but it is the sort `{x.name}` itself", loc)
    raise SpecError(
        f"{what} must be a sort element (a parameter, a function value or `sort[i]`), "
        f"not {shown(x)}",
        loc,
    )


def check_sort(term: ir.Term, sort: str, what: str, loc: Loc) -> None:
    if term.type.sort != sort:
        raise SpecError(f"{what} must be of sort `{sort}`, but it is a {term.type}", loc)


def check_type(term: ir.Term, expected: ir.Type, what: str, loc: Loc, *, reading: bool) -> None:
    """Check that `term` fits a slot of type `expected`.

    When reading a relation, a value that may be bottom is allowed in a column that excludes
    bottom (the atom is then false); when writing, or as a function argument, it is not.
    """
    check_sort(term, expected.sort, what, loc)
    if term.type.bottom and not expected.bottom and not reading:
        raise SpecError(
            f"{what} must be a proper `{expected.sort}` element, but it is a {term.type} "
            "(it may be the bottom element)",
            loc,
        )


def _ordered(a: ir.Term, op: str, b: ir.Term, loc: Loc) -> SymFormula:
    if op == "==":
        return SymFormula(ir.Eq(a, b, loc=loc))
    if op == "!=":
        return SymFormula(ir.Not(ir.Eq(a, b, loc=loc), loc=loc))
    if op == "<":
        return SymFormula(ir.Lt(a, b, loc=loc))
    if op == "<=":
        return SymFormula(ir.Le(a, b, loc=loc))
    if op == ">":
        return SymFormula(ir.Lt(b, a, loc=loc))
    return SymFormula(ir.Le(b, a, loc=loc))


def int_value(x: object, loc: Loc) -> ir.Term | None:
    """The integer value `x` stands for — a Python int, a parameter (or an expression over
    parameters), an element of an integer sort, or an integer value computed by arithmetic —
    or None when it is none of these."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        return ir.IntLit(x, loc=loc)
    if isinstance(x, Param | SizeExpr):
        return ir.IntLit(size_of(x, loc), loc=loc)
    if isinstance(x, SymTerm):
        t = x.ir
        if t.type.sort == ir.INT_ANY:
            return t
        if _current_sort_kind(t.type.sort) is ir.SortKind.INT:
            return ir.ToInt(t, loc=loc)
    return None


def coerce(
    x: object, expected: ir.Type, what: str, loc: Loc, *, reading: bool
) -> tuple[ir.Term, ir.Formula | None]:
    """The term for `x` in a slot of type `expected` (a relation or function argument, a value
    to store), and, for a relation read with an integer value, the condition that the value
    lies in the sort (outside it the atom is false). An integer value stored or used as a
    function argument becomes an element through `Cast`; the tracer checks its range."""
    ctx = context.current()
    bounds = None if ctx is None else ctx.int_bounds.get(expected.sort)
    if bounds is not None and not (isinstance(x, SymTerm) and x.ir.type.sort == expected.sort):
        value = int_value(x, loc)
        if value is not None:
            if not reading:
                return ir.Cast(expected.sort, value, loc=loc), None
            lo, hi = bounds
            inside = ir.And(
                (
                    ir.Le(ir.IntLit(lo, loc=loc), value, loc=loc),
                    ir.Le(value, ir.IntLit(hi, loc=loc), loc=loc),
                ),
                loc=loc,
            )
            return ir.Cast(expected.sort, value, guarded=True, loc=loc), inside
    term = as_term(x, what, loc)
    check_type(term, expected, what, loc, reading=reading)
    return term, None


def _current_sort_kind(sort: str) -> ir.SortKind | None:
    """The kind of a sort of the spec being traced, so a misuse is caught where it is written."""
    ctx = context.current()
    return None if ctx is None else ctx.sort_kinds.get(sort)
