"""`refine`: Paxos implements Lamport's Voting under Paxos.tla's refinement mapping, checked on a
finite instance and proved with z3; broken implementations and broken mappings are caught."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.refine import refine
from tests.conftest import run_cli

MAPPING = "proofs/paxos_refines_voting.py:paxos_to_voting"
INVARIANT = "proofs/paxos_refines_voting.py:PaxosRefinementInvariant"


def test_paxos_refines_voting_on_a_finite_instance() -> None:
    report = refine("spec/paxos.py", "spec/lamport_voting.py", MAPPING, {"max_ballot": 1})
    r = report.explicit
    assert report.exit_code == 0 and r.failure is None
    assert r.states == 3921 and r.transitions == 22994
    # Phase1a and Phase2a are invisible to Voting; Phase1b raises max_bal; Phase2b votes.
    assert set(r.matched) == {("phase1b", "increase_max_bal"), ("phase2b", "vote_for")}
    assert r.stutters + sum(r.matched.values()) == r.transitions
    assert dict(r.abstract.params) == {"acceptors": 3, "values": 2, "max_ballot": 1}


def test_paxos_refines_voting_proved_with_z3(tmp_path: Path) -> None:
    result = run_cli(
        "refine",
        "spec/paxos.py",
        "spec/lamport_voting.py",
        "--mapping",
        MAPPING,
        "-p",
        "max_ballot=1",
        "--prove",
        INVARIANT,
        "--json",
        str(tmp_path / "out.json"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads((tmp_path / "out.json").read_text())
    assert doc["result"] == "ok" and doc["proof"]["result"] == "proved"
    titles = [o["title"] for o in doc["proof"]["obligations"]]
    assert "phase2b maps to vote_for" in titles and "phase1a maps to a stutter" in titles
    # The invariant assumed by the refinement obligations is itself proved inductive.
    assert "phase2a preserves proposals_are_shown_safe" in titles
    assert "PROVED" in result.stdout


@pytest.mark.parametrize(
    ("mutant", "last_action"),
    [("paxos_ignore_highest_vote", "phase2b"), ("paxos_accept_below_promise", "phase2b")],
)
def test_broken_paxos_is_not_a_refinement(tmp_path: Path, mutant: str, last_action: str) -> None:
    trace = tmp_path / "trace.itf.json"
    result = run_cli(
        "refine",
        f"spec/mutants/{mutant}.py",
        "spec/lamport_voting.py",
        "--mapping",
        MAPPING,
        "-p",
        "max_ballot=1",
        "--trace-out",
        str(trace),
    )
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "NOT A REFINEMENT" in out and "maps to no step of LamportVoting" in out
    assert "+ votes(" in out  # the abstract change that no Voting action allows
    doc = json.loads(trace.read_text())
    assert doc["states"][-1]["#meta"]["action"] == last_action
    shown = run_cli("trace", f"spec/mutants/{mutant}.py", str(trace))
    assert shown.returncode == 0, shown.stderr


MAPPING_ERRORS = [
    (
        "def m(p):\n    return Mapping(sorts={'acceptor': p.acceptor, 'value': p.value, "
        "'ballot': p.ballot, 'quorum': p.quorum}, state={'votes': lambda a, b, v: p.msg_2b(a, b, v)})\n",
        "does not define the abstract state `max_bal`",
    ),
    (
        "def m(p):\n    return Mapping(sorts={'acceptor': p.acceptor, 'value': p.value, "
        "'ballot': p.value, 'quorum': p.quorum}, state={})\n",
        "maps the ordered sort `ballot` to the plain sort `value`",
    ),
    (
        "def m(p):\n    return Mapping(sorts={'acceptor': p.acceptor, 'value': p.value, "
        "'ballot': p.ballot, 'quorum': p.quorum}, state={'votes': lambda a, b, v: p.msg_2b(a, b, v), "
        "'max_bal': lambda a: p.max_val(a)})\n",
        "gives a value.or_bottom, but max_bal holds a ballot.or_bottom",
    ),
    ("def m(p):\n    return 3\n", "must return a Mapping"),
]


@pytest.mark.parametrize(("body", "message"), MAPPING_ERRORS)
def test_bad_mappings_are_clear_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad_mapping.py"
    path.write_text("from checker.lang.mapping import Mapping\n\n\n" + body)
    result = run_cli("refine", "spec/paxos.py", "spec/lamport_voting.py", "--mapping", f"{path}:m")
    assert result.returncode == 2, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "bad_mapping.py:" in result.stderr
