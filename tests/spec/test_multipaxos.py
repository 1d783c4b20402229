"""Multi-Paxos: the log stays consistent on the issue's instance (3 acceptors, 2 commands,
ballots 0..1, 2 slots), and the proof holds for all sizes."""

from __future__ import annotations

from checker.check import check
from checker.explicit import Options
from checker.symbolic.prove import prove


def test_consistent_log_on_a_small_instance() -> None:
    report = check("spec/multipaxos.py", {}, Options(symmetry=True))
    assert report.ok and report.result.complete and report.never_fired == []
    assert (report.result.distinct_states, report.result.depth) == (162277, 27)


def test_one_promise_covers_every_slot() -> None:
    # With one slot, Multi-Paxos is single-decree Paxos plus commits.
    report = check("spec/multipaxos.py", {"slots": 1})
    assert report.ok and report.never_fired == []


def test_proved_for_all_sizes() -> None:
    report = prove("proofs/multipaxos.py")
    assert report.result == "proved"
    assert report.safety == ["consistent_log"] and len(report.conjuncts) == 9
