"""A key-value store: the state machine of the replicated log for now.

Commands and queries are msgpack arrays: ["put", key, value], ["delete", key],
["cas", key, expected or None, new] (compare-and-set), and the query ["get", key]. Results are
msgpack too: put → previous value or None; delete → whether the key existed; cas → whether it
swapped; get → the value or None.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder()
_state_decoder = msgspec.msgpack.Decoder(dict[str, bytes])


def encode(*parts: Any) -> bytes:
    """A command or query: encode("put", key, value)."""
    return _encoder.encode(list(parts))


def _result(value: Any) -> bytes:
    return _encoder.encode(value)


def decode(data: bytes) -> Any:
    return _decoder.decode(data)


class KeyValueStore:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def apply(self, index: int, command: bytes) -> bytes:
        try:
            op, key, *args = _decoder.decode(command)
        except (msgspec.DecodeError, ValueError, TypeError):
            return _result(["error", "malformed command"])
        if op == "put" and len(args) == 1:
            previous = self.data.get(key)
            self.data[key] = args[0]
            return _result(previous)
        if op == "delete" and not args:
            return _result(self.data.pop(key, None) is not None)
        if op == "cas" and len(args) == 2:
            if self.data.get(key) != args[0]:
                return _result(False)
            self.data[key] = args[1]
            return _result(True)
        return _result(["error", f"unknown command {op!r}"])

    def query(self, query: bytes) -> bytes:
        try:
            op, key = _decoder.decode(query)
        except (msgspec.DecodeError, ValueError, TypeError):
            return _result(["error", "malformed query"])
        if op == "get":
            return _result(self.data.get(key))
        return _result(["error", f"unknown query {op!r}"])

    def snapshot(self) -> bytes:
        return _encoder.encode(self.data)

    def restore(self, data: bytes) -> None:
        self.data = _state_decoder.decode(data) if data else {}

    def digest(self) -> str:
        return hashlib.blake2b(
            _encoder.encode(sorted(self.data.items())), digest_size=8
        ).hexdigest()
