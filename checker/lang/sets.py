"""Sets built from others: `nodeset.union(a, b)`, `intersection`, `difference`, `with_(s, x)`,
`without(s, x)`, `singleton(x)`, `empty()`, `full()`, and `ite(c, a, b)` of sets.

A built set is a `SetExpr`, a small closed family of nodes over the stored sets (terms of a
`Subsets` sort) and elements. It knows which elements it has (`has(x)`, a formula built from
`member`), so testing it — membership, emptiness, inclusion, size, equality, a quantifier over
its members — is a formula over the element sort: it works wherever formulas do (invariants,
constraints, action properties, axioms, conjuncts, guards) and in every engine, with no IR of
its own. Where it is used as a *value* — stored, an argument, compared by `==` with a stored set
inside an action — it is the one subset with those members, chosen as `pick` chooses (a
parameter of the action named after the variable assigned, its members fixed with `iff`). In a
property, or built inside the lambda of a quantifier or an update (one set per element), nothing
is chosen: it is an `ir.Choose` of that subset, computed where it is read.

Like a choice, a built set reads the state where it is built. Tested or used as a value after a
statement that writes state, it is chosen at the place it was built (its choice and condition go
there), so `u = union(self.a, self.b); self.a = ...; self.c = u` stores the union of the old `a`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, assert_never

from checker import ir
from checker.errors import Loc, SpecError
from checker.lang import context
from checker.lang.choice import choice_at
from checker.lang.logic import bind_vars
from checker.lang.sorts import IntSort
from checker.lang.terms import SetValue, SymTerm, as_formula, as_term, check_sort, int_value

if TYPE_CHECKING:
    from checker.lang.sorts import Quorums


@dataclass(frozen=True)
class Stored:
    """A set-valued term: state, a parameter, a choice."""

    term: ir.Term


@dataclass(frozen=True)
class Union:
    left: SetExpr
    right: SetExpr


@dataclass(frozen=True)
class Intersection:
    left: SetExpr
    right: SetExpr


@dataclass(frozen=True)
class Difference:
    left: SetExpr
    right: SetExpr


@dataclass(frozen=True)
class With:
    """`set` with `elem` added (an element of the base sort, or an integer for an IntSort)."""

    set: SetExpr
    elem: ir.Term


@dataclass(frozen=True)
class Without:
    set: SetExpr
    elem: ir.Term


@dataclass(frozen=True)
class Singleton:
    elem: ir.Term


@dataclass(frozen=True)
class Empty:
    pass


@dataclass(frozen=True)
class Full:
    pass


@dataclass(frozen=True)
class Ite:
    cond: ir.Formula
    then: SetExpr
    else_: SetExpr


Node = Stored | Union | Intersection | Difference | With | Without | Singleton | Empty | Full | Ite


class SetExpr(SetValue):
    """A set of the `Subsets` sort `sort` (or a quorum, stored), built at `loc` by `what`
    (`nodeset.union(...)`)."""

    __slots__ = ("_chosen", "binder", "loc", "node", "point", "sort", "what")

    def __init__(self, sort: Quorums, node: Node, what: str, loc: Loc) -> None:
        self.sort, self.node, self.what, self.loc = sort, node, what, loc
        ctx = context.current()
        # where it is built in an action's body, to be chosen there; None elsewhere
        self.point = None if ctx is None or isinstance(node, Stored) else ctx.point()
        self.binder = ctx.binders[-1] if ctx is not None and ctx.binders else None
        self._chosen: ir.Var | None = None

    def __repr__(self) -> str:
        return f"<set {self.what} {self.node!r}>"

    def _here(self) -> context.Point | None:
        """Its point, when it was built in the action being traced now."""
        point = self.point
        return point if point is not None and point.ctx is context.current() else None

    # -- as a formula ------------------------------------------------------------------------

    def has(self, x: ir.Term, loc: Loc) -> ir.Formula:
        """The formula that `x` (an element of the base sort) is a member, read here."""
        ctx = context.current()
        now = ctx.writes() if ctx is not None and ctx.stmts is not None else None
        return self._has(x, now, loc)

    def _has(self, x: ir.Term, at: int | None, loc: Loc) -> ir.Formula:
        """Membership of `x` read where `at` statements have written state (None: in a property,
        where nothing is written)."""
        node = self.node
        if isinstance(node, Stored):
            return ir.Member(self.sort.name, x, node.term, loc=loc)
        point = self._here()
        if point is not None and at is not None and point.writes != at:
            # the state changed since it was built: the subset chosen where it was built
            return ir.Member(self.sort.name, x, self._choose(point), loc=loc)
        match node:
            case Union(a, b):
                return ir.Or((a._has(x, at, loc), b._has(x, at, loc)), loc=loc)
            case Intersection(a, b):
                return ir.And((a._has(x, at, loc), b._has(x, at, loc)), loc=loc)
            case Difference(a, b):
                return ir.And((a._has(x, at, loc), ir.Not(b._has(x, at, loc), loc=loc)), loc=loc)
            case With(s, y):
                return ir.Or((s._has(x, at, loc), _is(x, y, loc)), loc=loc)
            case Without(s, y):
                return ir.And((s._has(x, at, loc), ir.Not(_is(x, y, loc), loc=loc)), loc=loc)
            case Singleton(y):
                return _is(x, y, loc)
            case Empty():
                return ir.BoolLit(False, loc=loc)
            case Full():
                return ir.BoolLit(True, loc=loc)
            case Ite(c, a, b):
                return ir.FormulaIte(c, a._has(x, at, loc), b._has(x, at, loc), loc=loc)
            case _:
                assert_never(node)

    # -- as a value --------------------------------------------------------------------------

    def term(self, what: str, loc: Loc) -> ir.Term:
        node = self.node
        if isinstance(node, Stored):
            return node.term
        point = self._here()
        if point is not None:
            return self._choose(point)
        if isinstance(node, Ite):  # in a lambda or a property: the branch its condition picks
            then, else_ = node.then.term(what, loc), node.else_.term(what, loc)
            return ir.TermIte(node.cond, then, else_, loc=loc)
        # In a property, or built inside the lambda of a quantifier or an update (one value per
        # element): the subset with these members, computed where it is read (a CHOOSE that
        # always has its one witness, so nothing is checked and symmetry cannot change it).
        u = ir.Var(self._fresh("u", loc), ir.Type(self.sort.name), loc=self.loc)
        x = ir.Var(self._fresh("x", loc), ir.Type(self.sort.base.name), loc=self.loc)
        body = ir.Iff(ir.Member(self.sort.name, x, u, loc=self.loc), self.has(x, self.loc), loc=loc)
        return ir.Choose((u,), ir.Forall((x,), body, loc=loc), total=True, loc=loc)

    @staticmethod
    def _fresh(hint: str, loc: Loc) -> str:
        ctx = context.current()
        if ctx is None:
            raise SpecError(
                "a set built from others can only be used inside spec methods while they are "
                "traced",
                loc,
            )
        return ctx.fresh_name(hint)

    def _choose(self, point: context.Point) -> ir.Var:
        """The subset with its members, chosen where it was built (once)."""
        if self._chosen is None:
            base = ir.Type(self.sort.base.name)

            def members(u: ir.Var) -> ir.Formula:
                x = ir.Var(point.ctx.fresh_name("x"), base, loc=self.loc)
                mine = ir.Member(self.sort.name, x, u, loc=self.loc)
                body = ir.Iff(mine, self._has(x, point.writes, self.loc), loc=self.loc)
                return ir.Forall((x,), body, loc=self.loc)

            t = ir.Type(self.sort.name)
            self._chosen = choice_at(point, t, members, "u", self.what, self.loc)
        return self._chosen

    def equals(self, other: object, loc: Loc) -> ir.Formula:
        return equal(self.sort, self, other, loc)


def _is(x: ir.Term, y: ir.Term, loc: Loc) -> ir.Formula:
    """`x` (of the base sort) is `y`: an element, or an integer value for an IntSort."""
    if y.type.sort == ir.INT_ANY:
        return ir.Eq(ir.ToInt(x, loc=loc), y, loc=loc)
    return ir.Eq(x, y, loc=loc)


# -- building ----------------------------------------------------------------------------------


def operand(sort: Quorums, s: object, what: str, loc: Loc) -> SetExpr:
    """`s` as a set of `sort`: a built set, or a term of the sort (state, a parameter, ...)."""
    if isinstance(s, SetExpr):
        if s.sort.name != sort.name:
            raise SpecError(
                f"{what} must be a set of `{sort.name}`, but it is a set of `{s.sort.name}`", loc
            )
        return s
    term = as_term(s, what, loc)
    check_sort(term, sort.name, what, loc)
    return SetExpr(sort, Stored(term), what, loc)


def element(sort: Quorums, y: object, what: str, loc: Loc) -> ir.Term:
    """`y` as an element of `sort`'s base (or, for an integer base, an integer value)."""
    base = sort.base
    if isinstance(y, SymTerm) and y.ir.type.sort == base.name:
        return y.ir
    if isinstance(base, IntSort):
        value = int_value(y, loc)
        if value is not None:
            return value
    term = as_term(y, what, loc)
    check_sort(term, base.name, what, loc)
    return term


