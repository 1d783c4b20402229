#!/usr/bin/env python3
"""Benchmark: Lamport's mutex (tlaplus/Examples' MCLamportMutex.cfg, 724,274 states) with
`paxoscope check` against TLC on the same machine, in the same run.

Prints one JSON line. `spec/lamport_mutex.py` writes the model's FIFO channels as a
five-column relation updated through a few tuples per action: the shape that made the vector
compiler write every tuple in every action instance (issue 16: ~25-35 s and ~1.1 GiB to compile
the N=2 model, ~3,000 states/s on the full one, where TLC does ~29,000).

Measured, each as a separate process timed from outside, `--repeat` times interleaved
(medians):
- `full`: the full model (N=3, MaxNat=7), paxoscope with one worker and with the default
  (one per core), and TLC with one worker (`-workers 1`, as TLC's figures in the issue), when
  TLC is available; counts must agree with TLC's (724,274 states, depth 61, 2,729,078
  transitions).
- `small`: N=2, MaxNat=7 with deadlock checking (1,043 states): wall time, nearly all of it
  compiling, and the peak memory (PSS of the process tree) of one more run; the reference
  engine too.

TLC is not part of paxoscope: give `--tlc DIR` (or PAXOSCOPE_TLC_DIR), a folder holding
`tla2tools.jar` and tlaplus/Examples' `LamportMutex.tla`, `MCLamportMutex.tla` and
`MCLamportMutex.cfg`; without it the TLC figures are null.

    python benchmarks/check_lamport_mutex.py [--repeat N] [--tlc DIR] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from check_paxos import measured_check

ROOT = Path(__file__).resolve().parent.parent
SPEC = "spec/lamport_mutex.py"
FULL = {"distinct_states": 724274, "depth": 61}
SMALL = {"distinct_states": 1043, "depth": 40}
TLC_FILES = ("tla2tools.jar", "LamportMutex.tla", "MCLamportMutex.tla", "MCLamportMutex.cfg")


def tlc_run(folder: Path) -> dict[str, float]:
    """TLC on MCLamportMutex with one worker: wall seconds and its counts."""
    command = [
        "java",
        "-XX:+UseParallelGC",
        "-cp",
        str(folder / "tla2tools.jar"),
        "tlc2.TLC",
        "-workers",
        "1",
        "-deadlock",  # TLC: do not check for deadlock (paxoscope does not by default either)
        "-config",
        "MCLamportMutex.cfg",
        "MCLamportMutex.tla",
    ]
    metadir = folder / "states"
    shutil.rmtree(metadir, ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.run(
        [*command, "-metadir", str(metadir)], cwd=folder, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    shutil.rmtree(metadir, ignore_errors=True)
    found = re.search(r"([\d,]+) states generated, ([\d,]+) distinct states found", proc.stdout)
    depth = re.search(r"depth of the complete state graph search is (\d+)", proc.stdout)
    if proc.returncode != 0 or found is None or depth is None:
        raise RuntimeError(f"TLC failed ({proc.returncode}):\n{proc.stdout[-2000:]}")
    return {
        "seconds": seconds,
        "generated": int(found.group(1).replace(",", "")),
        "states": int(found.group(2).replace(",", "")),
        "depth": int(depth.group(1)),
    }


def transitions(args: list[str]) -> int:
    """The transitions paxoscope counts (TLC's states generated, less the initial state)."""
    command = [sys.executable, "-m", "checker.cli", "check", *args, "--json", "-", "--no-progress"]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return int(json.loads(out)["transitions"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (median)")
    parser.add_argument("--tlc", default=os.environ.get("PAXOSCOPE_TLC_DIR"), help="TLC folder")
    parser.add_argument("--quick", action="store_true", help="only the small model")
    args = parser.parse_args()
    tlc = Path(args.tlc) if args.tlc else None
    if tlc is not None and not all((tlc / name).is_file() for name in TLC_FILES):
        parser.error(f"--tlc {tlc}: needs {', '.join(TLC_FILES)}")

    small_args = [SPEC, "-p", "n=2", "-p", "max_nat=7", "--deadlock"]
    runs = {
        "small_vector": [*small_args, "--workers", "1"],
        "small_reference": [*small_args, "--engine", "reference"],
    }
    if not args.quick:
        runs["full_1_worker"] = [SPEC, "--workers", "1"]
        runs["full_default"] = [SPEC]
    times: dict[str, list[float]] = {name: [] for name in [*runs, "full_tlc"]}
    tlc_counts: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, run_args in runs.items():
            result = measured_check(run_args)
            expected = SMALL if name.startswith("small") else FULL
            assert (result["states"], result["depth"]) == tuple(expected.values()), result
            times[name].append(result["seconds"])
        if tlc is not None and not args.quick:
            tlc_counts = tlc_run(tlc)
            assert (tlc_counts["states"], tlc_counts["depth"]) == tuple(FULL.values()), tlc_counts
            times["full_tlc"].append(tlc_counts["seconds"])
    med = {name: round(statistics.median(t), 2) if t else None for name, t in times.items()}
    peak = measured_check(runs["small_vector"], memory=True)["peak_mib"]
    line: dict[str, object] = {
        "benchmark": "check_lamport_mutex",
        "repeat": args.repeat,
        "small": {
            "instance": "N=2 MaxNat=7, deadlock checked",
            **SMALL,
            "vector_wall_seconds": med["small_vector"],
            "vector_peak_memory_mib": round(peak),
            "reference_wall_seconds": med["small_reference"],
        },
    }
    if not args.quick:
        full_1, full_tlc = med["full_1_worker"], med["full_tlc"]
        assert full_1 is not None
        line["full"] = {
            "instance": "N=3 MaxNat=7 (MCLamportMutex.cfg)",
            **FULL,
            "transitions": transitions(runs["full_1_worker"]),
            "tlc_states_generated": tlc_counts.get("generated"),
            "paxoscope_1_worker_wall_seconds": full_1,
            "paxoscope_default_wall_seconds": med["full_default"],
            "paxoscope_states_per_second": round(FULL["distinct_states"] / full_1),
            "tlc_1_worker_wall_seconds": full_tlc,
            "tlc_over_paxoscope": round(full_tlc / full_1, 2) if full_tlc else None,
        }
        line["targets"] = {
            "small_compiles_in_seconds_not_tens": med["small_vector"] is not None
            and med["small_vector"] < 10,
            "small_below_300_mib": peak < 300,
            "full_at_least_as_fast_as_tlc": None if full_tlc is None else full_1 <= full_tlc,
        }
    line["python"] = platform.python_version()
    line["cpus"] = os.cpu_count()
    print(json.dumps(line))


if __name__ == "__main__":
    main()
