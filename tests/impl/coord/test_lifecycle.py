"""A server's life as an operator sees it: a clean stop logs no error, and a server says it is
not serving (as ZooKeeper's `srvr` does) for as long as it would refuse a new session."""

from __future__ import annotations

import socket
from pathlib import Path

from kazoo.client import KazooClient

from impl.net.cluster import LocalCluster

SETTINGS = {"tickTime": "200", "paxoscope.fsync": "false"}


def test_a_clean_stop_logs_no_error(tmp_path: Path) -> None:
    """SIGTERM to every server of a cluster with peer and client connections open: each logs
    that it shuts down and nothing else (issue 16: one CancelledError traceback per peer
    connection)."""
    with LocalCluster(tmp_path / "c", 3, service="zookeeper", settings=SETTINGS) as cluster:
        cluster.start()
        cluster.wait_for_leader()
        zk = KazooClient(hosts=cluster.connect_string, timeout=4)
        zk.start(timeout=20)
        zk.create("/alive", ephemeral=True)
        idle = [socket.create_connection(n.client_address, timeout=5) for n in cluster.nodes]
        try:
            cluster.stop()
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
