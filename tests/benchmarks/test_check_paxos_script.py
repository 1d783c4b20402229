"""The benchmark script runs and prints one JSON line with agreeing counts (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_benchmark_prints_one_json_line() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/check_paxos.py", "--quick", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert doc["distinct_states"] == 3921 and doc["depth"] == 17
    for key in ("engine_states_per_second", "baseline_states_per_second", "speedup_vs_baseline"):
        assert doc[key] > 0
