"""Connections that never send a byte cannot exhaust a server (issue 16, defect 3: 1,100 idle
connections from one address were not counted by maxClientCnxns, were never closed, used every
file descriptor, and the server then logged accept() tracebacks at ~2 MB/s).

A real server process with RLIMIT_NOFILE 128: idle connections are counted from the moment
they are accepted (maxClientCnxns, and the descriptors the server keeps for itself), closed
when they have not completed their handshake within nio.sessionlessCnxnTimeout, refusals are
logged once, and the server serves a real client throughout and afterwards."""

from __future__ import annotations

import logging
import resource
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kazoo.client import KazooClient

from impl.coord.admission import Admission
from impl.net.config import load_config
from impl.net.local_configs import write_cluster_configs
from impl.net.ratelog import RateLimitedLog

NOFILE = 128
PER_ADDRESS = 20
HANDSHAKE_MS = 3000
SETTINGS = {
    "tickTime": "200",
    "paxoscope.fsync": "false",
    "maxClientCnxns": str(PER_ADDRESS),
    "nio.sessionlessCnxnTimeout": str(HANDSHAKE_MS),
}


def _low_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[tuple[str, int], Path]]:
    """One server process with RLIMIT_NOFILE 128: its client address and its log."""
    [config_path] = write_cluster_configs(tmp_path / "c", 1, extra=SETTINGS)
    config = load_config(config_path)
    address = (config.client_port_address, config.client_port)
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "impl", "server", "--config", str(config_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_low_limit,
        )
    try:
        deadline = time.monotonic() + 30
        while "Mode: standalone" not in _word(address, b"srvr"):
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        yield address, log_path
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _word(address: tuple[str, int], word: bytes) -> str:
    try:
        with socket.create_connection(address, timeout=5) as s:
            s.sendall(word)
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()
    except OSError:
        return ""


def idle(address: tuple[str, int], source: str, count: int) -> list[socket.socket]:
    """`count` connections from `source` that send nothing."""
    return [
        socket.create_connection(address, timeout=10, source_address=(source, 0))
        for _ in range(count)
    ]


def closed_by_server(sockets: list[socket.socket]) -> list[socket.socket]:
    """Those of `sockets` the server has closed (readable, and at end of stream)."""
    if not sockets:
        return []
    readable, _, _ = select.select(sockets, [], [], 0)
    gone = []
    for s in readable:
        try:
            ended = s.recv(1) == b""
        except ConnectionError:
            ended = True
        if ended:
            gone.append(s)
    return gone


def wait_closed(sockets: list[socket.socket], within: float) -> list[socket.socket]:
    """Poll until the server closed all of `sockets` or `within` s passed; the ones left."""
    left = list(sockets)
    deadline = time.monotonic() + within
    while left and time.monotonic() < deadline:
        for s in closed_by_server(left):
            left.remove(s)
        time.sleep(0.1)
    return left


