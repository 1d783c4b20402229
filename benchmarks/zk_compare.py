"""paxoscope against Apache ZooKeeper, same client workloads, one run: one JSON line.

A 3-node Apache ZooKeeper ensemble (Debian's package, forceSync on as by default) and a 3-node
paxoscope cluster (fsync on, ZooKeeper front end) are started on loopback; each gets the same
workloads, every client connected to one server (a follower by default, as most of a real
ensemble's clients are). Two clients make them:

- kazoo, one session (the keys without a prefix):
  - sequential create, get, set: one request at a time, `--ops` each (or until `--seconds`);
    ops/s and p50/p99 latency;
  - pipelined create, get, set: the `*_async` calls with `--window` requests in flight on the
    same session; ops/s. kazoo is pure Python and decodes every reply on one thread, so these
    measure kazoo's own ceiling (a few thousand per second) and how it copes with each
    server's way of sending replies more than the servers;
- a raw ZooKeeper wire-protocol client (benchmarks/zk_wire.py: jute with `struct`, nothing of
  paxoscope's code), the `raw_` keys:
  - raw_sequential create, get, set: as kazoo's, on one session;
  - raw_pipelined create, get, set: `--raw-ops` requests each (or until `--seconds`), `--window`
    in flight on each of `--connections` sessions, all driven from one thread. Every reply is
    checked: an error code counts as an error, a record that is not the expected one (a get's
    data is the value written, a create returns its path, a set a Stat of the new length) as a
    mismatch, neither as a success; ops/s counts successes only.

Values are 100 bytes; gets and sets go to the nodes the creates made. Each measurement runs
`--rounds` times after a warm-up (the JVM compiles its hot paths as it goes); ops/s is the median
of the rounds, latencies pool every round's samples. With `--interleave` (the default) both
ensembles run side by side and the rounds alternate between them (ABBA...), so a noisy
neighbour on a shared machine weighs on both alike; `--no-interleave` runs one ensemble after
the other. `ratios` is paxoscope/apache for each ops/s figure: above 1, paxoscope is faster.

Where each figure's limit lies: `cpu` gives, for each measurement (medians of the rounds), the
CPU the benchmark process (`client`), all of the target's servers (`servers`) and the busiest
server process (`busiest_server`) used, in cores (CPU seconds per second), the share of all
the machine's `cpus` busy with anything, neighbours' work included (`machine`, 0 to 1; -1:
unknown), and `limit`, the first that holds of: `client` (the benchmark used ≥ 85% of a core:
it is the bottleneck), `server` (one server process did; for a multi-threaded JVM only a hint),
`cpu` (the machine was ≥ 85% busy: every process waited for a CPU), else `latency` (waiting:
round trips, fsync, batching). A measurement that never lasted 0.2 s gets only `limit`,
`too_short` (the kernel counts CPU time in 10 ms ticks): most of --quick's. kazoo's two
threads share one interpreter lock, so kazoo can be the bottleneck below 85% of a core.
`fsync_p50_ms` is the median time to flush a 4 KiB write to the disk the servers log to.
`raw_client_ceiling_per_second` is what the raw client's encoding and reply decoding and
checking handle per second of its CPU with no network, per operation: far above a raw figure,
the client is not what limits it. `raw_failures` lists the raw measurements whose replies were
not all successes; with any, the line is still printed, and the exit status is 1.

    python benchmarks/zk_compare.py [--quick] [--ops N] [--raw-ops N] [--seconds S]
        [--window W] [--connections C] [--rounds R] [--no-interleave]

Exits 2, saying how to install it, when Debian's zookeeper package is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

# Run as a script from anywhere: make `benchmarks` importable as a package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import zk_wire
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
KAZOO_ROWS = tuple(f"{mode}_{op}" for mode in ("sequential", "pipelined") for op in OPERATIONS)
ROWS = KAZOO_ROWS + tuple(f"raw_{name}" for name in KAZOO_ROWS)
BUSY = 0.85  # of a core (client, server) or of the machine (cpu): see `limit` above
# The kernel counts CPU time in ticks (10 ms): shorter measurements get no CPU figures.
CPU_MIN_SECONDS = 0.2
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system, every thread) process `pid` has used; 0 if unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _machine_ticks() -> tuple[int, int]:
    """(busy, all) CPU time of the whole machine so far, every process of every user (and the
    time a hypervisor stole), in ticks; (0, 0) if unknown."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(t) for t in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return 0, 0
    # user nice system idle iowait irq softirq steal
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


@dataclass
class Figure:
    """One measurement: ops/s, latencies (sequential only), CPU in cores, the raw failures."""

    rate: float
    latencies: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    failures: dict[str, Any] = field(default_factory=dict)


