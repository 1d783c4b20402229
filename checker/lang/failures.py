"""When evaluating an expression fails: a value outside its integer sort, a division by zero, a
CHOOSE that no value satisfies.

TLC stops with an error and the trace that reached it when an expression cannot be evaluated
(`f[x + 1]` outside the domain of `f`, `x \\div 0`); paxoscope reports the same, in every
engine, by turning the failures into formulas at trace time:

- before a statement that can fail, the tracer puts `Check(cond)`, where `cond` holds exactly
  when evaluating the statement fails; the engines evaluate it as they evaluate a guard, and
  report the action instance as an error where it holds;
- a property that can fail gets a companion property `defined(name)` (see `checked_property`)
  that holds where it can be evaluated, checked before it.

`failure(e)` follows evaluation as TLC does it for connectives: `p & q` fails if `p` fails or
`p` holds and `q` fails (so `(x > 0) & (f(x - 1) == 0)` does not fail at x = 0), likewise `|`,
`implies` and `ite`. A quantifier fails if its body fails for some element (TLC may stop
earlier, at the first element that decides it: where TLC finds no error, paxoscope may).
"""

from __future__ import annotations

from typing import assert_never

from checker import ir
from checker.errors import Loc, SpecError

Bounds = dict[str, tuple[ir.Size, ir.Size]]  # integer sort -> (smallest, largest) value


def failure(e: ir.Expr | ir.Stmt, bounds: Bounds) -> ir.Formula | None:
    """The condition under which evaluating `e` fails; None when it never does."""
    if isinstance(e, ir.Stmt):
        return _stmt(e, bounds)
    if isinstance(e, ir.Term):
        return _term(e, bounds)
    assert isinstance(e, ir.Formula)
    return _formula(e, bounds)


def _any(parts: list[ir.Formula | None], loc: Loc) -> ir.Formula | None:
    live = [p for p in parts if p is not None]
    if not live:
        return None
    return live[0] if len(live) == 1 else ir.Or(tuple(live), loc=loc)


def _given(cond: ir.Formula, fails: ir.Formula | None) -> ir.Formula | None:
    return None if fails is None else ir.And((cond, fails), loc=cond.loc)


def _exists(variables: tuple[ir.Var, ...], fails: ir.Formula | None) -> ir.Formula | None:
    return None if fails is None else ir.Exists(variables, fails, loc=fails.loc)


def _term(t: ir.Term, b: Bounds) -> ir.Formula | None:
    match t:
        case ir.Var() | ir.Elem() | ir.IntLit():
            return None
        case ir.App():
            return _any([_term(a, b) for a in t.args], t.loc)
        case ir.TermIte():
            return _ite(t.cond, _term(t.then, b), _term(t.else_, b), b)
        case ir.Arith():
            parts = [_term(t.left, b), _term(t.right, b)]
            if t.op in ("//", "%"):
                parts.append(ir.Eq(t.right, ir.IntLit(0, loc=t.loc), loc=t.loc))
            return _any(parts, t.loc)
        case ir.ToInt():
            return _term(t.arg, b)
        case ir.Count():
            return _exists(t.vars, _formula(t.body, b))
        case ir.Choose():
            inner = _exists(t.vars, _formula(t.body, b))
            if t.total:
                return inner
            return _any([inner, ir.Not(ir.Exists(t.vars, t.body, loc=t.loc), loc=t.loc)], t.loc)
        case ir.Cast():
            inner = _term(t.arg, b)
            if t.guarded:
                return inner
            lo, hi = b[t.sort]
            outside = ir.Or(
                (
                    ir.Lt(t.arg, ir.IntLit(lo, loc=t.loc), loc=t.loc),
                    ir.Lt(ir.IntLit(hi, loc=t.loc), t.arg, loc=t.loc),
                ),
                loc=t.loc,
            )
            return _any([inner, outside], t.loc)
        case _:
            assert_never(t)


def _ite(
    cond: ir.Formula, then: ir.Formula | None, else_: ir.Formula | None, b: Bounds
) -> ir.Formula | None:
    return _any(
        [
            _formula(cond, b),
            _given(cond, then),
            _given(ir.Not(cond, loc=cond.loc), else_),
        ],
        cond.loc,
    )


