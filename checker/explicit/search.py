"""State-space search over compiled specs: `Engine`, a spec instance compiled for search (the
`contract.SearchEngine` every engine runs on), and the reference engine's breadth-first and
depth-first searches; `run` hands breadth-first searches to the vector engine by default, and
random simulation to `simulate`. What a search is asked and answers is in `contract`.

Breadth-first search is TLC's model: depth counts the initial states as 1, the first violation
found is at the smallest depth, and its trace is a shortest one. The order in which states are
found is fixed (actions in declaration order, parameters in lexicographic order), so the same
spec and parameters always give the same counts and the same counterexample.

States are packed integers (see `layout`), stored in the order found; the visited set holds
each state (its canonical form under symmetry); parents are indices in an array, and a trace is
rebuilt by replaying the labelled successor functions along the parent chain, mapping
symmetry-reduced steps back to concrete ones with the permutation witness. A breadth-first
search can checkpoint at level boundaries and resume from there (`checkpoint`).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import time
from array import array
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from checker import ir
from checker.explicit import contract
from checker.explicit.checkpoint import Checkpointer, Position, identity
from checker.explicit.contract import (
    ActionCoverage,
    Failure,
    Options,
    Perm,
    Progress,
    SearchResult,
    TraceStep,
    Violation,
    ViolationKind,
)
from checker.explicit.explain import explain_failure
from checker.explicit.interp import MAX_STARTS, InitFailed, Interpreter
from checker.explicit.layout import Layout
from checker.instance import Instance

if TYPE_CHECKING:
    from checker.explicit.codegen import CompiledSpec
    from checker.explicit.liveprops import LiveCheck
    from checker.explicit.symmetry import Symmetry

# More combinations of arbitrary initial values than FAST_STARTS are run through the compiled
# @init code rather than the interpreter, up to MAX_FAST_STARTS.
FAST_STARTS = 1 << 12
MAX_FAST_STARTS = 1 << 24


def compiled_initial_states(
    interp: Interpreter, compiled: CompiledSpec
) -> list[tuple[int, tuple[int, ...], int]] | None:
    """`interp.initial_states()`, packed, computed by the compiled @init functions and axioms
    over packed starts (the same starts, @inits and parameters, in the same order); None when
    an @init instance fails (a Check holds), which the interpreter then reports."""
    layout, spec = interp.layout, interp.spec
    zero, positions, spaces = interp.start_spaces(MAX_FAST_STARTS)
    grouped = {i for group in positions for i in group}
    base = 0
    for i, (lay, value) in enumerate(zip(layout.symbols, zero, strict=True)):
        if i not in grouped:
            base |= layout.pack_symbol(lay, value)
    bits = [  # each group's values, packed (the symbols' bits are disjoint: a sum is an OR)
        [
            sum(
                layout.pack_symbol(layout.symbols[i], v) for i, v in zip(group, values, strict=True)
            )
            for values in space
        ]
        for group, space in zip(positions, spaces, strict=True)
    ]
    axioms = [compiled.properties[a.name] for a in spec.properties_of(ir.PropertyKind.AXIOM)]
    inits = list(zip(compiled.inits, compiled.init_params, strict=True))
    seen: set[int] = set()
    out: list[tuple[int, tuple[int, ...], int]] = []
    compiled.failed.clear()
    for combo in itertools.product(*bits):
        start = base + sum(combo)  # the symbols' bits are disjoint
        if axioms and not all(a(start) for a in axioms):
            continue
        if not inits and start not in seen:
            seen.add(start)
            out.append((-1, (), start))
        for k, (fn, params) in enumerate(inits):
            for x, index in fn(start):
                if x not in seen:
                    seen.add(x)
                    out.append((k, params[index], x))
            if compiled.failed:
                compiled.failed.clear()
                return None
    return out


class Engine:
    """A spec instance compiled for search."""

    def __init__(self, inst: Instance, options: Options) -> None:
        inst, self.live = _liveness_checks(inst, options)
        self.inst = inst
        self.spec = inst.spec
        self.options = options
        self.layout = Layout(inst)
        self.interp = Interpreter(inst, self.layout)
        self.symmetry: Symmetry | None = None
        if options.symmetry:
            from checker.explicit.symmetry import Symmetry

            self.symmetry = Symmetry(inst, self.layout)
        self.invariants = self._select(ir.PropertyKind.INVARIANT, options.invariants)
        self.action_properties = self._select(
            ir.PropertyKind.ACTION_PROPERTY, options.action_properties
        )
        self.inits = self._initial_states()

    def _initial_states(self) -> list[tuple[int, tuple[int, ...], int]]:
        """The initial states in the interpreter's order, each with the @init that made it
        (-1: the declared zero state) and its parameters. Many starts (arbitrary initial
        values) run the compiled @init code; a failing @init falls back to the interpreter,
        which reports it."""
        count = self.interp.start_count()
        if FAST_STARTS < count <= MAX_FAST_STARTS:
            fast = compiled_initial_states(self.interp, self.compiled)
            if fast is not None:
                constraints = [self.compiled.properties[p.name] for p in self._constraints()]
                self.interp.check_initial_states(
                    bool(fast), lambda: any(all(c(x) for c in constraints) for _, _, x in fast)
                )
                return fast
        limit = max(MAX_STARTS, min(count, MAX_FAST_STARTS))
        try:
            found = self.interp.checked_initial_states(limit)
        except InitFailed as exc:  # say why: the values outside their sorts
            f = exc.failed
            reasons = explain_failure(self.interp, f.act, f.params, f.check, exc.start)
            why = f" ({'; '.join(r.text for r in reasons)})" if reasons else ""
            raise InitFailed(f, self.interp.show(f.act, f.params), exc.start, why) from None
        return [(k, params, self.layout.pack(st)) for k, params, st in found]

    def _constraints(self) -> tuple[ir.Property, ...]:
        return self.spec.properties_of(ir.PropertyKind.CONSTRAINT)

    @functools.cached_property
    def compiled(self) -> CompiledSpec:
        """The scalar compiled functions: the reference search's, and every engine's traces."""
        from checker.explicit.codecache import compile_instance_cached

        return compile_instance_cached(self.inst, self.layout, self.options.limits)

    @functools.cached_property
    def constraints(self) -> list[Callable[[int], bool]]:
        return [
            self.compiled.properties[p.name]
            for p in self.spec.properties_of(ir.PropertyKind.CONSTRAINT)
        ]

    def _select(self, kind: ir.PropertyKind, names: Sequence[str] | None) -> list[ir.Property]:
        available = (
            self.spec.state_invariants()
            if kind is ir.PropertyKind.INVARIANT
            else self.spec.properties_of(kind)
        )
        return self.spec.select(available, names, kind.value.replace("_", " "))

    # -- helpers -----------------------------------------------------------------------------

    def in_model(self, s: int) -> bool:
        return all(c(s) for c in self.constraints)

    def broken_invariant(self, s: int) -> str | None:
        for p in self.invariants:
            if not self.compiled.properties[p.name](s):
                return p.name
        return None

    def broken_action_property(self, s: int, t: int) -> str | None:
        for p in self.action_properties:
            if not self.compiled.properties[p.name](s, t):
                return p.name
        return None

    def canon(self) -> Callable[[int], int] | None:
        return self.symmetry.canonical if self.symmetry else None

    def step_params(self, k: int, index: int) -> tuple[tuple[str, int, str], ...]:
        return _labels(self.spec.actions[k].params, self.compiled.params[k][index])

    def initial_step(self, x0: int) -> TraceStep:
        for k, params, s in self.inits:
            if s == x0:
                if k < 0:  # the declared initial state, no @init
                    return TraceStep(None, (), x0)
                init = self.spec.inits[k]
                return TraceStep(init.name, _labels(init.params, params), x0)
        raise AssertionError("initial state not found")

    def _concrete(
        self, k: int, index: int, t: int, witness: Perm | None
    ) -> tuple[tuple[tuple[str, int, str], ...], int]:
        """Parameters and successor of a stored step, mapped back to the concrete trace.

        Under symmetry the stored state is `witness` applied to the concrete one, so the concrete
        step is the stored one with the inverse of `witness` applied.
        """
        codes = self.compiled.params[k][index]
        if self.symmetry is None or witness is None:
            return self.step_params(k, index), t
        back = self.symmetry.inverse(witness)
        act = self.spec.actions[k]
        codes = self.symmetry.map_params(back, [v.type for v in act.params], codes)
        return _labels(act.params, codes), self.symmetry.apply(back, t)

    # -- trace reconstruction ----------------------------------------------------------------

    def trace_to(self, path: Sequence[int]) -> list[TraceStep]:
        """Concrete trace through the stored states `path` (canonical under symmetry)."""
        sym = self.symmetry
        # The first stored state is an initial state, or the canonical form of one.
        x0, witness = path[0], None
        if sym is not None:
            for _, _, s in self.inits:
                canon, perm = sym.canonical_with_witness(s)
                if canon == path[0]:
                    x0, witness = s, perm
                    break
        steps = [self.initial_step(x0)]
        if witness is not None:
            steps[0] = TraceStep(steps[0].action, steps[0].params, x0, witness)
        concrete = x0
        for stored, nxt in itertools.pairwise(path):
            step = self._find_step(stored, nxt, concrete, witness)
            steps.append(step)
            concrete, witness = step.state, step.witness
        return steps

    def concrete_step(self, k: int, index: int, t: int, witness: Perm | None) -> TraceStep:
        """Action k's step number `index` from a stored state, to stored-successor `t`, mapped
        to the concrete trace whose current state the stored one is `witness` of."""
        params, state = self._concrete(k, index, t, witness)
        name = self.spec.actions[k].name
        if self.symmetry is None or witness is None:
            return TraceStep(name, params, state)
        _, sigma = self.symmetry.canonical_with_witness(t)
        return TraceStep(name, params, state, self.symmetry.compose(sigma, witness))

    def _find_step(self, stored: int, nxt: int, concrete: int, witness: Perm | None) -> TraceStep:
        sym = self.symmetry
        for k, fn in enumerate(self.compiled.labelled):
            for t, index in fn(stored):
                if sym is None:
                    if t == nxt:
                        return TraceStep(self.spec.actions[k].name, self.step_params(k, index), t)
                    continue
                canon, sigma = sym.canonical_with_witness(t)
                if canon != nxt:
                    continue
                assert witness is not None
                params, state = self._concrete(k, index, t, witness)
                # Self-check: the mapped step is a real step of the concrete state.
                concrete_index = self.compiled.params[k].index(tuple(c for _, c, _ in params))
                assert (state, concrete_index) in self.compiled.labelled[k](concrete), (
                    "symmetry mapping"
                )
                name = self.spec.actions[k].name
                return TraceStep(name, params, state, sym.compose(sigma, witness))
        raise AssertionError("no step between consecutive trace states")

    def _path(self, parents: array[int], sid: int) -> list[int]:
        ids = []
        while sid >= 0:
            ids.append(sid)
            sid = parents[sid]
        return ids[::-1]

    # -- searches ----------------------------------------------------------------------------

    def run(self) -> SearchResult:
        """The search the options ask for (they were checked when built: `Options.validate`)."""
        options = self.options
        if self.live:
            options.validate_for_liveness()
        if options.mode == "simulate":
            from checker.explicit.simulate import simulate

            return simulate(self)
        if options.mode == "dfs":
            return self._graph_search(breadth_first=False)
        if options.engine == "vector":
            from checker.explicit.vector.bfs import VectorSearch

            return VectorSearch(self).run()
        result = self._graph_search(breadth_first=True)
        if self.live and result.violation is None and result.complete:
            from checker.explicit.livegraph import (
                check_liveness,
                reference_graph,
                reference_predicates,
            )

            graph, states = reference_graph(self)
            preds = reference_predicates(self, graph, states)
            self.liveness_outcome(result, check_liveness(self, graph, preds, states.__getitem__))
        return result

    def liveness_outcome(self, result: SearchResult, violation: Violation | None) -> None:
        """Record the liveness check's verdict on a complete search's result."""
        result.liveness = [c.name for c in self.live]
        if violation is not None:
            result.violation = violation
            result.complete = False

    def search_result(
        self,
        distinct: int,
        depth: int,
        transitions: int,
        started: float,
        coverage: list[ActionCoverage],
        violation: Violation | None,
        complete: bool,
    ) -> SearchResult:
        return SearchResult(
            distinct_states=distinct,
            depth=depth,
            transitions=transitions,
            seconds=time.monotonic() - started,
            coverage={a.name: c for a, c in zip(self.spec.actions, coverage, strict=True)},
            violation=violation,
            complete=complete and violation is None,
            invariants=[p.name for p in self.invariants],
            action_properties=[p.name for p in self.action_properties],
            group_size=self.symmetry.group_size if self.symmetry else 1,
        )

    def _graph_search(self, breadth_first: bool) -> SearchResult:
        started = time.monotonic()
        canon = self.canon()
        acts = self.compiled.actions
        coverage = [ActionCoverage() for _ in acts]
        states: list[int] = []
        parents: array[int] = array("q")
        depths: array[int] = array("l")  # DFS only: depth of each state
        # A set, not a dict to indices: nothing reads an index back (parents hold them), and an
        # index object per state would cost 28 bytes of the ~150 each state takes.
        seen: set[int] = set()
        failed = self.compiled.failed  # (instance, check) of the instances that just failed
        failed.clear()
        check_invariants = self.broken_invariant if self.invariants else None
        check_transitions = self.broken_action_property if self.action_properties else None
        deadlock = self.options.deadlock
        max_depth = self.options.max_depth
        progress = self.options.progress
        next_report = started + contract.PROGRESS_AFTER
        in_model = self.in_model if self.constraints else None

        def violation(
            kind: ViolationKind, name: str, path_end: int, extra: int | None = None
        ) -> Violation:
            path = [states[i] for i in self._path(parents, path_end)]
            trace = self.trace_to(path)
            if extra is not None:  # the violating successor of the last stored state
                trace.append(self.extra_step(states[path_end], extra, trace[-1]))
            return Violation(kind, name, trace)

        checkpointer = self.checkpointer()
        resumed = None
        if checkpointer is not None and self.options.resume:
            states, parents, resumed = checkpointer.load()
            seen = set(states)
        elif checkpointer is not None:
            checkpointer.start()
        for _, _, x in self.inits if resumed is None else ():
            if in_model is not None and not in_model(x):
                continue
            c = canon(x) if canon else x
            if c in seen:
                continue
            seen.add(c)
            states.append(c)
            parents.append(-1)
            depths.append(1)
            if check_invariants is not None and (bad := check_invariants(c)) is not None:
                return self.search_result(
                    len(states),
                    1,
                    0,
                    started,
                    coverage,
                    violation("invariant", bad, len(states) - 1),
                    True,
                )
        transitions = 0
        max_seen_depth = 1 if states else 0
        complete = True
        # BFS walks `states` in order (levels are contiguous); DFS keeps a stack of indices.
        stack = list(range(len(states) - 1, -1, -1)) if not breadth_first else []
        cursor = 0
        level_end = len(states)
        depth = 1
        if resumed is not None:
            cursor = level_end = resumed.cursor
            depth, transitions, max_seen_depth, complete = (
                resumed.depth,
                resumed.transitions,
                resumed.max_seen_depth,
                resumed.complete,
            )
            for cov, (fired, distinct) in zip(coverage, resumed.coverage, strict=True):
                cov.fired, cov.distinct = fired, distinct
        next_checkpoint = time.monotonic() + self.options.checkpoint_every
        while True:
            if breadth_first:
                if cursor == level_end:
                    if checkpointer is not None and (
                        level_end == len(states) or time.monotonic() >= next_checkpoint
                    ):
                        position = Position(
                            cursor,
                            depth,
                            transitions,
                            max_seen_depth,
                            [(c.fired, c.distinct) for c in coverage],
                            complete,
                        )
                        checkpointer.save(
                            len(states), checkpointer.int_records(states, parents), position
                        )
                        next_checkpoint = time.monotonic() + self.options.checkpoint_every
                    if level_end == len(states):
                        break
                    level_end = len(states)
                    depth += 1
                sid = cursor
                cursor += 1
                sdepth = depth
            else:
                if not stack:
                    break
                sid = stack.pop()
                sdepth = depths[sid]
            if max_depth is not None and sdepth >= max_depth:
                complete = False
                continue
            s = states[sid]
            produced = 0
            fresh: list[int] = []
            for k, act in enumerate(acts):
                succ = act(s)
                failure = None
                if failed:  # an instance failed: the successors before it, then the error
                    failure = min(failed)
                    failed.clear()
                    labelled = self.compiled.labelled[k](s)
                    failed.clear()
                    before = [t for t, index in labelled if index < failure[0]]
                elif not succ:
                    continue
                produced += len(succ)
                cov = coverage[k]
                cov.fired += len(succ)
                for t in succ if failure is None else before:
                    if (
                        check_transitions is not None
                        and (bad := check_transitions(s, t)) is not None
                    ):
                        v = violation("action_property", bad, sid, t)
                        return self.search_result(
                            len(states),
                            max(max_seen_depth, sdepth + 1),
                            transitions + produced,
                            started,
                            coverage,
                            v,
                            True,
                        )
                    c = canon(t) if canon else t
                    if c in seen:
                        continue
                    if in_model is not None and not in_model(c):
                        continue
                    seen.add(c)
                    states.append(c)
                    parents.append(sid)
                    if not breadth_first:
                        depths.append(sdepth + 1)
                        fresh.append(len(states) - 1)
                    cov.distinct += 1
                    if sdepth + 1 > max_seen_depth:
                        max_seen_depth = sdepth + 1
                    if check_invariants is not None and (bad := check_invariants(c)) is not None:
                        v = violation("invariant", bad, len(states) - 1)
                        return self.search_result(
                            len(states),
                            max_seen_depth,
                            transitions + produced,
                            started,
                            coverage,
                            v,
                            True,
                        )
                if failure is not None:
                    v = violation("error", self.spec.actions[k].name, sid)
                    index, check = failure
                    v.failure = self.failure(k, index, self.compiled.checks[check], v.trace[-1])
                    return self.search_result(
                        len(states),
                        max(max_seen_depth, sdepth + 1),
                        transitions + produced,
                        started,
                        coverage,
                        v,
                        True,
                    )
            transitions += produced
            if deadlock and produced == 0:
                v = violation("deadlock", "deadlock", sid)
                return self.search_result(
                    len(states), max_seen_depth, transitions, started, coverage, v, True
                )
            if not breadth_first:
                stack.extend(reversed(fresh))
            if progress is not None and (sid & 1023) == 0:
                now = time.monotonic()
                if now >= next_report:
                    next_report = now + contract.PROGRESS_EVERY
                    queue = (len(states) - cursor) if breadth_first else len(stack)
                    progress(
                        Progress(
                            len(states),
                            queue,
                            max_seen_depth,
                            len(states) / (now - started),
                            now - started,
                        )
                    )
        return self.search_result(
            len(states), max_seen_depth, transitions, started, coverage, None, complete
        )

    def checkpointer(self) -> Checkpointer | None:
        """The breadth-first search's checkpoints, when the options ask for them (only a
        breadth-first search's can: `Options.validate`)."""
        directory = self.options.checkpoint
        if directory is None:
            return None
        settings = {
            "params": dict(self.inst.params),
            "symmetry": self.options.symmetry,
            "invariants": [p.name for p in self.invariants],
            "action_properties": [p.name for p in self.action_properties],
            "deadlock": self.options.deadlock,
            "max_depth": self.options.max_depth,
        }
        ident = identity(self.spec.name, self.compiled.source, settings)
        return Checkpointer(directory, ident, self.layout.total_bits)

    def failure(self, k: int, index: int, check: ir.Check, last: TraceStep) -> Failure:
        """Instance `index` of action k fails from the trace's last state (its stored form:
        under symmetry, its parameters are mapped back as a step's are)."""
        act = self.spec.actions[k]
        codes = self.compiled.params[k][index]
        if self.symmetry is not None and last.witness is not None:
            back = self.symmetry.inverse(last.witness)
            codes = self.symmetry.map_params(back, [v.type for v in act.params], codes)
        return Failure(act.name, _labels(act.params, codes), check)

    def extra_step(self, stored: int, t: int, last: TraceStep) -> TraceStep:
        """The step from the last trace state to a successor `t` of its stored form."""
        for k, fn in enumerate(self.compiled.labelled):
            for t2, index in fn(stored):
                if t2 == t:
                    params, state = self._concrete(k, index, t, last.witness)
                    return TraceStep(self.spec.actions[k].name, params, state, last.witness)
        raise AssertionError("violating successor not found")


def _labels(variables: Sequence[ir.Var], codes: Sequence[int]) -> tuple[tuple[str, int, str], ...]:
    """A trace step's parameters: (name, code, sort) for each action parameter."""
    return tuple((v.name, c, v.type.sort) for v, c in zip(variables, codes, strict=True))


def explore(inst: Instance, options: Options | None = None) -> tuple[Engine, SearchResult]:
    engine = Engine(inst, options or Options())
    return engine, engine.run()


def _liveness_checks(inst: Instance, options: Options) -> tuple[Instance, list[LiveCheck]]:
    """The instance with the selected @liveness properties' state formulas added, and their
    checks (one per binding)."""
    if not inst.spec.liveness or options.liveness == []:
        return inst, []
    from checker.explicit.liveprops import prepare

    selected = inst.spec.select(inst.spec.liveness, options.liveness, "liveness property")
    spec = dataclasses.replace(inst.spec, liveness=tuple(selected))
    return prepare(dataclasses.replace(inst, spec=spec))
