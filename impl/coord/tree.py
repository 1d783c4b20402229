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
the ACL checks of reads (made by the server in the same step as the read), and quotas.

With `record_changes` on, each write also reports what it changed, node by node (`changes`:
creations, data writes, deletions, sessions started and closed, with the versions right after
each), for the server's event log (`paxoscope validate`).

TTL nodes exist when the tree is made with `extended_types` (ZooKeeper's extendedTypesEnabled;
without it a TTL create is UNIMPLEMENTED, as in ZooKeeper). The sweep that deletes containers
deletes an empty TTL node whose mtime is more than its TTL before the sweep's time; unlike
ZooKeeper's, the `DeleteContainer` of a TTL node checks that again when it is applied, so a
write between the sweep and the deletion keeps the node.

A write's ACL check is the tree's, in ZooKeeper's order, against the identities its `Txn`
carries (NOAUTH); the servers' own commands carry none and are not checked.

A client write from a session the tree does not know (never created, or closed or expired
before the write was decided) is refused with SESSIONEXPIRED, as ZooKeeper's session check
would have refused it; otherwise an ephemeral could outlive its session.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, NamedTuple

import msgspec

from impl.coord.errors import Code, KeeperError
from impl.coord.faults import CoordFault
from impl.coord.jute import pack_stat
from impl.coord.messages import (
    ACLReply,
    Check,
    CheckResult,
    ChildrenReply,
    CloseSession,
    ConfigResult,
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
    MoveSession,
    Multi,
    MultiOp,
    MultiResult,
    OkResult,
    Op,
    Outcome,
    PathsReply,
    Query,
    Reconfig,
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
    MAX_TTL,
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
    extended_owner,
    int32,
    owned_by_session,
    permitted,
    ttl_of,
    ttl_owner,
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


class _Node(msgspec.Struct, gc=False):
    """One znode. The garbage collector does not track it (nothing in it can be part of a
    reference cycle), and a leaf has no set of children at all (None), so a large tree costs a
    full collection next to nothing: with two tracked objects per node, each full collection
    walked them all (0.1 s at 100 k znodes, on the event loop).

    `hash` is the node's share of the tree's digest as last added in; `data_hash` is its
    data's, kept so that a node is hashed again without its data (see `DataTree.digest`)."""

    data: bytes | None
    acl: tuple[ACL, ...]
    stat: StatPersisted
    children: set[str] | None = None
    hash: int = 0
    data_hash: int = 0

    def copy(self) -> _Node:
        children = set(self.children) if self.children else None
        return _Node(self.data, self.acl, self.stat, children, self.hash, self.data_hash)

    def add_child(self, name: str) -> None:
        if self.children is None:
            self.children = {name}
        else:
            self.children.add(name)

    def drop_child(self, name: str) -> None:
        if self.children is not None:
            self.children.discard(name)
            if not self.children:
                self.children = None

    def child_count(self) -> int:
        return len(self.children) if self.children else 0


class _SavedNode(msgspec.Struct, array_like=True):
    path: str
    data: bytes | None
    acl: tuple[ACL, ...]
    stat: StatPersisted


class _HashedNode(msgspec.Struct, array_like=True):
    """What a node's share of the digest is the hash of: all of it, its data by hash."""

    path: str
    data_hash: int
    acl: tuple[ACL, ...]
    stat: StatPersisted


_DIGEST_MOD = 2**64
_hash_encoder = msgspec.msgpack.Encoder()


def _hash(tag: bytes, raw: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(tag + raw, digest_size=8).digest(), "big")


def _data_hash(data: bytes | None) -> int:
    return 0 if data is None else _hash(b"d", data)


def _node_hash(path: str, node: _Node) -> int:
    return _hash(b"n", _hash_encoder.encode(_HashedNode(path, node.data_hash, node.acl, node.stat)))


def _session_hash(session: int, timeout: int) -> int:
    return _hash(b"s", _hash_encoder.encode(Session(session, timeout)))


def _ancestors(path: str) -> list[str]:
    """The nodes above `path` (a node other than the root), nearest first: "/a/b" -> ["/a",
    "/"]."""
    found = []
    end = path.rfind("/")
    while end > 0:
        path = path[:end]
        found.append(path)
        end = path.rfind("/")
    found.append("/")
    return found


class _Image(msgspec.Struct, array_like=True):
    """A snapshot: nodes sorted by path (children are implied by the paths) and sessions
    sorted by id, so equal trees give equal bytes whatever the order of their dicts."""

    nodes: list[_SavedNode]
    sessions: list[Session]


_image_decoder = msgspec.msgpack.Decoder(_Image)


class Change(NamedTuple):
    """One change a write made (`DataTree.changes`). `kind`: "create", "set" or "delete" of the
    node at `path`, "session" (started, or its timeout set again) or "close" (of `session`;
    the deletions of its ephemerals follow). `session`: the write's. For a create or a set,
    the node's data `version` and ephemeral `owner` right after; for a create or a delete, its
    parent's stored child version (`cversion`: the children ever created, which numbers the
    sequential ones) and number of `children` right after. `trigger`: the index, among the
    write's triggers, of the one on `path` this change caused (-1: none)."""

    kind: str
    path: str = ""
    session: int = 0
    version: int = 0
    owner: int = 0
    cversion: int = 0
    children: int = 0
    sequential: bool = False
    trigger: int = -1


class _Apply:
    """The context of one command: its zxid, time and session, the triggers so far, and
    (when the tree records them) the changes so far."""

    def __init__(self, zxid: int, command: Txn, record: bool = False) -> None:
        self.zxid = zxid
        self.time = command.time
        self.session = command.session
        self.identities = command.identities
        self.owner = command.owner
        self.triggers: list[Trigger] = []
        self.changes: list[Change] | None = [] if record else None

    def require(self, acl: tuple[ACL, ...], perm: int, path: str) -> None:
        """NOAUTH unless the client may do `perm` (the servers' own commands always may)."""
        if self.identities is not None and not permitted(acl, perm, self.identities):
            raise KeeperError(Code.NOAUTH, path)


class DataTree:
    """The `StateMachine` of a ZooKeeper-compatible service. `execute` and `read` are the
    typed forms of `apply` and `query`."""

    def __init__(
        self, extended_types: bool = False, faults: frozenset[CoordFault] = frozenset()
    ) -> None:
        self.extended_types = extended_types
        self.faults = faults  # switched-on bugs (tests only; see impl.coord.faults)
        # The changes of the last write (when it succeeded), if `record_changes` is on.
        self.record_changes = False
        self.changes: tuple[Change, ...] = ()
        self._nodes: dict[str, _Node] = {}
        self._sessions: dict[int, int] = {}  # session id -> timeout (ms)
        self._owners: dict[int, int] = {}  # session id -> the connection that serves it
        self._ephemerals: dict[int, set[str]] = {}  # session id -> its ephemeral paths
        self._swept: set[str] = set()  # containers and TTL nodes: what the sweep looks at
        # During a multi: what each node touched was before it (None: it did not exist).
        self._journal: dict[str, _Node | None] | None = None
        # Kept as the tree changes, so that no read of them walks the tree: the digest (a sum
        # of the nodes' and sessions' hashes; nodes changed by the command being applied are
        # in `_changed`, their `hash` not yet brought up to date), the descendants of every
        # node that has any, the ephemerals, and the bytes of paths and data.
        self._sum = 0
        self._changed: set[str] = set()
        self._descendants: dict[str, int] = {}
        self._ephemeral_count = 0
        self._data_size = 0
        # Every ACL in use, shared by the nodes that have it, with their count (ZooKeeper's
        # ReferenceCountedACLCache): a tuple of ACLs stays tracked by the garbage collector,
        # so one per node would make each full collection walk them all.
        self._acls: dict[tuple[ACL, ...], tuple[ACL, ...]] = {}
        self._acl_users: dict[tuple[ACL, ...], int] = {}
        self._reset()

    def _reset(self) -> None:
        """The tree ZooKeeper starts with: "/", "/zookeeper", "/zookeeper/quota" and the
        read-only "/zookeeper/config", none created by a transaction, so all their stats are
        zero (and "/" shows cversion -1 with one child, as `stat /` does on a new server)
        except the config node's aversion: ZooKeeper sets its ACL with version -1."""
        nodes = {
            "/": _Node(b"", OPEN_ACL_UNSAFE, ZERO_STAT, {"zookeeper"}),
            "/zookeeper": _Node(b"", OPEN_ACL_UNSAFE, ZERO_STAT, {"quota", "config"}),
            "/zookeeper/quota": _Node(b"", OPEN_ACL_UNSAFE, ZERO_STAT),
            "/zookeeper/config": _Node(
                b"", READ_ACL_UNSAFE, msgspec.structs.replace(ZERO_STAT, aversion=-1)
            ),
        }
        self._rebuild(nodes, {})

    def _rebuild(self, nodes: dict[str, _Node], sessions: dict[int, int]) -> None:
        """Take `nodes` (children already linked) and `sessions` as the whole tree, and count
        everything that is kept up to date as it changes."""
        self._nodes = {}
        self._sessions = {}
        self._owners = {}
        self._ephemerals = {}
        self._swept = set()
        self._journal = None
        self._changed = set()
        self._ephemeral_count = 0
        self._acls = {}
        self._acl_users = {}
        # What `_put` counts, node by node, counted here in one pass.
        total = size = 0
        descendants: dict[str, int] = {}
        for path, node in nodes.items():
            node.data_hash = _data_hash(node.data)
            node.hash = _node_hash(path, node)
            total += node.hash
            size += len(path) + len(node.data or b"")
            if path != "/":
                for above in _ancestors(path):
                    descendants[above] = descendants.get(above, 0) + 1
        self._nodes = nodes
        self._sum = total % _DIGEST_MOD
        self._data_size = size
        self._descendants = descendants
        for path, node in nodes.items():
            self._share_acl(node)
            self._count_owner(path, node.stat.ephemeral_owner)
        for session, timeout in sessions.items():
            self._add_session(session, timeout)

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
        if CoordFault.SEQUENCE_REUSED_AFTER_SNAPSHOT in self.faults:  # the bug: a parent's
            nodes = [  # cversion is saved as its number of children
                _SavedNode(n.path, n.data, n.acl, msgspec.structs.replace(n.stat, cversion=c))
                for n in nodes
                for c in [self._nodes[n.path].child_count()]
            ]
        sessions = [
            Session(s, t, self._owners.get(s, 0)) for s, t in sorted(self._sessions.items())
        ]
        return msgspec.msgpack.encode(_Image(nodes, sessions))

    def restore(self, data: bytes) -> None:
        self._reset()
        if not data:
            return
        image = _image_decoder.decode(data)
        nodes = {saved.path: _Node(saved.data, saved.acl, saved.stat) for saved in image.nodes}
        for path in nodes:
            if path != "/":
                parent, name = split(path)
                nodes[parent or "/"].add_child(name)
        self._rebuild(nodes, {s.id: s.timeout for s in image.sessions})
        self._owners = {s.id: s.owner for s in image.sessions if s.owner}

    def digest(self) -> str:
        """A hash of the whole state (every node's path, data, ACL and stat, every session),
        equal on replicas with equal state however they got there. It is a sum of a hash per
        node and per session, kept as they change (as ZooKeeper's DigestCalculator keeps its
        tree digest), so reading it costs nothing however large the tree."""
        return f"{self._sum:016x}"

    # --- writes ------------------------------------------------------------------------------

    def execute(self, zxid: int, command: Txn) -> Outcome:
        """Apply one command as the write with this zxid."""
        ctx = _Apply(zxid, command, self.record_changes)
        self.changes = ()
        op = command.op
        try:
            if isinstance(op, Multi):
                outcome = self._multi(ctx, op.ops)
            else:
                try:
                    result = self._write(ctx, op)
                except KeeperError as e:
                    return Outcome(e.code, ErrorResult(e.code))
                outcome = Outcome(Code.OK, result, tuple(ctx.triggers))
            if ctx.changes and outcome.err == Code.OK:
                self.changes = tuple(ctx.changes)
            return outcome
        finally:
            self._rehash()

    def _write(self, ctx: _Apply, op: Op) -> Result:
        if isinstance(op, Create | Delete | SetData | Check):
            return self._sub(ctx, op)
        if isinstance(op, SetACL):
            return self._set_acl(ctx, op)
        if isinstance(op, CreateSession):
            return self._create_session(ctx, op)
        if isinstance(op, CloseSession):
            return self._close_session(ctx)
        if isinstance(op, MoveSession):
            self._check_session(ctx, moving=True)
            self._owners[ctx.session] = ctx.owner
            return OkResult()
        if isinstance(op, DeleteContainer):
            return self._delete_container(ctx, op)
        if isinstance(op, Reconfig):
            return self._reconfig(ctx, op)
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
            mode = CreateMode.of(op.flags)
        except ValueError:
            raise KeeperError(Code.BADARGUMENTS, op.path) from None
        if mode.ttl:
            if not self.extended_types:
                raise KeeperError(Code.UNIMPLEMENTED, op.path)
            if not 0 < op.ttl <= MAX_TTL:
                raise KeeperError(Code.BADARGUMENTS, op.path)
        elif op.ttl >= 0:
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
        if owned_by_session(parent.stat.ephemeral_owner, self.extended_types):
            raise KeeperError(Code.NOCHILDRENFOREPHEMERALS, path)

        if mode is CreateMode.CONTAINER:
            owner = CONTAINER_OWNER
        elif mode.ttl:
            owner = ttl_owner(op.ttl)
        else:
            owner = ctx.session if mode.ephemeral else 0
        parent_key = parent_path or "/"
        self._touch(parent_key)
        self._touch(path)
        parent.add_child(split(path)[1])
        cversion = int32(parent.stat.cversion + 1)
        if cversion > parent.stat.cversion:  # false only when it wraps, as in ZooKeeper
            parent.stat = msgspec.structs.replace(parent.stat, cversion=cversion, pzxid=ctx.zxid)
        z, t = ctx.zxid, ctx.time
        node = _Node(op.data, acl, StatPersisted(z, z, t, t, 0, 0, 0, owner, z))
        node.data_hash = _data_hash(op.data)
        self._put(path, node)  # its hash is 0 until `_rehash`
        if ctx.changes is not None:
            ctx.changes.append(
                Change(
                    "create",
                    path,
                    ctx.session,
                    0,
                    owner,
                    parent.stat.cversion,
                    parent.child_count(),
                    mode.sequential,
                    len(ctx.triggers),
                )
            )
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
        self._write_data(ctx, op.path, node, op.data)
        return SetDataResult(self._stat(node))

    def _write_data(self, ctx: _Apply, path: str, node: _Node, data: bytes | None) -> None:
        """Replace `node`'s data: its version, mzxid and mtime move, and its data watches
        fire."""
        self._touch(path)
        self._data_size += len(data or b"") - len(node.data or b"")
        node.data = data
        node.data_hash = _data_hash(data)
        node.stat = msgspec.structs.replace(
            node.stat, mzxid=ctx.zxid, mtime=ctx.time, version=next_version(node.stat.version)
        )
        if ctx.changes is not None:
            owner, trigger = node.stat.ephemeral_owner, len(ctx.triggers)
            change = Change("set", path, ctx.session, node.stat.version, owner, trigger=trigger)
            ctx.changes.append(change)
        ctx.triggers.append(Trigger(path, EventType.NODE_DATA_CHANGED))

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
        self._release_acl(node.acl)
        node.acl = acl
        self._share_acl(node)
        node.stat = msgspec.structs.replace(node.stat, aversion=next_version(node.stat.aversion))
        return SetACLResult(self._stat(node))

    def _reconfig(self, ctx: _Apply, op: Reconfig) -> ConfigResult:
        """/zookeeper/config after a membership change: its server lines, then the version
        (the zxid, in hex), as ZooKeeper writes its dynamic configuration."""
        path = "/zookeeper/config"
        node = self._nodes[path]
        data = op.data + f"version={ctx.zxid:x}".encode()
        self._write_data(ctx, path, node, data)
        return ConfigResult(data, self._stat(node))

    def _delete_container(self, ctx: _Apply, op: DeleteContainer) -> DeleteResult:
        """ZooKeeper's deleteContainer, checks in its order. It refuses a session's ephemeral
        (with BADVERSION); an empty persistent node would go too, but the sweep names only
        containers and TTL nodes. A TTL node goes only if it is still expired at the command's
        time (BADVERSION otherwise: it was written since the sweep looked)."""
        parent_path = _parent_for_delete(op.path)
        node = self._require(op.path)
        if node.children:
            raise KeeperError(Code.NOTEMPTY, op.path)
        owner = node.stat.ephemeral_owner
        if owned_by_session(owner, self.extended_types):
            raise KeeperError(Code.BADVERSION, op.path)
        ttl = self._ttl(owner)
        if ttl and ctx.time - node.stat.mtime <= ttl:
            raise KeeperError(Code.BADVERSION, op.path)
        self._require(parent_path)
        self._remove(ctx, op.path)
        return DeleteResult()

    def _create_session(self, ctx: _Apply, op: CreateSession) -> OkResult:
        # Ids that would read as "persistent", "container" or (extended types) a TTL node.
        if ctx.session in (0, CONTAINER_OWNER) or (
            self.extended_types and extended_owner(ctx.session)
        ):
            raise KeeperError(Code.BADARGUMENTS)
        self._drop_session(ctx.session)
        self._add_session(ctx.session, op.timeout)
        if ctx.changes is not None:
            ctx.changes.append(Change("session", session=ctx.session))
        if ctx.owner:
            self._owners[ctx.session] = ctx.owner
        return OkResult()

    def _close_session(self, ctx: _Apply) -> OkResult:
        """Delete the session's ephemerals, in path order (ZooKeeper's order is a HashSet's;
        ephemerals have no children, so any order gives the same tree). A client's close from
        a connection that no longer owns the session is SESSIONMOVED."""
        if ctx.owner and ctx.session in self._sessions:
            self._check_session(ctx)
        if ctx.changes is not None and ctx.session in self._sessions:
            ctx.changes.append(Change("close", session=ctx.session))
        for path in sorted(self._ephemerals.get(ctx.session, ())):
            if CoordFault.EPHEMERAL_OUTLIVES_SESSION not in self.faults:
                self._remove(ctx, path)
        self._drop_session(ctx.session)
        return OkResult()

    def _remove(self, ctx: _Apply, path: str) -> None:
        """DataTree.deleteNode: the parent's pzxid moves on, its stored cversion does not (a
        client sees cversion go up anyway: it is shown as creations + deletions)."""
        parent_path, name = split(path)
        parent_key = parent_path or "/"
        parent = self._nodes[parent_key]
        self._touch(parent_key)
        self._touch(path)
        parent.drop_child(name)
        if ctx.zxid > parent.stat.pzxid:
            parent.stat = msgspec.structs.replace(parent.stat, pzxid=ctx.zxid)
        self._pop(path)
        if ctx.changes is not None:
            change = Change(
                "delete",
                path,
                ctx.session,
                cversion=parent.stat.cversion,
                children=parent.child_count(),
                trigger=len(ctx.triggers),
            )
            ctx.changes.append(change)
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
            names = tuple(sorted(node.children or ()))
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
            return CountReply(self._descendants.get(query.path or "/", 0))
        return PathsReply(self._container_candidates(query))

    def _container_candidates(self, query: ContainerCandidates) -> tuple[str, ...]:
        """Empty containers that have had a child (stored cversion > 0, so a container made
        just before a sweep survives it), and, if asked, empty ones idle for too long; empty
        TTL nodes not written for longer than their TTL (ZooKeeper's ContainerManager)."""
        found = []
        for path in self._swept:
            node = self._nodes[path]
            if node.children:
                continue
            ttl = self._ttl(node.stat.ephemeral_owner)
            if ttl:
                if query.now - node.stat.mtime > ttl:
                    found.append(path)
            elif node.stat.cversion > 0 or (
                query.max_never_used_ms > 0
                and query.now - node.stat.mtime > query.max_never_used_ms
            ):
                found.append(path)
        return tuple(sorted(found))

    # --- for the server around the tree (cheap, no encoding) ----------------------------------

    def session_timeouts(self) -> dict[int, int]:
        """The live sessions: id -> timeout in ms."""
        return dict(self._sessions)

    def data_and_stat(self, path: str) -> tuple[bytes | None, tuple[ACL, ...], bytes] | None:
        """The node at `path`'s data, ACL and Stat packed as a reply carries it, for reads
        answered from their bytes (`impl.coord.fastread`); None: no such node."""
        node = self._nodes.get(path or "/")
        if node is None:
            return None
        return node.data, node.acl, pack_stat(self._stat(node))

    def sorted_children(self, path: str) -> list[str]:
        """The names of the children of the node at `path` (none if there is no such node), in
        the order a getChildren reply lists them."""
        node = self._nodes.get(path or "/")
        return sorted(node.children) if node is not None and node.children else []

    def acl_of(self, path: str) -> tuple[ACL, ...] | None:
        """The ACL of the node at `path` (None: no such node), as a read's check needs it."""
        node = self._nodes.get(path or "/")
        return None if node is None else node.acl

    def node_count(self) -> int:
        return len(self._nodes)

    def ephemeral_count(self) -> int:
        return self._ephemeral_count

    def data_size(self) -> int:
        """Bytes of paths and data, as ZooKeeper's approximateDataSize counts them."""
        return self._data_size

    # --- helpers -----------------------------------------------------------------------------

    def _require(self, path: str) -> _Node:
        node = self._nodes.get(path or "/")
        if node is None:
            raise KeeperError(Code.NONODE, path)
        return node

    def _stat(self, node: _Node) -> Stat:
        return client_stat(node.stat, node.data, node.child_count(), self.extended_types)

    def _ttl(self, owner: int) -> int:
        """A TTL node's TTL; 0 for any other node."""
        return ttl_of(owner) if self.extended_types else 0

    def _count_owner(self, path: str, owner: int) -> None:
        """Count a node in under its owner: a session's ephemerals, or what the sweep sees."""
        if owner == CONTAINER_OWNER or self._ttl(owner):
            self._swept.add(path)
        elif owner != 0:
            self._ephemerals.setdefault(owner, set()).add(path)
            self._ephemeral_count += 1

    def _check_session(self, ctx: _Apply, moving: bool = False) -> None:
        """The write's session must exist and (unless it is moving) be owned by the write's
        connection: a write still coming from a connection the client has left behind is
        SESSIONMOVED (ZooKeeper's SessionTracker.checkSession)."""
        if ctx.session not in self._sessions:
            raise KeeperError(Code.SESSIONEXPIRED)
        owner = self._owners.get(ctx.session, 0)
        if not moving and ctx.owner and owner and owner != ctx.owner:
            raise KeeperError(Code.SESSIONMOVED)

    def _touch(self, path: str) -> None:
        """`path` is about to change (or come or go): its hash is to be brought up to date
        after the command, and in a multi, what it was before is remembered."""
        self._changed.add(path)
        if self._journal is not None and path not in self._journal:
            node = self._nodes.get(path)
            self._journal[path] = node.copy() if node is not None else None

    def _rollback(self) -> None:
        """Put back what a failed multi touched. The nodes put back carry the hashes they were
        counted in with (a multi starts with every hash up to date)."""
        assert self._journal is not None
        for path, before in self._journal.items():
            if path in self._nodes:
                self._pop(path)
            if before is not None:
                self._put(path, before)

    def _rehash(self) -> None:
        """Bring the digest up to date with the nodes the command changed."""
        total = self._sum
        for path in self._changed:
            node = self._nodes.get(path)
            if node is not None:
                fresh = _node_hash(path, node)
                total += fresh - node.hash
                node.hash = fresh
        self._sum = total % _DIGEST_MOD
        self._changed.clear()

    def _put(self, path: str, node: _Node) -> None:
        """Add `node` at `path` (its parent links it) and count it in everywhere."""
        self._nodes[path] = node
        self._share_acl(node)
        self._sum = (self._sum + node.hash) % _DIGEST_MOD
        self._data_size += len(path) + len(node.data or b"")
        if path != "/":
            for above in _ancestors(path):
                self._descendants[above] = self._descendants.get(above, 0) + 1
        self._count_owner(path, node.stat.ephemeral_owner)

    def _pop(self, path: str) -> _Node:
        """Remove the node at `path` (its parent unlinks it) and count it out everywhere."""
        node = self._nodes.pop(path)
        self._release_acl(node.acl)
        self._sum = (self._sum - node.hash) % _DIGEST_MOD
        self._data_size -= len(path) + len(node.data or b"")
        if path != "/":  # a failed multi that touched the root takes it out and puts it back
            for above in _ancestors(path):
                left = self._descendants[above] - 1
                if left:
                    self._descendants[above] = left
                else:
                    del self._descendants[above]
        owner = node.stat.ephemeral_owner
        if owner == CONTAINER_OWNER or self._ttl(owner):
            self._swept.discard(path)
        elif owner != 0:
            paths = self._ephemerals.get(owner)
            if paths is not None and path in paths:
                paths.discard(path)
                self._ephemeral_count -= 1
                if not paths:
                    del self._ephemerals[owner]
        return node

    def _share_acl(self, node: _Node) -> None:
        node.acl = self._acls.setdefault(node.acl, node.acl)
        self._acl_users[node.acl] = self._acl_users.get(node.acl, 0) + 1

    def _release_acl(self, acl: tuple[ACL, ...]) -> None:
        users = self._acl_users[acl] - 1
        if users:
            self._acl_users[acl] = users
        else:
            del self._acl_users[acl], self._acls[acl]

    def _add_session(self, session: int, timeout: int) -> None:
        self._sessions[session] = timeout
        self._sum = (self._sum + _session_hash(session, timeout)) % _DIGEST_MOD

    def _drop_session(self, session: int) -> None:
        self._owners.pop(session, None)
        timeout = self._sessions.pop(session, None)
        if timeout is not None:
            self._sum = (self._sum - _session_hash(session, timeout)) % _DIGEST_MOD


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
    unique = acl if len(acl) == 1 else tuple(dict.fromkeys(acl))
    if not unique:
        raise KeeperError(Code.INVALIDACL, path)
    return unique


if TYPE_CHECKING:  # mypy checks that the tree is a StateMachine
    from impl.sm.base import StateMachine

    _conforms: StateMachine = DataTree()
