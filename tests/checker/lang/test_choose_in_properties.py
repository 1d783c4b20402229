"""TLA+'s CHOOSE inside properties (tests/specs/choose_properties.py): the least element
satisfying the condition, computed in each state, in an invariant, an action property, a
constraint, a liveness property and a proof's conjuncts — the same counts in both explicit
engines as a plain-Python model of the spec; no element is a failure of the property
(`defined(...)`) with its trace and `why:`; bmc and `prove` read it exactly over an ordered
sort; inside the lambda of an update it is one CHOOSE per element."""

from __future__ import annotations

import pytest

from checker import (
    Relation,
    Sort,
    Spec,
    Subsets,
    action,
    always,
    choose,
    conjunct,
    exists,
    invariant,
    liveness,
    require,
)
from checker.check import check
from checker.errors import SpecError
from checker.explicit import Options
from checker.lang.trace import trace_spec
from checker.symbolic.bmc import bmc
from checker.symbolic.prove import prove
from tests.conftest import ROOT, run_cli
from tests.specs.choose_properties import Counters, Election, ElectionProof, Stuck

SPEC = str(ROOT / "tests/specs/choose_properties.py")
ENGINES = ["vector", "reference"]

State = tuple[frozenset[int], int]  # the nodes up, the leader (-1: none)


def python_model(nodes: int, constrained: bool) -> tuple[int, int]:
    """(distinct states, transitions) of Election (Limited when `constrained`)."""

    def kept(s: State) -> bool:
        return not constrained or min(s[0]) != nodes - 1

    def successors(s: State) -> list[State]:
        up, leader = s
        out = [(up - {n}, leader) for n in up if len(up) > 1]
        out += [(up | {n}, leader) for n in range(nodes) if n not in up]
        out.append((up, min(up)))  # elect: CHOOSE n : up(n)
        return out

    start: State = (frozenset(range(nodes)), -1)
    seen, frontier, transitions = {start}, [start], 0
    while frontier:
        nxt = []
        for s in frontier:
            for t in successors(s):
                transitions += 1  # counted, as TLC counts states generated, though cut
                if kept(t) and t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
    return len(seen), transitions


@pytest.mark.parametrize("nodes", [2, 3, 4])
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["Election", "Lively", "Limited"])
def test_choose_in_every_kind_of_property(engine: str, nodes: int, name: str) -> None:
    report = check(f"{SPEC}:{name}", {"nodes": nodes}, Options(engine=engine))
    assert report.ok, report.result.violation
    result = report.result
    assert (result.distinct_states, result.transitions) == python_model(nodes, name == "Limited")


@pytest.mark.parametrize("engine", ENGINES)
def test_nothing_to_choose_fails_the_property_with_its_trace(engine: str) -> None:
    v = check(SPEC + ":Crashy", {}, Options(engine=engine)).result.violation
    assert v is not None and (v.kind, v.name) == ("invariant", "defined(least_is_up)")
    assert [s.action for s in v.trace] == [None, "crash", "crash", "crash"]


def test_the_command_line_says_why() -> None:
    result = run_cli("check", SPEC + ":Crashy", "--no-progress")
    assert result.returncode == 1, result.stderr
    out = " ".join(result.stdout.split())
    assert "VIOLATION: invariant defined(least_is_up) is violated after 3 step(s)" in out
    assert "why: choose(...) finds no element satisfying its condition" in out
    lines = (ROOT / "tests/specs/choose_properties.py").read_text().splitlines()
    line = 1 + next(i for i, text in enumerate(lines) if "return choose(self.node" in text)
    assert f"choose_properties.py:{line}" in out


class Lonely(Spec):
    """Only a liveness property reads the CHOOSE: it is checked in every state too."""

    node = Sort(2, labels="n")
    up = Relation(node, init=True)

    @action
    def crash(self, n: node) -> None:
        require(self.up(n))
        self.up.remove(n)

    @liveness
    def someone(self):  # type: ignore[no-untyped-def]
        return always(self.up(choose(self.node, lambda n: self.up(n))))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_liveness_property_that_cannot_be_evaluated_is_reported(engine: str) -> None:
    names = [p.name for p in trace_spec(Lonely).properties]
    assert names == ["defined(someone)"]
    v = check(Lonely, {}, Options(engine=engine)).result.violation
    assert v is not None and (v.kind, v.name) == ("invariant", "defined(someone)")
    assert len(v.trace) == 3


def test_bmc_computes_it_and_finds_the_failure() -> None:
    assert bmc(Election, {"nodes": 3}, k=5).result == "ok"
    found = bmc(SPEC + ":Crashy", {"nodes": 3}, k=5)
    assert (found.result, found.kind, found.violated) == (
        "violation",
        "invariant",
        "defined(least_is_up)",
    )
    assert len(found.trace) == 4  # three crashes


def test_prove_reads_the_least_element_exactly() -> None:
    """`nothing_below_the_least` holds only of the least node up: the proof needs the
    definition's minimality, which the ordered sort gives."""
    assert prove(ElectionProof).result == "proved"

    class FirstIsLeast(ElectionProof):
        @conjunct
        def first_is_least(self):  # type: ignore[no-untyped-def]
            return self.least_up() == self.node.first  # false once the first node crashes

    report = prove(FirstIsLeast)
    assert report.result == "failed"
    assert [o.title for o in report.failed] == ["crash preserves first_is_least"]


@pytest.mark.parametrize("engine", ENGINES)
def test_choose_per_element_of_an_update(engine: str) -> None:
    def successors(s: tuple[int, int]) -> set[tuple[int, int]]:
        bumped = tuple(min(v + 1, 3) for v in s)
        return {bumped, (0, s[1]), (s[0], 0)}  # type: ignore[arg-type]

    seen, frontier = {(0, 0)}, [(0, 0)]
    while frontier:
        frontier = [t for s in frontier for t in successors(s) if not (t in seen or seen.add(t))]
    report = check(Counters, {}, Options(engine=engine))
    assert report.ok and report.result.distinct_states == len(seen)
    (bump,) = (a for a in trace_spec(Counters).actions if a.name == "bump")
    assert bump.params == ()  # computed, not chosen


@pytest.mark.parametrize("engine", ENGINES)
def test_choose_per_element_with_nothing_to_choose_fails_the_action(engine: str) -> None:
    v = check(Stuck, {}, Options(engine=engine)).result.violation
    assert v is not None and (v.kind, v.name) == ("error", "bump")
    assert len(v.trace) == 4  # 0 -> 1 -> 2 -> 3, then nothing is above 3


def test_choose_over_subsets_of_a_symmetric_sort_is_refused() -> None:
    class Symmetric(Spec):
        node = Sort(2, symmetric=True)
        nodeset = Subsets(node)
        seen = Relation(node)

        @action
        def see(self, n: node) -> None:
            self.seen.insert(n)

        @invariant
        def some_set(self):  # type: ignore[no-untyped-def]
            s = choose(
                self.nodeset, lambda s: exists(self.node, lambda n: self.nodeset.member(n, s))
            )
            return ~self.nodeset.is_empty(s)

    with pytest.raises(SpecError, match=r"subsets of the symmetric sort `node`"):
        trace_spec(Symmetric)
