"""Proving a refinement mapping with z3, for all sizes.

With the implementation's inductive invariant (a proof class) as the hypothesis, for every
implementation step `Inv ∧ Step ⇒ α' = α ∨ AbstractStep(α, α')`, and every initial state maps
to an abstract initial state. α is the mapping's definitions, translated over the
implementation's state; the abstract spec is translated over the implementation's sorts. When
the mapping says which abstract action an implementation action refines (`steps`), its
parameters are matched by name; otherwise z3 must find them (an existential in the goal).
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from checker import ir
from checker.lang.mapping import Definition, MappingIR
from checker.symbolic.cti import Cti, ModelReader
from checker.symbolic.logic import Bool, as_z3, mk_and, mk_not, mk_or
from checker.symbolic.prove import Goal, Prover
from checker.symbolic.translate import Reader, Transition, Val, View
from checker.symbolic.unbounded import AliasTranslator


class RefinementProver(Prover):
    def __init__(self, cls: type, abstract: ir.SpecIR, mapping: MappingIR, timeout: float) -> None:
        super().__init__(cls, timeout, minimise_cti=True)
        self.abstract = abstract
        self.mapping = mapping
        self.abs_tr = AliasTranslator(abstract, self.tr, mapping.sorts)
        self.report.safety = [f"refines {abstract.name}"]

    def alpha(self, view: View) -> dict[str, Reader]:
        out: dict[str, Reader] = {}
        for name, d in self.mapping.definitions.items():

            def read(xs: Sequence[Val], d: Definition = d) -> Val | Bool:
                env = dict(zip((v.name for v in d.vars), xs, strict=True))
                if isinstance(d.body, ir.Formula):
                    return self.tr.formula(d.body, env, view)
                return self.tr.term(d.body, env, view)

            out[name] = read
        return out

    def abstract_step(
        self, act: ir.Action, before: View, after: View, given: dict[str, Val]
    ) -> Bool:
        """An abstract step of `act` from `before` to `after`; parameters in `given` are fixed,
        the others existentially quantified."""
        free = [v for v in act.params if v.name not in given]
        consts = [self.abs_tr.fresh(v.type, v.name) for v in free]
        values = [given.get(v.name) for v in act.params]
        it = iter(consts)
        params = [x if x is not None else next(it) for x in values]
        t = self.abs_tr.run(act, params, before)
        body = mk_and(
            [self.abs_tr.param_guard(act, params), t.guard, self.abs_tr.same_state(after, t.post)]
        )
        if consts and not isinstance(body, bool):
            return z3.Exists(consts, body)
        return body

    def refinement_goal(self, t: Transition) -> Bool:
        before, after = self.alpha(self.pre), self.alpha(t.post)
        options: list[Bool] = [self.abs_tr.same_state(before, after)]
        name = t.action.name
        if name in self.mapping.steps:
            target = self.mapping.steps[name]
            targets = [] if target is None else [self.abstract.action(target)]
        else:
            targets = list(self.abstract.actions)
        impl_params = {v.name: (v.type, x) for v, x in zip(t.action.params, t.params, strict=True)}
        for act in targets:
            given = {
                v.name: impl_params[v.name][1]
                for v in act.params
                if v.name in impl_params
                and impl_params[v.name][0]
                == ir.Type(self.mapping.sorts[v.type.sort], v.type.bottom)
            }
            options.append(self.abstract_step(act, before, after, given))
        return mk_or(options)

    def initial_goal(self, view: View) -> Bool:
        image = self.alpha(view)
        zero = self.abs_tr.zero_view(self.abs_tr.state("!abs_init"))
        if not self.abstract.inits:
            return self.abs_tr.same_state(image, zero)
        return mk_or(self.abstract_step(act, zero, image, {}) for act in self.abstract.inits)

    def obligations(self) -> None:
        # The invariant assumed below must itself be inductive, or the proof is void.
        self.initiation()
        self.consecution()
        self.refinement_obligations()

    def refinement_obligations(self) -> None:
        claim = f"refines {self.abstract.name}"
        for name, view, guard in self.initial_states():
            title = f"init{'' if name is None else ' ' + name} maps to an initial state"

            def explain_init(r: ModelReader, title: str = title, view: View = view) -> Cti:
                return Cti(title, claim, r.inst, r.layout, r.state(view))

            negated = as_z3(mk_not(self.initial_goal(view)))
            self.discharge(
                Goal(
                    "init", title, name, claim, [as_z3(guard)], negated, False, set(), explain_init
                )
            )
        every = {d.name for d in self.spec.symbols}
        for act in self.spec.actions:
            ps = self.tr.params(act, f"{act.name}!")
            t = self.tr.run(act, ps, self.pre)
            guard = as_z3(mk_and([self.tr.param_guard(act, ps), t.guard]))
            target = self.mapping.steps.get(act.name, "an abstract step")
            title = f"{act.name} maps to {target or 'a stutter'}"

            explain = self.step_cti(title, claim, t)
            negated = as_z3(mk_not(self.refinement_goal(t)))
            self.discharge(
                Goal("step", title, act.name, claim, [guard], negated, True, every, explain)
            )
