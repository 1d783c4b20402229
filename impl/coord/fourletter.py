"""ZooKeeper's four-letter words, answered on the client port: `ruok`, `srvr`, `stat`, `mntr`,
`envi`, `conf`, `cons`, `isro`, and our `pxst` (the replica's status as JSON). The formats are
ZooKeeper 3.8's, so monitoring that parses them (zkCli's `srvr`, `mntr` scrapers) works. A word
not in `4lw.commands.whitelist` gets ZooKeeper's refusal text, `pxst` included (by default only
`srvr` is answered, as in ZooKeeper; see `impl.net.config.ALWAYS_ON_WORDS`).

Every answer costs the same whatever the size of the tree (the counts and the digest are kept
by the tree as it changes), so no word stalls the server's event loop.
"""

from __future__ import annotations

import math
import os
import platform
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from impl.net.config import FOUR_LETTER_WORDS
from impl.net.service import refusal, status_json

if TYPE_CHECKING:
    from impl.coord.service import ZooKeeperService

VERSION = "3.8.0-paxoscope-0.1.0, built on 2026-11-25 00:00 UTC"
WORDS = frozenset(FOUR_LETTER_WORDS)


@dataclass
class Counters:
    received: int = 0
    sent: int = 0
    min_ms: float = 0.0
    max_ms: float = 0.0
    total_ms: float = 0.0
    count: int = 0

    def latency(self, ms: float) -> None:
        self.min_ms = ms if self.count == 0 else min(self.min_ms, ms)
        self.max_ms = max(self.max_ms, ms)
        self.total_ms += ms
        self.count += 1

    @property
    def avg_ms(self) -> float:
        return self.total_ms / self.count if self.count else 0.0


# What ZooKeeper's srvr, stat, mntr, cons and conf answer while the server is not running
# (AbstractFourLetterCommand.ZK_NOT_SERVING); isro answers "null" then.
NOT_SERVING = "This ZooKeeper instance is not currently serving requests\n"
_NEED_SERVING = frozenset({"srvr", "stat", "mntr", "cons", "conf"})


def answer(word: str, service: ZooKeeperService) -> bytes:
    if word not in service.config.four_letter_words:
        return refusal(word)
    if not service.serving:
        if word in _NEED_SERVING:
            return NOT_SERVING.encode()
        if word == "isro":
            return b"null"
    answers: dict[str, Callable[[], str]] = {
        "ruok": lambda: "imok",
        "isro": lambda: "rw",
        "srvr": lambda: _srvr(service),
        "stat": lambda: _stat(service),
        "mntr": lambda: _mntr(service),
        "envi": lambda: _envi(service),
        "conf": lambda: _conf(service),
        "cons": lambda: _cons(service),
        "pxst": lambda: status_json(service.server.core.status()).decode(),
    }
    return answers[word]().encode()


def _mode(service: ZooKeeperService) -> str:
    if len(service.config.servers) == 1:
        return "standalone"
    core = service.server.core
    if core.id not in core.voters:
        return "observer"
    return "leader" if service.server.core.role.value == "leader" else "follower"


def _srvr(service: ZooKeeperService) -> str:
    c = service.stats
    core = service.server.core
    return (
        f"Zookeeper version: {VERSION}\n"
        f"Latency min/avg/max: {math.floor(c.min_ms)}/{c.avg_ms:.4f}/{math.ceil(c.max_ms)}\n"
        f"Received: {c.received}\n"
        f"Sent: {c.sent}\n"
        f"Connections: {len(service.connections())}\n"
        f"Outstanding: {service.outstanding()}\n"
        f"Zxid: 0x{core.applied:x}\n"
        f"Mode: {_mode(service)}\n"
        f"Node count: {service.tree.node_count()}\n"
    )


def _cons(service: ZooKeeperService) -> str:
    lines = [
        f" /{peer}[1](queued={queued},recved={received},sent={sent})"
        for peer, queued, received, sent in service.connections()
    ]
    return "\n".join(lines) + "\n\n"


def _stat(service: ZooKeeperService) -> str:
    head, rest = _srvr(service).split("\n", 1)
    return f"{head}\nClients:\n{_cons(service)}{rest}"


def _mntr(service: ZooKeeperService) -> str:
    c = service.stats
    tree = service.tree
    figures: list[tuple[str, object]] = [
        ("zk_version", VERSION),
        ("zk_server_state", _mode(service)),
        ("zk_avg_latency", f"{c.avg_ms:.4f}"),
        ("zk_max_latency", math.ceil(c.max_ms)),
        ("zk_min_latency", math.floor(c.min_ms)),
        ("zk_packets_received", c.received),
        ("zk_packets_sent", c.sent),
        ("zk_num_alive_connections", len(service.connections())),
        ("zk_outstanding_requests", service.outstanding()),
        ("zk_znode_count", tree.node_count()),
        ("zk_watch_count", service.watch_count()),
        ("zk_ephemerals_count", tree.ephemeral_count()),
        ("zk_approximate_data_size", tree.data_size()),
        ("zk_open_file_descriptor_count", _open_fds()),
        ("zk_max_file_descriptor_count", os.sysconf("SC_OPEN_MAX")),
        ("zk_last_zxid", service.server.core.applied),
        # Ours: reads this server answered from its own state under quorum leases.
        ("paxoscope_lease_reads", service.server.core.lease_reads_served),
    ]
    if _mode(service) == "leader":
        figures.append(("zk_followers", len(service.config.servers) - 1))
    return "".join(f"{key}\t{value}\n" for key, value in figures)


def _envi(service: ZooKeeperService) -> str:
    pairs = [
        ("zookeeper.version", VERSION),
        ("host.name", socket.gethostname()),
        ("java.version", f"Python {platform.python_version()}"),
        ("java.vendor", platform.python_implementation()),
        ("java.home", sys.prefix),
        ("java.class.path", ""),
        ("os.name", platform.system()),
        ("os.arch", platform.machine()),
        ("os.version", platform.release()),
        ("user.name", os.environ.get("USER", "")),
        ("user.dir", os.getcwd()),
    ]
    return "Environment:\n" + "".join(f"{k}={v}\n" for k, v in pairs)


def _conf(service: ZooKeeperService) -> str:
    config = service.config
    ports: list[tuple[str, object]] = []
    if config.client_port is not None:
        ports += [("clientPort", config.client_port)]
    if config.secure_client_port is not None:
        ports += [("secureClientPort", config.secure_client_port)]
    pairs = [
        *ports,
        ("clientPortAddress", config.client_port_address),
        ("dataDir", config.data_dir),
        ("tickTime", config.tick_time),
        ("maxClientCnxns", config.max_client_cnxns),
        ("minSessionTimeout", config.min_session_timeout),
        ("maxSessionTimeout", config.max_session_timeout),
        ("serverId", config.my_id),
    ]
    return "".join(f"{k}={v}\n" for k, v in pairs)


def _open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1
