"""The z3 translation agrees with the explicit engine, on concrete states and on CTIs.

The unbounded translation (`checker.symbolic.unbounded`) leaves every sort uninterpreted; here
each sort is pinned to the universe of one finite `Instance` (a constant per code, a cover axiom,
the order and quorum membership fixed pointwise), so a z3 model is a concrete state of that
instance and can be compared with the reference interpreter:

* on random reachable states of several specs, the z3 transition formula of every action has
  exactly the explicit successors as its models: (parameters, post-state) pairs are enumerated
  until unsat, so a missing successor and a spurious one both fail; the initial states agree too;
* every CTI that `prove` reports — for mutants and for proofs with a conjunct dropped — is
  genuine: its pre-state satisfies the invariant, its action run by the interpreter yields its
  post-state (and z3, on the CTI's own universe, agrees with the interpreter there), and its
  claim is false in its last state.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import pytest
import z3

from checker import ir
from checker.explicit.interp import Interpreter
from checker.explicit.layout import Layout, Structured
from checker.instance import Instance, instantiate
from checker.lang.spec import Spec
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from checker.symbolic.cti import Cti
from checker.symbolic.logic import as_z3, mk_and
from checker.symbolic.prove import ProofReport, prove
from checker.symbolic.translate import View
from checker.symbolic.unbounded import UnboundedTranslator
from tests.conftest import ROOT, TEST_SPECS

Params = tuple[int, ...]
Successor = tuple[Params, Structured]

# -- a z3 solver whose sorts are one instance's universe -------------------------------------


@dataclass
class Universe:
    """An `UnboundedTranslator` together with a solver in which every sort has exactly the
    elements of `inst`: `elems[sort][code]` is the z3 element with that code."""

    tr: UnboundedTranslator
    inst: Instance
    solver: z3.Solver
    elems: dict[str, list[z3.ExprRef]] = field(default_factory=dict)

    def element(self, t: ir.Type | str, code: int) -> z3.ExprRef:
        return self.elems[t if isinstance(t, str) else t.sort][code]

    def ground(self, f: z3.ExprRef) -> z3.ExprRef:
        """`f` with every quantifier expanded into a conjunction or disjunction over the
        universe: equivalent under the cover axioms, and quantifier-free, so z3 is complete."""
        done: dict[int, tuple[z3.ExprRef, z3.ExprRef]] = {}

        def go(e: z3.ExprRef) -> z3.ExprRef:
            hit = done.get(e.get_id())
            if hit is not None:
                return hit[1]
            if z3.is_quantifier(e):
                domains = [self.elems[e.var_sort(i).name()] for i in range(e.num_vars())]
                # de Bruijn: the last bound variable is Var(0)
                parts = [
                    go(z3.substitute_vars(e.body(), *reversed(values)))
                    for values in itertools.product(*domains)
                ]
                out = z3.And(*parts) if e.is_forall() else z3.Or(*parts)
            elif z3.is_app(e) and e.num_args() > 0:
                out = e.decl()(*[go(c) for c in e.children()])
            else:
                out = e
            done[e.get_id()] = (e, out)
            return out

        return go(f)

    def codes_in(self, model: z3.ModelRef) -> dict[str, dict[str, int]]:
        """For each sort, the code of each model value (by its s-expression)."""
        out: dict[str, dict[str, int]] = {}
        for sort, elems in self.elems.items():
            table: dict[str, int] = {}
            for code, e in enumerate(elems):
                key = model.eval(e, model_completion=True).sexpr()
                assert key not in table, f"two codes of `{sort}` are one element"
                table[key] = code
            out[sort] = table
        return out


def universe(tr: UnboundedTranslator, inst: Instance) -> Universe:
    """A solver over `tr` whose every sort is exactly the universe of `inst`, with the axioms."""
    assert tr.spec is inst.spec
    solver = z3.Solver()
    solver.set("random_seed", 0)
    u = Universe(tr, inst, solver)
    ints: set[int] = set()  # the values of the integer sorts, which are z3 integers
    for name, var in tr.param_vars.items():
        solver.add(var == inst.params[name])
    for name, s in inst.sorts.items():
        if name in tr.int_bounds:
            values = [s.bias + c for c in range(s.size)]
            u.elems[name] = [z3.IntVal(v) for v in values]
            ints |= set(values)
            continue
        zsort = tr.z3sorts[name]
        elems = [z3.Const(f"u!{name}!{c}", zsort) for c in s.codes(False)]
        if s.decl.has_bottom:
            elems.insert(0, tr.bottoms[name])
        assert len(elems) == s.hi()
        u.elems[name] = elems
        x = z3.Const(f"u!{name}!x", zsort)
        solver.add(z3.ForAll([x], z3.Or(*[x == e for e in elems])))
        if len(elems) > 1:
            solver.add(z3.Distinct(*elems))
    if ints:  # a quantifier over an integer sort is guarded by its bounds: expand over all
        u.elems["Int"] = [z3.IntVal(v) for v in sorted(ints)]
    for (name, i), const in tr.consts.items():
        s = inst.sorts[name]
        assert i < s.size, f"`{name}[{i}]` is not an element of the instance"
        solver.add(const == u.elems[name][s.offset + i])
    for name, le in tr.le_rel.items():
        elems = u.elems[name]
        for a, b in ((a, b) for a in range(len(elems)) for b in range(len(elems))):
            solver.add(le(elems[a], elems[b]) == z3.BoolVal(a <= b))
    for name, member in tr.member_rel.items():
        s = inst.sorts[name]
        assert s.decl.base is not None and s.quorums is not None
        for q, members in enumerate(s.quorums):
            for n, e in enumerate(u.elems[s.decl.base]):
                solver.add(member(e, u.elems[name][q]) == z3.BoolVal(n in members))
    axioms = [a.formula for a in tr.axioms()]
    solver.push()
    solver.add(*axioms)  # as the prover states them
    assert solver.check() == z3.sat, "the axioms do not hold in the instance's universe"
    solver.pop()
    # Expanded over the universe, so that no quantifier but the cover axioms is left.
    solver.add(*(u.ground(a) for a in axioms))
    assert solver.check() == z3.sat
    return u


def atoms(u: Universe, view: View) -> list[tuple[ir.SymbolDecl, tuple[int, ...], z3.ExprRef]]:
    """Every ground atom of a view over the instance: (symbol, argument codes, z3 value)."""
    out = []
    for decl in u.tr.spec.symbols:
        reader = view[decl.name]
        for codes in u.inst.product(decl.args):
            args = [u.element(t, c) for t, c in zip(decl.args, codes, strict=True)]
            out.append((decl, codes, as_z3(reader(args))))  # type: ignore[arg-type]
    return out


def state_facts(u: Universe, view: View, state: Structured) -> list[z3.BoolRef]:
    """The view is the structured state: every relation tuple and function point as in it."""
    facts = []
    for decl, stored in zip(u.tr.spec.symbols, state, strict=True):
        reader = view[decl.name]
        for i, codes in enumerate(u.inst.product(decl.args)):
            value = reader([u.element(t, c) for t, c in zip(decl.args, codes, strict=True)])
            if decl.kind is ir.SymbolKind.RELATION:
                assert isinstance(stored, frozenset)
                facts.append(as_z3(value) == z3.BoolVal(codes in stored))  # type: ignore[arg-type]
            else:
                assert decl.result is not None and isinstance(stored, tuple)
                facts.append(value == u.element(decl.result, stored[i]))
    return facts


def read_state(
    u: Universe, model: z3.ModelRef, codes: Mapping[str, Mapping[str, int]], view: View
) -> tuple[Structured, list[z3.BoolRef]]:
    """The structured state a model gives the view, and the atoms' values as equalities."""
    out: dict[str, list[tuple[int, ...] | int]] = {d.name: [] for d in u.tr.spec.symbols}
    equalities = []
    for decl, args, value in atoms(u, view):
        got = model.eval(value, model_completion=True)
        if decl.kind is ir.SymbolKind.RELATION:
            assert z3.is_true(got) or z3.is_false(got), got
            equalities.append(value == got)
            if z3.is_true(got):
                out[decl.name].append(args)
        else:
            assert decl.result is not None
            code = codes[decl.result.sort][got.sexpr()]
            equalities.append(value == u.element(decl.result, code))
            out[decl.name].append(code)
    state = tuple(
        frozenset(out[d.name]) if d.kind is ir.SymbolKind.RELATION else tuple(out[d.name])
        for d in u.tr.spec.symbols
    )
    return state, equalities  # type: ignore[return-value]


