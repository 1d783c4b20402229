"""spec/paxos_live.py: a value is eventually chosen once the leader is stable (both engines);
without the stabilization being fair, two proposers pre-empt each other for ever — a lasso
whose cycle is a real cycle of the spec (replayed by the interpreter), the same in both
engines."""

from __future__ import annotations

from checker.check import check
from checker.explicit import Options
from spec.mutants.paxos_live_no_stable_leader import QUICK as SMALL
from spec.mutants.paxos_live_no_stable_leader import PaxosLiveNoStableLeader as NoStableLeader
from spec.paxos_live import PaxosLive
from tests.checker.explicit.test_liveness import replay

# SMALL: 618 states; the default model (104,766) runs in scripts/main.sh


def test_a_value_is_eventually_chosen_once_the_leader_is_stable() -> None:
    for engine in ("vector", "reference"):
        report = check(PaxosLive, SMALL, Options(engine=engine))
        assert report.ok and report.result.liveness == ["eventually_chosen"], report.headline()
        assert report.result.distinct_states == 618


def test_without_a_stable_leader_two_proposers_pre_empt_each_other_for_ever() -> None:
    reports = [
        check(NoStableLeader, SMALL, Options(engine=engine)) for engine in ("vector", "reference")
    ]
    lassos = []
    for report in reports:
        v = report.result.violation
        assert v is not None and v.kind == "liveness" and v.name == "eventually_chosen"
        assert v.closing is not None  # a real cycle, not stuttering
        cycle = [s.action for s in v.trace[v.loop + 1 :]] + [v.closing.action]
        starts = {s.params for s in v.trace[v.loop + 1 :] if s.action == "start"}
        assert cycle.count("start") >= 2 and len(starts) == 2  # both proposers restart
        lassos.append([(s.action, s.params, s.state) for s in v.trace])
    assert lassos[0] == lassos[1]
    replay(reports[1])
