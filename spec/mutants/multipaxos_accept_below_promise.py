"""An acceptor that votes in a slot at a ballot below its promise.

The promise of phase 1 covers every slot. Voting below it lets an old leader's proposal be chosen
in a slot after a new leader has already read the quorum's votes for that slot and proposed
something else there.
"""

from __future__ import annotations

from checker import action, require
from spec.multipaxos import MultiPaxos


class MultiPaxosAcceptBelowPromise(MultiPaxos):
    """Multi-Paxos whose acceptors ignore their promise when voting."""

    @action
    def phase2b(
        self, a: MultiPaxos.acceptor, b: MultiPaxos.ballot, s: MultiPaxos.slot, v: MultiPaxos.value
    ) -> None:
        require(self.msg_2a(b, s, v))  # BUG: no `b >= max_bal(a)`
        self.max_vbal[a, s] = b
        self.max_val[a, s] = v
        self.msg_2b.insert(a, b, s, v)
