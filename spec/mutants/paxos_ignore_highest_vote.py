"""A proposer ignores the votes reported in its quorum's 1b messages.

Phase2a may propose a value v for ballot b only if v is the value of the highest-ballot vote
reported by a quorum's 1b messages (or any value if none reports a vote): that is what makes v
safe, since any value chosen at a lower ballot is visible to every quorum. This proposer checks
only that a quorum answered and then proposes whatever it likes, so ballot 1 can overwrite a
value already chosen at ballot 0.
"""

from __future__ import annotations

from checker import Param, action, exists, forall, implies, require
from spec.paxos import Paxos


class PaxosIgnoreHighestVote(Paxos):
    """Paxos whose leaders propose any value once a quorum has answered phase 1."""

    max_ballot = Param(1, doc="ballots are 0..max_ballot")

    @action
    def phase2a(self, b: Paxos.ballot, v: Paxos.value) -> None:
        require(~exists(self.value, lambda w: self.msg_2a(b, w)))
        require(
            exists(
                self.quorum,
                lambda q: forall(
                    self.acceptor,
                    lambda a: implies(
                        self.quorum.member(a, q),
                        exists(
                            self.ballot.or_bottom,
                            self.value.or_bottom,
                            lambda mb, mv: self.msg_1b(a, b, mb, mv),
                        ),
                    ),
                ),
            )
        )  # BUG: the value reported by the highest vote is not consulted
        self.msg_2a.insert(b, v)
