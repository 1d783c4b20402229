"""What a read answers (`impl/coord/reads.py`): the permission check, the watch it sets, and
a multiRead's reads each on its own."""

from __future__ import annotations

from impl.coord.connection import Connection
from impl.coord.errors import Code
from impl.coord.jute import (
    MultiHeader,
    OpCode,
    PathWatchRequest,
    Reader,
    ReplyHeader,
    Writer,
    read_stat,
)
from impl.coord.messages import Create, CreateSession, Exists, Txn
from impl.coord.reads import ReadAnswers
from impl.coord.records import ACL, OPEN_ACL_UNSAFE, Perms
from impl.coord.requests import decode
from impl.coord.tree import DataTree
from impl.coord.watches import Kind
from impl.coord.watching import EventLog, ServerWatches

APPLIED = 9


class _Writer:
    def __init__(self) -> None:
        self.transport = self

    def write(self, data: bytes) -> None:
        pass

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0


def _setup() -> tuple[DataTree, ServerWatches, ReadAnswers, Connection]:
    tree = DataTree()
    tree.execute(1, Txn(CreateSession(30_000), session=7, time=1))
    tree.execute(2, Txn(Create("/open", b"o", OPEN_ACL_UNSAFE), session=7))
    secret = (ACL(Perms.ALL, "digest", "bob:y"),)
    tree.execute(3, Txn(Create("/bob", b"b", secret), session=7))
    watches = ServerWatches(tree, EventLog(False), lambda: APPLIED)
    conn = Connection(_Writer(), 5, "127.0.0.1", "127.0.0.1:1")  # type: ignore[arg-type]
    conn.session = 7
    return tree, watches, ReadAnswers(tree, watches, lambda: APPLIED), conn


def _read(answers: ReadAnswers, tree: DataTree, conn: Connection, opcode: int, body: bytes) -> int:
    """The error code of the reply to the read (opcode, body); xid and zxid checked."""
    decoded = decode(opcode, Reader(body), conn.identities, conn.session)
    query = decoded.query
    assert query is not None
    reply = answers.reply(conn, 77, decoded, tree.read(query))
    header = ReplyHeader.read(Reader(reply[4:]))
    assert (header.xid, header.zxid) == (77, APPLIED)
    return header.err


def test_a_read_needs_its_permission_and_sets_the_watch_it_asks_for() -> None:
    tree, watches, answers, conn = _setup()

    def get(path: str, watch: bool) -> int:
        body = Writer().string(path).flag(watch).getvalue()
        return _read(answers, tree, conn, OpCode.GET_DATA, body)

    assert get("/bob", watch=True) == Code.NOAUTH
    assert get("/open", watch=True) == Code.OK
    assert get("/missing", watch=True) == Code.NONODE
    # getData watches what it read; exists watches a missing node too (for its creation)
    assert watches.manager.paths_of(conn) == {Kind.DATA: frozenset({"/open"})}
    body = Writer().string("/missing").flag(True).getvalue()
    assert _read(answers, tree, conn, OpCode.EXISTS, body) == Code.NONODE
    assert watches.manager.paths_of(conn) == {Kind.DATA: frozenset({"/open", "/missing"})}


def test_a_multi_read_answers_each_read_on_its_own() -> None:
    tree, _, answers, conn = _setup()
    w = Writer()
    for path in ("/open", "/bob"):
        MultiHeader(OpCode.GET_DATA, False, -1).write(w)
        PathWatchRequest(path, False).write(w)
    MultiHeader(-1, True, -1).write(w)
    decoded = decode(OpCode.MULTI_READ, Reader(w.getvalue()), conn.identities, conn.session)
    reply = answers.reply(conn, 1, decoded, tree.read(Exists("/")))
    r = Reader(reply[4:])
    assert ReplyHeader.read(r).err == Code.OK  # the multiRead itself succeeds
    assert MultiHeader.read(r) == MultiHeader(OpCode.GET_DATA, False, 0)
    assert r.buffer() == b"o"
    assert read_stat(r).mzxid == 2  # the first read's stat
    # the second read fails on its own: no permission
    assert MultiHeader.read(r) == MultiHeader(OpCode.ERROR, False, Code.NOAUTH)
    assert r.i32() == Code.NOAUTH
    assert MultiHeader.read(r) == MultiHeader(-1, True, -1)
    assert r.at_end()
