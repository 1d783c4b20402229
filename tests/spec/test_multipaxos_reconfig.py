"""Multi-Paxos reconfiguring itself through its log (spec/multipaxos_reconfig.py): the count in
both explicit engines, and the configuration applied too early caught with a trace the
reference interpreter replays.

The count has no other tool's to match (the spec is ours); the reference engine, the oracle,
must find the same states, depth and transitions as the vector engine.
"""

from __future__ import annotations

from checker.check import check
from checker.explicit.search import Options
from spec.multipaxos_reconfig import MultiPaxosReconfig

SPEC = "spec/multipaxos_reconfig.py"
MUTANT = "spec/mutants/multipaxos_reconfig_too_early.py"


def test_the_log_stays_consistent_across_reconfigurations() -> None:
    result = check(SPEC, {}, Options(workers=2)).result
    assert result.violation is None and result.complete
    assert (result.distinct_states, result.depth) == (MultiPaxosReconfig.expected_states[""], 27)
    assert result.transitions == 4_474_894


def test_the_engines_agree_to_depth_14() -> None:
    def summary(engine: str) -> tuple[int, int, int]:
        r = check(SPEC, {}, Options(engine=engine, max_depth=14)).result
        return r.distinct_states, r.depth, r.transitions

    assert summary("reference") == summary("vector")


def test_the_rigid_configurations_are_one_initial_state() -> None:
    assert check(SPEC, {}, Options(max_depth=1)).result.distinct_states == 1


def test_a_configuration_applied_when_proposed_splits_the_log() -> None:
    report = check(MUTANT, {}, Options(workers=1))
    v = report.result.violation
    assert v is not None and v.name == "consistent_log"
    assert len(v.trace) == 15  # 14 steps: two ballots, disjoint quorums of two configurations
    text = report.trace_text()
    assert "commit(s=1" in text and "phase2a(b=1, s=0" in text
