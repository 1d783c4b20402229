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
    def __init__(self) -> None:
        self._data: dict[str, set[W]] = {}
        self._child: dict[str, set[W]] = {}

    def watch_data(self, path: str, watcher: W) -> None:
        self._data.setdefault(path, set()).add(watcher)

    def watch_children(self, path: str, watcher: W) -> None:
        self._child.setdefault(path, set()).add(watcher)

    def fire(self, triggers: Iterable[Trigger]) -> list[tuple[W, Trigger]]:
        """The events the triggers cause, in trigger order, removing the watches they fire."""
        events: list[tuple[W, Trigger]] = []
        for trigger in triggers:
            fired: set[W] = set()
            if trigger.type is not EventType.NODE_CHILDREN_CHANGED:
                fired |= self._data.pop(trigger.path, set())
            if trigger.type in (EventType.NODE_DELETED, EventType.NODE_CHILDREN_CHANGED):
                fired |= self._child.pop(trigger.path, set())
            events += [(watcher, trigger) for watcher in sorted(fired, key=id)]
        return events

    def forget(self, watcher: W) -> None:
        """Drop every watch of `watcher` (its connection closed)."""
        for table in (self._data, self._child):
            for path in [p for p, ws in table.items() if watcher in ws]:
                table[path].discard(watcher)
                if not table[path]:
                    del table[path]

    def count(self) -> int:
        return sum(map(len, self._data.values())) + sum(map(len, self._child.values()))
