"""Choice inside an action: `pick`, `maybe` and `narrow` (free), `choose` (TLA+'s CHOOSE).

A choice is a value the action may take freely: every engine explores every one. Each becomes a
parameter of the action (after the declared ones), bound to the element chosen, and its condition
a `require` at the point of the choice — so a choice reads the state as the statements before it
left it, and an action none of whose choices satisfies the condition is disabled there. Traces
show the choices with the declared parameters (`send(n=n1, lost=TRUE)`).
"""

from __future__ import annotations

import linecache
import re
from collections.abc import Callable
from typing import Any

from checker import ir
from checker.errors import Loc, SpecError, user_loc
from checker.lang import context
from checker.lang.logic import bind_vars
from checker.lang.sorts import TypeRef, resolve_type
from checker.lang.terms import SymFormula, SymTerm, as_formula, as_term

_ASSIGNED = re.compile(  # `x = pick(...)`, `self.x = self.nodeset.union(...)`
    r"^\s*(?:self\.)?([A-Za-z_]\w*)\s*(?::[^=]*)?=\s*[\w.]*?\b"
    r"(?:pick|maybe|narrow|choose|union|intersection|difference|with_|without|empty|full|singleton"
    r"|ite)\("
)


def _named(loc: Loc, hint: str) -> str:
    """The name the choice is assigned to on its line (`lost = maybe()`, `self.holder =
    pick(...)`): traces show it as the parameter's name. Otherwise `hint`."""
    match = _ASSIGNED.match(linecache.getline(loc.file, loc.line))
    return match.group(1) if match else hint


def _choose(t: ir.Type, hint: str, what: str, loc: Loc) -> tuple[context.TraceContext, ir.Var]:
    hint = _named(loc, hint)
    ctx = context.require_current(what, loc)
    if ctx.stmts is None:
        raise SpecError(
            f"{what} chooses a value inside an action or @init; {ctx.what} cannot choose", loc
        )
    if ctx.binders:  # traced once: it would be one choice, not one per element or tuple
        raise SpecError(
            f"{what} inside the lambda of {ctx.binders[-1]} would be one choice for all its "
            f"elements, not one per element: choose before it (`x = {what.split('(')[0]}(...)`) "
            "and use the variable inside",
            loc,
        )
    var = ir.Var(ctx.fresh_name(hint), t, loc=loc)
    ctx.choices.append(var)
    return ctx, var


def pick(sort: Any, cond: Callable[[Any], Any] | None = None) -> SymTerm:
    """Inside an action: any element `x` of `sort` (or `sort.or_bottom`) with `cond(x)`, chosen
    freely — every such element gives a transition; none disables the action.
    `pick(value, lambda v: ~self.sent(v))` is mypyvy's `havoc` of a variable under a constraint,
    TLA+'s `\\E v \\in value : ...` in the middle of an action."""
    loc = user_loc()
    t = resolve_type(sort, "the first argument of pick(...)", loc)
    hint = context.lambda_names(cond, 1, "pick(...)", loc)[0] if cond is not None else "choice"
    ctx, var = _choose(t, hint, "pick(...)", loc)
    if cond is not None:
        body = as_formula(cond(SymTerm(var)), "the condition of pick(...)", loc)
        ctx.add_stmt(ir.Require(body, loc=loc), "pick(...)", loc)
    return SymTerm(var)


def choice_at(
    point: context.Point,
    t: ir.Type,
    cond: Callable[[ir.Var], ir.Formula],
    hint: str,
    what: str,
    loc: Loc,
) -> ir.Var:
    """A choice of an element of type `t` with `cond`, made at `point` of the action being
    traced (written at `loc`, named as the variable assigned there): its parameter goes among
    the choices, and its condition among the statements, where it would have gone had it been
    made there. Sets built from others (`nodeset.union(...)`) are chosen so when used as values,
    and read the state where they were built."""
    ctx = point.ctx
    var = ir.Var(ctx.fresh_name(_named(loc, hint)), t, loc=loc)
    body = cond(var)  # before the indices: it may choose, at earlier points, sets it is built of
    ctx.choices.insert(point.choice_index(), var)
    ctx.add_stmt(ir.Require(body, loc=loc), what, loc, at=point.stmt_index())
    return var


