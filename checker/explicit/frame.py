"""Where a whole-symbol update can change its symbol: the slice it frames.

`net.update(lambda s, r, i: net(s, r, i) | ((s == a) & (r == b) & first_free(i)))` changes
`net` only where `s == a` and `r == b`. The compilers then write that slice of `net` — one
column's worth of tuples — instead of every tuple: for a wide relation (five columns, hundreds
or thousands of tuples) compiling every tuple made compile time and code size grow with the
product of the columns, in every instance of every action that touched it.

`frame(stmt)` finds, syntactically, equalities `x == t` (x one of the update's variables, t a
term that mentions none of them) that hold wherever the body may differ from the symbol's value
before the update (`old`):

    body              may differ from old only where
    old               nowhere
    old | g1 | ...    g1 or ...
    old & g1 & ...    ~g1 or ...
    ite(c, t, e)      (c and where t may differ) or (~c and where e may differ)
    anything else     anywhere

The equalities of a condition are its top-level conjuncts `x == t` in negation normal form; an
`or` keeps the equalities its sides share. The result is sound by construction: outside the
pinned slice every tuple keeps its old value, so not writing it is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker import ir
from checker.explicit.simplify import flatten, free_vars, nnf

Pins = dict[str, ir.Term]  # update variable -> the term it equals wherever the body may differ


@dataclass(frozen=True)
class Frame:
    """The tuples an update may change: none (`nowhere`), or those whose pinned variables
    equal their terms (every tuple when `pins` is empty)."""

    nowhere: bool
    pins: Pins

    def free(self, stmt: ir.UpdateRel | ir.UpdateFn) -> list[ir.Var]:
        """The update's variables that are not pinned, in column order."""
        return [v for v in stmt.vars if v.name not in self.pins]


NOWHERE = Frame(True, {})
ANYWHERE = Frame(False, {})


def frame(stmt: ir.UpdateRel | ir.UpdateFn) -> Frame:
    names = [v.name for v in stmt.vars]
    if isinstance(stmt, ir.UpdateRel):
        return _formula_frame(stmt.body, stmt.symbol, names)
    return _term_frame(stmt.body, stmt.symbol, names)


def _is_old(e: ir.Expr, symbol: str, names: list[str]) -> bool:
    """`e` is the updated symbol applied to the update's variables, in order."""
    if not isinstance(e, ir.Atom | ir.App) or e.symbol != symbol or e.primed:
        return False
    return [a.name if isinstance(a, ir.Var) else None for a in e.args] == names


def _formula_frame(body: ir.Formula, symbol: str, names: list[str]) -> Frame:
    if _is_old(body, symbol, names):
        return NOWHERE
    if isinstance(body, ir.FormulaIte):
        return _ite_frame(body.cond, body.then, body.else_, symbol, names)
    for kind in (ir.Or, ir.And):
        parts = flatten(body, kind)
        if len(parts) > 1 and any(_is_old(p, symbol, names) for p in parts):
            others = [p for p in parts if not _is_old(p, symbol, names)]
            negate = kind is ir.And  # old & g differs from old only where ~g
            return _any_of([_where(g, names, negate) for g in others])
    return ANYWHERE


def _term_frame(body: ir.Term, symbol: str, names: list[str]) -> Frame:
    if _is_old(body, symbol, names):
        return NOWHERE
    if isinstance(body, ir.TermIte):
        return _ite_frame(body.cond, body.then, body.else_, symbol, names)
    return ANYWHERE


def _ite_frame(
    cond: ir.Formula,
    then: ir.Formula | ir.Term,
    else_: ir.Formula | ir.Term,
    symbol: str,
    names: list[str],
) -> Frame:
    def branch(e: ir.Formula | ir.Term) -> Frame:
        if isinstance(e, ir.Formula):
            return _formula_frame(e, symbol, names)
        return _term_frame(e, symbol, names)

    return _any_of(
        [
            _both(_where(cond, names, negate=False), branch(then)),
            _both(_where(cond, names, negate=True), branch(else_)),
        ]
    )


def _where(cond: ir.Formula, names: list[str], negate: bool) -> Frame:
    """The equalities `x == t` that hold wherever `cond` (or `~cond`) does."""
    pins: Pins = {}
    bound = set(names)
    for part in flatten(nnf(cond, negate), ir.And):
        if isinstance(part, ir.BoolLit) and not part.value:
            return NOWHERE
        if not isinstance(part, ir.Eq):
            continue
        for var, term in ((part.left, part.right), (part.right, part.left)):
            if (
                isinstance(var, ir.Var)
                and var.name in bound
                and var.name not in pins
                and not free_vars(term) & bound
            ):
                pins[var.name] = term
                break
    return Frame(False, pins)


def _both(a: Frame, b: Frame) -> Frame:
    """Where a and b both hold."""
    if a.nowhere or b.nowhere:
        return NOWHERE
    return Frame(False, {**b.pins, **a.pins})


def _any_of(frames: list[Frame]) -> Frame:
    """Where at least one holds: the pins all of them share."""
    live = [f for f in frames if not f.nowhere]
    if not live:
        return NOWHERE
    pins = dict(live[0].pins)
    for f in live[1:]:
        pins = {
            name: term
            for name, term in pins.items()
            if name in f.pins and repr(f.pins[name]) == repr(term)
        }
    return Frame(False, pins)
