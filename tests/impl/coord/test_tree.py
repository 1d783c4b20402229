"""The znode tree (`impl/coord/tree.py`) against what Apache ZooKeeper 3.8 shows its clients.

Expected values are ZooKeeper's, reasoned from its code: PrepRequestProcessor (which checks,
in which order), DataTree (what a write changes) and DataNode.copyStat (what a client sees).
Two facts explain most Stat values below. A node stores cversion as the number of children
ever *created* under it, and sequential names are drawn from that count; a client is shown
`2 * created - current children`, which is the number of creations plus deletions. And a
child's deletion moves the parent's pzxid but not its mzxid.

Every command goes through `apply` and every query through `query`, so the msgpack encoding is
exercised too. Zxids are the log indexes; the leader's time for zxid z is 1000 * z here.
"""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from impl.coord import paths
from impl.coord.errors import Code
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
    MoveSession,
    Multi,
    MultiOp,
    MultiResult,
    OkResult,
    Op,
    Outcome,
    PathsReply,
    Query,
    Reply,
    Session,
    SessionsReply,
    SetACL,
    SetACLResult,
    SetData,
    SetDataResult,
    StatReply,
    Txn,
    decode_outcome,
    decode_reply,
    encode,
    txn,
)
from impl.coord.records import (
    ACL,
    OPEN_ACL_UNSAFE,
    READ_ACL_UNSAFE,
    CreateMode,
    EventType,
    Stat,
    Trigger,
)
from impl.coord.tree import Change, DataTree, next_version

OPEN = OPEN_ACL_UNSAFE
S = 0x100000A1B2C3D4  # a session id as ZooKeeper makes them (server id in the top byte)
S2 = 0x200000A1B2C3D4
PERSISTENT, EPHEMERAL = CreateMode.PERSISTENT, CreateMode.EPHEMERAL
SEQUENTIAL, EPHEMERAL_SEQUENTIAL = CreateMode.PERSISTENT_SEQUENTIAL, CreateMode.EPHEMERAL_SEQUENTIAL
CONTAINER = CreateMode.CONTAINER
CREATED, DELETED = EventType.NODE_CREATED, EventType.NODE_DELETED
DATA_CHANGED, CHILDREN_CHANGED = EventType.NODE_DATA_CHANGED, EventType.NODE_CHILDREN_CHANGED


class Zk:
    """A tree and a log: each write is applied at the next zxid, at time 1000 * zxid."""

    def __init__(self, *sessions: int) -> None:
        self.tree = DataTree()
        self.zxid = 0
        for session in sessions:
            assert self.write(CreateSession(30_000), session).err == 0

    def write(self, op: Op, session: int = S) -> Outcome:
        self.zxid += 1
        return decode_outcome(self.tree.apply(self.zxid, txn(op, session, 1000 * self.zxid)))

    def ok(self, op: Op, session: int = S) -> Outcome:
        outcome = self.write(op, session)
        assert outcome.err == 0, outcome
        return outcome

    def fails(self, op: Op, session: int = S) -> int:
        """The error code of a write that must change nothing."""
        before = self.tree.snapshot()
        outcome = self.write(op, session)
        assert self.tree.snapshot() == before and outcome.triggers == ()
        assert isinstance(outcome.result, ErrorResult | MultiResult)
        return outcome.err

    def create(self, path: str, data: bytes | None = b"", mode: int = 0, session: int = S) -> str:
        result = self.ok(Create(path, data, OPEN, mode), session).result
        assert isinstance(result, CreateResult)
        return result.path

    def read(self, query: Query) -> Reply:
        return decode_reply(self.tree.query(encode(query)))

    def stat(self, path: str) -> Stat:
        reply = self.read(Exists(path))
        assert isinstance(reply, StatReply), reply
        return reply.stat

    def children(self, path: str) -> tuple[str, ...]:
        reply = self.read(GetChildren(path))
        assert isinstance(reply, ChildrenReply), reply
        return reply.children

    def error(self, query: Query) -> int:
        reply = self.read(query)
        assert isinstance(reply, ErrorResult), reply
        return reply.err


def zeros(**fields: int) -> Stat:
    return msgspec.structs.replace(Stat(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), **fields)


# --- the initial tree ------------------------------------------------------------------------


def test_a_new_tree_is_what_a_new_zookeeper_shows() -> None:
    zk = Zk()
    # `stat /` on a new server: all zero but cversion -1 (0 creations, 1 child: 2*0 - 1) and
    # numChildren 1; /zookeeper has two children it never created: cversion -2.
    assert zk.stat("/") == zeros(cversion=-1, num_children=1)
    assert zk.children("/") == ("zookeeper",)
    assert zk.stat("/zookeeper") == zeros(cversion=-2, num_children=2)
    assert zk.children("/zookeeper") == ("config", "quota")
    assert zk.stat("/zookeeper/quota") == zeros()
    # The config node's ACL is set with version -1 when the tree is built, and is read-only.
    assert zk.read(GetACL("/zookeeper/config")) == ACLReply(READ_ACL_UNSAFE, zeros(aversion=-1))
    assert zk.read(GetACL("/")) == ACLReply(OPEN, zeros(cversion=-1, num_children=1))
    assert zk.read(GetData("/")) == DataReply(b"", zeros(cversion=-1, num_children=1))


# --- Stat fields -----------------------------------------------------------------------------