def enumerate_models(
    u: Universe, params: Sequence[z3.ExprRef], types: Sequence[ir.Type], view: View
) -> set[Successor]:
    """Every (parameter codes, state of `view`) the solver's current assertions allow."""
    found: set[Successor] = set()
    solver = u.solver
    solver.push()
    try:
        while (answer := solver.check()) == z3.sat:
            model = solver.model()
            codes = u.codes_in(model)
            values = tuple(
                codes[t.sort][model.eval(p, model_completion=True).sexpr()]
                for p, t in zip(params, types, strict=True)
            )
            state, equalities = read_state(u, model, codes, view)
            assert (values, state) not in found, "a blocked model came back"
            found.add((values, state))
            pinned = [p == u.element(t, c) for p, t, c in zip(params, types, values, strict=True)]
            solver.add(z3.Not(z3.And(*pinned, *equalities)))
            assert len(found) <= 10_000, "runaway enumeration"
        assert answer == z3.unsat, f"z3 answered {answer}: {solver.reason_unknown()}"
    finally:
        solver.pop()
    return found


# -- the specs -------------------------------------------------------------------------------

CASES: dict[str, tuple[str, dict[str, int], int]] = {
    # name: (spec file, parameters, how many reachable states to explore before sampling)
    "paxos": ("spec/paxos.py", {"max_ballot": 1}, 10**6),
    "voting": ("spec/voting.py", {"nodes": 3, "values": 2, "rounds": 2}, 1500),
    "voting-2-nodes": ("spec/voting.py", {"nodes": 2, "values": 2, "rounds": 2}, 10**6),
    "lockserver": (str(TEST_SPECS / "lockserver.py"), {}, 10**6),
    "clocks": (str(TEST_SPECS / "clocks.py"), {}, 10**6),
    "counters": (str(TEST_SPECS / "counters.py"), {"max_count": 2}, 10**6),
    "counter-overflow": (str(TEST_SPECS / "counter_overflow.py"), {}, 10**6),
    # rigid symbols (one z3 symbol in every state), axioms, arbitrary initial values
    "ironfleet": ("spec/mypyvy/ironfleet_distributed_lock.py", {}, 10**6),
    # choices inside actions: parameters of the transition; btw listed by z3
    "choices": (str(TEST_SPECS / "choices.py"), {"values": 2}, 10**6),
    "ring": ("spec/mypyvy/ring.py", {}, 10**6),
    # sequences: functions of integer sorts, with Checks (a full channel, an empty one)
    "fifo": (str(TEST_SPECS / "fifo.py") + ":Fifo", {"cap": 1}, 10**6),
    "records": (str(TEST_SPECS / "records.py") + ":Records", {"nodes": 1}, 10**6),
    "subsets": (str(TEST_SPECS / "subsets.py") + ":Readers", {"nodes": 2}, 10**6),
    "bags": (str(TEST_SPECS / "bags.py") + ":Duplicating", {"nodes": 1}, 10**6),
    # CHOOSE over an ordered sort, in an action and in a property: a function of z3 defined
    # by the translator (`definitions`), exact where the sort is ordered. (CHOOSE over a plain
    # sort is "some element" in the unbounded translation, a superset of the explicit engines'
    # "least": tests/checker/lang/test_choose.py checks it with bmc.)
    "choose": (str(TEST_SPECS / "choose_properties.py") + ":Election", {}, 10**6),
    "choose-per-element": (str(TEST_SPECS / "choose_properties.py") + ":Counters", {}, 10**6),
    # built sets as values per element of an update (CHOOSEs of subsets)
    "set-values": (str(TEST_SPECS / "set_values.py") + ":EveryPairLogged", {"nodes": 2}, 10**6),
}
SAMPLE = 12  # sampled reachable states per spec, besides the initial ones


