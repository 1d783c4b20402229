"""Two proposals with different values in the same ballot.

A ballot's leader must send at most one 2a message: acceptors may vote in the ballot they
promised (b >= maxBal), so if ballot b carries two values, an acceptor can vote for both and two
different quorums of ballot b can choose two different values. Lamport's Phase2a guards against
this with `~ \\E m \\in msgs : m.type = "2a" /\\ m.bal = b`; this leader forgets the guard. A
single ballot suffices to break agreement.
"""

from __future__ import annotations

from checker import Param, action, exists, require
from spec.paxos import Paxos


class PaxosTwoProposalsPerBallot(Paxos):
    """Paxos whose leaders may send several 2a messages in one ballot."""

    max_ballot = Param(0, doc="ballots are 0..max_ballot")

    @action
    def phase2a(self, b: Paxos.ballot, v: Paxos.value) -> None:
        # BUG: missing require(~exists(value, lambda w: msg_2a(b, w)))
        require(exists(self.quorum, lambda q: self.shows_safe_1b(q, b, v)))
        self.msg_2a.insert(b, v)
