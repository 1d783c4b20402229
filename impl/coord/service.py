"""The ZooKeeper-compatible service: the znode tree on the replicated log, serving ZooKeeper's
client protocol on the client port (see `impl.net.service` for how a server runs a service).

Every server serves clients. Writes become `Txn`s on the log (a follower forwards them to the
leader); reads are answered at a read index, so they are linearizable (stronger than
ZooKeeper's, whose reads may be stale on a follower). Per connection, ZooKeeper's order holds:

- replies go out in request order; a read waits for the connection's earlier writes and a write
  for its earlier reads (runs of reads, or of writes, are pipelined);
- a reply leaves the moment the replica applies the write or answers the read, and a write's
  watch events leave while it is applied, so a client sees the events of a change before the
  reply to any later read (the replica hands replies over at once: `immediate_replies`).

A server serves (takes new sessions, and says so in `srvr`) once it is in sync with a leader
(`impl.coord.syncing`); until then it closes new connections after their ConnectRequest.

Work the replica gives up on (the leader changed, or it took too long) closes the connection,
as ZooKeeper closes its connections when it loses its leader: the client gets ConnectionLoss,
reconnects (to any server) and keeps its session. Sessions are created and closed through the
log; the leader decides expiry (`impl.coord.sessions`). Watches live on the server a client is
connected to, and are set again on reconnect (SetWatches).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import msgspec

from impl.coord import fourletter
from impl.coord.admission import Admission
from impl.coord.errors import Code, KeeperError
from impl.coord.jute import (
    NOTIFICATION_XID,
    PING_XID,
    ConnectRequest,
    ConnectResponse,
    JuteError,
    OpCode,
    Reader,
    ReplyHeader,
    RequestHeader,
    SetWatches,
    WatcherEvent,
    Writer,
    frame,
)
from impl.coord.messages import (
    ACLReply,
    CloseSession,
    CreateSession,
    ErrorResult,
    Exists,
    GetACL,
    GetSessions,
    Outcome,
    SessionsReply,
    StatReply,
    Txn,
    decode_outcome,
    decode_reply,
    encode,
    txn,
)
from impl.coord.records import EventType, Perms, Stat, Trigger, permitted
from impl.coord.requests import (
    READS,
    WRITES,
    Decoded,
    Identity,
    decode,
    digest_identity,
    read_response,
    write_response,
)
from impl.coord.sessions import ExpiryClock, first_session_id, next_session_id, password
from impl.coord.syncing import LeaderSync
from impl.coord.tree import DataTree
from impl.coord.watches import WatchManager
from impl.net.config import IDENTITY_BYTES, ServerConfig
from impl.net.framing import FrameError, read_frame_after, read_header
from impl.net.ratelog import RateLimitedLog
from impl.paxos.replica import Role
from impl.paxos.types import Command, Read, Reply

if TYPE_CHECKING:
    from impl.net.server import ReplicaServer

log = logging.getLogger("paxoscope.zookeeper")

INFLIGHT = 4_096  # requests one connection may have queued or in flight
# Replies a client has not read yet, in jute.maxbuffers: beyond PAUSE its requests are not read
# until it catches up; beyond LIMIT (a client that does not read at all, while replies to what
# it sent before keep coming) the connection is dropped, so no client holds the server's memory.
UNREAD_PAUSE = 4
UNREAD_LIMIT = 16
REPORT_EVERY_S = 0.1  # how often servers tell the leader which sessions are alive
_SYNC_CONNECTED = 3
# The permission each read needs (ZooKeeper's FinalRequestProcessor); exists needs none.
_READ_PERMS = {
    OpCode.GET_DATA: Perms.READ,
    OpCode.GET_CHILDREN: Perms.READ,
    OpCode.GET_CHILDREN2: Perms.READ,
    OpCode.GET_ALL_CHILDREN_NUMBER: Perms.READ,
    OpCode.GET_ACL: Perms.READ | Perms.ADMIN,
}
_session_list = msgspec.msgpack.Decoder(list[int])
_slow_log = RateLimitedLog(log)


class _ServedTree(DataTree):
    """The tree, telling the service what each write did the moment it is applied, and when
    it was replaced by a snapshot (writes the service never saw, so fired no watches for)."""

    def __init__(
        self, on_applied: Callable[[int, Txn, Outcome], None], on_restored: Callable[[], None]
    ) -> None:
        super().__init__()
        self._on_applied = on_applied
        self._on_restored = on_restored

    def execute(self, zxid: int, command: Txn) -> Outcome:
        outcome = super().execute(zxid, command)
        self._on_applied(zxid, command, outcome)
        return outcome

    def restore(self, data: bytes) -> None:
        super().restore(data)
        self._on_restored()


@dataclass
class _Op:
    """One request of a connection, from arrival to its reply."""

    xid: int
    kind: str  # "write", "read", or "local" (answered without the log)
    decoded: Decoded | None = None
    command: bytes = b""  # a write's encoded Txn
    query: bytes = b""  # a read's encoded query
    on_done: Callable[[_Connection, _Op, bytes], bytes] | None = None  # builds the reply
    reply: bytes | None = None  # the reply frame, once known
    started: float = 0.0


@dataclass(eq=False)
class _Connection:
    writer: asyncio.StreamWriter
    client_id: int
    host: str  # the client's address (its ip identity, and what maxClientCnxns counts)
    peer: str  # host:port, for logs and `cons`
    session: int = 0
    timeout: int = 0
    identities: list[Identity] = field(default_factory=list)
    order: deque[_Op] = field(default_factory=deque)  # every op not yet answered, in order
    ops: dict[int, _Op] = field(default_factory=dict)  # submitted ops, by seq
    waiting: deque[_Op] = field(default_factory=deque)  # ops not yet submitted
    running: int = 0  # submitted and not answered
    running_kind: str = ""
    seq: int = 0
    writes: set[int] = field(default_factory=set)  # seqs of writes in flight
    room: asyncio.Event = field(default_factory=asyncio.Event)
    connecting: asyncio.Future[str] | None = None  # "ok", "expired" or "failed"
    received: int = 0
    sent: int = 0
    closed: bool = False
    unread_limit: int = 0  # bytes of replies not yet read by the client (0: no limit)

    def send(self, data: bytes) -> None:
        if self.closed or self.writer.is_closing():
            return
        self.writer.write(data)
        self.sent += 1
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
        self.closed = True
        self.writer.close()

    def acl_identities(self) -> tuple[Identity, ...]:
        """Whom ACLs see: the connection's address, and every identity it authenticated as."""
        return (("ip", self.host), *self.identities)


