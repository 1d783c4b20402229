"""The benchmark's raw ZooKeeper client (benchmarks/zk_wire.py) against the server's own jute
(impl/coord/jute.py) as the oracle: its requests parse as the records they should be, replies
written by the server's code count as successes, and an error or a wrong record never does."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable

import pytest

from benchmarks import zk_wire
from impl.coord import jute
from impl.coord.records import ACL, Stat

VALUE, UPDATED = b"v" * 100, b"u" * 100
OPERATIONS = zk_wire.operations(VALUE, UPDATED)


def _stat(length: int) -> Stat:
    return Stat(1, 2, 3, 4, 5, 6, 7, 0, length, 0, 9)


def _request(frame: bytes) -> tuple[jute.RequestHeader, jute.Reader]:
    (length,) = struct.unpack_from(">i", frame)
    assert length == len(frame) - 4
    reader = jute.Reader(frame, 4)
    return jute.RequestHeader.read(reader), reader


def _reply(xid: int, err: int, record: bytes = b"") -> bytes:
    writer = jute.Writer()
    jute.ReplyHeader(xid, 7, err).write(writer)
    return jute.frame(writer.getvalue() + (b"" if err else record))


def _record(write: Callable[..., None], *args: object) -> bytes:
    writer = jute.Writer()
    write(writer, *args)
    return writer.getvalue()


def test_requests_parse_with_the_servers_jute() -> None:
    header, reader = _request(OPERATIONS["get"].encode(7, b"/a/b"))
    assert (header.xid, header.type) == (7, jute.OpCode.GET_DATA)
    assert jute.PathWatchRequest.read(reader) == jute.PathWatchRequest("/a/b", False)
    assert reader.at_end()

    header, reader = _request(OPERATIONS["create"].encode(8, b"/a/c"))
    assert (header.xid, header.type) == (8, jute.OpCode.CREATE)
    create = jute.CreateRequest.read(reader)
    assert (create.path, create.data, create.flags) == ("/a/c", VALUE, 0)
    assert create.acl == (ACL(31, "world", "anyone"),)
    assert reader.at_end()

    header, reader = _request(OPERATIONS["set"].encode(9, b"/a/d"))
    assert (header.xid, header.type) == (9, jute.OpCode.SET_DATA)
    assert jute.SetDataRequest.read(reader) == jute.SetDataRequest("/a/d", UPDATED, -1)
    assert reader.at_end()


def test_replies_written_by_the_server_count_as_successes_errors_and_mismatches() -> None:
    session = zk_wire.Session(None)
    cases = [
        ("get", _record(jute.Response.data_stat, VALUE, _stat(100)), "ok"),
        ("get", _record(jute.Response.data_stat, UPDATED, _stat(100)), "mismatch"),
        ("get", _record(jute.Response.data_stat, VALUE[:99], _stat(99)), "mismatch"),
        ("create", _record(jute.Response.path, "/n1"), "ok"),
        ("create", _record(jute.Response.path, "/n2"), "mismatch"),  # asked for /n1
        ("set", _record(jute.Response.stat, _stat(100)), "ok"),
        ("set", _record(jute.Response.stat, _stat(5)), "mismatch"),
        ("get", b"", "error"),
    ]
    for xid, (name, record, outcome) in enumerate(cases, start=1):
        session.operation = OPERATIONS[name]
        session.tally = zk_wire.Tally()
        session.pending[xid] = b"/n1"
        err = -101 if outcome == "error" else 0  # NONODE
        reply = _reply(xid, err, record)
        # split in two: a reply cut across reads is decoded once whole
        assert session.feed(reply[:7]) == 0
        assert session.feed(reply[7:]) == 1
        tally = session.tally
        assert (tally.ok, tally.mismatches, dict(tally.errors)) == {
            "ok": (1, 0, {}),
            "mismatch": (0, 1, {}),
            "error": (0, 0, {-101: 1}),
        }[outcome], (name, outcome)
    assert not session.pending and not session.inbuf


def test_a_reply_to_no_request_in_flight_is_a_protocol_error() -> None:
    session = zk_wire.Session(None)
    session.operation = OPERATIONS["set"]
    session.feed(_reply(-2, 0))  # a ping's reply is not a request's
    with pytest.raises(zk_wire.ProtocolError):
        session.feed(_reply(5, 0, _record(jute.Response.stat, _stat(100))))


def test_ceiling_runs_the_client_code_on_replies_made_in_memory() -> None:
    for operation in OPERATIONS.values():
        assert zk_wire.ceiling(operation, 300, 16) > 0


def _fake_server(sock: socket.socket, requests: int, bad_xids: set[int]) -> None:
    """Answers `requests` SetData requests on `sock` (a NONODE for `bad_xids`), in batches."""
    buffer = bytearray()
    answered = 0
    sock.settimeout(10.0)
    while answered < requests:
        chunk = sock.recv(65536)
        if not chunk:
            return
        buffer += chunk
        out = bytearray()
        while len(buffer) >= 4 and len(buffer) >= (end := 4 + struct.unpack_from(">i", buffer)[0]):
            header, _ = _request(bytes(buffer[:end]))
            del buffer[:end]
            bad = header.xid in bad_xids
            out += _reply(header.xid, -101 if bad else 0, _record(jute.Response.stat, _stat(100)))
            answered += 1
        sock.sendall(out)


def test_pipelined_keeps_a_window_in_flight_and_counts_only_successes() -> None:
    left, right = socket.socketpair()
    requests, bad = 500, {3, 77}
    server = threading.Thread(target=_fake_server, args=(right, requests, bad), daemon=True)
    server.start()
    try:
        session = zk_wire.Session(left)
        paths = [f"/n{i}".encode() for i in range(requests)]
        tally, elapsed = zk_wire.pipelined([session], OPERATIONS["set"], paths, 32, 30.0)
        assert (tally.ok, dict(tally.errors), tally.mismatches) == (requests - 2, {-101: 2}, 0)
        assert elapsed > 0 and not session.pending
    finally:
        left.close()
        server.join(10)
        right.close()
    assert not server.is_alive()
