"""pytest plugin: run kazoo's own test classes against one 3-node cluster per pytest process.

kazoo's `KazooTestHarness` finds its servers through `kazoo.testing.harness.get_global_cluster()`,
which normally builds an Apache ZooKeeper ensemble from environment variables. This plugin
replaces that function with one returning a cluster we start ourselves, so kazoo's test classes
run unchanged against paxoscope (the default) or, for comparison, against Apache ZooKeeper:

    PAXOSCOPE_KAZOO_TARGET=paxoscope|apache   which servers to start (default paxoscope)
    PAXOSCOPE_KAZOO_KEEP=1                    keep the servers' directories (logs, data)

The cluster is started on first use, so a process that runs no kazoo test starts nothing; under
pytest-xdist each worker starts its own, on free ports. It is stopped when pytest finishes. Its
directory is removed then, unless a test failed or PAXOSCOPE_KAZOO_KEEP is set; the path is
printed so the server logs can be read. A failing kazoo test also gets the tail of every server's
log in its report.

Some of kazoo's tests leave their clients running (KazooLeaseTests.tearDown, for one, does not
call teardown_zookeeper). The clients a test of a module that loads this harness made and
left running are stopped after its teardown: otherwise they would go on pinging (and
reconnecting) for the rest of the process, and their connection threads move the global
`random` (kazoo's ping jitter), which hypothesis reports, in whatever tests the same
pytest-xdist worker runs later, as "do not use the random module inside strategies".

Load it with `-p tests.compat.kazoo_harness` (from the repository root, `python -m pytest`) or
with `pytest_plugins = ["kazoo_harness"]` in a test module under tests/compat (what
test_kazoo_suite.py does). Loading it twice under both names is harmless.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import tempfile
import time
import weakref
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from kazoo.client import KazooClient
from kazoo.testing import harness

TARGET_ENV = "PAXOSCOPE_KAZOO_TARGET"
KEEP_ENV = "PAXOSCOPE_KAZOO_KEEP"
TARGETS = ("paxoscope", "apache")
SIZE = 3
START_TIMEOUT = 60.0
LOG_TAIL_LINES = 40

# Settings for the paxoscope servers. Durability is not what kazoo's tests check, and forcing
# every vote to disk only slows a CI machine down. kazoo's CI runs ZooKeeper with reconfig
# enabled and a super user "super" of password "test" (what TestReconfig authenticates as).
PAXOSCOPE_SETTINGS = {
    "paxoscope.fsync": "false",
    "reconfigEnabled": "true",
    "DigestAuthenticationProvider.superDigest": "super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
}


class Server:
    """One member of the cluster, as kazoo's harness sees it (`address`, `running`, ...)."""

    def __init__(self, cluster: Cluster, index: int) -> None:
        self._cluster = cluster
        self.index = index

    @property
    def host(self) -> str:
        return self._cluster.addresses[self.index][0]

    @property
    def client_port(self) -> int:
        return self._cluster.addresses[self.index][1]

    @property
    def address(self) -> str:
        return f"{self.host}:{self.client_port}"

    @property
    def secure_address(self) -> str:
        host, port = self._cluster.secure_address(self.index)
        return f"{host}:{port}"

    @property
    def running(self) -> bool:
        return self._cluster.node_running(self.index)

    def run(self) -> None:
        self._cluster.start_node(self.index)

    def stop(self) -> None:
        self._cluster.stop_node(self.index)

    def get_logs(self, num_lines: int = 100) -> list[str]:
        return _tail(self._cluster.log_paths[self.index], num_lines)


class Cluster:
    """The cluster kazoo's harness gets from `get_global_cluster()`: iterable over `Server`s,
    with `start`, `stop`, `terminate` and `get_logs` as in `kazoo.testing.common`.

    kazoo calls `terminate()` after every test class (KazooTestCase.tearDownClass); restarting
    the servers for each class would cost more than the tests, so `terminate()` only makes sure
    they run and `shutdown()`, called once at the end of the pytest run, really stops them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.addresses: list[tuple[str, int]] = []
        self.log_paths: list[Path] = []
        self.servers: list[Server] = []

    # --- what the backends provide -------------------------------------------------------

    def secure_address(self, index: int) -> tuple[str, int]:
        raise NotImplementedError(f"{type(self).__name__} starts no TLS client port")

    def get_ssl_client_configuration(self) -> dict[str, bytes]:
        """What kazoo's TestSSLClient asks of the cluster: a client key and certificate and the
        CA (PEM), as kazoo's own harness makes them."""
        raise NotImplementedError(f"{type(self).__name__} starts no TLS client port")

    def start_node(self, index: int) -> None:
        raise NotImplementedError

    def stop_node(self, index: int) -> None:
        raise NotImplementedError

    def node_running(self, index: int) -> bool:
        raise NotImplementedError

    def wait_ready(self, timeout: float) -> None:
        """Block until the running nodes agree on a leader."""
        raise NotImplementedError

    # --- what kazoo's harness calls -----------------------------------------------------

    def __iter__(self) -> Iterator[Server]:
        return iter(self.servers)

    def __getitem__(self, index: int) -> Server:
        return self.servers[index]

    def __len__(self) -> int:
        return len(self.servers)

    @property
    def connect_string(self) -> str:
        return ",".join(server.address for server in self.servers)

    def start(self) -> None:
        if not all(server.running for server in self.servers):
            for index in range(len(self.servers)):
                self.start_node(index)
        self.wait_ready(START_TIMEOUT)
        _wait_for_kazoo(self.connect_string, START_TIMEOUT)

    def stop(self) -> None:
        for index in range(len(self.servers)):
            self.stop_node(index)

    def terminate(self) -> None:
        if not all(server.running for server in self.servers):
            self.start()

    def reset(self) -> None:
        """kazoo's reset wipes the servers' data; nothing here needs it, so it only restarts."""
        self.stop()
        self.start()

    def shutdown(self) -> None:
        self.stop()

    def get_logs(self) -> list[str]:
        lines: list[str] = []
        for server in self.servers:
            lines += server.get_logs()
        return lines


