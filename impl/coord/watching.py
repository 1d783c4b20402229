"""A server's watches at work, and the events of the coordination layer it logs.

`ServerWatches` keeps the watches of this server's connections (`impl.coord.watches`'
WatchManager): set by reads with watch=true, `addWatch` and `SetWatches`, fired as the tree
applies each write (the events leave at once, before the write's own reply), dropped by
`removeWatches` and when their connection closes. `EventLog` holds what the service logs for
`paxoscope validate` to check against spec/zookeeper.py (`EVENTS`): every write applied (with
the sessions whose data watches it fired), every watch set or dropped, the process's `start`,
and `restored` when a snapshot replaced the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from impl.coord.connection import Connection, event_frame
from impl.coord.errors import Code
from impl.coord.faults import CoordFault
from impl.coord.jute import OpCode, SetWatches, Writer
from impl.coord.messages import Exists, Outcome, StatReply, Txn
from impl.coord.records import EventType, Stat, Trigger
from impl.coord.requests import Decoded
from impl.coord.tree import Change, DataTree
from impl.coord.watches import ADD_WATCH_MODES, Kind, WatchManager

# The coordination layer's events in the event log (the replica's have other names).
EVENTS = frozenset(
    {"start", "session", "close", "create", "set", "delete", "watch", "unwatch", "restored"}
)


class EventLog:
    """The events the server's event log is yet to get; with no event log (`enabled` false),
    none are kept. A new process's first event is `start`: the watches of the one before it
    are gone, and the writes it replays were logged."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._pending: list[dict[str, Any]] = [{"event": "start"}] if enabled else []

    def add(self, event: dict[str, Any]) -> None:
        if self.enabled:
            self._pending.append(event)

    def take(self) -> list[dict[str, Any]]:
        """The events since the last call, in order."""
        pending, self._pending = self._pending, []
        return pending


