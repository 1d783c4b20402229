"""A 1b message that reports the acceptor's vote in the first slot only.

Multi-Paxos runs phase 1 once for every slot, so a promise must carry the acceptor's highest vote
in each of them. This acceptor reports "no vote" for every later slot, so a new leader believes
those slots are free and proposes its own command where another one may already be chosen.
"""

from __future__ import annotations

from checker import action, ite, require
from spec.multipaxos import MultiPaxos


class MultiPaxosForgetsOtherSlots(MultiPaxos):
    """Multi-Paxos whose 1b messages report votes for the first slot only."""

    @action
    def phase1b(self, a: MultiPaxos.acceptor, b: MultiPaxos.ballot) -> None:
        require(self.msg_1a(b) & (b > self.max_bal(a)))
        self.max_bal[a] = b
        first = self.slot[0]
        self.msg_1b.update(
            lambda n, c, s, mb, mv: (
                self.msg_1b(n, c, s, mb, mv)
                | (
                    (n == a)
                    & (c == b)
                    # BUG: every slot but the first reports "no vote"
                    & (mb == ite(s == first, self.max_vbal(a, s), self.ballot.bottom))
                    & (mv == ite(s == first, self.max_val(a, s), self.value.bottom))
                )
            )
        )
