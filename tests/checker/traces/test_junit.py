"""`--junit`: reports that a JUnit XML schema accepts, one test case per property or obligation,
with the readable trace in the failure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from tests.conftest import GOLDEN, run_cli

SCHEMA = xmlschema.XMLSchema(str(GOLDEN / "junit.xsd"))


def _cases(path: Path) -> dict[str, ET.Element]:
    SCHEMA.validate(str(path))
    return {tc.attrib["name"]: tc for tc in ET.parse(path).getroot().iter("testcase")}


def test_check_violation_is_one_failing_case(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    result = run_cli(
        "check", "spec/mutants/paxos_minority_quorums.py", "--junit", str(report), "--no-progress"
    )
    assert result.returncode == 1
    cases = _cases(report)
    assert set(cases) == {"type_ok", "agreement", "inv_acceptors", "inv_messages", "inv_voting"}
    failure = cases["agreement"].find("failure")
    assert failure is not None and "violated after 8 step(s)" in failure.attrib["message"]
    assert failure.text and "State 9: phase2b(" in failure.text and "why: for all" in failure.text
    assert all(cases[n].find("failure") is None for n in cases if n != "agreement")


def test_check_ok_has_no_failures(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    result = run_cli("check", "spec/voting.py", "-p", "rounds=2", "--junit", str(report))
    assert result.returncode == 0
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and suite.attrib["failures"] == "0"
    assert list(_cases(report)) == ["agreement"]


def test_prove_cases_are_obligations(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    result = run_cli(
        "prove",
        "proofs/voting.py",
        "--spec",
        "spec/mutants/voting_vote_in_left_round.py",
        "--junit",
        str(report),
    )
    assert result.returncode == 1
    cases = _cases(report)
    assert len(cases) == 32
    failure = cases["cast_vote preserves choosable"].find("failure")
    assert failure is not None and failure.text and "universe:" in failure.text


@pytest.mark.parametrize("k", ["2", "12"])
def test_bmc_junit(tmp_path: Path, k: str) -> None:
    report = tmp_path / "junit.xml"
    result = run_cli(
        "bmc", "spec/mutants/voting_decide_without_quorum.py", "-k", k, "--junit", str(report)
    )
    cases = _cases(report)
    failed = cases["agreement"].find("failure") is not None
    assert failed == (result.returncode == 1) == (k == "12")


def test_the_schema_rejects_malformed_reports() -> None:
    assert not SCHEMA.is_valid("<testsuites><testsuite name='x'/></testsuites>")  # no counts
    assert not SCHEMA.is_valid(
        "<testsuites><testsuite name='x' tests='1' failures='0' errors='0'>"
        "<testcase/></testsuite></testsuites>"  # a case without a name
    )
