"""One client connection of the ZooKeeper service, its requests from arrival to reply, and the
reply frames the service sends (see `impl.coord.service`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from impl.coord.jute import (
    NOTIFICATION_XID,
    ConnectResponse,
    ReplyHeader,
    WatcherEvent,
    Writer,
    frame,
)
from impl.coord.records import Trigger
from impl.coord.requests import Decoded, Identity
from impl.net.ratelog import RateLimitedLog
from impl.paxos.membership import ConfigChange

log = logging.getLogger("paxoscope.zookeeper")
_slow_log = RateLimitedLog(log)
SYNC_CONNECTED = 3


class WritesInFlight:
    """The seqs of a connection's writes in flight: added in increasing order, discarded in
    any; `oldest` in constant time, amortized (replies come in order, nearly always), where
    the minimum of a set of them cost a pass over up to a window of them per write."""

    __slots__ = ("_live", "_order")

    def __init__(self) -> None:
        self._order: deque[int] = deque()  # every seq added, oldest first, less some discarded
        self._live: set[int] = set()

    def add(self, seq: int) -> None:
        assert not self._order or seq > self._order[-1], "seqs are added in increasing order"
        self._order.append(seq)
        self._live.add(seq)

    def discard(self, seq: int) -> None:
        self._live.discard(seq)
        order, live = self._order, self._live
        while order and order[0] not in live:
            order.popleft()

    def oldest(self) -> int | None:
        return self._order[0] if self._order else None


@dataclass
class Op:
    """One request of a connection, from arrival to its reply."""

    xid: int
    kind: str  # "write", "read", or "local" (answered without the log)
    decoded: Decoded | None = None
    command: bytes = b""  # a write's encoded Txn
    config: ConfigChange | None = None  # a reconfig's membership change
    query: bytes = b""  # a read's encoded query
    on_done: Callable[[Connection, Op, bytes], bytes] | None = None  # builds the reply
    reply: bytes | None = None  # the reply frame, once known
    started: float = 0.0


@dataclass(eq=False)
class Connection:
    writer: asyncio.StreamWriter
    client_id: int
    host: str  # the client's address (its ip identity, and what maxClientCnxns counts)
    peer: str  # host:port, for logs and `cons`
    session: int = 0
    timeout: int = 0
    identities: list[Identity] = field(default_factory=list)
    order: deque[Op] = field(default_factory=deque)  # every op not yet answered, in order
    ops: dict[int, Op] = field(default_factory=dict)  # submitted ops, by seq
    waiting: deque[Op] = field(default_factory=deque)  # ops not yet submitted
    running: int = 0  # submitted and not answered
    running_kind: str = ""
    seq: int = 0
    writes: WritesInFlight = field(default_factory=WritesInFlight)
    room: asyncio.Event = field(default_factory=asyncio.Event)
    connecting: asyncio.Future[str] | None = None  # "ok", "expired" or "failed"
    received: int = 0
    sent: int = 0
    closed: bool = False
    unread_limit: int = 0  # bytes of replies not yet read by the client (0: no limit)

    # The first frame sent in a turn of the event loop is written at once; the others sent in
    # that turn are gathered and written together at its end (one system call for a batch of
    # replies, instead of one per reply).
    _gathering: bool = False
    _out: list[bytes] = field(default_factory=list)

    def send(self, data: bytes) -> None:
        if self.closed or self.writer.is_closing():
            return
        self.sent += 1
        if self._gathering:
            self._out.append(data)
            return
        self._gathering = True
        asyncio.get_running_loop().call_soon(self.flush)
        self._write(data)

    def flush(self) -> None:
        """Write what `send` gathered in this turn."""
        self._gathering = False
        if self._out:
            data = b"".join(self._out)
            self._out.clear()
            self._write(data)

    def _write(self, data: bytes) -> None:
        """Write `data`; drop the connection if the client leaves too much unread."""
        if self.closed or self.writer.is_closing():
            return
        self.writer.write(data)
        if self.unread_limit and self.writer.transport.get_write_buffer_size() > self.unread_limit:
            _slow_log.log(
                logging.WARNING,
                "slow reader",
                "dropping the connection from %s: it leaves more than %d bytes of replies unread",
                self.peer,
                self.unread_limit,
            )
            self.closed = True
            self.writer.transport.abort()  # close() would keep the replies until they are sent

    def close(self) -> None:
        self.flush()  # what was sent before the close goes out before it
        self.closed = True
        self.writer.close()

    def acl_identities(self) -> tuple[Identity, ...]:
        """Whom ACLs see: the connection's address, and every identity it authenticated as."""
        return (("ip", self.host), *self.identities)


def now_ms() -> int:
    """Wall-clock ms: a session id's start time, a node's ctime and mtime."""
    return int(time.time() * 1000)


def header_bytes(xid: int, zxid: int, err: int) -> bytes:
    return ReplyHeader.pack(xid, zxid, err)


def header_frame(xid: int, zxid: int, err: int) -> bytes:
    return frame(header_bytes(xid, zxid, err))


def event_frame(zxid: int, trigger: Trigger) -> bytes:
    w = Writer()
    ReplyHeader(NOTIFICATION_XID, zxid, 0).write(w)
    WatcherEvent(int(trigger.type), SYNC_CONNECTED, trigger.path).write(w)
    return frame(w.getvalue())


def connect_frame(response: ConnectResponse) -> bytes:
    w = Writer()
    response.write(w)
    return frame(w.getvalue())
