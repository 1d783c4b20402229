"""A server's watches at work (`impl/coord/watching.py`): fired as the tree applies a write,
set again after a reconnect, dropped with their connection; and what the event log gets of
it, only when there is one."""

from __future__ import annotations

import asyncio
from typing import Any

from impl.coord.connection import Connection
from impl.coord.jute import SetWatches
from impl.coord.messages import Create, CreateSession, Delete, SetData, Txn
from impl.coord.records import OPEN_ACL_UNSAFE
from impl.coord.tree import DataTree
from impl.coord.watches import Kind
from impl.coord.watching import EventLog, ServerWatches

APPLIED = 41


class _Writer:
    """What a Connection needs of an asyncio.StreamWriter: the frames written are kept."""

    def __init__(self) -> None:
        self.frames = 0
        self.transport = self

    def write(self, data: bytes) -> None:
        self.frames += 1

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0


def _setup(logging: bool) -> tuple[DataTree, EventLog, ServerWatches, Connection, _Writer]:
    tree = DataTree()
    tree.record_changes = logging
    events = EventLog(logging)
    watches = ServerWatches(tree, events, lambda: APPLIED)
    writer = _Writer()
    conn = Connection(writer, 5, "127.0.0.1", "127.0.0.1:1")  # type: ignore[arg-type]
    conn.session = 7
    tree.execute(1, Txn(CreateSession(30_000), session=7, time=1))
    return tree, events, watches, conn, writer


def _apply(tree: DataTree, watches: ServerWatches, zxid: int, txn: Txn) -> None:
    outcome = tree.execute(zxid, txn)
    assert outcome.err == 0, outcome
    watches.fire(zxid, txn, outcome)


def _run(body: Any) -> None:
    async def go() -> None:
        body()

    asyncio.run(go())  # Connection.send gathers replies on the running loop


def test_a_data_watch_fires_once_and_the_log_names_its_session() -> None:
    def body() -> None:
        tree, events, watches, conn, writer = _setup(logging=True)
        _apply(tree, watches, 2, Txn(Create("/a", b"", OPEN_ACL_UNSAFE), session=7))
        watches.watch("/a", conn, Kind.DATA)
        _apply(tree, watches, 3, Txn(SetData("/a", b"x"), session=7))
        _apply(tree, watches, 4, Txn(SetData("/a", b"y"), session=7))
        conn.flush()
        assert writer.frames == 1  # one event: the watch was one-shot
        logged = events.take()
        assert [e["event"] for e in logged] == ["start", "create", "watch", "set", "set"]
        assert logged[2] == {
            "event": "watch",
            "applied": APPLIED,
            "session": 7,
            "path": "/a",
            "kind": "data",
        }
        assert [e["fired"] for e in logged if e["event"] == "set"] == [[7], []]
        assert events.take() == []

    _run(body)


def test_without_an_event_log_nothing_is_kept() -> None:
    def body() -> None:
        tree, events, watches, conn, writer = _setup(logging=False)
        _apply(tree, watches, 2, Txn(Create("/a", b"", OPEN_ACL_UNSAFE), session=7))
        watches.watch("/a", conn, Kind.DATA)
        _apply(tree, watches, 3, Txn(Delete("/a"), session=7))
        watches.forget(conn)
        conn.flush()
        assert writer.frames == 1  # the watch still fires
        assert events.take() == []

    _run(body)


def test_set_again_fires_what_changed_and_sets_the_rest() -> None:
    def body() -> None:
        tree, events, watches, conn, writer = _setup(logging=True)
        _apply(tree, watches, 2, Txn(Create("/old", b"", OPEN_ACL_UNSAFE), session=7))
        _apply(tree, watches, 3, Txn(Create("/new", b"", OPEN_ACL_UNSAFE), session=7))
        request = SetWatches(2, ["/old", "/new", "/gone"], [], [], [], [])
        watches.set_again(conn, request)
        conn.flush()
        assert writer.frames == 2  # /new changed after zxid 2, /gone is gone: told at once
        assert watches.manager.paths_of(conn) == {Kind.DATA: frozenset({"/old"})}
        events.take()
        watches.forget(conn)
        assert watches.count() == 0
        assert events.take() == [
            {
                "event": "unwatch",
                "applied": APPLIED,
                "session": 7,
                "paths": ["/old"],
                "kind": "data",
                "why": "disconnected",
            }
        ]

    _run(body)
