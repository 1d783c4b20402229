"""Bags (`Bag(args..., capacity=k)`): every combination of copies is reachable in
tests/specs/bags.py (3 counts for each of 4 messages, times the tallies), in both explicit
engines; discarding a copy that is not there is an error with its trace (check and bmc)."""

from __future__ import annotations

import pytest

from checker.check import check
from checker.explicit import Options
from checker.symbolic.bmc import bmc
from tests.conftest import ROOT

BAGS = str(ROOT / "tests/specs/bags.py")


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_every_combination_of_copies(engine: str) -> None:
    report = check(BAGS + ":Duplicating", {}, Options(engine=engine))
    assert report.ok and report.never_fired == []
    assert report.result.distinct_states == 3**4 * 4**2


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_discarding_what_is_not_there_is_an_error(engine: str) -> None:
    v = check(BAGS + ":Careless", {}, Options(engine=engine)).result.violation
    assert v is not None and v.kind == "error" and v.name == "deliver" and len(v.trace) == 1
    assert v.failure is not None and "a copy it does not hold" in v.failure.check.what


def test_bmc_agrees() -> None:
    assert bmc(BAGS + ":Duplicating", {"nodes": 1}, k=4).result == "ok"
    found = bmc(BAGS + ":Careless", {"nodes": 1}, k=2)
    assert (found.result, found.kind, found.violated) == ("violation", "error", "deliver")
