"""Trace validation of the coordination layer: each node's event log of a real 3-process
ZooKeeper-service run (kazoo clients creating sequential and ephemeral children, writing,
deleting, watching; one session closed, one expired) is a behaviour of spec/zookeeper.py
(the mapping: tests/conformance/zookeeper_log.py); the logs of a run with a tree or watch
fault switched on, and a log edited by hand, are rejected at their first unexplained event."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kazoo.client import KazooClient

from impl.coord.faults import CoordFault
from impl.coord.jute import (
    ConnectRequest,
    CreateRequest,
    OpCode,
    Reader,
    ReplyHeader,
    RequestHeader,
    Writer,
    frame,
)
from impl.coord.records import OPEN_ACL_UNSAFE, CreateMode
from impl.net.cluster import LocalCluster
from impl.storage import read_snapshot
from tests.conftest import ROOT

MAPPING = "tests/conformance/zookeeper_log.py:ZooKeeperLog"
SETTINGS = {"paxoscope.eventLog": "true", "tickTime": "200", "paxoscope.fsync": "false"}


def kazoo(cluster: LocalCluster, node: int) -> KazooClient:
    host, port = cluster.node(node).client_address
    client = KazooClient(hosts=f"{host}:{port}", timeout=4)
    client.start(timeout=20)
    return client


def silent_session(address: tuple[str, int], path: str) -> socket.socket:
    """A session (timeout 500 ms) that creates an ephemeral sequential child and then never
    pings: the leader expires it."""
    sock = socket.create_connection(address, timeout=10)

    def call(body: bytes) -> Reader:
        sock.sendall(frame(body))
        length = int.from_bytes(sock.recv(4, socket.MSG_WAITALL), "big")
        return Reader(sock.recv(length, socket.MSG_WAITALL))

    w = Writer()
    ConnectRequest(0, 0, 500, 0, bytes(16)).write(w)
    call(w.getvalue())
    w = Writer()
    RequestHeader(1, OpCode.CREATE).write(w)
    CreateRequest(path, b"", OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL).write(w)
    assert ReplyHeader.read(call(w.getvalue())).err == 0
    return sock


def events_of(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def wait_for(condition: Callable[[], bool], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "not within the time given"
        time.sleep(0.05)


def run(directory: Path, faults: frozenset[CoordFault] = frozenset()) -> list[Path]:
    """The run: `a` on node 1 and `b` on node 2 watch each other's children; the silent
    session on node 3 expires; `b` closes its session; a child's name is taken again."""
    with LocalCluster(
        directory, 3, service="zookeeper", faults=faults, settings=SETTINGS
    ) as cluster:
        cluster.start()
        cluster.wait_for_leader()
        logs = [node.directory / "data" / "events.ndjson" for node in cluster.nodes]
        a, b = kazoo(cluster, 1), kazoo(cluster, 2)
        try:
            a.create("/lock")
            p = a.create("/lock/n-", sequence=True)
            e = b.create("/lock/e-", sequence=True, ephemeral=True)
            a.get(e, watch=lambda event: None)
            b.get(p, watch=lambda event: None)
            a.exists(p, watch=lambda event: None)
            a.set(p, b"1")
            a.set(p, b"2")  # fires nothing (unless a watch fires twice)
            silent = silent_session(cluster.node(3).client_address, "/lock/x-")
            [x] = [f"/lock/{c}" for c in a.get_children("/lock") if c.startswith("x-")]
            a.get(x, watch=lambda event: None)
            b.exists(x, watch=lambda event: None)
            silent.close()

            # the leader's CloseSession, as node 1 applied it
            wait_for(lambda: '"expired": true' in logs[0].read_text())
            b.stop()  # closes b's session: its ephemeral goes, firing a's watch
            a.delete(p)
            q = a.create("/lock/n-", sequence=True)
            a.set(q, b"3")
        finally:
            for client in (a, b):
                client.stop()
                client.close()
    return logs


def paxoscope_validate(*logs: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checker.cli", "validate", "spec/zookeeper.py", *map(str, logs),
         "--mapping", MAPPING],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Path]]:
    yield run(tmp_path_factory.mktemp("zk-validate"))


