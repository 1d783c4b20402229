"""ITF traces: written by `check --trace-out`, read back, and rendered as text."""

from __future__ import annotations

import json
from pathlib import Path

from checker.check import check
from checker.explicit.search import Options
from checker.traces.itf import ITF_DESCRIPTION, trace_from_itf
from checker.traces.text import render_trace
from tests.conftest import GOLDEN, run_cli

MUTANT = "spec/mutants/paxos_two_proposals_per_ballot.py"


def test_itf_round_trip() -> None:
    report = check(MUTANT, {}, Options(invariants=["agreement"]))
    doc = report.itf()
    assert doc is not None
    assert doc["#meta"]["format"] == "ITF" and doc["#meta"]["format-description"] == ITF_DESCRIPTION
    assert doc["#meta"]["property"] == "agreement"
    assert doc["vars"] == ["max_bal", "max_vbal", "max_val", "msg_1a", "msg_1b", "msg_2a", "msg_2b"]
    first = doc["states"][0]
    assert first["#meta"]["action"] == "init"
    assert first["max_bal"] == {"#map": [["a1", -1], ["a2", -1], ["a3", -1]]}
    assert first["msg_1a"] == {"#set": []}
    second = doc["states"][1]
    assert second["#meta"] == {"index": 1, "action": "phase1a", "params": {"b": 0}}
    assert second["msg_1a"] == {"#set": [0]}
    steps = trace_from_itf(report.engine.inst, report.engine.layout, json.loads(json.dumps(doc)))
    assert [(s.action, s.params, s.state) for s in steps] == [
        (s.action, s.params, s.state) for s in report.result.violation.trace
    ]


def test_trace_text_matches_golden(update_goldens: bool) -> None:
    report = check(MUTANT, {}, Options(invariants=["agreement"]))
    text = (
        "\n".join(
            line.text
            for line in render_trace(
                report.engine.inst, report.engine.layout, report.result.violation.trace
            )
        )
        + "\n"
    )
    golden = GOLDEN / "paxos_two_proposals_per_ballot.trace.txt"
    if update_goldens:
        golden.write_text(text)
    assert text == golden.read_text()


def test_trace_out_and_trace_command(tmp_path: Path) -> None:
    out = tmp_path / "cex.itf.json"
    result = run_cli(
        "check", MUTANT, "--invariant", "agreement", "--trace-out", str(out), "--no-progress"
    )
    assert result.returncode == 1
    doc = json.loads(out.read_text())
    assert doc["states"][-1]["#meta"]["action"] == "phase2b"
    shown = run_cli("trace", MUTANT, str(out))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == (GOLDEN / "paxos_two_proposals_per_ballot.trace.txt").read_text()


def test_round_trip_of_a_trace_that_starts_in_an_init_method() -> None:
    report = check(str(GOLDEN.parent / "specs" / "clocks.py"))
    v = report.result.violation
    assert v is not None and v.trace[0].action == "start"  # the @init that made the state
    doc = json.loads(json.dumps(report.itf()))
    steps = trace_from_itf(report.engine.inst, report.engine.layout, doc)
    assert [(s.action, s.params, s.state) for s in steps] == [
        (s.action, s.params, s.state) for s in v.trace
    ]