class ServerWatches:
    """The watches of this server's connections. `applied`: the slot the replica has applied
    (what a `watch` or `unwatch` event is stamped with)."""

    def __init__(
        self,
        tree: DataTree,
        events: EventLog,
        applied: Callable[[], int],
        faults: frozenset[CoordFault] = frozenset(),
    ) -> None:
        self._tree = tree
        self._events = events
        self._applied = applied
        self.manager: WatchManager[Connection] = WatchManager(faults)

    def count(self) -> int:
        return self.manager.count()

    def watch(self, path: str, conn: Connection, kind: Kind) -> None:
        """Set a watch for the connection (logged, when it is new)."""
        if self.manager.add(path, conn, kind) and self._events.enabled:
            self._events.add(
                {
                    "event": "watch",
                    "applied": self._applied(),
                    "session": conn.session,
                    "path": path,
                    "kind": kind.name.lower(),
                }
            )

    def forget(self, conn: Connection) -> None:
        """The connection closed: its watches are gone."""
        if self._events.enabled and conn.session:
            for kind, paths in sorted(self.manager.paths_of(conn).items()):
                self._unwatched(conn, kind, paths, "disconnected")
        self.manager.forget(conn)

    def answer(self, conn: Connection, decoded: Decoded) -> tuple[int, bytes]:
        """addWatch, removeWatches, checkWatches: done on this server, as in ZooKeeper; their
        (err, body)."""
        path, kind = decoded.path, decoded.watch_type
        if decoded.opcode == OpCode.ADD_WATCH:
            self.watch(path, conn, ADD_WATCH_MODES[kind])
            return Code.OK, Writer().i32(0).getvalue()  # ZooKeeper answers an ErrorResponse(0)
        if decoded.opcode == OpCode.REMOVE_WATCHES:
            had = self.manager.paths_of(conn) if self._events.enabled else {}
            found = self.manager.remove(path, conn, kind)
            for gone in had:
                if path in had[gone] and not self.manager.contains(path, conn, gone):
                    self._unwatched(conn, gone, [path], "removed")
        else:
            found = self.manager.contains(path, conn, kind)
        return (Code.OK if found else Code.NOWATCHER), b""

    def set_again(self, conn: Connection, request: SetWatches) -> None:
        """ZooKeeper's DataTree.setWatches: fire at once what changed since the client's
        last zxid, and set the rest."""
        since = request.relative_zxid
        for path in request.data:
            stat = self._stat(path)
            if stat is None:
                conn.send(event_frame(0, Trigger(path, EventType.NODE_DELETED)))
            elif stat.mzxid > since:
                conn.send(event_frame(0, Trigger(path, EventType.NODE_DATA_CHANGED)))
            else:
                self.watch(path, conn, Kind.DATA)
        for path in request.exist:
            if self._stat(path) is not None:
                conn.send(event_frame(0, Trigger(path, EventType.NODE_CREATED)))
            else:
                self.watch(path, conn, Kind.DATA)
        for path in request.child:
            stat = self._stat(path)
            if stat is None:
                conn.send(event_frame(0, Trigger(path, EventType.NODE_DELETED)))
            elif stat.pzxid > since:
                conn.send(event_frame(0, Trigger(path, EventType.NODE_CHILDREN_CHANGED)))
            else:
                self.watch(path, conn, Kind.CHILDREN)
        # Persistent watches are set again as they were; what changed meanwhile is not told.
        for path in request.persistent:
            self.watch(path, conn, Kind.PERSISTENT)
        for path in request.persistent_recursive:
            self.watch(path, conn, Kind.PERSISTENT_RECURSIVE)

    def fire(self, zxid: int, command: Txn, outcome: Outcome) -> None:
        """Inside the replica's apply of the write `zxid`: send the events of the watches its
        triggers fire, and log the write's changes (`DataTree.changes`)."""
        logged = self._events.enabled
        fired: list[list[int]] = []  # per trigger: the sessions whose data watch it fired
        for trigger in outcome.triggers:
            data = (
                self.manager.watchers(trigger.path, Kind.DATA)
                if logged and trigger.type is not EventType.NODE_CHILDREN_CHANGED
                else frozenset()
            )
            sessions = []
            for conn, fires in self.manager.fire((trigger,)):
                conn.send(event_frame(zxid, fires))
                if conn in data and conn.session:
                    sessions.append(conn.session)
            fired.append(sorted(sessions))
        if logged:
            self._log_changes(zxid, command, fired)

    def _log_changes(self, zxid: int, command: Txn, fired: list[list[int]]) -> None:
        """Log the write's changes, each with the sessions whose data watches its trigger
        fired."""
        close: dict[str, Any] | None = None
        for change in self._tree.changes:
            if change.kind == "session":
                self._events.add({"event": "session", "zxid": zxid, "session": change.session})
            elif change.kind == "close":
                close = {
                    "event": "close",
                    "zxid": zxid,
                    "session": change.session,
                    "expired": command.owner == 0,  # the leader's expiry; else the client's
                    "deleted": [],
                    "fired": [],
                }
                self._events.add(close)
            elif close is not None:  # one of the closed session's ephemerals
                close["deleted"].append(change.path)
                close["fired"] += [[s, change.path] for s in fired[change.trigger]]
            else:
                self._events.add(_node_event(zxid, change, fired[change.trigger]))

    def _unwatched(self, conn: Connection, kind: Kind, paths: Iterable[str], why: str) -> None:
        if self._events.enabled and paths:
            self._events.add(
                {
                    "event": "unwatch",
                    "applied": self._applied(),
                    "session": conn.session,
                    "paths": sorted(paths),
                    "kind": kind.name.lower(),
                    "why": why,
                }
            )

    def _stat(self, path: str) -> Stat | None:
        reply = self._tree.read(Exists(path))
        return reply.stat if isinstance(reply, StatReply) else None


def _node_event(zxid: int, change: Change, fired: list[int]) -> dict[str, Any]:
    """The event of a node created, written or deleted."""
    event: dict[str, Any] = {
        "event": change.kind,
        "zxid": zxid,
        "session": change.session,
        "path": change.path,
    }
    if change.kind != "delete":
        event["version"] = change.version
    if change.kind == "create":
        event["owner"], event["sequential"] = change.owner, change.sequential
    if change.kind != "set":
        event["cversion"], event["children"] = change.cversion, change.children
    event["fired"] = fired
    return event
