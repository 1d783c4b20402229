"""Hypothesis drives spec/paxos.py and the single-decree cores together at random; a bug
shrinks to a minimal schedule with a ready-made regression test."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from checker.conformance.stateful import ConformanceFailure, conformance_machine, replay_steps
from impl.paxos.faults import Fault
from tests.conformance.paxos_driver import PaxosDriver

PARAMS = {"max_ballot": 1}
SETTINGS = settings(
    max_examples=60, stateful_step_count=40, deadline=None, suppress_health_check=list(HealthCheck)
)

TestPaxosConformance = conformance_machine("spec/paxos.py", PaxosDriver, PARAMS).TestCase
TestPaxosConformance.settings = SETTINGS


def test_a_fault_shrinks_to_a_short_schedule_with_a_regression_test() -> None:
    faulty = type("Faulty", (PaxosDriver,), {"faults": frozenset({Fault.IGNORE_REPORTED_VOTES})})
    machine = conformance_machine("spec/paxos.py", faulty, PARAMS)
    with pytest.raises(ConformanceFailure) as caught:
        run_state_machine_as_test(
            machine,
            settings=settings(
                SETTINGS,
                max_examples=1000,
                database=None,
                phases=(Phase.generate, Phase.shrink),  # "explain" would take minutes here
            ),
        )
    message = str(caught.value)
    assert "unexpected output" in message and "msg_2a" in message
    # Shrunk: ballot 0 gets a vote, then ballot 1 must re-propose it — a handful of steps.
    steps = re.findall(r"^        \('(\w+)', ", message, flags=re.M)
    assert 5 <= len(steps) <= 10, message
    assert "def test_conformance_regression() -> None:" in message
    # The emitted schedule replays: it passes on the real cores and fails on the faulty ones.
    schedule = [
        (action, eval(labels))  # the test's own output: a dict literal of labels
        for action, labels in re.findall(r"^        \('(\w+)', (\{.*\})\),$", message, flags=re.M)
    ]
    replay_steps("spec/paxos.py", PaxosDriver, PARAMS, schedule)
    with pytest.raises(ConformanceFailure):
        replay_steps("spec/paxos.py", faulty, PARAMS, schedule)
