"""A violation names the conjunct that failed and the witnesses that falsify it."""

from __future__ import annotations

import json

from checker.check import check
from checker.explicit import Options
from tests.conftest import run_cli


def test_the_failing_conjunct_and_its_witnesses() -> None:
    report = check("spec/mutants/paxos_ignore_highest_vote.py", {}, Options())
    reasons = report.explanation()
    assert reasons[0].text == "conjunct 2 of 2 is false"  # two_a of inv_messages, not one_b
    assert "spec/paxos.py:" in reasons[0].where and "two_a" in reasons[0].where
    assert reasons[1].text.startswith("for all: false for ")
    assert "v=v2" in reasons[1].text  # the value the buggy proposer picked
    assert reasons[2].text == "the premise holds but the conclusion is false"
    assert "shows_safe_at" in reasons[2].where


def test_agreement_names_the_two_values() -> None:
    report = check("spec/mutants/paxos_minority_quorums.py", {}, Options(invariants=["agreement"]))
    reasons = report.explanation()
    assert reasons[0].text == "for all: false for v1=v1, v2=v2"
    assert "v1 == v2" in reasons[1].where


def test_no_explanation_without_a_violation() -> None:
    assert check("spec/paxos.py", {"max_ballot": 1}).explanation() == []


def test_explanation_in_text_and_json() -> None:
    result = run_cli(
        "check",
        "spec/mutants/paxos_minority_quorums.py",
        "--invariant",
        "agreement",
        "--no-progress",
        "--json",
        "-",
    )
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["explanation"][0]["text"] == "for all: false for v1=v1, v2=v2"
    assert "why: for all: false for v1=v1, v2=v2" in result.stderr
