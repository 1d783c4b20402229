"""`diff`: two versions of a spec on one instance — counts, newly failing properties, and a
shortest behaviour that one allows and the other does not."""

from __future__ import annotations

from checker.diff import diff
from checker.explicit.interp import Interpreter
from tests.conftest import run_cli


def test_a_mutant_differs_by_a_shortest_distinguishing_trace() -> None:
    report = diff("spec/paxos.py", "spec/mutants/paxos_accept_below_promise.py", {"max_ballot": 1})
    assert not report.same and report.comparable == ""
    assert report.old_space.result.distinct_states == 3921
    assert report.newly_failing == ["inv_messages"]
    d = report.distinction
    assert d is not None and d.allowed_by == "new" and d.trace[-1].action == "phase2b"
    # Every step but the last is a step of both versions; the last one only of the new one.
    old, new = report.old_space.engine, report.new_space.engine
    for engine, allows_last in ((old, False), (new, True)):
        interp = Interpreter(engine.inst, engine.layout)
        state = engine.layout.unpack(d.trace[0].state)
        assert state in [st for _, _, st in interp.initial_states()]
        for i, step in enumerate(d.trace[1:], start=1):
            after = interp.execute(
                engine.spec.action(step.action or ""), tuple(c for _, c, _ in step.params), state
            )
            expected = engine.layout.unpack(step.state)
            if i < len(d.trace) - 1 or allows_last:
                assert after == expected
            else:
                assert after != expected
            state = expected


def test_a_spec_does_not_differ_from_itself() -> None:
    report = diff("spec/paxos.py", "spec/paxos.py", {"max_ballot": 1})
    assert report.same and report.distinction is None and report.newly_failing == []


def test_diff_from_the_command_line() -> None:
    result = run_cli(
        "diff", "spec/paxos.py", "spec/mutants/paxos_accept_below_promise.py", "-p", "max_ballot=1"
    )
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "distinct states: old 3,921" in out and "newly failing: inv_messages" in out
    assert "distinguishing trace: NEW allows this behaviour and OLD does not" in out
    assert "max_bal[a1]: 1 -> 0" in out  # the promise the mutant breaks
    same = run_cli("diff", "spec/voting.py", "spec/voting.py", "-p", "rounds=2")
    assert same.returncode == 0 and "same behaviours" in same.stdout


def test_different_vocabularies_are_not_compared_step_by_step() -> None:
    result = run_cli("diff", "spec/voting.py", "spec/lamport_voting.py")
    assert result.returncode == 1
    assert "behaviours not compared" in result.stdout


def test_diff_prints_sequences_as_sequences() -> None:
    result = run_cli(
        "diff", "tests/specs/fifo.py:Fifo", "tests/specs/fifo.py:Overfull", "-p", "cap=1"
    )
    assert result.returncode == 1, result.stderr
    assert "newly failing: send" in result.stdout
    assert "distinguishing trace: OLD allows this behaviour" in result.stdout
    assert "  log = {n1: <<>>, n2: <<>>}" in result.stdout
    assert "  net[n1, n2]: <<>> -> <<v1>>" in result.stdout
    assert "net_len" not in result.stdout and "net_at" not in result.stdout
