"""The IR of a whole spec: its properties (invariants, action properties, constraints,
axioms...), `@liveness` properties and fairness, parameters, and `SpecIR`, which holds them
with the sorts, symbols and actions."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from checker.errors import UNKNOWN_LOC, Loc, UsageError
from checker.ir.decls import SymbolDecl
from checker.ir.formulas import Formula
from checker.ir.sorts import SortDecl
from checker.ir.stmts import Action
from checker.ir.terms import Var


class PropertyKind(enum.Enum):
    INVARIANT = "invariant"
    ACTION_PROPERTY = "action_property"  # over a transition: unprimed = pre, primed = post
    CONSTRAINT = "constraint"  # states that fail it are not explored
    CONJUNCT = "conjunct"  # a conjunct of an inductive invariant (a proof's `@conjunct`)
    AXIOM = "axiom"  # over the rigid symbols: which of their interpretations are explored
    PREDICATE = "predicate"  # a state formula a @liveness property reads: evaluated, not checked
    STEP_PREDICATE = "step_predicate"  # a step formula (pre, primed = post) a @liveness reads


@dataclass(frozen=True)
class Property:
    name: str
    kind: PropertyKind
    formula: Formula
    doc: str = ""
    loc: Loc = UNKNOWN_LOC


class TemporalKind(enum.Enum):
    """The temporal properties the explicit engines check on the state graph (`p`, `q` state
    formulas): `[]p`, `<>p`, `p ~> q`, `[]<>p`, `<>[]p`."""

    ALWAYS = "always"
    EVENTUALLY = "eventually"
    LEADS_TO = "leads_to"
    ALWAYS_EVENTUALLY = "always_eventually"
    EVENTUALLY_ALWAYS = "eventually_always"


@dataclass(frozen=True)
class Liveness:
    """A `@liveness` property: `kind` over the state formulas `p` (and `q` for leads-to), for
    every binding of `vars` (TLC's `\\A n \\in Node : Trying(n) ~> InCS(n)`: one property per
    node), under the spec's fairness."""

    name: str
    kind: TemporalKind
    p: Formula
    q: Formula | None = None
    vars: tuple[Var, ...] = ()
    doc: str = ""
    loc: Loc = UNKNOWN_LOC


@dataclass(frozen=True)
class Fairness:
    """Weak (`WF`) or strong (`SF`) fairness of `actions` (one, or several taken as one:
    TLA+'s `WF_vars(A \\/ B)`): as one whole (`per` empty: `WF_vars(\\E p : A(p))`), or for
    each value of the parameters `per` of a single action (`\\A p : WF_vars(A(p))`)."""

    strong: bool
    actions: tuple[str, ...]
    per: tuple[str, ...] = ()
    loc: Loc = UNKNOWN_LOC


@dataclass(frozen=True)
class ParamDecl:
    name: str
    default: int
    doc: str = ""


Named = TypeVar("Named", Property, Liveness)


@dataclass(frozen=True)
class SpecIR:
    name: str
    file: str
    doc: str
    params: tuple[ParamDecl, ...]
    sorts: tuple[SortDecl, ...]
    symbols: tuple[SymbolDecl, ...]
    inits: tuple[Action, ...]
    actions: tuple[Action, ...]
    properties: tuple[Property, ...]
    liveness: tuple[Liveness, ...] = ()
    fairness: tuple[Fairness, ...] = ()

    def sort(self, name: str) -> SortDecl:
        for s in self.sorts:
            if s.name == name:
                return s
        raise KeyError(name)

    def symbol(self, name: str) -> SymbolDecl:
        for s in self.symbols:
            if s.name == name:
                return s
        raise KeyError(name)

    def properties_of(self, kind: PropertyKind) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.kind is kind)

    def state_invariants(self) -> tuple[Property, ...]:
        """Invariants and inductive-invariant conjuncts: every property of a single state that
        must hold in every reachable state."""
        kinds = (PropertyKind.INVARIANT, PropertyKind.CONJUNCT)
        return tuple(p for p in self.properties if p.kind in kinds)

    def select(
        self, available: tuple[Named, ...], names: Sequence[str] | None, what: str
    ) -> list[Named]:
        """The properties named (all of `available` when `names` is None), or a UsageError
        that lists what there is."""
        if names is None:
            return list(available)
        by_name = {p.name: p for p in available}
        for n in names:
            if n not in by_name:
                listed = ", ".join(by_name) or "none"
                raise UsageError(f"spec {self.name} has no {what} `{n}` (it has: {listed})")
        return [by_name[n] for n in names]

    def action(self, name: str) -> Action:
        for a in self.actions:
            if a.name == name:
                return a
        raise KeyError(name)
