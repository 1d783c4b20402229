"""The coordination service for real: three server processes on loopback speaking ZooKeeper's
protocol, used by the unchanged kazoo client. Znodes, a lock, an ephemeral node; kill -9 of the
leader mid-way; a full restart; every acknowledged znode read back. Exits 1 if any is lost."""

from __future__ import annotations

import logging
import socket
import sys
import tempfile
import time
from pathlib import Path

from kazoo.client import KazooClient

from impl.net.cluster import LocalCluster


def srvr(address: tuple[str, int]) -> str:
    with socket.create_connection(address, timeout=5) as s:
        s.sendall(b"srvr")
        return s.makefile("rb").read().decode()


def main() -> int:
    logging.getLogger("kazoo").setLevel(logging.CRITICAL)  # it narrates every reconnect
    with (
        tempfile.TemporaryDirectory(prefix="paxoscope-zk-") as directory,
        LocalCluster(Path(directory), 3, service="zookeeper") as cluster,
    ):
        cluster.start()
        leader = cluster.wait_for_leader()
        print(f"3 servers up ({cluster.connect_string}); n{leader} leads")
        zk = KazooClient(hosts=cluster.connect_string, timeout=10)
        zk.start(timeout=30)
        acked = {}
        for i in range(100):
            acked[f"/demo/n{i}"] = f"v{i}".encode()
            zk.create(f"/demo/n{i}", acked[f"/demo/n{i}"], makepath=True)
        with zk.Lock("/demo-lock", "demo"):
            zk.create("/demo-ephemeral", ephemeral=True)
            print("100 znodes created; holding a lock and an ephemeral node")
        print(f"kill -9 n{leader}")
        cluster.kill_node(leader)
        started = time.monotonic()
        zk.retry(zk.create, "/demo/after-kill", b"1")
        acked["/demo/after-kill"] = b"1"
        print(f"first create after the kill acknowledged in {time.monotonic() - started:.2f} s")
        new_leader = cluster.wait_for_leader(exclude=leader)
        cluster.start_node(leader)
        print(f"n{new_leader} leads; n{leader} restarted. srvr of n{new_leader}:")
        print("  " + srvr(cluster.node(new_leader).client_address).replace("\n", "\n  "))
        zk.stop()
        zk.close()
        cluster.stop()
        print("all servers stopped; starting them again")
        cluster.start()
        cluster.wait_for_leader()
        zk = KazooClient(hosts=cluster.connect_string, timeout=10)
        zk.start(timeout=30)
        lost = [path for path, data in acked.items() if zk.retry(zk.get, path)[0] != data]
        ephemeral_gone = zk.exists("/demo-ephemeral") is None
        zk.stop()
        zk.close()
    if lost or not ephemeral_gone:
        print(f"LOST {len(lost)} acknowledged znodes: {lost[:10]}", file=sys.stderr)
        return 1
    print(f"all {len(acked)} acknowledged znodes read back; the closed session's ephemeral is gone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
