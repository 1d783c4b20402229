"""A server's life as an operator sees it: a clean stop logs no error, and a server says it is
not serving (as ZooKeeper's `srvr` does) for as long as it would refuse a new session."""

from __future__ import annotations

import re
import signal
import socket
import time
from pathlib import Path

from kazoo.client import KazooClient
from zkwire import WireClient

from impl.net.cluster import LocalCluster

SETTINGS = {"tickTime": "200", "paxoscope.fsync": "false"}


def test_a_clean_stop_logs_no_error(tmp_path: Path) -> None:
    """SIGINT to one server and SIGTERM to the others, with peer and client connections open:
    each logs that it shuts down and nothing else (issue 16: one CancelledError traceback per
    peer connection)."""
    with LocalCluster(tmp_path / "c", 3, service="zookeeper", settings=SETTINGS) as cluster:
        cluster.start()
        cluster.wait_for_leader()
        zk = KazooClient(hosts=cluster.connect_string, timeout=4)
        zk.start(timeout=20)
        zk.create("/alive", ephemeral=True)
        idle = [socket.create_connection(n.client_address, timeout=5) for n in cluster.nodes]
        try:
            first = cluster.node(1).process
            assert first is not None
            first.send_signal(signal.SIGINT)  # Ctrl-C, as a foreground server gets it
            assert first.wait(10) == 0
            cluster.stop()  # SIGTERM to the others
            for node in cluster.nodes:
                assert node.process is not None and node.process.returncode == 0
        finally:
            for s in idle:
                s.close()
            zk.stop()
            zk.close()
    for node in cluster.nodes:
        text = node.log_path.read_text()
        assert f"n{node.id}: shutting down" in text
        assert "Traceback" not in text and " ERROR " not in text, text


NOT_SERVING = "This ZooKeeper instance is not currently serving requests\n"


def word(address: tuple[str, int], text: bytes) -> str:
    try:
        with socket.create_connection(address, timeout=5) as s:
            s.sendall(text)
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()
    except OSError:
        return ""


def session_refused(address: tuple[str, int]) -> bool:
    try:
        WireClient(address).connect()
    except (ConnectionError, OSError):
        return True
    return False


def test_srvr_says_not_serving_for_as_long_as_sessions_are_refused(tmp_path: Path) -> None:
    """ZooKeeper's srvr, stat, mntr, cons and conf answer "not currently serving" until the
    server is in sync with a leader, and new connections are closed meanwhile (issue 16: for
    about a second after a restart, srvr said "follower" while sessions were refused)."""
    with LocalCluster(tmp_path / "c", 3, service="zookeeper", settings=SETTINGS) as cluster:
        cluster.start()
        cluster.wait_for_leader()
        lonely = cluster.node(1).client_address
        cluster.stop_node(2)
        cluster.stop_node(3)
        deadline = time.monotonic() + 20  # a leader steps down once no majority answers it
        while word(lonely, b"srvr") != NOT_SERVING:
            assert time.monotonic() < deadline, word(lonely, b"srvr")
            time.sleep(0.1)
        for text in (b"stat", b"mntr", b"cons", b"conf"):
            assert word(lonely, text) == NOT_SERVING
        assert word(lonely, b"isro") == "null" and word(lonely, b"ruok") == "imok"
        assert session_refused(lonely)

        # A quorum again; then a server restarts: whenever its srvr names a mode, it serves.
        cluster.start_node(2)
        cluster.wait_for_leader(exclude=3)
        assert not session_refused(lonely)
        cluster.start_node(3)
        restarted = cluster.node(3).client_address
        answers = []
        deadline = time.monotonic() + 30
        while not re.search(r"\nMode: (leader|follower)\n", answers[-1] if answers else ""):
            assert time.monotonic() < deadline, answers[-5:]
            answers.append(word(restarted, b"srvr"))
        assert not session_refused(restarted), answers[-5:]
        assert all(a in ("", NOT_SERVING) for a in answers[:-1]), answers
