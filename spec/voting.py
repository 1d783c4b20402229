"""Single-decree Paxos as a relational model, from Padon et al., "Paxos Made EPR" (OOPSLA 2017).

Transcribed from mypyvy's `examples/fol/paxos_epr.pyv` (the paper's `paxos_epr.ivy`): nodes join
rounds (promising to leave every lower round), a proposal in round r takes the value of the
highest vote any member of a quorum cast below r, nodes vote for proposals in rounds they have
not left, and a quorum of votes in one round decides. Rounds have a bottom element `none`, which
`propose` uses when the quorum reports no vote.

This is the abstract protocol that Lamport's message-level `spec/paxos.py` refines; the symbolic
engine proves it for all sizes with the inductive invariant of the paper.
"""

from __future__ import annotations

from checker import (
    MajorityQuorums,
    OrderedSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    forall,
    implies,
    invariant,
    require,
)
from checker.lang import SymFormula, SymTerm


class Voting(Spec):
    """Paxos Made EPR: one_a, one_b, left_round, proposal, vote, decision over rounds."""

    expected_states = {"": 457401}  # golden count: `check` fails when the spec drifts

    nodes = Param(3, doc="number of nodes (acceptors)")
    values = Param(2, doc="number of values")
    rounds = Param(3, doc="number of rounds")

    node = Sort(nodes, symmetric=True, labels="n")
    value = Sort(values, symmetric=True, labels="v")
    round = OrderedSort(rounds, bottom="none")
    quorum = MajorityQuorums(node)

    one_a = Relation(round)
    one_b = Relation(node, round)
    left_round = Relation(node, round)
    proposal = Relation(round, value)
    vote = Relation(node, round, value)
    decision = Relation(round, value)

    @action
    def send_1a(self, r: round) -> None:
        """A proposer starts round r."""
        self.one_a.insert(r)

    @action
    def join_round(self, n: node, r: round) -> None:
        """Node n joins round r, leaving every lower round."""
        require(self.one_a(r) & ~self.left_round(n, r))
        self.one_b.insert(n, r)
        self.left_round.update(lambda N, R: self.left_round(N, R) | ((N == n) & (R < r)))

    @action
    def propose(self, r: round, q: quorum, maxr: round.or_bottom, v: value) -> None:
        """Propose v in round r: q joined r, and v is the value of q's highest vote below r
        (maxr), or any value if none of q voted below r (maxr = none)."""
        require(forall(self.value, lambda V: ~self.proposal(r, V)))
        require(forall(self.node, lambda N: implies(self.quorum.member(N, q), self.one_b(N, r))))
        require(
            (
                (maxr == self.round.bottom)
                & forall(
                    self.node,
                    self.round,
                    self.value,
                    lambda N, MAXR, V: ~self.voted_below(q, r, N, MAXR, V),
                )
            )
            | (
                (maxr != self.round.bottom)
                & self.voted_below(q, r, None, maxr, v)
                & forall(
                    self.node,
                    self.round,
                    self.value,
                    lambda N, MAXR, V: implies(self.voted_below(q, r, N, MAXR, V), MAXR <= maxr),
                )
            )
        )
        self.proposal.insert(r, v)

    def voted_below(
        self, q: SymTerm, r: SymTerm, n: SymTerm | None, maxr: SymTerm, v: SymTerm
    ) -> SymFormula:
        """A member of q (n, or some member when n is None) voted for v in round maxr < r."""
        from checker import exists

        if n is None:
            return exists(
                self.node, lambda N: self.quorum.member(N, q) & (maxr < r) & self.vote(N, maxr, v)
            )
        return self.quorum.member(n, q) & (maxr < r) & self.vote(n, maxr, v)

    @action
    def cast_vote(self, n: node, v: value, r: round) -> None:
        """Node n votes for the proposal of round r unless it left r."""
        require(~self.left_round(n, r) & self.proposal(r, v))
        self.vote.insert(n, r, v)

    @action
    def decide(self, r: round, v: value, q: quorum) -> None:
        """Quorum q voted for v in round r: v is decided."""
        require(forall(self.node, lambda N: implies(self.quorum.member(N, q), self.vote(N, r, v))))
        self.decision.insert(r, v)

    @invariant
    def agreement(self) -> SymFormula:
        """All decisions are for one value."""
        return forall(
            self.round,
            self.value,
            self.round,
            self.value,
            lambda r1, v1, r2, v2: implies(self.decision(r1, v1) & self.decision(r2, v2), v1 == v2),
        )
