"""Temporal formulas and fairness: what a `@liveness` property says and under which fairness.

A `@liveness` method returns one of the temporal forms the explicit engines check on the state
graph — `always(p)`, `eventually(p)`, `leads_to(p, q)`, `always(eventually(p))`,
`eventually(always(p))` over state formulas `p`, `q` — or `forall(sort, lambda n: ...)` of one
(a property per element, as TLC checks `\\A n \\in Node : Trying(n) ~> InCS(n)`). Any other
nesting is an error where it is written: it is not checkable by these engines.

A method `(self, post)` may also say what steps do: a formula that reads `post` is a *step
formula*, TLA+'s `<<A>>_vars` (only a step that changes the state satisfies it). It may be
the goal of `eventually`, `always(eventually(...))` and the conclusion of `leads_to`, alone or
as disjuncts beside state formulas: `always(eventually(~self.busy(p) | post.served(p)))` is
TLA+'s `[]<>~Busy(p) \\/ []<><<Serve(p)>>_vars`, also written
`always(eventually(~self.busy(p))) | always(eventually(post.served(p)))`. And `enabled(action,
param=value)` is TLA+'s `ENABLED <<A>>_vars`: an instance of the action with those parameter
values can take a step that changes the state.

Fairness is declared on the spec, `fairness = (WF("deliver"), SF("acquire", per="p"))`: weak or
strong fairness of an action as a whole (TLA+'s `WF_vars(\\E p : Acquire(p))`), or for each value
of some of its parameters (`per="p"`, `\\A p : WF_vars(Acquire(p))`), or of each of its
instances (`per="all"`). A spec without `fairness` has none: every state may stutter forever.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from checker import ir
from checker.errors import Loc, SpecError, user_loc
from checker.lang import context
from checker.lang.terms import SymFormula, as_formula, as_term, check_type, shown


@dataclass(frozen=True)
class Temporal:
    """A temporal formula (see the module doc); built by `always`, `eventually`, `leads_to`."""

    kind: ir.TemporalKind
    p: ir.Formula
    q: ir.Formula | None
    loc: Loc
    vars: tuple[ir.Var, ...] = ()

    def shown_as(self) -> str:
        """What an error message calls this value (`terms.shown`)."""
        return f"{self.describe()}, a temporal formula"

    def misplaced(self, what: str) -> str:
        """The error for this formula written where a formula or a value belongs."""
        return nested_temporal(self, what)

    def describe(self) -> str:
        return {
            ir.TemporalKind.ALWAYS: "always(p)",
            ir.TemporalKind.EVENTUALLY: "eventually(p)",
            ir.TemporalKind.LEADS_TO: "leads_to(p, q)",
            ir.TemporalKind.ALWAYS_EVENTUALLY: "always(eventually(p))",
            ir.TemporalKind.EVENTUALLY_ALWAYS: "eventually(always(p))",
        }[self.kind]

    def quantified(self, variables: tuple[ir.Var, ...], loc: Loc) -> Temporal:
        """`forall(sort, lambda n: <this>)`: one property per binding of the variables."""
        return replace(self, vars=(*variables, *self.vars), loc=loc)

    def _not_a_formula(self, *_: object) -> Any:
        raise SpecError(
            f"{self.describe()} is a temporal formula: it is the whole of a @liveness "
            "property (or the body of a forall(...) there), not a part of a formula",
            user_loc(),
        )

    def __or__(self, other: object) -> Temporal:
        """`<>p | <>q` is `<>(p | q)`, `[]<>p | []<>q` is `[]<>(p | q)`."""
        loc = user_loc()
        kinds = (ir.TemporalKind.EVENTUALLY, ir.TemporalKind.ALWAYS_EVENTUALLY)
        if not (
            isinstance(other, Temporal)
            and self.kind is other.kind
            and self.kind in kinds
            and not self.vars
            and not other.vars
        ):
            raise SpecError(
                "temporal formulas are joined by | only as eventually(p) | eventually(q) or "
                "always(eventually(p)) | always(eventually(q)) (the same as the operator "
                "applied to p | q); make other combinations separate @liveness properties",
                loc,
            )
        return Temporal(self.kind, ir.Or((self.p, other.p), loc=loc), None, loc)

    __and__ = __rand__ = __ror__ = __invert__ = __bool__ = _not_a_formula


def nested_temporal(x: Temporal, what: str) -> str:
    """The error for a temporal formula written where a formula (or a value) belongs: inside
    implies(...), &, a comparison, or another temporal operator than the checkable forms."""
    hint = ""
    if x.kind is ir.TemporalKind.EVENTUALLY and what.startswith("the conclusion of implies"):
        hint = ". For always(implies(p, eventually(q))), write leads_to(p, q)"
    return (
        f"{what} is {x.describe()}, a temporal formula, which cannot be nested there: a "
        "@liveness property is always(p), eventually(p), leads_to(p, q), always(eventually(p)) "
        "or eventually(always(p)) of formulas p and q without temporal operators (or forall(...) "
        f"of one of these), and it is never part of a formula{hint}"
    )


def always(p: SymFormula | Temporal | bool) -> Temporal:
    """`[]p`: `p` holds in every state of every behaviour; `always(eventually(p))`: `p` holds
    infinitely often."""
    loc = user_loc()
    if isinstance(p, Temporal) and p.kind is ir.TemporalKind.EVENTUALLY and not p.vars:
        return Temporal(ir.TemporalKind.ALWAYS_EVENTUALLY, p.p, None, loc)
    return Temporal(
        ir.TemporalKind.ALWAYS, as_formula(p, "the argument of always(...)", loc), None, loc
    )


def eventually(p: SymFormula | Temporal | bool) -> Temporal:
    """`<>p`: every fair behaviour reaches a state where `p` holds; `eventually(always(p))`:
    from some point on, `p` holds for ever."""
    loc = user_loc()
    if isinstance(p, Temporal) and p.kind is ir.TemporalKind.ALWAYS and not p.vars:
        return Temporal(ir.TemporalKind.EVENTUALLY_ALWAYS, p.p, None, loc)
    what = "the argument of eventually(...)"
    return Temporal(ir.TemporalKind.EVENTUALLY, as_formula(p, what, loc), None, loc)


def enabled(action: object, **params: object) -> SymFormula:
    """TLA+'s `ENABLED <<A>>_vars`: in this state, some instance of `action` (a method of the
    spec, or its name) whose parameters named in `params` have those values can take a step
    that changes the state — as fairness counts it. `@liveness` properties only (the checker
    reads it off the state graph); values are sort elements or variables of `forall`/`exists`."""
    loc = user_loc()
    name = getattr(action, "__name__", action)
    if not isinstance(name, str):
        raise SpecError(f"enabled(...) takes an action or its name, not {shown(action)}", loc)
    ctx = context.current()
    if ctx is None or not ctx.what.startswith("liveness property"):
        raise SpecError(
            f"enabled({name}) is read by @liveness properties only (the liveness checker "
            f"reads it off the state graph), not by {ctx.what if ctx else 'code outside a spec'}",
            loc,
        )
    args = tuple(
        (k, as_term(v, f"the value of {k!r} in enabled({name})", loc)) for k, v in params.items()
    )
    return SymFormula(ir.Enabled(name, args, loc=loc))


def leads_to(p: SymFormula | bool, q: SymFormula | bool) -> Temporal:
    """`p ~> q`: whenever `p` holds, `q` holds then or later, on every fair behaviour."""
    loc = user_loc()
    return Temporal(
        ir.TemporalKind.LEADS_TO,
        as_formula(p, "the premise of leads_to(...)", loc),
        as_formula(q, "the conclusion of leads_to(...)", loc),
        loc,
    )


@dataclass(frozen=True)
class Fair:
    """One fairness condition of a spec's `fairness = (...)`: made by `WF` and `SF`."""

    strong: bool
    actions: tuple[str, ...]
    per: tuple[str, ...] | None  # None: each instance (every parameter)
    loc: Loc


