"""The snapshot-stall benchmark runs small and prints one JSON line (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "benchmarks/snapshot_stall.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_snapshot_stall_benchmark_prints_one_json_line() -> None:
    result = run("--znodes", "2000", "--writes", "300", "--every", "100")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert doc["benchmark"] == "snapshot_stall" and doc["writes"] == 300
    assert doc["snapshots_taken"] >= 3  # each server took at least one, in the background
    for side in ("snapshots", "none"):
        assert 0 < doc[side]["p50_ms"] <= doc[side]["p999_ms"] <= doc[side]["max_ms"]
    assert doc["max_ratio"] > 0


def test_snapshot_stall_benchmark_refuses_bad_sizes_with_exit_2() -> None:
    result = run("--znodes", "10", "--writes", "20")
    assert result.returncode == 2 and "--writes <= --znodes" in result.stderr
