"""ZooKeeper wire requests to tree commands and back (`impl/coord/requests.py`), against kazoo.

Request bodies are written by kazoo's own serialization classes (`kazoo.protocol.serialization`),
so what `decode` is checked against is what a real client sends; kazoo has no class for
createContainer, createTTL and getEphemerals, whose bodies are built here from kazoo's pieces the
way ZooKeeper's jute lays them out. Responses are written by `write_response`/`read_response`
from what a real `DataTree` answered, and parsed back by kazoo's deserializers (and, for create2
results inside a multi, which kazoo cannot read, by a parser that accepts exactly what the Java
client's `MultiResponse.deserialize` accepts). Refusals are checked for ZooKeeper's error codes,
cut bodies for `JuteError`, and `digest_identity` for ZooKeeper's digest.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kazoo.exceptions import (
    BadVersionError,
    NodeExistsError,
    NoNodeError,
    RolledBackError,
    RuntimeInconsistency,
)
from kazoo.protocol import serialization as kz
from kazoo.security import ACL as KazooACL
from kazoo.security import Id, make_digest_acl_credential

from impl.coord.errors import Code, KeeperError
from impl.coord.jute import (
    JuteError,
    MultiHeader,
    OpCode,
    PathTypeRequest,
    PathWatchRequest,
    Reader,
    Writer,
    read_multi,
)
from impl.coord.messages import (
    Check,
    Create,
    CreateSession,
    Delete,
    Exists,
    GetACL,
    GetChildren,
    GetChildren2,
    GetData,
    GetEphemerals,
    Multi,
    SetACL,
    SetData,
    StatReply,
    decode_outcome,
    decode_reply,
    encode,
    txn,
)
from impl.coord.paths import path_error
from impl.coord.reconfig import ReconfigRequest
from impl.coord.records import ACL, Stat
from impl.coord.requests import (
    READS,
    WRITES,
    Decoded,
    Identity,
    decode,
    digest_identity,
    read_response,
    write_response,
)
from impl.coord.tree import DataTree

S = 0x100000A1B2C3D4  # the requesting session
OPEN_KZ = [KazooACL(31, Id("world", "anyone"))]
OPEN = (ACL(31, "world", "anyone"),)
USER = digest_identity(b"user:pw")

names = st.text("abcxyz019-_.", min_size=1, max_size=8)
paths = st.lists(names, min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts))
datas = st.one_of(st.none(), st.binary(max_size=64))
versions = st.integers(-1, 2**31 - 1)
kazoo_acls = st.lists(
    st.builds(
        KazooACL,
        st.integers(0, 31),
        st.sampled_from([Id("world", "anyone"), Id("digest", "u:h="), Id("ip", "10.0.0.1")]),
    ),
    min_size=1,
    max_size=3,
)


def to_acl(acl: KazooACL) -> ACL:
    return ACL(acl.perms, acl.id.scheme, acl.id.id)


def same_stat(kazoo_stat: Any, stat: Stat) -> bool:
    """kazoo's ZnodeStat and our Stat list the same fields in the same (jute) order."""
    return tuple(kazoo_stat) == msgspec.structs.astuple(stat)


# --- what kazoo cannot write: requests it has no class for -----------------------------------


class KzCreateContainer(kz.Create):  # type: ignore[misc]
    """A createContainer request: a CreateRequest body under opcode 19."""

    type = OpCode.CREATE_CONTAINER


@dataclass(frozen=True)
class KzCreateTTL:
    """A CreateTTLRequest: a CreateRequest body followed by the ttl (a long)."""

    path: str
    data: bytes | None
    acl: list[KazooACL]
    flags: int
    ttl: int
    type: ClassVar[int] = OpCode.CREATE_TTL

    def serialize(self) -> bytes:
        body = kz.Create(self.path, self.data, self.acl, self.flags).serialize()
        return bytes(body) + kz.long_struct.pack(self.ttl)


@dataclass(frozen=True)
class KzMultiOp:
    """Any record under a multi header of any type, e.g. a read as the Java client writes it."""

    type: int
    record: Any

    def serialize(self) -> bytes:
        return bytes(self.record.serialize())


def get_ephemerals_body(prefix: str) -> bytes:
    """GetEphemeralsRequest: the prefix path alone."""
    return bytes(kz.write_string(prefix))


def dec(opcode: int, body: bytes | bytearray, identities: Sequence[Identity] = ()) -> Decoded:
    return decode(opcode, Reader(bytes(body)), list(identities), S)


def refused(opcode: int, body: bytes | bytearray, identities: Sequence[Identity] = ()) -> int:
    with pytest.raises(KeeperError) as info:
        dec(opcode, body, identities)
    return info.value.code


# --- decode: every opcode --------------------------------------------------------------------


@settings(max_examples=50)
@given(paths, datas, kazoo_acls, st.integers(0, 3))
def test_create_and_create2(path: str, data: bytes | None, acl: list[KazooACL], flags: int) -> None:
    acls = tuple(map(to_acl, acl))
    for opcode, kind in ((OpCode.CREATE, kz.Create), (OpCode.CREATE2, kz.Create2)):
        decoded = dec(opcode, kind(path, data, acl, flags).serialize())
        assert decoded == Decoded(opcode, path, op=Create(path, data, acls, flags))