def test_idle_connections_are_counted_timed_out_and_cannot_take_every_descriptor(
    server: tuple[tuple[str, int], Path],
) -> None:
    address, log_path = server
    host = f"{address[0]}:{address[1]}"
    zk = KazooClient(hosts=host, timeout=10)  # a real client, there before the flood
    zk.start(timeout=20)
    opened: list[socket.socket] = []
    try:
        # maxClientCnxns counts connections that have sent nothing: the kazoo client and 19
        # idle ones fill 127.0.0.1's share, and the next one is closed at once.
        mine = idle(address, "127.0.0.1", PER_ADDRESS - 1)
        opened += mine
        extra = idle(address, "127.0.0.1", 1)
        opened += extra
        assert wait_closed(extra, 5) == [], "maxClientCnxns did not count idle connections"
        time.sleep(0.5)
        assert closed_by_server(mine) == [], "a counted idle connection was closed too soon"

        # From six more addresses, more idle connections than the process has descriptors:
        # the server closes those it has no room for, and keeps serving.
        flood = [s for i in range(2, 8) for s in idle(address, f"127.0.0.{i}", PER_ADDRESS)]
        opened += flood
        time.sleep(1.0)
        refused = closed_by_server(flood)
        assert refused, "more connections than descriptors, and none was refused"
        zk.create("/during-the-flood", b"x")  # the log still has descriptors to write with

        # Nobody sent a ConnectRequest: after nio.sessionlessCnxnTimeout, every idle
        # connection is closed by the server.
        held = [s for s in [*mine, *flood] if s not in refused]
        assert wait_closed(held, HANDSHAKE_MS / 1000 + 15) == [], "idle connections kept open"
        assert zk.exists("/during-the-flood") is not None
    finally:
        for s in opened:
            s.close()
        zk.stop()
        zk.close()

    fresh = KazooClient(hosts=host, timeout=10)
    fresh.start(timeout=20)
    try:
        fresh.create("/after-the-flood", b"y")
        assert fresh.get("/during-the-flood")[0] == b"x"
    finally:
        fresh.stop()
        fresh.close()
    text = log_path.read_text()
    assert "Traceback" not in text, text[-3000:]
    assert text.count("too many connections for the file-descriptor limit") == 1, text[-3000:]
    assert text.count("max is 20 (maxClientCnxns)") == 1, text[-3000:]
    assert text.count("no session or four-letter word within 3000 ms") >= 1, text[-3000:]
    assert len(text) < 20_000, f"{len(text)} bytes of log"


def test_an_idle_connection_to_the_peer_port_is_closed(
    server: tuple[tuple[str, int], Path], tmp_path: Path
) -> None:
    """A connection to the peer port that never names its peer is closed after the same
    handshake timeout (it was kept forever, holding a descriptor)."""
    config = load_config(next((tmp_path / "c").rglob("zoo.cfg")))
    quiet = socket.create_connection((config.me.host, config.me.peer_port), timeout=10)
    try:
        time.sleep(0.5)
        assert closed_by_server([quiet]) == [], "closed before the handshake timeout"
        assert wait_closed([quiet], HANDSHAKE_MS / 1000 + 15) == [], "an idle peer connection kept"
    finally:
        quiet.close()


def test_admission_counts_per_address_and_in_all(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """maxCnxns (ZooKeeper 3.7's limit on all connections) is checked before maxClientCnxns,
    as NIOServerCnxnFactory checks them; a closed connection makes room again; a refusal is
    logged once however often it happens."""
    text = "dataDir=d\nclientPort=2181\nmaxClientCnxns=2\nmaxCnxns=3\n"
    (tmp_path / "zoo.cfg").write_text(text)
    admission = Admission(load_config(tmp_path / "zoo.cfg"))
    admission.measure()
    assert [admission.admit("10.0.0.1") for _ in range(3)] == [True, True, False]
    assert admission.admit("10.0.0.2") and not admission.admit("10.0.0.3")
    assert admission.total == 3
    admission.release("10.0.0.1")
    assert admission.admit("10.0.0.3") and not admission.admit("10.0.0.1")
    for _ in range(100):
        admission.admit("10.0.0.4")
    assert caplog.text.count("max allowed is 3") == 1
    assert caplog.text.count("max is 2 (maxClientCnxns)") == 1


def test_what_clients_can_repeat_is_logged_once_an_interval() -> None:
    now = [0.0]
    logger = logging.getLogger("test.ratelog")
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger.addHandler(Keep())
    rate = RateLimitedLog(logger, 10.0, clock=lambda: now[0])
    for second in range(25):
        now[0] = float(second)
        rate.log(logging.WARNING, "a", "event a at %d", second)
    rate.log(logging.WARNING, "b", "event b")
    assert records == [
        "event a at 0",
        "event a at 10 (9 more like it not logged since the last)",
        "event a at 20 (9 more like it not logged since the last)",
        "event b",
    ]