@dataclass
class Model:
    spec: ir.SpecIR
    inst: Instance
    layout: Layout
    interp: Interpreter
    universe: Universe
    pre: View
    steps: dict[str, tuple[tuple[z3.ExprRef, ...], z3.BoolRef]]  # action: (params, formula)
    post: View
    fails: dict[str, z3.BoolRef]  # action: where an instance fails (its params as in steps)


def model_of(spec: ir.SpecIR, inst: Instance, layout: Layout | None = None) -> Model:
    layout = layout or Layout(inst)
    tr = UnboundedTranslator(spec)
    u = universe(tr, inst)
    pre, post = tr.state(""), tr.state("'")
    steps, fails = {}, {}
    for act in spec.actions:
        params = tr.params(act, "p!")
        t = tr.run(act, params, pre)
        formula = mk_and([tr.param_guard(act, params), t.guard, tr.same_state(post, t.post)])
        steps[act.name] = (params, u.ground(as_z3(formula)))
        fails[act.name] = u.ground(as_z3(mk_and([tr.param_guard(act, params), t.fails])))
    # What the translation's own symbols mean (a CHOOSE is a function defined by an axiom).
    u.solver.add(*(u.ground(d) for d in tr.definitions))
    interp = Interpreter(inst, layout)
    return Model(spec, inst, layout, interp, u, pre, steps, post, fails)


