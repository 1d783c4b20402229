"""ZooKeeper's client wire format (jute), as the Java client, zkCli.sh and kazoo speak it.

Every frame is a 4-byte big-endian length and a body. The first frame of a connection is a
`ConnectRequest` (answered by a `ConnectResponse`); after that a request body is a
`RequestHeader` (xid, opcode) and the opcode's record, and a reply is a `ReplyHeader` (xid,
zxid, err) and, when err is 0, the opcode's response record. xid -1 is a watch notification
(`WatcherEvent`), xid -2 a ping. Jute encodes big-endian: int 4 bytes, long 8, bool 1, buffer
and string as an int length (-1: null) and the bytes, vector as an int count (-1: null) and
the elements.

`Reader` and `Writer` do the primitives; records are small dataclasses with `read` and `write`;
`Stat` and `ACL` are the tree's own (`impl/coord/records.py`), read and written here.
Opcodes are ZooKeeper's `ZooDefs.OpCode`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import ClassVar

from impl.coord.records import ACL, Stat

_INT = struct.Struct(">i")
_LONG = struct.Struct(">q")
_STAT = struct.Struct(">qqqqiiiqiiq")  # a Stat's fields, in order
_REPLY_HEADER = struct.Struct(">iqi")  # xid, zxid, err


class JuteError(Exception):
    """A body that does not parse as the record it should be."""


class OpCode:
    NOTIFICATION = 0
    CREATE = 1
    DELETE = 2
    EXISTS = 3
    GET_DATA = 4
    SET_DATA = 5
    GET_ACL = 6
    SET_ACL = 7
    GET_CHILDREN = 8
    SYNC = 9
    PING = 11
    GET_CHILDREN2 = 12
    CHECK = 13
    MULTI = 14
    CREATE2 = 15
    RECONFIG = 16
    CHECK_WATCHES = 17
    REMOVE_WATCHES = 18
    CREATE_CONTAINER = 19
    DELETE_CONTAINER = 20
    CREATE_TTL = 21
    MULTI_READ = 22
    AUTH = 100
    SET_WATCHES = 101
    SASL = 102
    GET_EPHEMERALS = 103
    GET_ALL_CHILDREN_NUMBER = 104
    SET_WATCHES2 = 105
    ADD_WATCH = 106
    WHO_AM_I = 107
    CREATE_SESSION = -10
    CLOSE_SESSION = -11
    ERROR = -1


NOTIFICATION_XID = -1
PING_XID = -2
AUTH_XID = -4
SET_WATCHES_XID = -8


class Reader:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data, self.offset = data, offset

    def _take(self, n: int) -> bytes:
        end = self.offset + n
        if n < 0 or end > len(self.data):
            raise JuteError(f"record cut short: {n} more bytes wanted at offset {self.offset}")
        chunk = self.data[self.offset : end]
        self.offset = end
        return chunk

    def i32(self) -> int:
        value: int = _INT.unpack(self._take(4))[0]
        return value

    def i64(self) -> int:
        value: int = _LONG.unpack(self._take(8))[0]
        return value

    def flag(self) -> bool:
        return self._take(1) != b"\x00"

    def buffer(self) -> bytes | None:
        length = self.i32()
        return None if length < 0 else self._take(length)

    def string(self) -> str | None:
        """A string as jute's BinaryInputArchive reads it: `new String(bytes, UTF_8)`, which
        puts U+FFFD for bytes that are not UTF-8 (a path with one is then refused by the
        path check, BADARGUMENTS, or is no node's: NONODE)."""
        raw = self.buffer()
        if raw is None:
            return None
        return raw.decode("utf-8", "replace")

    def path(self) -> str:
        value = self.string()
        if value is None:
            raise JuteError("a path is null")
        return value

    def strings(self) -> list[str]:
        count = self.i32()
        return [self.path() for _ in range(max(count, 0))]

    def at_end(self) -> bool:
        return self.offset >= len(self.data)


class Writer:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def i32(self, value: int) -> Writer:
        self.parts.append(_INT.pack(value))
        return self

    def i64(self, value: int) -> Writer:
        self.parts.append(_LONG.pack(value))
        return self

    def flag(self, value: bool) -> Writer:
        self.parts.append(b"\x01" if value else b"\x00")
        return self

    def buffer(self, value: bytes | None) -> Writer:
        if value is None:
            return self.i32(-1)
        self.i32(len(value))
        self.parts.append(bytes(value))
        return self

    def string(self, value: str | None) -> Writer:
        return self.buffer(None if value is None else value.encode())

    def strings(self, values: list[str] | None) -> Writer:
        if values is None:
            return self.i32(-1)
        self.i32(len(values))
        for value in values:
            self.string(value)
        return self

    def raw(self, data: bytes) -> Writer:
        """Bytes already serialized (a record written by another Writer)."""
        self.parts.append(data)
        return self

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


# --- session establishment -------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectRequest:
    protocol_version: int
    last_zxid_seen: int
    timeout: int
    session_id: int
    password: bytes
    read_only: bool = False

    @classmethod
    def read(cls, r: Reader) -> ConnectRequest:
        version, zxid, timeout, session = r.i32(), r.i64(), r.i32(), r.i64()
        password = r.buffer() or b""
        read_only = r.flag() if not r.at_end() else False  # older clients omit it
        return cls(version, zxid, timeout, session, password, read_only)

    def write(self, w: Writer) -> None:
        w.i32(self.protocol_version).i64(self.last_zxid_seen).i32(self.timeout)
        w.i64(self.session_id).buffer(self.password).flag(self.read_only)


@dataclass(frozen=True)
class ConnectResponse:
    protocol_version: int
    timeout: int
    session_id: int
    password: bytes
    read_only: bool = False

    @classmethod
    def read(cls, r: Reader) -> ConnectResponse:
        version, timeout, session = r.i32(), r.i32(), r.i64()
        password = r.buffer() or b""
        read_only = r.flag() if not r.at_end() else False
        return cls(version, timeout, session, password, read_only)

    def write(self, w: Writer) -> None:
        w.i32(self.protocol_version).i32(self.timeout).i64(self.session_id)
        w.buffer(self.password).flag(self.read_only)


# --- headers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestHeader:
    xid: int
    type: int

    @classmethod
    def read(cls, r: Reader) -> RequestHeader:
        return cls(r.i32(), r.i32())

    def write(self, w: Writer) -> None:
        w.i32(self.xid).i32(self.type)


@dataclass(frozen=True)
class ReplyHeader:
    xid: int
    zxid: int
    err: int

    @classmethod
    def read(cls, r: Reader) -> ReplyHeader:
        return cls(r.i32(), r.i64(), r.i32())

    def write(self, w: Writer) -> None:
        w.parts.append(self.pack(self.xid, self.zxid, self.err))

    @staticmethod
    def pack(xid: int, zxid: int, err: int) -> bytes:
        """The header's bytes, with no record made (every reply starts with one)."""
        return _REPLY_HEADER.pack(xid, zxid, err)


# --- shared records --------------------------------------------------------------------------


def read_stat(r: Reader) -> Stat:
    return Stat(
        r.i64(), r.i64(), r.i64(), r.i64(), r.i32(), r.i32(), r.i32(),
        r.i64(), r.i32(), r.i32(), r.i64(),
    )  # fmt: skip


def write_stat(w: Writer, stat: Stat) -> None:
    w.parts.append(pack_stat(stat))


def pack_stat(stat: Stat) -> bytes:
    return _STAT.pack(
        stat.czxid, stat.mzxid, stat.ctime, stat.mtime,
        stat.version, stat.cversion, stat.aversion,
        stat.ephemeral_owner, stat.data_length, stat.num_children, stat.pzxid,
    )  # fmt: skip


def read_acl(r: Reader) -> ACL:
    # kazoo writes an empty id as null (its CREATOR_ALL_ACL is auth with id ""): read it as ""
    return ACL(r.i32(), r.path(), r.string() or "")


def write_acl(w: Writer, acl: ACL) -> None:
    w.i32(acl.perms).string(acl.scheme).string(acl.id)


def read_acls(r: Reader) -> tuple[ACL, ...]:
    return tuple(read_acl(r) for _ in range(max(r.i32(), 0)))


def write_acls(w: Writer, acls: tuple[ACL, ...]) -> None:
    w.i32(len(acls))
    for acl in acls:
        write_acl(w, acl)


# --- requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateRequest:
    path: str
    data: bytes | None
    acl: tuple[ACL, ...]
    flags: int
    ttl: int = -1  # CREATE_TTL only

    @classmethod
    def read(cls, r: Reader, with_ttl: bool = False) -> CreateRequest:
        path, data, acl, flags = r.path(), r.buffer(), read_acls(r), r.i32()
        return cls(path, data, acl, flags, r.i64() if with_ttl else -1)

    def write(self, w: Writer) -> None:
        w.string(self.path).buffer(self.data)
        write_acls(w, self.acl)
        w.i32(self.flags)
        if self.ttl >= 0:
            w.i64(self.ttl)


@dataclass(frozen=True)
class PathVersionRequest:
    """DeleteRequest and CheckVersionRequest: a path and an expected version (-1: any)."""

    path: str
    version: int

    @classmethod
    def read(cls, r: Reader) -> PathVersionRequest:
        return cls(r.path(), r.i32())

    def write(self, w: Writer) -> None:
        w.string(self.path).i32(self.version)


@dataclass(frozen=True)
class PathWatchRequest:
    """ExistsRequest, GetDataRequest, GetChildrenRequest (and 2): a path and a watch flag."""

    path: str
    watch: bool

    @classmethod
    def read(cls, r: Reader) -> PathWatchRequest:
        return cls(r.path(), r.flag())

    def write(self, w: Writer) -> None:
        w.string(self.path).flag(self.watch)


@dataclass(frozen=True)
class SetDataRequest:
    path: str
    data: bytes | None
    version: int

    @classmethod
    def read(cls, r: Reader) -> SetDataRequest:
        return cls(r.path(), r.buffer(), r.i32())

    def write(self, w: Writer) -> None:
        w.string(self.path).buffer(self.data).i32(self.version)


@dataclass(frozen=True)
class PathRequest:
    """SyncRequest, GetACLRequest, GetEphemeralsRequest: a path alone."""

    path: str

    @classmethod
    def read(cls, r: Reader) -> PathRequest:
        return cls(r.path())

    def write(self, w: Writer) -> None:
        w.string(self.path)


@dataclass(frozen=True)
class PathTypeRequest:
    """AddWatchRequest (a path and an AddWatchMode), CheckWatchesRequest and
    RemoveWatchesRequest (a path and a WatcherType)."""

    path: str
    type: int

    @classmethod
    def read(cls, r: Reader) -> PathTypeRequest:
        return cls(r.path(), r.i32())

    def write(self, w: Writer) -> None:
        w.string(self.path).i32(self.type)


@dataclass(frozen=True)
class SetWatches:
    relative_zxid: int
    data: list[str]
    exist: list[str]
    child: list[str]
    persistent: list[str] = field(default_factory=list)  # SET_WATCHES2 only
    persistent_recursive: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, r: Reader, version2: bool = False) -> SetWatches:
        zxid, data, exist, child = r.i64(), r.strings(), r.strings(), r.strings()
        if not version2:
            return cls(zxid, data, exist, child)
        return cls(zxid, data, exist, child, r.strings(), r.strings())

    def write(self, w: Writer, version2: bool = False) -> None:
        w.i64(self.relative_zxid).strings(self.data).strings(self.exist).strings(self.child)
        if version2:
            w.strings(self.persistent).strings(self.persistent_recursive)


