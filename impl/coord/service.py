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
connected to (`impl.coord.watching`), and are set again on reconnect (SetWatches).

With `paxoscope.eventLog=true` the service logs, next to the replica's events, what `paxoscope
validate` checks against spec/zookeeper.py (`impl.coord.watching.EVENTS`): every write the tree
applies, as it applies it (`create`, `set`, `delete` with the node's version and its parent's
child version after, `session`, `close` with the ephemerals it deleted; each with its zxid and
the sessions whose data watches it fired), every watch this server sets or drops (`watch`,
`unwatch`), the process's `start`, and `restored` when a snapshot from the leader replaced the
tree (the writes it skipped are not in this server's log).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from msgspec.structs import replace

from impl.coord import fourletter
from impl.coord.admission import Admission
from impl.coord.connection import (
    Connection,
    Op,
    connect_frame,
    header_bytes,
    header_frame,
    now_ms,
)
from impl.coord.errors import Code, KeeperError
from impl.coord.fastread import local_read
from impl.coord.faults import CoordFault
from impl.coord.jute import (
    PING_XID,
    ConnectRequest,
    ConnectResponse,
    JuteError,
    OpCode,
    Reader,
    ReplyHeader,
    RequestHeader,
    SetWatches,
    Writer,
    frame,
)
from impl.coord.messages import (
    ACLReply,
    CloseSession,
    CreateSession,
    Exists,
    GetACL,
    MoveSession,
    Outcome,
    Reconfig,
    Txn,
    decode_outcome,
    decode_reply,
    encode,
    txn,
)
from impl.coord.reads import ReadAnswers
from impl.coord.reconfig import config_text, plan
from impl.coord.records import SUPER, Perms, permitted
from impl.coord.requests import (
    READS,
    WRITES,
    Decoded,
    decode,
    digest_identity,
    write_response,
)
from impl.coord.sessions import first_session_id, next_session_id, password
from impl.coord.syncing import LeaderSync
from impl.coord.tree import DataTree
from impl.coord.upkeep import Upkeep
from impl.coord.watching import EventLog, ServerWatches
from impl.net.config import IDENTITY_BYTES, ServerConfig
from impl.net.framing import FrameError, FrameReader, read_frame_after, read_header
from impl.net.ratelog import RateLimitedLog
from impl.paxos.membership import ConfigChange
from impl.paxos.replica import Role
from impl.paxos.types import Command, Read
from impl.paxos.types import Reply as ReplicaReply

if TYPE_CHECKING:
    from impl.net.server import ReplicaServer

log = logging.getLogger("paxoscope.zookeeper")

INFLIGHT = 4_096  # requests one connection may have queued or in flight
# Replies a client has not read yet, in jute.maxbuffers: beyond PAUSE its requests are not read
# until it catches up; beyond LIMIT (a client that does not read at all, while replies to what
# it sent before keep coming) the connection is dropped, so no client holds the server's memory.
UNREAD_PAUSE = 4
UNREAD_LIMIT = 16


class _ServedTree(DataTree):
    """The tree, telling the service what each write did the moment it is applied, and when
    it was replaced by a snapshot (writes the service never saw, so fired no watches for)."""

    def __init__(
        self,
        on_applied: Callable[[int, Txn, Outcome], None],
        on_restored: Callable[[], None],
        extended_types: bool,
        faults: frozenset[CoordFault],
    ) -> None:
        super().__init__(extended_types, faults)
        self._on_applied = on_applied
        self._on_restored = on_restored

    def execute(self, zxid: int, command: Txn) -> Outcome:
        outcome = super().execute(zxid, command)
        self._on_applied(zxid, command, outcome)
        return outcome

    def restore(self, data: bytes) -> None:
        super().restore(data)
        self._on_restored()


class ZooKeeperService:
    forward = True
    immediate_replies = True
    # Answer the commonest reads from their bytes (`impl.coord.fastread`); False: every request
    # takes the general path (what tests compare that one with).
    read_from_bytes = True

    def __init__(self, config: ServerConfig, faults: frozenset[CoordFault] = frozenset()) -> None:
        """`faults`: switched-on bugs of the tree and the watches (tests only)."""
        self.config = config
        self.tree = _ServedTree(self._applied, self._restored, config.extended_types, faults)
        self.tree.record_changes = config.event_log
        self._events = EventLog(config.event_log)
        self._server: ReplicaServer | None = None
        self._connections: set[Connection] = set()
        self._by_session: dict[int, set[Connection]] = {}
        self._by_client: dict[int, Connection] = {}  # by the client id of its commands
        self._admission = Admission(config)
        self._log = RateLimitedLog(log)  # for what clients can make happen again and again
        self._watches = ServerWatches(self.tree, self._events, self._applied_slot, faults)
        self._reads = ReadAnswers(self.tree, self._watches, self._applied_slot)
        self._sync = LeaderSync(config.my_id, encode(Exists("/")))
        self._next_session = first_session_id(config.my_id, now_ms())
        self._upkeep = Upkeep(config, self.tree, self._submit)
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
        conn = Connection(writer, secrets.randbits(62) | 1, host, peer)
        conn.unread_limit = UNREAD_LIMIT * limit
        writer.transport.set_write_buffer_limits(high=UNREAD_PAUSE * limit)
        self._connections.add(conn)
        self._by_client[conn.client_id] = conn
        try:
            if not await self._connect(conn, ConnectRequest.read(Reader(hello))):
                return
            # Requests are read as they arrive, a burst at a time, and served one by one.
            frames = FrameReader(reader, limit, too_large=functools.partial(_len_error, limit))
            while batch := await frames.batch():
                for body in batch:
                    conn.received += 1
                    self.stats.received += 1
                    if conn.session:
                        self._upkeep.heard(conn.session)
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

    def on_reply(self, reply: ReplicaReply) -> None:
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
        self._complete(conn, reply.seq, op, reply.result)
        self._finish(conn)

    def on_gossip(self, sender: int, payload: bytes) -> None:
        if self.server.core.role is Role.LEADER:
            self._upkeep.reported(payload, time.monotonic())

    def on_tick(self) -> None:
        probe = self._sync.probe(self.server.core)
        if probe is not None:
            self.server.read(probe)
        core = self.server.core
        leading = core.role is Role.LEADER
        self._upkeep.tick(time.monotonic(), leading, core.leader, self.server.gossip)

    def close(self) -> None:
        for conn in list(self._connections):
            conn.close()

    def take_events(self) -> list[dict[str, Any]]:
        """The events since the last call, for the server's event log."""
        return self._events.take()

    def _applied_slot(self) -> int:
        return self.server.core.applied

    @property
    def serving(self) -> bool:
        """In sync with the current leader (see `impl.coord.syncing`)."""
        return self._sync.serving(self.server.core)

    # --- sessions ----------------------------------------------------------------------------

    async def _connect(self, conn: Connection, request: ConnectRequest) -> bool:
        """Create or resume the session (through the log: a resumed session moves to this
        connection, so that writes still coming from its old one are SESSIONMOVED), answer
        the ConnectRequest, and say whether the connection goes on."""
        timeout = min(
            max(request.timeout, self.config.min_session_timeout),
            self.config.max_session_timeout,
        )
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        conn.connecting = done
        if request.session_id == 0:
            session = self._next_session
            self._next_session = next_session_id(session)

            def created(conn: Connection, op: Op, result: bytes) -> bytes:
                done.set_result("ok" if decode_outcome(result).err == Code.OK else "failed")
                return b""

            command = txn(CreateSession(timeout), session, now_ms(), owner=conn.client_id)
            self._start(conn, Op(0, "write", command=command, on_done=created))
        elif request.password != password(request.session_id):
            session = request.session_id
            done.set_result("expired")  # ZooKeeper answers a wrong password as it answers expiry
        else:
            session = request.session_id

            def moved(conn: Connection, op: Op, result: bytes) -> bytes:
                err = decode_outcome(result).err
                done.set_result(
                    "ok"
                    if err == Code.OK
                    else "expired"
                    if err == Code.SESSIONEXPIRED
                    else "failed"
                )
                return b""

            command = txn(MoveSession(), session, now_ms(), owner=conn.client_id)
            self._start(conn, Op(0, "write", command=command, on_done=moved))
        outcome = await done
        conn.connecting = None
        if outcome == "expired":
            # What ZooKeeper answers for an expired or unknown session: timeout 0.
            log.info(
                "n%d: session 0x%x has expired; telling %s", self.config.my_id, session, conn.peer
            )
            conn.send(connect_frame(ConnectResponse(0, 0, 0, bytes(16))))
        if outcome != "ok":
            return False
        conn.session, conn.timeout = session, timeout
        self._by_session.setdefault(session, set()).add(conn)
        self._upkeep.heard(session)
        conn.send(connect_frame(ConnectResponse(0, timeout, session, password(session))))
        return True

    def _submit(self, command: Command) -> None:
        """Submit a command of the servers' own (`Upkeep`'s: the server is attached after
        the service is made)."""
        self.server.submit(command)

    # --- requests ----------------------------------------------------------------------------

    def _request(self, conn: Connection, body: bytes) -> None:
        """One request. A header that does not parse, or an auth packet, closes the
        connection (ZooKeeperServer.processPacket fails with an IOException); any other record
        that does not parse is answered MARSHALLINGERROR, as PrepRequestProcessor (writes) and
        FinalRequestProcessor (reads) answer it."""
        if self.read_from_bytes and self._read_from_bytes(conn, body):
            return
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
            reply = header_frame(header.xid, 0, Code.MARSHALLINGERROR)
            self._start(conn, Op(header.xid, "local", reply=reply))

    def _read_from_bytes(self, conn: Connection, body: bytes) -> bool:
        """Answer `body` straight from its bytes (`impl.coord.fastread`) if it is a read that
        way takes, nothing of the connection's is unanswered, and the leases allow a local
        read now (as `_start` answers one); say whether it was answered."""
        if conn.order or conn.closed:
            return False
        core = self.server.core
        answer = local_read(body, self.tree, core.applied, conn.acl_identities())
        if answer is None or not core.lease_read_now():
            return False
        reply, path, watch = answer
        if watch is not None:
            self._watches.watch(path, conn, watch)
        self._send_at_once(conn, reply)
        return True

    def _send_at_once(self, conn: Connection, reply: bytes) -> None:
        """Send the reply to a read answered the moment it arrived (nothing of the
        connection's was unanswered): it passes through no queue, and waited no time."""
        conn.send(reply)
        self.stats.sent += 1
        self.stats.latency(0.0)

    def _dispatch(self, conn: Connection, header: RequestHeader, r: Reader) -> None:
        opcode = header.type
        if opcode == OpCode.PING:
            conn.send(header_frame(PING_XID, self.server.core.applied, 0))
            return
        if opcode == OpCode.AUTH:
            r.i32()  # type, unused
            scheme, auth = r.path(), r.buffer() or b""
            # "ip": every connection has its own address as an identity. A scheme without a
            # provider fails the authentication and closes the connection, as in ZooKeeper.
            failed = scheme not in ("digest", "ip")
            if scheme == "digest":
                identity = digest_identity(auth)
                found = [identity]
                if identity[1] == self.config.super_digest:
                    found.insert(0, SUPER)  # DigestAuthenticationProvider's superDigest
                for ident in found:  # ServerCnxn.addAuthInfo keeps one of each
                    if ident not in conn.identities:
                        conn.identities.append(ident)
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
                conn.send(header_frame(header.xid, 0, Code.AUTHFAILED))
                conn.close()
                return
            conn.send(header_frame(header.xid, 0, 0))
            return
        if opcode == OpCode.CLOSE_SESSION:
            close = txn(CloseSession(), conn.session, now_ms(), owner=conn.client_id)
            self._start(conn, Op(header.xid, "write", command=close, on_done=self._closed))
            return
        if opcode == OpCode.WHO_AM_I:  # the connection's identities: (scheme, user) pairs
            w = Writer()
            ReplyHeader(header.xid, self.server.core.applied, 0).write(w)
            identities = conn.acl_identities()
            w.i32(len(identities))
            for scheme, user in identities:
                w.string(scheme).string(user)
            self._start(conn, Op(header.xid, "local", reply=frame(w.getvalue())))
            return
        if opcode in (OpCode.SET_WATCHES, OpCode.SET_WATCHES2):
            request = SetWatches.read(r, version2=opcode == OpCode.SET_WATCHES2)
            query = encode(Exists("/"))  # a read index; the watches are then set locally

            def set_watches(conn: Connection, op: Op, result: bytes) -> bytes:
                self._watches.set_again(conn, request)
                return header_frame(header.xid, self.server.core.applied, 0)

            self._start(conn, Op(header.xid, "read", query=query, on_done=set_watches))
            return
        try:
            decoded = decode(opcode, r, conn.identities, conn.session)
            change = self._reconfig(conn, decoded) if decoded.reconfig is not None else None
        except KeeperError as error:
            op = Op(header.xid, "local", reply=header_frame(header.xid, 0, error.code))
            self._start(conn, op)
            return
        if change is not None:
            command = txn(Reconfig(config_text(change.members)), conn.session, now_ms())
            op = Op(header.xid, "write", decoded, command, change, on_done=self._wrote)
        elif opcode in WRITES:
            assert decoded.op is not None
            command = txn(decoded.op, conn.session, now_ms(), conn.acl_identities(), conn.client_id)
            op = Op(header.xid, "write", decoded, command=command, on_done=self._wrote)
        else:
            assert opcode in READS and decoded.query is not None
            op = Op(header.xid, "read", decoded, on_done=self._read)  # query: encoded if sent
        self._start(conn, op)

    def _reconfig(self, conn: Connection, decoded: Decoded) -> ConfigChange:
        """A reconfig request as a change of the latest configuration this server knows
        (see `impl.coord.reconfig`), if it is enabled and the client may make it."""
        if not self.config.reconfig_enabled:
            raise KeeperError(Code.RECONFIGDISABLED)  # ZooKeeper's default
        assert decoded.reconfig is not None
        latest = self.server.core.membership.latest
        change = plan(decoded.reconfig, latest)
        acl = self.tree.read(GetACL("/zookeeper/config"))
        identities = conn.acl_identities()
        if isinstance(acl, ACLReply) and not permitted(acl.acl, Perms.WRITE, identities):
            raise KeeperError(Code.NOAUTH, "/zookeeper/config")
        # Computed from `latest`: should another change come first, this one is refused.
        return replace(change, expected=latest.version)

    def _start(self, conn: Connection, op: Op) -> None:
        if (
            op.kind == "read"
            and not conn.order
            and not conn.closed
            and self.server.core.lease_read_now()
        ):
            # Nothing of the connection's is unanswered, and the leases allow a local read:
            # its reply goes now, in order, with no queue to pass through.
            self._send_at_once(conn, self._read_locally(conn, op))
            return
        op.started = time.monotonic()
        conn.order.append(op)
        if op.kind == "local":
            self._finish(conn)
            return
        conn.waiting.append(op)
        self._submit_ready(conn)

    def _submit_ready(self, conn: Connection) -> None:
        """Submit waiting ops while they cannot overtake one another: a read never runs
        alongside a write of the same connection. A read this server's leases let it answer at
        once is answered here, and its reply sent in order with those before it."""
        answered = False
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
                acked = (conn.writes.oldest() or conn.seq) - 1
                command = Command(conn.client_id, conn.seq, acked, op.command, op.config)
                self.server.submit(command)
            elif self.server.core.lease_read_now():
                del conn.ops[conn.seq]
                conn.running -= 1
                op.reply = self._read_locally(conn, op)
                answered = True
            else:
                query = op.query
                if op.decoded is not None and op.decoded.query is not None:
                    query = encode(op.decoded.query)
                self.server.read(Read(conn.client_id, conn.seq, query))
        if answered:
            self._send_ready(conn)

    def _complete(self, conn: Connection, seq: int, op: Op, result: bytes) -> None:
        """The replica answered `op` (submitted as `seq`) with `result`: its reply is made,
        to be sent in order, and it no longer runs."""
        assert op.on_done is not None
        op.reply = op.on_done(conn, op, result)
        conn.running -= 1
        if op.kind == "write":
            conn.writes.discard(seq)

    def _finish(self, conn: Connection) -> None:
        """Send the replies that are next in order, then submit what may go now."""
        self._send_ready(conn)
        self._submit_ready(conn)

    def _send_ready(self, conn: Connection) -> None:
        """Send the replies that are next in order."""
        while conn.order and conn.order[0].reply is not None:
            op = conn.order.popleft()
            assert op.reply is not None
            if op.reply:
                conn.send(op.reply)
                self.stats.sent += 1
            self.stats.latency((time.monotonic() - op.started) * 1000)
        if len(conn.order) < INFLIGHT // 2:
            conn.room.set()

    def _wrote(self, conn: Connection, op: Op, result: bytes) -> bytes:
        assert op.decoded is not None
        if op.config is not None and not result:
            # The replica refused the change: another replaced its configuration first.
            return header_frame(op.xid, self.server.core.applied, Code.BADVERSION)
        outcome = decode_outcome(result)
        if outcome.err == Code.SESSIONMOVED:
            # The client has moved its session to another connection: this one is left behind.
            # ZooKeeper closes it rather than answer (ZOOKEEPER-710), and so does this server.
            log.info("n%d: closing %s: its session has moved", self.config.my_id, conn.peer)
            asyncio.get_running_loop().call_soon(conn.close)
            return b""
        err, body = write_response(op.decoded, outcome)
        return frame(header_bytes(op.xid, self.server.core.applied, err) + body)

    def _read_locally(self, conn: Connection, op: Op) -> bytes:
        """The reply to a read answered from this server's own tree now, which its leases
        allow: the query and the reply stay typed (no encoding to and from the replica)."""
        decoded = op.decoded
        if decoded is None or decoded.query is None:  # setWatches: answered as it is sent
            assert op.on_done is not None
            return op.on_done(conn, op, self.tree.query(op.query))
        return self._reads.reply(conn, op.xid, decoded, self.tree.read(decoded.query))

    def _read(self, conn: Connection, op: Op, result: bytes) -> bytes:
        """The reply to a read the replica answered with `result`, an encoded tree reply."""
        assert op.decoded is not None
        return self._reads.reply(conn, op.xid, op.decoded, decode_reply(result))

    def _closed(self, conn: Connection, op: Op, result: bytes) -> bytes:
        return header_frame(op.xid, self.server.core.applied, 0)

    # --- what the tree applies ---------------------------------------------------------------

    def _applied(self, zxid: int, command: Txn, outcome: Outcome) -> None:
        """Inside the replica's apply: fire this server's watches and log the write
        (`ServerWatches.fire`), end a closed session's connections (after its own reply,
        which comes next)."""
        self._watches.fire(zxid, command, outcome)
        if isinstance(command.op, CloseSession) and outcome.err == Code.OK:
            for conn in list(self._by_session.get(command.session, ())):
                asyncio.get_running_loop().call_soon(conn.close)

    def _restored(self) -> None:
        """A snapshot replaced the tree (this replica fell far behind): the watches here missed
        what it skipped. Close every connection, as ZooKeeper does when a server resyncs with
        its leader; clients reconnect and set their watches again with their last zxid, which
        fires what changed."""
        if self._server is not None:  # not the restart's own
            self._events.add({"event": "restored"})
        if self._connections:
            log.info(
                "n%d: caught up from a snapshot; closing %d client connection(s) so that they "
                "set their watches again",
                self.config.my_id,
                len(self._connections),
            )
        for conn in list(self._connections):
            asyncio.get_running_loop().call_soon(conn.close)

    def _forget(self, conn: Connection) -> None:
        conn.flush()  # replies already sent go out before the connection closes
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
        raise FrameError(_len_error(limit, length))
    return header


def _len_error(limit: int, length: int) -> str:
    return (
        f"Len error: a message with advertised length of {length} is either a malformed "
        f"message or too large to process (length is greater than jute.maxbuffer={limit})"
    )