def test_stat_fields_through_a_sequence_of_writes() -> None:
    zk = Zk(S)  # zxid 1: the session
    zk.create("/app", b"v1")  # zxid 2
    # A new node: czxid = mzxid = pzxid = 2, ctime = mtime = the leader's time.
    assert zk.stat("/app") == Stat(2, 2, 2000, 2000, 0, 0, 0, 0, 2, 0, 2)
    # The root: 1 creation, 2 children (zookeeper, app): cversion 2*1 - 2 = 0; pzxid 2; its
    # own mzxid stays 0 (a child is not a change of the parent's data).
    assert zk.stat("/") == zeros(cversion=0, num_children=2, pzxid=2)

    zk.create("/app/one")  # zxid 3
    # 1 creation, 1 child: cversion 1; pzxid 3; mzxid still 2.
    assert zk.stat("/app") == Stat(2, 2, 2000, 2000, 0, 1, 0, 0, 2, 1, 3)

    zk.ok(SetData("/app/one", b"x", 0))  # zxid 4
    # version 0 -> 1; mzxid, mtime move; czxid, ctime and its own pzxid (3) do not.
    assert zk.stat("/app/one") == Stat(3, 4, 3000, 4000, 1, 0, 0, 0, 1, 0, 3)
    assert zk.stat("/app").pzxid == 3  # a child's data is not the parent's business

    zk.ok(SetData("/app", b"v2", -1))  # zxid 5: -1 matches any version
    assert zk.stat("/app") == Stat(2, 5, 2000, 5000, 1, 1, 0, 0, 2, 1, 3)

    zk.create("/app/two", mode=EPHEMERAL)  # zxid 6
    assert zk.stat("/app/two").ephemeral_owner == S
    # 2 creations, 2 children: cversion 2; pzxid 6.
    assert zk.stat("/app") == Stat(2, 5, 2000, 5000, 1, 2, 0, 0, 2, 2, 6)

    zk.ok(Delete("/app/one", 1))  # zxid 7
    # Still 2 creations, now 1 child: a client sees cversion 2*2 - 1 = 3 (two creations and a
    # deletion); pzxid 7; mzxid untouched.
    assert zk.stat("/app") == Stat(2, 5, 2000, 5000, 1, 3, 0, 0, 2, 1, 7)

    # zxid 8: the sequence number is the stored count of creations (2), not the cversion a
    # client sees (3).
    assert zk.create("/app/seq-", mode=SEQUENTIAL) == "/app/seq-0000000002"
    assert zk.stat("/app") == Stat(2, 5, 2000, 5000, 1, 4, 0, 0, 2, 2, 8)  # 2*3 - 2

    zk.ok(CloseSession())  # zxid 9: deletes /app/two
    assert zk.stat("/app") == Stat(2, 5, 2000, 5000, 1, 5, 0, 0, 2, 1, 9)  # 2*3 - 1
    assert zk.children("/app") == ("seq-0000000002",)
    assert zk.stat("/") == zeros(cversion=0, num_children=2, pzxid=2)


def test_null_data_is_kept_apart_from_empty_data() -> None:
    # zkCli's `create /x` sends null data and `get /x` prints "null"; b"" is another value.
    zk = Zk(S)
    zk.create("/null", None)
    zk.create("/empty", b"")
    assert zk.read(GetData("/null")) == DataReply(None, zk.stat("/null"))
    assert zk.read(GetData("/empty")) == DataReply(b"", zk.stat("/empty"))
    assert zk.stat("/null").data_length == 0
    zk.ok(SetData("/empty", None))
    assert isinstance(reply := zk.read(GetData("/empty")), DataReply) and reply.data is None


def test_versions_wrap_as_java_ints_and_skip_minus_one() -> None:
    assert next_version(0) == 1
    assert next_version(2**31 - 1) == -(2**31)
    assert next_version(-2) == 0  # never -1, which a request reads as "any version"


# --- create ----------------------------------------------------------------------------------


def test_create_answers_the_path_and_stat_and_triggers_watches() -> None:
    zk = Zk(S)
    outcome = zk.ok(Create("/a", b"data", OPEN, PERSISTENT))
    assert outcome.result == CreateResult("/a", Stat(2, 2, 2000, 2000, 0, 0, 0, 0, 4, 0, 2))
    # DataTree.createNode: NodeCreated on the node, then NodeChildrenChanged on its parent.
    assert outcome.triggers == (Trigger("/a", CREATED), Trigger("/", CHILDREN_CHANGED))
    outcome = zk.ok(Create("/a/b", None, OPEN, PERSISTENT))
    assert outcome.triggers == (Trigger("/a/b", CREATED), Trigger("/a", CHILDREN_CHANGED))
    assert zk.read(GetData("/a")) == DataReply(b"data", zk.stat("/a"))


def test_sequential_names_come_from_the_parents_creation_count() -> None:
    zk = Zk(S)
    zk.create("/q")
    assert zk.create("/q/lock-", mode=EPHEMERAL_SEQUENTIAL) == "/q/lock-0000000000"
    assert zk.create("/q/lock-", mode=EPHEMERAL_SEQUENTIAL) == "/q/lock-0000000001"
    zk.ok(Delete("/q/lock-0000000000"))
    # A deletion does not give a number back.
    assert zk.create("/q/job-", mode=SEQUENTIAL) == "/q/job-0000000002"
    # "/q/" is a valid prefix for a sequential create: the name is the number alone.
    assert zk.create("/q/", mode=SEQUENTIAL) == "/q/0000000003"
    # Under the root: it has created nothing yet (/zookeeper was not created by a txn), but /q.
    assert zk.create("/", mode=SEQUENTIAL) == "/0000000001"
    assert zk.stat("/q/lock-0000000001").ephemeral_owner == S
    assert zk.stat("/q/job-0000000002").ephemeral_owner == 0


