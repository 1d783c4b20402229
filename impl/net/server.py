"""One replica as a process: the deterministic core, its storage, and asyncio TCP around them.

Everything happens on the event loop thread. Inputs (peer frames, client frames, clock ticks)
go straight into the core; a single flusher task then takes the core's effects, persists and
fsyncs their records, and only then sends their messages and replies. Inputs that arrive while
a batch is being made durable go into the next batch together: that is group commit, and it is
what makes pipelined clients fast.

Peers: each replica keeps one outgoing connection per peer (reconnecting with backoff) and
accepts incoming ones; the first frame on a peer connection names the sender. A peer that is
slow to read makes its queue fill up; further messages to it are dropped, which Paxos tolerates
(the sender retries), rather than stalling the core. Clients: the `Service` (see
`impl.net.service`) serves the client port and owns the state machine; it submits commands and
reads through `submit` and `read` and gets the replies.

TLS (see `impl.net.tls`): with secureClientPort the service is served on a second, TLS
listener too; with sslQuorum=true peer connections are TLS with certificates both ways, and a
peer that does not complete the handshake (plaintext, untrusted) is closed and logged at most
once per `LOG_INTERVAL_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO

import msgspec

from impl.net.config import OBSERVER, PeerAddress, ServerConfig, parse_server_line, server_line
from impl.net.framing import FrameError, FrameReader, frame
from impl.net.kv_service import KeyValueService
from impl.net.listener import Listener
from impl.net.ratelog import RateLimitedLog
from impl.net.service import Service
from impl.net.tls import certificate_names
from impl.paxos.faults import Fault
from impl.paxos.membership import Member
from impl.paxos.replica import Replica, ReplicaOptions, Role
from impl.paxos.transfer import limits_for_frame
from impl.paxos.types import (
    NO_BALLOT,
    Ballot,
    Command,
    Effects,
    Gossip,
    PeerMessage,
    Read,
    Snapshot,
    needs_sync,
    peer_decoder,
    peer_encoder,
)
from impl.storage import BackgroundSnapshot, ReplicaStore, StorageError, read_snapshot

# this process's own generator: the global `random` is left to the application (and to
# property-based tests, which watch it)
_RANDOM = random.Random()

log = logging.getLogger("paxoscope.server")

# Unsent bytes to a peer before further messages to it are dropped (a message is written as
# long as the buffer is below this, whatever its size). Two of the leader's in-flight windows
# (`ReplicaOptions.max_inflight_bytes`): a peer that is merely busy for a moment loses nothing,
# and one that stopped reading (paused, or stuck) does not come back to a long stale backlog;
# what it missed it fetches by catch-up, in bounded messages.
PEER_BUFFER_BYTES = 2 * ReplicaOptions().max_inflight_bytes
LOG_INTERVAL_S = 10.0  # peers that fail the TLS handshake: one line per this many seconds


class ServerFailure(Exception):
    """The server stopped itself: what failed (its cause: the exception it failed with)."""


class _Hello(msgspec.Struct, array_like=True, tag="hello"):
    node: int


class _PeerLink:
    """The outgoing connection to one peer. `send` writes straight to the socket (so a batch's
    early messages leave before its fsync starts); while disconnected, or while the peer reads
    too slowly, messages are dropped and counted. `run` (re)connects with backoff; with
    `tls`, a client-side context, over TLS, the handshake bounded by `handshake_timeout_s`."""

    def __init__(
        self,
        me: int,
        peer: int,
        host: str,
        port: int,
        tls: ssl.SSLContext | None = None,
        handshake_timeout_s: float = 10.0,
    ) -> None:
        self.me, self.peer, self.host, self.port = me, peer, host, port
        self.tls, self.handshake_timeout_s = tls, handshake_timeout_s
        self.writer: asyncio.StreamWriter | None = None
        self.dropped = 0
        self._tls_log = RateLimitedLog(log, LOG_INTERVAL_S)

    def send(self, payload: bytes) -> None:
        writer = self.writer
        if (
            writer is None
            or writer.is_closing()
            or writer.transport.get_write_buffer_size() > PEER_BUFFER_BYTES
        ):
            self.dropped += 1
            return
        writer.write(frame(payload))

    async def run(self) -> None:
        backoff = 0.02
        while True:
            try:
                if self.tls is None:
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                else:
                    reader, writer = await asyncio.open_connection(
                        self.host,
                        self.port,
                        ssl=self.tls,
                        server_hostname=self.host,
                        ssl_handshake_timeout=self.handshake_timeout_s,
                        ssl_shutdown_timeout=self.handshake_timeout_s,
                    )
            except OSError as error:
                if isinstance(error, ssl.SSLError | ConnectionAbortedError):
                    self._tls_log.log(
                        logging.WARNING,
                        "handshake",
                        "n%d: TLS handshake with n%d at %s:%d failed: %s",
                        self.me,
                        self.peer,
                        self.host,
                        self.port,
                        error,
                    )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            backoff = 0.02
            writer.write(frame(peer_encoder.encode(_Hello(self.me))))
            self.writer = writer
            try:
                await reader.read()  # the peer never writes here: this returns when it closes
            except (OSError, ConnectionError):
                pass
            finally:
                self.writer = None
                writer.close()
                with contextlib.suppress(OSError, ConnectionError):
                    await writer.wait_closed()
            log.debug("n%d: connection to n%d lost; reconnecting", self.me, self.peer)


class ReplicaServer:
    def __init__(
        self,
        config: ServerConfig,
        faults: frozenset[Fault] = frozenset(),
        service: Service | None = None,
    ) -> None:
        self.config = config
        self.faults = faults
        self.service: Service = service if service is not None else KeyValueService()
        self._dirty = asyncio.Event()
        self._links: dict[int, _PeerLink] = {}
        self._link_tasks: dict[int, asyncio.Task[None]] = {}
        self._addresses: dict[int, PeerAddress] = dict(config.servers)  # every member known
        self._listeners: list[Listener] = []
        self._client_log = RateLimitedLog(log)  # a client may send garbage again and again
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = asyncio.Event()
        self.store: ReplicaStore | None = None
        self._event_log: BinaryIO | None = None
        self.replica: Replica | None = None
        self._logged_ballot: Ballot = NO_BALLOT  # the leader's ballot, as last logged
        self._snapshotting: BackgroundSnapshot | None = None  # a child writing one
        # What stopped the server from within (its disk failed; or a bug): `run_server` raises it
        self.failure: ServerFailure | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        config = self.config
        store, durable, damage = ReplicaStore.open(
            config.data_dir, fsync=config.fsync, preallocate=config.preallocate_kb * 1024
        )
        self.store = store
        if damage is not None:
            log.warning(
                "n%d: the log's tail was damaged and cut off (%s); this replica will not vote "
                "until it has caught up with every other replica",
                config.my_id,
                damage,
            )
        limits = limits_for_frame(config.max_frame_bytes)
        options = ReplicaOptions(
            election_ticks=config.election_ticks,
            heartbeat_ticks=config.heartbeat_ticks,
            snapshot_every=config.snapshot_every,
            message_bytes=limits.message_bytes,
            max_command_bytes=limits.max_command_bytes,
            faults=self.faults,
            events=config.event_log,
            forward=self.service.forward,
            lease_reads=config.lease_reads,  # leases of 10 heartbeat periods (500 ms)
            tick_ms=config.tick_ms,
        )
        if config.event_log:
            self._event_log = (config.data_dir / "events.ndjson").open("ab")
        self.replica = Replica(
            config.my_id,
            sorted(config.servers),
            self.service.machine,
            durable,
            options,
            seed=_RANDOM.randrange(2**32),
            on_reply=self.service.on_reply if self.service.immediate_replies else None,
            members=[
                Member(sid, peer.role == OBSERVER, server_line(peer))
                for sid, peer in config.servers.items()
            ],
            # Leases count real time, which runs on while the process is stopped (SIGSTOP) or
            # its loop stalls, unlike ticks.
            clock=lambda: int(time.monotonic() * 1000),
            send_now=lambda node, message: self._send([(node, message)]),
            stored_snapshot=self._stored_snapshot,
        )
        self.service.attach(self)
        me, name, tls = config.me, f"n{config.my_id}", config.tls
        timeout = config.sessionless_cnxn_timeout / 1000
        quorum_server = tls.quorum_server if tls is not None else None
        peers = Listener(name, self._on_peer, tls=quorum_server, handshake_timeout_s=timeout)
        self._listeners.append(peers)
        await peers.start(me.host, me.peer_port)
        service = self.service
        served: list[str] = []
        ports: list[tuple[str, int | None, ssl.SSLContext | None]] = [
            (config.client_port_address, config.client_port, None)
        ]
        if tls is not None and tls.client_port is not None:  # made for secureClientPort
            secure = config.secure_client_port
            ports.append((config.secure_client_port_address, secure, tls.client_port))
        for host, port, context in ports:
            if port is None:
                continue
            clients = Listener(
                name,
                self._on_client,
                service.admit,
                service.release,
                tls=context,
                handshake_timeout_s=timeout,
            )
            self._listeners.append(clients)
            await clients.start(host, port)
            served.append(f"{host}:{port}{' (TLS)' if context else ''}")
        for peer_id, peer in config.peers.items():
            self._link(peer_id, peer)
        self._spawn(self._tick_loop())
        self._spawn(self._flush_loop())
        log.info(
            "n%d: serving clients on %s, peers on %s:%d%s (%d replicas)%s",
            config.my_id,
            " and ".join(served),
            me.host,
            me.peer_port,
            " (TLS)" if quorum_server else "",
            len(config.servers),
            f"; faults on: {', '.join(sorted(self.faults))}" if self.faults else "",
        )

    async def serve_until_stopped(self) -> None:
        await self._stopped.wait()

    def stop(self) -> None:
        self._stopped.set()

    async def close(self) -> None:
        """Stop accepting, end every connection (peers' and clients'), the clock and the
        flusher, then close the storage: nothing is left for `asyncio.run` to cancel."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._cancel_snapshot()
        for listener in self._listeners:
            await listener.close()
        self.service.close()
        if self.store is not None:
            self.store.close()
        if self._event_log is not None:
            self._write_events(self.service.take_events())
            self._event_log.close()

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        self._tasks.append(asyncio.ensure_future(coroutine))

    def _link(self, peer_id: int, peer: PeerAddress) -> None:
        tls = self.config.tls
        link = _PeerLink(
            self.config.my_id,
            peer_id,
            peer.host,
            peer.peer_port,
            tls.quorum_client if tls is not None else None,
            self.config.sessionless_cnxn_timeout / 1000,
        )
        self._links[peer_id] = link
        self._link_tasks[peer_id] = task = asyncio.ensure_future(link.run())
        self._tasks.append(task)

    def _reconfigure(self) -> None:
        """A configuration was decided (or restored): connect to its new members, and drop
        the links to servers in no configuration still of use (and not departing)."""
        me = self.config.my_id
        configs = self.core.membership.configs
        for member in (member for config in configs for member in config.members):
            if member.id == me or member.id in self._links:
                continue
            try:
                peer = parse_server_line(member.address, member.id)
            except ValueError as error:  # checked when proposed: only a bug gets here
                log.error("n%d: cannot reach n%d: %s", me, member.id, error)
                continue
            self._addresses[member.id] = peer
            log.info("n%d: n%d joins, at %s:%d", me, member.id, peer.host, peer.peer_port)
            self._link(member.id, peer)
        known = set(self.core.membership.ids) | set(self.core.departing)
        for gone in [node for node in self._links if node not in known]:
            log.info("n%d: n%d is no longer a member", me, gone)
            del self._links[gone]
            task = self._link_tasks.pop(gone)
            task.cancel()
            self._tasks.remove(task)

    @property
    def core(self) -> Replica:
        assert self.replica is not None, "start() first"
        return self.replica

    # --- the core's clock and effects -------------------------------------------------------

    async def _tick_loop(self) -> None:
        """One tick per period. Ticks the loop was too busy to run in time (a large fsync, a
        burst of work, no CPU) are dropped, not made up in a burst, as Go's time.Ticker drops
        them: a replica that stalled has not heard less from its leader, it has listened less,
        and must not start an election for it while the leader's messages wait unread."""
        period = self.config.tick_ms / 1000
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while True:
            next_tick = max(next_tick + period, loop.time())
            await asyncio.sleep(next_tick - loop.time())
            try:
                self.core.on_tick()
                self.service.on_tick()
                self._dirty.set()
                if self._snapshotting is not None:
                    self._poll_snapshot(self._snapshotting)
            except Exception as exc:
                self._fail("the clock's tick", exc)
                return

    async def _flush_loop(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                self._flush()
            except Exception as exc:
                self._fail("persisting and sending the replica's effects", exc)
                return

    def _fail(self, what: str, exc: Exception) -> None:
        """Stop the server: `what` failed with `exc`. A log write or fsync that failed (a full
        disk, an I/O error) leaves nothing this process could promise durable (and after a
        failed fsync, no knowing what reached the disk), so it stops, as ZooKeeper exits when
        its log cannot be written, to be restarted from its log; nothing it had not made
        durable was sent or acknowledged. Anything else is a bug, logged with its traceback."""
        disk = isinstance(exc, OSError | StorageError)
        log.critical(
            "n%d: stopping: %s failed: %s%s",
            self.config.my_id,
            what,
            exc,
            "; restart the server once its disk is writable (it recovers from its log)"
            if disk
            else "",
            exc_info=not disk,
        )
        if self.failure is None:
            self.failure = ServerFailure(f"n{self.config.my_id} stopped: {what} failed: {exc}")
            self.failure.__cause__ = exc
        self.stop()

    def _flush(self) -> None:
        """Take the core's effects and carry them out: durable first, then sent."""
        effects = self.core.flush()
        self._log_leadership()
        self._write_events(self.service.take_events())  # what it applied, in order
        self._write_events(effects.early_events)
        self._send(effects.early)
        if effects.records or effects.snapshot:
            # Durable before anything that depends on it leaves this process. The fsync
            # runs on the loop thread: a thread hop costs more than this disk's fsync
            # (0.15 ms here), and frames that arrive meanwhile wait in the kernel, to be
            # taken together into the next batch (group commit) either way.
            self._persist(effects)
        self._write_events(effects.events)
        self._send(effects.messages)
        for reply in effects.replies:
            self.service.on_reply(reply)
        if effects.config is not None:
            self._reconfigure()
        if effects.snapshot_due and self._snapshotting is None:
            self._start_snapshot()

    def _log_leadership(self) -> None:
        """Log who leads whenever it changes, as ZooKeeper logs LEADING and FOLLOWING: one
        line per election an operator (or a test) can count."""
        core = self.core
        if core.leader_ballot == self._logged_ballot or core.role is Role.CANDIDATE:
            return
        self._logged_ballot = core.leader_ballot
        role = "leading" if core.leader == core.id else f"following n{core.leader}"
        log.info("n%d: %s, ballot %s", core.id, role, core.leader_ballot)

    def _write_events(self, events: list[dict[str, Any]]) -> None:
        """One NDJSON line per event, stamped with this host's clock (the cluster's logs are
        merged by it) before anything that follows from the event is sent."""
        if not events or self._event_log is None:
            return
        node = self.config.my_id
        lines = [
            json.dumps({"time": time.time_ns(), "node": node, **event}).encode() + b"\n"
            for event in events
        ]
        self._event_log.write(b"".join(lines))
        self._event_log.flush()

    def _persist(self, effects: Effects) -> None:
        assert self.store is not None
        if effects.records:
            self.store.persist(effects.records, sync=needs_sync(effects.records))
        if effects.snapshot is not None:
            self._cancel_snapshot()  # one from a leader: the file is this one's now
            self.store.install_snapshot(*effects.snapshot)

    # --- snapshots, written in the background (impl.storage.background) ---------------------

    def _start_snapshot(self) -> None:
        assert self.store is not None
        core = self.core
        try:
            self._snapshotting = self.store.snapshot_in_background(
                core.take_snapshot, core.applied_slot
            )
        except OSError as exc:  # no process to spare: write it here, and wait for it
            log.warning(
                "n%d: cannot fork to write a snapshot (%s); writing it inline", core.id, exc
            )
            if (stored := core.snapshot_now()) is not None:
                self.store.install_snapshot(*stored)

    def _poll_snapshot(self, child: BackgroundSnapshot) -> None:
        written = child.poll()
        if written is None:
            return
        self._snapshotting = None
        me = self.config.my_id
        if not written:
            log.error(
                "n%d: writing the snapshot of slot %d failed (process %d, exit code %s%s); the "
                "log is kept whole, and another snapshot is taken as more slots are applied",
                me,
                child.slot,
                child.pid,
                child.exit_code,
                f", {child.error}" if child.error else "",
            )
            return
        live = self.core.snapshot_stored(child.slot)
        if live is not None:
            assert self.store is not None
            self.store.compact(live)
        log.info(
            "n%d: snapshot of slot %d stored (written by process %d in %.2f s)",
            me,
            child.slot,
            child.pid,
            time.monotonic() - child.started,
        )

    def _stored_snapshot(self) -> Snapshot | None:
        """The snapshot on disk, for a replica behind my log (reading it back costs a file
        read; making one from the state, ~2 µs a znode)."""
        try:
            return read_snapshot(self.config.data_dir)
        except StorageError as exc:
            log.error("n%d: %s; sending a snapshot made from the state instead", self.core.id, exc)
            return None

    def _cancel_snapshot(self) -> None:
        if self._snapshotting is not None:
            self._snapshotting.cancel()
            self._snapshotting = None

    def _send(self, messages: list[tuple[int, PeerMessage]]) -> None:
        me = self.config.my_id
        for node, message in messages:
            if node == me:  # to its own acceptor (or leader): delivered in the next turn
                asyncio.get_running_loop().call_soon(self._deliver_local, message)
                continue
            link = self._links.get(node)
            if link is None:
                continue
            payload = peer_encoder.encode(message)
            if len(payload) > self.config.max_frame_bytes:
                # The core bounds every message well below the limit, so this is a bug; the
                # peer would close the connection on it (and lose what follows), so drop it.
                log.error(
                    "n%d: not sending a %s of %d bytes to n%d: over the peer frame limit of %d",
                    me,
                    type(message).__name__,
                    len(payload),
                    node,
                    self.config.max_frame_bytes,
                )
                link.dropped += 1
                continue
            link.send(payload)

    def _deliver_local(self, message: PeerMessage) -> None:
        self.core.on_message(self.config.my_id, message)
        self._dirty.set()

    # --- what services use --------------------------------------------------------------------

    def submit(self, command: Command) -> None:
        self.core.on_request(command)
        self._dirty.set()

    def read(self, read: Read) -> None:
        self.core.on_read(read)
        self._dirty.set()

    def gossip(self, node: int, payload: bytes) -> None:
        """Send `payload` to the service on replica `node` (dropped if it is unreachable)."""
        self._send([(node, Gossip(payload))])

    # --- connections ------------------------------------------------------------------------

    async def _on_peer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        limit = self.config.max_frame_bytes

        async def serve() -> None:
            # A peer names itself at once; a connection that does not (idle, or not a peer)
            # is closed after the client port's handshake timeout, not kept forever.
            timeout = self.config.sessionless_cnxn_timeout / 1000
            frames = FrameReader(reader, limit)
            try:
                batch = await asyncio.wait_for(frames.batch(), timeout)
            except TimeoutError:
                raise FrameError("no hello from the peer within the handshake timeout") from None
            if not batch:
                return
            sender = msgspec.msgpack.decode(batch[0], type=_Hello).node
            known = (self.config.peers, self.core.membership.ids, self.core.departing)
            if not any(sender in ids for ids in known):
                raise FrameError(f"unknown peer id {sender}")
            self._check_peer_certificate(writer, sender)
            del batch[0]
            while True:
                for payload in batch:
                    message = peer_decoder.decode(payload)
                    if isinstance(message, Gossip):
                        self.service.on_gossip(sender, message.payload)
                    else:
                        self.core.on_message(sender, message)
                        self._dirty.set()
                batch = await frames.batch()
                if not batch:
                    return

        await self._guard("peer", writer, serve)

    def _check_peer_certificate(self, writer: asyncio.StreamWriter, sender: int) -> None:
        """With sslQuorum and hostname verification, a peer naming itself server N must have
        a certificate for the host of the server.N line."""
        tls = self.config.tls
        if tls is None or not tls.quorum or not tls.quorum_hostname_verification:
            return
        host = self._addresses[sender].host if sender in self._addresses else "?"
        if not certificate_names(writer.get_extra_info("peercert") or {}, host):
            raise FrameError(
                f"it says it is n{sender}, but its certificate is not for n{sender}'s host "
                f"{host} (ssl.quorum.hostnameVerification)"
            )

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._guard("client", writer, lambda: self.service.serve_client(reader, writer))

    async def _guard(
        self, kind: str, writer: asyncio.StreamWriter, serve: Callable[[], Awaitable[None]]
    ) -> None:
        """Serve one connection; bad input closes it with a logged reason, never the server."""
        peer = writer.get_extra_info("peername")
        try:
            await serve()
        except (FrameError, msgspec.DecodeError, msgspec.ValidationError) as error:
            if kind == "client":
                self._client_log.log(
                    logging.WARNING,
                    "bad client",
                    "n%d: closing client connection from %s: %s",
                    self.config.my_id,
                    peer,
                    error,
                )
            else:
                log.warning(
                    "n%d: closing %s connection from %s: %s", self.config.my_id, kind, peer, error
                )
        except (OSError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()


async def run_server(
    config: ServerConfig, faults: frozenset[Fault] = frozenset(), service: Service | None = None
) -> None:
    """Run one replica until SIGINT or SIGTERM, then shut down cleanly. Raises
    `ServerFailure` (after the same shutdown) if it stopped itself."""
    import signal

    server = ReplicaServer(config, faults, service)
    await server.start()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, server.stop)
    try:
        await server.serve_until_stopped()
    finally:
        log.info("n%d: shutting down", config.my_id)
        await server.close()
    if server.failure is not None:
        raise server.failure
