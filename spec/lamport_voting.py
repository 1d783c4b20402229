"""Lamport's `Voting.tla` (tlaplus/Examples, specifications/Paxos): the abstract algorithm that
`Paxos.tla` implements.

Acceptors vote for values in numbered ballots; `max_bal[a]` is the ballot below which a casts no
more votes. `VoteFor` keeps two invariants by construction: one value per ballot, and a vote is
cast only for a value that a quorum shows to be safe. Paxos refines it under the mapping of
`proofs/paxos_refines_voting.py` (votes are the 2b messages, `max_bal` is `max_bal`), which is
Paxos.tla's own `V == INSTANCE Voting`.
"""

from __future__ import annotations

from checker import (
    Function,
    MajorityQuorums,
    OrderedSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    exists,
    forall,
    implies,
    invariant,
    require,
)
from checker.lang import SymFormula, SymTerm


class LamportVoting(Spec):
    """Voting.tla: votes and max_bal per acceptor; IncreaseMaxBal and VoteFor."""

    expected_states = {"max_ballot=1": 599, "max_ballot=2": 6752}  # golden counts

    acceptors = Param(3, doc="number of acceptors")
    values = Param(2, doc="number of values")
    max_ballot = Param(2, doc="ballots are 0..max_ballot")

    acceptor = Sort(acceptors, symmetric=True, labels="a")
    value = Sort(values, symmetric=True, bottom="None", labels="v")
    ballot = OrderedSort(max_ballot + 1, bottom=-1)
    quorum = MajorityQuorums(acceptor)

    votes = Relation(acceptor, ballot, value)  # <<b, v>> \in votes[a]
    max_bal = Function(acceptor, ballot.or_bottom, init=ballot.bottom)

    @action
    def increase_max_bal(self, a: acceptor, b: ballot) -> None:
        """IncreaseMaxBal(a, b)."""
        require(b > self.max_bal(a))
        self.max_bal[a] = b

    @action
    def vote_for(self, a: acceptor, b: ballot, v: value) -> None:
        """VoteFor(a, b, v)."""
        require(self.max_bal(a) <= b)
        require(forall(self.value, lambda w: ~self.votes(a, b, w)))
        require(
            forall(
                self.acceptor,
                self.value,
                lambda c, w: implies((c != a) & self.votes(c, b, w), w == v),
            )
        )
        require(exists(self.quorum, lambda q: self.shows_safe_at(q, b, v)))
        self.votes.insert(a, b, v)
        self.max_bal[a] = b

    def did_not_vote_at(self, a: SymTerm, b: SymTerm) -> SymFormula:
        return forall(self.value, lambda v: ~self.votes(a, b, v))

    def shows_safe_at(self, q: SymTerm, b: SymTerm, v: SymTerm) -> SymFormula:
        """ShowsSafeAt(Q, b, v)."""

        def member(a: SymTerm) -> SymFormula:
            return self.quorum.member(a, q)

        return forall(self.acceptor, lambda a: implies(member(a), self.max_bal(a) >= b)) & exists(
            self.ballot.or_bottom,
            lambda c: (
                (c < b)
                & implies(
                    c != self.ballot.bottom,
                    exists(self.acceptor, lambda a: member(a) & self.votes(a, c, v)),
                )
                & forall(
                    self.ballot,
                    self.acceptor,
                    lambda d, a: implies((c < d) & (d < b) & member(a), self.did_not_vote_at(a, d)),
                )
            ),
        )

    def chosen_at(self, b: SymTerm, v: SymTerm) -> SymFormula:
        return exists(
            self.quorum,
            lambda q: forall(
                self.acceptor, lambda a: implies(self.quorum.member(a, q), self.votes(a, b, v))
            ),
        )

    @invariant
    def consistency(self) -> SymFormula:
        """At most one value is chosen (Voting's VotesSafeImpliesConsistency)."""
        return forall(
            self.ballot,
            self.ballot,
            self.value,
            self.value,
            lambda b1, b2, v1, v2: implies(
                self.chosen_at(b1, v1) & self.chosen_at(b2, v2), v1 == v2
            ),
        )
