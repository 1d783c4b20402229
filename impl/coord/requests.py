"""From ZooKeeper's wire requests to the tree's commands and queries, and from the tree's
results back to wire responses: pure functions, so every opcode is testable without a server.

A request is a write (it goes through the log as a `Txn`) or a read (a query answered at a
read index). `decode` raises `JuteError` for a body that does not parse (the connection
closes) and `KeeperError` for a request that parses but is refused (an error reply).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from dataclasses import dataclass

from impl.coord.errors import Code, KeeperError
from impl.coord.jute import (
    CreateRequest,
    JuteError,
    MultiHeader,
    OpCode,
    PathRequest,
    PathTypeRequest,
    PathVersionRequest,
    PathWatchRequest,
    Reader,
    Response,
    SetDataRequest,
    Writer,
    read_acls,
    read_multi,
)
from impl.coord.messages import (
    ACLReply,
    Check,
    ChildrenReply,
    ConfigResult,
    CountDescendants,
    CountReply,
    Create,
    CreateResult,
    DataReply,
    Delete,
    ErrorResult,
    Exists,
    GetACL,
    GetChildren,
    GetChildren2,
    GetData,
    GetEphemerals,
    Multi,
    MultiOp,
    MultiResult,
    Op,
    Outcome,
    PathsReply,
    Query,
    Reply,
    SetACL,
    SetACLResult,
    SetData,
    SetDataResult,
    StatReply,
)
from impl.coord.reconfig import ReconfigRequest
from impl.coord.records import ACL
from impl.coord.watches import ADD_WATCH_MODES, WATCHER_TYPES

_CREATES = (OpCode.CREATE, OpCode.CREATE2, OpCode.CREATE_CONTAINER, OpCode.CREATE_TTL)
WRITES = frozenset({*_CREATES, OpCode.DELETE, OpCode.SET_DATA, OpCode.SET_ACL, OpCode.CHECK,
                    OpCode.MULTI})  # fmt: skip
# Done on the connection's server at a read index, in order with its other requests.
_PATH_READS = frozenset({OpCode.EXISTS, OpCode.GET_DATA, OpCode.GET_CHILDREN,
                         OpCode.GET_CHILDREN2})  # fmt: skip
WATCH_OPS = frozenset({OpCode.ADD_WATCH, OpCode.REMOVE_WATCHES, OpCode.CHECK_WATCHES})
READS = frozenset({*_PATH_READS, OpCode.GET_ACL, OpCode.GET_EPHEMERALS, OpCode.SYNC,
                   OpCode.GET_ALL_CHILDREN_NUMBER, OpCode.MULTI_READ, *WATCH_OPS})  # fmt: skip


@dataclass(frozen=True)
class Decoded:
    """One request: `op` for a write, `query` for a read. `watch`: the read sets a watch.
    `types`: a multi's operation codes, which its response repeats; `reads`: a multiRead's
    reads; `reconfig`: a reconfig's request. `watch_type`: addWatch's mode, or removeWatches'
    and checkWatches' WatcherType."""

    opcode: int
    path: str = ""
    op: Op | None = None
    query: Query | None = None
    watch: bool = False
    types: tuple[int, ...] = ()
    reads: tuple[Decoded, ...] = ()
    watch_type: int = 0
    reconfig: ReconfigRequest | None = None  # the service makes it a membership change


Identity = tuple[str, str]  # (scheme, id), as an ACL names it


def digest_identity(auth: bytes) -> Identity:
    """ZooKeeper's digest scheme: "user:password" authenticates as
    user:base64(sha1("user:password"))."""
    text = auth.decode("utf-8", "replace")
    user = text.split(":", 1)[0]
    return ("digest", f"{user}:{base64.b64encode(hashlib.sha1(auth).digest()).decode()}")


def valid_id(scheme: str, ident: str) -> bool:
    """Does the scheme's authentication provider accept the id (ZooKeeper's isValid)?"""
    if scheme == "world":
        return ident == "anyone"
    if scheme == "digest":
        return ":" in ident
    if scheme == "ip":
        address, _, bits = ident.partition("/")
        try:
            network = ipaddress.ip_address(address)
        except ValueError:
            return False
        return not bits or (bits.isdigit() and int(bits) <= network.max_prefixlen)
    return False  # no provider for the scheme (sasl, x509 and the like are not configured)


