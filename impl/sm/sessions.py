"""Client sessions: each client numbers its commands; a command is applied at most once.

A client may have many commands in flight and retries a command (same seq) after a timeout or
a leader change, so one command can be decided in two slots. The table remembers, per client,
the results of the commands it has not yet acknowledged (seq > acked): a duplicate is answered
from the table instead of applied again. It is part of the replicated state (and snapshots).
"""

from __future__ import annotations

import msgspec

from impl.paxos.types import Command


class _Client(msgspec.Struct, array_like=True):
    acked: int = 0
    results: dict[int, bytes] = msgspec.field(default_factory=dict)


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(dict[int, _Client])


class Sessions:
    def __init__(self) -> None:
        self._clients: dict[int, _Client] = {}

    def lookup(self, command: Command) -> bytes | None:
        """The result of `command` if it was applied before (None if it was not). A command at
        or below what the client acknowledged is one it no longer waits for: b""."""
        client = self._clients.get(command.client_id)
        if client is None:
            return None
        if command.seq <= client.acked:
            return b""
        return client.results.get(command.seq)

    def record(self, command: Command, result: bytes) -> None:
        client = self._clients.setdefault(command.client_id, _Client())
        if command.acked > client.acked:
            client.acked = command.acked
            client.results = {s: r for s, r in client.results.items() if s > command.acked}
        if command.seq > client.acked:
            client.results[command.seq] = result

    def snapshot(self) -> bytes:
        return _encoder.encode(self._clients)

    def restore(self, data: bytes) -> None:
        self._clients = _decoder.decode(data) if data else {}
