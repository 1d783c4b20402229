"""Sets built from others (`nodeset.union(a, b)`, ...) in properties and actions: formulas over
the element sort wherever they are tested, the one subset with those members (a choice, named
as assigned) where they are values inside an action, read where they are built. The spec is
tests/specs/set_expressions.py: 3^n states in both explicit engines, mutants caught with their
traces, the same formulas in bmc and `prove`."""

from __future__ import annotations

import pytest

from checker import (
    Function,
    Individual,
    IntSort,
    MajorityQuorums,
    Param,
    Relation,
    Sort,
    Spec,
    Subsets,
    action,
    action_property,
    arbitrary,
    conjunct,
    exists,
    forall,
    implies,
    invariant,
    ite,
    pick,
    require,
)
from checker.check import check
from checker.errors import SpecError
from checker.explicit import Options
from checker.lang.trace import trace_spec
from checker.symbolic.bmc import bmc
from checker.symbolic.prove import prove
from tests.conftest import ROOT
from tests.specs.set_expressions import Forgetful, Jobs
from tests.specs.set_values import EveryPairLogged, Gossip

JOBS = str(ROOT / "tests/specs/set_expressions.py")
ENGINES = ["vector", "reference"]


@pytest.mark.parametrize("jobs", [1, 2, 3])
@pytest.mark.parametrize("engine", ENGINES)
def test_every_job_in_one_set(engine: str, jobs: int) -> None:
    report = check(JOBS + ":Jobs", {"jobs": jobs}, Options(engine=engine))
    assert report.ok, report.result.violation
    assert report.never_fired == []
    assert report.result.distinct_states == 3**jobs


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("mutant", "violated", "last_step"),
    [
        ("Forgetful", "nowhere_twice", "finish"),
        ("GivesBackLate", "every_job_somewhere", "give_back"),
    ],
)
def test_the_set_invariants_catch_the_mutants(
    engine: str, mutant: str, violated: str, last_step: str
) -> None:
    v = check(f"{JOBS}:{mutant}", {}, Options(engine=engine)).result.violation
    assert v is not None and v.kind == "invariant" and v.name == violated
    assert [step.action for step in v.trace] == ["everything_to_do", "take", last_step]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_constraint_and_an_axiom_over_sets(engine: str) -> None:
    bounded = check(JOBS + ":Bounded", {}, Options(engine=engine))
    assert bounded.ok and bounded.result.distinct_states == 3**3 - 1  # not all done
    pinned = check(JOBS + ":Pinned", {}, Options(engine=engine))
    assert pinned.ok and len(pinned.engine.inits) == 3  # one pinned job of 3
    assert pinned.result.distinct_states == 3 * 3**3


def test_a_set_used_after_a_write_is_read_where_it_was_built() -> None:
    """`moved` is built before `doing` is written and used after: it is chosen where it was
    built (its condition first, its parameter after `back`); the sets stored are chosen where
    they are assigned, named as assigned; sets only tested add no parameter."""
    spec = trace_spec(Jobs)
    params = {a.name: [p.name for p in a.params] for a in spec.actions}
    assert params == {
        "take": ["j", "todo", "doing"],
        "finish": ["j", "doing", "done"],
        "give_back": ["back", "moved", "doing", "todo"],
    }
    (give_back,) = (a for a in spec.actions if a.name == "give_back")
    first = give_back.body[0]
    assert "moved" in repr(first) and "back" in repr(first)  # before `require(~is_empty(moved))`
    assert all(not p.params for p in spec.inits)


def test_bmc_and_prove_on_the_same_formulas() -> None:
    assert bmc(JOBS + ":Jobs", {"jobs": 2}, k=3).result == "ok"
    found = bmc(JOBS + ":Forgetful", {"jobs": 2}, k=3)
    assert (found.result, found.violated) == ("violation", "nowhere_twice")

    class JobsProof(Jobs):
        safety = ("every_job_somewhere", "nowhere_twice", "being_done_is_not_done")

        @conjunct
        def partition(self):  # type: ignore[no-untyped-def]
            s = self.jobset
            somewhere = s.union(s.union(self.todo, self.doing), self.done) == s.full()
            return (
                somewhere
                & s.is_empty(s.intersection(self.todo, self.doing))
                & s.is_empty(s.intersection(self.todo, self.done))
                & s.is_empty(s.intersection(self.doing, self.done))
            )

    report = prove(JobsProof)
    assert report.result == "proved", [o.title for o in report.failed]

    class ForgetfulProof(Forgetful):
        safety = ("nowhere_twice",)

        @conjunct
        def disjoint(self):  # type: ignore[no-untyped-def]
            return self.jobset.is_empty(self.jobset.intersection(self.doing, self.done))

    failed = prove(ForgetfulProof)
    assert failed.result == "failed"
    assert "finish preserves disjoint" in [o.title for o in failed.failed]