def test_create_errors_in_zookeepers_order() -> None:
    zk = Zk(S)
    zk.create("/a")
    zk.create("/e", mode=EPHEMERAL)

    def create(
        path: str, flags: int = 0, acl: tuple[ACL, ...] = OPEN, session: int = S, ttl: int = -1
    ) -> int:
        return zk.fails(Create(path, b"", acl, flags, ttl), session)

    assert create("/x", flags=7) == Code.BADARGUMENTS  # CreateMode.fromFlag
    # TTL nodes need zookeeper.extendedTypesEnabled, off by default: UNIMPLEMENTED, first of
    # all (even before a path that would fail).
    assert create("bad", flags=CreateMode.PERSISTENT_WITH_TTL, ttl=10) == Code.UNIMPLEMENTED
    assert create("/x", flags=CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL) == Code.UNIMPLEMENTED
    assert create("/x", ttl=5) == Code.BADARGUMENTS  # a ttl for a mode without one
    # The session is checked before the path.
    assert create("bad", session=S2) == Code.SESSIONEXPIRED
    assert create("/x", flags=EPHEMERAL, session=S2) == Code.SESSIONEXPIRED
    assert create("x") == Code.BADARGUMENTS  # no slash
    assert create("/x\0") == Code.BADARGUMENTS
    assert create("/nope/x", acl=()) == Code.INVALIDACL  # the ACL before the parent
    assert create("/nope/x") == Code.NONODE
    # The full path check comes after the parent lookup: "/x/" is NONODE without /x, and a
    # malformed path under an existing parent is BADARGUMENTS.
    assert create("/x/") == Code.NONODE
    assert create("/a/") == Code.BADARGUMENTS
    assert create("/a/..") == Code.BADARGUMENTS
    assert create("/a/b\x01") == Code.BADARGUMENTS
    assert create("/a") == Code.NODEEXISTS
    assert create("/") == Code.NODEEXISTS  # the parent of "/" is "", the root's other name
    assert create("/zookeeper") == Code.NODEEXISTS
    assert create("/e/child") == Code.NOCHILDRENFOREPHEMERALS
    assert create("/e/child", flags=EPHEMERAL) == Code.NOCHILDRENFOREPHEMERALS


def test_duplicate_acl_entries_are_dropped_in_order() -> None:
    zk = Zk(S)
    digest = ACL(31, "digest", "u:hash")
    zk.ok(Create("/a", b"", (digest, *OPEN, digest), 0))
    reply = zk.read(GetACL("/a"))
    assert isinstance(reply, ACLReply) and reply.acl == (digest, *OPEN)


# --- delete ----------------------------------------------------------------------------------


def test_delete() -> None:
    zk = Zk(S)
    zk.create("/a")
    zk.create("/a/b")
    outcome = zk.ok(Delete("/a/b", 0))
    assert outcome.result == DeleteResult()
    # NodeDeleted on the node (data and child watches there), NodeChildrenChanged on the parent.
    assert outcome.triggers == (Trigger("/a/b", DELETED), Trigger("/a", CHILDREN_CHANGED))
    assert zk.error(Exists("/a/b")) == Code.NONODE
    # 1 creation, 0 children: cversion 2; pzxid the delete's zxid (4).
    assert zk.stat("/a") == Stat(2, 2, 2000, 2000, 0, 2, 0, 0, 0, 0, 4)
    zk.ok(Delete("/a", -1))
    assert zk.children("/") == ("zookeeper",)


@pytest.mark.parametrize(
    ("path", "version", "code"),
    [
        ("/", -1, Code.BADARGUMENTS),  # ZooKeeper's own nodes cannot be deleted
        ("/zookeeper", -1, Code.BADARGUMENTS),
        ("/zookeeper/quota", -1, Code.BADARGUMENTS),
        ("/zookeeper/config", -1, Code.BADARGUMENTS),
        ("", -1, Code.BADARGUMENTS),
        ("a", -1, Code.BADARGUMENTS),
        ("/a\0", -1, Code.BADARGUMENTS),
        ("/nope", -1, Code.NONODE),
        ("/nope/x", -1, Code.NONODE),  # the parent is looked up first
        ("/a/", -1, Code.NONODE),  # deletes check no more syntax: it is just not a node
        ("/a", 1, Code.BADVERSION),
        ("/a", 0, Code.NOTEMPTY),  # the version is checked before the children
        ("/a", -1, Code.NOTEMPTY),
    ],
)
def test_delete_errors(path: str, version: int, code: Code) -> None:
    zk = Zk(S)
    zk.create("/a")
    zk.create("/a/b")
    assert zk.fails(Delete(path, version)) == code


def test_writes_from_an_unknown_or_closed_session_are_refused() -> None:
    zk = Zk(S, S2)
    zk.create("/a")
    zk.ok(CloseSession(), S2)
    for op in (
        Delete("/a"),
        SetData("/a", b""),
        Check("/a", -1),
        SetACL("/a", OPEN),
        Create("/b", b"", OPEN),
    ):
        assert zk.fails(op, S2) == Code.SESSIONEXPIRED
        assert zk.fails(op, 0) == Code.SESSIONEXPIRED


# --- setData, check, setACL ------------------------------------------------------------------


def test_set_data() -> None:
    zk = Zk(S)
    zk.create("/a", b"one")
    outcome = zk.ok(SetData("/a", b"three", 0))
    assert outcome.result == SetDataResult(Stat(2, 3, 2000, 3000, 1, 0, 0, 0, 5, 0, 2))
    assert outcome.triggers == (Trigger("/a", DATA_CHANGED),)
    assert zk.ok(SetData("/a", b"3", 1)).result == SetDataResult(zk.stat("/a"))
    assert zk.stat("/a").version == 2
    assert zk.fails(SetData("/a", b"", 1)) == Code.BADVERSION
    assert zk.fails(SetData("/b", b"", -1)) == Code.NONODE
    # setData checks the whole path first (PathUtils.validatePath).
    assert zk.fails(SetData("/a/", b"", -1)) == Code.BADARGUMENTS
    assert zk.fails(SetData("", b"", -1)) == Code.BADARGUMENTS
    # The root's data may be set.
    assert zk.ok(SetData("/", b"r")).triggers == (Trigger("/", DATA_CHANGED),)
    assert zk.stat("/").version == 1


