"""ZooKeeper's WatchManager: one-shot data and child watches, and persistent and
persistent-recursive watches (`addWatch`), per server.

A getData or exists (even of a missing node) with watch=true sets a data watch on the path; a
getChildren with watch=true sets a child watch; `addWatch` sets a persistent watch (every event
on the path, NodeChildrenChanged included) or a persistent-recursive one (every event on the
path and below it, except NodeChildrenChanged). A write's `Trigger`s fire them (see
`impl.coord.records.Trigger`); a fired one-shot watch is gone, a persistent one stays until it
is removed or its connection closes. A watcher (a connection) gets one event per trigger however
many of its watches match: a deleted node's data and child watchers get one NodeDeleted.

One thing is deliberately not ZooKeeper 3.8's: there a connection has one mode per path, so a
one-shot getData watch set on a path that has a persistent watch turns the persistent watch
into a one-shot one (ZOOKEEPER-4466, fixed in 3.9). Here the kinds are independent, as in 3.9.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from enum import IntEnum
from typing import Generic, TypeVar

from impl.coord.faults import CoordFault
from impl.coord.records import EventType, Trigger

W = TypeVar("W", bound=Hashable)


class Kind(IntEnum):
    """The kinds of watch, numbered as ZooKeeper 3.9's WatcherType names them in
    removeWatches/checkWatches (3: "Any" is every kind)."""

    CHILDREN = 1
    DATA = 2
    PERSISTENT = 4
    PERSISTENT_RECURSIVE = 5


ANY = 3  # WatcherType.Any in removeWatches and checkWatches
WATCHER_TYPES = frozenset({*Kind, ANY})
ADD_WATCH_MODES = {0: Kind.PERSISTENT, 1: Kind.PERSISTENT_RECURSIVE}  # AddWatchMode's numbers


def _ancestors(path: str) -> Iterable[str]:
    """`path` and every node above it, up to "/"."""
    yield path
    while path not in ("/", ""):
        path = path[: path.rfind("/")] or "/"
        yield path


class WatchManager(Generic[W]):
    """Watches by kind and path, and by watcher (ZooKeeper's watchTable and watch2Paths), so
    that a closing connection drops its own watches without looking at anyone else's."""

    def __init__(self, faults: frozenset[CoordFault] = frozenset()) -> None:
        self._twice = CoordFault.WATCH_FIRES_TWICE in faults  # a switched-on bug (tests only)
        self._tables: dict[Kind, dict[str, set[W]]] = {kind: {} for kind in Kind}
        self._paths: dict[W, dict[Kind, set[str]]] = {}  # watcher -> kind -> paths
        self._count = 0

    def watch_data(self, path: str, watcher: W) -> bool:
        return self.add(path, watcher, Kind.DATA)

    def watch_children(self, path: str, watcher: W) -> bool:
        return self.add(path, watcher, Kind.CHILDREN)

    def add(self, path: str, watcher: W, kind: Kind) -> bool:
        """Set a watch; False if `watcher` had this one already."""
        watchers = self._tables[kind].setdefault(path, set())
        if watcher in watchers:
            return False
        watchers.add(watcher)
        self._paths.setdefault(watcher, {}).setdefault(kind, set()).add(path)
        self._count += 1
        return True

    def watchers(self, path: str, kind: Kind) -> frozenset[W]:
        """Who has a watch of this kind on exactly `path`."""
        return frozenset(self._tables[kind].get(path, ()))

    def paths_of(self, watcher: W) -> dict[Kind, frozenset[str]]:
        """The paths `watcher` watches, by kind."""
        return {kind: frozenset(paths) for kind, paths in self._paths.get(watcher, {}).items()}

    def fire(self, triggers: Iterable[Trigger]) -> list[tuple[W, Trigger]]:
        """The events the triggers cause, in trigger order, removing the one-shot watches they
        fire."""
        events: list[tuple[W, Trigger]] = []
        if not self._count:  # no watch at all (most writes of a busy server): nothing fires
            return events
        recursive = self._tables[Kind.PERSISTENT_RECURSIVE]
        for trigger in triggers:
            path, type_ = trigger.path, trigger.type
            fired: set[W] = set()
            if type_ is not EventType.NODE_CHILDREN_CHANGED:
                if self._twice:  # the bug: a data watch fires and stays
                    fired |= self._tables[Kind.DATA].get(path, set())
                else:
                    fired |= self._take(Kind.DATA, path)
                if recursive:
                    for above in _ancestors(path):
                        fired |= recursive.get(above, set())
            if type_ in (EventType.NODE_DELETED, EventType.NODE_CHILDREN_CHANGED):
                fired |= self._take(Kind.CHILDREN, path)
            fired |= self._tables[Kind.PERSISTENT].get(path, set())
            events += [(watcher, trigger) for watcher in sorted(fired, key=id)]
        return events

    def _take(self, kind: Kind, path: str) -> set[W]:
        watchers = self._tables[kind].pop(path, set())
        for watcher in watchers:
            self._drop_path(watcher, kind, path)
        self._count -= len(watchers)
        return watchers

    def _drop_path(self, watcher: W, kind: Kind, path: str) -> None:
        kinds = self._paths[watcher]
        kinds[kind].discard(path)
        if not kinds[kind]:
            del kinds[kind]
            if not kinds:
                del self._paths[watcher]

    def _kinds(self, watcher_type: int) -> tuple[Kind, ...]:
        assert watcher_type in WATCHER_TYPES, watcher_type
        return tuple(Kind) if watcher_type == ANY else (Kind(watcher_type),)

    def contains(self, path: str, watcher: W, watcher_type: int) -> bool:
        """checkWatches: has `watcher` a watch of this type (or, for ANY, of any kind) on
        exactly `path`?"""
        return any(
            watcher in self._tables[kind].get(path, ()) for kind in self._kinds(watcher_type)
        )

    def remove(self, path: str, watcher: W, watcher_type: int) -> bool:
        """removeWatches: drop `watcher`'s watches of this type on `path`; were there any?"""
        removed = False
        for kind in self._kinds(watcher_type):
            watchers = self._tables[kind].get(path)
            if watchers is None or watcher not in watchers:
                continue
            watchers.discard(watcher)
            if not watchers:
                del self._tables[kind][path]
            self._drop_path(watcher, kind, path)
            self._count -= 1
            removed = True
        return removed

    def forget(self, watcher: W) -> None:
        """Drop every watch of `watcher` (its connection closed)."""
        kinds = self._paths.pop(watcher, None)
        if kinds is None:
            return
        for kind, paths in kinds.items():
            table = self._tables[kind]
            for path in paths:
                watchers = table[path]
                watchers.discard(watcher)
                self._count -= 1
                if not watchers:
                    del table[path]

    def count(self) -> int:
        return self._count