class Pairs(Spec):
    """Two set-valued variables; `==`, `ite` and integer elements on sets."""

    nodes = Param(2)
    node = Sort(nodes, labels="n")
    nodeset = Subsets(node)
    number = IntSort(1, 3)
    numbers = Subsets(number)
    a = Individual(nodeset, init=arbitrary)
    b = Individual(nodeset, init=arbitrary)
    nums = Individual(numbers, init=arbitrary)

    @action
    def copy(self) -> None:
        require(self.a != self.nodeset.union(self.a, self.b))  # a stored set == a built one
        self.a = self.nodeset.union(self.a, self.b)

    @action
    def swap_in(self, n: node) -> None:
        self.b = ite(self.nodeset.member(n, self.a), self.nodeset.singleton(n), self.a)

    @action
    def add_two(self) -> None:
        self.nums = self.numbers.with_(self.nums, 2)

    @invariant
    def ite_in_a_property(self):
        s = self.nodeset
        either = ite(s.is_empty(self.a), s.empty(), s.intersection(self.a, self.b))
        return s.subset_of(either, self.a) & (s.size(either) <= s.size(self.a))

    @invariant
    def integers_by_value(self):
        added = self.numbers.with_(self.nums, 2)
        return self.numbers.member(self.number[2], added) & ~self.numbers.member(
            self.number[3], self.numbers.without(self.nums, 3)
        )


@pytest.mark.parametrize("engine", ENGINES)
def test_equality_ite_and_integer_elements(engine: str) -> None:
    report = check(Pairs, {}, Options(engine=engine))
    assert report.ok, report.result.violation
    assert report.result.distinct_states == 4 * 4 * 8  # every value: all are initial


def test_equality_is_a_choice_in_an_action_and_members_in_a_property() -> None:
    spec = trace_spec(Pairs)
    params = {a.name: [p.name for p in a.params] for a in spec.actions}
    assert params == {"copy": ["u", "a"], "swap_in": ["n", "b"], "add_two": ["nums"]}
    props = {p.name: p for p in spec.properties}
    assert "Var(name='u'" not in repr(props["ite_in_a_property"].formula)


class Quorate(Spec):
    acceptors = Param(3)
    acceptor = Sort(acceptors, labels="a")
    quorum = MajorityQuorums(acceptor)
    voted = Relation(acceptor)

    @action
    def vote(self, a: acceptor) -> None:
        self.voted.insert(a)

    @invariant
    def a_quorum_has_members(self):
        q = self.quorum
        return forall(
            q,
            lambda p: implies(
                q.forall(p, lambda a: self.voted(a)), q.exists(p, lambda a: self.voted(a))
            ),
        )

    @invariant
    def all_voted_is_some_quorum(self):
        q = self.quorum
        every = forall(self.acceptor, lambda a: self.voted(a))
        return implies(every, exists(q, lambda p: q.forall(p, lambda a: self.voted(a))))


def test_quantifiers_over_a_quorums_members() -> None:
    report = check(Quorate)
    assert report.ok and report.result.distinct_states == 8


def test_misuse_names_the_line() -> None:
    class Returns(Jobs):
        @invariant
        def a_set(self):  # type: ignore[no-untyped-def]
            return self.jobset.union(self.todo, self.done)

    with pytest.raises(
        SpecError, match=r"invariant `a_set`'s value must be a formula, but it is a set"
    ):
        trace_spec(Returns)

    class Mixed(Jobs):
        other = Subsets(Jobs.job)

        @invariant
        def mixed(self):  # type: ignore[no-untyped-def]
            return self.jobset.is_empty(self.other.full())

    with pytest.raises(SpecError, match=r"must be a set of `jobset`, but it is a set of `other`"):
        trace_spec(Mixed)

    class Ordered(Jobs):
        @invariant
        def ordered(self):  # type: ignore[no-untyped-def]
            return self.todo < self.jobset.full()

    with pytest.raises(SpecError, match=r"`<` does not apply to sets") as info:
        trace_spec(Ordered)
    assert info.value.loc.line > 0 and info.value.loc.file == __file__


def test_a_choice_inside_a_set_condition_still_picks() -> None:
    """`pick` over sets with a condition that builds sets (the lambda is the choice's own)."""

    class Picker(Jobs):
        @action
        def give_back(self) -> None:
            s = self.jobset
            back = pick(s, lambda b: s.subset_of(b, self.doing) & ~s.is_empty(b))
            self.doing = s.difference(self.doing, back)
            self.todo = s.union(self.todo, back)

    assert check(Picker, {"jobs": 2}).result.distinct_states == 9


def test_a_test_of_a_set_as_a_statement_is_a_forgotten_require() -> None:
    class Dropped(Jobs):
        @action
        def take(self, j: job) -> None:  # type: ignore[name-defined]  # noqa: F821
            self.jobset.member(j, self.todo)  # require(...) was meant
            self.todo = self.jobset.without(self.todo, j)
            self.doing = self.jobset.with_(self.doing, j)

    with pytest.raises(SpecError, match=r"this `member\(...\)` is a statement of its own"):
        trace_spec(Dropped)


