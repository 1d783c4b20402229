"""Local ensembles that speak ZooKeeper's client protocol, behind one interface: Apache ZooKeeper
from Debian's `zookeeper` package (`ApacheEnsemble`) and paxoscope (`PaxoscopeEnsemble`).

    with ApacheEnsemble(directory, nodes=3) as ensemble:
        ensemble.start()        # returns once a quorum serves clients on every node
        ensemble.connect_string # "127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3"

Everything listens on 127.0.0.1 only, on ports free when picked. Every wait is bounded, and the
server processes are stopped on `stop()`, on leaving the `with` block (exception or not) and when
`start()` itself fails. Each node keeps its config, data and `server.log` in `DIRECTORY/nodeI/`.
Used by benchmarks/zk_compare.py and tests/compat/.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from impl.net.local_configs import free_ports

HOST = "127.0.0.1"
JAVA_DIR = Path("/usr/share/java")
# Its manifest's Class-Path names the jars it needs (jute, netty, jetty, slf4j-api...).
ZOOKEEPER_JAR = JAVA_DIR / "zookeeper.jar"
# Without an slf4j binding on the class path the servers would log nothing at all.
LOGGING_JARS = (JAVA_DIR / "slf4j-log4j12.jar", JAVA_DIR / "log4j-1.2.jar")
ZKCLI = Path("/usr/share/zookeeper/bin/zkCli.sh")
INSTALL_HINT = (
    "Apache ZooKeeper from Debian's package is needed: `apt-get install zookeeper "
    "default-jdk-headless` (scripts/setup.sh does it), which provides "
    f"{ZOOKEEPER_JAR}, {ZKCLI} and java."
)

Address = tuple[str, int]


def apache_missing() -> str | None:
    """Why Apache ZooKeeper cannot run here, or None if it can."""
    missing = [str(p) for p in (ZOOKEEPER_JAR, *LOGGING_JARS, ZKCLI) if not p.exists()]
    if shutil.which("java") is None:
        missing.append("java")
    return f"missing {', '.join(missing)}. {INSTALL_HINT}" if missing else None


def run_java(
    source: Path, args: list[str], directory: Path, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Compile the Java program `source` against ZooKeeper's jar into `directory`, then run its
    class (named after the file) with `args`; a program that does not compile is an error."""
    compiled = subprocess.run(
        ["javac", "-cp", str(ZOOKEEPER_JAR), "-d", str(directory), str(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if compiled.returncode != 0:
        raise RuntimeError(f"javac {source} failed:\n{compiled.stderr}")
    return subprocess.run(
        ["java", "-cp", f"{directory}:{ZOOKEEPER_JAR}", source.stem, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def log_tails(ensemble: Ensemble, lines: int = 40) -> str:
    """The end of every node's log, for failure messages: what the servers made of it."""
    parts = []
    for path in ensemble.log_paths():
        text = path.read_text(errors="replace") if path.exists() else "(no log)"
        parts.append(f"--- {path} (last {lines} lines)\n" + "\n".join(text.splitlines()[-lines:]))
    return "\n".join(parts)


def zookeeper_classpath() -> str:
    return ":".join(str(p) for p in (ZOOKEEPER_JAR, *LOGGING_JARS))


def four_letter_word(address: Address, word: str, timeout: float = 2.0) -> str:
    """Send a four-letter-word command (srvr, ruok, mntr...) and return the whole reply."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(word.encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Ensemble:
    """What both launchers share: addresses, the connect string, the context manager."""

    name = "ensemble"
    addresses: list[Address]
    # The 0-based index into `addresses` of the leader, known once `start()` returns.
    leader_index: int | None = None

    @property
    def connect_string(self) -> str:
        return ",".join(f"{host}:{port}" for host, port in self.addresses)

    @property
    def follower_indexes(self) -> list[int]:
        return [i for i in range(len(self.addresses)) if i != self.leader_index]

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def log_paths(self) -> list[Path]:
        raise NotImplementedError

    def __enter__(self) -> Ensemble:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_serving(self, timeout: float = 30.0) -> None:
        """Open a ZooKeeper session on every node and read `/` through it: what a client of
        this ensemble does first, so a failure here is the one a client would see."""
        from kazoo.client import KazooClient

        # kazoo logs each refused connection as a warning; the error raised below says it all.
        logging.getLogger("kazoo.client").setLevel(logging.ERROR)
        deadline = time.monotonic() + timeout
        for host, port in self.addresses:
            last: Exception | None = None
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{self.name}: {host}:{port} opened no session within {timeout} s "
                        f"(last error: {last!r}); logs: {', '.join(map(str, self.log_paths()))}"
                    )
                client = KazooClient(hosts=f"{host}:{port}", timeout=min(10.0, remaining))
                try:
                    client.start(timeout=min(5.0, remaining))
                    client.exists("/")
                    break
                except Exception as error:  # refused, timed out, not serving yet: retry
                    last = error
                    time.sleep(0.1)
                finally:
                    with contextlib.suppress(Exception):
                        client.stop()
                        client.close()


class ApacheEnsemble(Ensemble):
    """`nodes` Apache ZooKeeper servers (Debian's jars, one JVM each, QuorumPeerMain), with all
    four-letter words allowed and the AdminServer off; forceSync stays on, as by default."""

    name = "apache"

    def __init__(
        self,
        directory: Path,
        nodes: int = 3,
        *,
        heap: str = "1g",
        tick_ms: int = 2000,
        timeout: float = 60.0,
        settings: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
    ) -> None:
        """`settings`: more zoo.cfg lines; `properties`: Java system properties (-Dkey=value),
        for what ZooKeeper reads only from those (znode.container.checkIntervalMs)."""
        self.directory = Path(directory)
        self.settings = dict(settings or {})
        self.properties = dict(properties or {})
        self.nodes = nodes
        self.heap = heap
        self.tick_ms = tick_ms
        self.timeout = timeout
        ports = free_ports(HOST, 3 * nodes)
        self.client_ports = ports[:nodes]
        # server.I=host:quorumPort:electionPort
        self.peer_ports = [(ports[nodes + 2 * i], ports[nodes + 2 * i + 1]) for i in range(nodes)]
        self.addresses = [(HOST, port) for port in self.client_ports]
        self.processes: list[subprocess.Popen[bytes]] = []

    def node_directory(self, index: int) -> Path:
        return self.directory / f"node{index + 1}"

    def log_paths(self) -> list[Path]:
        return [self.node_directory(i) / "server.log" for i in range(self.nodes)]

    def _write_configs(self) -> None:
        servers = [
            f"server.{i + 1}={HOST}:{quorum}:{election}"
            for i, (quorum, election) in enumerate(self.peer_ports)
        ]
        for i in range(self.nodes):
            node = self.node_directory(i)
            data = node / "data"
            data.mkdir(parents=True, exist_ok=True)
            (data / "myid").write_text(f"{i + 1}\n")
            settings = [
                f"tickTime={self.tick_ms}",
                "initLimit=10",
                "syncLimit=5",
                f"dataDir={data}",
                f"clientPortAddress={HOST}",
                f"clientPort={self.client_ports[i]}",
                "4lw.commands.whitelist=*",
                "admin.enableServer=false",
                *servers,
                *(f"{key}={value}" for key, value in self.settings.items()),
            ]
            (node / "zoo.cfg").write_text("\n".join(settings) + "\n")
            (node / "log4j.properties").write_text(
                "log4j.rootLogger=INFO, CONSOLE\n"
                "log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\n"
                "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\n"
                "log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %c{1}: %m%n\n"
            )

    def start(self) -> None:
        missing = apache_missing()
        if missing is not None:
            raise FileNotFoundError(missing)
        self._write_configs()
        try:
            for i in range(self.nodes):
                node = self.node_directory(i)
                command = [
                    "java",
                    f"-Xmx{self.heap}",
                    f"-Dlog4j.configuration=file:{node / 'log4j.properties'}",
                    *(f"-D{key}={value}" for key, value in self.properties.items()),
                    "-cp",
                    zookeeper_classpath(),
                    "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                    str(node / "zoo.cfg"),
                ]
                with (node / "server.log").open("ab") as log:
                    self.processes.append(
                        subprocess.Popen(
                            command,
                            cwd=node,
                            stdin=subprocess.DEVNULL,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )
            self._wait_quorum(time.monotonic() + self.timeout)
            self.wait_serving(self.timeout)
        except BaseException:
            self.stop()
            raise

    def modes(self) -> list[str | None]:
        """Each node's `Mode:` from `srvr` (leader, follower...), None while it does not serve."""
        modes: list[str | None] = []
        for address in self.addresses:
            try:
                reply = four_letter_word(address, "srvr", timeout=1.0)
            except OSError:
                modes.append(None)
                continue
            mode = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in reply.splitlines()
                    if line.startswith("Mode:")
                ),
                None,
            )
            modes.append(mode)
        return modes

    def _wait_quorum(self, deadline: float) -> None:
        modes: list[str | None] = []
        while time.monotonic() < deadline:
            for i, process in enumerate(self.processes):
                if process.poll() is not None:
                    log = self.log_paths()[i]
                    raise RuntimeError(
                        f"apache node{i + 1} exited with code {process.returncode}; "
                        f"{log}:\n{_tail(log)}"
                    )
            modes = self.modes()
            if modes.count("leader") == 1 and modes.count("follower") == self.nodes - 1:
                self.leader_index = modes.index("leader")
                return
            if self.nodes == 1 and modes == ["standalone"]:
                self.leader_index = 0
                return
            time.sleep(0.2)
        raise TimeoutError(
            f"apache: no quorum within {self.timeout} s (modes {modes}); logs under {self.directory}"
        )

    def stop(self, grace: float = 10.0) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + grace
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = []


class PaxoscopeEnsemble(Ensemble):
    """`nodes` paxoscope servers with the ZooKeeper front end on their client ports
    (impl.net.cluster.LocalCluster with service="zookeeper")."""

    name = "paxoscope"

    def __init__(
        self,
        directory: Path,
        nodes: int = 3,
        *,
        settings: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        from impl.net.cluster import LocalCluster

        self.timeout = timeout
        self.cluster = LocalCluster(Path(directory), nodes, service="zookeeper", settings=settings)
        self.addresses = list(self.cluster.addresses)

    def log_paths(self) -> list[Path]:
        return [node.log_path for node in self.cluster.nodes]

    def start(self) -> None:
        try:
            self.cluster.start()
            leader = self.cluster.wait_for_leader(self.timeout)
            self.leader_index = next(
                i for i, node in enumerate(self.cluster.nodes) if node.id == leader
            )
            self.wait_serving(self.timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.cluster.stop()
