"""The paxoscope-vs-Apache benchmark runs both ensembles end to end and prints one JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.ensembles import apache_missing
from tests.conftest import ROOT

MEASUREMENTS = [
    f"{mode}_{op}" for mode in ("sequential", "pipelined") for op in ("create", "get", "set")
]


def test_zk_compare_quick_prints_one_json_line_with_both_targets_and_ratios() -> None:
    # scripts/setup.sh installs Debian's zookeeper package: its absence is a failure.
    assert apache_missing() is None, apache_missing()
    result = subprocess.run(
        [sys.executable, "benchmarks/zk_compare.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    doc = json.loads(lines[0])
    assert doc["nodes"] == 3 and doc["ops"] > 0 and doc["window"] > 0
    for target in ("apache", "paxoscope"):
        figures = doc[target]
        assert figures["via"] == "follower"
        for name in MEASUREMENTS:
            assert figures[f"{name}_per_second"] > 0, (target, name)
        for name in MEASUREMENTS[:3]:
            assert figures[f"{name}_p99_ms"] >= figures[f"{name}_p50_ms"] > 0, (target, name)
    assert doc["apache"]["version"].startswith("3.")
    assert set(doc["ratios"]) == {f"{name}_per_second" for name in MEASUREMENTS}
    assert all(ratio > 0 for ratio in doc["ratios"].values())


def test_zk_compare_without_java_exits_2_saying_how_to_install(tmp_path: Path) -> None:
    # No java on PATH stands for a machine without the package; nothing is started.
    result = subprocess.run(
        [sys.executable, "benchmarks/zk_compare.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PATH": str(tmp_path)},
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "apt-get install zookeeper" in result.stderr
