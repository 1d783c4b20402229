"""The corpus benchmark runs and prints one JSON line with TLC's counts per model (no timing
asserts)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_benchmark_prints_one_json_line() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/corpus.py",
            "--quick",
            "--repeat",
            "1",
            "--only",
            "chang_roberts",
            "echo",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert doc["models"]["chang_roberts"]["states"] == 137
    assert doc["models"]["echo"]["depth"] == 16
    assert all(m["seconds"] > 0 and m["reference_seconds"] for m in doc["models"].values())
