"""The key-value state machine and the client-session table."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from impl.paxos.types import Command
from impl.sm import KeyValueStore, Sessions, kv


def test_commands_and_queries() -> None:
    store = KeyValueStore()
    assert kv.decode(store.apply(1, kv.encode("put", "a", b"1"))) is None
    assert kv.decode(store.apply(2, kv.encode("put", "a", b"2"))) == b"1"
    assert kv.decode(store.apply(3, kv.encode("cas", "a", b"1", b"3"))) is False
    assert kv.decode(store.apply(4, kv.encode("cas", "a", b"2", b"3"))) is True
    assert kv.decode(store.query(kv.encode("get", "a"))) == b"3"
    assert kv.decode(store.apply(5, kv.encode("delete", "a"))) is True
    assert kv.decode(store.apply(6, kv.encode("delete", "a"))) is False
    assert kv.decode(store.query(kv.encode("get", "a"))) is None


def test_bad_commands_are_answered_not_fatal() -> None:
    store = KeyValueStore()
    assert kv.decode(store.apply(1, b"\xff\x00")) == ["error", "malformed command"]
    assert kv.decode(store.apply(1, kv.encode("frobnicate", "k")))[0] == "error"
    assert kv.decode(store.query(kv.encode("put", "k")))[0] == "error"


@given(st.dictionaries(st.text(max_size=5), st.binary(max_size=5), max_size=8))
def test_snapshot_round_trip_keeps_the_digest(data: dict[str, bytes]) -> None:
    store = KeyValueStore()
    for i, (key, value) in enumerate(data.items()):
        store.apply(i + 1, kv.encode("put", key, value))
    copy = KeyValueStore()
    copy.restore(store.snapshot())
    assert copy.data == store.data and copy.digest() == store.digest()


def test_sessions_answer_duplicates_and_forget_acknowledged_results() -> None:
    sessions = Sessions()
    first = Command(1, 1, 0, b"op")
    assert sessions.lookup(first) is None
    sessions.record(first, b"r1")
    assert sessions.lookup(first) == b"r1"  # a retry gets the same answer
    second = Command(1, 2, 1, b"op")  # the client acknowledged seq 1
    sessions.record(second, b"r2")
    assert sessions.lookup(first) == b""  # no longer kept, and never applied again
    restored = Sessions()
    restored.restore(sessions.snapshot())
    assert restored.lookup(second) == b"r2"
