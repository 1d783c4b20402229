"""The replicated-log benchmark runs against real processes and prints one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_replicated_log_benchmark_prints_one_json_line() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/replicated_log.py", "--seconds", "0.5", "--window", "16"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert doc["replicas"] == 3 and doc["fsync"] is True
    assert doc["sequential_per_second"] > 0 and doc["pipelined_per_second"] > 0
    assert doc["sequential_p99_ms"] >= doc["sequential_p50_ms"] > 0
