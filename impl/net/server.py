"""One replica as a process: the deterministic core, its storage, and asyncio TCP around them.

Everything happens on the event loop thread. Inputs (peer frames, client frames, clock ticks)
go straight into the core; a single flusher task then takes the core's effects, persists and
fsyncs their records, and only then sends their messages and replies. Inputs that arrive while
a batch is being made durable go into the next batch together: that is group commit, and it is
what makes pipelined clients fast.

Peers: each replica keeps one outgoing connection per peer (reconnecting with backoff) and
accepts incoming ones; the first frame on a peer connection names the sender. A peer that is
slow to read makes its queue fill up; further messages to it are dropped, which Paxos tolerates
(the sender retries), rather than stalling the core. Clients: each connection may have a bounded
number of commands in flight; beyond that the server stops reading from it (back-pressure).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

import msgspec

from impl.net.config import ServerConfig
from impl.net.framing import FrameError, frame, read_frame
from impl.paxos.faults import Fault
from impl.paxos.replica import Replica, ReplicaOptions
from impl.paxos.types import (
    Effects,
    PeerMessage,
    Read,
    Reply,
    Request,
    StatusQuery,
    client_decoder,
    needs_sync,
    peer_decoder,
    peer_encoder,
)
from impl.sm.kv import KeyValueStore
from impl.storage import ReplicaStore

log = logging.getLogger("paxoscope.server")

PEER_BUFFER_BYTES = 64 * 1024 * 1024  # unsent bytes to a slow peer before we drop
CLIENT_INFLIGHT = 4_096  # commands one client connection may have in flight


class _Hello(msgspec.Struct, array_like=True, tag="hello"):
    node: int


@dataclass
class _ClientConnection:
    writer: asyncio.StreamWriter
    inflight: int = 0
    room: asyncio.Event | None = None  # set while inflight < CLIENT_INFLIGHT

    def sent_reply(self) -> None:
        self.inflight = max(0, self.inflight - 1)
        if self.room is not None and self.inflight < CLIENT_INFLIGHT // 2:
            self.room.set()

    async def admit(self) -> None:
        """Wait until this connection may have one more command in flight."""
        while self.inflight >= CLIENT_INFLIGHT:
            self.room = self.room or asyncio.Event()
            self.room.clear()
            await self.room.wait()
        self.inflight += 1


class _PeerLink:
    """The outgoing connection to one peer. `send` writes straight to the socket (so a batch's
    early messages leave before its fsync starts); while disconnected, or while the peer reads
    too slowly, messages are dropped and counted. `run` (re)connects with backoff."""

    def __init__(self, me: int, peer: int, host: str, port: int) -> None:
        self.me, self.peer, self.host, self.port = me, peer, host, port
        self.writer: asyncio.StreamWriter | None = None
        self.dropped = 0

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
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
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
    def __init__(self, config: ServerConfig, faults: frozenset[Fault] = frozenset()) -> None:
        self.config = config
        self.faults = faults
        self._dirty = asyncio.Event()
        self._clients: dict[int, _ClientConnection] = {}
        self._links: dict[int, _PeerLink] = {}
        self._servers: list[asyncio.Server] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = asyncio.Event()
        self.store: ReplicaStore | None = None
        self._event_log: BinaryIO | None = None
        self.replica: Replica | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        config = self.config
        store, durable, damage = ReplicaStore.open(config.data_dir, fsync=config.fsync)
        self.store = store
        if damage is not None:
            log.warning(
                "n%d: the log's tail was damaged and cut off (%s); this replica will not vote "
                "until it has caught up with every other replica",
                config.my_id,
                damage,
            )
        options = ReplicaOptions(
            election_ticks=config.election_ticks,
            heartbeat_ticks=config.heartbeat_ticks,
            snapshot_every=config.snapshot_every,
            faults=self.faults,
            events=config.event_log,
        )
        if config.event_log:
            self._event_log = (config.data_dir / "events.ndjson").open("ab")
        self.replica = Replica(
            config.my_id,
            sorted(config.servers),
            KeyValueStore(),
            durable,
            options,
            seed=random.randrange(2**32),
        )
        me = config.me
        self._servers.append(await asyncio.start_server(self._on_peer, me.host, me.peer_port))
        self._servers.append(
            await asyncio.start_server(
                self._on_client, config.client_port_address, config.client_port
            )
        )
        for peer_id, peer in config.peers.items():
            link = _PeerLink(config.my_id, peer_id, peer.host, peer.peer_port)
            self._links[peer_id] = link
            self._spawn(link.run())
        self._spawn(self._tick_loop())
        self._spawn(self._flush_loop())
        log.info(
            "n%d: serving clients on %s:%d, peers on %s:%d (%d replicas)%s",
            config.my_id,
            config.client_port_address,
            config.client_port,
            me.host,
            me.peer_port,
            len(config.servers),
            f"; faults on: {', '.join(sorted(self.faults))}" if self.faults else "",
        )

    async def serve_until_stopped(self) -> None:
        await self._stopped.wait()

    def stop(self) -> None:
        self._stopped.set()

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for connection in self._clients.values():
            connection.writer.close()
        if self.store is not None:
            self.store.close()
        if self._event_log is not None:
            self._event_log.close()

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        self._tasks.append(asyncio.ensure_future(coroutine))

    @property
    def core(self) -> Replica:
        assert self.replica is not None, "start() first"
        return self.replica

    # --- the core's clock and effects -------------------------------------------------------

    async def _tick_loop(self) -> None:
        period = self.config.tick_ms / 1000
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while True:
            next_tick += period
            await asyncio.sleep(max(0.0, next_tick - loop.time()))
            self.core.on_tick()
            self._dirty.set()

    async def _flush_loop(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            effects = self.core.flush()
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
                self._reply(reply)

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
            self.store.install_snapshot(*effects.snapshot)

    def _send(self, messages: list[tuple[int, PeerMessage]]) -> None:
        me = self.config.my_id
        for node, message in messages:
            if node == me:  # to its own acceptor (or leader): delivered in the next turn
                asyncio.get_running_loop().call_soon(self._deliver_local, message)
                continue
            link = self._links.get(node)
            if link is not None:
                link.send(peer_encoder.encode(message))

    def _deliver_local(self, message: PeerMessage) -> None:
        self.core.on_message(self.config.my_id, message)
        self._dirty.set()

    def _reply(self, reply: Reply) -> None:
        connection = self._clients.get(reply.client_id)
        if connection is None:
            return
        connection.sent_reply()
        if not connection.writer.is_closing():
            connection.writer.write(frame(peer_encoder.encode(reply)))

    # --- connections ------------------------------------------------------------------------

    async def _on_peer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        limit = self.config.max_frame_bytes

        async def serve() -> None:
            hello = await read_frame(reader, limit)
            if hello is None:
                return
            sender = msgspec.msgpack.decode(hello, type=_Hello).node
            if sender not in self.config.peers:
                raise FrameError(f"unknown peer id {sender}")
            while (payload := await read_frame(reader, limit)) is not None:
                self.core.on_message(sender, peer_decoder.decode(payload))
                self._dirty.set()

        await self._guard("peer", writer, serve)

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = _ClientConnection(writer)
        owned: set[int] = set()

        async def serve() -> None:
            while (payload := await read_frame(reader, self.config.max_frame_bytes)) is not None:
                message = client_decoder.decode(payload)
                if isinstance(message, StatusQuery):
                    writer.write(frame(peer_encoder.encode(self.core.status())))
                    continue
                if not isinstance(message, Request | Read):
                    raise FrameError(f"unexpected {type(message).__name__} from a client")
                client_id = (
                    message.command.client_id if isinstance(message, Request) else message.client_id
                )
                if self._clients.get(client_id) is not connection:
                    self._clients[client_id] = connection
                    owned.add(client_id)
                await connection.admit()
                if isinstance(message, Request):
                    self.core.on_request(message.command)
                else:
                    self.core.on_read(message)
                self._dirty.set()

        try:
            await self._guard("client", writer, serve)
        finally:
            for client_id in owned:
                if self._clients.get(client_id) is connection:
                    del self._clients[client_id]

    async def _guard(
        self, kind: str, writer: asyncio.StreamWriter, serve: Callable[[], Awaitable[None]]
    ) -> None:
        """Serve one connection; bad input closes it with a logged reason, never the server."""
        peer = writer.get_extra_info("peername")
        try:
            await serve()
        except (FrameError, msgspec.DecodeError, msgspec.ValidationError) as error:
            log.warning(
                "n%d: closing %s connection from %s: %s", self.config.my_id, kind, peer, error
            )
        except (OSError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()


async def run_server(config: ServerConfig, faults: frozenset[Fault] = frozenset()) -> None:
    """Run one replica until SIGINT or SIGTERM, then shut down cleanly."""
    import signal

    server = ReplicaServer(config, faults)
    await server.start()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, server.stop)
    try:
        await server.serve_until_stopped()
    finally:
        log.info("n%d: shutting down", config.my_id)
        await server.close()