@dataclass(frozen=True)
class MultiHeader:
    type: int
    done: bool
    err: int

    @classmethod
    def read(cls, r: Reader) -> MultiHeader:
        return cls(r.i32(), r.flag(), r.i32())

    def write(self, w: Writer) -> None:
        w.i32(self.type).flag(self.done).i32(self.err)


MultiOp = tuple[int, CreateRequest | PathVersionRequest | SetDataRequest | PathWatchRequest]


def read_multi(r: Reader) -> list[MultiOp]:
    """The operations of a MULTI (create, create2, delete, setData, check) or MULTI_READ
    (getChildren, getData) request, up to the terminating header."""
    ops: list[MultiOp] = []
    while True:
        header = MultiHeader.read(r)
        if header.done:
            return ops
        if header.type in (OpCode.CREATE, OpCode.CREATE2, OpCode.CREATE_CONTAINER):
            ops.append((header.type, CreateRequest.read(r)))
        elif header.type == OpCode.CREATE_TTL:
            ops.append((header.type, CreateRequest.read(r, with_ttl=True)))
        elif header.type in (OpCode.DELETE, OpCode.CHECK):
            ops.append((header.type, PathVersionRequest.read(r)))
        elif header.type == OpCode.SET_DATA:
            ops.append((header.type, SetDataRequest.read(r)))
        elif header.type in (OpCode.GET_CHILDREN, OpCode.GET_DATA):
            ops.append((header.type, PathWatchRequest.read(r)))
        else:
            raise JuteError(f"operation type {header.type} cannot be part of a multi")


