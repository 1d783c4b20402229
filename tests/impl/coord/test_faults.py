"""Faults against the ZooKeeper service: kazoo clients run a mixed workload, with large values
(500-600 KB) among the small ones, while servers are killed with SIGKILL and restarted, or
paused with SIGSTOP and resumed (a paused leader comes back still believing it leads). The
recorded history must be linearizable (checked by `checker.linearizability` against the znode
model), the ephemerals of a session that expired meanwhile must be gone on every replica, and
no acknowledged write may be lost.

Every loop is bounded: the workload runs for a fixed time, the fault schedule is a fixed list,
and every client call has a timeout (an operation that times out or loses its connection has
an unknown outcome and is recorded as such).
"""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

from kazoo.client import KazooClient
from kazoo.exceptions import (
    BadVersionError,
    ConnectionLoss,
    KazooException,
    NodeExistsError,
    NoNodeError,
    NotEmptyError,
    SessionExpiredError,
)
from kazoo.handlers.threading import KazooTimeoutError
from test_large_values import elections
from test_service import converged, lease_reads
from zkwire import WireClient

from checker.linearizability import check_history, read_history, render_text
from impl.coord.jute import CreateRequest, OpCode, Writer
from impl.coord.records import OPEN_ACL_UNSAFE
from impl.net.cluster import LocalCluster

KEYS = [f"/lin{i}" for i in range(4)]
CLIENTS = 4
CALL_TIMEOUT_S = 5.0
LARGE_WRITES = 0.15  # the share of creates and setData with a large value
# The faults, 1.5 s apart: a killed server is restarted 0.8 s later, a paused one resumed 1.5 s
# later (several election timeouts: a paused leader is replaced meanwhile).
FAULTS = [
    ("kill", "leader"),
    ("pause", "follower"),
    ("kill", "follower"),
    ("pause", "leader"),
    ("kill", "leader"),
]
DOWN_S = {"kill": 0.8, "pause": 1.5}
WORKLOAD_S = sum(1.5 + DOWN_S[fault] for fault, _ in FAULTS) + 2.0  # outlasts the faults
SETTINGS = {"tickTime": "200", "paxoscope.electionTicks": "20"}  # fsync on
_ERRORS = {NoNodeError: -101, NodeExistsError: -110, NotEmptyError: -111, BadVersionError: -103}
_UNKNOWN = (ConnectionLoss, SessionExpiredError, KazooTimeoutError, KazooException)


def encode(text: str, large: int) -> bytes:
    """A value: `text`, padded with `large` '#' bytes."""
    return text.encode() + b"#" * large


def describe(data: bytes) -> str:
    """A value as the history records it: its text, and its padding's length if any (a large
    value is not written into the history; its length and padding are checked this way)."""
    text = data.rstrip(b"#")
    pad = len(data) - len(text)
    return text.decode(errors="replace") + (f"#{pad}" if pad else "")


class Recorder:
    """One client's operations, as history lines (times in ns on one monotonic clock)."""

    def __init__(self, name: str, lines: list[dict[str, Any]], lock: threading.Lock) -> None:
        self.name, self.lines, self.lock = name, lines, lock
        self.acknowledged: list[str] = []

    def call(self, op: dict[str, Any], start_call: Any, *args: Any) -> None:
        """Call `start_call(*args)` (a kazoo *_async method) and record what came of it."""
        start = time.monotonic_ns()
        try:
            result = start_call(*args).get(timeout=CALL_TIMEOUT_S)
        except tuple(_ERRORS) as error:
            outcome: dict[str, Any] | None = {"err": _ERRORS[type(error)]}
        except _UNKNOWN:
            outcome = None
        else:
            outcome = self.result(op, result)
        end = time.monotonic_ns()
        line = {"client": self.name, "call": start, "op": op, "result": outcome}
        line["return"] = end
        with self.lock:
            self.lines.append(line)

    @staticmethod
    def result(op: dict[str, Any], result: Any) -> dict[str, Any]:
        f = op["f"]
        if f == "create":
            return {"path": result}
        if f == "delete":
            return {}
        if f == "setData":
            return {"version": result.version}
        if f == "getData":
            data, stat = result
            return {"data": describe(data), "version": stat.version}
        if f == "exists":
            return {"exists": result is not None}
        return {"children": sorted(result)}


def workload(zk: KazooClient, recorder: Recorder, seed: int, until: float) -> None:
    rng = random.Random(seed)
    counter = 0
    while time.monotonic() < until:
        key = rng.choice(KEYS)
        f = rng.choice(["create", "delete", "setData", "getData", "getData", "exists"])
        counter += 1
        large = rng.randrange(500_000, 600_000) if rng.random() < LARGE_WRITES else 0
        value = encode(f"{recorder.name}-{counter}", large)
        op: dict[str, Any] = {"f": f, "path": key}
        if f in ("create", "setData"):
            op["data"] = describe(value)
            start_call = zk.create_async if f == "create" else zk.set_async
            recorder.call(op, start_call, key, value)
        else:
            start_call = {"delete": zk.delete_async, "getData": zk.get_async}.get(
                f, zk.exists_async
            )
            recorder.call(op, start_call, key)
        # Writes that must survive everything: sequential nodes, never deleted.
        if counter % 5 == 0:
            try:
                path = zk.create_async("/acked/n-", sequence=True).get(timeout=CALL_TIMEOUT_S)
                recorder.acknowledged.append(path)
            except (*_UNKNOWN, *_ERRORS):
                pass