Per = str | tuple[str, ...] | list[str]


def _fair(strong: bool, actions: tuple[object, ...], per: Per) -> Fair:
    loc = user_loc()
    what = f"{'SF' if strong else 'WF'}(...)"
    names = tuple(str(getattr(a, "__name__", a)) for a in actions)
    if not actions or not all(isinstance(getattr(a, "__name__", a), str) for a in actions):
        raise SpecError(f"{what} takes one or more actions (or their names)", loc)
    if per == "all":
        return Fair(strong, names, None, loc)
    return Fair(strong, names, (per,) if isinstance(per, str) else tuple(per), loc)


def WF(*actions: object, per: Per = ()) -> Fair:
    """Weak fairness: an action that stays enabled is eventually taken. `WF(a)` is TLA+'s
    `WF_vars(\\E params : a(params))`, `WF(a, b)` is `WF_vars(A \\/ B)`; `WF(a, per="p")` one
    condition per value of parameter `p` (`WF(a, b, per="p")`: `\\A p : WF_vars(A(p) \\/
    B(p))`, both actions having a parameter `p` of one sort); `WF(a, per="all")` one per
    instance."""
    return _fair(False, actions, per)


def SF(*actions: object, per: Per = ()) -> Fair:
    """Strong fairness: an action enabled infinitely often is eventually taken (`per` and
    several actions as for `WF`)."""
    return _fair(True, actions, per)


