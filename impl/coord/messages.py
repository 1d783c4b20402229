"""What goes into the tree and what comes out: commands (`Txn`), queries, and their results.

All are msgspec Structs, tagged unions encoded with msgpack. A `Txn` carries everything a
deterministic apply needs, like ZooKeeper's TxnHeader: the session on whose behalf the leader
proposed it (the owner of any ephemeral it creates, the session a `CloseSession` closes) and
the leader's wall-clock `time` in ms (a new node's ctime, a write's mtime). The zxid is not in
it: it is the log index the state machine is given.

Each write answers with an `Outcome`: the client-visible result and the watch `triggers` it
caused, in the order ZooKeeper's DataTree fires them. Queries answer with a reply, or an
`ErrorResult` (NONODE and friends). Results mirror ZooKeeper's `OpResult`s so a wire layer can
translate them one for one; a create result always carries the Stat (create2's answer), and a
plain create's answer simply drops it.
"""

from __future__ import annotations

import msgspec

from impl.coord.records import ACL, Int32, Int64, Stat, Trigger

# --- commands --------------------------------------------------------------------------------


class Create(msgspec.Struct, frozen=True, array_like=True, tag="create"):
    """`flags` is a CreateMode number, kept raw: an unknown one is BADARGUMENTS, as in
    ZooKeeper. `ttl` is -1 except for the TTL modes (which this tree refuses)."""

    path: str
    data: bytes | None
    acl: tuple[ACL, ...]
    flags: Int32 = 0
    ttl: Int64 = -1


class Delete(msgspec.Struct, frozen=True, array_like=True, tag="delete"):
    path: str
    version: Int32 = -1  # -1 matches any version


class SetData(msgspec.Struct, frozen=True, array_like=True, tag="setData"):
    path: str
    data: bytes | None
    version: Int32 = -1


class SetACL(msgspec.Struct, frozen=True, array_like=True, tag="setACL"):
    path: str
    acl: tuple[ACL, ...]
    version: Int32 = -1  # of the ACL (aversion)


class Check(msgspec.Struct, frozen=True, array_like=True, tag="check"):
    path: str
    version: Int32


MultiOp = Create | Delete | SetData | Check


class Multi(msgspec.Struct, frozen=True, array_like=True, tag="multi"):
    """All or nothing; the operations see each other's effects in order."""

    ops: tuple[MultiOp, ...]


class CreateSession(msgspec.Struct, frozen=True, array_like=True, tag="createSession"):
    """Start the Txn's session (or set its timeout again)."""

    timeout: Int32


class MoveSession(msgspec.Struct, frozen=True, array_like=True, tag="moveSession"):
    """The Txn's session is now served by the connection named by the Txn's `owner` (a client
    reconnected): writes from any other connection are SESSIONMOVED (ZooKeeper's setOwner on
    revalidation). SESSIONEXPIRED if the session does not exist."""


class CloseSession(msgspec.Struct, frozen=True, array_like=True, tag="closeSession"):
    """End the Txn's session and delete its ephemeral nodes: what a client's close, and an
    expiry the leader decides on, both propose."""


class DeleteContainer(msgspec.Struct, frozen=True, array_like=True, tag="deleteContainer"):
    """ZooKeeper's deleteContainer: what the leader's container sweep proposes for each path
    the `ContainerCandidates` query names. It needs no session."""

    path: str


class Reconfig(msgspec.Struct, frozen=True, array_like=True, tag="reconfig"):
    """The text of /zookeeper/config after a membership change (its server lines; the tree
    adds "version=" and the zxid in hex). The change itself rides on the log's command
    (`impl.paxos.membership`), and is refused, if it is, before this is applied: the tree
    checks nothing (the server checked the ACL of /zookeeper/config when it proposed)."""

    data: bytes


Op = (
    Create
    | Delete
    | SetData
    | SetACL
    | Check
    | Multi
    | CreateSession
    | MoveSession
    | CloseSession
    | DeleteContainer
    | Reconfig
)


class Txn(msgspec.Struct, frozen=True, array_like=True):
    """`identities`: whom the client authenticated as, for the ACL checks of its write; None
    for what the servers propose themselves (sessions, expiry, the container sweep), which ACLs
    do not restrict. `owner`: the connection the client's write came through (0: the servers'
    own), which must be the session's owner."""

    op: Op
    session: Int64 = 0
    time: Int64 = 0
    identities: tuple[tuple[str, str], ...] | None = None
    owner: Int64 = 0


# --- queries ---------------------------------------------------------------------------------


class GetData(msgspec.Struct, frozen=True, array_like=True, tag="getData"):
    path: str


class Exists(msgspec.Struct, frozen=True, array_like=True, tag="exists"):
    path: str


class GetChildren(msgspec.Struct, frozen=True, array_like=True, tag="getChildren"):
    path: str


class GetChildren2(msgspec.Struct, frozen=True, array_like=True, tag="getChildren2"):
    path: str


class GetACL(msgspec.Struct, frozen=True, array_like=True, tag="getACL"):
    path: str


class GetEphemerals(msgspec.Struct, frozen=True, array_like=True, tag="getEphemerals"):
    """The session's ephemeral paths that start with `prefix` ("/" or "": all of them)."""

    session: Int64
    prefix: str = "/"


class GetSessions(msgspec.Struct, frozen=True, array_like=True, tag="getSessions"):
    """The live sessions and their timeouts: what a new leader needs to start expiring."""