def test_create_container() -> None:
    decoded = dec(OpCode.CREATE_CONTAINER, KzCreateContainer("/c", b"x", OPEN_KZ, 4).serialize())
    assert decoded == Decoded(OpCode.CREATE_CONTAINER, "/c", op=Create("/c", b"x", OPEN, 4))


@given(st.integers(0, 2**63 - 1))
def test_create_ttl_carries_the_ttl(ttl: int) -> None:
    decoded = dec(OpCode.CREATE_TTL, KzCreateTTL("/t", b"", OPEN_KZ, 5, ttl).serialize())
    assert decoded == Decoded(OpCode.CREATE_TTL, "/t", op=Create("/t", b"", OPEN, 5, ttl))


def test_a_plain_create_has_no_ttl() -> None:
    """A CreateRequest has no ttl field: the 8 bytes after it are not read as one."""
    body = bytes(kz.Create("/a", b"", OPEN_KZ, 0).serialize()) + kz.long_struct.pack(99)
    op = dec(OpCode.CREATE, body).op
    assert isinstance(op, Create) and op.ttl == -1


@settings(max_examples=50)
@given(paths, versions)
def test_delete_and_check(path: str, version: int) -> None:
    assert dec(OpCode.DELETE, kz.Delete(path, version).serialize()) == Decoded(
        OpCode.DELETE, path, op=Delete(path, version)
    )
    assert dec(OpCode.CHECK, kz.CheckVersion(path, version).serialize()) == Decoded(
        OpCode.CHECK, path, op=Check(path, version)
    )


@settings(max_examples=50)
@given(paths, datas, versions)
def test_set_data(path: str, data: bytes | None, version: int) -> None:
    decoded = dec(OpCode.SET_DATA, kz.SetData(path, data, version).serialize())
    assert decoded == Decoded(OpCode.SET_DATA, path, op=SetData(path, data, version))


@settings(max_examples=50)
@given(paths, kazoo_acls, versions)
def test_set_acl(path: str, acl: list[KazooACL], version: int) -> None:
    decoded = dec(OpCode.SET_ACL, kz.SetACL(path, acl, version).serialize())
    expected = SetACL(path, tuple(map(to_acl, acl)), version)
    assert decoded == Decoded(OpCode.SET_ACL, path, op=expected)


def test_multi_as_kazoo_sends_it() -> None:
    body = kz.Transaction(
        [
            kz.Create("/a", b"1", OPEN_KZ, 2),
            kz.Delete("/b", 3),
            kz.SetData("/c", None, -1),
            kz.CheckVersion("/d", 7),
        ]
    ).serialize()
    decoded = dec(OpCode.MULTI, body)
    assert decoded == Decoded(
        OpCode.MULTI,
        op=Multi(
            (Create("/a", b"1", OPEN, 2), Delete("/b", 3), SetData("/c", None, -1), Check("/d", 7))
        ),
        types=(OpCode.CREATE, OpCode.DELETE, OpCode.SET_DATA, OpCode.CHECK),
    )


def test_multi_with_every_kind_of_create() -> None:
    body = kz.Transaction(
        [
            kz.Create2("/a", b"", OPEN_KZ, 0),
            KzCreateContainer("/c", b"", OPEN_KZ, 4),
            KzCreateTTL("/t", b"", OPEN_KZ, 5, 1000),
        ]
    ).serialize()
    decoded = dec(OpCode.MULTI, body)
    assert decoded.types == (OpCode.CREATE2, OpCode.CREATE_CONTAINER, OpCode.CREATE_TTL)
    assert decoded.op == Multi(
        (Create("/a", b"", OPEN, 0), Create("/c", b"", OPEN, 4), Create("/t", b"", OPEN, 5, 1000))
    )


def test_an_empty_multi() -> None:
    assert dec(OpCode.MULTI, kz.Transaction([]).serialize()) == Decoded(OpCode.MULTI, op=Multi(()))


@pytest.mark.parametrize(
    ("opcode", "kind", "query"),
    [
        (OpCode.EXISTS, kz.Exists, Exists),
        (OpCode.GET_DATA, kz.GetData, GetData),
        (OpCode.GET_CHILDREN, kz.GetChildren, GetChildren),
        (OpCode.GET_CHILDREN2, kz.GetChildren2, GetChildren2),
    ],
)
@pytest.mark.parametrize("watch", [False, True])
def test_reads_with_a_watch_flag(opcode: int, kind: Any, query: Any, watch: bool) -> None:
    decoded = dec(opcode, kind("/a/b", watch).serialize())
    assert decoded == Decoded(opcode, "/a/b", query=query("/a/b"), watch=watch)


def test_get_acl() -> None:
    decoded = dec(OpCode.GET_ACL, kz.GetACL("/a").serialize())
    assert decoded == Decoded(OpCode.GET_ACL, "/a", query=GetACL("/a"))


