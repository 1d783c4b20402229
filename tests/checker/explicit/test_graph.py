"""`check --dump-graph`: the explored state graph as JSON or DOT, with the counterexample marked,
and a summary by depth and action past the limit."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


def test_small_graph_with_the_counterexample_marked(tmp_path: Path) -> None:
    out = tmp_path / "g.json"
    result = run_cli(
        "check",
        "spec/mutants/paxos_promise_not_kept.py",
        "-p",
        "max_ballot=0",
        "-p",
        "acceptors=2",
        "--dump-graph",
        str(out),
        "--graph-limit",
        "100",
        "--no-progress",
    )
    assert result.returncode == 1
    g = json.loads(out.read_text())
    assert g["complete"] and g["total_states"] == len(g["states"]) == 13
    trace = [s for s in g["states"] if s["on_trace"]]
    assert len(trace) == 3 and [s["id"] for s in g["states"] if s["violating"]] == [trace[-1]["id"]]
    assert sum(e["on_trace"] for e in g["edges"]) == 2
    assert all(set(e) == {"from", "to", "action", "params", "on_trace"} for e in g["edges"])
    assert "max_bal" in g["states"][0]["values"]


def test_complete_graph_matches_the_search(tmp_path: Path) -> None:
    out = tmp_path / "g.json"
    result = run_cli(
        "check",
        "spec/paxos.py",
        "-p",
        "max_ballot=1",
        "--dump-graph",
        str(out),
        "--graph-limit",
        "5000",
        "--json",
        str(tmp_path / "r.json"),
        "--no-progress",
    )
    assert result.returncode == 0
    g, r = json.loads(out.read_text()), json.loads((tmp_path / "r.json").read_text())
    assert len(g["states"]) == r["distinct_states"] == 3921
    assert len(g["edges"]) == r["transitions"]
    assert max(s["depth"] for s in g["states"]) == r["depth"]


def test_past_the_limit_a_summary(tmp_path: Path) -> None:
    out, dot = tmp_path / "g.json", tmp_path / "g.dot"
    for target in (out, dot):
        result = run_cli(
            "check",
            "spec/paxos.py",
            "-p",
            "max_ballot=1",
            "--dump-graph",
            str(target),
            "--no-progress",
        )
        assert result.returncode == 0
    g = json.loads(out.read_text())
    assert not g["complete"] and "states" not in g
    assert sum(level["states"] for level in g["summary"]["levels"]) == 3921
    assert sum(step["count"] for step in g["summary"]["steps"]) == 22994
    text = dot.read_text()
    assert text.startswith("digraph") and "depth 17" in text and "phase2b ×" in text
