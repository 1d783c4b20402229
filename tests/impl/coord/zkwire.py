"""A minimal blocking ZooKeeper wire client for tests that must see frames in the order the
server sent them (kazoo dispatches watch events on another thread, so it cannot show that
order)."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from impl.coord.jute import (
    NOTIFICATION_XID,
    ConnectRequest,
    ConnectResponse,
    OpCode,
    PathWatchRequest,
    Reader,
    ReplyHeader,
    RequestHeader,
    SetDataRequest,
    SetWatches,
    WatcherEvent,
    Writer,
    frame,
)


@dataclass
class Frame:
    header: ReplyHeader
    reader: Reader  # positioned after the header
    event: WatcherEvent | None = None


class WireClient:
    def __init__(self, address: tuple[str, int], timeout_ms: int = 4000) -> None:
        self.address, self.timeout_ms = address, timeout_ms
        self.sock: socket.socket | None = None
        self.xid = 0
        self.session = 0
        self.password = bytes(16)
        self.last_zxid = 0

    def connect(self, session: int = 0, password: bytes = bytes(16)) -> ConnectResponse:
        self.sock = socket.create_connection(self.address, timeout=10)
        w = Writer()
        ConnectRequest(0, self.last_zxid, self.timeout_ms, session, password).write(w)
        self.sock.sendall(frame(w.getvalue()))
        response = ConnectResponse.read(Reader(self.read_body()))
        self.session, self.password = response.session_id, response.password
        return response

    def read_body(self) -> bytes:
        assert self.sock is not None
        (length,) = struct.unpack(">i", self._exactly(4))
        return self._exactly(length)

    def _exactly(self, n: int) -> bytes:
        assert self.sock is not None
        chunks = b""
        while len(chunks) < n:
            chunk = self.sock.recv(n - len(chunks))
            if not chunk:
                raise ConnectionError("server closed the connection")
            chunks += chunk
        return chunks

    def send(self, opcode: int, record: bytes = b"") -> int:
        assert self.sock is not None
        self.xid += 1
        w = Writer()
        RequestHeader(self.xid, opcode).write(w)
        self.sock.sendall(frame(w.getvalue() + record))
        return self.xid

    def next_frame(self) -> Frame:
        r = Reader(self.read_body())
        header = ReplyHeader.read(r)
        if header.zxid > 0 and header.xid != NOTIFICATION_XID:
            self.last_zxid = max(self.last_zxid, header.zxid)
        event = WatcherEvent.read(r) if header.xid == NOTIFICATION_XID else None
        return Frame(header, r, event)

    def get_data(self, path: str, watch: bool = False) -> int:
        w = Writer()
        PathWatchRequest(path, watch).write(w)
        return self.send(OpCode.GET_DATA, w.getvalue())

    def set_data(self, path: str, data: bytes) -> int:
        w = Writer()
        SetDataRequest(path, data, -1).write(w)
        return self.send(OpCode.SET_DATA, w.getvalue())

    def set_watches(self, data: list[str]) -> None:
        """As clients send it on reconnect (xid -8)."""
        assert self.sock is not None
        w = Writer()
        RequestHeader(-8, OpCode.SET_WATCHES).write(w)
        SetWatches(self.last_zxid, data, [], []).write(w)
        self.sock.sendall(frame(w.getvalue()))

    def drop(self) -> None:
        """Close the socket without ending the session (a client losing its connection)."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None