def test_sync_is_a_read_index() -> None:
    decoded = dec(OpCode.SYNC, kz.Sync("/a").serialize())
    assert decoded == Decoded(OpCode.SYNC, "/a", query=Exists("/"))


@pytest.mark.parametrize("prefix", ["/", "/app", " / "])
def test_get_ephemerals_names_the_requesting_session(prefix: str) -> None:
    decoded = dec(OpCode.GET_EPHEMERALS, get_ephemerals_body(prefix))
    assert decoded == Decoded(OpCode.GET_EPHEMERALS, prefix, query=GetEphemerals(S, prefix))


def test_writes_and_reads_are_the_opcodes_decode_handles() -> None:
    assert WRITES == {1, 2, 5, 7, 13, 14, 15, 19, 21}
    assert READS == {3, 4, 6, 8, 9, 12, 17, 18, 22, 103, 104, 106}


# --- decode: refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "opcode",
    [
        OpCode.NOTIFICATION,
        OpCode.PING,
        OpCode.DELETE_CONTAINER,
        OpCode.SET_WATCHES,
        OpCode.SASL,
        OpCode.WHO_AM_I,
        OpCode.CREATE_SESSION,
        OpCode.CLOSE_SESSION,
        OpCode.AUTH,
        OpCode.SET_WATCHES2,
        OpCode.ERROR,
        10,
        23,
        999,
    ],
)
def test_an_unknown_opcode_is_unimplemented(opcode: int) -> None:
    assert refused(opcode, kz.GetData("/a", False).serialize()) == Code.UNIMPLEMENTED


def test_reconfig_decodes_into_its_request() -> None:
    body = kz.Reconfig("server.4=h:1:2:observer;3", "2", None, 7).serialize()
    decoded = dec(OpCode.RECONFIG, body)
    assert decoded.path == "/zookeeper/config" and decoded.op is None
    assert decoded.reconfig == ReconfigRequest("server.4=h:1:2:observer;3", "2", None, 7)


AUTH_KZ = KazooACL(5, Id("auth", "ignored"))


@pytest.mark.parametrize(
    ("opcode", "body"),
    [
        (OpCode.CREATE, kz.Create("/a", b"", [AUTH_KZ], 0).serialize()),
        (OpCode.CREATE2, kz.Create2("/a", b"", [*OPEN_KZ, AUTH_KZ], 0).serialize()),
        (OpCode.CREATE_CONTAINER, KzCreateContainer("/a", b"", [AUTH_KZ], 4).serialize()),
        (OpCode.SET_ACL, kz.SetACL("/a", [AUTH_KZ], -1).serialize()),
        (OpCode.MULTI, kz.Transaction([kz.Create("/a", b"", [AUTH_KZ], 0)]).serialize()),
    ],
)
def test_an_auth_acl_without_identities_is_invalid(opcode: int, body: bytearray) -> None:
    assert refused(opcode, body) == Code.INVALIDACL


def test_an_auth_acl_expands_to_every_identity_in_place() -> None:
    other = digest_identity(b"other:pw2")
    acl = [KazooACL(1, Id("world", "anyone")), AUTH_KZ, KazooACL(2, Id("digest", "x:y"))]
    op = dec(OpCode.CREATE, kz.Create("/a", b"", acl, 0).serialize(), [USER, other]).op
    assert isinstance(op, Create)
    assert op.acl == (
        ACL(1, "world", "anyone"),
        ACL(5, *USER),
        ACL(5, *other),
        ACL(2, "digest", "x:y"),
    )
    op = dec(OpCode.SET_ACL, kz.SetACL("/a", [AUTH_KZ], 3).serialize(), [USER]).op
    assert op == SetACL("/a", (ACL(5, *USER),), 3)


@pytest.mark.parametrize("flags", [0, 1, 2, 3, 5])
def test_create_container_needs_the_container_flag(flags: int) -> None:
    body = KzCreateContainer("/c", b"", OPEN_KZ, flags).serialize()
    assert refused(OpCode.CREATE_CONTAINER, body) == Code.BADARGUMENTS
    multi = kz.Transaction([KzCreateContainer("/c", b"", OPEN_KZ, flags)]).serialize()
    assert refused(OpCode.MULTI, multi) == Code.BADARGUMENTS


@pytest.mark.parametrize(
    "read",
    [
        KzMultiOp(OpCode.GET_DATA, kz.GetData("/a", False)),
        KzMultiOp(OpCode.GET_CHILDREN, kz.GetChildren("/a", False)),
    ],
)
def test_a_read_inside_a_write_multi_is_bad_arguments(read: KzMultiOp) -> None:
    ops = [kz.Create("/x", b"", OPEN_KZ, 0), read]
    assert refused(OpCode.MULTI, kz.Transaction(ops).serialize()) == Code.BADARGUMENTS


