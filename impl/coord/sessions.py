"""Client sessions, as the servers around the tree see them: ids, passwords, and the leader's
expiry clock.

A session is created, and ended, through the log (`CreateSession`, `CloseSession`), so every
replica agrees on which sessions exist and when a session's ephemeral nodes go. Only *when*
to end one is decided outside the log, by the leader: every server tells it which sessions sent
it anything lately (pings included), and a session silent for longer than its timeout is
closed by a `CloseSession` the leader proposes. A new leader gives every session a full
timeout from the moment it took over, as ZooKeeper's does.
"""

from __future__ import annotations

import hashlib

from impl.coord.records import CONTAINER_OWNER

# Session ids as ZooKeeper makes them (SessionTrackerImpl.initializeNextSessionId): the server
# id in the top byte, 40 bits of the start time in ms below it, then a counter, so ids from
# different servers, and from restarts of one, do not collide. Java longs: signed 64 bits.
_LONG = 1 << 64
_PASSWORD_KEY = b"paxoscope session password"


def java_long(value: int) -> int:
    value %= _LONG
    return value - _LONG if value >= _LONG // 2 else value


def first_session_id(server_id: int, now_ms: int) -> int:
    return next_session_id(java_long((((now_ms << 24) % _LONG) >> 8) | (server_id << 56)) - 1)


def next_session_id(session: int) -> int:
    """The id after `session`, skipping 0 and the container owner (they mean "persistent" and
    "container" in a node's ephemeralOwner)."""
    following = java_long(session + 1)
    while following in (0, CONTAINER_OWNER):
        following = java_long(following + 1)
    return following


def password(session_id: int) -> bytes:
    """The 16 bytes a client must present to resume `session_id` (on any server: all derive
    it the same way, as ZooKeeper's do from the id and a shared secret)."""
    raw = session_id.to_bytes(8, "big", signed=True)
    return hashlib.blake2b(raw, key=_PASSWORD_KEY, digest_size=16).digest()


class ExpiryClock:
    """The leader's view of which sessions are alive. Times are a monotonic clock in ms."""

    RETRY_MS = 5_000  # propose a CloseSession again if the first one got lost

    def __init__(self) -> None:
        self._seen: dict[int, float] = {}
        self._closing: dict[int, float] = {}  # session -> when its CloseSession was proposed

    def touch(self, sessions: set[int] | list[int], now: float) -> None:
        for session in sessions:
            self._seen[session] = now
            self._closing.pop(session, None)

    def expired(self, live: dict[int, int], now: float) -> list[int]:
        """The sessions in `live` (id -> timeout in ms) silent for longer than their timeout,
        to be closed now (each is named again after RETRY_MS if it is still live then). A
        session not seen before starts its clock now."""
        for gone in [s for s in self._seen if s not in live]:
            del self._seen[gone]
            self._closing.pop(gone, None)
        found = []
        for session, timeout in live.items():
            seen = self._seen.setdefault(session, now)
            if now - seen <= timeout or now - self._closing.get(session, -1e18) < self.RETRY_MS:
                continue
            self._closing[session] = now
            found.append(session)
        return sorted(found)

    def reset(self) -> None:
        """Leadership lost: a future term starts every clock afresh."""
        self._seen.clear()
        self._closing.clear()
