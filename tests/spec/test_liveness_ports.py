"""Liveness models of the TLA+ corpus, ported with TLC's verdicts (recorded in each port's
docstring, TLC 2.19 run on this machine): the property holds under the model's fairness, and
fails — with a lasso both engines agree on — when the fairness is dropped."""

from __future__ import annotations

import pytest

from checker.check import check
from checker.explicit.search import Options
from spec.tlaplus.ewd840 import EWD840


class EWD840NoFairness(EWD840):
    """TLC, SPECIFICATION Init /\\ [][Next]_vars: "Temporal properties were violated", a
    lasso ending in "Stuttering"."""

    fairness = ()


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_ewd840_detects_termination_under_weak_fairness_of_the_token(engine: str) -> None:
    report = check(EWD840, {}, Options(engine=engine))
    assert report.ok and report.result.liveness == ["termination_is_detected"]
    assert (report.result.distinct_states, report.result.depth) == (302, 9)


def test_ewd840_without_fairness_stutters_before_detecting() -> None:
    lassos = []
    for engine in ("vector", "reference"):
        v = check(EWD840NoFairness, {}, Options(engine=engine)).result.violation
        assert v is not None and v.kind == "liveness" and v.closing is None
        lassos.append([(s.action, s.params, s.state) for s in v.trace])
    assert lassos[0] == lassos[1]
