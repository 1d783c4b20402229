"""Real processes on loopback: a 3-replica cluster under load survives kill -9 of its leader,
a full restart, and a corrupted log tail; bad client input never brings a server down."""

from __future__ import annotations

import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from impl.net.client import Client
from impl.net.cluster import LocalCluster

FAST = {"paxoscope.tickMs": "10", "paxoscope.electionTicks": "20", "paxoscope.snapshotEvery": "50"}


class Writer(threading.Thread):
    """Writes distinct keys one after another until stopped; remembers what was acknowledged."""

    def __init__(self, cluster: LocalCluster, name: str) -> None:
        super().__init__(daemon=True)
        self.client = Client(cluster.addresses, timeout=20, attempt_timeout=0.5)
        self.name_prefix = name
        self.acked: dict[str, bytes] = {}
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    def run(self) -> None:
        for i in range(100_000):  # bounded; stopped long before
            if self.stop.is_set():
                break
            key, value = f"{self.name_prefix}-{i}", f"value-{i}".encode()
            try:
                self.client.put(key, value)
            except BaseException as error:  # recorded and asserted on by the test
                self.errors.append(error)
                break
            self.acked[key] = value

    def finish(self) -> dict[str, bytes]:
        self.stop.set()
        self.join(30)
        self.client.close()
        assert not self.errors, self.errors
        return dict(self.acked)


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def check_all_present(cluster: LocalCluster, expected: dict[str, bytes]) -> None:
    with Client(cluster.addresses, timeout=20) as client:
        missing = {k: v for k, v in expected.items() if client.get(k) != v}
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {list(missing)[:5]}"


def converged(cluster: LocalCluster) -> bool:
    statuses = [cluster.status(n.id) for n in cluster.nodes]
    if any(s is None or s.recovering for s in statuses):
        return False
    return len({(s.commit, s.digest) for s in statuses if s is not None}) == 1


@pytest.fixture
def cluster(tmp_path: Path):  # type: ignore[no-untyped-def]
    with LocalCluster(tmp_path / "cluster", 3, settings=FAST, service="kv") as running:
        running.start()
        running.wait_for_leader()
        yield running


def test_writes_continue_after_kill_9_of_the_leader_and_survive_a_full_restart(
    cluster: LocalCluster,
) -> None:
    writers = [Writer(cluster, f"w{i}") for i in range(3)]
    for writer in writers:
        writer.start()
    wait_until(lambda: sum(len(w.acked) for w in writers) >= 150, 30, "150 writes")
    leader = cluster.wait_for_leader()
    before = sum(len(w.acked) for w in writers)
    cluster.kill_node(leader)
    new_leader = cluster.wait_for_leader(exclude=leader)
    assert new_leader != leader
    wait_until(
        lambda: sum(len(w.acked) for w in writers) >= before + 150, 30, "writes after the kill"
    )
    cluster.start_node(leader)  # the old leader comes back as a follower and catches up
    acked: dict[str, bytes] = {}
    for writer in writers:
        acked |= writer.finish()
    wait_until(lambda: converged(cluster), 30, "all replicas to converge")

    cluster.stop()  # every server down, then up again: nothing acknowledged may be lost
    cluster.start()
    cluster.wait_for_leader()
    check_all_present(cluster, acked)


def test_snapshots_are_written_by_a_child_process_and_restarts_load_them(
    cluster: LocalCluster,
) -> None:
    """Each replica's snapshots (every 50 slots here) are encoded and written by a forked
    child (`impl.storage.background`), not on its event loop: there, encoding a tree of
    500,000 znodes kept the server from answering anyone for a second. A full restart then
    loads the snapshots and what the compacted logs hold beyond them."""
    writer = Writer(cluster, "s")
    writer.start()
    wait_until(lambda: len(writer.acked) >= 150, 30, "150 writes")
    acked = writer.finish()
    for node in cluster.nodes:
        log = node.log_path
        wait_until(lambda log=log: "snapshot of slot" in log.read_text(), 30, "a snapshot")
        writers = {
            int(found[1])
            for found in re.finditer(
                r"snapshot of slot \d+ stored \(written by process (\d+)", log.read_text()
            )
        }
        assert node.process is not None and writers and node.process.pid not in writers
        assert (node.directory / "data" / "snapshot").stat().st_size > 0
    cluster.stop()
    cluster.start()
    cluster.wait_for_leader()
    check_all_present(cluster, acked)


def test_a_replica_with_a_corrupted_log_tail_recovers_and_catches_up(
    cluster: LocalCluster,
) -> None:
    writer = Writer(cluster, "c")
    writer.start()
    wait_until(lambda: len(writer.acked) >= 120, 30, "120 writes")
    leader = cluster.wait_for_leader()
    victim = next(n.id for n in cluster.nodes if n.id != leader)
    cluster.kill_node(victim)
    segments = sorted((cluster.node(victim).directory / "data" / "log").glob("log.*"))
    last = segments[-1]
    data = bytearray(last.read_bytes())
    assert len(data) > 16
    for i in range(1, 9):  # flip the last 8 bytes
        data[-i] ^= 0xFF
    last.write_bytes(bytes(data))

    wait_until(lambda: len(writer.acked) >= 200, 30, "writes while the replica is down")
    cluster.start_node(victim)
    acked = writer.finish()
    wait_until(lambda: converged(cluster), 30, "the damaged replica to catch up")
    log = cluster.node(victim).log_path.read_text()
    assert "damaged" in log and "will not vote" in log
    check_all_present(cluster, acked)


def test_bad_client_frames_close_the_connection_not_the_server(cluster: LocalCluster) -> None:
    host, port = cluster.addresses[0]
    for garbage in (
        b"\x00\x00\x00\x05hello",  # not msgpack of a known message
        struct.pack(">I", 2**31) + b"x",  # a frame far over the limit
        b"\x00\x00",  # a cut header
    ):
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(garbage)
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(5)
            assert sock.recv(100) == b""  # the server closed it
    assert cluster.node(1).running
    with Client(cluster.addresses, timeout=10) as client:
        client.put("still", b"alive")
        assert client.get("still") == b"alive"
    assert "closing client connection" in cluster.node(1).log_path.read_text()


def test_cluster_command_starts_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "impl", "cluster", "--nodes", "3"),
            *("--dir", str(tmp_path / "c"), "--service", "kv"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("started 3 replicas; connect string: 127.0.0.1:"), first
    addresses = [
        (host, int(port)) for host, port in (a.split(":") for a in first.split()[-1].split(","))
    ]
    with Client(addresses, timeout=20) as client:
        client.put("k", b"v")
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0, out
    assert "stopped." in out
    servers = [p for p in os.popen("ps -eo args").read().splitlines() if str(tmp_path) in p]
    assert not servers, servers


def test_server_reports_a_bad_config_in_one_paragraph_with_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "zoo.cfg"
    config.write_text("dataDir=data\nclientPort=abc\n")
    result = subprocess.run(
        [sys.executable, "-m", "impl", "server", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert f"{config}:2" in result.stderr and "Traceback" not in result.stderr
