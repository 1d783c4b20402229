#!/usr/bin/env python3
"""Benchmark: what installing paxoscope costs every pytest run of an unrelated project.

paxoscope's pytest plugin (entry point `pytest11`) is loaded at every pytest start wherever it
is installed, so it must import nothing heavy until its fixture is used. Prints one JSON line:
the wall time of `pytest --collect-only -q` in a temporary project with one trivial test, with
the plugin loaded (as installed) and with it disabled (`-p no:paxoscope`), run interleaved
`--repeat` times each after one untimed run of each, as medians, and their ratio (1.0: free).

    python benchmarks/pytest_startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def collect(project: Path, extra: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *extra],
        cwd=project,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    sides = {"with_plugin": [], "without_plugin": ["-p", "no:paxoscope"]}
    times: dict[str, list[float]] = {side: [] for side in sides}
    with tempfile.TemporaryDirectory() as name:
        project = Path(name)
        (project / "test_unrelated.py").write_text("def test_sum():\n    assert 1 + 1 == 2\n")
        for extra in sides.values():
            collect(project, extra)  # untimed: bytecode written, caches warm
        for _ in range(args.repeat):
            for side, extra in sides.items():
                times[side].append(collect(project, extra))
    medians = {side: statistics.median(ts) for side, ts in times.items()}
    print(
        json.dumps(
            {
                "repeat": args.repeat,
                **{f"{side}_seconds": round(m, 3) for side, m in medians.items()},
                "ratio": round(medians["with_plugin"] / medians["without_plugin"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
