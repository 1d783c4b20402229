"""Voting: Lamport's high-level abstraction of Paxos ("How to win a Turing award"), from
tlaplus/Examples.

TLA+ module: specifications/PaxosHowToWinATuringAward/Voting.tla, model MCVoting.tla.
TLC model:   specifications/PaxosHowToWinATuringAward/MCVoting.cfg (Acceptor = {a1, a2, a3},
             Value = {v1, v2}, Quorum = {{a1, a2}, {a1, a3}, {a2, a3}}, Ballot <- 0..2,
             INVARIANT Inv, PROPERTY C!Spec, CHECK_DEADLOCK FALSE).
TLC's counts: 6,752 distinct states, depth 16.

Encoding:
- Acceptor and Value are plain sorts, Quorum the majorities of the acceptors (the three pairs).
- Ballot (0..2) is an integer sort; maxBal[a] \\in Ballot \\cup {-1} an integer -1..2.
- votes[a] (a set of <<b, v>>) is a relation votes(a, b, v).
- ShowsSafeAt's `\\E c \\in -1..(b-1)` ranges over the maxBal sort below b; `0..(b-1)` and
  `(c+1)..(b-1)` over ballots between the bounds.
- Inv == TypeOK /\\ VotesSafe /\\ OneValuePerBallot: TypeOK holds by construction; the other two
  are invariants.
- PROPERTY C!Spec (Consensus with chosen <- the set of values chosen at some ballot): chosen is
  initially empty (no vote is cast initially) and every step leaves it unchanged or takes it from
  {} to a singleton: the action property `refines_consensus`.
"""

from checker import (
    Function,
    IntSort,
    MajorityQuorums,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    action_property,
    exists,
    forall,
    iff,
    implies,
    invariant,
    require,
)


class TuringVoting(Spec):
    expected_states = {"": 6752}  # TLC
    expected_depth = 16

    acceptors = Param(3, doc="|Acceptor|")
    values = Param(2, doc="|Value|")
    max_ballot = Param(2, doc="Ballot <- 0..max_ballot")

    acceptor = Sort(acceptors, labels="a")
    value = Sort(values, labels="v")
    quorum = MajorityQuorums(acceptor)
    ballot = IntSort(0, max_ballot)
    maxbal = IntSort(-1, max_ballot)

    votes = Relation(acceptor, ballot, value)  # <<b, v>> \in votes[a]
    max_bal = Function(acceptor, maxbal, init=-1)

    # -- definitions -------------------------------------------------------------------------
    def did_not_vote_at(self, a, b):
        return forall(self.value, lambda v: ~self.votes(a, b, v))

    def cannot_vote_at(self, a, b):
        return (self.max_bal(a) > b) & self.did_not_vote_at(a, b)

    def none_other_choosable_at(self, b, v):
        return exists(
            self.quorum,
            lambda q: forall(
                self.acceptor,
                lambda a: implies(
                    self.quorum.member(a, q), self.votes(a, b, v) | self.cannot_vote_at(a, b)
                ),
            ),
        )

    def safe_at(self, b, v):
        return forall(self.ballot, lambda c: implies(c < b, self.none_other_choosable_at(c, v)))

    def shows_safe_at(self, q, b, v):
        member = self.quorum.member
        return forall(
            self.acceptor, lambda a: implies(member(a, q), self.max_bal(a) >= b)
        ) & exists(
            self.maxbal,
            lambda c: (
                (c < b)
                & implies(
                    c != -1, exists(self.acceptor, lambda a: member(a, q) & self.votes(a, c, v))
                )
                & forall(
                    self.ballot,
                    self.acceptor,
                    lambda d, a: implies(
                        (c < d) & (d < b) & member(a, q), self.did_not_vote_at(a, d)
                    ),
                )
            ),
        )

    def chosen(self, v):
        return exists(
            self.ballot,
            self.quorum,
            lambda b, q: forall(
                self.acceptor, lambda a: implies(self.quorum.member(a, q), self.votes(a, b, v))
            ),
        )

    # -- actions -----------------------------------------------------------------------------
    @action
    def increase_max_bal(self, a: acceptor, b: ballot) -> None:
        require(b > self.max_bal(a))
        self.max_bal[a] = b

    @action
    def vote_for(self, a: acceptor, b: ballot, v: value) -> None:
        require(self.max_bal(a) <= b)
        require(self.did_not_vote_at(a, b))
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

    # -- properties --------------------------------------------------------------------------
    @invariant
    def votes_safe(self):
        return forall(
            self.acceptor,
            self.ballot,
            self.value,
            lambda a, b, v: implies(self.votes(a, b, v), self.safe_at(b, v)),
        )

    @invariant
    def one_value_per_ballot(self):
        return forall(
            self.acceptor,
            self.acceptor,
            self.ballot,
            self.value,
            self.value,
            lambda a1, a2, b, v1, v2: implies(
                self.votes(a1, b, v1) & self.votes(a2, b, v2), v1 == v2
            ),
        )

    @action_property
    def refines_consensus(self, post):
        unchanged = forall(self.value, lambda v: iff(post.chosen(v), self.chosen(v)))
        nothing_chosen = forall(self.value, lambda v: ~self.chosen(v))
        one = exists(
            self.value, lambda v: forall(self.value, lambda w: iff(post.chosen(w), w == v))
        )
        return unchanged | (nothing_chosen & one)
