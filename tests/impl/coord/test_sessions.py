"""Client sessions (`impl/coord/sessions.py`): ids, passwords and the leader's expiry clock; and
the latency counters of the four-letter words (`impl/coord/fourletter.py`'s `Counters`).

Session ids are checked against ZooKeeper's `SessionTrackerImpl.initializeNextSessionId` (server
id in the top byte, then the start time in ms, then a 16-bit counter): ids of different servers,
and of restarts of one, must not collide; no id may be 0 or `CONTAINER_OWNER` (both mean
something else as an ephemeral owner); every id must be a Java long, which the tree's msgpack
schema and `password` both require. Passwords must be deterministic, 16 bytes, and differ per id.
`ExpiryClock` must expire exactly the sessions silent for longer than their timeout, name each
once per `RETRY_MS`, give a session it has not seen a full timeout, and forget what `live` drops.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from impl.coord.fourletter import Counters
from impl.coord.messages import CreateSession, decode_outcome, txn
from impl.coord.records import CONTAINER_OWNER
from impl.coord.sessions import ExpiryClock, first_session_id, password
from impl.coord.tree import DataTree

LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
COUNTER = 1 << 16  # ids a server hands out per ms of start time before reaching the next's
NOW_MS = 1_764_000_000_000  # a wall-clock time in ms, late 2025 (about 2**40.7)
RETRY = ExpiryClock.RETRY_MS

server_ids = st.integers(1, 127)
times = st.integers(0, 2**42)


def java_initialize_next_session_id(server_id: int, now_ms: int) -> int:
    """ZooKeeper 3.8's SessionTrackerImpl.initializeNextSessionId in Java long arithmetic:
    (now << 24) >>> 8 | (id << 56), and CONTAINER_EPHEMERAL_OWNER bumped by one."""
    mask = 2**64 - 1
    sid = (((now_ms << 24) & mask) >> 8) | ((server_id << 56) & mask)
    signed = sid - 2**64 if sid > LONG_MAX else sid
    return signed + 1 if signed == CONTAINER_OWNER else signed


def accepted_by_the_tree(session: int) -> bool:
    """Does a CreateSession for `session` apply, through the msgpack encoding the log uses?"""
    tree = DataTree()
    outcome = decode_outcome(tree.apply(1, txn(CreateSession(30_000), session, 0)))
    return outcome.err == 0 and session in tree.session_timeouts()


# --- session ids -----------------------------------------------------------------------------


@given(server_ids, times)
def test_the_server_id_is_the_top_byte_and_the_counter_starts_at_zero(sid: int, t: int) -> None:
    first = first_session_id(sid, t)
    assert first >> 56 == sid
    assert first & (COUNTER - 1) == 0


@given(server_ids, times)
def test_an_id_is_a_positive_java_long_and_no_special_owner(sid: int, t: int) -> None:
    first = first_session_id(sid, t)
    for session in (first, first + COUNTER - 1):
        assert 0 < session <= LONG_MAX
        assert session != CONTAINER_OWNER


@given(
    server_ids, server_ids, times, times, st.integers(0, COUNTER - 1), st.integers(0, COUNTER - 1)
)
def test_different_servers_never_collide(
    sid1: int, sid2: int, t1: int, t2: int, k1: int, k2: int
) -> None:
    assume(sid1 != sid2)
    assert first_session_id(sid1, t1) + k1 != first_session_id(sid2, t2) + k2


@given(server_ids, st.integers(NOW_MS - 2**31, NOW_MS + 2**31), st.integers(1, 2**31))
def test_a_restart_a_ms_later_starts_past_the_last_runs_first_ids(
    sid: int, t1: int, later: int
) -> None:
    """Restarted `later` ms on, a server's ids start `later` * 2**16 further on (mod the time
    field), so its two runs collide only if the first handed out that many sessions."""
    first, again = first_session_id(sid, t1), first_session_id(sid, t1 + later)
    assert again != first
    assert (again - first) % COUNTER == 0
    assert abs(again - first) >= COUNTER


def test_ids_for_a_known_time() -> None:
    assert first_session_id(1, 0) == 1 << 56
    assert first_session_id(1, 1) == (1 << 56) | COUNTER
    assert first_session_id(5, 0x1234) == (5 << 56) | (0x1234 << 16)


def test_every_id_of_servers_1_to_127_opens_a_session() -> None:
    for sid in range(1, 128):
        session = first_session_id(sid, NOW_MS)
        assert accepted_by_the_tree(session), sid
        assert len(password(session)) == 16


def test_every_id_of_servers_128_to_255_is_a_java_long_and_opens_a_session() -> None:
    for sid in range(128, 256):
        for t in (0, 1, NOW_MS):
            session = first_session_id(sid, t)
            assert LONG_MIN <= session <= LONG_MAX, (sid, t, hex(session))
            assert session not in (0, CONTAINER_OWNER), (sid, t)
            assert len(password(session)) == 16
            assert accepted_by_the_tree(session), (sid, t)


@given(server_ids, st.integers(0, 2**32 - 1))
def test_ids_agree_with_zookeeper_while_the_time_fits_32_bits(sid: int, t: int) -> None:
    assert first_session_id(sid, t) == java_initialize_next_session_id(sid, t)


def test_ids_agree_with_zookeeper_for_todays_time() -> None:
    for sid in (1, 2, 127):
        for t in (NOW_MS, NOW_MS + 1, 2**32):
            assert first_session_id(sid, t) == java_initialize_next_session_id(sid, t)
    assert first_session_id(1, NOW_MS) != first_session_id(1, NOW_MS + 2**32)


# --- passwords -------------------------------------------------------------------------------


@given(st.integers(LONG_MIN, LONG_MAX))
def test_a_password_is_16_bytes_and_the_same_every_time(session: int) -> None:
    pw = password(session)
    assert isinstance(pw, bytes) and len(pw) == 16
    assert password(session) == pw


@settings(max_examples=50)
@given(st.integers(LONG_MIN, LONG_MAX), st.integers(LONG_MIN, LONG_MAX))
def test_passwords_differ_per_id(a: int, b: int) -> None:
    assume(a != b)
    assert password(a) != password(b)


def test_consecutive_sessions_have_distinct_passwords() -> None:
    first = first_session_id(3, NOW_MS)
    assert len({password(first + k) for k in range(2000)}) == 2000


def test_a_password_is_not_the_id_itself() -> None:
    session = first_session_id(1, NOW_MS)
    assert session.to_bytes(8, "big") not in password(session)
    assert password(session) != bytes(16)


# --- the expiry clock ------------------------------------------------------------------------


def test_a_session_touched_in_time_stays() -> None:
    clock = ExpiryClock()
    live = {7: 1000}
    assert clock.expired(live, 0) == []
    for now in range(500, 20_000, 500):
        clock.touch({7}, now - 10)
        assert clock.expired(live, now) == []


def test_silent_for_exactly_the_timeout_stays_one_ms_more_expires() -> None:
    clock = ExpiryClock()
    live = {7: 1000}
    clock.touch([7], 100)
    assert clock.expired(live, 1100) == []
    assert clock.expired(live, 1101) == [7]


def test_a_silent_session_is_named_once_until_the_retry_time() -> None:
    clock = ExpiryClock()
    live = {7: 1000}
    assert clock.expired(live, 0) == []
    assert clock.expired(live, 1001) == [7]
    for now in range(1002, 1001 + RETRY, 250):
        assert clock.expired(live, now) == []
    assert clock.expired(live, 1000 + RETRY) == []
    assert clock.expired(live, 1001 + RETRY) == [7]  # the CloseSession got lost: again
    assert clock.expired(live, 1002 + RETRY) == []


def test_a_new_session_gets_a_full_timeout_from_first_sight() -> None:
    clock = ExpiryClock()
    assert clock.expired({1: 1000}, 50_000) == []
    assert clock.expired({1: 1000, 2: 1000}, 50_900) == []  # 2 is first seen now
    assert clock.expired({1: 1000, 2: 1000}, 51_001) == [1]
    assert clock.expired({1: 1000, 2: 1000}, 51_901) == [2]


def test_a_touch_before_the_first_check_counts() -> None:
    clock = ExpiryClock()
    clock.touch({1}, 0)
    assert clock.expired({1: 1000}, 1001) == [1]


def test_sessions_expire_by_their_own_timeouts_sorted() -> None:
    clock = ExpiryClock()
    live = {30: 3000, 10: 1000, 20: 2000, 40: 60_000}
    assert clock.expired(live, 0) == []
    assert clock.expired(live, 3001) == [10, 20, 30]


def test_only_the_silent_one_expires() -> None:
    clock = ExpiryClock()
    live = {1: 1000, 2: 1000}
    assert clock.expired(live, 0) == []
    clock.touch({2}, 900)
    assert clock.expired(live, 1500) == [1]


def test_reset_starts_every_clock_afresh() -> None:
    clock = ExpiryClock()
    live = {1: 1000, 2: 1000}
    assert clock.expired(live, 0) == []
    assert clock.expired(live, 1001) == [1, 2]
    clock.reset()
    assert clock.expired(live, 1002) == []  # a new term: both are first seen now
    assert clock.expired(live, 2002) == []
    assert clock.expired(live, 2003) == [1, 2]  # and nothing blocks a retry from before


def test_a_session_gone_from_live_is_forgotten() -> None:
    clock = ExpiryClock()
    assert clock.expired({1: 1000}, 0) == []
    assert clock.expired({1: 1000}, 1001) == [1]
    assert clock.expired({}, 1002) == []  # closed: forgotten, with its pending close
    assert clock.expired({1: 1000}, 10_000) == []  # back (same id): seen anew
    assert clock.expired({1: 1000}, 11_000) == []
    assert clock.expired({1: 1000}, 11_001) == [1]


def test_a_touch_of_a_session_not_live_does_not_last() -> None:
    clock = ExpiryClock()
    clock.touch({9}, 0)
    assert clock.expired({}, 10) == []
    assert clock.expired({9: 1000}, 5000) == []  # first seen at 5000, not at 0
    assert clock.expired({9: 1000}, 6001) == [9]


@given(
    st.integers(1, 10_000),
    st.lists(st.tuples(st.booleans(), st.integers(0, 3000)), min_size=1, max_size=40),
)
def test_the_clock_behaves_like_the_model(timeout: int, steps: list[tuple[bool, int]]) -> None:
    """One live session; each step, after a gap, either touches it or asks what expired.
    Model: it is named when silent longer than its timeout (counting from its first touch or
    check) and not named within the last RETRY_MS since it was last heard from."""
    clock = ExpiryClock()
    now = 0
    seen: int | None = None
    named: int | None = None
    for touch, gap in steps:
        now += gap
        if touch:
            clock.touch({1}, now)
            seen, named = now, None  # heard from again: a pending close no longer holds it
            continue
        if seen is None:
            seen = now
        due = now - seen > timeout and (named is None or now - named >= RETRY)
        if due:
            named = now
        assert clock.expired({1: timeout}, now) == ([1] if due else [])


# --- latency counters ------------------------------------------------------------------------


def test_counters_start_empty() -> None:
    c = Counters()
    assert (c.received, c.sent, c.count) == (0, 0, 0)
    assert (c.min_ms, c.avg_ms, c.max_ms) == (0.0, 0.0, 0.0)


def test_the_first_latency_is_the_minimum_even_above_zero() -> None:
    c = Counters()
    c.latency(5.0)
    assert (c.min_ms, c.avg_ms, c.max_ms, c.count) == (5.0, 5.0, 5.0, 1)


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=50))
def test_min_avg_max_of_the_latencies(samples: list[float]) -> None:
    c = Counters()
    for ms in samples:
        c.latency(ms)
    assert c.count == len(samples)
    assert c.min_ms == min(samples) and c.max_ms == max(samples)
    assert c.avg_ms == pytest.approx(sum(samples) / len(samples))
    assert c.min_ms <= c.avg_ms * (1 + 1e-12) and c.avg_ms <= c.max_ms * (1 + 1e-12)