@cache
def case_model(case: str) -> Model:
    path, params, _ = CASES[case]
    spec = trace_spec(load_spec(str(ROOT / path)))
    return model_of(spec, instantiate(spec, params))


def reachable(interp: Interpreter, limit: int) -> tuple[list[Structured], list[Structured]]:
    """Breadth-first reachable states, as `reference_bfs` explores them (states that break a
    constraint are not explored): the initial ones, and the others, stopping after `limit`."""
    constraints = interp.spec.properties_of(ir.PropertyKind.CONSTRAINT)

    def allowed(st: Structured) -> bool:
        return all(interp.holds(c, st) for c in constraints)

    inits = list(dict.fromkeys(st for _, _, st in interp.initial_states() if allowed(st)))
    order, seen = list(inits), set(inits)
    i = 0
    while i < len(order) and len(order) < limit:
        for step in interp.successors(order[i]):
            if step.state not in seen and allowed(step.state):
                seen.add(step.state)
                order.append(step.state)
        i += 1
    return inits, order[len(inits) :]


@cache
def sample(case: str, seed: int) -> list[Structured]:
    """The initial states and SAMPLE other reachable ones, picked at random."""
    inits, rest = reachable(case_model(case).interp, CASES[case][2])
    return inits + random.Random(seed).sample(rest, min(SAMPLE, len(rest)))


def explicit_successors(m: Model, act: ir.Action, state: Structured) -> set[Successor]:
    k = m.spec.actions.index(act)
    return {(s.params, s.state) for s in m.interp.successors(state) if s.action == k}


def z3_successors(m: Model, act: ir.Action, state: Structured) -> set[Successor]:
    u = m.universe
    params, formula = m.steps[act.name]
    u.solver.push()
    try:
        u.solver.add(*state_facts(u, m.pre, state))
        u.solver.add(formula)
        return enumerate_models(u, params, [v.type for v in act.params], m.post)
    finally:
        u.solver.pop()


def assert_same_successors(m: Model, act: ir.Action, state: Structured) -> set[Successor]:
    explicit = explicit_successors(m, act, state)
    symbolic = z3_successors(m, act, state)
    missing, spurious = explicit - symbolic, symbolic - explicit
    assert not missing and not spurious, (
        f"{act.name}: {len(missing)} explicit successor(s) not allowed by z3, e.g. "
        f"{sorted(missing, key=repr)[:1]}; {len(spurious)} z3 successor(s) the interpreter "
        f"does not produce, e.g. {sorted(spurious, key=repr)[:1]}"
    )
    return explicit