def _acl(acls: tuple[ACL, ...], identities: list[Identity]) -> tuple[ACL, ...]:
    """Expand "auth" entries into the caller's identities (none: INVALIDACL) and refuse ids
    no provider accepts, as PrepRequestProcessor.fixupACL does; the tree does the rest."""
    out: list[ACL] = []
    for acl in acls:
        if acl.scheme != "auth":
            if not valid_id(acl.scheme, acl.id):
                raise KeeperError(Code.INVALIDACL)
            out.append(acl)
            continue
        if not identities:
            raise KeeperError(Code.INVALIDACL)
        out += [ACL(acl.perms, scheme, ident) for scheme, ident in identities]
    return tuple(out)


def _create(opcode: int, request: CreateRequest, identities: list[Identity]) -> Create:
    if opcode == OpCode.CREATE_CONTAINER and request.flags != 4:
        raise KeeperError(Code.BADARGUMENTS, request.path)
    acl = _acl(request.acl, identities)
    return Create(request.path, request.data, acl, request.flags, request.ttl)


def _multi_op(opcode: int, record: object, identities: list[Identity]) -> MultiOp:
    if isinstance(record, CreateRequest):
        return _create(opcode, record, identities)
    if isinstance(record, PathVersionRequest):
        if opcode == OpCode.DELETE:
            return Delete(record.path, record.version)
        return Check(record.path, record.version)
    if isinstance(record, SetDataRequest):
        return SetData(record.path, record.data, record.version)
    raise KeeperError(Code.BADARGUMENTS)  # a read inside a write multi


def decode(opcode: int, r: Reader, identities: list[Identity], session: int) -> Decoded:
    if opcode in _PATH_READS:  # the most frequent requests first
        return _path_read(opcode, PathWatchRequest.read(r))
    if opcode in _CREATES:
        create = CreateRequest.read(r, with_ttl=opcode == OpCode.CREATE_TTL)
        return Decoded(opcode, create.path, op=_create(opcode, create, identities))
    if opcode in (OpCode.DELETE, OpCode.CHECK):
        pv = PathVersionRequest.read(r)
        op: Op = (
            Delete(pv.path, pv.version) if opcode == OpCode.DELETE else Check(pv.path, pv.version)
        )
        return Decoded(opcode, pv.path, op=op)
    if opcode == OpCode.SET_DATA:
        sd = SetDataRequest.read(r)
        return Decoded(opcode, sd.path, op=SetData(sd.path, sd.data, sd.version))
    if opcode == OpCode.SET_ACL:
        path, acls, version = r.path(), read_acls(r), r.i32()
        return Decoded(opcode, path, op=SetACL(path, _acl(acls, identities), version))
    if opcode == OpCode.MULTI:
        records = read_multi(r)
        ops = tuple(_multi_op(t, rec, identities) for t, rec in records)
        return Decoded(opcode, op=Multi(ops), types=tuple(t for t, _ in records))
    if opcode == OpCode.MULTI_READ:
        reads = []
        for t, record in read_multi(r):
            if not isinstance(record, PathWatchRequest):  # FinalRequestProcessor's IOException
                raise JuteError(f"operation type {t} cannot be part of a multiRead")
            reads.append(_path_read(t, record))
        return Decoded(opcode, query=Exists("/"), reads=tuple(reads))
    if opcode in WATCH_OPS:
        request = PathTypeRequest.read(r)
        valid = ADD_WATCH_MODES if opcode == OpCode.ADD_WATCH else WATCHER_TYPES
        if request.type not in valid:
            raise KeeperError(Code.BADARGUMENTS, request.path)
        return Decoded(opcode, request.path, query=Exists("/"), watch_type=request.type)
    query: Query
    if opcode in (
        OpCode.GET_ACL,
        OpCode.SYNC,
        OpCode.GET_EPHEMERALS,
        OpCode.GET_ALL_CHILDREN_NUMBER,
    ):
        path = PathRequest.read(r).path
        if opcode == OpCode.GET_ALL_CHILDREN_NUMBER:
            query = CountDescendants(path)
        elif opcode == OpCode.GET_ACL:
            query = GetACL(path)
        elif opcode == OpCode.GET_EPHEMERALS:
            query = GetEphemerals(session, path)
        else:  # sync: a read index is all it takes (every read here is linearizable)
            query = Exists("/")
        return Decoded(opcode, path, query=query)
    if opcode == OpCode.RECONFIG:
        return Decoded(opcode, "/zookeeper/config", reconfig=ReconfigRequest.read(r))
    raise KeeperError(Code.UNIMPLEMENTED)


