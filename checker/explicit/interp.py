"""The reference interpreter: the IR's meaning, written to be obviously right, not fast.

It evaluates formulas by direct recursion and enumerates quantifiers and action parameters with
`itertools.product`, over structured states (see `layout`). The compiled engine must agree with it
on every state; tests check that, and `reference_bfs` is the oracle for state counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker import ir
from checker.explicit.layout import Layout, Structured
from checker.instance import Instance

Env = Mapping[str, int]


@dataclass(frozen=True)
class Step:
    action: int  # index into spec.actions
    params: tuple[int, ...]
    state: Structured


class Interpreter:
    def __init__(self, inst: Instance, layout: Layout | None = None) -> None:
        self.inst = inst
        self.spec = inst.spec
        self.layout = layout or Layout(inst)
        self.index = {lay.decl.name: i for i, lay in enumerate(self.layout.symbols)}

    # -- expressions -------------------------------------------------------------------------

    def term(self, t: ir.Term, env: Env, state: Sequence[Any], post: Sequence[Any] | None) -> int:
        if isinstance(t, ir.Var):
            return env[t.name]
        if isinstance(t, ir.Elem):
            return self.inst.elem_code(t)
        if isinstance(t, ir.App):
            args = tuple(self.term(a, env, state, post) for a in t.args)
            src = post if t.primed else state
            assert src is not None
            lay = self.layout.by_name[t.symbol]
            value: int = src[self.index[t.symbol]][lay.index(args)]
            return value
        if isinstance(t, ir.TermIte):
            branch = t.then if self.formula(t.cond, env, state, post) else t.else_
            return self.term(branch, env, state, post)
        raise AssertionError(f"unknown term {t!r}")

    def formula(
        self, f: ir.Formula, env: Env, state: Sequence[Any], post: Sequence[Any] | None
    ) -> bool:
        if isinstance(f, ir.BoolLit):
            return f.value
        if isinstance(f, ir.Atom):
            args = tuple(self.term(a, env, state, post) for a in f.args)
            decl = self.spec.symbol(f.symbol)
            if any(c < self.inst.lo(t) for c, t in zip(args, decl.args, strict=True)):
                return False  # bottom in a column without bottom
            src = post if f.primed else state
            assert src is not None
            return args in src[self.index[f.symbol]]
        if isinstance(f, ir.Member):
            quorums = self.inst.sorts[f.sort].quorums
            assert quorums is not None
            return (
                self.term(f.elem, env, state, post)
                in quorums[self.term(f.quorum, env, state, post)]
            )
        if isinstance(f, ir.Eq):
            return self.term(f.left, env, state, post) == self.term(f.right, env, state, post)
        if isinstance(f, ir.Lt):
            return self.term(f.left, env, state, post) < self.term(f.right, env, state, post)
        if isinstance(f, ir.Le):
            return self.term(f.left, env, state, post) <= self.term(f.right, env, state, post)
        if isinstance(f, ir.Not):
            return not self.formula(f.arg, env, state, post)
        if isinstance(f, ir.And):
            return all(self.formula(a, env, state, post) for a in f.args)
        if isinstance(f, ir.Or):
            return any(self.formula(a, env, state, post) for a in f.args)
        if isinstance(f, ir.Implies):
            return (not self.formula(f.left, env, state, post)) or self.formula(
                f.right, env, state, post
            )
        if isinstance(f, ir.Iff):
            return self.formula(f.left, env, state, post) == self.formula(f.right, env, state, post)
        if isinstance(f, ir.FormulaIte):
            branch = f.then if self.formula(f.cond, env, state, post) else f.else_
            return self.formula(branch, env, state, post)
        if isinstance(f, ir.Forall | ir.Exists):
            names = [v.name for v in f.vars]
            results = (
                self.formula(f.body, {**env, **dict(zip(names, codes, strict=True))}, state, post)
                for codes in self.inst.product([v.type for v in f.vars])
            )
            return all(results) if isinstance(f, ir.Forall) else any(results)
        if isinstance(f, ir.WellTyped):
            src = post if f.primed else state
            assert src is not None
            return self.well_typed(src)
        raise AssertionError(f"unknown formula {f!r}")

    def well_typed(self, state: Sequence[Any]) -> bool:
        for i, lay in enumerate(self.layout.symbols):
            if not lay.is_relation and any(
                not lay.result_lo <= c < lay.result_hi for c in state[i]
            ):
                return False
        return True

    # -- actions -----------------------------------------------------------------------------

    def execute(
        self, act: ir.Action, params: tuple[int, ...], state: Structured
    ) -> Structured | None:
        """Run an action instance; None if a guard fails."""
        env = dict(zip((v.name for v in act.params), params, strict=True))
        work: list[Any] = [set(v) if isinstance(v, frozenset) else list(v) for v in state]
        for stmt in act.body:
            if isinstance(stmt, ir.Require):
                if not self.formula(stmt.cond, env, work, None):
                    return None
                continue
            i = self.index[stmt.symbol]  # type: ignore[attr-defined]
            lay = self.layout.symbols[i]
            if isinstance(stmt, ir.Insert):
                work[i].add(tuple(self.term(a, env, work, None) for a in stmt.args))
            elif isinstance(stmt, ir.Remove):
                work[i].discard(tuple(self.term(a, env, work, None) for a in stmt.args))
            elif isinstance(stmt, ir.SetFn):
                args = tuple(self.term(a, env, work, None) for a in stmt.args)
                work[i][lay.index(args)] = self.term(stmt.value, env, work, None)
            elif isinstance(stmt, ir.UpdateRel):
                names = [v.name for v in stmt.vars]
                work[i] = {
                    codes
                    for codes in self.inst.product([v.type for v in stmt.vars])
                    if self.formula(
                        stmt.body, {**env, **dict(zip(names, codes, strict=True))}, work, None
                    )
                }
            elif isinstance(stmt, ir.UpdateFn):
                names = [v.name for v in stmt.vars]
                work[i] = [
                    self.term(
                        stmt.body, {**env, **dict(zip(names, codes, strict=True))}, work, None
                    )
                    for codes in self.inst.product([v.type for v in stmt.vars])
                ]
            else:
                raise AssertionError(stmt)
        return tuple(frozenset(v) if isinstance(v, set) else tuple(v) for v in work)

    def successors(self, state: Structured) -> list[Step]:
        out = []
        for k, act in enumerate(self.spec.actions):
            for params in self.inst.product([v.type for v in act.params]):
                nxt = self.execute(act, params, state)
                if nxt is not None:
                    out.append(Step(k, params, nxt))
        return out

    def zero_state(self) -> Structured:
        out: list[Any] = []
        for lay in self.layout.symbols:
            decl = lay.decl
            if lay.is_relation:
                out.append(frozenset())
            else:
                init = decl.init
                code = self.inst.elem_code(init) if isinstance(init, ir.Elem) else lay.result_lo
                out.append((code,) * lay.count)
        return tuple(out)

    def initial_states(self) -> list[tuple[int, tuple[int, ...], Structured]]:
        """Initial states in order, each with the @init that made it (-1: the declared zero state)."""
        zero = self.zero_state()
        if not self.spec.inits:
            return [(-1, (), zero)]
        seen: set[Structured] = set()
        out = []
        for k, act in enumerate(self.spec.inits):
            for params in self.inst.product([v.type for v in act.params]):
                st = self.execute(act, params, zero)
                if st is not None and st not in seen:
                    seen.add(st)
                    out.append((k, params, st))
        return out

    def holds(self, prop: ir.Property, state: Structured, post: Structured | None = None) -> bool:
        return self.formula(prop.formula, {}, state, post)


def reference_bfs(
    interp: Interpreter, invariants: Sequence[ir.Property] = (), limit: int = 10**6
) -> tuple[int, int, Structured | None]:
    """Plain BFS over structured states: (distinct states, depth, first violating state or None).

    No symmetry, constraints or tricks: this is the oracle the compiled engine is tested against.
    """
    constraints = interp.spec.properties_of(ir.PropertyKind.CONSTRAINT)
    frontier = []
    seen: set[Structured] = set()
    for _, _, st in interp.initial_states():
        if all(interp.holds(c, st) for c in constraints) and st not in seen:
            seen.add(st)
            frontier.append(st)
    depth = 1 if frontier else 0
    for st in frontier:
        for inv in invariants:
            if not interp.holds(inv, st):
                return len(seen), depth, st
    while frontier:
        nxt = []
        for st in frontier:
            for step in interp.successors(st):
                t = step.state
                if t in seen or not all(interp.holds(c, t) for c in constraints):
                    continue
                seen.add(t)
                nxt.append(t)
                for inv in invariants:
                    if not interp.holds(inv, t):
                        return len(seen), depth + 1, t
                if len(seen) > limit:
                    raise RuntimeError("reference_bfs: state limit exceeded")
        if nxt:
            depth += 1
        frontier = nxt
    return len(seen), depth, None
