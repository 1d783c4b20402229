"""A decision without a full quorum of votes.

A value may be decided in round r only when every member of some quorum voted for it in r; then
any later proposal hears about it from the member that quorum shares with the later one. This
learner decides as soon as one node voted, so a value that one node voted for in round 0 can be
decided while round 1, never having seen a quorum's votes, proposes and decides another value.
"""

from __future__ import annotations

from checker import Param, action, exists, require
from spec.voting import Voting


class VotingDecideWithoutQuorum(Voting):
    """Voting whose learners decide on a single vote."""

    rounds = Param(2, doc="number of rounds")

    @action
    def decide(self, r: Voting.round, v: Voting.value, q: Voting.quorum) -> None:
        require(exists(self.node, lambda n: self.vote(n, r, v)))  # BUG: one vote, not a quorum
        self.decision.insert(r, v)