class PaxoscopeCluster(Cluster):
    """Three paxoscope servers speaking ZooKeeper's client protocol (impl.net.cluster), on a
    plain client port and a TLS one (secureClientPort), with certificates from a CA made here:
    what kazoo's TestSSLClient needs."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        from impl.net.cluster import LocalCluster
        from impl.net.local_configs import free_ports
        from tests.pki import LOOPBACK, Authority

        self.local = LocalCluster(
            directory, SIZE, service="zookeeper", settings=dict(PAXOSCOPE_SETTINGS)
        )
        self.addresses = list(self.local.addresses)
        ca = Authority.make("kazoo harness CA")
        server_cert, server_key = ca.issue("server", LOOPBACK)
        client_cert, client_key = ca.issue("client", [])
        self.ssl = {"client_key": client_key, "client_cert": client_cert, "ca_cert": ca.pem}
        (directory / "ca.pem").write_bytes(ca.pem)
        (directory / "server.pem").write_bytes(server_cert + server_key)
        host = self.addresses[0][0]
        self.secure_addresses = [(host, port) for port in free_ports(host, SIZE)]
        for node, (_, port) in zip(self.local.nodes, self.secure_addresses, strict=True):
            with node.config_path.open("a", encoding="utf-8") as config:
                config.write(
                    f"secureClientPort={port}\nssl.keyStore.location={directory / 'server.pem'}\n"
                    f"ssl.trustStore.location={directory / 'ca.pem'}\n"
                )
        self.log_paths = [node.log_path for node in self.local.nodes]
        self.servers = [Server(self, i) for i in range(len(self.addresses))]

    def secure_address(self, index: int) -> tuple[str, int]:
        return self.secure_addresses[index]

    def get_ssl_client_configuration(self) -> dict[str, bytes]:
        return dict(self.ssl)

    def start_node(self, index: int) -> None:
        self.local.start_node(self.local.nodes[index].id)

    def stop_node(self, index: int) -> None:
        self.local.stop_node(self.local.nodes[index].id)

    def node_running(self, index: int) -> bool:
        return self.local.nodes[index].running

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for index, node in enumerate(self.local.nodes):
                if not self.node_running(index) and node.process is not None:
                    tail = "".join(_tail(node.log_path, LOG_TAIL_LINES))
                    raise RuntimeError(f"server {node.id} exited; {node.log_path} ends:\n{tail}")
            try:
                self.local.wait_for_leader(min(2.0, max(0.1, deadline - time.monotonic())))
                return
            except TimeoutError:
                if time.monotonic() >= deadline:
                    raise


class ApacheCluster(Cluster):
    """Three Apache ZooKeeper servers (Debian's `zookeeper` package, benchmarks/ensembles.py)
    on 127.0.0.1, for comparing paxoscope's answers with the real thing. They start and stop
    together: kazoo's recipe tests never stop one server alone."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        from benchmarks.ensembles import ApacheEnsemble

        self.ensemble = ApacheEnsemble(directory, SIZE, heap="256m", timeout=START_TIMEOUT)
        self.addresses = list(self.ensemble.addresses)
        self.log_paths = self.ensemble.log_paths()
        self.servers = [Server(self, i) for i in range(SIZE)]

    def start_node(self, index: int) -> None:
        if not all(self.node_running(i) for i in range(SIZE)):
            self.ensemble.stop()
            self.ensemble.start()  # waits for a quorum and a session on every node

    def stop_node(self, index: int) -> None:
        self.ensemble.stop()

    def node_running(self, index: int) -> bool:
        processes = self.ensemble.processes
        return index < len(processes) and processes[index].poll() is None

    def wait_ready(self, timeout: float) -> None:
        pass  # ApacheEnsemble.start returned only once the ensemble served


# --- the plugin ----------------------------------------------------------------------------


class _State:
    """This process's cluster, started on first use; a failure to start is kept so every test
    reports it at once instead of each trying (and timing out) again."""

    def __init__(self) -> None:
        self.cluster: Cluster | None = None
        self.error: BaseException | None = None
        self.directory: Path | None = None
        self.failed = False
        self.original_get_global_cluster: Any = None
        # Every KazooClient made while installed, by the order it was made in
        self.clients: weakref.WeakValueDictionary[int, KazooClient] = weakref.WeakValueDictionary()
        self.made = 0  # how many: the next one's number
        self.original_client_init: Any = None

    def stop_clients(self, since: int = 0) -> None:
        """Stop the clients made since the `since`th (a `made`) that are still running."""
        for serial, client in list(self.clients.items()):
            if serial >= since and not client._stopped.is_set():
                with contextlib.suppress(Exception):
                    client.stop()
                    client.close()

    def get_cluster(self) -> Cluster:
        if self.error is not None:
            raise RuntimeError(f"the kazoo test cluster did not start: {self.error}")
        if self.cluster is None:
            target = os.environ.get(TARGET_ENV, "paxoscope").strip().lower() or "paxoscope"
            if target not in TARGETS:
                self.error = ValueError(f"{TARGET_ENV}={target!r}: expected one of {TARGETS}")
                raise self.error
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            self.directory = Path(tempfile.mkdtemp(prefix=f"kazoo-{target}-{worker}-"))
            try:
                kind = PaxoscopeCluster if target == "paxoscope" else ApacheCluster
                cluster = kind(self.directory)
                self.cluster = cluster
                cluster.start()
            except BaseException as error:
                self.error = error
                self.failed = True
                raise
        return self.cluster

    def shutdown(self) -> None:
        if self.cluster is not None:
            self.stop_clients()
            self.cluster.shutdown()
            self.cluster = None
        if self.directory is not None and self.directory.exists():
            if self.failed or os.environ.get(KEEP_ENV):
                sys.stderr.write(f"\nkazoo compat: server logs and data kept in {self.directory}\n")
            else:
                shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None


_STATE_ATTR = "_paxoscope_kazoo_state"


def _state() -> _State | None:
    state: _State | None = getattr(harness, _STATE_ATTR, None)
    return state


def install() -> _State:
    """Point kazoo's harness at our cluster (idempotent: the state lives on kazoo's module, so a
    second copy of this plugin, imported under another name, finds it)."""
    state = _state()
    if state is None:
        state = _State()
        state.original_get_global_cluster = harness.get_global_cluster
        harness.get_global_cluster = state.get_cluster
        state.original_client_init = KazooClient.__init__

        def init_and_register(client: KazooClient, *args: Any, **kwargs: Any) -> None:
            state.original_client_init(client, *args, **kwargs)
            state.clients[state.made] = client
            state.made += 1

        KazooClient.__init__ = init_and_register
        setattr(harness, _STATE_ATTR, state)
        # A worker killed before pytest_unconfigure must not leave servers behind.
        atexit.register(state.shutdown)
    return state


def uninstall() -> None:
    state = _state()
    if state is not None:
        state.shutdown()
        harness.get_global_cluster = state.original_get_global_cluster
        KazooClient.__init__ = state.original_client_init
        delattr(harness, _STATE_ATTR)


def pytest_configure(config: pytest.Config) -> None:
    install()


def pytest_unconfigure(config: pytest.Config) -> None:
    uninstall()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    """After the teardown of a test this harness runs (its module loads the harness), stop
    the clients it made and left running."""
    state = _state()
    module = getattr(item, "module", None)
    if state is None or not any(
        "kazoo_harness" in p for p in getattr(module, "pytest_plugins", ())
    ):
        return (yield)
    since = state.made
    try:
        return (yield)
    finally:
        state.stop_clients(since)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    state = _state()
    if state is not None and report.failed:
        state.failed = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing kazoo test gets the tail of each server's log: what the server saw is the first
    thing to look at when a client-visible answer is wrong."""
    report = yield
    state = _state()
    cls = getattr(item, "cls", None)
    if (
        report.failed
        and state is not None
        and state.cluster is not None
        and isinstance(cls, type)
        and issubclass(cls, harness.KazooTestHarness)
    ):
        for server in state.cluster:
            tail = "".join(server.get_logs(LOG_TAIL_LINES))
            report.sections.append((f"server {server.index + 1} ({server.address}) log", tail))
    return report


# --- helpers -------------------------------------------------------------------------------


def _wait_for_kazoo(hosts: str, timeout: float) -> None:
    """Block until a kazoo client can connect and read `/`: the check kazoo's own harness makes
    before each test, done once here so a broken server fails fast with one clear error."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        client = KazooClient(hosts, timeout=10)
        try:
            client.start(timeout=min(10.0, max(1.0, deadline - time.monotonic())))
            client.get("/")
            return
        except Exception as error:
            last = error
            time.sleep(0.5)
        finally:
            with contextlib.suppress(Exception):
                client.stop()
            client.close()
    raise TimeoutError(f"no kazoo client could read / from {hosts} within {timeout} s: {last!r}")


def _tail(path: Path, lines: int) -> list[str]:
    try:
        with path.open("r", errors="replace") as log:
            return log.readlines()[-lines:]
    except OSError:
        return []