@pytest.mark.parametrize(
    ("opcode", "record"),
    [
        (OpCode.SET_ACL, kz.SetACL("/a", OPEN_KZ, -1)),
        (OpCode.EXISTS, kz.Exists("/a", False)),
        (OpCode.SYNC, kz.Sync("/a")),
        (99, kz.Sync("/a")),
    ],
)
def test_an_operation_a_multi_cannot_hold_does_not_parse(opcode: int, record: Any) -> None:
    body = kz.Transaction([kz.Create("/x", b"", OPEN_KZ, 0), KzMultiOp(opcode, record)])
    with pytest.raises(JuteError):
        dec(OpCode.MULTI, body.serialize())


def path_type_body(path: str, kind: int) -> bytes:
    w = Writer()
    PathTypeRequest(path, kind).write(w)
    return w.getvalue()


def multi_read_body(*reads: tuple[int, str]) -> bytes:
    w = Writer()
    for opcode, path in reads:
        MultiHeader(opcode, False, -1).write(w)
        PathWatchRequest(path, False).write(w)
    MultiHeader(-1, True, -1).write(w)
    return w.getvalue()


BODIES: list[tuple[int, bytes]] = [
    (OpCode.CREATE, bytes(kz.Create("/a", b"data", OPEN_KZ, 0).serialize())),
    (OpCode.CREATE2, bytes(kz.Create2("/a", None, OPEN_KZ, 1).serialize())),
    (OpCode.CREATE_CONTAINER, bytes(KzCreateContainer("/c", b"", OPEN_KZ, 4).serialize())),
    (OpCode.CREATE_TTL, KzCreateTTL("/t", b"", OPEN_KZ, 5, 10).serialize()),
    (OpCode.DELETE, bytes(kz.Delete("/a", 1).serialize())),
    (OpCode.CHECK, bytes(kz.CheckVersion("/a", 1).serialize())),
    (OpCode.SET_DATA, bytes(kz.SetData("/a", b"xyz", 2).serialize())),
    (OpCode.SET_ACL, bytes(kz.SetACL("/a", OPEN_KZ, 0).serialize())),
    (
        OpCode.MULTI,
        bytes(kz.Transaction([kz.Create("/a", b"", OPEN_KZ, 0), kz.Delete("/a", -1)]).serialize()),
    ),
    (OpCode.EXISTS, bytes(kz.Exists("/a", True).serialize())),
    (OpCode.GET_DATA, bytes(kz.GetData("/a", True).serialize())),
    (OpCode.GET_CHILDREN, bytes(kz.GetChildren("/a", False).serialize())),
    (OpCode.GET_CHILDREN2, bytes(kz.GetChildren2("/a", True).serialize())),
    (OpCode.GET_ACL, bytes(kz.GetACL("/a").serialize())),
    (OpCode.GET_EPHEMERALS, get_ephemerals_body("/a")),
    (OpCode.GET_ALL_CHILDREN_NUMBER, get_ephemerals_body("/a")),  # also a path alone
    (OpCode.SYNC, bytes(kz.Sync("/a").serialize())),
    (OpCode.ADD_WATCH, path_type_body("/a", 1)),
    (OpCode.REMOVE_WATCHES, path_type_body("/a", 3)),
    (OpCode.CHECK_WATCHES, path_type_body("/a", 2)),
    (OpCode.MULTI_READ, multi_read_body((OpCode.GET_DATA, "/a"), (OpCode.GET_CHILDREN, "/b"))),
]


def test_watch_requests_decode_with_their_mode_or_type() -> None:
    added = dec(OpCode.ADD_WATCH, path_type_body("/a", 1))
    assert (added.path, added.watch_type, added.query) == ("/a", 1, Exists("/"))
    assert refused(OpCode.ADD_WATCH, path_type_body("/a", 2)) == Code.BADARGUMENTS
    assert refused(OpCode.REMOVE_WATCHES, path_type_body("/a", 6)) == Code.BADARGUMENTS
    assert dec(OpCode.CHECK_WATCHES, path_type_body("/a", 5)).watch_type == 5


def test_a_multi_read_holds_its_reads_and_refuses_writes() -> None:
    decoded = dec(
        OpCode.MULTI_READ, multi_read_body((OpCode.GET_DATA, "/a"), (OpCode.GET_CHILDREN, "/b"))
    )
    assert [(r.opcode, r.query) for r in decoded.reads] == [
        (OpCode.GET_DATA, GetData("/a")),
        (OpCode.GET_CHILDREN, GetChildren("/b")),
    ]
    writes = bytes(kz.Transaction([kz.Delete("/a", -1)]).serialize())
    with pytest.raises(JuteError):  # ZooKeeper: "Invalid type of readOp", MARSHALLINGERROR
        dec(OpCode.MULTI_READ, writes)


def test_the_bodies_cover_every_opcode_decode_handles() -> None:
    assert {opcode for opcode, _ in BODIES} == WRITES | READS


@pytest.mark.parametrize(("opcode", "body"), BODIES)
def test_decode_reads_the_whole_body(opcode: int, body: bytes) -> None:
    r = Reader(body)
    decode(opcode, r, [], S)
    assert r.at_end()


