#!/usr/bin/env python3
"""Benchmark: what checking @liveness properties costs over the safety check alone, on the same
instances in the same run (interleaved, medians of `--repeat` runs of `paxoscope check` as a
separate process): spec/paxos_live.py at two sizes, the corpus's EWD840 at N = 6 and the
write-through cache (a refinement with step formulas), plus TLC's figures for those two
measured on this machine (constants, with their date).

Prints one JSON line: per model, states, the wall seconds of `--no-liveness` and of the full
check, and their ratio (the goal: liveness costs at most 3x the safety check).

    python benchmarks/liveness.py [--repeat N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys

from check_paxos import measured_check

MODELS = {
    "paxos_live_small": ["spec/paxos_live.py", "-p", "values=1", "-p", "nodes=2"],
    "paxos_live_values1": ["spec/paxos_live.py", "-p", "values=1"],
    "paxos_live": ["spec/paxos_live.py"],
    "ewd840_n6": ["spec/tlaplus/ewd840.py", "-p", "n=6"],
    "write_through_cache": ["spec/tlaplus/live_write_through_cache.py"],
}
QUICK = ("paxos_live_small",)

# TLC 2.19 (tla2tools.jar from jabolina/mcast-tlaplus), one worker, on this machine, 2026-12-02:
# EWD840.cfg with N = 6 and PROPERTIES Liveness (TDSpec left out): "No error has been found",
# 36,990 distinct states, depth 18, "Finished in 28s"; wall time with the JVM (a loaded machine).
# MCLiveWriteThroughCache.cfg (PROPERTIES LM_Inner_LISpec LM_Inner_Liveness): "No error has been
# found", 5,196 distinct states, depth 18, "Finished in 47s" (48.4 s wall, a loaded machine).
TLC = {
    "ewd840_n6": {"states": 36990, "depth": 18, "seconds": 28.9, "measured": "2026-12-02"},
    "write_through_cache": {"states": 5196, "depth": 18, "seconds": 48.4, "measured": "2026-12-03"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each check (median)")
    parser.add_argument("--quick", action="store_true", help="the smallest model only, once")
    args = parser.parse_args()
    models = {k: v for k, v in MODELS.items() if not args.quick or k in QUICK}
    repeat = 1 if args.quick else args.repeat
    out: dict[str, object] = {}
    for name, spec in models.items():
        safety, full = [], []
        states = None
        for _ in range(repeat):  # interleaved: the machine's load hits both alike
            s = measured_check([*spec, "--workers", "1", "--no-liveness"])
            f = measured_check([*spec, "--workers", "1"])
            assert s["states"] == f["states"], (name, s, f)
            states = f["states"]
            safety.append(s["seconds"])
            full.append(f["seconds"])
        row: dict[str, object] = {
            "states": states,
            "safety_seconds": round(statistics.median(safety), 3),
            "with_liveness_seconds": round(statistics.median(full), 3),
            "ratio": round(statistics.median(full) / statistics.median(safety), 3),
        }
        if name in TLC:
            row["tlc"] = TLC[name]
        out[name] = row
    print(
        json.dumps(
            {
                "benchmark": "liveness",
                "repeat": repeat,
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "models": out,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
