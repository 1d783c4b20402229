"""TLA+'s CHOOSE (`choose(sort, cond)`): the least element satisfying the condition, in every
engine, as a plain-Python model of tests/specs/chooser.py computes it; no element is an error
with its trace (check and bmc); over a symmetric sort it is refused; `prove` reads it soundly."""

from __future__ import annotations

import pytest

from checker import Relation, Sort, Spec, action, choose, conjunct, forall, implies
from checker.check import check
from checker.errors import SpecError
from checker.explicit import Options
from checker.lang.trace import trace_spec
from checker.symbolic.bmc import bmc
from checker.symbolic.prove import prove
from tests.conftest import ROOT

CHOOSER = str(ROOT / "tests/specs/chooser.py")

State = tuple[frozenset[int], int | None, frozenset[int], tuple[int | None, ...]]


def python_model(nodes: int, tickets: int) -> tuple[int, int]:
    def successors(s: State) -> list[State]:
        waiting, holder, used, owner = s
        out: list[State] = []
        for n in range(nodes):
            if n not in waiting and holder != n:
                out.append((waiting | {n}, holder, used, owner))
        if holder is None and waiting:
            winner = min(waiting)  # CHOOSE: the least
            out.append((waiting - {winner}, winner, used, owner))
        free = [t for t in range(tickets) if t not in used]
        if holder is not None and free:
            t = min(free)
            o = list(owner)
            o[t] = holder
            out.append((waiting, None, used | {t}, tuple(o)))
        if len(used) == tickets:
            out.append((waiting, holder, frozenset(), (None,) * tickets))
        return out

    start: State = (frozenset(), None, frozenset(), (None,) * tickets)
    level, seen, depth = {start}, {start}, 0
    while level:
        depth += 1
        level = {t for s in level for t in successors(s)} - seen
        seen |= level
    return len(seen), depth


@pytest.mark.parametrize(("nodes", "tickets"), [(2, 2), (3, 3), (3, 2)])
@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_choose_takes_the_least(engine: str, nodes: int, tickets: int) -> None:
    report = check(
        CHOOSER + ":Chooser", {"nodes": nodes, "tickets": tickets}, Options(engine=engine)
    )
    assert report.ok, report.result.violation
    assert (report.result.distinct_states, report.result.depth) == python_model(nodes, tickets)


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_nothing_to_choose_is_an_error(engine: str) -> None:
    v = check(CHOOSER + ":Careless", {}, Options(engine=engine)).result.violation
    assert v is not None and v.kind == "error" and v.name == "release"
    assert v.failure is not None and "finds no element" in v.failure.check.what


def test_bmc_agrees() -> None:
    assert bmc(CHOOSER + ":Chooser", {"nodes": 2, "tickets": 2}, k=6).result == "ok"
    found = bmc(CHOOSER + ":Careless", {"nodes": 2, "tickets": 2}, k=8)
    assert (found.result, found.kind, found.violated) == ("violation", "error", "release")


def test_choose_over_a_symmetric_sort_is_refused() -> None:
    class Symmetric(Spec):
        node = Sort(2, symmetric=True)
        seen = Relation(node)

        @action
        def see(self) -> None:
            self.seen.insert(choose(self.node, lambda n: ~self.seen(n)))

    with pytest.raises(SpecError, match="symmetric sort `node` depends on the order"):
        trace_spec(Symmetric)


def test_prove_reads_choose_as_some_element() -> None:
    """Over the plain sort `ticket`, the proof sees any unused ticket (more behaviours than
    the least): the invariant is inductive either way, and the proof says so."""
    from tests.specs.chooser import Chooser

    class ChooserProof(Chooser):
        safety = ("owners_used_their_tickets",)

        @conjunct
        def owned_means_used(self):  # type: ignore[no-untyped-def]
            return forall(
                self.ticket, lambda t: implies(self.owner(t) != self.node.bottom, self.used(t))
            )

    report = prove(ChooserProof)
    assert report.result == "proved", [o.title for o in report.failed]
