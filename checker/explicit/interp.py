"""The reference interpreter: the IR's meaning, written to be obviously right, not fast.

It evaluates formulas by direct recursion and enumerates quantifiers and action parameters with
`itertools.product`, over structured states (see `layout`). The compiled engine must agree with it
on every state; tests check that, and `reference_bfs` is the oracle for state counts.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, assert_never

from checker import ir
from checker.errors import SpecError
from checker.explicit.layout import Layout, Structured, SymbolLayout, Value
from checker.instance import Instance

Env = Mapping[str, int]

MAX_STARTS = 1 << 20  # combinations of arbitrary initial values the explicit engines enumerate


@dataclass(frozen=True)
class Step:
    action: int  # index into spec.actions
    params: tuple[int, ...]
    state: Structured


class Failed(Exception):
    """An action instance reached a Check that holds: it fails (`execute` raises this)."""

    def __init__(self, act: ir.Action, params: tuple[int, ...], check: ir.Check) -> None:
        super().__init__(f"{act.name}{params}: {check.what}")
        self.act, self.params, self.check = act, params, check


class InitFailed(SpecError):
    """An @init instance fails from one of its starts (a value outside its integer sort): the
    initial states are ill-defined, which is reported as an error in the spec (exit 2) naming
    the @init, its parameters and the line, since no trace leads there."""

    def __init__(self, failed: Failed, shown: str, start: Structured, why: str = "") -> None:
        super().__init__(
            f"@init {shown} fails{why}: {failed.check.what}, for some of its starting values",
            failed.check.loc,
        )
        self.failed, self.start = failed, start


def _mutable(work: list[Any], i: int) -> Any:
    """Symbol `i` of a working state, copied into a set or list of its own on first write."""
    value = work[i]
    if isinstance(value, frozenset):
        value = work[i] = set(value)
    elif isinstance(value, tuple):
        value = work[i] = list(value)
    return value


def _frozen(work: list[Any]) -> Structured:
    return tuple(
        frozenset(v) if isinstance(v, set) else tuple(v) if isinstance(v, list) else v for v in work
    )


class Interpreter:
    def __init__(self, inst: Instance, layout: Layout | None = None) -> None:
        self.inst = inst
        self.spec = inst.spec
        self.layout = layout or Layout(inst)
        self.index = {lay.decl.name: i for i, lay in enumerate(self.layout.symbols)}
        # per symbol, the smallest code of each column (an atom over a smaller one is false)
        self.lows = {d.name: tuple(inst.lo(t) for t in d.args) for d in self.spec.symbols}
        self._domains: dict[int, tuple[Sequence[ir.Var], list[tuple[int, ...]]]] = {}

    # -- expressions -------------------------------------------------------------------------

    def term(self, t: ir.Term, env: Env, state: Sequence[Any], post: Sequence[Any] | None) -> int:
        match t:
            case ir.Var():
                return env[t.name]
            case ir.Elem():
                return self.inst.elem_code(t)
            case ir.App():
                args = tuple(self.term(a, env, state, post) for a in t.args)
                src = post if t.primed else state
                assert src is not None
                lay = self.layout.by_name[t.symbol]
                value: int = src[self.index[t.symbol]][lay.index(args)]
                return value
            case ir.TermIte():
                branch = t.then if self.formula(t.cond, env, state, post) else t.else_
                return self.term(branch, env, state, post)
            case ir.IntLit():
                return self.inst.int_value(t)
            case ir.Arith():
                a = self.term(t.left, env, state, post)
                return ir.arith(t.op, a, self.term(t.right, env, state, post))
            case ir.ToInt():
                return self.term(t.arg, env, state, post) + self.inst.sorts[t.arg.type.sort].bias
            case ir.Cast():
                return self.term(t.arg, env, state, post) - self.inst.sorts[t.sort].bias
            case ir.Count():
                names = [v.name for v in t.vars]
                return sum(
                    self.formula(
                        t.body, {**env, **dict(zip(names, codes, strict=True))}, state, post
                    )
                    for codes in self.domain(t.vars)
                )
            case ir.Choose():
                (var,) = t.vars
                codes = self.inst.codes(var.type)
                for code in codes:
                    if self.formula(t.body, {**env, var.name: code}, state, post):
                        return code
                return codes.start  # none: a Check or defined(...) before this reports it
            case _:
                assert_never(t)

    def domain(self, variables: Sequence[ir.Var]) -> list[tuple[int, ...]]:
        """Every tuple of codes the variables range over, in the engines' order (memoized)."""
        hit = self._domains.get(id(variables))
        if hit is not None and hit[0] is variables:  # kept alive by the memo: ids stay unique
            return hit[1]
        found = list(self.inst.product([v.type for v in variables]))
        self._domains[id(variables)] = (variables, found)
        return found

    def formula(
        self, f: ir.Formula, env: Env, state: Sequence[Any], post: Sequence[Any] | None
    ) -> bool:
        # the common cases first (a match tries its cases in order)
        match f:
            case ir.Atom():
                args = tuple(self.term(a, env, state, post) for a in f.args)
                if any(c < lo for c, lo in zip(args, self.lows[f.symbol], strict=True)):
                    return False  # bottom in a column without bottom
                src = post if f.primed else state
                assert src is not None
                return args in src[self.index[f.symbol]]
            case ir.And():
                return all(self.formula(a, env, state, post) for a in f.args)
            case ir.Not():
                return not self.formula(f.arg, env, state, post)
            case ir.Eq():
                return self.term(f.left, env, state, post) == self.term(f.right, env, state, post)
            case ir.Forall() | ir.Exists():
                names = [v.name for v in f.vars]
                results = (
                    self.formula(
                        f.body, {**env, **dict(zip(names, codes, strict=True))}, state, post
                    )
                    for codes in self.domain(f.vars)
                )
                return all(results) if isinstance(f, ir.Forall) else any(results)
            case ir.Or():
                return any(self.formula(a, env, state, post) for a in f.args)
            case ir.Implies():
                return (not self.formula(f.left, env, state, post)) or self.formula(
                    f.right, env, state, post
                )
            case ir.BoolLit():
                return f.value
            case ir.Member():
                quorums = self.inst.sorts[f.sort].quorums
                assert quorums is not None
                quorum = quorums[self.term(f.quorum, env, state, post)]
                return self.term(f.elem, env, state, post) in quorum
            case ir.Lt():
                return self.term(f.left, env, state, post) < self.term(f.right, env, state, post)
            case ir.Le():
                return self.term(f.left, env, state, post) <= self.term(f.right, env, state, post)
            case ir.Iff():
                left = self.formula(f.left, env, state, post)
                return left == self.formula(f.right, env, state, post)
            case ir.FormulaIte():
                branch = f.then if self.formula(f.cond, env, state, post) else f.else_
                return self.formula(branch, env, state, post)
            case ir.WellTyped():
                src = post if f.primed else state
                assert src is not None
                return self.well_typed(src)
            case ir.Enabled():
                values = {n: self.term(t, env, state, post) for n, t in f.args}
                return self.enabled(f, values, state)
            case _:
                assert_never(f)

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
        work: list[Any] = list(state)  # each symbol is copied when first written (_write)
        for stmt in act.body:
            if isinstance(stmt, ir.Require):
                if not self.formula(stmt.cond, env, work, None):
                    return None
                continue
            if isinstance(stmt, ir.Check):
                if self.formula(stmt.cond, env, work, None):
                    raise Failed(act, params, stmt)
                continue
            self._write(stmt, env, work)
        return _frozen(work)

    def _write(self, stmt: ir.Stmt, env: Env, work: list[Any]) -> None:
        """Apply one update statement to the working state, reading the state as it is before
        the statement. A symbol is a frozenset (relations) or tuple (functions) until first
        written, then a set or list of this working state's own."""

        def bound(variables: tuple[ir.Var, ...], codes: tuple[int, ...]) -> Env:
            return {**env, **dict(zip((v.name for v in variables), codes, strict=True))}

        match stmt:
            case ir.Require() | ir.Check():
                raise AssertionError("guards and checks are evaluated by execute")
            case ir.Insert():
                args = tuple(self.term(a, env, work, None) for a in stmt.args)
                _mutable(work, self.index[stmt.symbol]).add(args)
            case ir.Remove():
                args = tuple(self.term(a, env, work, None) for a in stmt.args)
                _mutable(work, self.index[stmt.symbol]).discard(args)
            case ir.SetFn():
                i = self.index[stmt.symbol]
                args = tuple(self.term(a, env, work, None) for a in stmt.args)
                value = self.term(stmt.value, env, work, None)
                _mutable(work, i)[self.layout.symbols[i].index(args)] = value
            case ir.UpdateRel():
                work[self.index[stmt.symbol]] = {
                    codes
                    for codes in self.domain(stmt.vars)
                    if self.formula(stmt.body, bound(stmt.vars, codes), work, None)
                }
            case ir.UpdateFn():
                work[self.index[stmt.symbol]] = [
                    self.term(stmt.body, bound(stmt.vars, codes), work, None)
                    for codes in self.domain(stmt.vars)
                ]
            case _:
                assert_never(stmt)

    def state_at(
        self, act: ir.Action, params: tuple[int, ...], state: Structured, position: int
    ) -> tuple[dict[str, int], Structured]:
        """The parameters' bindings and the state as the action's statements before
        `position` leave it (its guards assumed to hold)."""
        env = dict(zip((v.name for v in act.params), params, strict=True))
        work: list[Any] = list(state)
        for stmt in act.body[:position]:
            if not isinstance(stmt, ir.Require | ir.Check):
                self._write(stmt, env, work)
        return env, _frozen(work)

    def enabled(self, f: ir.Enabled, values: Mapping[str, int], state: Sequence[Any]) -> bool:
        """TLA+'s `ENABLED <<A>>_vars`: some instance of the action, with the parameters named
        in `values` fixed, takes a step from `state` that changes it (an instance that fails
        takes none)."""
        act = self.spec.action(f.action)
        fixed = [(i, values[v.name]) for i, v in enumerate(act.params) if v.name in values]
        here = tuple(state)
        for params in self.domain(act.params):
            if any(params[i] != c for i, c in fixed):
                continue
            try:
                nxt = self.execute(act, params, here)
                if nxt is not None and nxt != here:
                    return True
            except Failed:
                continue
        return False

    def successors(self, state: Structured) -> list[Step]:
        """The steps of every enabled action instance; an instance that fails (a Check holds)
        is left out: `failures` lists those."""
        return [o for o in self.outcomes(state) if isinstance(o, Step)]

    def failures(self, state: Structured) -> list[Failed]:
        """The action instances that fail from `state`, in instance order."""
        return [o for o in self.outcomes(state) if isinstance(o, Failed)]

    def outcomes(self, state: Structured) -> Iterator[Step | Failed]:
        """Every action instance's outcome from `state`, in instance order: its step, or its
        failure (instances whose guard is false yield nothing)."""
        for k, act in enumerate(self.spec.actions):
            for params in self.domain(act.params):
                try:
                    nxt = self.execute(act, params, state)
                except Failed as failed:
                    yield failed
                    continue
                if nxt is not None:
                    yield Step(k, params, nxt)

    def show(self, act: ir.Action, params: tuple[int, ...]) -> str:
        """`start(b=3)`: an action instance with its parameters' labels."""
        shown = ", ".join(
            f"{v.name}={self.inst.label(v.type.sort, c)}"
            for v, c in zip(act.params, params, strict=True)
        )
        return f"{act.name}({shown})"

    def zero_state(self) -> Structured:
        out: list[Any] = []
        for lay in self.layout.symbols:
            decl = lay.decl
            if lay.is_relation:  # empty, or every tuple (`init=True`)
                full = decl.init is True
                out.append(frozenset(self.inst.product(decl.args)) if full else frozenset())
            else:
                init = decl.init
                code = self.inst.elem_code(init) if isinstance(init, ir.Elem) else lay.result_lo
                out.append((code,) * lay.count)
        return tuple(out)

    def initial_states(
        self, limit: int = MAX_STARTS
    ) -> list[tuple[int, tuple[int, ...], Structured]]:
        """Initial states in order, each with the @init that made it (-1: the declared zero
        state): for every value of the symbols declared with `init=arbitrary` (or rigid)
        that satisfies the axioms, each @init's successful runs."""
        seen: set[Structured] = set()
        out: list[tuple[int, tuple[int, ...], Structured]] = []
        axioms = self.spec.properties_of(ir.PropertyKind.AXIOM)
        for start in self._starts(limit):
            if not all(self.holds(a, start) for a in axioms):
                continue
            if not self.spec.inits and start not in seen:
                seen.add(start)
                out.append((-1, (), start))
            for k, act in enumerate(self.spec.inits):
                for params in self.domain(act.params):
                    try:
                        st = self.execute(act, params, start)
                    except Failed as failed:
                        raise InitFailed(failed, self.show(act, params), start) from None
                    if st is not None and st not in seen:
                        seen.add(st)
                        out.append((k, params, st))
        return out

    @functools.cached_property
    def _rigid_listing(self) -> tuple[list[int], list[tuple[Value, ...]]]:
        """With axioms: the rigid symbols, and their interpretations that satisfy the axioms,
        which z3 lists (`checker.symbolic.interpretations`): enumerating every value of a
        ring's `btw` would be hopeless. Without axioms: nothing listed."""
        symbols = self.layout.symbols
        if not self.spec.properties_of(ir.PropertyKind.AXIOM):
            return [], []
        listed = [i for i, lay in enumerate(symbols) if lay.decl.rigid]
        from checker.symbolic.interpretations import rigid_interpretations  # z3: lazily

        found = rigid_interpretations(self.inst, MAX_STARTS)
        return listed, [tuple(m[symbols[i].decl.name] for i in listed) for m in found]

    def _free(self) -> list[int]:
        listed, _ = self._rigid_listing
        return [
            i for i, lay in enumerate(self.layout.symbols) if lay.decl.arbitrary and i not in listed
        ]

    def start_count(self) -> int:
        """How many starts there are (combinations of arbitrary and rigid initial values)."""
        listed, listing = self._rigid_listing
        count = math.prod(self._count_values(self.layout.symbols[i]) for i in self._free())
        return count * len(listing) if listed else count

    def start_spaces(
        self, limit: int = MAX_STARTS
    ) -> tuple[Structured, list[list[int]], list[list[tuple[Value, ...]]]]:
        """The declared initial values, groups of symbols whose initial value is not fixed
        (each arbitrary symbol alone; the rigid symbols together when axioms constrain them),
        and the values each group can take: the starts are their product, in this order. A
        SpecError when there are more than `limit` starts."""
        symbols = self.layout.symbols
        listed, listing = self._rigid_listing
        free = self._free()
        count = self.start_count()
        if count > limit:
            names = ", ".join(f"`{symbols[i].decl.name}`" for i in (*free, *listed))
            raise SpecError(
                f"{names} start with any of {count:,} values (arbitrary or rigid), more than "
                f"the explicit engines enumerate ({limit:,}): use fewer elements, or give "
                "some of them a declared initial value",
                symbols[(*free, *listed)[0]].decl.loc,
            )
        spaces: list[list[tuple[Value, ...]]] = [
            [(v,) for v in self._values(symbols[i])] for i in free
        ]
        if listed:
            spaces.append(listing)
        positions = [[i] for i in free] + ([listed] if listed else [])
        return self.zero_state(), positions, spaces

    def _starts(self, limit: int = MAX_STARTS) -> Iterator[Structured]:
        """The declared initial values, with every combination of the values of the symbols
        whose initial value is not fixed (in a fixed order: the engines' initial states keep
        it)."""
        zero, positions, spaces = self.start_spaces(limit)
        for combo in itertools.product(*spaces):
            state = list(zero)
            for where, values in zip(positions, combo, strict=True):
                for i, value in zip(where, values, strict=True):
                    state[i] = value
            yield tuple(state)

    def _count_values(self, lay: SymbolLayout) -> int:
        tuples = math.prod(self.inst.domain_size(t) for t in lay.decl.args)
        values = 2 if lay.is_relation else lay.result_hi - lay.result_lo
        return int(values**tuples)

    def _values(self, lay: SymbolLayout) -> list[Value]:
        """Every value a symbol can hold: the subsets of its tuples, or its functions."""
        tuples = list(self.inst.product(lay.decl.args))
        if lay.is_relation:
            return [
                frozenset(t for i, t in enumerate(tuples) if mask >> i & 1)
                for mask in range(1 << len(tuples))
            ]
        codes = range(lay.result_lo, lay.result_hi)
        return list(itertools.product(codes, repeat=len(tuples)))

    def checked_initial_states(
        self, limit: int = MAX_STARTS
    ) -> list[tuple[int, tuple[int, ...], Structured]]:
        """`initial_states()`, or a SpecError when there is none, or when the constraints
        exclude every one: an empty state space would otherwise pass every property."""
        found = self.initial_states(limit)
        constraints = self.spec.properties_of(ir.PropertyKind.CONSTRAINT)
        self.check_initial_states(
            bool(found),
            lambda: any(all(self.holds(c, st) for c in constraints) for _, _, st in found),
        )
        return found

    def check_initial_states(self, found: bool, in_model: Callable[[], bool]) -> None:
        """A SpecError when no initial state was `found`, or none is `in_model` (satisfies the
        constraints)."""
        if not found:
            axioms = self.spec.properties_of(ir.PropertyKind.AXIOM)
            if not self.spec.inits:  # only the axioms can leave nothing
                names = ", ".join(f"`{a.name}`" for a in axioms)
                raise SpecError(
                    f"no initial state: no interpretation of the rigid symbols satisfies the "
                    f"axioms {names} (with {dict(self.inst.params)})",
                    axioms[0].loc,
                )
            names = ", ".join(f"`{a.name}`" for a in self.spec.inits)
            also = " (and the axioms)" if axioms else ""
            raise SpecError(
                f"no initial state: the guards of @init {names}{also} fail for every choice of "
                f"parameters and arbitrary values (with {dict(self.inst.params)})",
                self.spec.inits[0].loc,
            )
        if not in_model():
            constraints = self.spec.properties_of(ir.PropertyKind.CONSTRAINT)
            names = ", ".join(f"`{c.name}`" for c in constraints)
            raise SpecError(
                f"no initial state satisfies the constraint(s) {names}: nothing would be explored",
                constraints[0].loc,
            )

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
