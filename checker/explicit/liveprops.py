"""What the liveness checker is asked, concretely: each `@liveness` property per binding of its
variables, its formulas as masks over the state graph, and the spec's fairness per action
instance.

A property's formulas become *goals*. A goal is a disjunction of a state part, true in some
states, and a step part, true of some steps (the disjuncts that read `post`: TLA+'s
`<<A>>_vars`, which only a step that changes the state satisfies). Each part is a `Mask`: a
boolean combination of formulas the engines evaluate — `PREDICATE` properties over states,
`STEP_PREDICATE` properties over transitions, both added to the instance here — and of
`enabled(action, ...)` atoms, which the checker reads off the graph's transitions (a state
where an instance of the action is taken is one where it is enabled). Quantifiers around an
`enabled(...)` are expanded over their finite sorts.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, assert_never

import numpy as np

from checker import ir
from checker.errors import SpecError
from checker.instance import Instance

# -- masks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pred:
    """A formula an engine evaluates: a PREDICATE (`step` False) or STEP_PREDICATE property."""

    name: str
    step: bool


@dataclass(frozen=True)
class EnabledIn:
    """`enabled(...)`: some of these global action instances is taken from the state."""

    instances: tuple[int, ...]


@dataclass(frozen=True)
class Negation:
    arg: Mask


@dataclass(frozen=True)
class Junction:
    """All (`conj`) or any of `args`."""

    conj: bool
    args: tuple[Mask, ...]


@dataclass(frozen=True)
class Same:
    """`iff`: both or neither."""

    left: Mask
    right: Mask


Mask = Pred | EnabledIn | Negation | Junction | Same


@dataclass(frozen=True)
class Goal:
    """A formula as states where it holds (`states`) or steps that satisfy it (`steps`);
    None: no such part."""

    states: Mask | None
    steps: Mask | None = None


@dataclass(frozen=True)
class LiveCheck:
    """One `@liveness` property for one binding of its quantified variables."""

    name: str  # "eventually_chosen", or "no_starvation[p1]"
    prop: ir.Liveness
    p: Goal
    q: Goal | None
    binding: Mapping[str, ir.Term] = dataclasses.field(default_factory=dict)  # of prop.vars


def predicate_names(checks: Sequence[LiveCheck]) -> tuple[list[str], list[str]]:
    """The properties the engines evaluate for `checks`: over states, and over steps."""
    states: list[str] = []
    steps: list[str] = []
    for c in checks:
        for goal in (c.p, c.q):
            if goal is None:
                continue
            for mask in (goal.states, goal.steps):
                for leaf in _leaves(mask):
                    (steps if leaf.step else states).append(leaf.name)
    return states, steps


def _leaves(m: Mask | None) -> list[Pred]:
    match m:
        case None | EnabledIn():
            return []
        case Pred():
            return [m]
        case Negation():
            return _leaves(m.arg)
        case Junction():
            return [leaf for a in m.args for leaf in _leaves(a)]
        case Same():
            return _leaves(m.left) + _leaves(m.right)
        case _:
            assert_never(m)


# -- preparing the checks ---------------------------------------------------------------------


def prepare(inst: Instance) -> tuple[Instance, list[LiveCheck]]:
    """Each `@liveness` property once per binding of its variables, with the formulas the
    engines evaluate added to the instance as PREDICATE and STEP_PREDICATE properties."""
    builder = _Builder(inst)
    checks: list[LiveCheck] = []
    for prop in inst.spec.liveness:
        types = [v.type for v in prop.vars]
        for codes in inst.product(types):
            binding = {
                v.name: _element(inst, v.type, c) for v, c in zip(prop.vars, codes, strict=True)
            }
            labels = [inst.label(v.type.sort, c) for v, c in zip(prop.vars, codes, strict=True)]
            name = f"{prop.name}[{', '.join(map(str, labels))}]" if labels else prop.name
            p = builder.goal(name, "p", substitute(prop.p, binding))
            q = None if prop.q is None else builder.goal(name, "q", substitute(prop.q, binding))
            checks.append(LiveCheck(name, prop, p, q, binding))
    if not builder.preds:
        return inst, checks
    spec = dataclasses.replace(inst.spec, properties=(*inst.spec.properties, *builder.preds))
    return dataclasses.replace(inst, spec=spec), checks


class _Builder:
    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.preds: list[ir.Property] = []
        self.offsets = instance_offsets(inst)

    def goal(self, name: str, part: str, f: ir.Formula) -> Goal:
        disjuncts = disjuncts_of(f)
        states = [d for d in disjuncts if not ir.is_step(d)]
        steps = [d for d in disjuncts if ir.is_step(d)]
        return Goal(
            self.mask(f"{name}#{part}", _any(states, f.loc), False) if states else None,
            self.mask(f"{name}#{part}'", _any(steps, f.loc), True) if steps else None,
        )

    def mask(self, name: str, f: ir.Formula, step: bool) -> Mask:
        if not any(isinstance(e, ir.Enabled) for e in ir.walk(f)):
            kind = ir.PropertyKind.STEP_PREDICATE if step else ir.PropertyKind.PREDICATE
            self.preds.append(ir.Property(name, kind, f, loc=f.loc))
            return Pred(name, step)

        def part(i: int) -> str:
            return f"{name}.{i}"

        match f:
            case ir.Enabled():
                return EnabledIn(self.instances(f))
            case ir.Not():
                return Negation(self.mask(part(0), f.arg, step))
            case ir.And() | ir.Or():
                args = tuple(self.mask(part(i), a, step) for i, a in enumerate(f.args))
                return Junction(isinstance(f, ir.And), args)
            case ir.Implies():
                left = Negation(self.mask(part(0), f.left, step))
                return Junction(False, (left, self.mask(part(1), f.right, step)))
            case ir.Iff():
                return Same(self.mask(part(0), f.left, step), self.mask(part(1), f.right, step))
            case ir.Forall() | ir.Exists():
                types = [v.type for v in f.vars]
                bodies = [
                    self.mask(
                        part(i),
                        substitute(
                            f.body,
                            {
                                v.name: _element(self.inst, v.type, c)
                                for v, c in zip(f.vars, codes, strict=True)
                            },
                        ),
                        step,
                    )
                    for i, codes in enumerate(self.inst.product(types))
                ]
                return Junction(isinstance(f, ir.Forall), tuple(bodies))
            case _:
                raise SpecError(
                    "enabled(...) is combined with other formulas by ~, &, |, implies, iff and "
                    "forall/exists only (the checker reads it off the state graph, not as a "
                    "value)",
                    f.loc,
                )

    def instances(self, f: ir.Enabled) -> tuple[int, ...]:
        """The global instances of `f`'s action whose named parameters have its values."""
        k = next(i for i, a in enumerate(self.inst.spec.actions) if a.name == f.action)
        act = self.inst.spec.actions[k]
        position = {v.name: i for i, v in enumerate(act.params)}
        fixed: list[tuple[int, int]] = []
        for pname, term in f.args:
            if not isinstance(term, ir.Elem):  # the tracer allows elements and bound variables
                raise SpecError(
                    f"the argument {pname!r} of enabled({f.action}) must be a sort element or "
                    "a variable bound by forall/exists",
                    f.loc,
                )
            fixed.append((position[pname], self.inst.elem_code(term)))
        types = [v.type for v in act.params]
        return tuple(
            self.offsets[k] + j
            for j, codes in enumerate(self.inst.product(types))
            if all(codes[i] == c for i, c in fixed)
        )


