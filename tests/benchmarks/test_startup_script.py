"""The start-up benchmark runs its quick mode and prints one JSON line (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_startup_benchmark_prints_one_json_line() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/startup.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert doc["command"] == "paxoscope check spec/paxos.py -p max_ballot=1"
    for side in ("base", "cold", "warm", "no_cache", "base_no_bytecode", "warm_no_bytecode"):
        assert doc[f"{side}_seconds"] > 0
    for side in ("base", "head"):
        assert doc[f"{side}_import_checker_cli_seconds"] > 0
    # the temporary worktree of the base commit is gone
    trees = subprocess.run(
        ["git", "worktree", "list"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "paxoscope-startup-" not in trees
