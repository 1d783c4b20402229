"""`prove`: check that a proof's conjuncts form an inductive invariant that implies safety.

A proof is a subclass of the spec it is about, adding `@conjunct` methods (and helpers); the
class attribute `safety` may name the spec invariants it establishes (default: all of them).
Obligations, each one z3 query with its own time:

1. the axioms of the sorts are consistent (else every other obligation would hold vacuously);
2. `Init ⇒ C` for every initial action and conjunct C;
3. `Inv ∧ Action ⇒ C'` for every action and conjunct, with Inv the conjunction of all conjuncts;
4. `Inv ⇒ P` for every safety property P.

The first failure is explained by a minimised counterexample (a CTI); an `unknown` answer or a
timeout is reported as such and never counts as a pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from checker import ir
from checker.errors import ExitCode, UsageError
from checker.lang.spec import MARK, Spec
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from checker.symbolic.cti import Cti, ModelReader, minimise, proper_elements, size_bound
from checker.symbolic.epr import EprReport, analyse
from checker.symbolic.logic import Bool, as_z3, mk_and, mk_not
from checker.symbolic.solver import Answer, Verdict, ask, fresh_context, new_solver
from checker.symbolic.translate import Transition, View
from checker.symbolic.unbounded import Axiom, UnboundedTranslator
from checker.traces.junit import Case

DEFAULT_TIMEOUT = 60.0
# Each quick attempt, before the last one with the full time limit, is bounded by z3's resource
# count (deterministic: the same attempts succeed however loaded the machine is); QUICK_WORK is
# about 2 s of z3 on a quiet machine. The time limit behind it only stops a pathological check.
QUICK_WORK = 4_000_000
QUICK_TIMEOUT = 20.0
# z3 configurations tried in turn (the last attempt uses z3's defaults). Capping the
# counterexamples per MBQI round keeps instantiation focused outside EPR; the seeds vary it.
_SEEDED: tuple[dict[str, object], ...] = tuple(
    {"mbqi.max_cexs": 10, "random_seed": seed} for seed in range(6)
)
PORTFOLIO: tuple[dict[str, object], ...] = (*_SEEDED, {})
# Why an answer is unknown when z3's only model breaks what the translator abstracts.
SPURIOUS = "z3 found only models that no order or counting of the sorts has"


@dataclass
class Obligation:
    kind: str  # "axioms" | "init" | "step" | "safety"
    title: str
    action: str | None
    claim: str | None
    answer: Answer
    assumed: list[str] | None = None  # the conjuncts assumed, when not all of them

    @property
    def verdict(self) -> Verdict:
        return self.answer.verdict

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "title": self.title,
            "action": self.action,
            "claim": self.claim,
            "verdict": self.verdict.value,
            "seconds": round(self.answer.seconds, 4),
        }
        if self.answer.reason:
            out["reason"] = self.answer.reason
        if self.assumed is not None:
            out["assumed"] = self.assumed
        return out


@dataclass
class ProofReport:
    proof: str
    spec: ir.SpecIR
    conjuncts: list[str]
    safety: list[str]
    epr: EprReport
    obligations: list[Obligation] = field(default_factory=list)
    cti: Cti | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    spec_name: str = ""  # the spec the proof is about (the proof class extends it)

    @property
    def failed(self) -> list[Obligation]:
        return [o for o in self.obligations if o.verdict is Verdict.FAILS]

    @property
    def unknown(self) -> list[Obligation]:
        return [o for o in self.obligations if o.verdict is Verdict.UNKNOWN]

    @property
    def result(self) -> str:
        if self.failed:
            return "failed"
        return "unknown" if self.unknown else "proved"

    @property
    def exit_code(self) -> ExitCode:
        return {"proved": ExitCode.OK, "failed": ExitCode.VIOLATED, "unknown": ExitCode.UNKNOWN}[
            self.result
        ]

    def junit_cases(self) -> list[Case]:
        """One test case per obligation: a failure carries the CTI, `unknown` is an error."""
        cases = []
        for ob in self.obligations:
            name, seconds = ob.title, ob.answer.seconds
            if ob.verdict is Verdict.FAILS:
                cti = self.cti
                details = cti.text() if cti is not None and cti.obligation == ob.title else ""
                cases.append(Case(name, self.proof, seconds, f"{ob.title}: fails", details=details))
            elif ob.verdict is Verdict.UNKNOWN:
                cases.append(
                    Case(name, self.proof, seconds, error=f"z3: unknown ({ob.answer.reason})")
                )
            else:
                cases.append(Case(name, self.proof, seconds))
        return cases

    def to_json(self) -> dict[str, Any]:
        from checker.traces.itf import state_to_itf

        out: dict[str, Any] = {
            "proof": self.proof,
            "spec": self.spec_name,
            "result": self.result,
            "conjuncts": self.conjuncts,
            "safety": self.safety,
            "epr": {
                "in_fragment": self.epr.in_fragment,
                "summary": self.epr.summary(),
                "cycle": [
                    {"from": e.src, "to": e.dst, "why": e.why} for e in (self.epr.cycle or [])
                ],
            },
            "obligations": [o.to_json() for o in self.obligations],
            "seconds": round(self.seconds, 4),
            "notes": self.notes,
        }
        if self.cti is not None:
            c = self.cti
            out["cti"] = {
                "obligation": c.obligation,
                "claim": c.claim,
                "action": c.action,
                "params": {n: c.inst.label(s, code) for n, code, s in c.params},
                "universe": c.universe(),
                "pre": state_to_itf(c.inst, c.layout, c.layout.pack(c.pre)),
                "post": None
                if c.post is None
                else state_to_itf(c.inst, c.layout, c.layout.pack(c.post)),
                "text": c.text(),
            }
        return out


def rebase(proof: type[Spec], spec: type[Spec]) -> type[Spec]:
    """The proof's own members (conjuncts, helpers, `safety`) on top of another spec, such as a
    mutant of the one the proof was written for."""
    own: dict[str, object] = {}
    spec_classes = set(_spec_of(proof).__mro__)
    for klass in reversed(proof.__mro__):
        if klass not in spec_classes:
            own.update(
                (k, v) for k, v in vars(klass).items() if k not in ("__dict__", "__weakref__")
            )
    return type(proof.__name__, (spec,), own)


def _safety(cls: type[Spec], spec_ir: ir.SpecIR) -> list[ir.Property]:
    invariants = {p.name: p for p in spec_ir.properties_of(ir.PropertyKind.INVARIANT)}
    names = getattr(cls, "safety", None)
    if names is None:
        return list(invariants.values())
    if isinstance(names, str):
        names = (names,)
    out = []
    for n in names:
        if n not in invariants:
            listed = ", ".join(invariants) or "none"
            raise UsageError(
                f"proof {cls.__name__}: `safety` names `{n}`, which is not an @invariant of the "
                f"spec (its invariants: {listed})"
            )
        out.append(invariants[n])
    return out


def _symbols(exprs: Sequence[ir.Expr]) -> set[str]:
    out: set[str] = set()
    for root in exprs:
        for e in ir.walk(root):
            if isinstance(e, ir.Atom | ir.App):
                out.add(e.symbol)
    return out


def _action_symbols(act: ir.Action) -> set[str]:
    exprs = [x for stmt in act.body for x in ir.stmt_exprs(stmt)]
    return _symbols(exprs) | {u for stmt in act.body if (u := ir.updated_symbol(stmt))}


@dataclass
class Goal:
    """One obligation: extra assumptions (a guard), the negated claim, how to explain a model."""

    kind: str
    title: str
    action: str | None
    claim: str
    extra: list[z3.BoolRef]
    negated: z3.BoolRef
    inductive: bool  # assume the invariant in the pre-state
    relevant: set[str]  # state symbols the action and the claim mention
    explain: Callable[[ModelReader], Cti]
    writes: set[str] = field(default_factory=set)  # state symbols the action updates


class Prover:
    def __init__(
        self, cls: type[Spec], timeout: float, minimise_cti: bool, fail_fast: bool = False
    ) -> None:
        self.cls = cls
        self.fail_fast = fail_fast
        self.spec = trace_spec(cls)
        self.timeout = timeout
        self.minimise_cti = minimise_cti
        self.conjuncts = list(self.spec.properties_of(ir.PropertyKind.CONJUNCT))
        if not self.conjuncts:
            raise UsageError(
                f"{cls.__name__} declares no @conjunct: a proof names its inductive invariant "
                "as @conjunct methods"
            )
        self.safety = _safety(cls, self.spec)
        self.hints = _hints(cls, [c.name for c in self.conjuncts])
        fresh_context()
        self.tr = UnboundedTranslator(self.spec)
        self.axioms: list[Axiom] = self.tr.axioms()
        self.pre = self.tr.state("")
        self.inv = {c.name: as_z3(self.tr.formula(c.formula, {}, self.pre)) for c in self.conjuncts}
        self.inv_symbols = {c.name: _symbols([c.formula]) for c in self.conjuncts}
        self.typed = as_z3(self.tr.typed(self.pre))
        self.assertions: list[tuple[str, z3.BoolRef]] = [(a.name, a.formula) for a in self.axioms]
        self.assertions += [(f"conjunct {n}", f) for n, f in self.inv.items()]
        self.report = ProofReport(
            cls.__name__,
            self.spec,
            [c.name for c in self.conjuncts],
            [p.name for p in self.safety],
            EprReport(),
            spec_name=_spec_of(cls).__name__,
        )
        for decl in self.spec.sorts:
            if decl.kind is ir.SortKind.QUORUM and not self.tr.intersecting[decl.name]:
                self.report.notes.append(
                    f"quorums `{decl.name}` need not intersect for every size, so the "
                    "intersection axiom is not assumed"
                )

    # -- asking z3 ---------------------------------------------------------------------------

    def _attempts(self, goal: Goal) -> list[list[str] | None]:
        """Assumption sets to try, smallest first; None is the whole invariant. Assuming fewer
        conjuncts is sound (a weaker hypothesis) and, outside EPR, often what lets z3 finish."""
        if not goal.inductive:
            return [None]
        out: list[list[str] | None] = []
        if goal.claim in self.inv and not goal.writes & self.inv_symbols[goal.claim]:
            out.append([goal.claim])  # the action leaves the claim's symbols alone: C' is C
        hinted = self.hints.get(goal.title) or self.hints.get(goal.claim)
        if hinted:
            out.append(hinted)
        relevant = [n for n, syms in self.inv_symbols.items() if syms <= goal.relevant]
        if relevant and len(relevant) < len(self.conjuncts) and relevant != hinted:
            out.append(relevant)
        out.append(None)
        return out

    def _solver(self, goal: Goal, assumed: list[str] | None) -> z3.Solver:
        """The negated goal under the axioms and the `assumed` conjuncts (None: all)."""
        s = new_solver(self.timeout)
        s.add(*(a.formula for a in self.axioms))
        if goal.inductive:
            s.add(self.typed, *(f for n, f in self.inv.items() if assumed is None or n in assumed))
        s.add(*self.tr.definitions, *goal.extra, goal.negated)
        return s

    def _genuine(self, answer: Answer, solver: z3.Solver) -> Answer:
        """A model z3 found is a counterexample only if what the translator abstracts holds in
        it (`UnboundedTranslator.exact`, over the model's universe); otherwise the answer is
        unknown."""
        abstracted = {*self.tr.adjacent_rel, *self.tr.quorum_bases, *self.tr.quorum_bases.values()}
        if answer.verdict is not Verdict.FAILS or not abstracted:
            return answer
        model = solver.model()
        universe = {name: proper_elements(model, self.tr, name) for name in abstracted}
        if all(z3.is_true(model.eval(f, True)) for f in self.tr.exact(universe)):
            return answer
        return Answer(Verdict.UNKNOWN, answer.seconds, SPURIOUS)

    def discharge(self, goal: Goal) -> None:
        """Settle one obligation, cheapest attempts first:

        1. smaller assumption sets (the claim alone when the action does not touch it, a hint,
           after a quick look for a counterexample with at most 2 elements in every sort,
           the conjuncts that speak only of symbols the action and the claim mention), each
           with a portfolio of quick z3 configurations (outside EPR, quantifier instantiation
           is sensitive to the seed);
        2. a counterexample in which every sort has at most 1, 2, 3 elements — a genuine CTI,
           and finite sorts make z3's search for it terminate;
        3. the whole invariant with the same portfolio, then with the full time limit.

        A model is reported as a counterexample only if it is a genuine one (`_genuine`).

        Assuming fewer conjuncts is sound, so step 1 can prove an obligation but never fail it:
        a model of fewer conjuncts need not satisfy them all.
        """
        if self.fail_fast and self.report.cti is not None:
            return
        self.assertions.append((f"the negation of {goal.claim} ({goal.title})", goal.negated))
        spent = 0.0
        looked = False
        cleared: set[int] = set()  # bounds with no counterexample: not searched again
        for assumed in self._attempts(goal):
            if assumed is None:
                continue
            if assumed != [goal.claim] and not looked:
                # Before the portfolios that only prove: a quick look for a CTI in the smallest
                # universes, so that a false obligation fails without waiting for all of them.
                looked = True
                answer, solver, cleared = self._bounded_search(goal, (1, 2), QUICK_WORK // 4)
                spent += answer.seconds
                if answer.verdict is Verdict.FAILS:
                    self._record(goal, answer, spent, None, solver)
                    return
            answer, solver = self._portfolio(goal, assumed)
            spent += answer.seconds
            if answer.verdict is Verdict.HOLDS:
                self._record(goal, answer, spent, assumed, solver)
                return
        answer, solver, _ = self._bounded_search(goal, [b for b in (1, 2, 3) if b not in cleared])
        spent += answer.seconds
        if answer.verdict is not Verdict.FAILS:
            answer, solver = self._portfolio(goal, None)
            answer = self._genuine(answer, solver)
            spent += answer.seconds
        if answer.verdict is Verdict.UNKNOWN:
            solver = self._solver(goal, None)
            answer = self._genuine(ask(solver, {}, self.timeout), solver)
            spent += answer.seconds
        if answer.reason == SPURIOUS:  # assume what the abstraction left out, and ask again
            solver.add(*self.tr.converse())
            answer = ask(solver, {}, self.timeout)
            spent += answer.seconds
        self._record(goal, answer, spent, None, solver)

    def _portfolio(self, goal: Goal, assumed: list[str] | None) -> tuple[Answer, z3.Solver]:
        solver = self._solver(goal, assumed)
        spent = 0.0
        for params in PORTFOLIO:
            answer = ask(solver, params, min(QUICK_TIMEOUT, self.timeout), QUICK_WORK)
            spent += answer.seconds
            if answer.verdict is not Verdict.UNKNOWN:
                break
        return Answer(answer.verdict, spent, answer.reason), solver

    def _record(
        self,
        goal: Goal,
        answer: Answer,
        seconds: float,
        assumed: list[str] | None,
        solver: z3.Solver,
    ) -> None:
        result = Answer(answer.verdict, seconds, answer.reason)
        self.report.obligations.append(
            Obligation(goal.kind, goal.title, goal.action, goal.claim, result, assumed)
        )
        if answer.verdict is Verdict.FAILS and self.report.cti is None:
            model = minimise(solver, self.tr, self.pre) if self.minimise_cti else solver.model()
            self.report.cti = goal.explain(ModelReader(model, self.tr))

    def _bounded_search(
        self, goal: Goal, bounds: Sequence[int] = (1, 2, 3), work: int = QUICK_WORK * 2
    ) -> tuple[Answer, z3.Solver, set[int]]:
        """Look for a counterexample in which every sort has at most `bound` elements, for each
        of `bounds` in turn; also return the bounds where z3 showed there is none."""
        seconds = 0.0
        cleared: set[int] = set()
        solver = self._solver(goal, None)
        for bound in bounds:
            solver = self._solver(goal, None)
            elements: dict[str, list[z3.ExprRef]] = {}
            for decl in self.spec.sorts:
                within, elements[decl.name] = size_bound(
                    self.tr, decl.name, bound, f"bound{bound}", False
                )
                solver.add(within)
            solver.add(*self.tr.exact(elements))
            answer = ask(solver, {}, min(QUICK_TIMEOUT * 2, self.timeout), work)
            seconds += answer.seconds
            if answer.verdict is Verdict.FAILS:
                return Answer(Verdict.FAILS, seconds), solver, cleared
            if answer.verdict is Verdict.HOLDS:
                cleared.add(bound)
        return Answer(Verdict.UNKNOWN, seconds, "timeout"), solver, cleared

    # -- the obligations ---------------------------------------------------------------------

    def axioms_consistent(self) -> bool:
        s = new_solver(self.timeout)
        s.add(*(a.formula for a in self.axioms))
        answer = ask(s, {}, self.timeout)
        flipped = {Verdict.HOLDS: Verdict.FAILS, Verdict.FAILS: Verdict.HOLDS}.get(
            answer.verdict, answer.verdict
        )
        self.report.obligations.append(
            Obligation(
                "axioms",
                "the axioms are consistent",
                None,
                None,
                Answer(flipped, answer.seconds, answer.reason),
            )
        )
        return flipped is Verdict.HOLDS

    def initial_states(self) -> list[tuple[str | None, View, Bool]]:
        """Each way to start: (the @init's name or None, the initial state, its guard)."""
        zero = self.tr.zero_view(self.tr.state("!init0"))
        if not self.spec.inits:
            return [(None, zero, True)]
        starts: list[tuple[str | None, View, Bool]] = []
        for act in self.spec.inits:
            params = self.tr.params(act, f"{act.name}!")
            t = self.tr.run(act, params, zero)
            starts.append((act.name, t.post, mk_and([self.tr.param_guard(act, params), t.guard])))
        return starts

    def initiation(self) -> None:
        for name, view, guard in self.initial_states():
            self.assertions.append((f"the initial condition {name or ''}".strip(), as_z3(guard)))
            for c in self.conjuncts:
                title = f"init{'' if name is None else ' ' + name} establishes {c.name}"

                def explain(
                    r: ModelReader, title: str = title, c: ir.Property = c, view: View = view
                ) -> Cti:
                    return Cti(title, c.name, r.inst, r.layout, r.state(view))

                negated = as_z3(mk_not(self.tr.formula(c.formula, {}, view)))
                self.discharge(
                    Goal(
                        "init", title, name, c.name, [as_z3(guard)], negated, False, set(), explain
                    )
                )

    def consecution(self) -> None:
        for act in self.spec.actions:
            params = self.tr.params(act, f"{act.name}!")
            t = self.tr.run(act, params, self.pre)
            guard = as_z3(mk_and([self.tr.param_guard(act, params), t.guard]))
            self.assertions.append((f"action {act.name}", guard))
            action_symbols = _action_symbols(act)
            if t.fails is not False:  # it can fail (a value out of range, a zero divisor)
                title = f"{act.name} never fails"
                hyps = [as_z3(self.tr.param_guard(act, params))]
                explain = self.failure_cti(title, t)
                failing = as_z3(t.fails)
                self.discharge(
                    Goal("step", title, act.name, "no failure", hyps, failing, True,
                         action_symbols, explain)
                )  # fmt: skip
            for c in self.conjuncts:
                title = f"{act.name} preserves {c.name}"
                explain = self.step_cti(title, c.name, t)
                negated = as_z3(mk_not(self.tr.formula(c.formula, {}, t.post)))
                relevant = action_symbols | self.inv_symbols[c.name]
                self.discharge(
                    Goal("step", title, act.name, c.name, [guard], negated, True, relevant, explain)
                )

    def implies_safety(self) -> None:
        for p in self.safety:
            title = f"the invariant implies {p.name}"

            def explain(r: ModelReader, title: str = title, p: ir.Property = p) -> Cti:
                return Cti(title, p.name, r.inst, r.layout, r.state(self.pre))

            negated = as_z3(mk_not(self.tr.formula(p.formula, {}, self.pre)))
            relevant = _symbols([p.formula])
            self.discharge(
                Goal("safety", title, None, p.name, [], negated, True, relevant, explain)
            )

    def obligations(self) -> None:
        self.initiation()
        self.consecution()
        self.implies_safety()

    def run(self) -> ProofReport:
        start = time.perf_counter()
        if self.axioms_consistent():
            self.obligations()
        self.report.epr = analyse(self.assertions)
        self.report.seconds = time.perf_counter() - start
        return self.report

    def failure_cti(self, title: str, t: Transition) -> Callable[[ModelReader], Cti]:
        """How to read a model of an action that fails: the pre-state and the instance."""

        def explain(r: ModelReader) -> Cti:
            params = r.params(t.action, t.params)
            return Cti(
                title, "no failure", r.inst, r.layout, r.state(self.pre), t.action.name, params
            )

        return explain

    def step_cti(self, title: str, claim: str, t: Transition) -> Callable[[ModelReader], Cti]:
        """How to read a model of a failed step obligation: pre-state, step, post-state."""

        def explain(r: ModelReader) -> Cti:
            return Cti(
                title,
                claim,
                r.inst,
                r.layout,
                r.state(self.pre),
                t.action.name,
                r.params(t.action, t.params),
                r.state(t.post),
            )

        return explain


def _spec_of(cls: type[Spec]) -> type:
    """The spec a proof is about: the first class in its MRO that neither declares conjuncts
    nor inherits any (a proof may extend another proof and another spec at once, as
    MultiPaxosReconfigProof(MultiPaxosReconfig, MultiPaxosProof) does)."""

    def declares(k: type) -> bool:
        return any(getattr(v, MARK, None) == "conjunct" for v in vars(k).values())

    for k in cls.__mro__:
        if issubclass(k, Spec) and k is not Spec and not any(map(declares, k.__mro__)):
            return k
    return cls


def _hints(cls: type[Spec], conjuncts: list[str]) -> dict[str, list[str]]:
    """The proof's optional `hints`: for a claim (a conjunct, a safety property) or for one
    obligation (by its title), the conjuncts to try assuming first."""
    raw = getattr(cls, "hints", None) or {}
    if not isinstance(raw, dict):
        raise UsageError(f"proof {cls.__name__}: `hints` must map claim names to conjunct names")
    out: dict[str, list[str]] = {}
    for claim, names in raw.items():
        names = [names] if isinstance(names, str) else list(names)
        for n in names:
            if n not in conjuncts:
                raise UsageError(
                    f"proof {cls.__name__}: the hint for `{claim}` names `{n}`, which is not a "
                    f"@conjunct (conjuncts: {', '.join(conjuncts)})"
                )
        out[claim] = names
    return out


def prove(
    proof: type[Spec] | str,
    spec: type[Spec] | str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    minimise_cti: bool = True,
    fail_fast: bool = False,
) -> ProofReport:
    """Check the proof (a class or a reference such as `proofs/voting.py`); with `spec`, check
    its conjuncts against another spec instead (for example a mutant). With `fail_fast`, stop
    at the first obligation that fails (the later ones are not attempted)."""
    cls = load_spec(proof) if isinstance(proof, str) else proof
    if spec is not None:
        cls = rebase(cls, load_spec(spec) if isinstance(spec, str) else spec)
    return Prover(cls, timeout, minimise_cti, fail_fast).run()
