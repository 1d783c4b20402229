"""The jute codec against kazoo's own serialization: what kazoo writes we read, what we write
kazoo reads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kazoo.protocol import serialization as kz
from kazoo.security import ACL as KazooACL
from kazoo.security import Id

from impl.coord.jute import (
    ConnectRequest,
    ConnectResponse,
    CreateRequest,
    JuteError,
    OpCode,
    PathVersionRequest,
    PathWatchRequest,
    Reader,
    ReplyHeader,
    RequestHeader,
    Response,
    SetDataRequest,
    WatcherEvent,
    Writer,
    read_multi,
)
from impl.coord.records import ACL, Stat

paths = st.from_regex(r"\A/[a-z0-9]{1,8}(/[a-z0-9]{1,8}){0,2}\Z")
datas = st.binary(max_size=64)
stats = st.builds(Stat, *[st.integers(0, 2**31 - 1) for _ in range(11)])


def test_connect_request_as_kazoo_sends_it() -> None:
    body = kz.Connect(0, 17, 10_000, 0, b"\x00" * 16, False).serialize()
    request = ConnectRequest.read(Reader(bytes(body)))
    assert request == ConnectRequest(0, 17, 10_000, 0, b"\x00" * 16, False)


def test_connect_response_as_kazoo_reads_it() -> None:
    w = Writer()
    ConnectResponse(0, 8000, 0x1234, b"p" * 16, False).write(w)
    parsed = kz.Connect.deserialize(w.getvalue(), 0)
    assert parsed[0].time_out == 8000 and parsed[0].session_id == 0x1234


def test_an_older_client_without_the_read_only_flag() -> None:
    w = Writer().i32(0).i64(0).i32(5000).i64(0).buffer(b"x" * 16)
    assert ConnectRequest.read(Reader(w.getvalue())).read_only is False


@given(paths, datas, st.integers(0, 3))
def test_create_request(path: str, data: bytes, flags: int) -> None:
    acl = [KazooACL(31, Id("world", "anyone"))]
    body = kz.Create(path, data, acl, flags).serialize()
    request = CreateRequest.read(Reader(bytes(body)))
    assert request == CreateRequest(path, data, (ACL(31, "world", "anyone"),), flags)


@given(paths, st.integers(-1, 100))
def test_delete_and_set_data_requests(path: str, version: int) -> None:
    assert PathVersionRequest.read(Reader(bytes(kz.Delete(path, version).serialize()))) == (
        PathVersionRequest(path, version)
    )
    body = bytes(kz.SetData(path, b"d", version).serialize())
    assert SetDataRequest.read(Reader(body)) == SetDataRequest(path, b"d", version)


@given(paths, st.booleans())
def test_read_requests_with_watches(path: str, watch: bool) -> None:
    for kind in (kz.Exists, kz.GetData, kz.GetChildren, kz.GetChildren2):
        body = bytes(kind(path, watch).serialize())
        assert PathWatchRequest.read(Reader(body)) == PathWatchRequest(path, watch)


def test_request_header_and_multi() -> None:
    ops = [
        kz.Create("/a", b"1", [KazooACL(31, Id("world", "anyone"))], 0),
        kz.Delete("/b", 3),
        kz.SetData("/c", b"x", -1),
        kz.CheckVersion("/d", 7),
    ]
    body = bytes(kz.Transaction(ops).serialize())
    parsed = read_multi(Reader(body))
    assert [t for t, _ in parsed] == [
        OpCode.CREATE, OpCode.DELETE, OpCode.SET_DATA, OpCode.CHECK,
    ]  # fmt: skip
    assert parsed[3][1] == PathVersionRequest("/d", 7)
    w = Writer()
    RequestHeader(5, OpCode.MULTI).write(w)
    assert RequestHeader.read(Reader(w.getvalue())) == RequestHeader(5, 14)


@given(datas, stats)
def test_responses_as_kazoo_reads_them(data: bytes, stat: Stat) -> None:
    w = Writer()
    Response.data_stat(w, data, stat)
    got_data, got_stat = kz.GetData.deserialize(w.getvalue(), 0)
    assert got_data == data and tuple(got_stat) == tuple(
        getattr(stat, f) for f in stat.__struct_fields__
    )
    w = Writer()
    Response.children_stat(w, ["x", "y"], stat)
    children, stat2 = kz.GetChildren2.deserialize(w.getvalue(), 0)
    assert children == ["x", "y"] and stat2.czxid == stat.czxid
    w = Writer()
    Response.path_stat(w, "/p", stat)
    assert kz.Create2.deserialize(w.getvalue(), 0)[0] == "/p"


def test_reply_header_and_watch_event_as_kazoo_reads_them() -> None:
    w = Writer()
    ReplyHeader(-1, 99, 0).write(w)
    WatcherEvent(3, 3, "/node").write(w)
    header, offset = kz.ReplyHeader.deserialize(w.getvalue(), 0)
    assert (header.xid, header.zxid, header.err) == (-1, 99, 0)
    event, _ = kz.Watch.deserialize(w.getvalue(), offset)
    assert (event.type, event.state, event.path) == (3, 3, "/node")


@pytest.mark.parametrize("body", [b"", b"\x00\x00", b"\x00\x00\x00\x09abc", b"\xff\xff\xff\xfe"])
def test_cut_or_bad_records_raise_jute_errors(body: bytes) -> None:
    with pytest.raises(JuteError):
        PathWatchRequest.read(Reader(body))
