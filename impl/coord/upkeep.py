"""What the servers do for the tree on their own, on the clock: each reports to the leader the
sessions it heard from lately (every `REPORT_EVERY_S`); the leader closes the sessions silent
for longer than their timeout (`impl.coord.sessions.ExpiryClock`) and, every
`znode.container.checkIntervalMs`, deletes the empty containers and the expired TTL nodes
(ZooKeeper's ContainerManager), at most `znode.container.maxPerMinute` a minute. Each of those
is a command the leader proposes; the tree checks it again as it applies it."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import msgspec

from impl.coord.connection import now_ms
from impl.coord.messages import CloseSession, ContainerCandidates, DeleteContainer, PathsReply, txn
from impl.coord.sessions import ExpiryClock
from impl.coord.tree import DataTree
from impl.net.config import ServerConfig
from impl.paxos.types import Command

log = logging.getLogger("paxoscope.zookeeper")

REPORT_EVERY_S = 0.1  # how often servers tell the leader which sessions are alive
_session_list = msgspec.msgpack.Decoder(list[int])


class Upkeep:
    """One server's part. `submit`: hands a command of the servers' own to the replica."""

    def __init__(
        self, config: ServerConfig, tree: DataTree, submit: Callable[[Command], None]
    ) -> None:
        self._config = config
        self._tree = tree
        self._submit = submit
        self._own_id = secrets.randbits(62) | 1  # the client id of our own proposals
        self._own_seq = 0
        self._expiry = ExpiryClock()
        self._alive: set[int] = set()  # sessions heard from since the last report
        self._report_at = 0.0
        self._sweep_at = 0.0

    def heard(self, session: int) -> None:
        """A client of `session` sent this server something (a ping will do)."""
        self._alive.add(session)

    def reported(self, payload: bytes, now: float) -> None:
        """On the leader: another server's report of the sessions it heard from."""
        self._expiry.touch(_session_list.decode(payload), now * 1000)

    def tick(
        self, now: float, leading: bool, leader: int, report: Callable[[int, bytes], None]
    ) -> None:
        """At `now` (seconds of a monotonic clock). `leading`: this server leads; else
        `leader` is the one it follows (0: none), to which `report` sends the sessions heard
        from."""
        if now < self._report_at:
            return
        self._report_at = now + REPORT_EVERY_S
        alive, self._alive = self._alive, set()
        if leading:
            self._expiry.touch(alive, now * 1000)
            self._expire(now * 1000)
            if now >= self._sweep_at:
                self._sweep_at = now + self._config.container_check_ms / 1000
                self._sweep()
        else:
            self._sweep_at = 0.0
            self._expiry.reset()
            if alive and leader:
                report(leader, msgspec.msgpack.encode(sorted(alive)))

    def _expire(self, now: float) -> None:
        for session in self._expiry.expired(self._tree.session_timeouts(), now):
            log.info("n%d: session 0x%x expired", self._config.my_id, session)
            self._propose(txn(CloseSession(), session, now_ms()))

    def _sweep(self) -> None:
        """Propose deleting the empty containers and the expired TTL nodes, within the budget
        of one check."""
        config = self._config
        budget = max(1, config.container_max_per_minute * config.container_check_ms // 60_000)
        query = ContainerCandidates(now_ms(), config.container_max_never_used_ms)
        reply = self._tree.read(query)
        assert isinstance(reply, PathsReply), reply
        for path in reply.paths[:budget]:
            self._propose(txn(DeleteContainer(path), 0, now_ms()))

    def _propose(self, command: bytes) -> None:
        self._own_seq += 1
        self._submit(Command(self._own_id, self._own_seq, self._own_seq - 1, command))