def test_check() -> None:
    zk = Zk(S)
    zk.create("/a")
    zk.ok(SetData("/a", b"x"))
    assert zk.ok(Check("/a", 1)) == Outcome(0, CheckResult(), ())
    assert zk.ok(Check("/a", -1)).result == CheckResult()
    assert zk.fails(Check("/a", 0)) == Code.BADVERSION
    assert zk.fails(Check("/b", 0)) == Code.NONODE
    assert zk.fails(Check("/a/", 0)) == Code.BADARGUMENTS


def test_set_acl() -> None:
    zk = Zk(S)
    zk.create("/a")
    read_only = (ACL(1, "world", "anyone"),)
    outcome = zk.ok(SetACL("/a", (*read_only, *read_only), 0))
    assert outcome.triggers == ()  # no watch fires for an ACL change
    assert outcome.result == SetACLResult(Stat(2, 2, 2000, 2000, 0, 0, 1, 0, 0, 0, 2))
    assert zk.read(GetACL("/a")) == ACLReply(read_only, zk.stat("/a"))
    assert zk.fails(SetACL("/a", OPEN, 0)) == Code.BADVERSION  # aversion is 1 now
    assert zk.fails(SetACL("/a", (), -1)) == Code.INVALIDACL
    assert zk.fails(SetACL("/b", OPEN, -1)) == Code.NONODE
    assert zk.fails(SetACL("/a/", OPEN, -1)) == Code.BADARGUMENTS
    # The tree checks no permissions (the server does): a read-only ACL still allows this.
    zk.ok(SetData("/a", b"x"))


# --- reads -----------------------------------------------------------------------------------


def test_reads() -> None:
    zk = Zk(S)
    for path in ("/p", "/p/c", "/p/a", "/p/b"):
        zk.create(path)
    assert zk.read(GetChildren("/p")) == ChildrenReply(("a", "b", "c"))
    assert zk.read(GetChildren2("/p")) == ChildrenReply(("a", "b", "c"), zk.stat("/p"))
    for query in (GetData("/x"), Exists("/x"), GetChildren("/x"), GetChildren2("/x"), GetACL("/x")):
        assert zk.error(query) == Code.NONODE
    # Reads check no syntax: "/p/" is simply not a node; "" is the root's other name.
    assert zk.error(GetData("/p/")) == Code.NONODE
    assert zk.stat("") == zk.stat("/")
    # exists alone refuses a null character.
    assert zk.error(Exists("/p\0")) == Code.BADARGUMENTS
    assert zk.error(GetData("/p\0")) == Code.NONODE


# --- sessions and ephemerals -----------------------------------------------------------------


def test_close_session_deletes_its_ephemerals_with_their_triggers() -> None:
    zk = Zk(S, S2)  # zxids 1, 2
    zk.create("/app")  # 3
    zk.create("/e1", mode=EPHEMERAL)  # 4
    zk.create("/app/e2", mode=EPHEMERAL)  # 5
    zk.create("/app/other", mode=EPHEMERAL, session=S2)  # 6
    assert zk.read(GetEphemerals(S)) == PathsReply(("/app/e2", "/e1"))
    assert zk.read(GetEphemerals(S, "/app")) == PathsReply(("/app/e2",))
    assert zk.read(GetSessions()) == SessionsReply((Session(S, 30_000), Session(S2, 30_000)))

    outcome = zk.ok(CloseSession())  # 7
    assert outcome.result == OkResult()
    assert outcome.triggers == (
        Trigger("/app/e2", DELETED),
        Trigger("/app", CHILDREN_CHANGED),
        Trigger("/e1", DELETED),
        Trigger("/", CHILDREN_CHANGED),
    )
    assert zk.children("/app") == ("other",)
    assert zk.children("/") == ("app", "zookeeper")
    # /app: 2 creations, 1 child: cversion 3; pzxid 7. The root: 2 creations (/app, /e1),
    # 2 children: cversion 2; pzxid 7.
    assert zk.stat("/app") == Stat(3, 3, 3000, 3000, 0, 3, 0, 0, 0, 1, 7)
    assert zk.stat("/") == zeros(cversion=2, num_children=2, pzxid=7)
    assert zk.read(GetEphemerals(S)) == PathsReply(())
    assert zk.read(GetSessions()) == SessionsReply((Session(S2, 30_000),))
    # The session is gone: no more ephemerals for it.
    assert zk.fails(Create("/late", b"", OPEN, EPHEMERAL)) == Code.SESSIONEXPIRED
    # Closing it again, or a session never seen, changes nothing.
    assert zk.ok(CloseSession()) == Outcome(0, OkResult(), ())


def test_session_ids_that_would_read_as_persistent_or_container_are_refused() -> None:
    zk = Zk()
    assert zk.fails(CreateSession(1000), 0) == Code.BADARGUMENTS
    assert zk.fails(CreateSession(1000), -(2**63)) == Code.BADARGUMENTS
    zk.ok(CreateSession(1000), S)
    zk.ok(CreateSession(4000), S)  # again: a new timeout
    assert zk.read(GetSessions()) == SessionsReply((Session(S, 4000),))


# --- multi -----------------------------------------------------------------------------------