def _path_read(opcode: int, pw: PathWatchRequest) -> Decoded:
    query: Query
    if opcode == OpCode.EXISTS:
        query = Exists(pw.path)
    elif opcode == OpCode.GET_DATA:
        query = GetData(pw.path)
    elif opcode == OpCode.GET_CHILDREN:
        query = GetChildren(pw.path)
    else:
        query = GetChildren2(pw.path)
    return Decoded(opcode, pw.path, query=query, watch=pw.watch)


def write_response(decoded: Decoded, outcome: Outcome) -> tuple[int, bytes]:
    """(err, body) for a write's outcome."""
    result = outcome.result
    w = Writer()
    if isinstance(result, MultiResult):
        _write_multi(w, decoded.types, result)
        return Code.OK, w.getvalue()
    if outcome.err != Code.OK:
        return outcome.err, b""
    opcode = decoded.opcode
    if isinstance(result, CreateResult):
        if opcode == OpCode.CREATE:
            Response.path(w, result.path)
        else:
            Response.path_stat(w, result.path, result.stat)
    elif isinstance(result, ConfigResult):
        Response.data_stat(w, result.data, result.stat)
    elif isinstance(result, SetDataResult | SetACLResult):
        Response.stat(w, result.stat)
    return Code.OK, w.getvalue()


def _write_multi(w: Writer, types: tuple[int, ...], result: MultiResult) -> None:
    for opcode, sub in zip(types, result.results, strict=True):
        if isinstance(sub, ErrorResult):
            MultiHeader(OpCode.ERROR, False, sub.err).write(w)
            w.i32(sub.err)
            continue
        if opcode in (OpCode.CREATE_CONTAINER, OpCode.CREATE_TTL):
            opcode = OpCode.CREATE2  # as ZooKeeper answers them (the Java client insists)
        MultiHeader(opcode, False, 0).write(w)
        if isinstance(sub, CreateResult):
            if opcode == OpCode.CREATE:
                Response.path(w, sub.path)
            else:
                Response.path_stat(w, sub.path, sub.stat)
        elif isinstance(sub, SetDataResult):
            Response.stat(w, sub.stat)
    MultiHeader(-1, True, -1).write(w)


def multi_read_response(reads: tuple[Decoded, ...], answers: list[tuple[int, bytes]]) -> bytes:
    """A multiRead's MultiResponse: each read's header (its type, or an error) and body."""
    w = Writer()
    for read, (err, body) in zip(reads, answers, strict=True):
        if err != Code.OK:
            MultiHeader(OpCode.ERROR, False, err).write(w)
            w.i32(err)
        else:
            MultiHeader(read.opcode, False, 0).write(w)
            w.raw(body)
    MultiHeader(-1, True, -1).write(w)
    return w.getvalue()


def read_response(decoded: Decoded, reply: Reply) -> tuple[int, bytes]:
    """(err, body) for a read's reply."""
    if decoded.opcode == OpCode.SYNC:
        w = Writer()
        Response.path(w, decoded.path)
        return Code.OK, w.getvalue()
    if isinstance(reply, ErrorResult):
        return reply.err, b""
    w = Writer()
    if isinstance(reply, DataReply):
        Response.data_stat(w, reply.data, reply.stat)
    elif isinstance(reply, StatReply):
        Response.stat(w, reply.stat)
    elif isinstance(reply, ChildrenReply):
        if reply.stat is None:
            Response.children(w, list(reply.children))
        else:
            Response.children_stat(w, list(reply.children), reply.stat)
    elif isinstance(reply, ACLReply):
        Response.acl_stat(w, reply.acl, reply.stat)
    elif isinstance(reply, PathsReply):
        w.strings(list(reply.paths))
    elif isinstance(reply, CountReply):
        w.i32(reply.count)
    return Code.OK, w.getvalue()
