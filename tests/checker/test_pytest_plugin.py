"""The pytest plugin: checks, proofs and bmc written as tests; a failure shows the readable
trace; declared golden counts catch spec drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.check import check
from tests.conftest import ROOT

pytest_plugins = ["pytester"]


def _run(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    pytester.makepyfile(test_user=source)
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-q", "--rootdir", str(pytester.path)
    )


def test_passing_checks(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        f"""
ROOT = {str(ROOT)!r}

def test_paxos(paxoscope):
    report = paxoscope.check(ROOT + "/spec/paxos.py", max_ballot=1, expect_states=3921, expect_depth=17)
    assert report.result.distinct_states == 3921

def test_voting_proof(paxoscope):
    assert paxoscope.prove(ROOT + "/proofs/voting.py").result == "proved"

def test_bmc(paxoscope):
    assert paxoscope.bmc(ROOT + "/spec/paxos.py", k=3, max_ballot=1).result == "ok"
""",
    )
    result.assert_outcomes(passed=3)


def test_a_violation_fails_with_the_readable_trace(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        f"""
ROOT = {str(ROOT)!r}

def test_mutant(paxoscope):
    paxoscope.check(ROOT + "/spec/mutants/paxos_minority_quorums.py")
""",
    )
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "`agreement` is violated after 8 step(s)" in out
    assert "State 9: phase2b(" in out and "why: for all: false for v1=v1, v2=v2" in out
    assert "Traceback" not in out  # the trace, not a Python stack


def test_failed_proof_and_bmc_show_their_counterexamples(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        f"""
ROOT = {str(ROOT)!r}

def test_proof(paxoscope):
    paxoscope.prove(ROOT + "/proofs/voting.py", spec=ROOT + "/spec/mutants/voting_vote_in_left_round.py")

def test_bmc(paxoscope):
    paxoscope.bmc(ROOT + "/spec/mutants/paxos_promise_not_kept.py", k=2)

def test_count(paxoscope):
    paxoscope.check(ROOT + "/spec/voting.py", rounds=2, expect_states=1)
""",
    )
    result.assert_outcomes(failed=3)
    out = result.stdout.str()
    assert "fails: cast_vote preserves choosable" in out and "counterexample to induction" in out
    assert "`inv_messages` is violated after 2 step(s)" in out
    assert "expected 1 distinct states, found" in out


def test_declared_golden_counts_catch_drift(tmp_path: Path) -> None:
    drifted = tmp_path / "drifted.py"
    drifted.write_text(
        "from checker import Param\nfrom spec.paxos import Paxos\n\n\n"
        "class Drifted(Paxos):\n"
        "    expected_states = {'max_ballot=1': 4000}\n"
    )
    report = check(str(drifted), {"max_ballot": 1})
    assert report.result.violation is None and not report.ok
    assert report.drift() == (
        "Drifted declares 4,000 distinct states for max_ballot=1 (expected_states), "
        "but 3,921 were found"
    )
    # The bundled specs declare TLC's counts, and match them.
    assert check("spec/paxos.py", {"max_ballot": 1}).drift() is None
    assert check("spec/paxos.py", {"max_ballot": 1}).declared[0] == (
        {"max_ballot": 1},
        3921,
    )


def test_bad_golden_count_declarations(tmp_path: Path) -> None:
    from checker.errors import SpecError

    bad = tmp_path / "bad_counts.py"
    bad.write_text(
        "from spec.paxos import Paxos\n\n\nclass Bad(Paxos):\n"
        "    expected_states = {'ballots=1': 4000}\n"
    )
    with pytest.raises(SpecError, match="has no parameter `ballots`"):
        check(str(bad), {"max_ballot": 1})