def test_a_multi_applies_in_order_at_one_zxid() -> None:
    zk = Zk(S)
    zk.create("/a")  # zxid 2
    outcome = zk.ok(  # zxid 3
        Multi(
            (
                Create("/m", b"", OPEN, PERSISTENT),
                Create("/m/c", b"", OPEN, EPHEMERAL),
                SetData("/m", b"xy", 0),  # sees the create before it
                Check("/m", 1),
                Delete("/m/c", 0),
                Delete("/a"),
            )
        )
    )
    assert isinstance(outcome.result, MultiResult)
    # Every operation has zxid 3; /m: 1 creation, 0 children: cversion 2; pzxid 3.
    m = Stat(3, 3, 3000, 3000, 1, 2, 0, 0, 2, 0, 3)
    assert zk.stat("/m") == m
    created = outcome.result.results[0]
    assert created == CreateResult("/m", Stat(3, 3, 3000, 3000, 0, 0, 0, 0, 0, 0, 3))
    assert outcome.result.results[1:] == (
        CreateResult("/m/c", Stat(3, 3, 3000, 3000, 0, 0, 0, S, 0, 0, 3)),
        SetDataResult(Stat(3, 3, 3000, 3000, 1, 1, 0, 0, 2, 1, 3)),
        CheckResult(),
        DeleteResult(),
        DeleteResult(),
    )
    assert outcome.triggers == (
        Trigger("/m", CREATED),
        Trigger("/", CHILDREN_CHANGED),
        Trigger("/m/c", CREATED),
        Trigger("/m", CHILDREN_CHANGED),
        Trigger("/m", DATA_CHANGED),
        Trigger("/m/c", DELETED),
        Trigger("/m", CHILDREN_CHANGED),
        Trigger("/a", DELETED),
        Trigger("/", CHILDREN_CHANGED),
    )
    assert zk.read(GetEphemerals(S)) == PathsReply(())


@pytest.mark.parametrize("failing", [0, 1, 2])
def test_a_failed_multi_changes_nothing_and_reports_like_zookeeper(failing: int) -> None:
    zk = Zk(S)
    zk.create("/seq")
    good: list[MultiOp] = [
        Create("/seq/n-", b"", OPEN, EPHEMERAL_SEQUENTIAL),
        SetData("/seq", b"x", 0),
        Create("/new", b"", OPEN, CONTAINER),
    ]
    ops = list(good)
    ops[failing] = Check("/seq", 7)
    before = zk.tree.snapshot()
    outcome = zk.write(Multi(tuple(ops)))
    assert zk.tree.snapshot() == before
    # ZooKeeper's MultiResponse for a failure: all ErrorResults; OK (0) for the operations
    # before the failing one (rolled back), its code, RUNTIMEINCONSISTENCY (-2) after it.
    expected = [0] * failing + [Code.BADVERSION] + [-2] * (len(ops) - failing - 1)
    assert outcome == Outcome(
        Code.BADVERSION, MultiResult(tuple(ErrorResult(e) for e in expected)), ()
    )
    # Nothing of it remains: no ephemeral, no container, and no sequence number used.
    assert zk.read(GetEphemerals(S)) == PathsReply(())
    assert zk.read(ContainerCandidates()) == PathsReply(())
    assert zk.create("/seq/n-", mode=SEQUENTIAL) == "/seq/n-0000000000"


def test_sequential_creates_in_one_multi_take_consecutive_numbers() -> None:
    zk = Zk(S)
    zk.create("/q")
    op = Create("/q/x-", b"", OPEN, SEQUENTIAL)
    outcome = zk.ok(Multi((op, op)))
    assert isinstance(outcome.result, MultiResult)
    names = [r.path for r in outcome.result.results if isinstance(r, CreateResult)]
    assert names == ["/q/x-0000000000", "/q/x-0000000001"]


def test_an_empty_multi_is_ok() -> None:
    zk = Zk(S)
    assert zk.ok(Multi(())) == Outcome(0, MultiResult(()), ())


def test_with_record_changes_each_write_reports_what_it_changed_node_by_node() -> None:
    """For the event log: a multi's changes in order, each with the versions right after it;
    a close with the ephemerals it deleted; nothing for a failed write."""
    zk = Zk()
    zk.tree.record_changes = True
    zk.ok(CreateSession(30_000))
    assert zk.tree.changes == (Change("session", session=S),)
    zk.create("/q")
    zk.ok(
        Multi(
            (
                Create("/q/n-", b"", OPEN, EPHEMERAL_SEQUENTIAL),
                SetData("/q/n-0000000000", b"x"),
                SetData("/q/n-0000000000", b"y"),
                Delete("/q/n-0000000000"),
                Create("/q/p", b"", OPEN, PERSISTENT),
            )
        )
    )
    path = "/q/n-0000000000"
    assert zk.tree.changes == (
        Change("create", path, S, 0, S, 1, 1, True, 0),
        Change("set", path, S, 1, S, trigger=2),
        Change("set", path, S, 2, S, trigger=3),
        Change("delete", path, S, cversion=1, children=0, trigger=4),
        Change("create", "/q/p", S, 0, 0, 2, 1, False, 6),
    )
    assert zk.fails(Delete("/missing")) == Code.NONODE
    assert zk.tree.changes == ()
    zk.create("/q/e", mode=EPHEMERAL)
    zk.ok(CloseSession())
    assert zk.tree.changes == (
        Change("close", session=S),
        Change("delete", "/q/e", S, cversion=3, children=1, trigger=0),
    )


# --- containers ------------------------------------------------------------------------------