@pytest.mark.parametrize(("opcode", "body"), BODIES)
def test_a_cut_body_is_a_jute_error(opcode: int, body: bytes) -> None:
    for end in range(len(body)):
        with pytest.raises(JuteError):
            dec(opcode, body[:end])


@pytest.mark.parametrize(
    "body",
    [
        kz.int_struct.pack(-1) + b"\x00",  # a null path
        kz.int_struct.pack(-7),  # a negative length other than -1
    ],
)
def test_a_bad_path_is_a_jute_error(body: bytes) -> None:
    with pytest.raises(JuteError):
        dec(OpCode.GET_DATA, body)


def test_a_path_that_is_not_utf8_is_read_as_java_reads_it() -> None:
    """BinaryInputArchive.readString is `new String(bytes, UTF_8)`: what does not decode
    becomes U+FFFD, which PathUtils.validatePath refuses (a create is BADARGUMENTS)."""
    body = kz.int_struct.pack(3) + b"/\xff\xfe" + b"\x00"
    decoded = dec(OpCode.GET_DATA, body)
    assert decoded.path == "/\ufffd\ufffd"
    assert path_error(decoded.path) == "invalid character @1"


# --- responses, from a real tree, read by kazoo ----------------------------------------------


class Zk:
    """A tree with session S open; requests go through decode, the msgpack encoding the service
    uses, the tree, and back out through write_response / read_response."""

    def __init__(self) -> None:
        self.tree = DataTree()
        self.zxid = 0
        self.identities: list[Identity] = []
        self.apply(CreateSession(30_000))

    def apply(self, op: Any) -> bytes:
        self.zxid += 1
        return self.tree.apply(self.zxid, txn(op, S, 1000 * self.zxid))

    def write(self, opcode: int, record: Any) -> tuple[int, bytes]:
        decoded = dec(opcode, record.serialize(), self.identities)
        assert opcode in WRITES and decoded.op is not None and decoded.query is None
        return write_response(decoded, decode_outcome(self.apply(decoded.op)))

    def read(self, opcode: int, body: bytes | bytearray) -> tuple[int, bytes]:
        decoded = dec(opcode, body)
        assert opcode in READS and decoded.query is not None and decoded.op is None
        return read_response(decoded, decode_reply(self.tree.query(encode(decoded.query))))

    def ok(self, opcode: int, record: Any) -> bytes:
        err, body = self.write(opcode, record)
        assert err == Code.OK
        return body

    def stat(self, path: str) -> Any:
        """The node's stat as kazoo reads an exists reply."""
        err, body = self.read(OpCode.EXISTS, kz.Exists(path, False).serialize())
        assert err == Code.OK
        return kz.Exists.deserialize(body, 0)


def test_create_answers_the_path_only() -> None:
    zk = Zk()
    body = zk.ok(OpCode.CREATE, kz.Create("/a", b"v", OPEN_KZ, 0))
    assert kz.Create.deserialize(body, 0) == "/a"
    assert body == kz.write_string("/a")  # no stat after it
    body = zk.ok(OpCode.CREATE, kz.Create("/a/s-", b"", OPEN_KZ, 2))
    assert kz.Create.deserialize(body, 0) == "/a/s-0000000000"


@pytest.mark.parametrize(
    ("opcode", "record"),
    [
        (OpCode.CREATE2, kz.Create2("/n", b"v", OPEN_KZ, 1)),
        (OpCode.CREATE_CONTAINER, KzCreateContainer("/n", b"v", OPEN_KZ, 4)),
    ],
)
def test_create2_and_create_container_answer_path_and_stat(opcode: int, record: Any) -> None:
    zk = Zk()
    path, stat = kz.Create2.deserialize(zk.ok(opcode, record), 0)
    assert path == "/n" and stat == zk.stat("/n")
    assert (stat.czxid, stat.mzxid, stat.ctime, stat.dataLength) == (2, 2, 2000, 1)
    assert stat.ephemeralOwner == (S if record.flags == 1 else 0)


def test_create_ttl_is_refused_as_zookeeper_does_without_extended_types() -> None:
    zk = Zk()
    assert zk.write(OpCode.CREATE_TTL, KzCreateTTL("/t", b"", OPEN_KZ, 5, 10)) == (
        Code.UNIMPLEMENTED,
        b"",
    )


def test_a_failed_write_answers_its_code_and_no_body() -> None:
    zk = Zk()
    zk.ok(OpCode.CREATE, kz.Create("/a", b"", OPEN_KZ, 0))
    assert zk.write(OpCode.CREATE, kz.Create("/a", b"", OPEN_KZ, 0)) == (Code.NODEEXISTS, b"")
    assert zk.write(OpCode.DELETE, kz.Delete("/nope", -1)) == (Code.NONODE, b"")
    assert zk.write(OpCode.SET_DATA, kz.SetData("/a", b"", 7)) == (Code.BADVERSION, b"")
    assert zk.write(OpCode.CHECK, kz.CheckVersion("/a", 7)) == (Code.BADVERSION, b"")


