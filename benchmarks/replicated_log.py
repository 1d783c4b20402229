"""Throughput and latency of the replicated log: one JSON line.

Three local replica processes (loopback, fsync on, as in production), one client:
- sequential: one command at a time;
- pipelined: `--window` commands in flight from the same client (one connection).
Commands are key-value puts of 100-byte values. Latency is measured per command, from submit
to acknowledged. The reference is a real ZooKeeper 3.8 ensemble of 3 on this kind of machine
with one client: about 1,000 sequential and 3,000 pipelined creates per second (issue 5); it is
reported next to ours, not re-measured here (benchmarks/zk_compare.py measures both side by side).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from impl.net.client import AsyncClient
from impl.net.cluster import LocalCluster

ZOOKEEPER_SEQUENTIAL_PER_SECOND = 1_000
ZOOKEEPER_PIPELINED_PER_SECOND = 3_000
VALUE = b"x" * 100


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _run(client: AsyncClient, seconds: float, window: int, tag: str) -> dict[str, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    counter = 0

    async def worker() -> None:
        nonlocal counter
        while time.perf_counter() < deadline:
            counter += 1
            key = f"{tag}-{counter}"
            start = time.perf_counter()
            await client.put(key, VALUE)
            latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(window)))
    elapsed = time.perf_counter() - started
    return {
        "per_second": round(len(latencies) / elapsed, 1),
        "commands": len(latencies),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 3),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 3),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 3),
    }


async def _measure(cluster: LocalCluster, seconds: float, window: int) -> dict[str, object]:
    client = AsyncClient(cluster.addresses, timeout=30)
    try:
        await _run(client, min(1.0, seconds), 8, "warmup")
        sequential = await _run(client, seconds, 1, "seq")
        pipelined = await _run(client, seconds, window, "pipe")
    finally:
        await client.close()
    return {"sequential": sequential, "pipelined": pipelined}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--window", type=int, default=256, help="commands in flight, pipelined")
    parser.add_argument("--no-fsync", action="store_true", help="for comparison only")
    args = parser.parse_args()
    settings = {"paxoscope.fsync": "false" if args.no_fsync else "true"}
    with tempfile.TemporaryDirectory(prefix="paxoscope-bench-") as directory:
        cluster = LocalCluster(Path(directory), 3, settings=settings, service="kv")
        with cluster:
            cluster.start()
            cluster.wait_for_leader()
            figures = asyncio.run(_measure(cluster, args.seconds, args.window))
    sequential = figures["sequential"]
    pipelined = figures["pipelined"]
    assert isinstance(sequential, dict) and isinstance(pipelined, dict)
    line = {
        "replicas": 3,
        "fsync": not args.no_fsync,
        "window": args.window,
        "seconds": args.seconds,
        "sequential_per_second": sequential["per_second"],
        "sequential_p50_ms": sequential["p50_ms"],
        "sequential_p99_ms": sequential["p99_ms"],
        "pipelined_per_second": pipelined["per_second"],
        "pipelined_p50_ms": pipelined["p50_ms"],
        "pipelined_p99_ms": pipelined["p99_ms"],
        "zookeeper_reference_sequential_per_second": ZOOKEEPER_SEQUENTIAL_PER_SECOND,
        "zookeeper_reference_pipelined_per_second": ZOOKEEPER_PIPELINED_PER_SECOND,
        "sequential_vs_zookeeper": round(
            float(sequential["per_second"]) / ZOOKEEPER_SEQUENTIAL_PER_SECOND, 2
        ),
        "pipelined_vs_zookeeper": round(
            float(pipelined["per_second"]) / ZOOKEEPER_PIPELINED_PER_SECOND, 2
        ),
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
