"""ZooKeeper's WatchManager: one-shot data and child watches, per server.

A getData or exists (even of a missing node) with watch=true sets a data watch on the path; a
getChildren with watch=true sets a child watch. A write's `Trigger`s fire them (see
`impl.coord.records.Trigger`) and each fired watch is gone. A watcher (a connection) gets one
event per trigger even if it watches the path both ways: a deleted node's data and child
watchers get one NodeDeleted between them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

from impl.coord.records import EventType, Trigger

W = TypeVar("W", bound=Hashable)


class WatchManager(Generic[W]):
    """Watches by path, and by watcher (ZooKeeper's watchTable and watch2Paths), so that a
    closing connection drops its own watches without looking at anyone else's."""

    def __init__(self) -> None:
        self._data: dict[str, set[W]] = {}
        self._child: dict[str, set[W]] = {}
        self._paths: dict[W, tuple[set[str], set[str]]] = {}  # watcher -> (data, child) paths
        self._count = 0

    def watch_data(self, path: str, watcher: W) -> None:
        self._add(self._data, 0, path, watcher)

    def watch_children(self, path: str, watcher: W) -> None:
        self._add(self._child, 1, path, watcher)

    def _add(self, table: dict[str, set[W]], kind: int, path: str, watcher: W) -> None:
        watchers = table.setdefault(path, set())
        if watcher not in watchers:
            watchers.add(watcher)
            self._paths.setdefault(watcher, (set(), set()))[kind].add(path)
            self._count += 1

    def fire(self, triggers: Iterable[Trigger]) -> list[tuple[W, Trigger]]:
        """The events the triggers cause, in trigger order, removing the watches they fire."""
        events: list[tuple[W, Trigger]] = []
        for trigger in triggers:
            fired: set[W] = set()
            if trigger.type is not EventType.NODE_CHILDREN_CHANGED:
                fired |= self._take(self._data, 0, trigger.path)
            if trigger.type in (EventType.NODE_DELETED, EventType.NODE_CHILDREN_CHANGED):
                fired |= self._take(self._child, 1, trigger.path)
            events += [(watcher, trigger) for watcher in sorted(fired, key=id)]
        return events

    def _take(self, table: dict[str, set[W]], kind: int, path: str) -> set[W]:
        watchers = table.pop(path, set())
        for watcher in watchers:
            self._drop_path(watcher, kind, path)
        self._count -= len(watchers)
        return watchers

    def _drop_path(self, watcher: W, kind: int, path: str) -> None:
        paths = self._paths[watcher]
        paths[kind].discard(path)
        if not paths[0] and not paths[1]:
            del self._paths[watcher]

    def forget(self, watcher: W) -> None:
        """Drop every watch of `watcher` (its connection closed)."""
        paths = self._paths.pop(watcher, None)
        if paths is None:
            return
        for table, kind_paths in zip((self._data, self._child), paths, strict=True):
            for path in kind_paths:
                watchers = table[path]
                watchers.discard(watcher)
                self._count -= 1
                if not watchers:
                    del table[path]

    def count(self) -> int:
        return self._count