def test_containers() -> None:
    zk = Zk(S)
    zk.create("/c", mode=CONTAINER)  # zxid 2, time 2000
    # A client is shown ephemeralOwner 0 for a container (DataNode.getClientEphemeralOwner).
    assert zk.stat("/c").ephemeral_owner == 0
    # Never had a child: not a candidate (unless idle too long, if the leader asks that).
    assert zk.read(ContainerCandidates()) == PathsReply(())
    assert zk.read(ContainerCandidates(now=5000, max_never_used_ms=4000)) == PathsReply(())
    assert zk.read(ContainerCandidates(now=6001, max_never_used_ms=4000)) == PathsReply(("/c",))
    zk.create("/c/lock-", mode=EPHEMERAL_SEQUENTIAL)
    assert zk.read(ContainerCandidates()) == PathsReply(())  # it has a child
    assert zk.fails(DeleteContainer("/c"), 0) == Code.NOTEMPTY
    zk.ok(CloseSession())
    assert zk.read(ContainerCandidates()) == PathsReply(("/c",))
    outcome = zk.ok(DeleteContainer("/c"), 0)  # the leader's sweep needs no session
    assert outcome.result == DeleteResult()
    assert outcome.triggers == (Trigger("/c", DELETED), Trigger("/", CHILDREN_CHANGED))
    assert zk.read(ContainerCandidates()) == PathsReply(())
    assert zk.fails(DeleteContainer("/c"), 0) == Code.NONODE
    assert zk.fails(DeleteContainer("/"), 0) == Code.BADARGUMENTS


def test_ttl_nodes_with_extended_types() -> None:
    zk = Zk()
    zk.tree = DataTree(extended_types=True)
    assert zk.write(CreateSession(30_000), S).err == 0  # zxid 1
    ttl = CreateMode.PERSISTENT_WITH_TTL
    # The TTL must be 1 ms .. 2**40-1 ms (EphemeralType.TTL.maxValue), and given only with a
    # TTL mode.
    assert zk.fails(Create("/t", b"", OPEN, ttl, 0)) == Code.BADARGUMENTS
    assert zk.fails(Create("/t", b"", OPEN, ttl, 2**40)) == Code.BADARGUMENTS
    assert zk.fails(Create("/t", b"", OPEN, ttl, -1)) == Code.BADARGUMENTS
    created = zk.ok(Create("/t", b"", OPEN, ttl, 5000)).result  # zxid 5, time 5000
    assert isinstance(created, CreateResult)
    assert created.stat.ephemeral_owner == 0  # shown as a persistent node's, as in ZooKeeper
    seq = zk.ok(Create("/s-", b"", OPEN, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, 1)).result
    assert isinstance(seq, CreateResult) and seq.path == "/s-0000000001"
    # A TTL node may have children, and is not a candidate while it has any.
    zk.create("/t/child")  # zxid 7
    assert zk.read(ContainerCandidates(now=10**9)) == PathsReply(("/s-0000000001",))
    zk.ok(Delete("/t/child", -1))  # zxid 8
    # Expired once unwritten (mtime 5000) for longer than its TTL.
    assert zk.read(ContainerCandidates(now=10_000)) == PathsReply(("/s-0000000001",))
    assert zk.read(ContainerCandidates(now=10_001)) == PathsReply(("/s-0000000001", "/t"))
    # A write since the sweep looked keeps it: the deletion checks again at its own time.
    zk.ok(SetData("/t", b"x", -1))  # zxid 9: mtime 9000
    assert zk.fails(DeleteContainer("/t"), 0) == Code.BADVERSION  # zxid 10: 1000 ms later
    assert zk.read(ContainerCandidates(now=14_001)) == PathsReply(("/s-0000000001", "/t"))
    zk.zxid = 14
    assert zk.ok(DeleteContainer("/t"), 0).triggers[0] == Trigger("/t", DELETED)  # at 15000
    # A session id that would read as a TTL owner (top byte 0xFF) is refused.
    assert zk.write(CreateSession(30_000), -(2**56) + 7).err == Code.BADARGUMENTS
    # The TTL survives a snapshot: the restored tree still sweeps it.
    restored = DataTree(extended_types=True)
    restored.restore(zk.tree.snapshot())
    assert decode_reply(restored.query(encode(ContainerCandidates(now=10**9)))) == PathsReply(
        ("/s-0000000001",)
    )


def test_a_write_from_a_connection_the_session_moved_away_from_is_sessionmoved() -> None:
    zk = Zk()

    def write(op: Op, owner: int) -> int:
        zk.zxid += 1
        return decode_outcome(zk.tree.apply(zk.zxid, txn(op, S, 0, None, owner))).err

    assert write(CreateSession(30_000), owner=11) == Code.OK
    assert write(Create("/a", b"", OPEN, 0), owner=11) == Code.OK
    assert write(MoveSession(), owner=22) == Code.OK  # the client reconnected elsewhere
    before = zk.tree.snapshot()
    assert write(SetData("/a", b"late", -1), owner=11) == Code.SESSIONMOVED
    assert write(Multi((SetData("/a", b"late", -1),)), owner=11) == Code.SESSIONMOVED
    assert write(CloseSession(), owner=11) == Code.SESSIONMOVED
    assert zk.tree.snapshot() == before
    assert write(SetData("/a", b"ok", -1), owner=22) == Code.OK
    assert write(SetData("/a", b"ok", -1), owner=0) == Code.OK  # the servers' own: any owner
    # The owner is part of the snapshot: a restored replica refuses the old connection too.
    restored = Zk()
    restored.tree.restore(zk.tree.snapshot())
    restored.zxid = zk.zxid
    zk = restored
    assert write(SetData("/a", b"late", -1), owner=11) == Code.SESSIONMOVED
    assert write(MoveSession(), owner=33) == Code.OK
    assert write(CloseSession(), owner=33) == Code.OK
    assert write(MoveSession(), owner=44) == Code.SESSIONEXPIRED