class ZooKeeperService:
    forward = True
    immediate_replies = True

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.tree = _ServedTree(self._applied, self._restored)
        self._server: ReplicaServer | None = None
        self._connections: set[_Connection] = set()
        self._by_session: dict[int, set[_Connection]] = {}
        self._by_client: dict[int, _Connection] = {}  # by the client id of its commands
        self._admission = Admission(config)
        self._log = RateLimitedLog(log)  # for what clients can make happen again and again
        self._watches: WatchManager[_Connection] = WatchManager()
        self._own_id = secrets.randbits(62) | 1  # the client id of our own proposals
        self._own_seq = 0
        self._sync = LeaderSync(config.my_id, encode(Exists("/")))
        self._next_session = first_session_id(config.my_id, _now_ms())
        self._expiry = ExpiryClock()
        self._alive: set[int] = set()  # sessions heard from since the last report
        self._report_at = 0.0
        self.stats = fourletter.Counters()

    @property
    def machine(self) -> DataTree:
        return self.tree

    # --- the Service protocol ----------------------------------------------------------------

    def attach(self, server: ReplicaServer) -> None:
        self._server = server
        self._admission.measure()

    @property
    def server(self) -> ReplicaServer:
        assert self._server is not None, "attach() first"
        return self._server

    def admit(self, host: str) -> bool:
        """Count a connection in the moment it is accepted, whatever it goes on to send, or
        refuse it (see `impl.coord.admission`)."""
        return self._admission.admit(host)

    def release(self, host: str) -> None:
        self._admission.release(host)

    async def serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        address = writer.get_extra_info("peername")
        host, peer = address[0], f"{address[0]}:{address[1]}"
        limit = self.config.jute_max_buffer
        try:
            # The handshake: a four-letter word (answered and read), or a ConnectRequest.
            async with asyncio.timeout(self._admission.handshake_timeout_s):
                first = await read_header(reader)
                if first is None:
                    return
                word = first.decode("latin-1")
                if word in fourletter.WORDS:
                    writer.write(fourletter.answer(word, self))
                    with contextlib.suppress(OSError, ConnectionError):
                        await writer.drain()
                    return
                hello = await read_frame_after(_length_checked(first, limit), reader, limit)
        except TimeoutError:
            self._admission.timed_out(peer)
            return
        if not self.serving:
            # ZooKeeper closes it too ("ZooKeeperServer not running"); the client tries
            # another server, or this one again.
            self._log.log(
                logging.INFO,
                "not serving",
                "n%d: closing the connection from %s: not in sync with a leader, not serving",
                self.config.my_id,
                peer,
            )
            return
        conn = _Connection(writer, secrets.randbits(62) | 1, host, peer)
        conn.unread_limit = UNREAD_LIMIT * limit
        writer.transport.set_write_buffer_limits(high=UNREAD_PAUSE * limit)
        self._connections.add(conn)
        self._by_client[conn.client_id] = conn
        try:
            if not await self._connect(conn, ConnectRequest.read(Reader(hello))):
                return
            while (header := await read_header(reader)) is not None:
                body = await read_frame_after(_length_checked(header, limit), reader, limit)
                conn.received += 1
                self.stats.received += 1
                if conn.session:
                    self._alive.add(conn.session)
                self._request(conn, body)
                while len(conn.order) >= INFLIGHT and not conn.closed:
                    conn.room.clear()
                    await conn.room.wait()
                if writer.transport.get_write_buffer_size() > UNREAD_PAUSE * limit:
                    await writer.drain()  # until the client has read most of its replies
                if conn.closed:
                    return
        except JuteError as error:
            raise FrameError(f"malformed request: {error}") from None
        finally:
            self._forget(conn)

    def on_reply(self, reply: Reply) -> None:
        if reply.client_id == self._sync.client_id:
            self._sync.answered(reply, self.server.core)
            return
        conn = self._by_client.get(reply.client_id)
        op = conn.ops.pop(reply.seq, None) if conn is not None else None
        if conn is None or op is None:
            return
        if not reply.ok:
            # The replica gave up (leader changed, or no answer in time): the client must
            # learn that the outcome is unknown, which in ZooKeeper is ConnectionLoss.
            if not conn.closed:
                log.info(
                    "n%d: closing %s: a request was not answered", self.config.my_id, conn.peer
                )
            if conn.connecting is not None and not conn.connecting.done():
                conn.connecting.set_result("failed")
            conn.close()
            return
        assert op.on_done is not None
        op.reply = op.on_done(conn, op, reply.result)
        conn.running -= 1
        if op.kind == "write":
            conn.writes.discard(reply.seq)
        self._finish(conn)

    def on_gossip(self, sender: int, payload: bytes) -> None:
        if self.server.core.role is Role.LEADER:
            self._expiry.touch(_session_list.decode(payload), time.monotonic() * 1000)

    def on_tick(self) -> None:
        probe = self._sync.probe(self.server.core)
        if probe is not None:
            self.server.read(probe)
        now = time.monotonic()
        if now < self._report_at:
            return
        self._report_at = now + REPORT_EVERY_S
        core = self.server.core
        alive, self._alive = self._alive, set()
        if core.role is Role.LEADER:
            self._expiry.touch(alive, now * 1000)
            self._expire(now * 1000)
        else:
            self._expiry.reset()
            if alive and core.leader:
                self.server.gossip(core.leader, msgspec.msgpack.encode(sorted(alive)))

    def close(self) -> None:
        for conn in list(self._connections):
            conn.close()

    @property
    def serving(self) -> bool:
        """In sync with the current leader (see `impl.coord.syncing`)."""
        return self._sync.serving(self.server.core)

    # --- sessions ----------------------------------------------------------------------------

    async def _connect(self, conn: _Connection, request: ConnectRequest) -> bool:
        """Create or resume the session (through the log, or a read index), answer the
        ConnectRequest, and say whether the connection goes on."""
        timeout = min(
            max(request.timeout, self.config.min_session_timeout),
            self.config.max_session_timeout,
        )
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        conn.connecting = done
        if request.session_id == 0:
            session = self._next_session
            self._next_session = next_session_id(session)

            def created(conn: _Connection, op: _Op, result: bytes) -> bytes:
                done.set_result("ok" if decode_outcome(result).err == Code.OK else "failed")
                return b""

            command = txn(CreateSession(timeout), session, _now_ms())
            self._start(conn, _Op(0, "write", command=command, on_done=created))
        else:
            session = request.session_id

            def found(conn: _Connection, op: _Op, result: bytes) -> bytes:
                reply = decode_reply(result)
                live = isinstance(reply, SessionsReply) and any(
                    s.id == session for s in reply.sessions
                )
                done.set_result(
                    "ok" if live and request.password == password(session) else "expired"
                )
                return b""

            self._start(conn, _Op(0, "read", query=encode(GetSessions()), on_done=found))
        outcome = await done
        conn.connecting = None
        if outcome == "expired":
            # What ZooKeeper answers for an expired or unknown session: timeout 0.
            log.info(
                "n%d: session 0x%x has expired; telling %s", self.config.my_id, session, conn.peer
            )
            conn.send(_frame_of(ConnectResponse(0, 0, 0, bytes(16))))
        if outcome != "ok":
            return False
        conn.session, conn.timeout = session, timeout
        self._by_session.setdefault(session, set()).add(conn)
        self._alive.add(session)
        conn.send(_frame_of(ConnectResponse(0, timeout, session, password(session))))
        return True

    def _expire(self, now_ms: float) -> None:
        for session in self._expiry.expired(self.tree.session_timeouts(), now_ms):
            log.info("n%d: session 0x%x expired", self.config.my_id, session)
            self._own_seq += 1
            command = Command(
                self._own_id,
                self._own_seq,
                self._own_seq - 1,
                txn(CloseSession(), session, _now_ms()),
            )
            self.server.submit(command)

    # --- requests ----------------------------------------------------------------------------

    def _request(self, conn: _Connection, body: bytes) -> None:
        """One request. A header that does not parse, or an auth packet, closes the
        connection (ZooKeeperServer.processPacket fails with an IOException); any other record
        that does not parse is answered MARSHALLINGERROR, as PrepRequestProcessor (writes) and
        FinalRequestProcessor (reads) answer it."""
        r = Reader(body)
        header = RequestHeader.read(r)  # a JuteError closes the connection
        try:
            self._dispatch(conn, header, r)
        except JuteError as error:
            if header.type == OpCode.AUTH:
                raise
            self._log.log(
                logging.WARNING,
                "malformed request",
                "n%d: answering MARSHALLINGERROR to %s: a request of type %d: %s",
                self.config.my_id,
                conn.peer,
                header.type,
                error,
            )
            reply = _header_frame(header.xid, 0, Code.MARSHALLINGERROR)
            self._start(conn, _Op(header.xid, "local", reply=reply))

    def _dispatch(self, conn: _Connection, header: RequestHeader, r: Reader) -> None:
        opcode = header.type
        if opcode == OpCode.PING:
            conn.send(_header_frame(PING_XID, self.server.core.applied, 0))
            return
        if opcode == OpCode.AUTH:
            r.i32()  # type, unused
            scheme, auth = r.path(), r.buffer() or b""
            # "ip": every connection has its own address as an identity. A scheme without a
            # provider fails the authentication and closes the connection, as in ZooKeeper.
            failed = scheme not in ("digest", "ip")
            if scheme == "digest":
                identity = digest_identity(auth)
                if identity not in conn.identities:  # ServerCnxn.addAuthInfo keeps one of each
                    conn.identities.append(identity)
                # Every write carries the identities through the log: they must stay small.
                if sum(len(s) + len(i) for s, i in conn.identities) > IDENTITY_BYTES:
                    failed = True
                    self._log.log(
                        logging.WARNING,
                        "identities",
                        "n%d: closing %s: its identities take more than %d bytes",
                        self.config.my_id,
                        conn.peer,
                        IDENTITY_BYTES,
                    )
            if failed:
                conn.send(_header_frame(header.xid, 0, Code.AUTHFAILED))
                conn.close()
                return
            conn.send(_header_frame(header.xid, 0, 0))
            return
        if opcode == OpCode.CLOSE_SESSION:
            close = txn(CloseSession(), conn.session, _now_ms())
            self._start(conn, _Op(header.xid, "write", command=close, on_done=self._closed))
            return
        if opcode == OpCode.WHO_AM_I:  # the connection's identities: (scheme, user) pairs
            w = Writer()
            ReplyHeader(header.xid, self.server.core.applied, 0).write(w)
            identities = conn.acl_identities()
            w.i32(len(identities))
            for scheme, user in identities:
                w.string(scheme).string(user)
            self._start(conn, _Op(header.xid, "local", reply=frame(w.getvalue())))
            return
        if opcode in (OpCode.SET_WATCHES, OpCode.SET_WATCHES2):
            request = SetWatches.read(r, version2=opcode == OpCode.SET_WATCHES2)
            query = encode(Exists("/"))  # a read index; the watches are then set locally

            def set_watches(conn: _Connection, op: _Op, result: bytes) -> bytes:
                self._set_watches(conn, request)
                return _header_frame(header.xid, self.server.core.applied, 0)

            self._start(conn, _Op(header.xid, "read", query=query, on_done=set_watches))
            return
        try:
            decoded = decode(opcode, r, conn.identities, conn.session)
        except KeeperError as error:
            op = _Op(header.xid, "local", reply=_header_frame(header.xid, 0, error.code))
            self._start(conn, op)
            return
        if opcode in WRITES:
            assert decoded.op is not None
            command = txn(decoded.op, conn.session, _now_ms(), conn.acl_identities())
            op = _Op(header.xid, "write", decoded, command=command, on_done=self._wrote)
        else:
            assert opcode in READS and decoded.query is not None
            query = encode(decoded.query)
            op = _Op(header.xid, "read", decoded, query=query, on_done=self._read)
        self._start(conn, op)

    def _start(self, conn: _Connection, op: _Op) -> None:
        op.started = time.monotonic()
        conn.order.append(op)
        if op.kind == "local":
            self._finish(conn)
            return
        conn.waiting.append(op)
        self._submit_ready(conn)

    def _submit_ready(self, conn: _Connection) -> None:
        """Submit waiting ops while they cannot overtake one another: a read never runs
        alongside a write of the same connection."""
        while conn.waiting and not conn.closed:
            op = conn.waiting[0]
            if conn.running and conn.running_kind != op.kind:
                return
            conn.waiting.popleft()
            conn.running += 1
            conn.running_kind = op.kind
            conn.seq += 1
            conn.ops[conn.seq] = op
            if op.kind == "write":
                conn.writes.add(conn.seq)
                acked = min(conn.writes) - 1
                self.server.submit(Command(conn.client_id, conn.seq, acked, op.command))
            else:
                self.server.read(Read(conn.client_id, conn.seq, op.query))

    def _finish(self, conn: _Connection) -> None:
        """Send the replies that are next in order, then submit what may go now."""
        while conn.order and conn.order[0].reply is not None:
            op = conn.order.popleft()
            assert op.reply is not None
            if op.reply:
                conn.send(op.reply)
                self.stats.sent += 1
            self.stats.latency((time.monotonic() - op.started) * 1000)
        if len(conn.order) < INFLIGHT // 2:
            conn.room.set()
        self._submit_ready(conn)

    def _wrote(self, conn: _Connection, op: _Op, result: bytes) -> bytes:
        assert op.decoded is not None
        err, body = write_response(op.decoded, decode_outcome(result))
        return frame(_header_bytes(op.xid, self.server.core.applied, err) + body)

    def _read(self, conn: _Connection, op: _Op, result: bytes) -> bytes:
        """The reply to a read; a watch is set now, atomically with the read it belongs to
        (no write is applied in between)."""
        decoded = op.decoded
        assert decoded is not None
        reply = decode_reply(result)
        err, body = read_response(decoded, reply)
        needs = _READ_PERMS.get(decoded.opcode)
        if err == Code.OK and needs is not None:
            acl = self.tree.read(GetACL(decoded.path))
            if isinstance(acl, ACLReply) and not permitted(acl.acl, needs, conn.acl_identities()):
                err, body = Code.NOAUTH, b""
        if decoded.watch:
            missing = isinstance(reply, ErrorResult) and reply.err == Code.NONODE
            if (decoded.opcode == OpCode.EXISTS and (err == Code.OK or missing)) or (
                err == Code.OK and decoded.opcode == OpCode.GET_DATA
            ):
                self._watches.watch_data(decoded.path, conn)
            elif err == Code.OK:
                self._watches.watch_children(decoded.path, conn)
        return frame(_header_bytes(op.xid, self.server.core.applied, err) + body)

    def _closed(self, conn: _Connection, op: _Op, result: bytes) -> bytes:
        return _header_frame(op.xid, self.server.core.applied, 0)

    # --- watches -----------------------------------------------------------------------------

    def _applied(self, zxid: int, command: Txn, outcome: Outcome) -> None:
        """Inside the replica's apply: fire this server's watches, end a closed session's
        connections (after its own reply, which comes next)."""
        for conn, trigger in self._watches.fire(outcome.triggers):
            conn.send(_event_frame(zxid, trigger))
        if isinstance(command.op, CloseSession) and outcome.err == Code.OK:
            for conn in list(self._by_session.get(command.session, ())):
                asyncio.get_running_loop().call_soon(conn.close)

    def _restored(self) -> None:
        """A snapshot replaced the tree (this replica fell far behind): the watches here missed
        what it skipped. Close every connection, as ZooKeeper does when a server resyncs with
        its leader; clients reconnect and set their watches again with their last zxid, which
        fires what changed."""
        if self._connections:
            log.info(
                "n%d: caught up from a snapshot; closing %d client connection(s) so that they "
                "set their watches again",
                self.config.my_id,
                len(self._connections),
            )
        for conn in list(self._connections):
            asyncio.get_running_loop().call_soon(conn.close)

    def _set_watches(self, conn: _Connection, request: SetWatches) -> None:
        """ZooKeeper's DataTree.setWatches: fire at once what changed since the client's
        last zxid, and set the rest."""
        since = request.relative_zxid
        for path in request.data:
            stat = self._stat(path)
            if stat is None:
                conn.send(_event_frame(0, Trigger(path, EventType.NODE_DELETED)))
            elif stat.mzxid > since:
                conn.send(_event_frame(0, Trigger(path, EventType.NODE_DATA_CHANGED)))
            else:
                self._watches.watch_data(path, conn)
        for path in request.exist:
            if self._stat(path) is not None:
                conn.send(_event_frame(0, Trigger(path, EventType.NODE_CREATED)))
            else:
                self._watches.watch_data(path, conn)
        for path in request.child:
            stat = self._stat(path)
            if stat is None:
                conn.send(_event_frame(0, Trigger(path, EventType.NODE_DELETED)))
            elif stat.pzxid > since:
                conn.send(_event_frame(0, Trigger(path, EventType.NODE_CHILDREN_CHANGED)))
            else:
                self._watches.watch_children(path, conn)

    def _stat(self, path: str) -> Stat | None:
        reply = self.tree.read(Exists(path))
        return reply.stat if isinstance(reply, StatReply) else None

    def _forget(self, conn: _Connection) -> None:
        conn.closed = True
        conn.room.set()
        self._connections.discard(conn)
        self._watches.forget(conn)
        if conn.session:
            peers = self._by_session.get(conn.session)
            if peers is not None:
                peers.discard(conn)
                if not peers:
                    del self._by_session[conn.session]
        conn.ops.clear()
        if self._by_client.get(conn.client_id) is conn:
            del self._by_client[conn.client_id]

    # --- for the four-letter words -----------------------------------------------------------

    def connections(self) -> list[tuple[str, int, int, int]]:
        return [(c.peer, len(c.order), c.received, c.sent) for c in self._connections]

    def outstanding(self) -> int:
        return sum(len(c.order) for c in self._connections)

    def watch_count(self) -> int:
        return self._watches.count()


