"""Reads answered from their bytes (`impl/coord/fastread.py`) against the general path.

The general path (`ZooKeeperService._request` with `read_from_bytes` off: the request decoded,
the tree queried, the ACL checked, the reply encoded, the watch set) is the definition. For
trees and requests that hypothesis makes — nodes with and without data or children, open and
closed ACLs, ephemerals; getData, exists, getChildren(2) and other requests, with and without a
watch, paths missing, empty, not UTF-8 or with a NUL, bodies cut short or with bytes left over
— the fast path either declines (None) or answers exactly the bytes the general path sends, and
names exactly the watch it sets. And it does answer the requests it is for.
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
from impl.coord.watches import Kind
from impl.net.config import load_config
from impl.net.local_configs import write_cluster_configs

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
PATHS = ["/a", "/a/b", "/c", "/e", "/é", "/a/é", "/a/b/c"]


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


Answer = tuple[bytes, str, Kind | None]


def _general(service: ZooKeeperService, body: bytes) -> Answer:
    """The bytes the general path sends in answer to `body`, and the watch it sets (its path
    and kind, or "" and None)."""
    writer = _Writer()
    conn = Connection(writer, 99, "127.0.0.1", "127.0.0.1:1")  # type: ignore[arg-type]
    conn.identities.append(ME[1])
    conn.session = 7

    async def answer() -> None:
        service.read_from_bytes = False
        service._request(conn, body)
        conn.flush()

    asyncio.run(answer())
    watches = [
        (path, kind) for kind, paths in service._watches.manager.paths_of(conn).items() for path in paths
    ]
    service._watches.manager.forget(conn)
    assert len(watches) <= 1
    path, kind = watches[0] if watches else ("", None)
    return writer.written, path, kind


def _fast(service: ZooKeeperService, body: bytes) -> Answer | None:
    answer = local_read(body, service.tree, ZXID, ME)
    if answer is None or answer[2] is not None:
        return answer
    return answer[0], "", None  # no watch: its path does not matter


def _body(xid: int, opcode: int, path: bytes, watch: int, extra: bytes = b"") -> bytes:
    return struct.pack(">iii", xid, opcode, len(path)) + path + bytes([watch]) + extra


_paths = st.sampled_from([p.encode() for p in [*PATHS, "/missing", "", "/", "/a\0"]]) | (
    st.binary(max_size=6)
)
_requests = st.builds(
    _body,
    st.integers(-(2**31), 2**31 - 1),
    st.sampled_from(
        [OpCode.GET_DATA, OpCode.EXISTS, OpCode.GET_CHILDREN, OpCode.GET_CHILDREN2, OpCode.GET_ACL]
    ),
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
        fast = _fast(service, body)
        if fast is not None:
            assert fast == _general(service, body), body


READS = (OpCode.GET_DATA, OpCode.EXISTS, OpCode.GET_CHILDREN, OpCode.GET_CHILDREN2)


def test_the_reads_it_is_for_are_answered_from_their_bytes(tmp_path: Path) -> None:
    """getData, exists and getChildren(2), with and without a watch, of a node there,
    readable: with data, without, empty, an ephemeral, with children and without, the root
    (also as ""), under each ACL that lets me read."""
    datas: list[bytes | None] = [b"x" * 100, None, b"", b"e", "é".encode(), b"y", None]
    service = _service(tmp_path, datas, [0, 1, 3, 5, 6, 0, 1])
    for path in [*PATHS, "/", ""]:
        for opcode in READS:
            for watch in (0, 1):
                body = _body(5, opcode, path.encode(), watch)
                fast = _fast(service, body)
                assert fast is not None, (path, opcode)
                assert fast == _general(service, body)
    # ... and not the ones it leaves to the general path
    closed = _service(tmp_path / "closed", [b"x"] * len(PATHS), [2, 4] * len(PATHS))
    declined = [
        _body(5, OpCode.GET_DATA, b"/missing", 0),  # NONODE
        _body(5, OpCode.EXISTS, b"/missing", 1),  # NONODE, and a watch on it
        _body(5, OpCode.GET_DATA, b"/a", 0, b"\0"),  # bytes left over
        _body(5, OpCode.GET_DATA, b"/\xff", 0),  # not UTF-8
        _body(5, OpCode.GET_ACL, b"/a", 0),
    ]
    for body in declined:
        assert local_read(body, service.tree, ZXID, ME) is None, body
    for path in PATHS:  # NOAUTH for the others; exists checks no ACL
        for opcode in (OpCode.GET_DATA, OpCode.GET_CHILDREN, OpCode.GET_CHILDREN2):
            assert local_read(_body(5, opcode, path.encode(), 1), closed.tree, ZXID, ME) is None
        exists = _body(5, OpCode.EXISTS, path.encode(), 1)
        assert _fast(closed, exists) == _general(closed, exists)