class ContainerCandidates(msgspec.Struct, frozen=True, array_like=True, tag="containerCandidates"):
    """Containers the leader's sweep should delete (ZooKeeper's ContainerManager): empty ones
    that have had a child. With `max_never_used_ms` > 0, also empty ones never used whose
    mtime is more than that before `now`."""

    now: Int64 = 0
    max_never_used_ms: Int64 = 0


class CountDescendants(msgspec.Struct, frozen=True, array_like=True, tag="countDescendants"):
    """getAllChildrenNumber: how many nodes lie below `path`."""

    path: str


Query = (
    GetData
    | Exists
    | GetChildren
    | GetChildren2
    | GetACL
    | GetEphemerals
    | GetSessions
    | ContainerCandidates
    | CountDescendants
)


# --- results ---------------------------------------------------------------------------------


class CreateResult(msgspec.Struct, frozen=True, array_like=True, tag="create"):
    path: str  # with its sequence number, if sequential
    stat: Stat


class DeleteResult(msgspec.Struct, frozen=True, array_like=True, tag="delete"):
    pass


class SetDataResult(msgspec.Struct, frozen=True, array_like=True, tag="setData"):
    stat: Stat


class SetACLResult(msgspec.Struct, frozen=True, array_like=True, tag="setACL"):
    stat: Stat


class CheckResult(msgspec.Struct, frozen=True, array_like=True, tag="check"):
    pass


class ErrorResult(msgspec.Struct, frozen=True, array_like=True, tag="error"):
    err: int


SubResult = CreateResult | DeleteResult | SetDataResult | CheckResult | ErrorResult


class MultiResult(msgspec.Struct, frozen=True, array_like=True, tag="multi"):
    """One result per operation. On failure every one is an ErrorResult, as ZooKeeper
    reports it: 0 (rolled back) before the failing operation, its code at it, and
    RUNTIMEINCONSISTENCY (-2) after it. (ZooKeeper's reply header for a multi says err 0 even
    then: clients find the failure in these results.)"""

    results: tuple[SubResult, ...]


class ConfigResult(msgspec.Struct, frozen=True, array_like=True, tag="config"):
    """reconfig's: /zookeeper/config's new data and stat."""

    data: bytes
    stat: Stat


class OkResult(msgspec.Struct, frozen=True, array_like=True, tag="ok"):
    """createSession and closeSession."""


Result = (
    CreateResult
    | DeleteResult
    | SetDataResult
    | SetACLResult
    | CheckResult
    | MultiResult
    | ConfigResult
    | OkResult
    | ErrorResult
)


class Outcome(msgspec.Struct, frozen=True, array_like=True):
    """What one apply did. `err` is ZooKeeper's ProcessTxnResult.err: 0, the code of a failed
    operation, or for a multi the code of the operation that failed it."""

    err: int
    result: Result
    triggers: tuple[Trigger, ...] = ()


class DataReply(msgspec.Struct, frozen=True, array_like=True, tag="data"):
    data: bytes | None
    stat: Stat


class StatReply(msgspec.Struct, frozen=True, array_like=True, tag="stat"):
    stat: Stat


class ChildrenReply(msgspec.Struct, frozen=True, array_like=True, tag="children"):
    """Names sorted (ZooKeeper's order is its HashSet's; any order is allowed). `stat` is
    given for getChildren2 only."""

    children: tuple[str, ...]
    stat: Stat | None = None


class ACLReply(msgspec.Struct, frozen=True, array_like=True, tag="acl"):
    acl: tuple[ACL, ...]
    stat: Stat


class PathsReply(msgspec.Struct, frozen=True, array_like=True, tag="paths"):
    paths: tuple[str, ...]


class Session(msgspec.Struct, frozen=True, array_like=True):
    id: int
    timeout: int
    owner: int = 0  # the connection that serves it (0: not known, as in older snapshots)


class SessionsReply(msgspec.Struct, frozen=True, array_like=True, tag="sessions"):
    sessions: tuple[Session, ...]


class CountReply(msgspec.Struct, frozen=True, array_like=True, tag="count"):
    count: int


Reply = (
    DataReply
    | StatReply
    | ChildrenReply
    | ACLReply
    | PathsReply
    | SessionsReply
    | CountReply
    | ErrorResult
)


# --- encoding --------------------------------------------------------------------------------

_encoder = msgspec.msgpack.Encoder()
txn_decoder = msgspec.msgpack.Decoder(Txn)
outcome_decoder = msgspec.msgpack.Decoder(Outcome)
query_decoder: msgspec.msgpack.Decoder[Query] = msgspec.msgpack.Decoder(Query)
reply_decoder: msgspec.msgpack.Decoder[Reply] = msgspec.msgpack.Decoder(Reply)


def encode(value: Txn | Outcome | Query | Reply) -> bytes:
    return _encoder.encode(value)


def txn(
    op: Op,
    session: int = 0,
    time: int = 0,
    identities: tuple[tuple[str, str], ...] | None = None,
    owner: int = 0,
) -> bytes:
    """An encoded command, as the leader proposes it."""
    return encode(Txn(op, session, time, identities, owner))


def decode_outcome(data: bytes) -> Outcome:
    return outcome_decoder.decode(data)


def decode_reply(data: bytes) -> Reply:
    return reply_decoder.decode(data)
