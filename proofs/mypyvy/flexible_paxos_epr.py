"""The inductive invariant of mypyvy's `examples/flexible_paxos_epr.pyv`: proposals are unique
per round, votes are for proposals, decisions come from phase-2 quorums of votes, a node that
joined a round left every round below it, and the "choosable" conjunct: once a round `r2`
proposes `v2`, every other value `v1` of any lower round `r1` is not choosable — every phase-2
quorum has a member that left `r1` without voting `v1` there.

    paxoscope prove proofs/mypyvy/flexible_paxos_epr.py
"""

from __future__ import annotations

from checker import conjunct, exists, forall, implies
from checker.lang import SymFormula
from spec.mypyvy.flexible_paxos_epr import FlexiblePaxosEpr


class FlexiblePaxosEprProof(FlexiblePaxosEpr):
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
    def votes_are_for_proposals(self) -> SymFormula:
        return forall(
            self.node,
            self.round,
            self.value,
            lambda n, r, v: implies(self.vote(n, r, v), self.proposal(r, v)),
        )

    @conjunct
    def decisions_come_from_quorums(self) -> SymFormula:
        return forall(
            self.round,
            self.value,
            lambda r, v: implies(
                self.decision(r, v),
                exists(
                    self.quorum_2,
                    lambda q: forall(
                        self.node, lambda n: implies(self.member_2(n, q), self.vote(n, r, v))
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

    @conjunct
    def other_values_of_lower_rounds_are_not_choosable(self) -> SymFormula:
        return forall(
            self.round,
            self.round,
            self.value,
            self.value,
            self.quorum_2,
            lambda r1, r2, v1, v2, q: implies(
                ~self.le(r2, r1) & self.proposal(r2, v2) & (v1 != v2),
                exists(
                    self.node,
                    lambda n: self.member_2(n, q) & self.left_round(n, r1) & ~self.vote(n, r1, v1),
                ),
            ),
        )