def _length_checked(header: bytes, limit: int) -> bytes:
    """A request's length header, if its length is within jute.maxbuffer; otherwise the
    connection closes, with ZooKeeper's reason (NIOServerCnxn.readLength)."""
    length = int.from_bytes(header, "big")
    if length > limit:
        raise FrameError(
            f"Len error: a message with advertised length of {length} is either a malformed "
            f"message or too large to process (length is greater than jute.maxbuffer={limit})"
        )
    return header


def _now_ms() -> int:
    """Wall-clock ms: a session id's start time, a node's ctime and mtime."""
    return int(time.time() * 1000)


def _header_bytes(xid: int, zxid: int, err: int) -> bytes:
    w = Writer()
    ReplyHeader(xid, zxid, err).write(w)
    return w.getvalue()


def _header_frame(xid: int, zxid: int, err: int) -> bytes:
    return frame(_header_bytes(xid, zxid, err))


def _event_frame(zxid: int, trigger: Trigger) -> bytes:
    w = Writer()
    ReplyHeader(NOTIFICATION_XID, zxid, 0).write(w)
    WatcherEvent(int(trigger.type), _SYNC_CONNECTED, trigger.path).write(w)
    return frame(w.getvalue())


def _frame_of(response: ConnectResponse) -> bytes:
    w = Writer()
    response.write(w)
    return frame(w.getvalue())
