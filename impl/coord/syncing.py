"""When a server serves: once it is in sync with a leader, as a ZooKeeper server serves (its
`isRunning`) once it has synced with its leader.

Here, in sync means that a read issued under the current leader (and ballot) has been
answered: a read is answered only once this replica has applied everything up to the leader's
read index, so the replica then holds every write the leader had acknowledged when the read
arrived. A server that has just started, knows no leader, is recovering its log, or has seen the
leader change is not in sync until such a read comes back. Until then the service closes new
connections and `srvr` says it is not serving (`impl.coord.fourletter`).
"""

from __future__ import annotations

import logging
import secrets

from impl.paxos.replica import Replica
from impl.paxos.types import Ballot, Read, Reply

log = logging.getLogger("paxoscope.zookeeper")

Leadership = tuple[int, Ballot]  # a leader and its ballot


class LeaderSync:
    def __init__(self, my_id: int, probe: bytes) -> None:
        """`probe`: the encoded query to read (any read will do)."""
        self.my_id = my_id
        self.client_id = secrets.randbits(62) | 1  # the client id of our reads
        self._query = probe
        self._seq = 0
        self._probing: tuple[int, Leadership] | None = None  # the read in flight, and under whom
        self._synced: Leadership | None = None

    @staticmethod
    def leadership(core: Replica) -> Leadership | None:
        if core.leader == 0 or core.recovering:
            return None
        return core.leader, core.leader_ballot

    def serving(self, core: Replica) -> bool:
        leadership = self.leadership(core)
        return leadership is not None and leadership == self._synced

    def probe(self, core: Replica) -> Read | None:
        """The read to issue now, if not in sync and none is on its way under this leader."""
        leadership = self.leadership(core)
        if leadership is None or leadership == self._synced:
            return None
        if self._probing is not None and self._probing[1] == leadership:
            return None
        self._seq += 1
        self._probing = (self._seq, leadership)
        return Read(self.client_id, self._seq, self._query)

    def answered(self, reply: Reply, core: Replica) -> None:
        """The replica answered one of our reads (`reply.client_id == self.client_id`)."""
        if self._probing is None or reply.seq != self._probing[0]:
            return  # asked under an earlier leader
        _, leadership = self._probing
        self._probing = None
        if reply.ok and leadership == self.leadership(core):
            self._synced = leadership
            log.info("n%d: in sync with leader n%d; serving clients", self.my_id, leadership[0])
