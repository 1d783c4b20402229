"""Bounded model checking agrees with breadth-first search: same violations at the same depth,
and nothing found where there is nothing to find."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest

from checker.check import check
from checker.symbolic.bmc import bmc
from tests.conftest import ROOT, SMALL_MUTANT_INSTANCES, breaks_liveness, run_cli

# The reconfiguration mutant is left out: z3 needs minutes to refute its 13 shallower depths
# (set-valued configurations and their sizes), though it finds the violation at 14 as `check`
# does (`paxoscope bmc spec/mutants/multipaxos_reconfig_too_early.py -k 14`, 4.4 min here).
# So is the lease mutant without the drift margin, whose shortest violation is 20 steps of
# drifting clocks (over 5 min of z3); `prove` and `check` catch it (tests/spec/test_quorum_leases.py).
MUTANTS = sorted(
    Path(p).name
    for p in glob.glob(str(ROOT / "spec" / "mutants" / "[a-z]*.py"))
    if "reconfig" not in Path(p).name
    and "without_drift_margin" not in Path(p).name
    and not breaks_liveness(Path(p).name)  # a lasso: not what bmc looks for
)
# Multi-Paxos's default instance unrolls too slowly for the suite (minutes per mutant); these
# smaller instances still hold each bug. Both engines run on the same instance.
INSTANCE = {**SMALL_MUTANT_INSTANCES, "multipaxos_commit_without_quorum.py": {"slots": 1}}


@pytest.mark.parametrize("mutant", MUTANTS)
def test_bmc_finds_each_mutant_at_the_depth_check_reports(mutant: str) -> None:
    ref = f"spec/mutants/{mutant}"
    params = INSTANCE.get(mutant, {})
    explicit = check(ref, params)
    violation = explicit.result.violation
    assert violation is not None
    steps = len(violation.trace) - 1
    report = bmc(ref, params, k=steps)
    assert report.result == "violation"
    assert len(report.trace) == len(violation.trace)  # a shortest counterexample, like BFS
    assert report.violated == violation.name and report.kind == violation.kind
    # Each depth up to the last was refuted before the violation was found.
    assert len(report.depths) == steps + 1


def test_no_violation_within_the_bound() -> None:
    report = bmc("spec/paxos.py", {"max_ballot": 1}, k=5)
    assert report.result == "ok" and report.exit_code == 0 and not report.trace
    assert report.invariants == [
        "type_ok",
        "agreement",
        "inv_acceptors",
        "inv_messages",
        "inv_voting",
    ]


def test_a_bound_below_the_violation_finds_nothing() -> None:
    report = bmc("spec/mutants/paxos_promise_not_kept.py", k=1)
    assert report.result == "ok"
    assert bmc("spec/mutants/paxos_promise_not_kept.py", k=2).result == "violation"


def test_bmc_checks_action_properties() -> None:
    report = bmc(str(ROOT / "tests" / "specs" / "lockserver.py"), k=4)
    explicit = check(str(ROOT / "tests" / "specs" / "lockserver.py"))
    assert report.result == ("ok" if explicit.ok else "violation")
    assert report.action_properties == explicit.result.action_properties


def test_bmc_from_the_command_line(tmp_path: Path) -> None:
    trace = tmp_path / "trace.itf.json"
    result = run_cli(
        "bmc",
        "spec/mutants/voting_decide_without_quorum.py",
        "-k",
        "12",
        "--invariant",
        "agreement",
        "--trace-out",
        str(trace),
        "--json",
        str(tmp_path / "out.json"),
    )
    assert result.returncode == 1, result.stderr
    assert "VIOLATION" in result.stdout and "agreement" in result.stdout
    assert "State 13: decide(" in result.stdout
    doc = json.loads((tmp_path / "out.json").read_text())
    assert doc["result"] == "violation" and doc["violation"]["length"] == 13
    shown = run_cli("trace", "spec/mutants/voting_decide_without_quorum.py", str(trace))
    assert shown.returncode == 0, shown.stderr
    assert "State 13: decide(" in shown.stdout


def test_bmc_ok_from_the_command_line() -> None:
    result = run_cli("bmc", "spec/voting.py", "-k", "3", "-p", "rounds=2")
    assert result.returncode == 0, result.stderr
    assert "no violation within 3 steps" in result.stdout and "not a proof" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["spec/paxos.py", "-k", "2", "-p", "nope=1"], "has no parameter `nope`"),
        (["spec/paxos.py", "-k", "2", "--invariant", "nope"], "has no invariant `nope`"),
        (["spec/nope.py", "-k", "2"], "does not exist"),
    ],
)
def test_bmc_bad_input(args: list[str], message: str) -> None:
    result = run_cli("bmc", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
