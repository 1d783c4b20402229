"""An acceptor answers phase 1 without reporting its last vote.

The 1b message carries the acceptor's highest vote <<maxVBal, maxVal>> so that the new leader can
re-propose any value that might have been chosen. This acceptor always reports <<-1, None>>, as
if it had never voted (a common bug when the vote is kept in memory but not sent, or not
reloaded after a restart): a leader then believes no value can have been chosen and proposes a
different one.
"""

from __future__ import annotations

from checker import Param, action, require
from spec.paxos import Paxos


class PaxosForgetful1b(Paxos):
    """Paxos whose 1b messages never report the acceptor's last vote."""

    max_ballot = Param(1, doc="ballots are 0..max_ballot")

    @action
    def phase1b(self, a: Paxos.acceptor, b: Paxos.ballot) -> None:
        require(self.msg_1a(b) & (b > self.max_bal(a)))
        self.max_bal[a] = b
        self.msg_1b.insert(a, b, self.ballot.bottom, self.value.bottom)  # BUG: vote not reported
