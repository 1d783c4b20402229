"""Counting (`count(...)`, `Subsets.size`): the explicit engines and bmc count exactly (the
states of tests/specs/counting.py as a plain-Python model finds them, for several sizes);
`prove` sees any count, so it cannot prove what needs the exact one — it reports a failure,
never a wrong proof."""

from __future__ import annotations

import itertools

import pytest

from checker import conjunct, forall, implies
from checker.check import check
from checker.explicit import Options
from checker.symbolic.bmc import bmc
from checker.symbolic.prove import prove
from tests.conftest import ROOT
from tests.specs.counting import Counting

COUNTING = str(ROOT / "tests/specs/counting.py")


def python_model(nodes: int) -> int:
    """Votes (None or one of 2 values per node), and each value with a strict majority of the
    votes may be decided or not (once decided, it stays: votes never change)."""
    total = 0
    for votes in itertools.product([None, 0, 1], repeat=nodes):
        deciders = [v for v in (0, 1) if 2 * votes.count(v) > nodes]
        total += 2 ** len(deciders)
    return total


@pytest.mark.parametrize("nodes", [1, 2, 3, 4])
@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_count_is_exact(engine: str, nodes: int) -> None:
    report = check(COUNTING + ":Counting", {"nodes": nodes}, Options(engine=engine))
    assert report.ok, report.result.violation
    assert report.result.distinct_states == python_model(nodes)


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_a_plurality_is_not_enough(engine: str) -> None:
    v = check(COUNTING + ":Plurality", {}, Options(engine=engine)).result.violation
    assert v is not None and v.name == "agreement" and len(v.trace) == 5


def test_bmc_counts_too() -> None:
    assert bmc(COUNTING + ":Counting", {"nodes": 3}, k=5).result == "ok"
    found = bmc(COUNTING + ":Plurality", {"nodes": 3}, k=5)
    assert (found.result, found.violated) == ("violation", "agreement")


def test_prove_does_not_claim_what_needs_exact_counts() -> None:
    class CountingProof(Counting):
        safety = ("agreement",)

        @conjunct
        def one_decision(self):  # type: ignore[no-untyped-def]
            return forall(
                self.value,
                self.value,
                lambda a, b: implies(self.decided(a) & self.decided(b), a == b),
            )

    assert prove(CountingProof).result == "failed"
