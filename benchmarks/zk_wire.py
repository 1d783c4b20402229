"""A minimal ZooKeeper wire-protocol client for benchmarks/zk_compare.py: sessions, then GetData,
Create and SetData one at a time or pipelined, every reply checked.

It speaks jute with `struct` alone and imports nothing of paxoscope's server, so Apache ZooKeeper
and paxoscope get the very same bytes. A frame is a 4-byte big-endian length and a body; the
first request of a connection is a ConnectRequest, every later one a (xid, opcode) header and
the opcode's record; a reply is an (xid, zxid, err) header and, when err is 0, the opcode's
response record. Replies are matched to requests by xid. A reply counts as a success only when
err is 0 and its record is the expected one: a get's data is the value written (every reply is
compared), a create returns the path asked for, a set returns a Stat of the new value's length.
An error code counts as an error and a wrong record as a mismatch, never as a success.

`pipelined()` keeps `window` requests in flight on each of several sessions from one thread
(non-blocking sockets, a selector; each read decodes every whole reply it got, then tops the
session up again with one send). `ceiling()` runs the same encode and decode code on replies
made up in memory, with no sockets: the most this client can do per second of its CPU.
"""

from __future__ import annotations

import selectors
import socket
import struct
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

GET_DATA, CREATE, SET_DATA, CLOSE_SESSION = 4, 1, 5, -11
PING_XID, NOTIFICATION_XID = -2, -1
STAT_BYTES = 68  # czxid mzxid ctime mtime (8 each) version cversion aversion (4) owner (8) ...
DATA_LENGTH_AT = 52  # ... dataLength numChildren (4) pzxid (8)

_INT = struct.Struct(">i")
_REPLY = struct.Struct(">iqi")  # xid, zxid, err (after the frame's length)
_REQUEST = struct.Struct(">iiii")  # length, xid, opcode, path length (its first field)
_CONNECT = struct.Struct(">iiqiqi")  # length, version, last zxid, timeout ms, session, passwd len
_CONNECTED = struct.Struct(">iiq")  # version, timeout ms, session (after the frame's length)
# Create's tail: a vector of one ACL (perms ALL=31, scheme "world", id "anyone"), flags 0.
_OPEN_ACL_FLAGS = struct.pack(">iii5si6si", 1, 31, 5, b"world", 6, b"anyone", 0)
_ANY_VERSION = struct.pack(">i", -1)

Encoder = Callable[[int, bytes], bytes]
Checker = Callable[[bytearray, int, int, bytes], bool]


class ProtocolError(Exception):
    """A reply this client cannot account for: a wrong xid, a refused session."""


@dataclass(frozen=True)
class Operation:
    """How to encode one request of a kind and check its reply's record."""

    name: str
    encode: Encoder
    check: Checker
    reply: Callable[[bytes], bytes]  # a well-formed reply record for a path (for `ceiling`)


def operations(value: bytes, updated: bytes) -> dict[str, Operation]:
    """`create` writes `value`, `get` expects `value`, `set` writes `updated`."""
    value_record = _INT.pack(len(value)) + value
    stat = bytearray(STAT_BYTES)
    _INT.pack_into(stat, DATA_LENGTH_AT, len(value))
    get_reply = value_record + bytes(stat)
    _INT.pack_into(stat, DATA_LENGTH_AT, len(updated))
    set_reply = bytes(stat)
    create_tail = value_record + _OPEN_ACL_FLAGS
    set_tail = _INT.pack(len(updated)) + updated + _ANY_VERSION
    get_length = len(value_record)

    def encode_get(xid: int, path: bytes) -> bytes:
        # xid, opcode, path, watch=false
        return _REQUEST.pack(13 + len(path), xid, GET_DATA, len(path)) + path + b"\x00"

    def encode_create(xid: int, path: bytes) -> bytes:
        return (
            _REQUEST.pack(12 + len(path) + len(create_tail), xid, CREATE, len(path))
            + path
            + create_tail
        )

    def encode_set(xid: int, path: bytes) -> bytes:
        return (
            _REQUEST.pack(12 + len(path) + len(set_tail), xid, SET_DATA, len(path))
            + path
            + set_tail
        )

    def check_get(buf: bytearray, start: int, end: int, path: bytes) -> bool:
        return end - start == get_length + STAT_BYTES and buf[start : start + get_length] == (
            value_record
        )

    def check_create(buf: bytearray, start: int, end: int, path: bytes) -> bool:
        return end - start == 4 + len(path) and buf[start + 4 : end] == path

    def check_set(buf: bytearray, start: int, end: int, path: bytes) -> bool:
        return end - start == STAT_BYTES and _INT.unpack_from(buf, start + DATA_LENGTH_AT)[0] == (
            len(updated)
        )

    return {
        "create": Operation("create", encode_create, check_create, lambda p: _INT.pack(len(p)) + p),
        "get": Operation("get", encode_get, check_get, lambda p: get_reply),
        "set": Operation("set", encode_set, check_set, lambda p: set_reply),
    }


