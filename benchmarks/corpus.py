#!/usr/bin/env python3
"""Benchmark: every port of the TLA+ corpus (spec/tlaplus/), in the default (vector) engine
against the reference engine, in the same run.

Prints one JSON line: per model, TLC's distinct states and depth (the port's `expected_states`
and `expected_depth`, which each run must reproduce), and for each engine the median wall time
of `paxoscope check` as a separate process (start-up and compilation included), the search's
own time and states/s over it, and the reference engine's wall time over the vector engine's. Runs are interleaved, `--repeat` times.
`--quick` keeps the models up to 20,000 states and the reference engine on them only.

    python benchmarks/corpus.py [--repeat N] [--quick] [--only STEM ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from pathlib import Path

from check_paxos import measured_check

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.loader import load_spec  # noqa: E402

CORPUS = ROOT / "spec" / "tlaplus"
QUICK_LIMIT = 20_000  # states: --quick keeps the models up to this size
REFERENCE_LIMIT = 100_000  # the reference engine runs on models up to this size


def tlc_counts(path: Path) -> tuple[int, int | None]:
    cls = load_spec(str(path))
    return cls.expected_states[""], getattr(cls, "expected_depth", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each engine (median)")
    parser.add_argument("--quick", action="store_true", help="models up to 20,000 states only")
    parser.add_argument("--only", nargs="*", default=None, help="these models (file stems)")
    args = parser.parse_args()
    ports = sorted(p for p in CORPUS.glob("*.py") if p.name != "__init__.py")
    if args.only:
        unknown = set(args.only) - {p.stem for p in ports}
        if unknown:
            parser.error(f"--only: no port named {', '.join(sorted(unknown))}")
        ports = [p for p in ports if p.stem in args.only]
    models = {p.stem: (p, *tlc_counts(p)) for p in ports}
    if args.quick:
        models = {k: v for k, v in models.items() if v[1] <= QUICK_LIMIT}
    times: dict[tuple[str, str], list[float]] = {}
    search: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        for stem, (path, states, depth) in models.items():
            engines = ["vector"] + (["reference"] if states <= REFERENCE_LIMIT else [])
            for engine in engines:
                run = [str(path.relative_to(ROOT)), "--engine", engine, "--workers", "1"]
                result = measured_check(run)
                assert result["states"] == states, (stem, engine, result)
                assert depth is None or result["depth"] == depth, (stem, engine, result)
                times.setdefault((stem, engine), []).append(result["seconds"])
                if engine == "vector":
                    search.setdefault(stem, []).append(result["search_seconds"])
    out: dict[str, object] = {}
    for stem, (_, states, depth) in models.items():
        vector = statistics.median(times[(stem, "vector")])
        reference = (
            statistics.median(times[(stem, "reference")]) if (stem, "reference") in times else None
        )
        searched = max(statistics.median(search[stem]), 1e-3)
        out[stem] = {
            "states": states,
            "depth": depth,
            "seconds": round(vector, 3),
            "search_seconds": round(searched, 3),
            "states_per_second": round(states / searched),
            "reference_seconds": None if reference is None else round(reference, 3),
            "reference_over_vector": None if reference is None else round(reference / vector, 2),
        }
    total = sum(float(m["seconds"]) for m in out.values())  # type: ignore[arg-type]
    line = {
        "benchmark": "corpus",
        "repeat": args.repeat,
        "models": out,
        "total_seconds": round(total, 2),
        "all_match_tlc": True,  # every run above asserted TLC's counts
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
