"""The inductive invariant of "Paxos Made EPR" (Padon et al., OOPSLA 2017) for `spec/voting.py`.

The conjuncts are those of mypyvy's `examples/fol/paxos_epr.pyv`. Together they are inductive
and imply agreement for every number of nodes, values and rounds; all of it lies in EPR (the
only quantifier alternations go from rounds, values and quorums to nodes, and from quorums to
nodes in the intersection axiom), so z3 decides every obligation.
"""

from __future__ import annotations

from checker import conjunct, exists, forall, implies
from checker.lang import SymFormula
from spec.voting import Voting


class VotingProof(Voting):
    """Agreement of Voting, for all sizes."""

    safety = ("agreement",)

    @conjunct
    def one_proposal_per_round(self) -> SymFormula:
        """Proposals are unique per round."""
        return forall(
            self.round,
            self.value,
            self.value,
            lambda r, v1, v2: implies(self.proposal(r, v1) & self.proposal(r, v2), v1 == v2),
        )

    @conjunct
    def votes_are_proposed(self) -> SymFormula:
        """Nodes only vote for proposed values."""
        return forall(
            self.node,
            self.round,
            self.value,
            lambda n, r, v: implies(self.vote(n, r, v), self.proposal(r, v)),
        )

    @conjunct
    def decisions_have_quorums(self) -> SymFormula:
        """A decision is backed by a quorum of votes."""
        return forall(
            self.round,
            self.value,
            lambda r, v: implies(
                self.decision(r, v),
                exists(
                    self.quorum,
                    lambda q: forall(
                        self.node, lambda n: implies(self.quorum.member(n, q), self.vote(n, r, v))
                    ),
                ),
            ),
        )

    @conjunct
    def joining_leaves_lower_rounds(self) -> SymFormula:
        """A node that joined round r2 has left every round below it."""
        return forall(
            self.node,
            self.round,
            self.round,
            lambda n, r1, r2: implies(self.one_b(n, r2) & (r1 < r2), self.left_round(n, r1)),
        )

    @conjunct
    def choosable(self) -> SymFormula:
        """If round r2 proposes v2, no other value v1 can still be chosen in a lower round r1:
        every quorum has a member that left r1 without voting for v1."""
        return forall(
            self.round,
            self.round,
            self.value,
            self.value,
            self.quorum,
            lambda r1, r2, v1, v2, q: implies(
                (r1 < r2) & self.proposal(r2, v2) & (v1 != v2),
                exists(
                    self.node,
                    lambda n: (
                        self.quorum.member(n, q) & self.left_round(n, r1) & ~self.vote(n, r1, v1)
                    ),
                ),
            ),
        )
