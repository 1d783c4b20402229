"""What runs on the replicated log, as the server sees it: a `Service` owns the state machine
and speaks its own protocol on the client port; the server owns the replica, storage and peers.

Two services exist: the key-value store (`impl.net.kv_service`, msgpack frames, for the
replicated-log tests and benchmarks) and the ZooKeeper-compatible tree (`impl.coord.service`,
ZooKeeper's jute protocol). Both answer four-letter words on the client port the way
ZooKeeper does: a connection whose first four bytes are a known word (`ruok`, `srvr`, ...) gets
a text answer (or, for a word not in `4lw.commands.whitelist`, ZooKeeper's refusal) and is
closed. The bytes cannot be mistaken for a frame: read as a length they are over a gigabyte.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from impl.paxos.types import Reply, Status
from impl.sm.base import StateMachine

if TYPE_CHECKING:
    from impl.net.server import ReplicaServer

# Our own four-letter word: the replica's status as JSON (what `LocalCluster.status` reads).
STATUS_WORD = b"pxst"


class Service(Protocol):
    @property
    def machine(self) -> StateMachine: ...

    @property
    def forward(self) -> bool:
        """Followers forward client work to the leader (clients may use any server)."""
        ...

    @property
    def immediate_replies(self) -> bool:
        """Replies are handed over the moment the replica makes them (`Replica(on_reply=)`),
        not after their batch is durable."""
        ...

    def attach(self, server: ReplicaServer) -> None:
        """Called once the replica exists, before any client connects."""
        ...

    def admit(self, host: str) -> bool:
        """A client connection from `host` was just accepted: keep it? (Refused ones are
        closed at once; `release` is called when a kept one ends.)"""
        ...

    def release(self, host: str) -> None: ...

    async def serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Serve one client connection until it ends (the server closes the writer)."""
        ...

    def on_reply(self, reply: Reply) -> None: ...

    def on_gossip(self, sender: int, payload: bytes) -> None: ...

    def on_tick(self) -> None: ...

    def close(self) -> None: ...

    def take_events(self) -> list[dict[str, Any]]:
        """The service's own events since the last call, for the event log (`paxoscope.eventLog`;
        the server writes them next to the replica's)."""
        ...


def status_json(status: Status) -> bytes:
    return json.dumps(msgspec.to_builtins(status), sort_keys=True).encode() + b"\n"


def parse_status(text: bytes) -> Status:
    return msgspec.convert(json.loads(text), Status)


def refusal(word: str) -> bytes:
    """ZooKeeper's answer to a four-letter word not in the whitelist (NIOServerCnxn)."""
    return f"{word} is not executed because it is not in the whitelist.\n".encode()


async def answer_word(
    first: bytes,
    writer: asyncio.StreamWriter,
    words: dict[bytes, Callable[[], bytes]],
    whitelist: frozenset[str],
) -> bool:
    """If `first` (a connection's first four bytes) is one of `words`, write its answer (or
    ZooKeeper's refusal if it is not in `whitelist`) and return True: the caller closes the
    connection, as ZooKeeper does."""
    answer = words.get(first)
    if answer is None:
        return False
    word = first.decode("latin-1")
    writer.write(answer() if word in whitelist else refusal(word))
    with contextlib.suppress(OSError, ConnectionError):
        await writer.drain()
    return True
