"""Quorum-lease reads (spec/quorum_leases.py): the protocol holds in both explicit engines and
for all sizes, and each of its six mutants is caught — by `check` with the step that breaks
it in the trace, and by `prove` at the obligation its bug breaks."""

from __future__ import annotations

import pytest

from checker.check import check
from checker.explicit import Options
from checker.symbolic.prove import prove
from spec.quorum_leases import QuorumLeases

SPEC = "spec/quorum_leases.py"
PROOF = "proofs/quorum_leases.py"


def test_lease_reads_see_every_acknowledged_write() -> None:
    result = check(SPEC, {}, Options()).result
    assert result.violation is None and result.complete
    assert (result.distinct_states, result.depth) == (QuorumLeases.expected_states[""], 41)


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_the_engines_agree(engine: str) -> None:
    result = check(SPEC, {"writes": 2, "drift": 0, "lease": 1}, Options(engine=engine)).result
    assert result.violation is None and result.complete
    assert (result.distinct_states, result.depth, result.transitions) == (336_213, 22, 2_544_069)


def test_replicas_are_interchangeable() -> None:
    result = check(SPEC, {}, Options(symmetry=True)).result
    assert result.violation is None and result.distinct_states == 1_803_177


def test_the_protocol_is_proved_for_all_sizes() -> None:
    report = prove(PROOF)
    assert report.result == "proved", [(o.title, o.verdict) for o in report.failed]


@pytest.mark.parametrize(
    ("mutant", "steps", "last", "obligation"),
    [
        ("without_drift_margin", 20, "commit(", "grant preserves holder_stops_first"),
        ("write_does_not_wait", 5, "commit(", "commit preserves the_last_write_reached_the_holder"),
        ("read_while_pending", 5, "commit(", "implies a_lease_read_sees_every_acknowledged_write"),
        ("no_catch_up", 5, "commit(", "implies a_lease_read_sees_every_acknowledged_write"),
        ("receipt_not_pending", 6, "commit(", "implies a_lease_read_sees_every_acknowledged_write"),
        (
            "receipt_counts_as_vote",
            5,
            "commit(",
            "commit preserves the_last_write_reached_the_holder",
        ),
    ],
)
def test_each_mutant_is_caught(mutant: str, steps: int, last: str, obligation: str) -> None:
    path = f"spec/mutants/quorum_leases_{mutant}.py"
    report = check(path, {}, Options())
    v = report.result.violation
    assert v is not None and v.name == "a_lease_read_sees_every_acknowledged_write"
    assert len(v.trace) == steps + 1
    assert f"State {steps + 1}: {last}" in report.trace_text()
    proof = prove(PROOF, spec=path, fail_fast=True)
    assert proof.result == "failed" and obligation in proof.failed[0].title


def test_the_drift_margin_is_needed_only_when_clocks_drift() -> None:
    """Without drift the holder may count the grantor's whole lease: the mutant holds."""
    path = "spec/mutants/quorum_leases_without_drift_margin.py"
    result = check(path, {"drift": 0, "lease": 2}, Options()).result
    assert result.violation is None and result.complete
