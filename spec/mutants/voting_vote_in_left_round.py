"""A node votes in a round it has already left.

Joining round r makes a node leave every lower round: its 1b answer told r's proposer that it had
not voted (and would not vote) below r. This node votes in any round with a proposal, even one it
has left, so a round-0 value can gain a quorum after round 1's proposer concluded that nothing
could have been chosen in round 0.
"""

from __future__ import annotations

from checker import Param, action, require
from spec.voting import Voting


class VotingVoteInLeftRound(Voting):
    """Voting whose nodes ignore left_round when they vote."""

    rounds = Param(2, doc="number of rounds")

    @action
    def cast_vote(self, n: Voting.node, v: Voting.value, r: Voting.round) -> None:
        require(self.proposal(r, v))  # BUG: missing ~left_round(n, r)
        self.vote.insert(n, r, v)
