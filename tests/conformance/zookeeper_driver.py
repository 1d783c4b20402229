"""The conformance driver for spec/zookeeper.py (and spec/zookeeper_watches.py, which adds
persistent watches and multi) and impl/coord/'s tree and watches.

The implementation is what a server runs for these operations: `DataTree` (the replicated
state machine, fed one transaction per step at the next zxid) and a `WatchManager` whose
watchers are sessions, fired with each transaction's triggers as `CoordService._applied` does;
a closed session's watches are forgotten after its own events, as the server does when it
closes the session's connection. Session `s1` is session id 1, and so on; `/lock` is the
directory, created first by a session of its own.

The spec's child n is the sequential child `/lock/n-0000000007`; its number is the spec's `seq`.
The abstraction reads the tree back: the live sessions, the children with their owners, data
versions and numbers, the parent's stored cversion (what a client is shown is creations plus
deletions: 2 * cversion - children), the one-shot data watches registered, and the events each
session received for its last registration on each name.

Options: `faults=NAME,...` switches on faults of `impl.coord.faults` (each must be caught);
`snapshots=1` takes the tree through a snapshot and a restore after every step, as a replica
that restarts or catches up from a snapshot does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.conformance import Driver, NotEnabled
from impl.coord.faults import CoordFault
from impl.coord.messages import (
    ChildrenReply,
    CloseSession,
    Create,
    CreateResult,
    CreateSession,
    Delete,
    Exists,
    GetChildren,
    Multi,
    Op,
    SetData,
    StatReply,
    Txn,
)
from impl.coord.records import OPEN_ACL_UNSAFE, CreateMode, Stat
from impl.coord.tree import DataTree
from impl.coord.watches import Kind, WatchManager

DIRECTORY = "/lock"
SETUP_SESSION = 1_000  # the session that creates the directory


class ZooKeeperDriver(Driver):
    def __init__(self, params: Mapping[str, int], options: Mapping[str, str] | None = None) -> None:
        super().__init__(params, options)
        faults = frozenset(CoordFault(f) for f in self.options.get("faults", "").split(",") if f)
        self.snapshots = self.options.get("snapshots", "0") == "1"
        self.tree = DataTree(faults=faults)
        self.watches: WatchManager[int] = WatchManager(faults=faults)
        self.zxid = 0
        self.sessions = {f"s{i}": i for i in range(1, params["sessions"] + 1)}
        self.names = [f"n{i}" for i in range(1, params["names"] + 1)]
        # (session, name) -> events since the one-shot watch, and since the persistent one
        self.events: dict[tuple[str, str], int] = {}
        self.pevents: dict[tuple[str, str], int] = {}
        for sid in (SETUP_SESSION, *self.sessions.values()):
            self._write(sid, CreateSession(30_000))
        self._write(SETUP_SESSION, Create(DIRECTORY, b"", OPEN_ACL_UNSAFE))

    # --- the implementation, one transaction at a time --------------------------------------

    def _write(self, session: int, op: Op) -> Any:
        """Apply one client write at the next zxid; fire the watches it triggers. The result,
        or NotEnabled with ZooKeeper's error code."""
        self.zxid += 1
        # A session gets one event per trigger however many of its watches match: it is for
        # each kind of watch the session had on the path before the write.
        had = {
            (sid, path, kind): self.watches.contains(path, sid, kind)
            for path in self._children().values()
            for sid in self.sessions.values()
            for kind in (Kind.DATA, Kind.PERSISTENT)
        }
        outcome = self.tree.execute(self.zxid, Txn(op, session=session, time=self.zxid))
        for watcher, trigger in self.watches.fire(outcome.triggers):
            name = self._name_of(trigger.path)
            if name is None:
                continue
            key = (f"s{watcher}", name)
            if had.get((watcher, trigger.path, Kind.DATA)):
                self.events[key] = self.events.get(key, 0) + 1
            if had.get((watcher, trigger.path, Kind.PERSISTENT)):
                self.pevents[key] = self.pevents.get(key, 0) + 1
        if outcome.err != 0:
            raise NotEnabled(f"{type(op).__name__} failed with ZooKeeper error {outcome.err}")
        if self.snapshots:
            restored = DataTree(faults=self.tree.faults)
            restored.restore(self.tree.snapshot())
            self.tree = restored
        return outcome.result

    @staticmethod
    def _name_of(path: str) -> str | None:
        if not path.startswith(DIRECTORY + "/"):
            return None
        return path[len(DIRECTORY) + 1 :].rsplit("-", 1)[0]

    def _children(self) -> dict[str, str]:
        """Spec name -> the child's path."""
        reply = self.tree.read(GetChildren(DIRECTORY))
        if not isinstance(reply, ChildrenReply):
            return {}  # not created yet
        return {child.rsplit("-", 1)[0]: f"{DIRECTORY}/{child}" for child in reply.children}

    def _path(self, n: str) -> str:
        path = self._children().get(n)
        if path is None:
            raise NotEnabled(f"{n} does not exist")
        return path

    def _stat(self, path: str) -> Stat:
        reply = self.tree.read(Exists(path))
        assert isinstance(reply, StatReply), reply
        return reply.stat

    # --- the spec's actions ----------------------------------------------------------------

    def _live(self, s: str) -> int:
        """Session s's id, if the tree still has the session."""
        sid = self.sessions[s]
        if sid not in self.tree.session_timeouts():
            raise NotEnabled(f"session {s} has expired")
        return sid

    def _create(self, s: str, n: str, mode: CreateMode) -> None:
        if n in self._children():
            raise NotEnabled(f"{n} exists")  # another incarnation's number would differ
        result = self._write(
            self.sessions[s], Create(f"{DIRECTORY}/{n}-", b"", OPEN_ACL_UNSAFE, mode)
        )
        assert isinstance(result, CreateResult)

    def create(self, s: str, n: str) -> None:
        self._create(s, n, CreateMode.PERSISTENT_SEQUENTIAL)

    def create_ephemeral(self, s: str, n: str) -> None:
        self._create(s, n, CreateMode.EPHEMERAL_SEQUENTIAL)

    def delete(self, s: str, n: str) -> None:
        self._write(self.sessions[s], Delete(self._path(n)))

    def set_data(self, s: str, n: str) -> None:
        self._write(self.sessions[s], SetData(self._path(n), b"x"))

    def watch(self, s: str, n: str) -> None:
        """getData with watch=true, as the server registers it: on the path, for the session."""
        self.watches.watch_data(self._path(n), self._live(s))
        self.events[(s, n)] = 0

    def multi_delete(self, s: str, n: str, m: str) -> None:
        self._write(self.sessions[s], Multi((Delete(self._path(n)), Delete(self._path(m)))))

    def add_watch(self, s: str, n: str) -> None:
        """addWatch(PERSISTENT), as the server registers it."""
        self.watches.add(self._path(n), self._live(s), Kind.PERSISTENT)
        self.pevents[(s, n)] = 0

    def remove_watch(self, s: str, n: str) -> None:
        if not self.watches.remove(self._path(n), self.sessions[s], Kind.PERSISTENT):
            raise NotEnabled(f"{s} has no persistent watch on {n} (NOWATCHER)")

    def expire(self, s: str) -> None:
        """The leader proposes a CloseSession; the server then closes the session's connection,
        which forgets its watches."""
        sid = self._live(s)
        self._write(sid, CloseSession())
        self.watches.forget(sid)

    # --- the abstraction -------------------------------------------------------------------

    def abstract(self) -> dict[str, Any]:
        live = self.tree.session_timeouts()
        labels = {sid: label for label, sid in self.sessions.items()}
        children = self._children()
        owner: dict[str, str] = {}
        version: dict[str, int] = {}
        seq: dict[str, int] = {}
        for n in self.names:
            path = children.get(n)
            if path is None:
                owner[n], version[n], seq[n] = "none", 0, 0
                continue
            stat = self._stat(path)
            owner[n] = labels.get(stat.ephemeral_owner, "none")
            version[n] = stat.version
            seq[n] = int(path.rsplit("-", 1)[1])
        parent = self._stat(DIRECTORY)
        return {
            "alive": {label for label, sid in self.sessions.items() if sid in live},
            "exists_": set(children),
            "owner": owner,
            "data_version": version,
            "seq": seq,
            "cversion": (parent.cversion + parent.num_children) // 2,
            "watching": {
                (s, n)
                for s, sid in self.sessions.items()
                for n, path in children.items()
                if self.watches.contains(path, sid, Kind.DATA)
            },
            "fired": {
                (s, n): self.events.get((s, n), 0) for s in self.sessions for n in self.names
            },
            # spec/zookeeper_watches.py only (other specs ignore what they do not declare)
            "persistent": {
                (s, n)
                for s, sid in self.sessions.items()
                for n, path in children.items()
                if self.watches.contains(path, sid, Kind.PERSISTENT)
            },
            "pfired": {
                (s, n): self.pevents.get((s, n), 0) for s in self.sessions for n in self.names
            },
        }
