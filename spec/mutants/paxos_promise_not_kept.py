"""An acceptor answers phase 1 but does not record its promise.

Phase1b must raise maxBal[a] to the ballot it answers; that stored promise is what later stops
the acceptor from voting in lower ballots. This acceptor replies with a 1b message but leaves
maxBal unchanged (as an implementation does when it forgets to persist the promise before
replying and then restarts), so it can still vote in a lower ballot after the higher ballot's
leader has counted it as having promised not to.
"""

from __future__ import annotations

from checker import Param, action, require
from spec.paxos import Paxos


class PaxosPromiseNotKept(Paxos):
    """Paxos whose acceptors send 1b messages without raising maxBal."""

    max_ballot = Param(1, doc="ballots are 0..max_ballot")

    @action
    def phase1b(self, a: Paxos.acceptor, b: Paxos.ballot) -> None:
        require(self.msg_1a(b) & (b > self.max_bal(a)))
        # BUG: missing self.max_bal[a] = b
        self.msg_1b.insert(a, b, self.max_vbal(a), self.max_val(a))