class CpuMeter:
    """The CPU this process and the servers use while a measurement runs."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.wall = time.perf_counter()
        self.client = time.process_time()
        self.servers = [_process_cpu(pid) for pid in pids]
        self.machine = _machine_ticks()

    def cores(self) -> dict[str, float]:
        """CPU seconds per second of each kind; {} if the measurement was too short to tell."""
        wall = time.perf_counter() - self.wall
        if wall < CPU_MIN_SECONDS:
            return {}
        used = [_process_cpu(pid) - was for pid, was in zip(self.pids, self.servers, strict=True)]
        busy, every = (now - was for now, was in zip(_machine_ticks(), self.machine, strict=True))
        return {
            "client": (time.process_time() - self.client) / wall,
            "servers": sum(used) / wall,
            "busiest_server": max(used, default=0.0) / wall,
            "machine": busy / every if every > 0 else -1.0,
        }


def _fsync_ms(directory: Path, writes: int = 50) -> float:
    """The median time to write 4 KiB to a file in `directory` and flush it to the disk (the
    log's fdatasync): what a write can wait for at each server that logs it."""
    sync = getattr(os, "fdatasync", os.fsync)
    path = directory / "fsync-probe"
    samples: list[float] = []
    with path.open("wb") as probe:
        for _ in range(writes):
            probe.write(bytes(4096))
            probe.flush()
            before = time.perf_counter()
            sync(probe.fileno())
            samples.append(time.perf_counter() - before)
    path.unlink()
    return statistics.median(samples) * 1000


def _limit(cpu: dict[str, float], cpus: int) -> str:
    if cpu["client"] >= BUSY:
        return "client"
    if cpu["busiest_server"] >= BUSY:
        return "server"
    machine = cpu["machine"] if cpu["machine"] >= 0 else (cpu["client"] + cpu["servers"]) / cpus
    if machine >= BUSY:
        return "cpu"
    return "latency"


def _cycle(made: list[Any], ops: int) -> list[Any]:
    return (made * (ops // max(len(made), 1) + 1))[:ops] if made else []


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

    def round(self, tag: str, ops: int, pids: list[int]) -> dict[str, Figure]:
        """One round of the six measurements, `ops` requests each (at most)."""
        client = self.client
        root = f"/zkcompare-{tag}"
        client.ensure_path(root)
        figures: dict[str, Figure] = {}

        def sequential(name: str, paths: list[str], call: Callable[[str], Any]) -> int:
            meter = CpuMeter(pids)
            rate, latencies = self._sequential(paths, call)
            figures[name] = Figure(rate, latencies, meter.cores())
            return len(latencies)

        def pipelined(name: str, paths: list[str], call: Callable[[str], Any]) -> int:
            meter = CpuMeter(pids)
            rate, issued = self._pipelined(paths, call)
            figures[name] = Figure(rate, [], meter.cores())
            return issued

        wanted = [f"{root}/s{i}" for i in range(ops)]
        made = wanted[: sequential("sequential_create", wanted, lambda p: client.create(p, VALUE))]
        cycle = _cycle(made, ops)
        sequential("sequential_get", cycle, client.get)
        sequential("sequential_set", cycle, lambda p: client.set(p, UPDATED))

        wanted = [f"{root}/p{i}" for i in range(ops)]
        made = wanted[
            : pipelined("pipelined_create", wanted, lambda p: client.create_async(p, VALUE))
        ]
        cycle = _cycle(made, ops)
        pipelined("pipelined_get", cycle, client.get_async)
        pipelined("pipelined_set", cycle, lambda p: client.set_async(p, UPDATED))
        return figures


def _failures(tally: zk_wire.Tally) -> dict[str, Any]:
    if not tally.failures:
        return {}
    return {
        "errors": {str(code): n for code, n in tally.errors.items()},
        "mismatches": tally.mismatches,
    }


class RawWorkload:
    """The raw client's six measurements on one server; sessions are opened for each round (the
    sequential measurements' one, then `connections` for the pipelined ones) and closed after."""

    def __init__(
        self, address: tuple[str, int], seconds: float, window: int, connections: int
    ) -> None:
        self.address = address
        self.seconds = seconds
        self.window = window
        self.connections = connections
        self.operations = zk_wire.operations(VALUE, UPDATED)

    def round(self, tag: str, ops: int, pipelined_ops: int, pids: list[int]) -> dict[str, Figure]:
        root = f"/zkcompare-raw-{tag}"
        figures: dict[str, Figure] = {}
        session = zk_wire.Session.connect(self.address)
        try:
            # The parent node, by the same means (its failure is an error, not a figure).
            session.operation = self.operations["create"]
            session.call(root.encode(), time.monotonic() + 60.0)
            if session.tally.ok != 1:
                raise RuntimeError(f"raw client: creating {root} failed: {session.tally}")

            def sequential(name: str, paths: list[bytes]) -> int:
                meter = CpuMeter(pids)
                operation = self.operations[name.rsplit("_", 1)[1]]
                tally, elapsed, latencies = zk_wire.sequential(
                    session, operation, paths, self.seconds
                )
                figures[f"raw_{name}"] = Figure(
                    tally.ok / elapsed, latencies, meter.cores(), _failures(tally)
                )
                return tally.ok + tally.failures

            wanted = [f"{root}/s{i}".encode() for i in range(ops)]
            cycle = _cycle(wanted[: sequential("sequential_create", wanted)], ops)
            sequential("sequential_get", cycle)
            sequential("sequential_set", cycle)
        finally:
            session.close()

        sessions: list[zk_wire.Session] = []
        try:
            for _ in range(self.connections):
                sessions.append(zk_wire.Session.connect(self.address))

            def pipelined(name: str, paths: list[bytes]) -> int:
                meter = CpuMeter(pids)
                operation = self.operations[name.rsplit("_", 1)[1]]
                tally, elapsed = zk_wire.pipelined(
                    sessions, operation, paths, self.window, self.seconds
                )
                figures[f"raw_{name}"] = Figure(
                    tally.ok / elapsed, [], meter.cores(), _failures(tally)
                )
                return tally.ok + tally.failures

            wanted = [f"{root}/p{i}".encode() for i in range(pipelined_ops)]
            cycle = _cycle(wanted[: pipelined("pipelined_create", wanted)], pipelined_ops)
            pipelined("pipelined_get", cycle)
            pipelined("pipelined_set", cycle)
        finally:
            for each in sessions:
                each.close()
        return figures


class Target:
    """One ensemble, its two clients and its rounds' figures."""

    def __init__(self, ensemble: Ensemble, args: argparse.Namespace) -> None:
        self.ensemble = ensemble
        self.args = args
        self.rounds: list[dict[str, Figure]] = []
        self.kazoo: Workload | None = None
        self.raw: RawWorkload | None = None
        self.result: dict[str, Any] = {}

    def __enter__(self) -> Target:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self.kazoo is not None:
                self.kazoo.close()
        finally:
            self.ensemble.stop()

    def pids(self) -> list[int]:
        ensemble = self.ensemble
        if isinstance(ensemble, ApacheEnsemble):
            return [p.pid for p in ensemble.processes]
        if isinstance(ensemble, PaxoscopeEnsemble):
            return [n.pid for n in ensemble.cluster.nodes if n.pid is not None]
        return []

    def start(self) -> None:
        args, ensemble = self.args, self.ensemble
        started = time.perf_counter()
        ensemble.start()
        startup = time.perf_counter() - started
        if args.via == "leader" and ensemble.leader_index is not None:
            index = ensemble.leader_index
        else:
            index = (ensemble.follower_indexes or [0])[0]
        host, port = ensemble.addresses[index]
        self.kazoo = Workload(f"{host}:{port}", args.seconds, args.window)
        self.raw = RawWorkload((host, port), args.seconds, args.window, args.connections)
        self.result = {
            "startup_seconds": round(startup, 2),
            "via": "leader" if index == ensemble.leader_index else "follower",
        }
        if isinstance(ensemble, ApacheEnsemble):
            reply = four_letter_word(ensemble.addresses[0], "srvr")
            version = reply.splitlines()[0].split(":", 1)[1].strip() if reply else ""
            self.result["version"] = version.split("-", 1)[0]

    def round(self, tag: str, ops: int, raw_ops: int) -> dict[str, Figure]:
        assert self.kazoo is not None and self.raw is not None
        pids = self.pids()
        figures = self.kazoo.round(tag, ops, pids)
        figures.update(self.raw.round(tag, ops, raw_ops, pids))
        return figures

    def warm_up(self) -> None:
        """Discarded: JIT compilation on the JVM, caches and connections on both."""
        self.round("warmup", max(10, self.args.ops // 4), max(10, self.args.raw_ops // 4))

    def measure(self, r: int) -> None:
        self.rounds.append(self.round(str(r), self.args.ops, self.args.raw_ops))

    def summary(self, cpus: int) -> dict[str, Any]:
        result = dict(self.result)
        failures: dict[str, Any] = {}
        cpu: dict[str, Any] = {}
        for name in ROWS:
            figures = [r[name] for r in self.rounds]
            result[f"{name}_per_second"] = round(statistics.median(f.rate for f in figures), 1)
            samples = [s for f in figures for s in f.latencies]
            if samples:
                result[f"{name}_p50_ms"] = round(_percentile(samples, 0.50) * 1000, 3)
                result[f"{name}_p99_ms"] = round(_percentile(samples, 0.99) * 1000, 3)
            measured = [f.cpu for f in figures if f.cpu]
            if measured:
                cores = {
                    key: statistics.median(c[key] for c in measured)
                    for key in ("client", "servers", "busiest_server", "machine")
                }
                cpu[name] = {key: round(value, 2) for key, value in cores.items()}
                cpu[name]["limit"] = _limit(cores, cpus)
            else:
                cpu[name] = {"limit": "too_short"}
            failed = [{"round": i, **f.failures} for i, f in enumerate(figures) if f.failures]
            if failed:
                failures[name] = failed
        result["raw_failures"] = failures
        result["cpu"] = cpu
        return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke test: few ops, a small window, one round"
    )
    parser.add_argument(
        "--ops",
        type=int,
        default=2000,
        help="requests per kazoo measurement and per raw sequential one",
    )
    parser.add_argument(
        "--raw-ops", type=int, default=20000, help="requests per raw pipelined measurement"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="cap per measurement")
    parser.add_argument(
        "--window", type=int, default=256, help="requests in flight per session, pipelined"
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=1,
        help="sessions (connections) of the raw pipelined measurements, each with --window in "
        "flight, all to the same server (default: %(default)s)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="ops/s is the median of these")
    parser.add_argument("--nodes", type=int, default=3, help="servers per ensemble")
    parser.add_argument(
        "--via", choices=("follower", "leader"), default="follower", help="the clients' server"
    )
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help="comma-separated, in running order; ratios need both (default: %(default)s)",
    )
    parser.add_argument(
        "--interleave",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the ensembles side by side and alternate their rounds (default: on)",
    )
    args = parser.parse_args()
    if args.quick:
        args.ops, args.window, args.rounds = min(args.ops, 50), min(args.window, 16), 1
        args.raw_ops = min(args.raw_ops, 500)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if not targets or any(t not in TARGETS for t in targets):
        parser.error(f"--targets: a comma-separated list of {', '.join(TARGETS)}")
    if (
        min(args.ops, args.raw_ops, args.window, args.connections, args.rounds) < 1
        or args.seconds <= 0
    ):
        parser.error(
            "--ops, --raw-ops, --window, --connections, --rounds and --seconds must be positive"
        )
    if "apache" in targets and (missing := apache_missing()) is not None:
        print(f"zk_compare: cannot run Apache ZooKeeper: {missing}", file=sys.stderr)
        sys.exit(2)

    # A terminated run leaves through the `with` blocks below, which stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cpus = _cpus()
    operations = zk_wire.operations(VALUE, UPDATED)
    line: dict[str, Any] = {
        "nodes": args.nodes,
        "ops": args.ops,
        "raw_ops": args.raw_ops,
        "seconds": args.seconds,
        "window": args.window,
        "connections": args.connections,
        "rounds": args.rounds,
        "interleaved": args.interleave and len(targets) > 1,
        "value_bytes": len(VALUE),
        "cpus": cpus,
        "fsync": True,  # forceSync=yes on Apache's side (its default), paxoscope.fsync=true
        "raw_client_ceiling_per_second": {
            op: round(
                statistics.median(
                    zk_wire.ceiling(operations[op], min(args.raw_ops, 20000), args.window)
                    for _ in range(3)
                )
            )
            for op in OPERATIONS
        },
    }
    with tempfile.TemporaryDirectory(prefix="paxoscope-zkcompare-") as directory:
        line["fsync_p50_ms"] = round(_fsync_ms(Path(directory)), 3)
        runs: dict[str, Target] = {}
        with contextlib.ExitStack() as stack:
            for target in targets:
                path = Path(directory) / target
                ensemble: Ensemble = (
                    ApacheEnsemble(path, args.nodes)
                    if target == "apache"
                    else PaxoscopeEnsemble(path, args.nodes)
                )
                runs[target] = Target(ensemble, args)
            if line["interleaved"]:
                order = [stack.enter_context(runs[t]) for t in targets]
                for run in order:
                    run.start()
                    run.warm_up()
                for r in range(args.rounds):
                    for run in order if r % 2 == 0 else order[::-1]:
                        run.measure(r)
            else:
                for target in targets:
                    with runs[target] as run:
                        run.start()
                        run.warm_up()
                        for r in range(args.rounds):
                            run.measure(r)
        for target in targets:
            line[target] = runs[target].summary(cpus)
    if all(t in line for t in TARGETS):
        line["ratios"] = {
            key: round(value / line["apache"][key], 3)
            for key, value in line["paxoscope"].items()
            if key.endswith("_per_second") and line["apache"].get(key)
        }
    print(json.dumps(line))
    failed = {t: line[t]["raw_failures"] for t in targets if line[t]["raw_failures"]}
    if failed:
        print(f"zk_compare: raw requests failed: {json.dumps(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