def build(sort: Quorums, op: str, args: tuple[Any, ...], loc: Loc) -> SetExpr:
    """`sort.op(*args)`: a set built from sets and elements."""
    what = f"`{sort.name}.{op}(...)`"

    def s(i: int) -> SetExpr:
        return operand(sort, args[i], f"argument {i + 1} of {what}", loc)

    def e(i: int) -> ir.Term:
        return element(sort, args[i], f"argument {i + 1} of {what}", loc)

    node: Node
    if op == "union":
        node = Union(s(0), s(1))
    elif op == "intersection":
        node = Intersection(s(0), s(1))
    elif op == "difference":
        node = Difference(s(0), s(1))
    elif op == "with_":
        node = With(s(0), e(1))
    elif op == "without":
        node = Without(s(0), e(1))
    elif op == "singleton":
        node = Singleton(e(0))
    elif op == "empty":
        node = Empty()
    elif op == "full":
        node = Full()
    else:  # pragma: no cover - the sort's methods name the operators
        raise AssertionError(op)
    return SetExpr(sort, node, what, loc)


def set_ite(cond: ir.Formula, then: object, else_: object, loc: Loc) -> SetExpr:
    """`ite(c, a, b)` where a branch is a built set: the set that is `a` where `c` holds."""
    first = then if isinstance(then, SetExpr) else else_
    assert isinstance(first, SetExpr)
    sort = first.sort
    a = operand(sort, then, "the then-branch of ite(...)", loc)
    b = operand(sort, else_, "the else-branch of ite(...)", loc)
    return SetExpr(sort, Ite(cond, a, b), "`ite(...)` of sets", loc)