@dataclass
class Work:
    """The paths of one measurement, handed out in order to whichever session has room, until
    they run out or `deadline` (perf_counter) passes."""

    paths: Sequence[bytes]
    deadline: float = float("inf")
    taken: int = 0
    stopped: bool = False

    def take(self, n: int) -> Sequence[bytes]:
        if self.stopped or time.perf_counter() > self.deadline:
            self.stopped = True
            return ()
        batch = self.paths[self.taken : self.taken + n]
        self.taken += len(batch)
        self.stopped = self.taken >= len(self.paths)
        return batch


@dataclass
class Tally:
    """What the replies said: successes, error codes, records not the expected ones."""

    ok: int = 0
    errors: Counter[int] = field(default_factory=Counter)
    mismatches: int = 0

    @property
    def failures(self) -> int:
        return sum(self.errors.values()) + self.mismatches

    def add(self, other: Tally) -> None:
        self.ok += other.ok
        self.errors.update(other.errors)
        self.mismatches += other.mismatches


class Session:
    """One connection and its ZooKeeper session. `sock` None: no network (for `ceiling`)."""

    def __init__(self, sock: socket.socket | None) -> None:
        self.sock = sock
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.pending: dict[int, bytes] = {}  # xid -> path
        self.next_xid = 1
        self.tally = Tally()
        self.operation: Operation | None = None
        self.session_id = 0

    @classmethod
    def connect(
        cls, address: tuple[str, int], session_ms: int = 30000, timeout: float = 30.0
    ) -> Session:
        sock = socket.create_connection(address, timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # ConnectRequest: version 0, last zxid 0, timeout, session 0, 16-byte password 0,
            # readOnly false.
            sock.sendall(_CONNECT.pack(45, 0, 0, session_ms, 0, 16) + bytes(16) + b"\x00")
            session = cls(sock)
            body = session._read_frame(time.monotonic() + timeout)
            _version, negotiated, session_id = _CONNECTED.unpack_from(body, 0)
            if negotiated <= 0 or session_id == 0:
                raise ProtocolError(f"{address}: session refused (timeout {negotiated})")
            session.session_id = session_id
            return session
        except BaseException:
            sock.close()
            raise

    def _read_frame(self, deadline: float) -> bytes:
        """One whole frame's body, blocking (the socket's own timeout bounds each read)."""
        assert self.sock is not None
        while True:
            if len(self.inbuf) >= 4:
                end = 4 + _INT.unpack_from(self.inbuf, 0)[0]
                if len(self.inbuf) >= end:
                    body = bytes(self.inbuf[4:end])
                    del self.inbuf[:end]
                    return body
            if time.monotonic() > deadline:
                raise TimeoutError("no whole reply in time")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.inbuf += chunk

    def close(self) -> None:
        """CloseSession (its reply awaited briefly), then the socket; errors ignored."""
        if self.sock is None:
            return
        try:
            self.sock.settimeout(5.0)
            self.sock.sendall(struct.pack(">iii", 8, self.next_xid, CLOSE_SESSION))
            self._read_frame(time.monotonic() + 5.0)
        except OSError:
            pass
        finally:
            self.sock.close()

    # --- requests and replies -----------------------------------------------------------------

    def top_up(self, work: Work, window: int) -> None:
        """Encode requests into `outbuf` until `window` are in flight or the work runs out."""
        room = window - len(self.pending)
        if room <= 0:
            return
        assert self.operation is not None
        encode = self.operation.encode
        out, pending, xid = self.outbuf, self.pending, self.next_xid
        for path in work.take(room):
            out += encode(xid, path)
            pending[xid] = path
            xid += 1
        self.next_xid = xid

    def feed(self, data: bytes) -> int:
        """Decode and check every whole reply in `inbuf` + `data`; how many requests finished."""
        assert self.operation is not None
        check = self.operation.check
        buf, pending, tally = self.inbuf, self.pending, self.tally
        buf += data
        size, offset, finished = len(buf), 0, 0
        while size - offset >= 4:
            end = offset + 4 + _INT.unpack_from(buf, offset)[0]
            if end > size:
                break
            xid, _zxid, err = _REPLY.unpack_from(buf, offset + 4)
            if xid < 0:  # a ping's reply or a watch notification (none are set): not ours
                if xid not in (PING_XID, NOTIFICATION_XID):
                    raise ProtocolError(f"a reply with xid {xid}")
                offset = end
                continue
            path = pending.pop(xid, None)
            if path is None:
                raise ProtocolError(f"a reply with xid {xid}, which is not in flight")
            if err:
                tally.errors[err] += 1
            elif check(buf, offset + 20, end, path):
                tally.ok += 1
            else:
                tally.mismatches += 1
            finished += 1
            offset = end
        if offset:
            del buf[:offset]
        return finished

    def call(self, path: bytes, deadline: float) -> None:
        """One request, blocking until its reply (sequential measurements)."""
        assert self.sock is not None and self.operation is not None
        xid = self.next_xid
        self.next_xid += 1
        self.pending[xid] = path
        self.sock.sendall(self.operation.encode(xid, path))
        while self.pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply to xid {xid} in time")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.feed(chunk)


def sequential(
    session: Session, operation: Operation, paths: Sequence[bytes], seconds: float
) -> tuple[Tally, float, list[float]]:
    """One request at a time until `paths` run out or `seconds` pass: (tally, elapsed seconds,
    latency of each successful request)."""
    assert session.sock is not None
    session.sock.settimeout(30.0)
    session.operation = operation
    session.tally = Tally()
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    for path in paths:
        before = time.perf_counter()
        ok = session.tally.ok
        session.call(path, time.monotonic() + 60.0)
        if session.tally.ok > ok:
            latencies.append(time.perf_counter() - before)
        if before > deadline:
            break
    return session.tally, time.perf_counter() - started, latencies


def pipelined(
    sessions: Sequence[Session],
    operation: Operation,
    paths: Sequence[bytes],
    window: int,
    seconds: float,
    grace: float = 60.0,
) -> tuple[Tally, float]:
    """`window` requests in flight on each session, from one shared list of `paths`, until it
    runs out or `seconds` pass (then what is in flight is awaited, `grace` seconds at most):
    (tally, elapsed seconds)."""
    selector = selectors.DefaultSelector()
    started = time.perf_counter()
    work = Work(paths, started + seconds)
    give_up = started + seconds + grace
    writing: set[Session] = set()

    def flush(session: Session) -> None:
        assert session.sock is not None
        if session.outbuf:
            try:
                sent = session.sock.send(session.outbuf)
            except BlockingIOError:
                sent = 0
            del session.outbuf[:sent]
        wants_write = bool(session.outbuf)
        if wants_write != (session in writing):
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if wants_write else 0)
            selector.modify(session.sock, events, session)
            (writing.add if wants_write else writing.discard)(session)

    try:
        for session in sessions:
            assert session.sock is not None
            session.sock.setblocking(False)
            session.operation = operation
            session.tally = Tally()
            selector.register(session.sock, selectors.EVENT_READ, session)
        for session in sessions:
            session.top_up(work, window)
            flush(session)
        while not work.stopped or any(s.pending for s in sessions):
            if time.perf_counter() > give_up:
                in_flight = sum(len(s.pending) for s in sessions)
                raise TimeoutError(f"{in_flight} requests unanswered {grace} s after the last")
            for key, events in selector.select(timeout=1.0):
                session = key.data
                if events & selectors.EVENT_READ:
                    try:
                        chunk = session.sock.recv(1 << 18)
                    except BlockingIOError:
                        chunk = None
                    if chunk == b"":
                        raise ConnectionError("the server closed the connection")
                    if chunk:
                        session.feed(chunk)
                session.top_up(work, window)
                flush(session)
        elapsed = time.perf_counter() - started
    finally:
        selector.close()
        for session in sessions:
            if session.sock is not None:
                session.sock.setblocking(True)
    tally = Tally()
    for session in sessions:
        tally.add(session.tally)
    return tally, elapsed


def ceiling(operation: Operation, requests: int, window: int) -> float:
    """Requests per second of this thread's CPU that `top_up` and `feed` handle with no network:
    requests encoded a window at a time, then their replies (made up beforehand) decoded and
    checked. The network's system calls come on top in a real run."""
    session = Session(None)
    session.operation = operation
    paths = [f"/zkcompare-ceiling/n{i}".encode() for i in range(requests)]
    work = Work(paths)
    # Every window's replies, as a server would send them, made before the clock starts.
    replies: list[bytes] = []
    for first in range(0, requests, window):
        frames = bytearray()
        for i in range(first, min(first + window, requests)):
            record = _REPLY.pack(i + 1, i + 1, 0) + operation.reply(paths[i])
            frames += _INT.pack(len(record)) + record
        replies.append(bytes(frames))
    spent = 0.0
    for reply in replies:
        before = time.thread_time()
        session.top_up(work, window)
        session.outbuf.clear()  # what a send would take
        session.feed(reply)
        spent += time.thread_time() - before
    if session.tally.ok != requests or session.pending:
        raise AssertionError(f"ceiling: {session.tally} for {requests} requests")
    return requests / max(spent, 1e-9)
