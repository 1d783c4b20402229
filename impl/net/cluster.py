"""A local cluster of server processes on loopback: for `paxoscope cluster`, tests and
benchmarks. Each node lives in `DIR/nodeI/` (its zoo.cfg, its data, its server.log); a cluster
started again on the same directory reuses its configuration, ports and data. A cluster given a
client TLS context serves clients on secureClientPort only, and is observed through it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from impl.coord.faults import CoordFault
from impl.net.client import server_status
from impl.net.config import load_config
from impl.net.local_configs import write_cluster_configs
from impl.paxos.faults import Fault
from impl.paxos.types import Status


@dataclass
class Node:
    id: int
    config_path: Path
    client_address: tuple[str, int]
    service: str = "zookeeper"
    process: subprocess.Popen[bytes] | None = None
    paused: bool = False  # stopped by SIGSTOP (pause_node), until SIGCONT (resume_node)

    @property
    def directory(self) -> Path:
        return self.config_path.parent

    @property
    def log_path(self) -> Path:
        return self.directory / "server.log"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class LocalCluster:
    def __init__(
        self,
        directory: Path,
        nodes: int,
        *,
        host: str = "127.0.0.1",
        faults: frozenset[Fault | CoordFault] = frozenset(),
        settings: dict[str, str] | None = None,
        service: str | None = None,
        tls: ssl.SSLContext | None = None,
        observers: int = 0,
    ) -> None:
        """`faults`: known bugs to switch on, of the replica or of the coordination layer
        (`paxoscope server --fault`). `service`: "zookeeper" (the default of the config) or
        "kv"; `settings`: more zoo.cfg keys. Both apply only when the directory's configs are
        first written.
        `tls`: a client context for the nodes' secure client ports; with it, the nodes serve
        clients on secureClientPort alone (`settings` then holds the ssl.* keys), and
        `status` and `serving` ask through TLS. The last `observers` nodes are observers."""
        self.directory = Path(directory)
        self.faults = faults
        self.tls = tls
        settings = dict(settings or {})
        if service is not None:
            settings["paxoscope.service"] = service
        paths = write_cluster_configs(
            self.directory,
            nodes,
            host=host,
            extra=settings,
            secure=tls is not None,
            observers=observers,
        )
        self.nodes: list[Node] = []
        for path in paths:
            config = load_config(path)
            address = (config.client_port_address, config.client_port)
            if config.client_port is None or tls is not None:
                address = (config.secure_client_port_address, config.secure_client_port)
            assert address[1] is not None  # a config has one client port or the other
            self.nodes.append(Node(config.my_id, path, (address[0], address[1]), config.service))

    @property
    def addresses(self) -> list[tuple[str, int]]:
        return [node.client_address for node in self.nodes]

    @property
    def connect_string(self) -> str:
        return ",".join(f"{host}:{port}" for host, port in self.addresses)

    def node(self, node_id: int) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    # --- processes --------------------------------------------------------------------------

    def start(self) -> None:
        for node in self.nodes:
            self.start_node(node.id)

    def start_node(self, node_id: int) -> None:
        node = self.node(node_id)
        if node.running:
            return
        command = [sys.executable, "-m", "impl", "server", "--config", str(node.config_path)]
        for fault in sorted(self.faults):
            command += ["--fault", fault.value]
        with node.log_path.open("ab") as log:
            node.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill_node(self, node_id: int) -> None:
        """kill -9: no shutdown, no flushing."""
        node = self.node(node_id)
        if node.process is not None and node.running:
            os.kill(node.process.pid, signal.SIGKILL)
            node.process.wait()
        node.paused = False

    def pause_node(self, node_id: int) -> None:
        """SIGSTOP: the process stops where it is (as in a long GC pause or a VM migration),
        its sockets open, until `resume_node`."""
        node = self.node(node_id)
        if node.process is not None and node.running:
            os.kill(node.process.pid, signal.SIGSTOP)
            node.paused = True

    def resume_node(self, node_id: int) -> None:
        """SIGCONT: a paused process goes on from where it stopped."""
        node = self.node(node_id)
        if node.process is not None and node.running:
            os.kill(node.process.pid, signal.SIGCONT)
        node.paused = False

    def stop_node(self, node_id: int, grace: float = 5.0) -> None:
        """SIGTERM (a clean shutdown), and SIGKILL if it takes longer than `grace`."""
        node = self.node(node_id)
        if node.process is None or not node.running:
            return
        if node.paused:
            self.resume_node(node_id)  # a stopped process would not see SIGTERM
        node.process.terminate()
        self._reap(node, grace)

    def stop(self) -> None:
        """Stop every node, all at once. Each gets one SIGTERM: a second one, arriving after
        the server has put its signal handlers away, would kill it halfway through its exit."""
        stopping = [n for n in self.nodes if n.process is not None and n.running]
        for node in stopping:
            assert node.process is not None
            if node.paused:
                self.resume_node(node.id)  # a stopped process would not see SIGTERM
            node.process.terminate()
        for node in stopping:
            self._reap(node, 5.0)

    @staticmethod
    def _reap(node: Node, grace: float) -> None:
        assert node.process is not None
        try:
            node.process.wait(grace)
        except subprocess.TimeoutExpired:
            node.process.kill()
            node.process.wait()

    def wait(self) -> None:
        """Block until interrupted, reporting nodes that exit on their own."""
        reported: set[int] = set()
        while True:
            for node in self.nodes:
                if node.process is not None and not node.running and node.id not in reported:
                    reported.add(node.id)
                    code = node.process.returncode
                    print(f"n{node.id} exited with code {code}; see {node.log_path}", flush=True)
            time.sleep(0.5)

    # --- observation -----------------------------------------------------------------------

    def status(self, node_id: int, timeout: float = 1.0) -> Status | None:
        try:
            address = self.node(node_id).client_address
            return asyncio.run(server_status(address, timeout, tls=self.tls))
        except (OSError, TimeoutError, ConnectionError):
            return None

    def serving(self, node_id: int, timeout: float = 1.0) -> bool:
        """Does the node take new sessions? A ZooKeeper service says so in `srvr` (which is
        never off the whitelist): "not currently serving" until it is in sync with a leader.
        The kv service serves whenever it runs."""
        node = self.node(node_id)
        if node.service != "zookeeper":
            return node.running
        try:
            with contextlib.ExitStack() as stack:
                s = stack.enter_context(socket.create_connection(node.client_address, timeout))
                if self.tls is not None:
                    host = node.client_address[0]
                    s = stack.enter_context(self.tls.wrap_socket(s, server_hostname=host))
                s.sendall(b"srvr")
                chunks = []
                while chunk := s.recv(65536):
                    chunks.append(chunk)
        except OSError:
            return False
        return b"\nMode: " in b"".join(chunks)

    def wait_for_leader(self, timeout: float = 20.0, exclude: int = 0) -> int:
        """The id of a leader that the running nodes agree on, once they all serve."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            running = [n.id for n in self.nodes if n.running and n.id != exclude]
            statuses = [self.status(n) for n in running]
            leaders = {s.node for s in statuses if s is not None and s.role == "leader"}
            followers_agree = all(
                s is not None and (s.role == "leader" or s.leader in leaders) for s in statuses
            )
            if len(leaders) == 1 and followers_agree and all(map(self.serving, running)):
                return leaders.pop()
            time.sleep(0.1)
        raise TimeoutError(f"no leader within {timeout} s; see the logs under {self.directory}")

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