def test_set_data_and_set_acl_answer_the_new_stat() -> None:
    zk = Zk()
    zk.ok(OpCode.CREATE, kz.Create("/a", b"", OPEN_KZ, 0))
    stat = kz.SetData.deserialize(zk.ok(OpCode.SET_DATA, kz.SetData("/a", b"12345", 0)), 0)
    assert (stat.version, stat.dataLength, stat.mzxid) == (1, 5, 3) and stat == zk.stat("/a")
    acl = [KazooACL(1, Id("world", "anyone"))]
    stat = kz.SetACL.deserialize(zk.ok(OpCode.SET_ACL, kz.SetACL("/a", acl, 0)), 0)
    assert (stat.aversion, stat.version) == (1, 1) and stat == zk.stat("/a")


def test_delete_and_check_answer_an_empty_body() -> None:
    zk = Zk()
    zk.ok(OpCode.CREATE, kz.Create("/a", b"", OPEN_KZ, 0))
    assert zk.write(OpCode.CHECK, kz.CheckVersion("/a", 0)) == (Code.OK, b"")
    assert zk.write(OpCode.DELETE, kz.Delete("/a", 0)) == (Code.OK, b"")
    assert zk.read(OpCode.EXISTS, kz.Exists("/a", False).serialize()) == (Code.NONODE, b"")


def test_reads_as_kazoo_reads_them() -> None:
    zk = Zk()
    zk.ok(OpCode.CREATE, kz.Create("/a", b"data", OPEN_KZ, 0))
    zk.ok(OpCode.CREATE, kz.Create("/a/y", b"", OPEN_KZ, 0))
    zk.ok(OpCode.CREATE, kz.Create("/a/x", None, OPEN_KZ, 0))
    stat = zk.stat("/a")
    assert (stat.czxid, stat.numChildren, stat.cversion, stat.pzxid) == (2, 2, 2, 4)

    err, body = zk.read(OpCode.GET_DATA, kz.GetData("/a", True).serialize())
    assert err == Code.OK and kz.GetData.deserialize(body, 0) == (b"data", stat)
    err, body = zk.read(OpCode.GET_DATA, kz.GetData("/a/x", False).serialize())
    assert kz.GetData.deserialize(body, 0)[0] is None  # null data stays null

    err, body = zk.read(OpCode.GET_CHILDREN, kz.GetChildren("/a", False).serialize())
    assert err == Code.OK and kz.GetChildren.deserialize(body, 0) == ["x", "y"]
    assert body == kz.int_struct.pack(2) + kz.write_string("x") + kz.write_string("y")
    err, body = zk.read(OpCode.GET_CHILDREN2, kz.GetChildren2("/a", False).serialize())
    assert err == Code.OK and kz.GetChildren2.deserialize(body, 0) == (["x", "y"], stat)

    err, body = zk.read(OpCode.GET_ACL, kz.GetACL("/a").serialize())
    assert err == Code.OK and kz.GetACL.deserialize(body, 0) == (OPEN_KZ, stat)

    err, body = zk.read(OpCode.SYNC, kz.Sync("/a/x").serialize())
    assert err == Code.OK and kz.Sync.deserialize(body, 0) == "/a/x"


def test_the_stat_kazoo_reads_is_the_trees() -> None:
    zk = Zk()
    zk.ok(OpCode.CREATE, kz.Create("/e", b"abc", OPEN_KZ, 1))
    reply = zk.tree.read(Exists("/e"))
    assert isinstance(reply, StatReply) and same_stat(zk.stat("/e"), reply.stat)


@pytest.mark.parametrize(
    ("opcode", "body"),
    [
        (OpCode.EXISTS, kz.Exists("/nope", True).serialize()),
        (OpCode.GET_DATA, kz.GetData("/nope", True).serialize()),
        (OpCode.GET_CHILDREN, kz.GetChildren("/nope", True).serialize()),
        (OpCode.GET_CHILDREN2, kz.GetChildren2("/nope", False).serialize()),
        (OpCode.GET_ACL, kz.GetACL("/nope").serialize()),
    ],
)
def test_a_read_of_a_missing_node_is_nonode_with_no_body(opcode: int, body: bytearray) -> None:
    assert Zk().read(opcode, body) == (Code.NONODE, b"")


def test_sync_of_any_path_answers_it() -> None:
    """A sync names no node: even a missing path is echoed back."""
    assert Zk().read(OpCode.SYNC, kz.Sync("/nope").serialize()) == (
        Code.OK,
        bytes(kz.write_string("/nope")),
    )


def read_paths(body: bytes) -> list[str]:
    """A GetEphemeralsResponse (a vector of strings), read with kazoo's string reader."""
    count, offset = kz.int_struct.unpack_from(body, 0)[0], 4
    found = []
    for _ in range(count):
        path, offset = kz.read_string(body, offset)
        found.append(path)
    assert offset == len(body)
    return found