def test_each_nodes_log_of_a_real_run_validates(logs: list[Path]) -> None:
    for log in logs:
        result = paxoscope_validate(log)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "the log is a behaviour of ZooKeeper (sessions=3 names=3" in result.stdout
    ours = events_of(logs[0])
    kinds = {r["event"] for r in ours}
    assert {"start", "session", "create", "set", "delete", "close", "watch"} <= kinds
    closes = [r for r in ours if r["event"] == "close" and r["deleted"]]
    assert sorted(r["expired"] for r in closes) == [False, True]  # b's close, and the expiry
    assert all(r["fired"] for r in closes)  # a's watches on both ephemerals fired
    assert any(r["fired"] for r in ours if r["event"] == "set")  # and its watch on p


@pytest.mark.parametrize(
    ("fault", "event", "reason"),
    [
        (CoordFault.WATCH_FIRES_TWICE, '"event": "set"', "fired('s1', 'n1'): the spec has 1"),
        (CoordFault.EPHEMERAL_OUTLIVES_SESSION, '"expired": true', "exists_[n3]: the spec has"),
    ],
)
def test_a_run_of_a_faulty_build_is_rejected(
    tmp_path: Path, fault: CoordFault, event: str, reason: str
) -> None:
    result = paxoscope_validate(run(tmp_path, frozenset({fault}))[0])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NOT a behaviour of ZooKeeper" in result.stdout
    assert "no spec step explains event" in result.stdout
    first = result.stdout.splitlines()[1]  # the event, as the log has it
    assert event in first, result.stdout
    assert reason in result.stdout


@pytest.mark.parametrize(
    ("fault", "snapshot_every"),
    [(None, "10000"), (CoordFault.SEQUENCE_REUSED_AFTER_SNAPSHOT, "1")],
    ids=["replayed", "restored"],
)
def test_a_restarted_nodes_log(
    tmp_path: Path, fault: CoordFault | None, snapshot_every: str
) -> None:
    """A follower killed and started again: it replays its log (what it logged already is
    logged again, and skipped), or, snapshotting every slot, restores its last snapshot, which
    a faulty build saves without the directory's child version, reusing a sequence number."""
    settings = {**SETTINGS, "paxoscope.snapshotEvery": snapshot_every}
    faults = frozenset({fault} if fault else ())
    with LocalCluster(
        tmp_path, 3, service="zookeeper", faults=faults, settings=settings
    ) as cluster:
        cluster.start()
        leader = cluster.wait_for_leader()
        follower = next(node.id for node in cluster.nodes if node.id != leader)

        def snapshot_stored() -> bool:
            """The follower's snapshot file holds every slot it has applied."""
            status = cluster.status(follower)
            stored = read_snapshot(cluster.node(follower).directory / "data")
            return status is not None and stored is not None and stored.slot == status.commit

        def caught_up() -> bool:
            statuses = [cluster.status(leader), cluster.status(follower)]
            return all(statuses) and len({s.applied for s in statuses if s}) == 1

        a = kazoo(cluster, leader)
        try:
            a.create("/lock")
            made = [a.create("/lock/n-", sequence=True) for _ in range(3)]
            a.delete(made[0])
            a.delete(made[1])
            wait_for(caught_up)  # so that it needs nothing from the leader when it is back
            if fault is not None:  # snapshots are written in the background: the last one too
                wait_for(snapshot_stored)
            cluster.kill_node(follower)
            cluster.start_node(follower)
            cluster.wait_for_leader()
            a.create("/lock/n-", sequence=True)
            wait_for(caught_up)
        finally:
            a.stop()
            a.close()
    log = cluster.node(follower).directory / "data" / "events.ndjson"
    ours = events_of(log)
    assert sum(r["event"] == "start" for r in ours) == 2
    result = paxoscope_validate(log)
    if fault is None:
        assert result.returncode == 0, result.stdout + result.stderr
        zxids = [r["zxid"] for r in ours if r["event"] == "create"]
        assert len(zxids) > len(set(zxids))  # replayed
    else:
        assert result.returncode == 1, result.stdout + result.stderr
        assert "cversion(): the spec has 4, the log observed" in result.stdout


def edit(log: Path, target: Path, change: Callable[[dict[str, Any]], bool]) -> int:
    """Copy `log` to `target`, changing the first event `change` changes; its line."""
    lines, edited = [], 0
    for number, line in enumerate(log.read_text().splitlines(), start=1):
        record = json.loads(line)
        if not edited and change(record):
            edited, line = number, json.dumps(record)
        lines.append(line)
    assert edited
    target.write_text("\n".join(lines) + "\n")
    return edited


