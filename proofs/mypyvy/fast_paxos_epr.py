"""The inductive invariant of mypyvy's `examples/fast_paxos_epr.pyv`: proposals are unique per
round, "any" messages only in fast rounds and never beside a proposal, classic votes are for
proposals and fast ones for a proposal or after "any", one vote per node in a fast round,
decisions come from classic or fast quorums of votes, a node that joined a round left every
round below it, and the two "choosable" conjuncts: once a higher round `r2` proposes another
value or says "any", a value `v1` of a lower round `r1` is not choosable in it — every classic
(fast) quorum, as `r1` is classic (fast), has a member that left `r1` without voting `v1`.

    paxoscope prove proofs/mypyvy/fast_paxos_epr.py
"""

from __future__ import annotations

from checker import conjunct, exists, forall, implies
from checker.lang import SymFormula
from spec.mypyvy.fast_paxos_epr import FastPaxosEpr


class FastPaxosEprProof(FastPaxosEpr):
    safety = ("agreement",)

    @conjunct
    def decisions_agree(self) -> SymFormula:
        return forall(
            self.round,
            self.value,
            self.round,
            self.value,
            lambda r1, v1, r2, v2: implies(self.decision(r1, v1) & self.decision(r2, v2), v1 == v2),
        )

    @conjunct
    def one_proposal_per_round(self) -> SymFormula:
        return forall(
            self.round,
            self.value,
            self.value,
            lambda r, v1, v2: implies(self.proposal(r, v1) & self.proposal(r, v2), v1 == v2),
        )

    @conjunct
    def any_messages_only_in_fast_rounds(self) -> SymFormula:
        return forall(self.round, lambda r: implies(self.any_msg(r), self.fast(r)))

    @conjunct
    def classic_votes_are_for_proposals(self) -> SymFormula:
        return forall(
            self.node,
            self.round,
            self.value,
            lambda n, r, v: implies(~self.fast(r) & self.vote(n, r, v), self.proposal(r, v)),
        )

    @conjunct
    def fast_votes_are_for_proposals_or_any(self) -> SymFormula:
        return forall(
            self.node,
            self.round,
            self.value,
            lambda n, r, v: implies(
                self.fast(r) & self.vote(n, r, v), self.proposal(r, v) | self.any_msg(r)
            ),
        )

    @conjunct
    def no_proposal_beside_any(self) -> SymFormula:
        return forall(self.round, self.value, lambda r, v: ~(self.any_msg(r) & self.proposal(r, v)))

    @conjunct
    def one_fast_vote_per_node(self) -> SymFormula:
        return forall(
            self.node,
            self.round,
            self.value,
            self.value,
            lambda n, r, v1, v2: implies(
                self.fast(r) & self.vote(n, r, v1) & self.vote(n, r, v2), v1 == v2
            ),
        )

    @conjunct
    def classic_decisions_come_from_classic_quorums(self) -> SymFormula:
        return forall(
            self.round,
            self.value,
            lambda r, v: implies(
                ~self.fast(r) & self.decision(r, v),
                exists(
                    self.quorum_c,
                    lambda q: forall(
                        self.node, lambda n: implies(self.member_c(n, q), self.vote(n, r, v))
                    ),
                ),
            ),
        )

    @conjunct
    def fast_decisions_come_from_fast_quorums(self) -> SymFormula:
        return forall(
            self.round,
            self.value,
            lambda r, v: implies(
                self.fast(r) & self.decision(r, v),
                exists(
                    self.quorum_f,
                    lambda q: forall(
                        self.node, lambda n: implies(self.member_f(n, q), self.vote(n, r, v))
                    ),
                ),
            ),
        )

    @conjunct
    def joining_leaves_lower_rounds(self) -> SymFormula:
        return forall(
            self.node,
            self.round,
            self.round,
            lambda n, r2, r1: implies(self.one_b(n, r2) & ~self.le(r2, r1), self.left_round(n, r1)),
        )

    def overridden(self, r1: object, r2: object, v1: object, v2: object) -> SymFormula:
        """A round `r2` above `r1` proposes `v2`, not `v1`, or says "any"."""
        result: SymFormula = ~self.le(r2, r1) & (
            (self.proposal(r2, v2) & (v1 != v2)) | self.any_msg(r2)
        )
        return result

    @conjunct
    def classic_choosable(self) -> SymFormula:
        return forall(
            self.round,
            self.round,
            self.value,
            self.value,
            self.quorum_c,
            lambda r1, r2, v1, v2, q: implies(
                ~self.fast(r1) & self.overridden(r1, r2, v1, v2),
                exists(
                    self.node,
                    lambda n: self.member_c(n, q) & self.left_round(n, r1) & ~self.vote(n, r1, v1),
                ),
            ),
        )

    @conjunct
    def fast_choosable(self) -> SymFormula:
        return forall(
            self.round,
            self.round,
            self.value,
            self.value,
            self.quorum_f,
            lambda r1, r2, v1, v2, q: implies(
                self.fast(r1) & self.overridden(r1, r2, v1, v2),
                exists(
                    self.node,
                    lambda n: self.member_f(n, q) & self.left_round(n, r1) & ~self.vote(n, r1, v1),
                ),
            ),
        )
