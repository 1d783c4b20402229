"""The Ray scaling benchmark runs on a local cluster and prints one JSON line (no timing
asserts): the one-process baseline, and per cluster size the counts and what the search cost."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytest.importorskip("ray")
pytestmark = pytest.mark.xdist_group("ray")  # one Ray cluster at a time on this machine


def test_ray_scaling_prints_one_json_line() -> None:
    args = ["benchmarks/ray_scaling.py", "--quick", "--repeat", "1", "--nodes", "2"]
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert doc["one_process_seconds"] > 0
    two = doc["nodes_2"]
    assert two["distinct_states"] == 3921 and two["levels"] == len(two["per_level"]) == 17
    assert two["shipped_bytes"] == sum(level["shipped"] for level in two["per_level"]) > 0
    assert set(two["barrier_seconds"]) == {"expand", "settle", "store"}
