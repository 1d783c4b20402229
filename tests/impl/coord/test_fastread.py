"""Reads answered from their bytes (`impl/coord/fastread.py`) against the general path.

The general path (`ZooKeeperService._request` with `read_from_bytes` off: the request decoded,
the tree queried, the ACL checked, the reply encoded) is the definition. For trees and requests
that hypothesis makes — nodes with and without data, open and closed ACLs, ephemerals; getData,
exists and other requests, with and without a watch, paths missing, empty, not UTF-8 or with a
NUL, bodies cut short or with bytes left over — the fast path either declines (None) or
answers exactly the bytes the general path sends. And it does answer the requests it is for.
"""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from impl.coord.connection import Connection
from impl.coord.fastread import local_read
from impl.coord.jute import OpCode
from impl.coord.messages import Create, CreateSession, Txn
from impl.coord.records import ACL, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, Identity, Perms
from impl.coord.service import ZooKeeperService
from impl.net.config import load_config, write_cluster_configs

ZXID = 0x1_0000_002A
ME: tuple[Identity, ...] = (("ip", "127.0.0.1"), ("digest", "alice:x"))
ACLS = [
    OPEN_ACL_UNSAFE,
    READ_ACL_UNSAFE,
    (ACL(Perms.WRITE, "world", "anyone"),),  # no READ for anyone
    (ACL(Perms.ALL, "digest", "alice:x"),),  # mine
    (ACL(Perms.ALL, "digest", "bob:y"),),  # not mine
    (ACL(Perms.READ, "ip", "127.0.0.0/8"),),
    (ACL(Perms.READ, "ip", "10.0.0.1"), ACL(Perms.READ | Perms.WRITE, "world", "anyone")),
]
PATHS = ["/a", "/a/b", "/c", "/e", "/é"]


class _Writer:
    """What a Connection needs of an asyncio.StreamWriter: the bytes written are kept."""

    def __init__(self) -> None:
        self.written = b""
        self.transport = self

    def write(self, data: bytes) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0


class _Core:
    applied = ZXID

    def lease_read_now(self) -> bool:
        return True


class _Server:
    core = _Core()


def _service(tmp_path: Path, datas: list[bytes | None], acls: list[int]) -> ZooKeeperService:
    [path] = write_cluster_configs(tmp_path, 1)
    service = ZooKeeperService(load_config(path))
    service._server = _Server()  # type: ignore[assignment]
    tree = service.tree
    assert tree.execute(1, Txn(CreateSession(30_000), session=7, time=1)).err == 0
    for i, (node, data, acl) in enumerate(zip(PATHS, datas, acls, strict=False)):
        flags = 1 if node == "/e" else 0  # an ephemeral of session 7
        create = Create(node, data, ACLS[acl % len(ACLS)], flags)
        assert tree.execute(2 + i, Txn(create, session=7, time=5)).err == 0
    return service


def _general(service: ZooKeeperService, body: bytes) -> bytes:
    """The bytes the general path sends in answer to `body`."""
    writer = _Writer()

    async def answer() -> None:
        conn = Connection(writer, 99, "127.0.0.1", "127.0.0.1:1")  # type: ignore[arg-type]
        conn.identities.append(ME[1])
        conn.session = 7
        service.read_from_bytes = False
        service._request(conn, body)
        conn.flush()

    asyncio.run(answer())
    return writer.written


def _body(xid: int, opcode: int, path: bytes, watch: int, extra: bytes = b"") -> bytes:
    return struct.pack(">iii", xid, opcode, len(path)) + path + bytes([watch]) + extra


_paths = st.sampled_from([p.encode() for p in [*PATHS, "/missing", "", "/", "/a\0"]]) | (
    st.binary(max_size=6)
)
_requests = st.builds(
    _body,
    st.integers(-(2**31), 2**31 - 1),
    st.sampled_from([OpCode.GET_DATA, OpCode.EXISTS, OpCode.GET_CHILDREN, OpCode.GET_ACL]),
    _paths,
    st.sampled_from([0, 0, 0, 1, 2]),
    st.sampled_from([b"", b"", b"\0", b"junk"]),
)
_cut = _requests.flatmap(lambda body: st.integers(0, len(body)).map(lambda n: body[:n]))


@settings(max_examples=150, deadline=None)
@given(
    datas=st.lists(st.none() | st.binary(max_size=40), min_size=len(PATHS), max_size=len(PATHS)),
    acls=st.lists(st.integers(0, len(ACLS) - 1), min_size=len(PATHS), max_size=len(PATHS)),
    bodies=st.lists(_requests | _cut, min_size=1, max_size=8),
)
def test_a_read_answered_from_its_bytes_is_answered_as_the_general_path_answers_it(
    tmp_path_factory: Any, datas: list[bytes | None], acls: list[int], bodies: list[bytes]
) -> None:
    service = _service(tmp_path_factory.mktemp("fast"), datas, acls)
    for body in bodies:
        fast = local_read(body, service.tree, ZXID, ME)
        if fast is not None:
            assert fast == _general(service, body), body


def test_the_reads_it_is_for_are_answered_from_their_bytes(tmp_path: Path) -> None:
    """getData and exists without a watch, of a node there, readable: with data, without,
    empty, an ephemeral, the root (also as ""), under each ACL that lets me read."""
    service = _service(tmp_path, [b"x" * 100, None, b"", b"e", "é".encode()], [0, 1, 3, 5, 6])
    for path in [*PATHS, "/", ""]:
        for opcode in (OpCode.GET_DATA, OpCode.EXISTS):
            body = _body(5, opcode, path.encode(), 0)
            fast = local_read(body, service.tree, ZXID, ME)
            assert fast is not None, (path, opcode)
            assert fast == _general(service, body)
    # ... and not the ones it leaves to the general path
    closed = _service(tmp_path / "closed", [b"x"] * 5, [2, 4, 2, 4, 2])
    declined = [
        _body(5, OpCode.GET_DATA, b"/a", 1),  # a watch to set
        _body(5, OpCode.GET_DATA, b"/missing", 0),  # NONODE
        _body(5, OpCode.GET_DATA, b"/a", 0, b"\0"),  # bytes left over
        _body(5, OpCode.GET_DATA, b"/\xff", 0),  # not UTF-8
        _body(5, OpCode.GET_CHILDREN, b"/a", 0),
    ]
    for body in declined:
        assert local_read(body, service.tree, ZXID, ME) is None, body
    for path in PATHS:  # NOAUTH for getData; exists checks no ACL
        get = _body(5, OpCode.GET_DATA, path.encode(), 0)
        assert local_read(get, closed.tree, ZXID, ME) is None
        exists = _body(5, OpCode.EXISTS, path.encode(), 0)
        assert local_read(exists, closed.tree, ZXID, ME) == _general(closed, exists)