# -- testing -----------------------------------------------------------------------------------


def _variable(sort: Quorums, what: str, loc: Loc) -> ir.Var:
    ctx = context.require_current(what, loc)
    return ir.Var(ctx.fresh_name("x"), ir.Type(sort.base.name), loc=loc)


def member(sort: Quorums, x: object, s: object, what: str, loc: Loc) -> ir.Formula:
    """`x` is a member of the set `s`."""
    e = as_term(x, f"the element argument of {what}", loc)
    check_sort(e, sort.base.name, f"the element argument of {what}", loc)
    return operand(sort, s, f"the set argument of {what}", loc).has(e, loc)


def is_empty(sort: Quorums, s: object, loc: Loc) -> ir.Formula:
    what = f"`{sort.name}.is_empty(...)`"
    e = operand(sort, s, f"the argument of {what}", loc)
    x = _variable(sort, what, loc)
    return ir.Forall((x,), ir.Not(e.has(x, loc), loc=loc), loc=loc)


def size(sort: Quorums, s: object, loc: Loc) -> ir.Term:
    what = f"`{sort.name}.size(...)`"
    e = operand(sort, s, f"the argument of {what}", loc)
    x = _variable(sort, what, loc)
    return ir.Count((x,), e.has(x, loc), loc=loc)


def subset_of(sort: Quorums, a: object, b: object, loc: Loc) -> ir.Formula:
    what = f"`{sort.name}.subset_of(...)`"
    left = operand(sort, a, f"argument 1 of {what}", loc)
    right = operand(sort, b, f"argument 2 of {what}", loc)
    x = _variable(sort, what, loc)
    return ir.Forall((x,), ir.Implies(left.has(x, loc), right.has(x, loc), loc=loc), loc=loc)


def equal(sort: Quorums, a: object, b: object, loc: Loc) -> ir.Formula:
    """`a` and `b` have the same members. Two stored sets are one element (`==` of terms); a
    stored set and a built one inside the action that built it, the stored set and the subset
    chosen with the built one's members (as a value); otherwise their members are compared."""
    what = f"`{sort.name}.equal(...)`"
    left = operand(sort, a, f"argument 1 of {what}", loc)
    right = operand(sort, b, f"argument 2 of {what}", loc)
    for stored, built in ((left, right), (right, left)):
        if isinstance(stored.node, Stored) and (
            isinstance(built.node, Stored) or built._here() is not None
        ):
            return ir.Eq(stored.node.term, built.term(what, loc), loc=loc)
    x = _variable(sort, what, loc)
    return ir.Forall((x,), ir.Iff(left.has(x, loc), right.has(x, loc), loc=loc), loc=loc)


def quantify(sort: Quorums, kind: str, s: object, fn: Callable[[Any], Any], loc: Loc) -> ir.Formula:
    """`forall`/`exists` over the members of `s`: `fn(x)` holds for all (some) of them."""
    what = f"`{sort.name}.{kind}(...)`"
    e = operand(sort, s, f"the set argument of {what}", loc)
    (x,), body = bind_vars([ir.Type(sort.base.name)], fn, what, loc)
    formula = as_formula(body, f"the body of {what}", loc)
    has = e.has(x, loc)
    if kind == "forall":
        return ir.Forall((x,), ir.Implies(has, formula, loc=loc), loc=loc)
    return ir.Exists((x,), ir.And((has, formula), loc=loc), loc=loc)