def test_get_ephemerals_lists_the_sessions_own_under_the_prefix() -> None:
    zk = Zk()
    zk.ok(OpCode.CREATE, kz.Create("/app", b"", OPEN_KZ, 0))
    zk.ok(OpCode.CREATE, kz.Create("/app/e1", b"", OPEN_KZ, 1))
    zk.ok(OpCode.CREATE, kz.Create("/app/p", b"", OPEN_KZ, 0))
    zk.ok(OpCode.CREATE, kz.Create("/other", b"", OPEN_KZ, 1))
    for prefix, expected in [
        ("/", ["/app/e1", "/other"]),
        ("/app", ["/app/e1"]),
        ("/ap", ["/app/e1"]),
        (" / ", ["/app/e1", "/other"]),
        ("/none", []),
    ]:
        err, body = zk.read(OpCode.GET_EPHEMERALS, get_ephemerals_body(prefix))
        assert err == Code.OK and read_paths(body) == expected


def test_an_auth_acl_becomes_the_digest_identity_on_the_node() -> None:
    zk = Zk()
    zk.identities = [USER]
    zk.ok(OpCode.CREATE, kz.Create("/a", b"", [KazooACL(31, Id("auth", "x"))], 0))
    acl, _ = kz.GetACL.deserialize(zk.read(OpCode.GET_ACL, kz.GetACL("/a").serialize())[1], 0)
    assert acl == [KazooACL(31, Id("digest", make_digest_acl_credential("user", "pw")))]


# --- multi responses -------------------------------------------------------------------------


def test_a_multi_answers_each_result_as_kazoo_reads_them() -> None:
    zk = Zk()
    zk.ok(OpCode.CREATE, kz.Create("/a", b"", OPEN_KZ, 0))
    ops = [
        kz.Create("/a/s-", b"", OPEN_KZ, 2),
        kz.SetData("/a", b"xy", 0),
        kz.CheckVersion("/a", 1),
        kz.Delete("/a/s-0000000000", 0),
    ]
    err, body = zk.write(OpCode.MULTI, kz.Transaction(ops))
    assert err == Code.OK
    results = kz.Transaction.deserialize(body, 0)
    assert results[0] == "/a/s-0000000000" and results[2:] == [True, True]
    stat = results[1]  # as /a was after the setData, with its new child still there
    assert (stat.mzxid, stat.version, stat.dataLength, stat.numChildren) == (3, 1, 2, 1)
    assert zk.read(OpCode.GET_CHILDREN, kz.GetChildren("/a", False).serialize()) == (
        Code.OK,
        kz.int_struct.pack(0),
    )


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        (
            [
                kz.Create("/b", b"", OPEN_KZ, 0),
                kz.CheckVersion("/a", 5),
                kz.SetData("/a", b"", -1),
            ],
            [RolledBackError, BadVersionError, RuntimeInconsistency],
        ),
        ([kz.Create("/a", b"", OPEN_KZ, 0)], [NodeExistsError]),
        (
            [kz.Delete("/a", -1), kz.Delete("/a", -1), kz.Create("/c", b"", OPEN_KZ, 0)],
            [RolledBackError, NoNodeError, RuntimeInconsistency],
        ),
    ],
)
def test_a_failed_multi_answers_kazoos_errors_and_changes_nothing(
    ops: list[Any], expected: list[type[Exception]]
) -> None:
    zk = Zk()
    zk.ok(OpCode.CREATE, kz.Create("/a", b"", OPEN_KZ, 0))
    before = zk.tree.snapshot()
    err, body = zk.write(OpCode.MULTI, kz.Transaction(ops))
    assert err == Code.OK  # as ZooKeeper answers a multi: the failure is in the results
    assert [type(result) for result in kz.Transaction.deserialize(body, 0)] == expected
    assert zk.tree.snapshot() == before


def test_an_empty_multi_answers_the_end_marker_alone() -> None:
    err, body = Zk().write(OpCode.MULTI, kz.Transaction([]))
    assert err == Code.OK and body == bytes(kz.MultiHeader(-1, True, -1).serialize())
    assert kz.Transaction.deserialize(body, 0) == []


def java_multi_response(body: bytes) -> list[tuple[int, Any]]:
    """(type, result) per operation, accepting exactly the types the Java client's
    MultiResponse.deserialize accepts (it throws IOException "Invalid type" for any other)."""
    results: list[tuple[int, Any]] = []
    header, offset = kz.MultiHeader.deserialize(body, 0)
    while not header.done:
        result: Any = None
        if header.type == OpCode.CREATE:
            result, offset = kz.read_string(body, offset)
        elif header.type == OpCode.CREATE2:
            path, offset = kz.read_string(body, offset)
            result = (path, kz.ZnodeStat._make(kz.stat_struct.unpack_from(body, offset)))
            offset += kz.stat_struct.size
        elif header.type == OpCode.SET_DATA:
            result = kz.ZnodeStat._make(kz.stat_struct.unpack_from(body, offset))
            offset += kz.stat_struct.size
        elif header.type == OpCode.ERROR:
            result = kz.int_struct.unpack_from(body, offset)[0]
            offset += kz.int_struct.size
            assert result == header.err
        elif header.type not in (OpCode.DELETE, OpCode.CHECK):
            raise ValueError(f"Invalid type {header.type} in MultiResponse")
        results.append((header.type, result))
        header, offset = kz.MultiHeader.deserialize(body, offset)
    assert offset == len(body)
    return results