def test_history_under_kills_and_pauses_with_large_values_is_linearizable(
    tmp_path: Path,
) -> None:
    with LocalCluster(tmp_path / "c", 3, service="zookeeper", settings=SETTINGS) as cluster:
        cluster.start()
        cluster.wait_for_leader()
        setup = KazooClient(hosts=cluster.connect_string, timeout=4)
        setup.start(timeout=20)
        setup.ensure_path("/acked")
        # A session that goes silent: its ephemerals must vanish everywhere once it expires.
        doomed = WireClient(cluster.node(3).client_address, timeout_ms=1500)
        doomed.connect()
        w = Writer()
        CreateRequest("/doomed", b"", OPEN_ACL_UNSAFE, 1).write(w)
        doomed.send(OpCode.CREATE, w.getvalue())
        assert doomed.next_frame().header.err == 0
        doomed.drop()
        setup.create("/alive", ephemeral=True)  # the setup client's session stays alive

        lines: list[dict[str, Any]] = []
        lock = threading.Lock()
        clients = [KazooClient(hosts=cluster.connect_string, timeout=4) for _ in range(CLIENTS)]
        for zk in clients:
            zk.start(timeout=20)
        recorders = [Recorder(f"c{i}", lines, lock) for i in range(CLIENTS)]
        until = time.monotonic() + WORKLOAD_S
        threads = [
            threading.Thread(target=workload, args=(zk, rec, i, until))
            for i, (zk, rec) in enumerate(zip(clients, recorders, strict=True))
        ]
        for thread in threads:
            thread.start()
        for fault, role in FAULTS:
            time.sleep(1.5)
            victim = cluster.wait_for_leader() if role == "leader" else _follower(cluster)
            if fault == "kill":
                cluster.kill_node(victim)
                time.sleep(DOWN_S[fault])
                cluster.start_node(victim)
            else:
                cluster.pause_node(victim)
                time.sleep(DOWN_S[fault])
                cluster.resume_node(victim)
        for thread in threads:
            thread.join(timeout=WORKLOAD_S + 60)
            assert not thread.is_alive()

        # Quiet now: every client reads every key once more, into the history.
        for zk, rec in zip(clients, recorders, strict=True):
            for key in KEYS:
                rec.call({"f": "getData", "path": key}, zk.get_async, key)
        history_path = tmp_path / "history.ndjson"
        history_path.write_text("".join(json.dumps(line) + "\n" for line in lines))

        result = check_history(read_history(history_path), "znode", timeout=120)
        assert result.ok, render_text(result)
        # The check is not vacuous: the same history with one read made stale is rejected.
        stale = next(
            line
            for line in reversed(lines)
            if line["op"]["f"] == "getData" and line["result"] and "data" in line["result"]
        )
        stale["result"] = {**stale["result"], "data": "never-written"}
        tampered = tmp_path / "tampered.ndjson"
        tampered.write_text("".join(json.dumps(line) + "\n" for line in lines))
        assert check_history(read_history(tampered), "znode", timeout=120).verdict == "illegal"
        answered = [line for line in lines if line["result"] is not None]
        assert len(answered) > 100, "the workload barely ran"
        large = [line for line in answered if "#" in json.dumps(line["op"]) + str(line["result"])]
        assert len(large) > 10, "hardly any large value was written or read"
        # Each fault of a leader (killed or paused) made the others elect another.
        leader_faults = sum(role == "leader" for _, role in FAULTS)
        assert len(elections(cluster)) >= 1 + leader_faults

        # No acknowledged write is lost, and the expired session's ephemeral is gone on
        # every replica (a linearizable read through each server, and equal state digests).
        acknowledged = {p for rec in recorders for p in rec.acknowledged}
        assert acknowledged and acknowledged <= {
            f"/acked/{c}" for c in setup.get_children("/acked")
        }
        assert converged(cluster, within=30)
        # Reads went through quorum leases (on by default), with pauses longer than a lease
        # (1.5 s against 500 ms): the danger they must survive, a holder stopped mid-lease.
        assert sum(lease_reads(cluster.node(n.id).client_address) for n in cluster.nodes) > 0
        for node in cluster.nodes:
            one = KazooClient(hosts="{}:{}".format(*node.client_address), timeout=4)
            one.start(timeout=20)
            try:
                # A leader elected late in the workload gives every session a full timeout
                # again, so the silent one may expire only now: wait for it, within bounds.
                deadline = time.monotonic() + 30
                while one.exists("/doomed") is not None and time.monotonic() < deadline:
                    time.sleep(0.2)
                assert one.exists("/doomed") is None
                assert one.exists("/alive") is not None
            finally:
                one.stop()
        for zk in [*clients, setup]:
            zk.stop()
            zk.close()


def _follower(cluster: LocalCluster) -> int:
    leader = cluster.wait_for_leader()
    return next(n.id for n in cluster.nodes if n.id != leader)