def test_delete_container_refuses_only_a_sessions_ephemeral() -> None:
    zk = Zk(S)
    zk.create("/e", mode=EPHEMERAL)
    zk.create("/p")
    assert zk.fails(DeleteContainer("/e"), 0) == Code.BADVERSION
    # As in ZooKeeper, which proposes it only for containers: a persistent node would go.
    zk.ok(DeleteContainer("/p"), 0)


def test_containers_survive_a_snapshot() -> None:
    zk = Zk(S)
    zk.create("/c", mode=CONTAINER)
    zk.create("/c/x")
    zk.ok(Delete("/c/x"))
    copy = DataTree()
    copy.restore(zk.tree.snapshot())
    assert copy.read(ContainerCandidates()) == PathsReply(("/c",))


# --- malformed input -------------------------------------------------------------------------


def test_malformed_commands_and_queries_are_marshalling_errors() -> None:
    zk = Zk(S)
    assert decode_outcome(zk.tree.apply(2, b"\xc1")) == Outcome(-5, ErrorResult(-5), ())
    assert decode_reply(zk.tree.query(b"\x93\x01")) == ErrorResult(-5)
    # A version outside Java's int: jute could not have carried it.
    bad = msgspec.msgpack.encode([["delete", "/a", 2**31], S, 0])
    assert decode_outcome(zk.tree.apply(2, bad)).err == Code.MARSHALLINGERROR
    assert decode_outcome(zk.tree.apply(2, encode(Txn(Delete("/zookeeper"), S)))).err == -8


# --- paths -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/a", "/a/b", "/a.b", "/.a", "/a.", "/...", "/a/..b", "/a b", "/é", "/\u4e2d", "/\ufeff"],
)
def test_valid_paths(path: str) -> None:
    assert paths.path_error(path) is None


@pytest.mark.parametrize(
    "path",
    [
        "",
        "a",
        "a/b",
        "/a/",
        "//",
        "//a",
        "/a//b",
        "/.",
        "/..",
        "/a/.",
        "/a/./b",
        "/a/../b",
        "/a\0",
        "/a\x01",
        "/\x1f",
        "/\x7f",
        "/\x9f",
        "/\ud800",
        "/\ue000",  # private use area
        "/\ufff0",
        "/\uffff",
        "/\U0001f600",  # a surrogate pair in Java
    ],
)
def test_invalid_paths(path: str) -> None:
    assert paths.path_error(path) is not None


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from("/..ab \0\x01\x7f\x9f\u00e9\ud800\ufff0\U0001f600")))
def test_the_one_step_check_of_plain_paths_agrees_with_zookeepers_checks(path: str) -> None:
    assert paths.path_error(path) == paths._checked(path)


# --- snapshots and random histories ----------------------------------------------------------

NAMES = ["/a", "/b", "/a/x", "/a/y", "/b/x", "/a/x/z"]
names = st.sampled_from(NAMES)
versions = st.sampled_from([-1, 0, 1])
datas = st.none() | st.binary(max_size=3)
modes = st.sampled_from([PERSISTENT, EPHEMERAL, SEQUENTIAL, EPHEMERAL_SEQUENTIAL, CONTAINER])
sub_ops: st.SearchStrategy[MultiOp] = st.one_of(
    st.builds(Create, names, datas, st.just(OPEN), modes),
    st.builds(Delete, names, versions),
    st.builds(SetData, names, datas, versions),
    st.builds(Check, names, versions),
)
multis = st.builds(Multi, st.lists(sub_ops, max_size=4).map(tuple))
acls = st.sampled_from([OPEN, READ_ACL_UNSAFE, (ACL(31, "digest", "u:h"), *OPEN)])
ops: st.SearchStrategy[Op] = st.one_of(
    sub_ops,
    multis,
    st.builds(SetACL, names, acls, versions),
    st.just(CloseSession()),
    st.just(CreateSession(5000)),
    st.builds(DeleteContainer, names),
)
histories = st.lists(st.tuples(ops, st.sampled_from([S, S2])), max_size=25)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def play(zk: Zk, history: list[tuple[Op, int]]) -> list[Outcome]:
    return [zk.write(op, session) for op, session in history]


def copy_of(zk: Zk) -> Zk:
    copy = Zk()
    copy.tree.restore(zk.tree.snapshot())
    copy.zxid = zk.zxid
    return copy


@FAST
@given(histories, histories)
def test_a_restored_snapshot_has_the_same_digest_and_behaves_the_same(
    before: list[tuple[Op, int]], after: list[tuple[Op, int]]
) -> None:
    zk = Zk(S, S2)
    play(zk, before)
    copy = copy_of(zk)
    assert copy.tree.digest() == zk.tree.digest()
    assert copy.tree.snapshot() == zk.tree.snapshot()
    assert play(copy, after) == play(zk, after)
    assert copy.tree.digest() == zk.tree.digest()
    for path in ["/", *NAMES]:
        for query in (GetData(path), GetChildren2(path), GetACL(path)):
            assert copy.read(query) == zk.read(query)
    for session in (S, S2):
        assert copy.read(GetEphemerals(session)) == zk.read(GetEphemerals(session))