def test_a_create2_inside_a_multi_answers_path_and_stat() -> None:
    zk = Zk()
    err, body = zk.write(OpCode.MULTI, kz.Transaction([kz.Create2("/a", b"x", OPEN_KZ, 0)]))
    assert err == Code.OK
    assert java_multi_response(body) == [(OpCode.CREATE2, ("/a", zk.stat("/a")))]


def test_a_failed_multi_as_the_java_client_reads_it() -> None:
    zk = Zk()
    ops = [kz.Create2("/a", b"", OPEN_KZ, 0), kz.CheckVersion("/a", 3), kz.Delete("/a", -1)]
    err, body = zk.write(OpCode.MULTI, kz.Transaction(ops))
    assert err == Code.OK
    assert java_multi_response(body) == [
        (OpCode.ERROR, Code.OK),
        (OpCode.ERROR, Code.BADVERSION),
        (OpCode.ERROR, Code.RUNTIMEINCONSISTENCY),
    ]


def test_a_container_created_in_a_multi_is_answered_as_create2() -> None:
    zk = Zk()
    ops = [KzCreateContainer("/c", b"", OPEN_KZ, 4), kz.Create("/c/x", b"", OPEN_KZ, 0)]
    err, body = zk.write(OpCode.MULTI, kz.Transaction(ops))
    assert err == Code.OK
    (type1, (path, stat)), second = java_multi_response(body)
    assert (type1, path, second) == (OpCode.CREATE2, "/c", (OpCode.CREATE, "/c/x"))
    assert (stat.czxid, stat.numChildren) == (2, 0)  # as it was made, before its child


# --- bugs found against ZooKeeper and kazoo --------------------------------------------------


def test_kazoos_creator_all_acl_is_accepted() -> None:
    from kazoo.security import CREATOR_ALL_ACL

    op = dec(OpCode.CREATE, kz.Create("/a", b"", CREATOR_ALL_ACL, 0).serialize(), [USER]).op
    assert isinstance(op, Create) and op.acl == (ACL(31, *USER),)


@pytest.mark.parametrize(
    "acl",
    [Id("bogus", "x"), Id("world", "someone"), Id("digest", "no-colon"), Id("ip", "not-an-ip")],
)
def test_an_acl_zookeeper_finds_invalid_is_refused(acl: Id) -> None:
    zk = Zk()
    try:
        err, _ = zk.write(OpCode.CREATE, kz.Create("/a", b"", [KazooACL(31, acl)], 0))
    except KeeperError as error:
        err = error.code
    assert err == Code.INVALIDACL


def test_read_multi_reads_read_ops_as_the_java_client_writes_them() -> None:
    ops = [
        KzMultiOp(OpCode.GET_DATA, kz.GetData("/a", False)),
        KzMultiOp(OpCode.GET_CHILDREN, kz.GetChildren("/b", False)),
    ]
    r = Reader(bytes(kz.Transaction(ops).serialize()))
    parsed = read_multi(r)
    assert [(t, rec.path) for t, rec in parsed] == [
        (OpCode.GET_DATA, "/a"),
        (OpCode.GET_CHILDREN, "/b"),
    ]
    assert r.at_end()


# --- digest authentication -------------------------------------------------------------------


def test_digest_identity_is_zookeepers_digest() -> None:
    # sha1("user:pw") in base64, as `printf user:pw | openssl sha1 -binary | base64` gives it
    assert digest_identity(b"user:pw") == ("digest", "user:2Om+GBbT2q/tS6pdvACZbbm7/1A=")
    # the example of ZooKeeper's administrator guide (super digest of "super:admin")
    assert digest_identity(b"super:admin") == ("digest", "super:xQJmxLMiHGwaqBvst5y6rkB6HQs=")


@settings(max_examples=50)
@given(
    st.text(st.characters(codec="utf-8", exclude_characters=":"), max_size=12),
    st.text(st.characters(codec="utf-8"), max_size=12),
)
def test_digest_identity_agrees_with_kazoo(user: str, pw: str) -> None:
    """kazoo's make_digest_acl_credential computes the id ZooKeeper's digest provider makes."""
    assert digest_identity(f"{user}:{pw}".encode()) == (
        "digest",
        make_digest_acl_credential(user, pw),
    )


def test_digest_identity_splits_at_the_first_colon_and_hashes_all() -> None:
    whole = base64.b64encode(hashlib.sha1(b"u:p:q").digest()).decode()
    assert digest_identity(b"u:p:q") == ("digest", f"u:{whole}")
    bare = base64.b64encode(hashlib.sha1(b"nopassword").digest()).decode()
    assert digest_identity(b"nopassword") == ("digest", f"nopassword:{bare}")