# --- responses -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WatcherEvent:
    type: int  # NodeCreated 1, NodeDeleted 2, NodeDataChanged 3, NodeChildrenChanged 4
    state: int  # SyncConnected 3
    path: str

    @classmethod
    def read(cls, r: Reader) -> WatcherEvent:
        return cls(r.i32(), r.i32(), r.path())

    def write(self, w: Writer) -> None:
        w.i32(self.type).i32(self.state).string(self.path)


class Response:
    """Writers of response bodies (the record after a ReplyHeader with err 0)."""

    STATE_SYNC_CONNECTED: ClassVar[int] = 3

    @staticmethod
    def path(w: Writer, path: str) -> None:  # create, sync
        w.string(path)

    @staticmethod
    def path_stat(w: Writer, path: str, stat: Stat) -> None:  # create2
        w.string(path)
        write_stat(w, stat)

    @staticmethod
    def stat(w: Writer, stat: Stat) -> None:  # exists, setData
        write_stat(w, stat)

    @staticmethod
    def data_stat(w: Writer, data: bytes | None, stat: Stat) -> None:  # getData
        w.buffer(data)
        write_stat(w, stat)

    @staticmethod
    def children(w: Writer, names: list[str]) -> None:  # getChildren
        w.strings(names)

    @staticmethod
    def children_stat(w: Writer, names: list[str], stat: Stat) -> None:  # getChildren2
        w.strings(names)
        write_stat(w, stat)

    @staticmethod
    def acl_stat(w: Writer, acls: tuple[ACL, ...], stat: Stat) -> None:  # getACL
        write_acls(w, acls)
        write_stat(w, stat)


def frame(body: bytes) -> bytes:
    return _INT.pack(len(body)) + body
