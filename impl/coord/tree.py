"""The znode tree: ZooKeeper's DataTree as a deterministic replicated state machine.

ZooKeeper checks a write on the leader (PrepRequestProcessor, against the tree plus the writes
still in flight) and then applies the resulting transaction without checks (DataTree). Here
the decided log is the only order there is, so `apply` does both, in the order ZooKeeper
checks: the same command on the same tree gives the same result on every replica, and the
error a client gets is the one ZooKeeper would give (see `impl.coord.messages` for commands and
results). The zxid of a write is the log index it is applied at.

What the tree keeps: the nodes, and the live sessions with their timeouts (ZooKeeper keeps
those in its snapshots too). What it leaves to the server around it: watches (per server; each
write reports the `Trigger`s it causes), when a session expires (the leader proposes a
`CloseSession`), when to sweep containers (the leader asks `ContainerCandidates` and proposes
a `DeleteContainer` for each), the expansion of "auth" ACLs into the connection's identities,
the ACL checks of reads (made by the server in the same step as the read), quotas, and TTL
nodes (refused with UNIMPLEMENTED, as ZooKeeper does unless extended types are enabled).

A write's ACL check is the tree's, in ZooKeeper's order, against the identities its `Txn`
carries (NOAUTH); the servers' own commands carry none and are not checked.

A client write from a session the tree does not know (never created, or closed or expired
before the write was decided) is refused with SESSIONEXPIRED, as ZooKeeper's session check
would have refused it; otherwise an ephemeral could outlive its session.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import msgspec

from impl.coord.errors import Code, KeeperError
from impl.coord.messages import (
    ACLReply,
    Check,
    CheckResult,
    ChildrenReply,
    CloseSession,
    ContainerCandidates,
    CountDescendants,
    CountReply,
    Create,
    CreateResult,
    CreateSession,
    DataReply,
    Delete,
    DeleteContainer,
    DeleteResult,
    ErrorResult,
    Exists,
    GetACL,
    GetChildren,
    GetChildren2,
    GetData,
    GetEphemerals,
    GetSessions,
    Multi,
    MultiOp,
    MultiResult,
    OkResult,
    Op,
    Outcome,
    PathsReply,
    Query,
    Reply,
    Result,
    Session,
    SessionsReply,
    SetACL,
    SetACLResult,
    SetData,
    SetDataResult,
    StatReply,
    SubResult,
    Txn,
    encode,
    query_decoder,
    txn_decoder,
)
from impl.coord.paths import path_error, split
from impl.coord.records import (
    ACL,
    CONTAINER_OWNER,
    OPEN_ACL_UNSAFE,
    READ_ACL_UNSAFE,
    ZERO_STAT,
    CreateMode,
    EventType,
    Perms,
    Stat,
    StatPersisted,
    Trigger,
    client_stat,
    int32,
    owned_by_session,
    permitted,
)

# Nodes ZooKeeper creates itself and refuses to delete.
SPECIAL_PATHS = frozenset({"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"})


def next_version(version: int) -> int:
    """The version after `version` (data or ACL): Java int overflow, skipping -1 because -1
    means "any version" in a request (ZooKeeper's checkAndIncVersion, since ZOOKEEPER-4743)."""
    after = int32(version + 1)
    return 0 if after == -1 else after


def check_version(current: int, expected: int, path: str) -> None:
    if expected != -1 and expected != current:
        raise KeeperError(Code.BADVERSION, path)


class _Node(msgspec.Struct):
    data: bytes | None
    acl: tuple[ACL, ...]
    stat: StatPersisted
    children: set[str] = msgspec.field(default_factory=set)

    def copy(self) -> _Node:
        return _Node(self.data, self.acl, self.stat, set(self.children))


class _SavedNode(msgspec.Struct, array_like=True):
    path: str
    data: bytes | None
    acl: tuple[ACL, ...]
    stat: StatPersisted


class _Image(msgspec.Struct, array_like=True):
    """A snapshot: nodes sorted by path (children are implied by the paths) and sessions
    sorted by id, so equal trees give equal bytes whatever the order of their dicts."""

    nodes: list[_SavedNode]
    sessions: list[Session]


_image_decoder = msgspec.msgpack.Decoder(_Image)


class _Apply:
    """The context of one command: its zxid, time and session, and the triggers so far."""

    def __init__(self, zxid: int, command: Txn) -> None:
        self.zxid = zxid
        self.time = command.time
        self.session = command.session
        self.identities = command.identities
        self.triggers: list[Trigger] = []

    def require(self, acl: tuple[ACL, ...], perm: int, path: str) -> None:
        """NOAUTH unless the client may do `perm` (the servers' own commands always may)."""
        if self.identities is not None and not permitted(acl, perm, self.identities):
            raise KeeperError(Code.NOAUTH, path)


class DataTree:
    """The `StateMachine` of a ZooKeeper-compatible service. `execute` and `read` are the
    typed forms of `apply` and `query`."""

    def __init__(self) -> None:
        self._nodes: dict[str, _Node] = {}
        self._sessions: dict[int, int] = {}  # session id -> timeout (ms)
        self._ephemerals: dict[int, set[str]] = {}  # session id -> its ephemeral paths
        self._containers: set[str] = set()
        # During a multi: what each node touched was before it (None: it did not exist).
        self._journal: dict[str, _Node | None] | None = None
        self._reset()

    def _reset(self) -> None:
        """The tree ZooKeeper starts with: "/", "/zookeeper", "/zookeeper/quota" and the
        read-only "/zookeeper/config", none created by a transaction, so all their stats are
        zero (and "/" shows cversion -1 with one child, as `stat /` does on a new server)
        except the config node's aversion: ZooKeeper sets its ACL with version -1."""
        self._nodes = {
            "/": _Node(b"", OPEN_ACL_UNSAFE, ZERO_STAT, {"zookeeper"}),
            "/zookeeper": _Node(b"", OPEN_ACL_UNSAFE, ZERO_STAT, {"quota", "config"}),
            "/zookeeper/quota": _Node(b"", OPEN_ACL_UNSAFE, ZERO_STAT),
            "/zookeeper/config": _Node(
                b"", READ_ACL_UNSAFE, msgspec.structs.replace(ZERO_STAT, aversion=-1)
            ),
        }
        self._sessions = {}
        self._ephemerals = {}
        self._containers = set()
        self._journal = None

    # --- the StateMachine protocol -----------------------------------------------------------

    def apply(self, index: int, command: bytes) -> bytes:
        try:
            decoded = txn_decoder.decode(command)
        except msgspec.DecodeError:
            bad = Code.MARSHALLINGERROR
            return encode(Outcome(bad, ErrorResult(bad)))
        return encode(self.execute(index, decoded))

    def query(self, query: bytes) -> bytes:
        try:
            decoded = query_decoder.decode(query)
        except msgspec.DecodeError:
            return encode(ErrorResult(Code.MARSHALLINGERROR))
        return encode(self.read(decoded))

    def snapshot(self) -> bytes:
        nodes = [
            _SavedNode(path, node.data, node.acl, node.stat)
            for path, node in sorted(self._nodes.items(), key=lambda item: item[0])
        ]
        sessions = [Session(s, t) for s, t in sorted(self._sessions.items())]
        return msgspec.msgpack.encode(_Image(nodes, sessions))

    def restore(self, data: bytes) -> None:
        self._reset()
        if not data:
            return
        image = _image_decoder.decode(data)
        self._nodes = {
            saved.path: _Node(saved.data, saved.acl, saved.stat) for saved in image.nodes
        }
        for path, node in self._nodes.items():
            if path != "/":
                parent, name = split(path)
                self._nodes[parent or "/"].children.add(name)
            self._index(path, node)
        self._sessions = {s.id: s.timeout for s in image.sessions}

    def digest(self) -> str:
        return hashlib.blake2b(self.snapshot(), digest_size=8).hexdigest()

    # --- writes ------------------------------------------------------------------------------

    def execute(self, zxid: int, command: Txn) -> Outcome:
        """Apply one command as the write with this zxid."""
        ctx = _Apply(zxid, command)
        op = command.op
        if isinstance(op, Multi):
            return self._multi(ctx, op.ops)
        try:
            result = self._write(ctx, op)
        except KeeperError as e:
            return Outcome(e.code, ErrorResult(e.code))
        return Outcome(Code.OK, result, tuple(ctx.triggers))

    def _write(self, ctx: _Apply, op: Op) -> Result:
        if isinstance(op, Create | Delete | SetData | Check):
            return self._sub(ctx, op)
        if isinstance(op, SetACL):
            return self._set_acl(ctx, op)
        if isinstance(op, CreateSession):
            return self._create_session(ctx, op)
        if isinstance(op, CloseSession):
            return self._close_session(ctx)
        if isinstance(op, DeleteContainer):
            return self._delete_container(ctx, op)
        raise KeeperError(Code.UNIMPLEMENTED)  # a Multi: `execute` runs those, never nested

    def _sub(self, ctx: _Apply, op: MultiOp) -> SubResult:
        if isinstance(op, Create):
            return self._create(ctx, op)
        if isinstance(op, Delete):
            return self._delete(ctx, op)
        if isinstance(op, SetData):
            return self._set_data(ctx, op)
        return self._check(ctx, op)

    def _multi(self, ctx: _Apply, ops: tuple[MultiOp, ...]) -> Outcome:
        """Each operation sees the ones before it; if one fails, the nodes the earlier ones
        touched are put back as they were (every operation checks before it changes
        anything, so the failing one changed nothing) and no watch fires."""
        self._journal = {}
        results: list[SubResult] = []
        try:
            for op in ops:
                results.append(self._sub(ctx, op))
        except KeeperError as e:
            self._rollback()
            done = len(results)
            errors = (
                [ErrorResult(Code.OK)] * done
                + [ErrorResult(e.code)]
                + [ErrorResult(Code.RUNTIMEINCONSISTENCY)] * (len(ops) - done - 1)
            )
            return Outcome(e.code, MultiResult(tuple(errors)))
        finally:
            self._journal = None
        return Outcome(Code.OK, MultiResult(tuple(results)), tuple(ctx.triggers))

    def _create(self, ctx: _Apply, op: Create) -> CreateResult:
        try:
            mode = CreateMode(op.flags)
        except ValueError:
            raise KeeperError(Code.BADARGUMENTS, op.path) from None
        if mode.ttl:
            raise KeeperError(Code.UNIMPLEMENTED, op.path)
        if op.ttl >= 0:
            raise KeeperError(Code.BADARGUMENTS, op.path)  # a ttl for a mode without one
        self._check_session(ctx)
        path = op.path
        if "/" not in path or "\0" in path:
            raise KeeperError(Code.BADARGUMENTS, path)
        parent_path, _ = split(path)
        acl = _fixup_acl(op.acl, path)
        parent = self._require(parent_path)
        ctx.require(parent.acl, Perms.CREATE, parent_path or "/")
        if mode.sequential:
            path += f"{parent.stat.cversion:010d}"
        if path_error(path) is not None:
            raise KeeperError(Code.BADARGUMENTS, path)
        if path in self._nodes:
            raise KeeperError(Code.NODEEXISTS, path)
        if owned_by_session(parent.stat.ephemeral_owner):
            raise KeeperError(Code.NOCHILDRENFOREPHEMERALS, path)

        if mode is CreateMode.CONTAINER:
            owner = CONTAINER_OWNER
        else:
            owner = ctx.session if mode.ephemeral else 0
        parent_key = parent_path or "/"
        self._touch(parent_key)
        self._touch(path)
        parent.children.add(split(path)[1])
        cversion = int32(parent.stat.cversion + 1)
        if cversion > parent.stat.cversion:  # false only when it wraps, as in ZooKeeper
            parent.stat = msgspec.structs.replace(parent.stat, cversion=cversion, pzxid=ctx.zxid)
        z, t = ctx.zxid, ctx.time
        node = _Node(op.data, acl, StatPersisted(z, z, t, t, 0, 0, 0, owner, z))
        self._nodes[path] = node
        self._index(path, node)
        ctx.triggers.append(Trigger(path, EventType.NODE_CREATED))
        ctx.triggers.append(Trigger(parent_key, EventType.NODE_CHILDREN_CHANGED))
        return CreateResult(path, self._stat(node))

    def _delete(self, ctx: _Apply, op: Delete) -> DeleteResult:
        self._check_session(ctx)
        parent_path = _parent_for_delete(op.path)
        parent = self._require(parent_path)
        node = self._require(op.path)
        ctx.require(parent.acl, Perms.DELETE, parent_path or "/")
        check_version(node.stat.version, op.version, op.path)
        if node.children:
            raise KeeperError(Code.NOTEMPTY, op.path)
        self._remove(ctx, op.path)
        return DeleteResult()

    def _set_data(self, ctx: _Apply, op: SetData) -> SetDataResult:
        self._check_session(ctx)
        node = self._require(_valid(op.path))
        ctx.require(node.acl, Perms.WRITE, op.path)
        check_version(node.stat.version, op.version, op.path)
        self._touch(op.path)
        node.data = op.data
        node.stat = msgspec.structs.replace(
            node.stat, mzxid=ctx.zxid, mtime=ctx.time, version=next_version(node.stat.version)
        )
        ctx.triggers.append(Trigger(op.path, EventType.NODE_DATA_CHANGED))
        return SetDataResult(self._stat(node))

    def _check(self, ctx: _Apply, op: Check) -> CheckResult:
        self._check_session(ctx)
        node = self._require(_valid(op.path))
        ctx.require(node.acl, Perms.READ, op.path)
        check_version(node.stat.version, op.version, op.path)
        return CheckResult()

    def _set_acl(self, ctx: _Apply, op: SetACL) -> SetACLResult:
        self._check_session(ctx)
        acl = _fixup_acl(op.acl, _valid(op.path))
        node = self._require(op.path)
        ctx.require(node.acl, Perms.ADMIN, op.path)
        check_version(node.stat.aversion, op.version, op.path)
        self._touch(op.path)
        node.acl = acl
        node.stat = msgspec.structs.replace(node.stat, aversion=next_version(node.stat.aversion))
        return SetACLResult(self._stat(node))

    def _delete_container(self, ctx: _Apply, op: DeleteContainer) -> DeleteResult:
        """ZooKeeper's deleteContainer, checks in its order. It refuses only a session's
        ephemeral (with BADVERSION); an empty persistent node would go too, but the sweep
        names only containers."""
        parent_path = _parent_for_delete(op.path)
        node = self._require(op.path)
        if node.children:
            raise KeeperError(Code.NOTEMPTY, op.path)
        if owned_by_session(node.stat.ephemeral_owner):
            raise KeeperError(Code.BADVERSION, op.path)
        self._require(parent_path)
        self._remove(ctx, op.path)
        return DeleteResult()

    def _create_session(self, ctx: _Apply, op: CreateSession) -> OkResult:
        if ctx.session in (0, CONTAINER_OWNER):  # they would read as "persistent", "container"
            raise KeeperError(Code.BADARGUMENTS)
        self._sessions[ctx.session] = op.timeout
        return OkResult()

    def _close_session(self, ctx: _Apply) -> OkResult:
        """Delete the session's ephemerals, in path order (ZooKeeper's order is a HashSet's;
        ephemerals have no children, so any order gives the same tree)."""
        for path in sorted(self._ephemerals.get(ctx.session, ())):
            self._remove(ctx, path)
        self._sessions.pop(ctx.session, None)
        return OkResult()

    def _remove(self, ctx: _Apply, path: str) -> None:
        """DataTree.deleteNode: the parent's pzxid moves on, its stored cversion does not (a
        client sees cversion go up anyway: it is shown as creations + deletions)."""
        parent_path, name = split(path)
        parent_key = parent_path or "/"
        parent = self._nodes[parent_key]
        self._touch(parent_key)
        self._touch(path)
        parent.children.discard(name)
        if ctx.zxid > parent.stat.pzxid:
            parent.stat = msgspec.structs.replace(parent.stat, pzxid=ctx.zxid)
        self._unindex(path, self._nodes.pop(path))
        ctx.triggers.append(Trigger(path, EventType.NODE_DELETED))
        ctx.triggers.append(Trigger(parent_key, EventType.NODE_CHILDREN_CHANGED))

    # --- reads -------------------------------------------------------------------------------

    def read(self, query: Query) -> Reply:
        """Reads check no path syntax (ZooKeeper's don't either; clients do): a path that is
        not a node's is NONODE. "" is the root, as in ZooKeeper's node table."""
        try:
            return self._read(query)
        except KeeperError as e:
            return ErrorResult(e.code)

    def _read(self, query: Query) -> Reply:
        if isinstance(query, GetData):
            node = self._require(query.path)
            return DataReply(node.data, self._stat(node))
        if isinstance(query, Exists):
            if "\0" in query.path:
                raise KeeperError(Code.BADARGUMENTS, query.path)
            return StatReply(self._stat(self._require(query.path)))
        if isinstance(query, GetChildren | GetChildren2):
            node = self._require(query.path)
            names = tuple(sorted(node.children))
            return ChildrenReply(
                names, self._stat(node) if isinstance(query, GetChildren2) else None
            )
        if isinstance(query, GetACL):
            node = self._require(query.path)
            return ACLReply(node.acl, self._stat(node))
        if isinstance(query, GetEphemerals):
            paths = self._ephemerals.get(query.session, set())
            prefix = query.prefix.strip()
            if prefix not in ("", "/"):
                paths = {p for p in paths if p.startswith(query.prefix)}
            return PathsReply(tuple(sorted(paths)))
        if isinstance(query, GetSessions):
            return SessionsReply(tuple(Session(s, t) for s, t in sorted(self._sessions.items())))
        if isinstance(query, CountDescendants):
            self._require(query.path)
            prefix = query.path.rstrip("/") + "/"
            return CountReply(sum(1 for p in self._nodes if p.startswith(prefix) and p != "/"))
        return PathsReply(self._container_candidates(query))

    def _container_candidates(self, query: ContainerCandidates) -> tuple[str, ...]:
        """Empty containers that have had a child (stored cversion > 0, so a container made
        just before a sweep survives it), and, if asked, empty ones idle for too long."""
        found = []
        for path in self._containers:
            node = self._nodes[path]
            if node.children:
                continue
            if node.stat.cversion > 0 or (
                query.max_never_used_ms > 0
                and query.now - node.stat.mtime > query.max_never_used_ms
            ):
                found.append(path)
        return tuple(sorted(found))

    # --- for the server around the tree (cheap, no encoding) ----------------------------------

    def session_timeouts(self) -> dict[int, int]:
        """The live sessions: id -> timeout in ms."""
        return dict(self._sessions)

    def node_count(self) -> int:
        return len(self._nodes)

    def ephemeral_count(self) -> int:
        return sum(map(len, self._ephemerals.values()))

    def data_size(self) -> int:
        """Bytes of paths and data, as ZooKeeper's approximateDataSize counts them."""
        return sum(len(p) + len(n.data or b"") for p, n in self._nodes.items())

    # --- helpers -----------------------------------------------------------------------------

    def _require(self, path: str) -> _Node:
        node = self._nodes.get(path or "/")
        if node is None:
            raise KeeperError(Code.NONODE, path)
        return node

    def _stat(self, node: _Node) -> Stat:
        return client_stat(node.stat, node.data, len(node.children))

    def _check_session(self, ctx: _Apply) -> None:
        if ctx.session not in self._sessions:
            raise KeeperError(Code.SESSIONEXPIRED)

    def _touch(self, path: str) -> None:
        """Remember what `path` is before its first change in a multi."""
        if self._journal is not None and path not in self._journal:
            node = self._nodes.get(path)
            self._journal[path] = node.copy() if node is not None else None

    def _rollback(self) -> None:
        assert self._journal is not None
        for path, before in self._journal.items():
            now = self._nodes.pop(path, None)
            if now is not None:
                self._unindex(path, now)
            if before is not None:
                self._nodes[path] = before
                self._index(path, before)

    def _index(self, path: str, node: _Node) -> None:
        owner = node.stat.ephemeral_owner
        if owner == CONTAINER_OWNER:
            self._containers.add(path)
        elif owner != 0:
            self._ephemerals.setdefault(owner, set()).add(path)

    def _unindex(self, path: str, node: _Node) -> None:
        owner = node.stat.ephemeral_owner
        if owner == CONTAINER_OWNER:
            self._containers.discard(path)
        elif owner != 0:
            paths = self._ephemerals.get(owner)
            if paths is not None:
                paths.discard(path)
                if not paths:
                    del self._ephemerals[owner]


def _valid(path: str) -> str:
    """`path` if PathUtils.validatePath accepts it, else BADARGUMENTS."""
    if path_error(path) is not None:
        raise KeeperError(Code.BADARGUMENTS, path)
    return path


def _parent_for_delete(path: str) -> str:
    """PrepRequestProcessor.getParentPathAndValidate: deletes check no more path syntax
    than this (a malformed path is simply not a node: NONODE)."""
    if "/" not in path or "\0" in path or path in SPECIAL_PATHS:
        raise KeeperError(Code.BADARGUMENTS, path)
    return split(path)[0]


def _fixup_acl(acl: tuple[ACL, ...], path: str) -> tuple[ACL, ...]:
    """The part of PrepRequestProcessor.fixupACL that needs no connection: duplicates go
    (first kept), and an empty list is INVALIDACL. The server expands "auth" entries into
    the caller's identities and refuses unknown schemes before it proposes."""
    unique = tuple(dict.fromkeys(acl))
    if not unique:
        raise KeeperError(Code.INVALIDACL, path)
    return unique


if TYPE_CHECKING:  # mypy checks that the tree is a StateMachine
    from impl.sm.base import StateMachine

    _conforms: StateMachine = DataTree()
