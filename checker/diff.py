"""`diff`: what changed between two versions of a spec, on the same instance.

Three answers, cheapest first: the state counts of each; the properties each violates (a
property that newly fails comes with its trace); and, when both versions have the same state
variables, a shortest *distinguishing trace* — a behaviour one version allows and the other
does not. It is found by breadth-first search over the states both versions reach by the same
steps: the first state where one version has a successor (or an initial state) that the other
lacks ends the trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from checker.check import CheckReport, check
from checker.explicit.contract import Options, TraceStep
from checker.explicit.search import Engine
from checker.instance import Instance
from checker.lang.spec import Spec
from checker.loader import load_spec


@dataclass
class Distinction:
    allowed_by: str  # "old" | "new"
    trace: list[TraceStep]  # valid in `allowed_by`; all but the last step valid in both


@dataclass
class DiffReport:
    old: CheckReport  # properties checked (stops at a violation)
    new: CheckReport
    old_space: CheckReport  # the whole state space, no properties
    new_space: CheckReport
    comparable: str  # "" when the state variables agree, else why behaviours are not compared
    distinction: Distinction | None

    @property
    def newly_failing(self) -> list[str]:
        o, n = self.old.result.violation, self.new.result.violation
        if n is None:
            return []
        return [n.name] if o is None or o.name != n.name else []

    @property
    def same(self) -> bool:
        o, n = self.old.result, self.new.result
        return (
            not self.comparable
            and self.distinction is None
            and (o.violation is None) == (n.violation is None)
            and self.old_space.result.distinct_states == self.new_space.result.distinct_states
        )


def _vocabulary(inst: Instance) -> list[tuple[object, ...]]:
    sorts = [(n, s.size, s.decl.has_bottom, s.quorums) for n, s in inst.sorts.items()]
    symbols = [(d.name, d.kind, d.args, d.result) for d in inst.spec.symbols]
    return [*sorts, *symbols]


def _distinguish(old: Engine, new: Engine) -> Distinction | None:
    """Breadth-first over the states both reach by the same steps."""
    old_inits = {s for _, _, s in old.inits}
    new_inits = {s for _, _, s in new.inits}
    for engine, mine, theirs, who in (
        (old, old_inits, new_inits, "old"),
        (new, new_inits, old_inits, "new"),
    ):
        extra = sorted(mine - theirs)
        if extra:
            return Distinction(who, [engine.initial_step(extra[0])])
    parents: dict[int, tuple[int, TraceStep]] = {}
    frontier = sorted(old_inits)
    seen = set(frontier)
    while frontier:
        nxt = []
        for s in frontier:
            steps = {}
            for who, engine in (("old", old), ("new", new)):
                steps[who] = {
                    (engine.spec.actions[k].name, engine.step_params(k, index), t)
                    for k, fn in enumerate(engine.compiled.labelled)
                    for t, index in fn(s)
                }
            for who, other in (("old", "new"), ("new", "old")):
                targets = {t for _, _, t in steps[other]}
                only = sorted((x for x in steps[who] if x[2] not in targets), key=repr)
                if only:
                    name, params, t = only[0]
                    engine = old if who == "old" else new
                    trace = _path(parents, s, engine)
                    trace.append(TraceStep(name, params, t))
                    return Distinction(who, trace)
            for name, params, t in sorted(steps["old"], key=repr):
                if t not in seen:
                    seen.add(t)
                    parents[t] = (s, TraceStep(name, params, t))
                    nxt.append(t)
        frontier = nxt
    return None


def _path(parents: dict[int, tuple[int, TraceStep]], s: int, engine: Engine) -> list[TraceStep]:
    steps = []
    while s in parents:
        s, step = parents[s][0], parents[s][1]
        steps.append(step)
    steps.append(engine.initial_step(s))
    steps.reverse()
    return steps


def diff(
    old: type[Spec] | str, new: type[Spec] | str, params: Mapping[str, int] | None = None
) -> DiffReport:
    old_cls = load_spec(old) if isinstance(old, str) else old
    new_cls = load_spec(new) if isinstance(new, str) else new
    old_report, new_report = check(old_cls, params), check(new_cls, params)
    everything = Options(invariants=[], action_properties=[])
    old_space, new_space = check(old_cls, params, everything), check(new_cls, params, everything)
    old_inst, new_inst = old_report.engine.inst, new_report.engine.inst
    comparable = ""
    if _vocabulary(old_inst) != _vocabulary(new_inst):
        comparable = "the two versions have different sorts or state variables on this instance"
    distinction = None
    if not comparable:
        distinction = _distinguish(old_space.engine, new_space.engine)
    return DiffReport(old_report, new_report, old_space, new_space, comparable, distinction)