# -- transitions and initial states ------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_z3_transitions_are_the_explicit_successors(case: str) -> None:
    m = case_model(case)
    enabled = dict.fromkeys((a.name for a in m.spec.actions), 0)
    for state in sample(case, seed=7):
        # The pinned pre-state is consistent with the universe and the axioms.
        m.universe.solver.push()
        m.universe.solver.add(*state_facts(m.universe, m.pre, state))
        assert m.universe.solver.check() == z3.sat
        m.universe.solver.pop()
        for act in m.spec.actions:
            enabled[act.name] += len(assert_same_successors(m, act, state))
    # Every action fires somewhere in the sample: no comparison is only of empty sets.
    assert all(enabled.values()), enabled


@pytest.mark.parametrize("case", ["counters", "counter-overflow"])
def test_z3_failures_are_the_explicit_failures(case: str) -> None:
    """Where an action instance fails (a value outside its integer sort), z3's failure formula
    and the interpreter agree, instance by instance."""
    m = case_model(case)
    u = m.universe
    found = 0
    for state in sample(case, seed=7):
        explicit = {(f.act.name, f.params) for f in m.interp.failures(state)}
        found += len(explicit)
        for act in m.spec.actions:
            params, _ = m.steps[act.name]
            u.solver.push()
            u.solver.add(*state_facts(u, m.pre, state), m.fails[act.name])
            symbolic = {
                (act.name, v)
                for v, _ in enumerate_models(u, params, [p.type for p in act.params], m.pre)
            }
            u.solver.pop()
            assert symbolic == {f for f in explicit if f[0] == act.name}, act.name
    if case == "counter-overflow":
        assert found > 0  # the sample holds states where an increment fails


def test_the_sample_reaches_deep_states() -> None:
    """The sample is not just initial states: each sampled state has messages, some many, and
    all are reachable states (they satisfy the spec's invariants)."""
    m = case_model("paxos")
    states = sample("paxos", seed=7)
    assert len(states) == 1 + SAMPLE
    sizes = [sum(len(v) for v in st if isinstance(v, frozenset)) for st in states[1:]]
    assert min(sizes) >= 1 and max(sizes) >= 8
    assert all(m.interp.holds(p, st) for p in m.spec.state_invariants() for st in states)


def z3_initial_states(m: Model) -> set[Structured]:
    u, tr = m.universe, m.universe.tr
    zero = tr.zero_view(tr.state("!init0"))
    starts: list[tuple[View, z3.BoolRef]] = []
    if not m.spec.inits:
        starts.append((zero, z3.BoolVal(True)))
    for act in m.spec.inits:
        params = tr.params(act, f"{act.name}!")
        t = tr.run(act, params, zero)
        starts.append((t.post, as_z3(mk_and([tr.param_guard(act, params), t.guard]))))
    found: set[Structured] = set()
    for view, guard in starts:
        u.solver.push()
        u.solver.add(u.ground(guard), u.ground(as_z3(tr.same_state(m.post, view))))
        found |= {st for _, st in enumerate_models(u, [], [], m.post)}
        u.solver.pop()
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_z3_initial_states_are_the_explicit_ones(case: str) -> None:
    m = case_model(case)
    assert z3_initial_states(m) == {st for _, _, st in m.interp.initial_states()}


def test_a_wrong_translation_is_caught() -> None:
    """The comparison has teeth: a transition formula that forgets an update (the holder stays
    as it was) or the guard (every client may be given the lock) disagrees with the engine."""
    m = case_model("lockserver")
    give = m.spec.action("give")
    tr = m.universe.tr
    params = tr.params(give, "p!")
    t = tr.run(give, params, m.pre)
    state = next(st for st in sample("lockserver", 7) if explicit_successors(m, give, st))
    without_update = {**t.post, "holder": m.pre["holder"]}
    for guard, post in ((t.guard, without_update), (True, t.post)):
        formula = m.universe.ground(
            as_z3(mk_and([tr.param_guard(give, params), guard, tr.same_state(m.post, post)]))
        )
        broken = Model(**{**vars(m), "steps": {**m.steps, "give": (params, formula)}})
        with pytest.raises(AssertionError, match="successor"):
            assert_same_successors(broken, give, state)


