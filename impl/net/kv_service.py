"""The key-value service: `impl.sm.kv` on the log, spoken to by `impl.net.client` in msgpack
frames (`Request`, `Read`, `StatusQuery` in; `Reply`, `Status` out).

Only the leader serves: a follower answers "not leader" with a hint and the client goes there.
Each connection may have a bounded number of commands in flight; beyond that the service stops
reading from it (back-pressure). Replies go out after the records of their batch are durable.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from impl.net.framing import FrameError, FrameReader, frame, read_frame_after, read_header
from impl.net.service import STATUS_WORD, answer_word, status_json
from impl.paxos.types import Read, Reply, Request, StatusQuery, client_decoder, peer_encoder
from impl.sm.kv import KeyValueStore

if TYPE_CHECKING:
    from impl.net.server import ReplicaServer

CLIENT_INFLIGHT = 4_096  # commands one client connection may have in flight


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


class KeyValueService:
    forward = False
    immediate_replies = False

    def __init__(self) -> None:
        self.machine = KeyValueStore()
        self._server: ReplicaServer | None = None
        self._clients: dict[int, _ClientConnection] = {}

    def attach(self, server: ReplicaServer) -> None:
        self._server = server

    def admit(self, host: str) -> bool:
        return True  # the replicated log's test service limits nothing

    def release(self, host: str) -> None:
        pass

    async def serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        server = self._server
        assert server is not None, "attach() first"
        first = await read_header(reader)
        if first is None:
            return
        words = {STATUS_WORD: lambda: status_json(server.core.status()), b"ruok": lambda: b"imok"}
        if await answer_word(first, writer, words, server.config.four_letter_words):
            return
        connection = _ClientConnection(writer)
        owned: set[int] = set()
        limit = server.config.max_frame_bytes
        try:
            # The first frame (its header read already), then the rest a burst at a time.
            batch = [await read_frame_after(first, reader, limit)]
            frames = FrameReader(reader, limit)
            while batch:
                for payload in batch:
                    message = client_decoder.decode(payload)
                    if isinstance(message, StatusQuery):
                        writer.write(frame(peer_encoder.encode(server.core.status())))
                    elif isinstance(message, Request | Read):
                        client_id = (
                            message.command.client_id
                            if isinstance(message, Request)
                            else message.client_id
                        )
                        if self._clients.get(client_id) is not connection:
                            self._clients[client_id] = connection
                            owned.add(client_id)
                        await connection.admit()
                        if isinstance(message, Request):
                            server.submit(message.command)
                        else:
                            server.read(message)
                    else:
                        raise FrameError(f"unexpected {type(message).__name__} from a client")
                batch = await frames.batch()
        finally:
            for client_id in owned:
                if self._clients.get(client_id) is connection:
                    del self._clients[client_id]

    def on_reply(self, reply: Reply) -> None:
        connection = self._clients.get(reply.client_id)
        if connection is None:
            return
        connection.sent_reply()
        if not connection.writer.is_closing():
            connection.writer.write(frame(peer_encoder.encode(reply)))

    def on_gossip(self, sender: int, payload: bytes) -> None:
        pass

    def on_tick(self) -> None:
        pass

    def close(self) -> None:
        for connection in self._clients.values():
            connection.writer.close()

    def take_events(self) -> list[dict[str, Any]]:
        return []  # the replica's events are all there is
