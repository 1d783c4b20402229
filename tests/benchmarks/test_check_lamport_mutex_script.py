"""The Lamport's-mutex benchmark runs and prints one JSON line with TLC's counts (no timing
asserts; TLC itself is not available to the test suite, so --quick runs paxoscope's side)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_benchmark_prints_one_json_line() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/check_lamport_mutex.py", "--quick", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    small = doc["small"]
    assert (small["distinct_states"], small["depth"]) == (1043, 40)
    assert small["vector_wall_seconds"] > 0 and small["vector_peak_memory_mib"] > 0
