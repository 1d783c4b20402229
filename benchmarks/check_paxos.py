#!/usr/bin/env python3
"""Benchmark: `paxoscope check spec/paxos.py` against a plain-Python BFS of the same model.

Prints one JSON line. Runs are interleaved, `--repeat` times each, and the figures are medians,
so that a noisy shared machine affects every side alike; ratios are computed from the medians.

Default (max_ballot=2, 185,369 states; --quick: max_ballot=1): the engine in this process (the
vector engine, and the reference engine one state at a time) against a plain BFS, the obvious
Python transcription of Paxos.tla: a state is a tuple of per-acceptor tuples and a frozenset of
message tuples, successors come from iterating over the message set, and agreement is checked
on every new state. All must find TLC's counts.

--large (max_ballot=3, 8,220,065 states, every invariant of the spec, as `paxoscope check
spec/paxos.py -p max_ballot=3` runs): each run is a separate `paxoscope check` process, timed
from outside; with 1 and 2 workers, with --symmetry (710,709 orbits) and with --fingerprints;
plus the max_ballot=2 comparison with the plain BFS above. Peak memory is measured in one more
run of each, apart from the timed ones: the proportional set size (PSS) of the process and its
worker processes together, sampled every 50 ms. Reading it costs about 14 ms of a core per
sample and holds up the process read, which would slow a run that uses both cores (2 workers)
more than one that leaves a core free.

--large also runs the default command under `--max-memory 300M` (states and visited set on
disk), whose peak must stay under 400 MiB. --huge (max_ballot=4, an hour or more): the
fingerprint and exact runs on disk under --max-memory 8G, and the --symmetry run, once each.

    python benchmarks/check_paxos.py [--quick | --large | --huge] [--repeat N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from checker.check import check
from checker.explicit import Options

ROOT = Path(__file__).resolve().parent.parent
ACCEPTORS = (0, 1, 2)
VALUES = (0, 1)
NONE = -1
QUORUMS = [frozenset(q) for q in itertools.combinations(ACCEPTORS, 2)]
# maxBal, maxVBal, maxVal (one entry per acceptor), and the set of message tuples
State = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], frozenset[tuple[Any, ...]]]


def _successors(state: State, ballots: range) -> Iterator[State]:  # deliberately plain
    max_bal, max_vbal, max_val, msgs = state
    for b in ballots:  # Phase1a(b)
        yield (max_bal, max_vbal, max_val, msgs | {("1a", b)})
    for b in ballots:  # Phase2a(b, v)
        if any(m[0] == "2a" and m[1] == b for m in msgs):
            continue
        for v in VALUES:
            for q in QUORUMS:
                q1b = [m for m in msgs if m[0] == "1b" and m[1] in q and m[2] == b]
                if not all(any(m[1] == a for m in q1b) for a in q):
                    continue
                q1bv = [m for m in q1b if m[3] >= 0]
                if not q1bv or any(m[4] == v and all(m[3] >= mm[3] for mm in q1bv) for m in q1bv):
                    yield (max_bal, max_vbal, max_val, msgs | {("2a", b, v)})
                    break
    for a in ACCEPTORS:
        for m in msgs:
            if m[0] == "1a" and m[1] > max_bal[a]:  # Phase1b(a)
                nb = (*max_bal[:a], m[1], *max_bal[a + 1 :])
                yield (nb, max_vbal, max_val, msgs | {("1b", a, m[1], max_vbal[a], max_val[a])})
        for m in msgs:
            if m[0] == "2a" and m[1] >= max_bal[a]:  # Phase2b(a)
                b, v = m[1], m[2]
                yield (
                    (*max_bal[:a], b, *max_bal[a + 1 :]),
                    (*max_vbal[:a], b, *max_vbal[a + 1 :]),
                    (*max_val[:a], v, *max_val[a + 1 :]),
                    msgs | {("2b", a, b, v)},
                )


def _agreement(state: State) -> bool:
    msgs = state[3]
    chosen = {
        v
        for v in VALUES
        for b in {m[2] for m in msgs if m[0] == "2b"}
        if any(all(("2b", a, b, v) in msgs for a in q) for q in QUORUMS)
    }
    return len(chosen) <= 1


def plain_bfs(max_ballot: int) -> tuple[int, int]:
    """(distinct states, depth) of a plain Python BFS over frozensets of message tuples."""
    ballots = range(max_ballot + 1)
    init: State = ((NONE,) * 3, (NONE,) * 3, (NONE,) * 3, frozenset())
    seen = {init: 1}
    queue = deque([init])
    while queue:
        state = queue.popleft()
        depth = seen[state]
        for nxt in _successors(state, ballots):
            if nxt not in seen:
                seen[nxt] = depth + 1
                if not _agreement(nxt):
                    raise AssertionError("agreement violated in the baseline")
                queue.append(nxt)
    return len(seen), max(seen.values())


def engine_run(
    max_ballot: int, engine: str, invariants: list[str] | None
) -> tuple[int, int, float]:
    """(states, depth, seconds) of `check` in this process, from loading the spec to the end."""
    start = time.perf_counter()
    options = Options(invariants=invariants, engine=engine)
    report = check("spec/paxos.py", {"max_ballot": max_ballot}, options)
    assert report.ok
    return report.result.distinct_states, report.result.depth, time.perf_counter() - start


def small(max_ballot: int, repeat: int) -> dict[str, object]:
    """The engines in this process against the plain BFS, on one instance."""
    times: dict[str, list[float]] = {"vector": [], "vector_all": [], "reference": [], "plain": []}
    counts = {}
    for _ in range(repeat):
        for name, engine, invariants in (
            ("vector", "vector", ["agreement"]),
            ("vector_all", "vector", None),
            ("reference", "reference", ["agreement"]),
        ):
            states, depth, seconds = engine_run(max_ballot, engine, invariants)
            times[name].append(seconds)
            counts[name] = (states, depth)
        start = time.perf_counter()
        counts["plain"] = plain_bfs(max_ballot)
        times["plain"].append(time.perf_counter() - start)
    assert len(set(counts.values())) == 1, counts
    states, depth = counts["plain"]
    med = {name: statistics.median(t) for name, t in times.items()}
    return {
        "instance": {"acceptors": 3, "values": 2, "max_ballot": max_ballot},
        "distinct_states": states,
        "depth": depth,
        "repeat": repeat,
        "engine_seconds": round(med["vector"], 3),
        "engine_states_per_second": round(states / med["vector"]),
        "engine_all_invariants_seconds": round(med["vector_all"], 3),
        "reference_engine_seconds": round(med["reference"], 3),
        "baseline_seconds": round(med["plain"], 3),
        "baseline_states_per_second": round(states / med["plain"]),
        "speedup_vs_baseline": round(med["plain"] / med["vector"], 2),
        "speedup_vs_reference_engine": round(med["reference"] / med["vector"], 2),
    }


# -- --large: separate processes, timed and measured from outside ----------------------------


def _tree(pid: int) -> list[int]:
    """pid and its descendants (from /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def _pss(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def measured_check(args: list[str], memory: bool = False, every: float = 0.05) -> dict[str, float]:
    """Run `paxoscope check ARGS --json -`: wall seconds, the result's counts, and, when
    `memory`, the peak PSS of the process tree (sampled `every` seconds; 0 otherwise)."""
    command = [sys.executable, "-m", "checker.cli", "check", *args, "--json", "-", "--no-progress"]
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _pss(_tree(proc.pid)))
            done.wait(every)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    if memory:
        sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {proc.returncode}")
    result = json.loads(out)
    return {
        "seconds": seconds,
        "peak_mib": peak / 2**20,
        "states": result["distinct_states"],
        "depth": result["depth"],
        "search_seconds": result["seconds"],  # the search alone, as the report gives it
        "transitions": result["transitions"],
    }


def large(repeat: int) -> dict[str, object]:
    runs = {
        "workers_1": ["spec/paxos.py", "-p", "max_ballot=3", "--workers", "1"],
        "workers_2": ["spec/paxos.py", "-p", "max_ballot=3", "--workers", "2"],
        "symmetry": ["spec/paxos.py", "-p", "max_ballot=3", "--symmetry", "--workers", "1"],
        "fingerprints": ["spec/paxos.py", "-p", "max_ballot=3", "--fingerprints", "--workers", "1"],
        # The default command's 2 workers, the states on disk and at most 300 MiB in memory
        "max_memory_300m": ["spec/paxos.py", "-p", "max_ballot=3", "--max-memory", "300M"],
    }
    got: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, args in runs.items():
            got[name].append(measured_check(args))
    peaks = {name: measured_check(args, memory=True) for name, args in runs.items()}
    out: dict[str, object] = {}
    for name, results in got.items():
        states = results[0]["states"]
        assert all(r["states"] == states for r in [*results, peaks[name]])
        seconds = statistics.median(r["seconds"] for r in results)
        out[name] = {
            "distinct_states": int(states),
            "depth": int(results[0]["depth"]),
            "wall_seconds": round(seconds, 2),
            "states_per_second": round(states / seconds),
            "peak_memory_mib": round(peaks[name]["peak_mib"]),
        }
    w1, w2, sym, fp, _ = (out[n]["wall_seconds"] for n in runs)  # type: ignore[index]
    assert out["workers_1"]["distinct_states"] == 8220065  # type: ignore[index]
    assert out["workers_2"]["distinct_states"] == 8220065  # type: ignore[index]
    assert out["symmetry"]["distinct_states"] == 710709  # type: ignore[index]
    assert out["fingerprints"]["distinct_states"] == 8220065  # type: ignore[index]
    assert out["max_memory_300m"]["distinct_states"] == 8220065  # type: ignore[index]
    out["speedup_2_workers"] = round(w1 / w2, 2)
    out["speedup_symmetry"] = round(w1 / sym, 2)
    out["speedup_fingerprints"] = round(w1 / fp, 2)
    return out


def huge() -> dict[str, object]:
    """max_ballot=4, once each (tens of minutes a run): 64-bit fingerprints and whole states
    compared, both on disk under --max-memory 8G, and --symmetry's orbits in memory. Peak
    memory sampled every 2 s (the sampling would cost a run this long a tenth of a core)."""
    runs = {
        "fingerprints_8g": ["--fingerprints", "--max-memory", "8G"],
        "exact_8g": ["--max-memory", "8G"],
        "symmetry": ["--symmetry"],
    }
    out: dict[str, object] = {}
    for name, args in runs.items():
        r = measured_check(["spec/paxos.py", "-p", "max_ballot=4", *args], memory=True, every=2)
        out[name] = {
            "distinct_states": int(r["states"]),
            "depth": int(r["depth"]),
            "transitions": int(r["transitions"]),
            "wall_seconds": round(r["seconds"], 1),
            "peak_memory_mib": round(r["peak_mib"]),
        }
    fp, exact = out["fingerprints_8g"], out["exact_8g"]
    assert isinstance(fp, dict) and isinstance(exact, dict)
    assert fp["distinct_states"] == exact["distinct_states"]
    out["targets"] = {
        "fingerprints_8g_under_20_minutes": fp["wall_seconds"] <= 1200,
        "fingerprints_8g_under_8_gib": fp["peak_memory_mib"] <= 8192,
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="max_ballot=1 instead of 2")
    size.add_argument("--large", action="store_true", help="max_ballot=3, 1 and 2 workers")
    size.add_argument("--huge", action="store_true", help="max_ballot=4 on disk (an hour or more)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (median)")
    args = parser.parse_args()
    line: dict[str, object] = {"benchmark": "check_paxos"}
    if args.huge:
        line["max_ballot_4"] = huge()
    elif args.large:
        line["max_ballot_3"] = large(args.repeat)
        line["max_ballot_2"] = small(2, args.repeat)
        mb3 = line["max_ballot_3"]
        mb2 = line["max_ballot_2"]
        assert isinstance(mb3, dict) and isinstance(mb2, dict)
        line["targets"] = {
            # The default command uses one worker per core (2 here): both must meet the target.
            "max_ballot_3_at_most_30_s": mb3["workers_1"]["wall_seconds"] <= 30
            and mb3["workers_2"]["wall_seconds"] <= 30,
            "max_ballot_3_at_most_1_gib": mb3["workers_1"]["peak_memory_mib"] <= 1024
            and mb3["workers_2"]["peak_memory_mib"] <= 1024,
            "max_ballot_2_ten_times_the_plain_bfs": mb2["speedup_vs_baseline"] >= 10,
            "two_workers_1_6_times_one": mb3["speedup_2_workers"] >= 1.6,
            "symmetry_faster": mb3["speedup_symmetry"] > 1,
            "max_memory_300m_under_400_mib": mb3["max_memory_300m"]["peak_memory_mib"] < 400,
        }
    else:
        line.update(small(1 if args.quick else 2, args.repeat))
    line["python"] = platform.python_version()
    line["machine"] = platform.machine()
    line["cpus"] = os.cpu_count()
    print(json.dumps(line))


if __name__ == "__main__":
    main()
