"""The prove benchmark runs and prints one JSON line (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_prove_benchmark_prints_one_json_line() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/prove.py", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert doc["voting_obligations"] == 32 and doc["paxos_obligations"] == 42
    assert doc["voting_seconds_median"] > 0 and doc["voting_vs_mypyvy_ratio"] > 0
