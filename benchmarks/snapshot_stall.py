"""What snapshots of a large znode tree cost a client's writes: one JSON line.

A 3-node paxoscope cluster (ZooKeeper front end, fsync on) is filled with `--znodes` znodes
(pipelined creates through the raw wire client of benchmarks/zk_wire.py), then a client of a
follower sets them one at a time, `--writes` in all, timing each. The cluster runs twice per
round: with a snapshot every `--every` slots (`snapshots`) and with none (`none`, the
baseline), in alternating order round after round, a fresh cluster each time. For each: the
median, p99.9 and largest write latency (ms, pooled over the rounds) and `slow`, the writes
slower than `--slow-ms`. `max_ratio` is snapshots/none of the largest latency: near 1, a
snapshot holds up no write; a server that encodes its snapshot on its event loop (as paxoscope
did before impl/storage/background.py) stalls every client for ~2 µs per znode (1 s at 500,000)
each time. `snapshots_taken` counts the "snapshot of slot" lines the servers logged.

    python benchmarks/snapshot_stall.py [--znodes N] [--writes N] [--every N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script from anywhere: make `benchmarks` importable as a package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import zk_wire
from benchmarks.ensembles import PaxoscopeEnsemble

NEVER = 10**9  # a snapshot every so many slots: none in a run


def one_run(znodes: int, writes: int, every: int) -> tuple[list[float], int]:
    """Write latencies (s) on a fresh cluster filled with `znodes`, and snapshots logged."""
    ops = zk_wire.operations(b"x" * 16, b"y" * 16)
    settings = {"paxoscope.snapshotEvery": str(every)}
    with (
        tempfile.TemporaryDirectory() as directory,
        PaxoscopeEnsemble(Path(directory), 3, settings=settings) as ensemble,
    ):
        ensemble.start()
        session = zk_wire.Session.connect(ensemble.addresses[ensemble.follower_indexes[0]])
        try:
            session.operation = ops["create"]
            session.call(b"/big", time.monotonic() + 60)
            paths = [b"/big/n%07d" % i for i in range(znodes)]
            tally, _ = zk_wire.pipelined([session], ops["create"], paths, 256, 600.0)
            if tally.ok != znodes:
                raise SystemExit(f"filling the tree failed: {tally}")
            tally, _, latencies = zk_wire.sequential(session, ops["set"], paths[:writes], 600.0)
            if tally.ok != writes:
                raise SystemExit(f"the writes failed: {tally}")
        finally:
            session.close()
        logs = [node.log_path.read_text() for node in ensemble.cluster.nodes]
    return latencies, sum(text.count("snapshot of slot") for text in logs)


def summary(latencies: list[float], slow_ms: float) -> dict[str, float]:
    ms = sorted(x * 1000 for x in latencies)
    return {
        "p50_ms": round(statistics.median(ms), 3),
        "p999_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.999))], 3),
        "max_ms": round(ms[-1], 3),
        "slow": sum(x > slow_ms for x in ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--znodes", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=5_000)
    parser.add_argument("--every", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--slow-ms", type=float, default=100.0)
    args = parser.parse_args()
    if not 0 < args.writes <= args.znodes or args.every <= 0 or args.rounds <= 0:
        parser.error("need 0 < --writes <= --znodes, --every > 0 and --rounds > 0")
    pooled: dict[str, list[float]] = {"snapshots": [], "none": []}
    taken = 0
    for round_ in range(args.rounds):
        order = ["snapshots", "none"] if round_ % 2 == 0 else ["none", "snapshots"]
        for name in order:
            latencies, logged = one_run(
                args.znodes, args.writes, args.every if name == "snapshots" else NEVER
            )
            pooled[name] += latencies
            if name == "snapshots":
                taken += logged
    result = {
        "benchmark": "snapshot_stall",
        "znodes": args.znodes,
        "writes": args.writes,
        "every": args.every,
        "rounds": args.rounds,
        "snapshots_taken": taken,
        **{name: summary(latencies, args.slow_ms) for name, latencies in pooled.items()},
    }
    result["max_ratio"] = round(result["snapshots"]["max_ms"] / result["none"]["max_ms"], 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
