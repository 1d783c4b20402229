"""Which client connections a server takes, and how long one may take to say what it wants.

Every connection is counted from the moment it is accepted, whatever it sends (a ConnectRequest,
a four-letter word, or nothing at all), as ZooKeeper's NIOServerCnxnFactory counts it:

- at most `maxClientCnxns` from one address (0: no limit), and at most `maxCnxns` in all
  (ZooKeeper 3.7's; 0: no limit); a connection over either is closed at once;
- at most as many as the process can hold open while keeping the file descriptors the server
  itself needs (its log's next segment, a snapshot being written, its peers, its listening
  sockets): RLIMIT_NOFILE less what is open when the server starts, less `SPARE_DESCRIPTORS`
  and two per peer. Idle clients can then never take the descriptors the log needs, and the
  listener's own out-of-descriptors back-pressure (`impl.net.listener`) is the last resort;
- a connection that has not completed its handshake (sent its ConnectRequest, or its
  four-letter word and read the answer) within `nio.sessionlessCnxnTimeout` ms is closed, as
  ZooKeeper closes a connection without a session after zookeeper.nio.sessionlessCnxnTimeout.

What clients can make happen as often as they like is logged at most once per
`LOG_INTERVAL_S` per kind, with a count of the lines left out (ZooKeeper's RateLogger).
"""

from __future__ import annotations

import logging
import os
import resource

from impl.net.config import ServerConfig
from impl.net.ratelog import RateLimitedLog

log = logging.getLogger("paxoscope.zookeeper")

SPARE_DESCRIPTORS = 32
LOG_INTERVAL_S = 10.0


def open_descriptors() -> int:
    """How many file descriptors this process has open (Linux's /proc; elsewhere a guess)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 64


def descriptor_budget(config: ServerConfig) -> int | None:
    """How many client connections this process can hold on top of what it has open now and
    keeps in reserve; None when the descriptor limit is unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    reserve = SPARE_DESCRIPTORS + 2 * len(config.peers) + 2  # two listening sockets
    return max(1, soft - open_descriptors() - reserve)


class Admission:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._by_host: dict[str, int] = {}
        self._total = 0
        self._budget: int | None = None
        self._log = RateLimitedLog(log, LOG_INTERVAL_S)

    def measure(self) -> None:
        """Take the descriptor budget from what is open now (the server calls this once its
        storage is open, before it accepts anything)."""
        self._budget = descriptor_budget(self.config)
        limit = self._budget
        if limit is not None and limit < max(self.config.max_client_cnxns, 1):
            log.warning(
                "n%d: the file-descriptor limit (RLIMIT_NOFILE %d) leaves room for %d client "
                "connections; raise it (ulimit -n) to serve more",
                self.config.my_id,
                resource.getrlimit(resource.RLIMIT_NOFILE)[0],
                limit,
            )

    @property
    def handshake_timeout_s(self) -> float:
        return self.config.sessionless_cnxn_timeout / 1000

    @property
    def total(self) -> int:
        return self._total

    def admit(self, host: str) -> bool:
        """Count a connection just accepted from `host`, or say it must be closed (logged)."""
        me = self.config.my_id
        most = self.config.max_cnxns
        if most and self._total >= most:
            self._log.log(
                logging.WARNING,
                "maxCnxns",
                "n%d: closing a new connection from %s: too many connections, max allowed is %d",
                me,
                host,
                most,
            )
            return False
        if self._budget is not None and self._total >= self._budget:
            self._log.log(
                logging.WARNING,
                "descriptors",
                "n%d: closing a new connection from %s: too many connections for the "
                "file-descriptor limit (RLIMIT_NOFILE %d: room for %d client connections)",
                me,
                host,
                resource.getrlimit(resource.RLIMIT_NOFILE)[0],
                self._budget,
            )
            return False
        per_host = self.config.max_client_cnxns
        if per_host and self._by_host.get(host, 0) >= per_host:
            self._log.log(
                logging.WARNING,
                "maxClientCnxns",
                "n%d: closing a new connection from %s: too many connections from %s, max "
                "is %d (maxClientCnxns)",
                me,
                host,
                host,
                per_host,
            )
            return False
        self._by_host[host] = self._by_host.get(host, 0) + 1
        self._total += 1
        return True

    def release(self, host: str) -> None:
        """A connection `admit` counted has closed."""
        left = self._by_host[host] - 1
        if left:
            self._by_host[host] = left
        else:
            del self._by_host[host]
        self._total -= 1

    def timed_out(self, peer: str) -> None:
        self._log.log(
            logging.INFO,
            "handshake",
            "n%d: closing the connection from %s: no session or four-letter word within "
            "%d ms (nio.sessionlessCnxnTimeout)",
            self.config.my_id,
            peer,
            self.config.sessionless_cnxn_timeout,
        )
