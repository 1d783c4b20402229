"""The replicated log for real, in one minute: three server processes on loopback; writes; kill -9
of the leader; more writes under the new leader; a full restart; every acknowledged write read
back. Exits 1 if anything acknowledged is lost."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from impl.net.client import Client
from impl.net.cluster import LocalCluster


def main() -> int:
    with (
        tempfile.TemporaryDirectory(prefix="paxoscope-demo-") as directory,
        LocalCluster(Path(directory), 3, service="kv") as cluster,
    ):
        cluster.start()
        leader = cluster.wait_for_leader()
        print(f"3 replicas up ({cluster.connect_string}); n{leader} leads")
        acked: dict[str, bytes] = {}
        with Client(cluster.addresses, timeout=20) as client:
            for i in range(200):
                acked[f"k{i}"] = f"v{i}".encode()
                client.put(f"k{i}", acked[f"k{i}"])
            print(f"200 writes acknowledged; kill -9 n{leader}")
            cluster.kill_node(leader)
            started = time.monotonic()
            client.put("after-kill", b"1")
            acked["after-kill"] = b"1"
            print(f"first write after the kill acknowledged in {time.monotonic() - started:.2f} s")
            for i in range(200, 400):
                acked[f"k{i}"] = f"v{i}".encode()
                client.put(f"k{i}", acked[f"k{i}"])
            print(f"200 more writes under n{cluster.wait_for_leader(exclude=leader)}")
        cluster.stop()
        print("all servers stopped; starting them again")
        cluster.start()
        cluster.wait_for_leader()
        with Client(cluster.addresses, timeout=20) as client:
            lost = [k for k, v in acked.items() if client.get(k) != v]
    if lost:
        print(f"LOST {len(lost)} acknowledged writes: {lost[:10]}", file=sys.stderr)
        return 1
    print(f"all {len(acked)} acknowledged writes read back after the restart")
    return 0


if __name__ == "__main__":
    sys.exit(main())