def disjuncts_of(f: ir.Formula) -> list[ir.Formula]:
    """`f`'s disjuncts, through nested `|`s (`a | b | c` is Or(Or(a, b), c))."""
    if isinstance(f, ir.Or):
        return [d for a in f.args for d in disjuncts_of(a)]
    return [f]


def _any(fs: list[ir.Formula], loc: Any) -> ir.Formula:
    return fs[0] if len(fs) == 1 else ir.Or(tuple(fs), loc=loc)


def _element(inst: Instance, t: ir.Type, code: int) -> ir.Term:
    if t.bottom and code == 0:
        return ir.Elem(t.sort, None)
    return ir.Elem(t.sort, code - inst.lo(ir.Type(t.sort, False)))


def substitute(e: Any, binding: Mapping[str, ir.Term]) -> Any:
    """`e` with the variables named in `binding` replaced (quantifiers bind fresh names, so
    nothing is captured)."""
    if isinstance(e, ir.Var):
        return binding.get(e.name, e)
    if isinstance(e, tuple):
        return tuple(substitute(x, binding) for x in e)
    if not dataclasses.is_dataclass(e) or isinstance(e, type | ir.Type):
        return e
    changes = {}
    for f in dataclasses.fields(e):
        value = getattr(e, f.name)
        new = substitute(value, binding)
        if new is not value:
            changes[f.name] = new
    return dataclasses.replace(e, **changes) if changes else e


# -- fairness ---------------------------------------------------------------------------------


def instance_offsets(inst: Instance) -> list[int]:
    """The first global instance number of each action (its instances in parameter order)."""
    counts = [
        int(np.prod([inst.domain_size(v.type) for v in a.params], dtype=np.int64))
        for a in inst.spec.actions
    ]
    return [0, *itertools.accumulate(counts)]


@dataclass(frozen=True)
class FairGroups:
    """One fairness condition, concretely: the group of each global action instance (-1: not
    this condition's action)."""

    strong: bool
    group: Any  # int64 per global instance
    count: int


def fairness_groups(inst: Instance) -> list[FairGroups]:
    offsets = instance_offsets(inst)
    actions = {a.name: k for k, a in enumerate(inst.spec.actions)}
    out = []
    for f in inst.spec.fairness:
        group = np.full(offsets[-1], -1, dtype=np.int64)
        ids: dict[tuple[int, ...], int] = {}
        for name in f.actions:  # several actions: one condition over all their instances
            k = actions[name]
            act = inst.spec.actions[k]
            which = [i for i, v in enumerate(act.params) if v.name in f.per]
            for j, codes in enumerate(inst.product([v.type for v in act.params])):
                key = tuple(codes[i] for i in which)
                group[offsets[k] + j] = ids.setdefault(key, len(ids))
        out.append(FairGroups(f.strong, group, max(1, len(ids))))
    return out
