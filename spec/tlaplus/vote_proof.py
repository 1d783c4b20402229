"""VoteProof: the Voting algorithm under Byzantine Paxos (Lamport's byzpaxos), from
tlaplus/Examples.

TLA+ module: specifications/byzpaxos/VoteProof.tla (PlusCal translation)
TLC model:   specifications/byzpaxos/VoteProof.cfg (Value = {v1, v2}, Acceptor = {a1, a2, a3},
             Quorum = {{a1, a2}, {a1, a3}, {a2, a3}, {a1, a2, a3}}, Ballot = {0, 1, 2},
             INVARIANTS TypeOK VInv1 VInv2 VInv3 VInv4, PROPERTIES Refines, CHECK_DEADLOCK FALSE).
TLC's counts: 6,962 distinct states. Depth: the manifest says 15, but that is TLC run with
several workers, whose reported depth is not the BFS depth: TLC 2.19 here, with the TLAPS
library modules VoteProof EXTENDS on its path, reports "depth of the complete state graph search
is 14" with -workers 1 and 15 with -workers 2 (318,877 states generated, 6,962 distinct, both
times). 14 is the length of the longest shortest path, which both engines here report.

Encoding:
- Acceptor and Value are plain sorts. Quorum is the majorities (a quorum sort) and the whole
  set of acceptors: `some_quorum(p)` is `\\E Q \\in Quorum : \\A a \\in Q : p(a)`, an
  existential over the quorum sort or'ed with `\\A a \\in Acceptor : p(a)`.
- Ballot (0..2) is an integer sort, maxBal[a] \\in Ballot \\cup {-1} an integer -1..2; votes[a]
  (a set of <<b, v>>) is a relation votes(a, b, v).
- SafeAt(b, v) is a recursive function SA[bb \\in Ballot] whose body reads SA[c] for c < bb. The
  language has no recursion over states, so `safe_at` unrolls it SAFE_AT_DEPTH = 3 times,
  ending in `bb = 0`: exact for ballots up to 3 (each level lowers the ballot by one at least).
- The acceptor process's one label `acc` is not a variable (a single-label PlusCal loop gets no
  pc), so the state is (votes, maxBal) as in TLA+. The process step is two actions,
  `increase_max_bal` and `vote_for`.
- TypeOK holds by construction; VInv1..VInv4 are invariants.
- PROPERTY Refines == C!Spec (Consensus with chosen <- {v : \\E b : ChosenIn(b, v)}): chosen is
  empty initially (nobody has voted) and every step leaves it unchanged or takes it from {} to
  a singleton: the action property `refines`.
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

SAFE_AT_DEPTH = 3


class VoteProof(Spec):
    expected_states = {"": 6962}  # TLC
    expected_depth = 14  # TLC -workers 1 (the manifest's 15 is a multi-worker TLC's)

    acceptors = Param(3, doc="|Acceptor|")
    values = Param(2, doc="|Value|")
    max_ballot = Param(2, doc="Ballot = 0..max_ballot (SafeAt is exact up to 3)")

    acceptor = Sort(acceptors, labels="a")
    value = Sort(values, labels="v")
    majority = MajorityQuorums(acceptor)
    ballot = IntSort(0, max_ballot)
    maxbal = IntSort(-1, max_ballot)

    votes = Relation(acceptor, ballot, value)  # <<b, v>> \in votes[a]
    max_bal = Function(acceptor, maxbal, init=-1)

    # -- definitions -------------------------------------------------------------------------
    def some_quorum(self, pred):
        member = self.majority.member
        return exists(
            self.majority, lambda q: forall(self.acceptor, lambda a: implies(member(a, q), pred(a)))
        ) | forall(self.acceptor, pred)

    def did_not_vote_in(self, a, b):
        return forall(self.value, lambda v: ~self.votes(a, b, v))

    def safe_at(self, bb, v, depth=SAFE_AT_DEPTH):
        if depth == 0:
            return bb == 0
        return (bb == 0) | exists(
            self.maxbal,
            lambda c: (
                (c < bb)
                & implies(c != -1, self.safe_at(c, v, depth - 1))
                & self.some_quorum(
                    lambda a: (
                        (self.max_bal(a) >= bb)
                        & implies(
                            c != -1,
                            forall(self.value, lambda w: implies(self.votes(a, c, w), w == v)),
                        )
                        & forall(
                            self.ballot,
                            lambda d: implies((c < d) & (d < bb), self.did_not_vote_in(a, d)),
                        )
                    )
                )
            ),
        )

    def chosen(self, v):
        return exists(self.ballot, lambda b: self.some_quorum(lambda a: self.votes(a, b, v)))

    # -- actions -----------------------------------------------------------------------------
    @action
    def increase_max_bal(self, a: acceptor, b: ballot) -> None:
        require(b > self.max_bal(a))
        self.max_bal[a] = b

    @action
    def vote_for(self, a: acceptor, b: ballot, v: value) -> None:
        require((self.max_bal(a) <= b) & self.did_not_vote_in(a, b))
        require(
            forall(
                self.acceptor,
                self.value,
                lambda p, w: implies((p != a) & self.votes(p, b, w), w == v),
            )
        )
        require(self.safe_at(b, v))
        self.votes.insert(a, b, v)
        self.max_bal[a] = b

    # -- properties --------------------------------------------------------------------------
    @invariant
    def vinv1(self):
        return forall(
            self.acceptor,
            self.ballot,
            self.value,
            self.value,
            lambda a, b, v, w: implies(self.votes(a, b, v) & self.votes(a, b, w), v == w),
        )

    @invariant
    def vinv2(self):
        return forall(
            self.acceptor,
            self.ballot,
            self.value,
            lambda a, b, v: implies(self.votes(a, b, v), self.safe_at(b, v)),
        )

    @invariant
    def vinv3(self):
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

    @invariant
    def vinv4(self):
        return forall(
            self.acceptor,
            self.ballot,
            lambda a, b: implies(self.max_bal(a) < b, self.did_not_vote_in(a, b)),
        )

    @action_property
    def refines(self, post):
        unchanged = forall(self.value, lambda v: iff(post.chosen(v), self.chosen(v)))
        nothing_chosen = forall(self.value, lambda v: ~self.chosen(v))
        one = exists(
            self.value, lambda v: forall(self.value, lambda w: iff(post.chosen(w), w == v))
        )
        return unchanged | (nothing_chosen & one)