# -- CTIs ------------------------------------------------------------------------------------


def voting_without(conjunct: str) -> type[Spec]:
    """VotingProof with one conjunct turned into a plain method (so no longer a conjunct)."""
    proof = load_spec(str(ROOT / "proofs/voting.py"))
    return type("Dropped", (proof,), {conjunct: lambda self: None})


VOTING_CONJUNCTS = (
    "one_proposal_per_round",
    "votes_are_proposed",
    "decisions_have_quorums",
    "joining_leaves_lower_rounds",
    "choosable",
)

FAILING = {
    "voting-vote-in-left-round": ("proofs/voting.py", "spec/mutants/voting_vote_in_left_round.py"),
    "voting-decide-without-quorum": (
        "proofs/voting.py",
        "spec/mutants/voting_decide_without_quorum.py",
    ),
    "paxos-promise-not-kept": ("proofs/paxos.py", "spec/mutants/paxos_promise_not_kept.py"),
    "paxos-forgetful-1b": ("proofs/paxos.py", "spec/mutants/paxos_forgetful_1b.py"),
    **{f"voting-without-{c}": (c, None) for c in VOTING_CONJUNCTS},
    # CHOOSE in the conjuncts: the least node up, when the last one may crash
    "choose-crashy": (
        "tests/specs/choose_properties.py:ElectionProof",
        "tests/specs/choose_properties.py:Crashy",
    ),
}


@cache
def failing_report(case: str) -> ProofReport:
    proof, spec = FAILING[case]
    if spec is None:
        return prove(voting_without(proof), timeout=10)
    return prove(str(ROOT / proof), spec=str(ROOT / spec), timeout=10)


def check_cti(report: ProofReport) -> Cti:
    """The CTI is genuine, judged by the explicit engine alone (plus z3 on its universe)."""
    assert report.result == "failed"
    cti = report.cti
    assert cti is not None
    failed = report.failed[0]
    assert cti.obligation == failed.title and cti.claim == failed.claim
    spec = cti.inst.spec
    assert spec is report.spec
    interp = Interpreter(cti.inst, cti.layout)
    properties = {p.name: p for p in spec.properties}
    conjuncts = spec.properties_of(ir.PropertyKind.CONJUNCT)
    assert [c.name for c in conjuncts] == report.conjuncts
    assert cti.claim in properties
    if failed.kind == "init":
        assert cti.action is None and cti.post is None
        assert cti.pre in [st for _, _, st in interp.initial_states()]
    else:
        # The obligation assumed the whole invariant (and the type invariant) in the pre-state.
        assert failed.assumed is None
        assert interp.well_typed(cti.pre)
        for c in conjuncts:
            assert interp.holds(c, cti.pre), f"conjunct {c.name} is false in the CTI's pre-state"
    if failed.kind == "step":
        assert cti.action is not None and cti.post is not None
        act = spec.action(cti.action)
        assert [(v.name, v.type.sort) for v in act.params] == [(n, s) for n, _, s in cti.params]
        params = tuple(code for _, code, _ in cti.params)
        for v, code in zip(act.params, params, strict=True):
            assert code in cti.inst.codes(v.type)
        assert interp.execute(act, params, cti.pre) == cti.post
        # z3, with the sorts pinned to the CTI's universe, allows exactly the interpreter's steps.
        successors = assert_same_successors(model_of(spec, cti.inst, cti.layout), act, cti.pre)
        assert (params, cti.post) in successors
    else:
        assert cti.action is None and cti.post is None
    assert not interp.holds(properties[cti.claim], cti.last), f"{cti.claim} holds after all"
    return cti


@pytest.mark.parametrize("case", list(FAILING))
def test_cti_is_genuine(case: str) -> None:
    check_cti(failing_report(case))


def test_ctis_cover_steps_and_safety() -> None:
    """The failing proofs above give both kinds of CTI, so both branches of `check_cti` run."""
    kinds = {failing_report(case).failed[0].kind for case in FAILING}
    assert {"step", "safety"} <= kinds
    cti = failing_report("voting-vote-in-left-round").cti
    assert cti is not None and cti.action == "cast_vote"