def maybe() -> SymFormula:
    """Inside an action: a boolean chosen freely — the action has a transition where it holds
    and one where it does not ("the message may or may not be consumed"). Each call is one choice:
    `lost = maybe()` once, then use `lost` wherever the same choice is meant."""
    loc = user_loc()
    _, var = _choose(ir.Type(ir.BOOLEAN), "maybe", "maybe()", loc)
    return SymFormula(ir.Eq(var, ir.Elem(ir.BOOLEAN, 1, loc=loc), loc=loc))


NO_WITNESS = "choose(...) finds no element satisfying its condition"


def choose(sort: Any, cond: Callable[[Any], Any]) -> SymTerm:
    """TLA+'s CHOOSE — the *least* element `x` of `sort` with `cond(x)` (least in the sort's
    order; for a plain sort, in its elements' order; for a `Subsets` sort, the smaller sets
    first), so the same state always makes the same choice. No element satisfying `cond` is an
    error reported with its trace, as TLC reports it. Over a symmetric sort (or the subsets of
    one) it is refused: symmetry permutes the order it depends on.

    In an action's body it is a choice, shown in traces as a parameter. In a property
    (invariant, action property, constraint, conjunct, liveness) or inside the lambda of a
    quantifier or an update it is a value computed where it is read (`ir.Choose`), and no
    element is a failure of the property (`defined(...)`) or of the statement. `prove` reads
    it over a plain sort as *some* element with `cond(x)` (the same in the same state), which
    only adds behaviours, so a proof stays sound; over ordered and integer sorts, exactly."""
    loc = user_loc()
    t = resolve_type(sort, "the first argument of choose(...)", loc)
    base = sort.sort if isinstance(sort, TypeRef) else sort
    of = getattr(base, "base", None)  # a Subsets sort's elements are ordered by its base's
    if getattr(base, "symmetric", False) or getattr(of, "symmetric", False):
        which = (
            f"the symmetric sort `{t.sort}`"
            if of is None
            else f"`{t.sort}`, subsets of the symmetric sort `{of.name}`,"
        )
        raise SpecError(
            f"choose(...) over {which} depends on the order of its elements, "
            "which symmetry permutes: use pick(...) (any element), or declare the sort without "
            "symmetric=True",
            loc,
        )
    ctx = context.require_current("choose(...)", loc)
    if ctx.stmts is None or ctx.binders:  # a value, computed where it is read
        (var,), body = bind_vars([t], cond, "choose(...)", loc)
        formula = as_formula(body, "the condition of choose(...)", loc)
        return SymTerm(ir.Choose((var,), formula, why=NO_WITNESS, loc=loc))
    hint = context.lambda_names(cond, 1, "choose(...)", loc)[0]
    ctx, var = _choose(t, hint, "choose(...)", loc)
    (some,), exists_body = bind_vars([t], cond, "choose(...)", loc)
    none = ir.Not(ir.Exists((some,), as_formula(exists_body, "choose(...)", loc), loc=loc), loc=loc)
    ctx.add_check(none, NO_WITNESS, "choose(...)", loc)
    (other,), other_body = bind_vars([t], cond, "choose(...)", loc)
    least = ir.Forall(
        (other,),
        ir.Implies(as_formula(other_body, "choose(...)", loc), ir.Le(var, other, loc=loc), loc=loc),
        loc=loc,
    )
    body = as_formula(cond(SymTerm(var)), "the condition of choose(...)", loc)
    ctx.add_stmt(ir.Require(ir.And((body, least), loc=loc), loc=loc), "choose(...)", loc)
    return SymTerm(var)


def narrow(value: Any) -> SymTerm:
    """Inside an action: `value` (of `sort.or_bottom`) as an element of `sort`; the action is
    enabled only where `value` is not bottom."""
    loc = user_loc()
    term = as_term(value, "narrow(...)", loc)
    ctx, var = _choose(ir.Type(term.type.sort), "narrowed", "narrow(...)", loc)
    ctx.add_stmt(ir.Require(ir.Eq(var, term, loc=loc), loc=loc), "narrow(...)", loc)
    return SymTerm(var)
