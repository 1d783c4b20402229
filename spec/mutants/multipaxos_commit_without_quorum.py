"""A replica that commits a command as soon as one acceptor voted for it.

One vote is not a decision. The leader of that ballot may never reach a quorum; a later leader
then reads a quorum that does not include the lone voter, finds the slot free, and gets another
command chosen there. Two replicas end up with different commands in the same slot of their
logs, which is exactly what the replicated log exists to prevent.
"""

from __future__ import annotations

from checker import action, require
from spec.multipaxos import MultiPaxos


class MultiPaxosCommitWithoutQuorum(MultiPaxos):
    """Multi-Paxos whose replicas commit on a single vote."""

    @action
    def commit(
        self, s: MultiPaxos.slot, b: MultiPaxos.ballot, v: MultiPaxos.value, a: MultiPaxos.acceptor
    ) -> None:
        require(self.msg_2b(a, b, s, v))  # BUG: one vote, not a quorum's
        self.committed.insert(s, v)
