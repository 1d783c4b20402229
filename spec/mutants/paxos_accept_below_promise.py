"""An acceptor votes in a ballot below the one it promised.

Phase2b must only accept a 2a message whose ballot is at least `maxBal[a]`: by answering a 1b
for ballot b the acceptor promised never to vote below b, and the leader of b relied on that
promise when it concluded from the 1b messages that its value was safe. Here the check is gone.
An acceptor that reported "no vote" to ballot 1 can then vote for ballot 0's value, completing
a ballot-0 quorum for v1 while ballot 1, believing nothing was chosen, gets v2 chosen too.
"""

from __future__ import annotations

from checker import Param, action, require
from spec.paxos import Paxos


class PaxosAcceptBelowPromise(Paxos):
    """Paxos whose acceptors ignore their promise in phase 2b."""

    max_ballot = Param(1, doc="ballots are 0..max_ballot")

    @action
    def phase2b(self, a: Paxos.acceptor, b: Paxos.ballot, v: Paxos.value) -> None:
        require(self.msg_2a(b, v))  # BUG: missing b >= max_bal(a)
        self.max_bal[a] = b
        self.max_vbal[a] = b
        self.max_val[a] = v
        self.msg_2b.insert(a, b, v)