@FAST
@given(histories)
def test_what_is_kept_as_the_tree_changes_is_what_counting_the_tree_gives(
    history: list[tuple[Op, int]],
) -> None:
    """The digest, descendant counts, ephemerals and data size are kept up to date by every
    write (failed multis included), never counted on a read: they must equal a count of the
    tree as it is (what a restored snapshot starts from)."""
    zk = Zk(S, S2)
    play(zk, history)
    image = msgspec.msgpack.decode(zk.tree.snapshot())
    nodes = {saved[0]: saved[1] for saved in image[0]}
    assert zk.tree.digest() == copy_of(zk).tree.digest()
    assert zk.tree.node_count() == len(nodes)
    assert zk.tree.data_size() == sum(len(p) + len(d or b"") for p, d in nodes.items())
    ephemerals = [zk.read(GetEphemerals(s)) for s in (S, S2)]
    assert zk.tree.ephemeral_count() == sum(
        len(r.paths) for r in ephemerals if isinstance(r, PathsReply)
    )
    for path in nodes:
        below = sum(1 for p in nodes if p != path and p.startswith(path.rstrip("/") + "/"))
        assert zk.read(CountDescendants(path)) == CountReply(below)
    in_use = [acl for *_, acl, _ in image[0]]
    assert zk.tree._acl_users == {tuple(ACL(*a) for a in acl): in_use.count(acl) for acl in in_use}


def test_the_digest_does_not_depend_on_the_order_nodes_were_added() -> None:
    zk = Zk(S)
    for path in ("/b", "/a", "/b/z", "/b/a"):
        zk.create(path)
    # The restored tree's dicts are in path order; the live one's in creation order.
    assert copy_of(zk).tree.digest() == zk.tree.digest()
    assert Zk().tree.digest() != zk.tree.digest()
    empty = DataTree()
    empty.restore(b"")
    assert empty.digest() == Zk().tree.digest()


@FAST
@given(histories, st.lists(sub_ops, min_size=1, max_size=5))
def test_a_multi_is_its_operations_in_order_or_nothing(
    history: list[tuple[Op, int]], multi: list[MultiOp]
) -> None:
    zk = Zk(S, S2)
    play(zk, history)
    # The same operations one by one, each at the multi's zxid and time.
    one_by_one = copy_of(zk)
    zxid = zk.zxid + 1
    singles = []
    for op in multi:
        singles.append(one_by_one.tree.execute(zxid, Txn(op, S, 1000 * zxid)))
        if singles[-1].err:
            break
    before = zk.tree.snapshot()
    outcome = zk.write(Multi(tuple(multi)))
    assert isinstance(outcome.result, MultiResult)
    if singles[-1].err:
        assert zk.tree.snapshot() == before and outcome.triggers == ()
        assert outcome.err == singles[-1].err
        failed = len(singles) - 1
        assert [r.err for r in outcome.result.results if isinstance(r, ErrorResult)] == (
            [0] * failed + [singles[-1].err] + [-2] * (len(multi) - failed - 1)
        )
    else:
        assert zk.tree.snapshot() == one_by_one.tree.snapshot()
        assert outcome.result.results == tuple(s.result for s in singles)
        assert outcome.triggers == tuple(t for s in singles for t in s.triggers)


# --- the tree against a dict -----------------------------------------------------------------


class TreeAgainstADict(RuleBasedStateMachine):
    """Persistent nodes only: the model is path -> (data, version, czxid, mzxid)."""

    def __init__(self) -> None:
        super().__init__()
        self.zk = Zk(S)
        self.model: dict[str, tuple[bytes | None, int, int, int]] = {}

    def _children(self, path: str) -> list[str]:
        return [p for p in self.model if p.rsplit("/", 1)[0] == path]

    @rule(path=names, data=datas)
    def create(self, path: str, data: bytes | None) -> None:
        outcome = self.zk.write(Create(path, data, OPEN, PERSISTENT))
        parent = path.rsplit("/", 1)[0]
        if parent and parent not in self.model:
            assert outcome.err == Code.NONODE
        elif path in self.model:
            assert outcome.err == Code.NODEEXISTS
        else:
            assert outcome.err == 0
            self.model[path] = (data, 0, self.zk.zxid, self.zk.zxid)

    @rule(path=names, version=versions)
    def delete(self, path: str, version: int) -> None:
        outcome = self.zk.write(Delete(path, version))
        if path not in self.model:
            assert outcome.err == Code.NONODE
        elif version not in (-1, self.model[path][1]):
            assert outcome.err == Code.BADVERSION
        elif self._children(path):
            assert outcome.err == Code.NOTEMPTY
        else:
            assert outcome.err == 0
            del self.model[path]

    @rule(path=names, data=datas, version=versions)
    def set_data(self, path: str, data: bytes | None, version: int) -> None:
        outcome = self.zk.write(SetData(path, data, version))
        if path not in self.model:
            assert outcome.err == Code.NONODE
        elif version not in (-1, self.model[path][1]):
            assert outcome.err == Code.BADVERSION
        else:
            assert outcome.err == 0
            _, old_version, czxid, _ = self.model[path]
            self.model[path] = (data, old_version + 1, czxid, self.zk.zxid)

    @rule(path=names)
    def exists(self, path: str) -> None:
        reply = self.zk.read(Exists(path))
        if path not in self.model:
            assert reply == ErrorResult(Code.NONODE)
            return
        data, version, czxid, mzxid = self.model[path]
        assert isinstance(reply, StatReply)
        stat = reply.stat
        assert (stat.version, stat.czxid, stat.mzxid) == (version, czxid, mzxid)
        assert stat.data_length == len(data or b"")
        assert stat.num_children == len(self._children(path))
        assert self.zk.read(GetData(path)) == DataReply(data, stat)

    @precondition(lambda self: self.model)
    @invariant()
    def same_top_level(self) -> None:
        top = sorted(p[1:] for p in self._children(""))
        assert self.zk.children("/") == tuple(sorted([*top, "zookeeper"]))


TreeAgainstADict.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None
)
test_the_tree_against_a_dict = TreeAgainstADict.TestCase
