"""The paxoscope-vs-Apache benchmark runs both ensembles end to end and prints one JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.ensembles import apache_missing
from tests.conftest import ROOT

KAZOO = [f"{mode}_{op}" for mode in ("sequential", "pipelined") for op in ("create", "get", "set")]
MEASUREMENTS = KAZOO + [f"raw_{name}" for name in KAZOO]
SEQUENTIAL = [name for name in MEASUREMENTS if "sequential" in name]


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
        for name in SEQUENTIAL:
            assert figures[f"{name}_p99_ms"] >= figures[f"{name}_p50_ms"] > 0, (target, name)
        # every raw reply was the expected one (else the exit status would be 1)
        assert figures["raw_failures"] == {}
        assert set(figures["cpu"]) == set(MEASUREMENTS)
        for cpu in figures["cpu"].values():
            if cpu["limit"] == "too_short":  # under 0.2 s: most of --quick's
                continue
            assert cpu["limit"] in ("client", "server", "cpu", "latency")
            assert cpu["client"] >= 0 and cpu["servers"] >= cpu["busiest_server"] >= 0
            assert -1 <= cpu["machine"] <= 1
    assert doc["apache"]["version"].startswith("3.")
    assert doc["interleaved"] is True and doc["connections"] == 1 and doc["cpus"] >= 1
    assert doc["fsync_p50_ms"] > 0
    assert set(doc["raw_client_ceiling_per_second"]) == {"create", "get", "set"}
    assert all(rate > 0 for rate in doc["raw_client_ceiling_per_second"].values())
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
