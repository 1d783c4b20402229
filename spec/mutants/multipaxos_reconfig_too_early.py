"""A configuration applied too early: slot s's configuration is taken from a command merely
*proposed* in slot s - 1, not from the one chosen there.

Two leaders may propose different commands in slot s - 1 (a ballot's proposal that a later
ballot overrides). Under this bug each takes its own as the next configuration: one commits in
slot s with a majority of the old configuration ({a2, a3} of all three acceptors), the other
with a majority of the new one ({a1} alone), and the two quorums share no acceptor. Two
replicas commit different commands in slot s. The correct spec waits for slot s - 1 to be
committed, so every replica uses the one configuration that was chosen.
"""

from __future__ import annotations

from checker import exists
from checker.lang import SymFormula, SymTerm
from spec.multipaxos_reconfig import MultiPaxosReconfig


class ReconfigTooEarly(MultiPaxosReconfig):
    """Reconfiguration that takes effect as soon as it is proposed."""

    expected_states = {}

    def governs(self, c: SymTerm, s: SymTerm) -> SymFormula:
        first = (s == self.slot.first) & self.quorum.equal(c, self.quorum.full())
        proposed = exists(
            self.slot,
            self.ballot,
            self.value,
            lambda p, b, v: (
                self.before(p, s)
                & self.msg_2a(b, p, v)  # BUG: proposed, maybe never chosen
                & self.quorum.equal(self.installs(v), c)
            ),
        )
        return first | proposed