def fairness_decls(
    value: object, actions: dict[str, tuple[str, ...]], loc: Loc
) -> tuple[ir.Fairness, ...]:
    """A spec's `fairness` attribute as IR, checked against its actions (name -> the
    parameters of its signature)."""
    items = value if isinstance(value, tuple | list) else (value,)
    out: list[ir.Fairness] = []
    for item in items:
        if not isinstance(item, Fair):
            raise SpecError(
                f"`fairness` holds WF(...) and SF(...) conditions, not {shown(item)}",
                loc,
            )
        for name in item.actions:
            if name not in actions:
                raise SpecError(
                    f"fairness of `{name}`, which is not an action of this spec (actions: "
                    f"{', '.join(actions) or 'none'})",
                    item.loc,
                )
        if item.per is None and len(item.actions) > 1:
            raise SpecError(
                "per='all' takes one action: name the parameters the actions share", item.loc
            )
        per = actions[item.actions[0]] if item.per is None else item.per
        for name in item.actions:  # several actions: each has the parameters (one condition
            params = actions[name]  # per value of them, as TLA+'s \A p : WF(A(p) \/ B(p)))
            unknown = [p for p in per if p not in params]
            if unknown:
                raise SpecError(
                    f"fairness of `{name}` per {', '.join(map(repr, unknown))}, which "
                    f"{'is not a parameter' if len(unknown) == 1 else 'are not parameters'} of "
                    f"it (parameters: {', '.join(params) or 'none'})",
                    item.loc,
                )
        out.append(ir.Fairness(item.strong, item.actions, tuple(per), item.loc))
    return tuple(out)


def check_liveness(prop: ir.Liveness, actions: dict[str, tuple[ir.Var, ...]]) -> None:
    """Where a step formula may stand in `prop`, and what its `enabled(...)` name: real
    actions and parameters, values of their sorts."""
    kind = prop.kind
    if ir.is_step(prop.p) and kind not in (
        ir.TemporalKind.EVENTUALLY,
        ir.TemporalKind.ALWAYS_EVENTUALLY,
    ):
        what = "the premise of leads_to(p, q)" if kind is ir.TemporalKind.LEADS_TO else "it"
        raise SpecError(
            f"liveness property `{prop.name}` reads `post` in {what}: a step formula is the "
            "goal of eventually(...), always(eventually(...)) or the conclusion of "
            "leads_to(p, q) (TLA+'s <<A>>_vars); what every step does is an @action_property",
            prop.loc,
        )
    for part in (prop.p, prop.q):
        for e in () if part is None else ir.walk(part):
            if isinstance(e, ir.Enabled):
                _check_enabled(e, actions)


def _check_enabled(e: ir.Enabled, actions: dict[str, tuple[ir.Var, ...]]) -> None:
    if e.action not in actions:
        raise SpecError(
            f"enabled({e.action}): `{e.action}` is not an action of this spec (actions: "
            f"{', '.join(actions)})",
            e.loc,
        )
    params = {v.name: v for v in actions[e.action]}
    for name, term in e.args:
        if name not in params:
            raise SpecError(
                f"enabled({e.action}, {name}=...): `{name}` is not a parameter of it "
                f"(parameters: {', '.join(params) or 'none'})",
                e.loc,
            )
        if not isinstance(term, ir.Var | ir.Elem):
            raise SpecError(
                f"enabled({e.action}, {name}=...) takes a sort element or a variable of "
                "forall/exists, not a value read from the state",
                e.loc,
            )
        check_type(
            term,
            params[name].type,
            f"the value of {name!r} in enabled({e.action})",
            e.loc,
            reading=False,
        )


__all__ = [
    "SF",
    "WF",
    "Fair",
    "Temporal",
    "always",
    "check_liveness",
    "enabled",
    "eventually",
    "fairness_decls",
    "leads_to",
]
