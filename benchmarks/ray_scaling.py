#!/usr/bin/env python3
"""Benchmark: the vector engine on local Ray clusters of 1, 2 and 3 nodes against one process.

Prints one JSON line: for `paxoscope check spec/paxos.py -p max_ballot=B --fingerprints`
(default B=2, 185,369 states; --quick: B=1), the wall time of one process (the baseline, in
the same run) and of each cluster size, and per cluster what the search cost there: bytes
shipped (groups to actors, candidates between actors, new states back, numbers to owners) and
the seconds the driver waited at each phase's barrier, in total and per level. Each node of a
cluster is a Ray node on this machine with one CPU (so one actor); runs are interleaved,
`--repeat` times: times are medians, the costs (bytes, waits) those of the middle run.
`docs/scaling.md` fits its model to these.

`--max-ballot 3 --nodes 3 --repeat 1` is the issue's 3-node run of 8,220,065 states (about
25 s on 2 cores, against 18 s in one process: see docs/scaling.md).

    python benchmarks/ray_scaling.py [--quick | --max-ballot B] [--repeat N] [--nodes 1,2,3]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import time
from typing import Any

from checker.check import check, ray_summary
from checker.explicit import Options


def run(params: dict[str, int], address: str | None) -> tuple[float, Any]:
    options = Options(exact=False, workers=1, ray=address)
    start = time.perf_counter()
    report = check("spec/paxos.py", params, options)
    seconds = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"paxos: {report.result.violation}")
    return seconds, report.result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="max_ballot=1 (3,921 states)")
    size.add_argument("--max-ballot", type=int, default=2, help="Paxos's max_ballot (default 2)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--nodes", default="1,2,3", help="cluster sizes, comma-separated")
    args = parser.parse_args()
    import ray
    from ray import cluster_utils

    params = {"max_ballot": 1 if args.quick else args.max_ballot}
    sizes = [int(n) for n in args.nodes.split(",")]
    figures: dict[str, Any] = {
        "command": f"paxoscope check spec/paxos.py -p max_ballot={params['max_ballot']} "
        "--fingerprints --ray ADDRESS",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "repeat": args.repeat,
    }
    alone = [run(params, None)[0] for _ in range(args.repeat)]
    for n in sizes:
        head = {"num_cpus": 1, "include_dashboard": False}
        cluster: Any = cluster_utils.Cluster(initialize_head=True, head_node_args=head)
        try:
            for _ in range(n - 1):
                cluster.add_node(num_cpus=1)
            cluster.wait_for_nodes()
            ray.init(address=cluster.address, logging_level=logging.ERROR, log_to_driver=False)
            times, costs = [], []
            for _ in range(args.repeat):
                seconds, result = run(params, cluster.address)
                alone.append(run(params, None)[0])  # interleaved: the baseline under the same load
                times.append(seconds)
                costs.append(ray_summary(result))
            cost = costs[len(costs) // 2]  # the middle run's
            distinct = result.distinct_states
            figures[f"nodes_{n}"] = {
                "seconds": round(statistics.median(times), 3),
                "vs_one_process": round(statistics.median(times) / statistics.median(alone), 2),
                "distinct_states": distinct,
                "shipped_bytes": cost["shipped_bytes"],
                "shipped_bytes_per_state": round(cost["shipped_bytes"] / distinct, 1),
                "barrier_seconds": cost["barrier_seconds"],
                "levels": len(cost["levels"]),
                "per_level": cost["levels"],
            }
        finally:
            ray.shutdown()
            cluster.shutdown()
    figures["one_process_seconds"] = round(statistics.median(alone), 3)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
