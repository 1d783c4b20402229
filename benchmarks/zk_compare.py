"""paxoscope against Apache ZooKeeper, same kazoo workload, one run: one JSON line.

A 3-node Apache ZooKeeper ensemble (Debian's package, forceSync on as by default) and a 3-node
paxoscope cluster (fsync on, ZooKeeper front end) are started one after the other on loopback;
each gets the same workload from one kazoo client connected to one server (a follower by
default, as most of a real ensemble's clients are):
- sequential create, get, set: one request at a time, `--ops` each (or until `--seconds`);
  ops/s and p50/p99 latency;
- pipelined create, get, set: the `*_async` calls with `--window` requests in flight on the same
  session; ops/s.
Values are 100 bytes; gets and sets go to the nodes the creates made. Each measurement runs
`--rounds` times after a warm-up (the JVM compiles its hot paths as it goes); ops/s is the median
of the rounds, latencies pool every round's samples. `ratios` is paxoscope/apache for each ops/s
figure: above 1, paxoscope is faster. kazoo is pure Python and decodes every reply on one thread,
so pipelined figures of a fast server may be the client's ceiling, for both targets alike.

    python benchmarks/zk_compare.py [--quick] [--ops N] [--seconds S] [--window W] [--rounds R]

Exits 2, saying how to install it, when Debian's zookeeper package is missing.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script from anywhere: make `benchmarks` importable as a package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ensembles import (
    ApacheEnsemble,
    Ensemble,
    PaxoscopeEnsemble,
    apache_missing,
    four_letter_word,
)

OPERATIONS = ("create", "get", "set")
TARGETS = ("apache", "paxoscope")
VALUE = b"x" * 100
UPDATED = b"y" * 100


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Workload:
    """One kazoo session on one server; each round works under its own parent node."""

    def __init__(self, hosts: str, seconds: float, window: int) -> None:
        from kazoo.client import KazooClient

        self.seconds = seconds
        self.window = window
        self.client = KazooClient(hosts=hosts, timeout=30.0)
        self.client.start(timeout=30.0)

    def close(self) -> None:
        self.client.stop()
        self.client.close()

    def _sequential(
        self, paths: list[str], call: Callable[[str], Any]
    ) -> tuple[float, list[float]]:
        latencies: list[float] = []
        started = time.perf_counter()
        deadline = started + self.seconds
        for path in paths:
            before = time.perf_counter()
            call(path)
            latencies.append(time.perf_counter() - before)
            if before > deadline:
                break
        return len(latencies) / (time.perf_counter() - started), latencies

    def _pipelined(self, paths: list[str], call: Callable[[str], Any]) -> tuple[float, int]:
        pending: deque[Any] = deque()
        started = time.perf_counter()
        deadline = started + self.seconds
        issued = 0
        for path in paths:
            if len(pending) >= self.window:
                # Replies come back in request order, so the oldest is the next to finish.
                pending.popleft().get(timeout=60)
            pending.append(call(path))
            issued += 1
            if time.perf_counter() > deadline:
                break
        while pending:
            pending.popleft().get(timeout=60)
        return issued / (time.perf_counter() - started), issued

    def round(self, tag: str, ops: int) -> dict[str, tuple[float, list[float]]]:
        """One round of the six measurements, `ops` requests each (at most):
        {name: (ops per second, latencies or [])}."""
        client = self.client
        root = f"/zkcompare-{tag}"
        client.ensure_path(root)
        figures: dict[str, tuple[float, list[float]]] = {}
        wanted = [f"{root}/s{i}" for i in range(ops)]
        rate, latencies = self._sequential(wanted, lambda p: client.create(p, VALUE))
        figures["sequential_create"] = (rate, latencies)
        made = wanted[: len(latencies)]
        cycle = (made * (ops // len(made) + 1))[:ops]
        figures["sequential_get"] = self._sequential(cycle, client.get)
        figures["sequential_set"] = self._sequential(cycle, lambda p: client.set(p, UPDATED))

        wanted = [f"{root}/p{i}" for i in range(ops)]
        rate, issued = self._pipelined(wanted, lambda p: client.create_async(p, VALUE))
        figures["pipelined_create"] = (rate, [])
        made = wanted[:issued]
        cycle = (made * (ops // len(made) + 1))[:ops]
        figures["pipelined_get"] = (self._pipelined(cycle, client.get_async)[0], [])
        rate = self._pipelined(cycle, lambda p: client.set_async(p, UPDATED))[0]
        figures["pipelined_set"] = (rate, [])
        return figures


def measure(ensemble: Ensemble, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    ensemble.start()
    startup = time.perf_counter() - started
    if args.via == "leader" and ensemble.leader_index is not None:
        index = ensemble.leader_index
    else:
        index = (ensemble.follower_indexes or [0])[0]
    host, port = ensemble.addresses[index]
    workload = Workload(f"{host}:{port}", args.seconds, args.window)
    rounds: list[dict[str, tuple[float, list[float]]]] = []
    try:
        # Warm-up, discarded: JIT compilation on the JVM, caches and connections on both.
        workload.round("warmup", max(10, args.ops // 4))
        for r in range(args.rounds):
            rounds.append(workload.round(str(r), args.ops))
    finally:
        workload.close()
    result: dict[str, Any] = {
        "startup_seconds": round(startup, 2),
        "via": "leader" if index == ensemble.leader_index else "follower",
    }
    if isinstance(ensemble, ApacheEnsemble):
        reply = four_letter_word(ensemble.addresses[0], "srvr")
        version = reply.splitlines()[0].split(":", 1)[1].strip() if reply else ""
        result["version"] = version.split("-", 1)[0]
    for name in (f"{mode}_{op}" for mode in ("sequential", "pipelined") for op in OPERATIONS):
        result[f"{name}_per_second"] = round(statistics.median(r[name][0] for r in rounds), 1)
        samples = [s for r in rounds for s in r[name][1]]
        if samples:
            result[f"{name}_p50_ms"] = round(_percentile(samples, 0.50) * 1000, 3)
            result[f"{name}_p99_ms"] = round(_percentile(samples, 0.99) * 1000, 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke test: few ops, one round")
    parser.add_argument("--ops", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--seconds", type=float, default=10.0, help="cap per measurement")
    parser.add_argument("--window", type=int, default=256, help="requests in flight, pipelined")
    parser.add_argument("--rounds", type=int, default=3, help="ops/s is the median of these")
    parser.add_argument("--nodes", type=int, default=3, help="servers per ensemble")
    parser.add_argument(
        "--via", choices=("follower", "leader"), default="follower", help="the client's server"
    )
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help="comma-separated, in running order; ratios need both (default: %(default)s)",
    )
    args = parser.parse_args()
    if args.quick:
        args.ops, args.window, args.rounds = min(args.ops, 50), min(args.window, 16), 1
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if not targets or any(t not in TARGETS for t in targets):
        parser.error(f"--targets: a comma-separated list of {', '.join(TARGETS)}")
    if args.ops < 1 or args.window < 1 or args.rounds < 1 or args.seconds <= 0:
        parser.error("--ops, --window, --rounds and --seconds must be positive")
    if "apache" in targets and (missing := apache_missing()) is not None:
        print(f"zk_compare: cannot run Apache ZooKeeper: {missing}", file=sys.stderr)
        sys.exit(2)

    # A terminated run leaves through the `with` blocks below, which stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    line: dict[str, Any] = {
        "nodes": args.nodes,
        "ops": args.ops,
        "seconds": args.seconds,
        "window": args.window,
        "rounds": args.rounds,
        "value_bytes": len(VALUE),
        "fsync": True,  # forceSync=yes on Apache's side (its default), paxoscope.fsync=true
    }
    with tempfile.TemporaryDirectory(prefix="paxoscope-zkcompare-") as directory:
        for target in targets:
            path = Path(directory) / target
            ensemble: Ensemble = (
                ApacheEnsemble(path, args.nodes)
                if target == "apache"
                else PaxoscopeEnsemble(path, args.nodes)
            )
            with ensemble:
                line[target] = measure(ensemble, args)
    if all(t in line for t in TARGETS):
        line["ratios"] = {
            key: round(value / line["apache"][key], 3)
            for key, value in line["paxoscope"].items()
            if key.endswith("_per_second") and line["apache"].get(key)
        }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
