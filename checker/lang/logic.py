"""Logical helpers for spec code: quantifiers, `implies`, `iff`, `ite`, and `require`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast, overload

from checker import ir
from checker.errors import Loc, SpecError, user_loc
from checker.lang import context
from checker.lang.records import Binder, SymRecord, domains, fresh_variables
from checker.lang.seqsorts import binder_of
from checker.lang.terms import SetValue, SymFormula, SymTerm, as_formula, as_term, int_value

Bool = SymFormula | bool


def bind_vars(
    shapes: Sequence[Binder], fn: Callable[..., Any], what: str, loc: Loc
) -> tuple[tuple[ir.Var, ...], Any]:
    """Create fresh variables of the given types, named after `fn`'s parameters, and call `fn`
    (a record-typed parameter is one variable per field, and `fn` gets the record; a sequence
    sort's, a length and slots, and `fn` gets the sequence)."""
    ctx = context.require_current(what, loc)
    names = context.lambda_names(fn, len(shapes), what, loc)
    variables, values = fresh_variables(ctx, names, shapes, loc)
    ctx.binders.append(what)
    try:
        return variables, fn(*values)
    finally:
        ctx.binders.pop()


def _quantifier(kind: str, args: tuple[Any, ...]) -> SymFormula:
    loc = user_loc(2)
    if len(args) < 2:
        raise SpecError(f"{kind}(...) takes one or more sorts and then a lambda", loc)
    *sort_args, fn = args
    if len(sort_args) == 1 and isinstance(sort_args[0], tuple | list):
        sort_args = list(sort_args[0])
    shapes = [binder_of(s, f"each sort given to {kind}(...)", loc) for s in sort_args]
    variables, body = bind_vars(shapes, fn, f"{kind}(...)", loc)
    from checker.lang.temporal import Temporal

    ranges = domains(shapes, variables, loc)  # the tuples that are values (sequence sorts)
    if isinstance(body, Temporal):  # a @liveness property per binding (TLC's \A n : P(n) ~> Q(n))
        if kind != "forall":
            raise SpecError(f"{kind}(...) of {body.describe()} cannot be checked: only forall", loc)
        if ranges:
            raise SpecError(
                "forall(...) over a sequence sort of a temporal formula cannot be checked: "
                "quantify over the sorts of its elements",
                loc,
            )
        return cast(SymFormula, body.quantified(variables, loc))
    formula = as_formula(body, f"the body of {kind}(...)", loc)
    if kind == "forall":
        inside = ir.Implies(_all(ranges, loc), formula, loc=loc) if ranges else formula
        return SymFormula(ir.Forall(variables, inside, loc=loc))
    inside = ir.And((*ranges, formula), loc=loc) if ranges else formula
    return SymFormula(ir.Exists(variables, inside, loc=loc))


def _all(parts: list[ir.Formula], loc: Loc) -> ir.Formula:
    return parts[0] if len(parts) == 1 else ir.And(tuple(parts), loc=loc)


def forall(*args: Any) -> SymFormula:
    """`forall(sort, ..., lambda x, ...: formula)`: the formula holds for all elements."""
    return _quantifier("forall", args)


def exists(*args: Any) -> SymFormula:
    """`exists(sort, ..., lambda x, ...: formula)`: the formula holds for some elements."""
    return _quantifier("exists", args)


def count(*args: Any) -> SymTerm:
    """`count(sort, ..., lambda x, ...: formula)`: how many elements satisfy the formula, an
    integer (TLA+'s `Cardinality({x \\in S : P(x)})`). `prove` sees any count at all, the sorts
    having no size there: facts that need the exact count need `check` or `bmc`."""
    loc = user_loc()
    if len(args) < 2:
        raise SpecError("count(...) takes one or more sorts and then a lambda", loc)
    *sort_args, fn = args
    shapes = [binder_of(s, "each sort given to count(...)", loc) for s in sort_args]
    variables, body = bind_vars(shapes, fn, "count(...)", loc)
    formula = as_formula(body, "the body of count(...)", loc)
    ranges = domains(shapes, variables, loc)  # each sequence counted once
    counted = ir.And((*ranges, formula), loc=loc) if ranges else formula
    return SymTerm(ir.Count(variables, counted, loc=loc))


def implies(p: Bool, q: Bool) -> SymFormula:
    """`p` implies `q` (false only where `p` holds and `q` does not); `q` is evaluated only
    where `p` holds, so `implies(x > 0, f(x - 1) == 0)` never fails."""
    loc = user_loc()
    return SymFormula(
        ir.Implies(
            as_formula(p, "the premise of implies(...)", loc),
            as_formula(q, "the conclusion of implies(...)", loc),
            loc=loc,
        )
    )


def iff(p: Bool, q: Bool) -> SymFormula:
    """`p` if and only if `q`: both hold or neither does."""
    loc = user_loc()
    return SymFormula(
        ir.Iff(as_formula(p, "iff(...)", loc), as_formula(q, "iff(...)", loc), loc=loc)
    )


@overload
def ite(cond: Bool, then: SymTerm, else_: SymTerm) -> SymTerm: ...
@overload
def ite(cond: Bool, then: Bool, else_: Bool) -> SymFormula: ...
@overload
def ite(cond: Bool, then: SymRecord, else_: SymRecord) -> SymRecord: ...
@overload
def ite(cond: Bool, then: SetValue, else_: Any) -> SetValue: ...
@overload
def ite(cond: Bool, then: Any, else_: SetValue) -> SetValue: ...
def ite(cond: Bool, then: Any, else_: Any) -> SymTerm | SymFormula | SymRecord | SetValue:
    """If-then-else on terms, on formulas, on records or on sets (a set built from others where
    a branch is one)."""
    loc = user_loc()
    c = as_formula(cond, "the condition of ite(...)", loc)
    if isinstance(then, SymRecord) or isinstance(else_, SymRecord):
        return _record_ite(c, then, else_, loc)
    if isinstance(then, SetValue) or isinstance(else_, SetValue):
        from checker.lang.sets import set_ite

        return set_ite(c, then, else_, loc)
    if _is_value(then) or _is_value(else_):
        same = (
            isinstance(then, SymTerm)
            and isinstance(else_, SymTerm)
            and then.ir.type.sort == else_.ir.type.sort
        )
        if not same:  # integers of different sorts (or Python ints): an integer value
            a, b = int_value(then, loc), int_value(else_, loc)
            if a is not None and b is not None:
                return SymTerm(ir.TermIte(c, a, b, loc=loc))
        t = as_term(then, "the then-branch of ite(...)", loc)
        e = as_term(else_, "the else-branch of ite(...)", loc)
        if t.type.sort != e.type.sort:
            raise SpecError(
                f"the branches of ite(...) have different sorts: {t.type} and {e.type}", loc
            )
        return SymTerm(ir.TermIte(c, t, e, loc=loc))
    return SymFormula(
        ir.FormulaIte(
            c,
            as_formula(then, "the then-branch of ite(...)", loc),
            as_formula(else_, "the else-branch of ite(...)", loc),
            loc=loc,
        )
    )


def _record_ite(c: ir.Formula, then: object, else_: object, loc: Loc) -> SymRecord:
    """`ite(c, r1, r2)` on records of one type: the record of the fields' `ite`s."""
    if (
        not (isinstance(then, SymRecord) and isinstance(else_, SymRecord))
        or then.record is not else_.record
    ):
        raise SpecError("the branches of ite(...) must both be records of one type", loc)
    fields = {}
    for f, _ in then.record.field_types():
        a, b = then.values[f].ir, else_.values[f].ir
        fields[f] = SymTerm(ir.TermIte(c, a, b, loc=loc))
    return SymRecord(then.record, fields)


def _is_value(x: object) -> bool:
    """An element or an integer (a Python int that is not a bool), not a formula."""
    return isinstance(x, SymTerm) or (isinstance(x, int) and not isinstance(x, bool))


def require(cond: Bool) -> None:
    """Guard of an action: the action is enabled only where `cond` holds."""
    loc = user_loc()
    ctx = context.require_current("require(...)", loc)
    ctx.add_stmt(ir.Require(as_formula(cond, "require(...)", loc), loc=loc), "require(...)", loc)


def minimum(a: object, b: object) -> SymTerm:
    """The smaller of two integers (elements of integer sorts, integer values or ints)."""
    return _extreme("min", a, b)


def maximum(a: object, b: object) -> SymTerm:
    """The larger of two integers (elements of integer sorts, integer values or ints)."""
    return _extreme("max", a, b)


def _extreme(op: str, a: object, b: object) -> SymTerm:
    loc = user_loc(2)
    x, y = int_value(a, loc), int_value(b, loc)
    if x is None or y is None:
        raise SpecError(f"{'minimum' if op == 'min' else 'maximum'}(...) needs two integers", loc)
    return SymTerm(ir.Arith(op, x, y, loc=loc))
