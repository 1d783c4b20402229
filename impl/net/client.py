"""The client: submits commands to the leader and performs linearizable reads.

A client has an id and numbers its operations. It talks to one server at a time; a server that
does not lead answers "not leader" with its best guess, and the client follows the hint (it
learns which address is which node from the servers' status) or tries the next server. An
operation that gets no answer in `attempt_timeout` is sent again, with the same number, so the
replicas apply it once however often it is retried. Many operations may be in flight at once
(`AsyncClient`); `Client` is the same thing behind a blocking API.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

import msgspec

from impl.net.framing import FrameError, FrameReader, frame
from impl.net.service import STATUS_WORD, parse_status, refusal
from impl.paxos.types import (
    Command,
    Read,
    Reply,
    Request,
    Status,
    StatusQuery,
    client_decoder,
    peer_encoder,
)
from impl.sm import kv

# this process's own generator: the global `random` is left to the application (and to
# property-based tests, which watch it)
_RANDOM = random.Random()

T = TypeVar("T")
Address = tuple[str, int]
MAX_FRAME = 64 * 1024 * 1024


class _Connection:
    def __init__(
        self, index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.index, self.reader, self.writer = index, reader, writer
        self.task: asyncio.Task[None] | None = None

    def send(self, payload: bytes) -> None:
        self.writer.write(frame(payload))

    def close(self) -> None:
        self.writer.close()
        if self.task is not None:
            self.task.cancel()


class AsyncClient:
    def __init__(
        self,
        servers: Sequence[Address],
        client_id: int | None = None,
        *,
        timeout: float = 30.0,
        attempt_timeout: float = 1.0,
    ) -> None:
        if not servers:
            raise ValueError("a client needs at least one server address")
        self.servers = list(servers)
        self.client_id = client_id if client_id is not None else _RANDOM.getrandbits(62) + 1
        self.timeout, self.attempt_timeout = timeout, attempt_timeout
        self._seq = 0
        self._done: set[int] = set()
        self._acked = 0
        self._pending: dict[int, asyncio.Future[Reply]] = {}
        self._target = _RANDOM.randrange(len(self.servers))
        self._ids: dict[int, int] = {}  # node id → index in servers
        self._connection: _Connection | None = None
        self._connecting: asyncio.Lock | None = None

    # --- operations -------------------------------------------------------------------------

    async def submit(self, op: bytes) -> bytes:
        """Apply one command to the replicated state machine; its result."""
        return await self._call(lambda seq: Request(Command(self.client_id, seq, self._acked, op)))

    async def query(self, query: bytes) -> bytes:
        """A linearizable read: it sees every command acknowledged before it began."""
        return await self._call(lambda seq: Read(self.client_id, seq, query))

    async def put(self, key: str, value: bytes) -> bytes | None:
        result: bytes | None = kv.decode(await self.submit(kv.encode("put", key, value)))
        return result

    async def get(self, key: str) -> bytes | None:
        result: bytes | None = kv.decode(await self.query(kv.encode("get", key)))
        return result

    async def delete(self, key: str) -> bool:
        return bool(kv.decode(await self.submit(kv.encode("delete", key))))

    async def cas(self, key: str, expected: bytes | None, new: bytes) -> bool:
        return bool(kv.decode(await self.submit(kv.encode("cas", key, expected, new))))

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # --- retries ----------------------------------------------------------------------------

    async def _call(self, make: Callable[[int], Request | Read]) -> bytes:
        loop = asyncio.get_running_loop()
        self._seq += 1
        seq = self._seq
        deadline = loop.time() + self.timeout
        while loop.time() < deadline:
            future: asyncio.Future[Reply] = loop.create_future()
            self._pending[seq] = future
            index = self._target
            try:
                connection = await self._connect()
                index = connection.index
                connection.send(peer_encoder.encode(make(seq)))
                reply = await asyncio.wait_for(future, self.attempt_timeout)
            except (OSError, ConnectionError, FrameError, TimeoutError):
                self._move_on(index)
                await asyncio.sleep(0.05)
                continue
            finally:
                self._pending.pop(seq, None)
            if reply.ok:
                self._finished(seq)
                return reply.result
            self._redirect(index, reply.leader)
            await asyncio.sleep(0.02 if reply.leader else 0.1)
        raise TimeoutError(f"no server answered operation {seq} within {self.timeout} s")

    def _finished(self, seq: int) -> None:
        self._done.add(seq)
        while self._acked + 1 in self._done:
            self._acked += 1
            self._done.discard(self._acked)

    def _move_on(self, failed_index: int) -> None:
        """The server at `failed_index` did not answer: try the next one (once, however many
        operations noticed)."""
        if self._target == failed_index:
            self._target = (failed_index + 1) % len(self.servers)
            self._drop_connection()

    def _redirect(self, index: int, leader: int) -> None:
        if self._target != index:
            return
        target = self._ids.get(leader)
        if target is None:
            target = (index + 1) % len(self.servers)
        if target != self._target:
            self._target = target
            self._drop_connection()

    # --- the connection ---------------------------------------------------------------------

    async def _connect(self) -> _Connection:
        if self._connection is not None and self._connection.index == self._target:
            return self._connection
        self._connecting = self._connecting or asyncio.Lock()
        async with self._connecting:
            if self._connection is not None and self._connection.index == self._target:
                return self._connection
            self._drop_connection()
            index = self._target
            host, port = self.servers[index]
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port), self.attempt_timeout
            )
            connection = _Connection(index, reader, writer)
            connection.task = asyncio.ensure_future(self._read_replies(connection))
            connection.send(peer_encoder.encode(StatusQuery()))  # learn which node this is
            self._connection = connection
            return connection

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def _read_replies(self, connection: _Connection) -> None:
        try:
            frames = FrameReader(connection.reader, MAX_FRAME)
            while batch := await frames.batch():
                for payload in batch:
                    message = client_decoder.decode(payload)
                    if isinstance(message, Status):
                        self._ids[message.node] = connection.index
                    elif isinstance(message, Reply):
                        future = self._pending.get(message.seq)
                        if future is not None and not future.done():
                            future.set_result(message)
        except (OSError, ConnectionError, FrameError):
            pass
        finally:
            # Whoever waits on this connection tries elsewhere at once.
            if self._connection is connection:
                self._connection = None
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("connection to server lost"))


async def server_status(
    address: Address, timeout: float = 2.0, tls: ssl.SSLContext | None = None
) -> Status:
    """Ask one server for its status (role, leader, commit index, state digest), with the
    four-letter word every service answers (on a secure client port: with `tls`)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(*address, ssl=tls), timeout)
    try:
        writer.write(STATUS_WORD)
        text = await asyncio.wait_for(reader.read(), timeout)
        if not text:
            raise ConnectionError(f"{address[0]}:{address[1]} closed the connection")
        if text == refusal(STATUS_WORD.decode()):
            raise FrameError(
                f"{address[0]}:{address[1]} does not answer {STATUS_WORD.decode()}: it is not in "
                "the server's 4lw.commands.whitelist"
            )
        try:
            return parse_status(text)
        except (ValueError, msgspec.ValidationError) as error:
            raise FrameError(f"{address[0]}:{address[1]} sent no status: {error}") from None
    finally:
        writer.close()
        with contextlib.suppress(OSError, ConnectionError):
            await writer.wait_closed()


class Client:
    """`AsyncClient` behind a blocking API (its event loop runs on a private thread)."""

    def __init__(self, servers: Sequence[Address], **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.inner = AsyncClient(servers, **options)

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def submit(self, op: bytes) -> bytes:
        return self._run(self.inner.submit(op))

    def query(self, query: bytes) -> bytes:
        return self._run(self.inner.query(query))

    def put(self, key: str, value: bytes) -> bytes | None:
        return self._run(self.inner.put(key, value))

    def get(self, key: str) -> bytes | None:
        return self._run(self.inner.get(key))

    def delete(self, key: str) -> bool:
        return self._run(self.inner.delete(key))

    def cas(self, key: str, expected: bytes | None, new: bytes) -> bool:
        return self._run(self.inner.cas(key, expected, new))

    def status(self, address: Address, timeout: float = 2.0) -> Status:
        return self._run(server_status(address, timeout))

    def close(self) -> None:
        self._run(self.inner.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