def skip_a_version(record: dict[str, Any]) -> bool:
    if record["event"] == "set" and record["version"] == 2:
        record["version"] = 3
        return True
    return False


def keep_an_ephemeral(record: dict[str, Any]) -> bool:
    if record["event"] == "close" and record["deleted"]:
        record["deleted"] = []
        return True
    return False


def reuse_a_number(record: dict[str, Any]) -> bool:
    path = record.get("path", "")
    if record["event"] == "create" and path.startswith("/lock/x-"):
        record["path"] = path[:-10] + "0000000000"
        return True
    return False


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (skip_a_version, "data_version[n1]: the spec has 2, the log observed 3"),
        (keep_an_ephemeral, "exists_[n"),
        (reuse_a_number, "seq[n3]: the spec has 2, the log observed 0"),
    ],
)
def test_a_log_edited_by_hand_is_rejected_at_the_edit(
    logs: list[Path], tmp_path: Path, change: Callable[[dict[str, Any]], bool], reason: str
) -> None:
    edited = tmp_path / "events.ndjson"
    line = edit(logs[0], edited, change)
    result = paxoscope_validate(edited)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"at {edited}:{line}:" in result.stdout
    assert reason in result.stdout


def written(tmp_path: Path, *records: dict[str, Any]) -> Path:
    log = tmp_path / "events.ndjson"
    log.write_text("".join(json.dumps({"node": 1, **r}) + "\n" for r in records))
    return log


P = "/lock/n-0000000000"
WATCH = {"event": "watch", "session": 2, "path": P, "kind": "data"}
DROPPED = {"event": "unwatch", "session": 2, "paths": [P], "kind": "data", "why": "disconnected"}


def set_p(zxid: int, version: int, *fired: int) -> dict[str, Any]:
    return {"event": "set", "zxid": zxid, "session": 1, "path": P, "version": version,
            "fired": list(fired)}  # fmt: skip


@pytest.mark.parametrize(
    ("middle", "accepted"),
    [
        # dropped with its connection, set again on the next (SetWatches): no step, and it
        # fires once as the spec's watch
        ([DROPPED, WATCH, set_p(3, 1, 2)], True),
        # the node changed meanwhile: the spec's watch fired, so setting it again is a step
        ([DROPPED, set_p(3, 1), WATCH, set_p(4, 2, 2)], True),
        # set again without being dropped: the spec has it already
        ([WATCH, set_p(3, 1, 2)], False),
        # it fires where the spec's does not: after firing once already
        ([set_p(3, 1, 2), set_p(4, 2, 2)], False),
    ],
    ids=["reconnected", "changed-meanwhile", "set-twice", "fired-twice"],
)
def test_watches_dropped_with_a_connection_and_set_again(
    tmp_path: Path, middle: list[dict[str, Any]], accepted: bool
) -> None:
    log = written(
        tmp_path,
        {"event": "start"},
        {"event": "create", "zxid": 1, "session": 1, "path": "/lock", "version": 0, "owner": 0,
         "sequential": False, "cversion": 1, "children": 2, "fired": []},
        {"event": "create", "zxid": 2, "session": 1, "path": P, "version": 0, "owner": 0,
         "sequential": True, "cversion": 1, "children": 1, "fired": []},
        WATCH,
        *middle,
    )  # fmt: skip
    result = paxoscope_validate(log)
    assert result.returncode == (0 if accepted else 1), result.stdout + result.stderr


def test_the_nodes_logs_together_are_refused(logs: list[Path]) -> None:
    result = paxoscope_validate(*logs)
    assert result.returncode == 2
    assert "validate one node's log at a time" in result.stderr


def test_the_consensus_layer_of_the_same_run_validates_too(logs: list[Path]) -> None:
    """The replica's events, in the same logs, against spec/multipaxos.py (its mapping passes
    over the coordination layer's events)."""
    result = subprocess.run(
        [sys.executable, "-m", "checker.cli", "validate", "spec/multipaxos.py", *map(str, logs),
         "--mapping", "tests/conformance/multipaxos_log.py:MultiPaxosLog"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
