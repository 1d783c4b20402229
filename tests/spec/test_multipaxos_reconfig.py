"""Multi-Paxos reconfiguring itself through its log (spec/multipaxos_reconfig.py): the count in
both explicit engines, and the configuration applied too early caught with a trace the
reference interpreter replays, and the proof for all sizes.

The count has no other tool's to match (the spec is ours); the reference engine, the oracle,
must find the same states, depth and transitions as the vector engine.
"""

from __future__ import annotations

from checker.check import check
from checker.explicit import Options
from checker.symbolic.prove import prove
from spec.multipaxos_reconfig import MultiPaxosReconfig

SPEC = "spec/multipaxos_reconfig.py"
MUTANT = "spec/mutants/multipaxos_reconfig_too_early.py"
PROOF = "proofs/multipaxos_reconfig.py"


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


def test_the_proof_holds_for_all_sizes() -> None:
    """proofs/multipaxos_reconfig.py: consistent_log for any number of acceptors, commands,
    ballots and slots, every obligation settled (none unknown)."""
    report = prove(PROOF, timeout=120)
    assert report.result == "proved", [
        (o.title, o.verdict.value) for o in report.obligations if o.verdict.value != "holds"
    ]
    assert report.safety == ["consistent_log"] and report.spec_name == "MultiPaxosReconfig"


def test_the_proof_rebased_on_the_too_early_mutant_is_not_a_proof() -> None:
    """Regression: rebasing a proof that extends both its spec and another proof
    (MultiPaxosReconfigProof(MultiPaxosReconfig, MultiPaxosProof)) carried the correct spec's
    actions over the mutant's, and `prove --spec MUTANT` reported PROVED."""
    report = prove(PROOF, spec=MUTANT, fail_fast=True)
    assert report.result != "proved" and report.spec_name == "ReconfigTooEarly"
