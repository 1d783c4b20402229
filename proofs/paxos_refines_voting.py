"""The refinement mapping of Paxos.tla's `V == INSTANCE Voting`: `spec/paxos.py` implements
`spec/lamport_voting.py` when an acceptor's votes are its 2b messages and `max_bal` is `max_bal`.

Phase1b raises `max_bal` (Voting's IncreaseMaxBal), Phase2b casts a vote (VoteFor); Phase1a and
Phase2a only send messages, which Voting does not see, so they stutter.

    paxoscope refine spec/paxos.py spec/lamport_voting.py \\
        --mapping proofs/paxos_refines_voting.py:paxos_to_voting
"""

from __future__ import annotations

from typing import ClassVar

from checker import conjunct, exists, forall, implies
from checker.lang import SymFormula
from checker.lang.mapping import Mapping
from proofs.paxos import PaxosProof
from spec.paxos import Paxos


def paxos_to_voting(p: Paxos) -> Mapping:
    return Mapping(
        sorts={"acceptor": p.acceptor, "value": p.value, "ballot": p.ballot, "quorum": p.quorum},
        state={
            "votes": lambda a, b, v: p.voted_for(a, b, v),
            "max_bal": lambda a: p.max_bal(a),
        },
        steps={
            "phase1a": None,
            "phase1b": "increase_max_bal",
            "phase2a": None,
            "phase2b": "vote_for",
        },
    )


class PaxosRefinementInvariant(PaxosProof):
    """PaxosProof plus what VoteFor's `ShowsSafeAt` needs: every 2a message is still shown safe
    by the 1b messages of some quorum (they never change once the quorum has answered)."""

    # The new conjunct nests quantifiers deeply; the obligations that do not need it are
    # proved without it (assuming fewer conjuncts is sound).
    hints: ClassVar[dict[str, tuple[str, ...]]] = {
        **PaxosProof.hints,
        "choosable": (
            "choosable",
            "votes_are_proposed",
            "one_value_per_ballot",
            "promises_cover_1bs",
            "one_b_reports_a_vote",
            "one_b_reports_the_highest_vote",
        ),
        "phase2b maps to vote_for": (
            "proposals_are_shown_safe",
            "votes_are_proposed",
            "one_value_per_ballot",
            "promises_cover_1bs",
            "one_b_reports_a_vote",
            "one_b_reports_the_highest_vote",
        ),
    }

    @conjunct
    def proposals_are_shown_safe(self) -> SymFormula:
        """Every 2a message is shown safe, in Voting's terms (`ShowsSafeAt` under the mapping),
        by some quorum; it stays so, since the quorum's members promised its ballot."""
        return forall(
            self.ballot,
            self.value,
            lambda b, v: implies(
                self.msg_2a(b, v), exists(self.quorum, lambda q: self.shows_safe_at(q, b, v))
            ),
        )