class Holders(Spec):
    """Each lock's holders; a node joins one lock's holders, written two ways."""

    node = Sort(2, labels="n")
    lock = Sort(2, labels="l")
    nodeset = Subsets(node)
    holders = Function(lock, nodeset, init=arbitrary)

    @action
    def join(self, l: lock, n: node) -> None:  # noqa: E741
        self.holders[l] = self.nodeset.with_(self.holders(l), n)


class HoldersPerLock(Holders):
    @action
    def join(self, l: lock, n: node) -> None:  # noqa: E741, F821
        joined = self.nodeset.with_(self.holders(l), n)  # built here, used in the lambda
        self.holders.update(lambda k: ite(k == l, joined, self.holders(k)))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_built_set_chosen_outside_a_lambda_is_a_value_inside_it(engine: str) -> None:
    one = check(Holders, {}, Options(engine=engine)).result
    other = check(HoldersPerLock, {}, Options(engine=engine)).result
    assert one.violation is None and other.violation is None
    assert (one.distinct_states, one.transitions) == (other.distinct_states, other.transitions)
    spec = trace_spec(HoldersPerLock)
    assert [p.name for p in spec.actions[0].params] == ["l", "n", "joined"]


class TestsLate(Jobs):
    @action
    def give_back(self) -> None:
        s = self.jobset
        back = pick(s)
        moved = s.intersection(self.doing, back)
        self.doing = s.difference(self.doing, moved)
        require(~s.is_empty(moved))  # tested after doing is written: still the jobs moved
        self.todo = s.union(self.todo, moved)

    @action_property
    def back_means_to_do(self, post):
        s = self.jobset
        gone = s.difference(self.doing, post.doing)
        came = s.difference(post.doing, self.doing)
        both = s.size(s.union(self.doing, post.doing)) == s.size(self.doing) + s.size(came)
        return s.subset_of(gone, s.union(post.todo, post.done)) & both


@pytest.mark.parametrize("engine", ENGINES)
def test_a_set_tested_after_a_write_is_read_where_it_was_built(engine: str) -> None:
    late = check(TestsLate, {"jobs": 2}, Options(engine=engine))
    assert late.ok, late.result.violation
    plain = check(JOBS + ":Jobs", {"jobs": 2}, Options(engine=engine)).result
    assert (late.result.distinct_states, late.result.transitions) == (
        plain.distinct_states,
        plain.transitions,
    )
    (give_back,) = (a for a in trace_spec(TestsLate).actions if a.name == "give_back")
    assert [p.name for p in give_back.params] == ["back", "moved", "doing", "todo"]


GossipState = tuple[tuple[frozenset[int], ...], frozenset[frozenset[int]]]


def gossip_model(nodes: int) -> tuple[int, int]:
    """(distinct states, the length of the shortest trace to a state where some pair's union is
    not logged) of Gossip."""

    def successors(s: GossipState) -> list[GossipState]:
        known, log = s
        out = [(tuple(k | {n} for n, k in enumerate(known)), log)]
        for a in range(nodes):
            for b in range(nodes):
                if a != b:
                    u = known[a] | known[b]
                    out.append((tuple(u if n == b else k for n, k in enumerate(known)), log | {u}))
        return out

    def every_pair_logged(s: GossipState) -> bool:
        known, log = s
        pairs = ((a, b) for a in range(nodes) for b in range(nodes) if a != b)
        return all(known[a] | known[b] in log for a, b in pairs)

    start: GossipState = ((frozenset(),) * nodes, frozenset())
    seen, level, depth, first_bad = {start}, [start], 1, 0
    while level:
        if not first_bad and not all(every_pair_logged(s) for s in level):
            first_bad = depth
        level = [t for s in level for t in successors(s) if not (t in seen or seen.add(t))]
        depth += 1
    return len(seen), first_bad


@pytest.mark.parametrize("nodes", [1, 2, 3])
@pytest.mark.parametrize("engine", ENGINES)
def test_built_sets_as_values_in_properties_and_per_element(engine: str, nodes: int) -> None:
    states, first_bad = gossip_model(nodes)
    report = check(Gossip, {"nodes": nodes}, Options(engine=engine))
    assert report.ok, report.result.violation
    assert report.result.distinct_states == states
    v = check(EveryPairLogged, {"nodes": nodes}, Options(engine=engine)).result.violation
    if nodes == 1:
        assert v is None
    else:
        assert v is not None and v.name == "every_pair_logged" and len(v.trace) == first_bad
    learn = trace_spec(Gossip).actions[0]
    assert learn.params == ()  # one set per node, computed: no choice


def test_bmc_on_built_set_values() -> None:
    assert bmc(Gossip, {"nodes": 2}, k=4).result == "ok"
    found = bmc(EveryPairLogged, {"nodes": 2}, k=4)
    assert (found.result, found.violated) == ("violation", "every_pair_logged")
    assert len(found.trace) == gossip_model(2)[1]