def _formula(f: ir.Formula, b: Bounds) -> ir.Formula | None:
    match f:
        case ir.BoolLit() | ir.WellTyped() | ir.Enabled():
            return None
        case ir.Atom():
            return _any([_term(a, b) for a in f.args], f.loc)
        case ir.Member():
            return _any([_term(f.elem, b), _term(f.quorum, b)], f.loc)
        case ir.Eq() | ir.Lt() | ir.Le():
            return _any([_term(f.left, b), _term(f.right, b)], f.loc)
        case ir.Not():
            return _formula(f.arg, b)
        case ir.And() | ir.Or():
            # Left to right, each part only where the ones before it did not decide.
            parts: list[ir.Formula | None] = []
            before: list[ir.Formula] = []
            for a in f.args:
                fails = _formula(a, b)
                if fails is not None:
                    parts.append(ir.And((*before, fails), loc=f.loc) if before else fails)
                before.append(a if isinstance(f, ir.And) else ir.Not(a, loc=f.loc))
            return _any(parts, f.loc)
        case ir.Implies():
            return _any([_formula(f.left, b), _given(f.left, _formula(f.right, b))], f.loc)
        case ir.Iff():
            return _any([_formula(f.left, b), _formula(f.right, b)], f.loc)
        case ir.FormulaIte():
            return _ite(f.cond, _formula(f.then, b), _formula(f.else_, b), b)
        case ir.Forall() | ir.Exists():
            return _exists(f.vars, _formula(f.body, b))
        case _:
            assert_never(f)


def _stmt(s: ir.Stmt, b: Bounds) -> ir.Formula | None:
    match s:
        case ir.Require() | ir.Check():
            return _formula(s.cond, b)
        case ir.Insert() | ir.Remove():
            return _any([_term(a, b) for a in s.args], s.loc)
        case ir.SetFn():
            return _any([*(_term(a, b) for a in s.args), _term(s.value, b)], s.loc)
        case ir.UpdateRel():
            return _exists(s.vars, _formula(s.body, b))
        case ir.UpdateFn():
            return _exists(s.vars, _term(s.body, b))
        case _:
            assert_never(s)


def checked_property(prop: ir.Property, bounds: Bounds) -> ir.Property | None:
    """`defined(name)`: the companion of a property that can fail to evaluate, holding where
    it can be evaluated; None when it cannot fail."""
    fails = _formula(prop.formula, bounds)
    if fails is None:
        return None
    return ir.Property(
        f"defined({prop.name})",
        prop.kind,
        ir.Not(fails, loc=prop.loc),
        f"{prop.name} can be evaluated: no value outside its integer sort, no division by zero, "
        "a value for every CHOOSE",
        prop.loc,
    )


def checked_liveness(live: ir.Liveness, bounds: Bounds) -> ir.Property | None:
    """`defined(name)` for a `@liveness` property whose state (or step) formulas can fail to
    evaluate: an invariant (an action property, when they read the state after a step) that
    holds where they can be evaluated, for every binding of its variables — TLC evaluates them
    in every state of the graph, and reports the first that fails. None when they cannot."""
    fails = _any([_formula(live.p, bounds), _formula(live.q, bounds) if live.q else None], live.loc)
    if fails is None:
        return None
    if any(isinstance(e, ir.Enabled) for e in ir.walk(fails)):
        raise SpecError(
            f"liveness property `{live.name}` can fail to evaluate (a value outside its integer "
            "sort, a division by zero, a CHOOSE nothing satisfies) depending on enabled(...): "
            "state where it can fail apart from enabled(...), or make it total",
            live.loc,
        )
    if live.vars:
        fails = ir.Exists(live.vars, fails, loc=live.loc)
    step = ir.is_step(fails)
    return ir.Property(
        f"defined({live.name})",
        ir.PropertyKind.ACTION_PROPERTY if step else ir.PropertyKind.INVARIANT,
        ir.Not(fails, loc=live.loc),
        f"the formulas of {live.name} can be evaluated in every state",
        live.loc,
    )
