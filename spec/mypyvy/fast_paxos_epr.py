"""Fast Paxos, ported from mypyvy's `examples/fast_paxos_epr.pyv` (after the Ivy model of Padon,
Losa, Sagiv and Shoham, "Paxos Made EPR", OOPSLA 2017) without changes of substance:

- rounds are an uninterpreted sort with a rigid relation `le` that the axioms make a total
  order, a rigid round `none` that no action uses as a round, and a rigid relation `fast`: the
  fast rounds (any subset);
- classic quorums (`quorum_c`) and fast quorums (`quorum_f`) are uninterpreted sorts with
  rigid membership relations; the axioms: two classic quorums meet, and a classic quorum meets
  every two fast quorums in one node;
- every relation starts empty; `join_round` adds `n` to round `r` and makes it leave every
  round below `r` (an `update`, as mypyvy's formula);
- the four ways to propose are mypyvy's four transitions: `propose_1` and `propose_2` when the
  quorum's highest vote below `r` is in round `maxr` (some fast quorum may have voted `v2` in
  it: propose `v2`; none may have voted any one value: propose `v`, one of `maxr`'s votes),
  `propose_3` and `propose_4` when the quorum has no vote below `r` (a fast round: the "any"
  message; a classic one: propose `v`). `propose_3` keeps mypyvy's parameter `v`, which it
  does not use.

The safety property: every decision is of one value.
"""

from checker import (
    Individual,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    axiom,
    exists,
    forall,
    implies,
    invariant,
    require,
)


class FastPaxosEpr(Spec):
    nodes = Param(1)
    rounds = Param(3)
    values = Param(2)
    classic_quorums = Param(1)
    fast_quorums = Param(1)
    node = Sort(nodes, labels="n")
    round = Sort(rounds, labels="r")
    value = Sort(values, labels="v")
    quorum_c = Sort(classic_quorums, labels="c")
    quorum_f = Sort(fast_quorums, labels="f")

    none = Individual(round, rigid=True)
    le = Relation(round, round, rigid=True)
    fast = Relation(round, rigid=True)
    member_c = Relation(node, quorum_c, rigid=True)
    member_f = Relation(node, quorum_f, rigid=True)

    one_a = Relation(round)
    one_b = Relation(node, round)
    left_round = Relation(node, round)
    proposal = Relation(round, value)
    vote = Relation(node, round, value)
    decision = Relation(round, value)
    any_msg = Relation(round)

    @axiom
    def le_is_a_total_order(self):
        r = self.round
        return (
            forall(r, lambda x: self.le(x, x))
            & forall(r, r, r, lambda x, y, z: implies(self.le(x, y) & self.le(y, z), self.le(x, z)))
            & forall(r, r, lambda x, y: implies(self.le(x, y) & self.le(y, x), x == y))
            & forall(r, r, lambda x, y: self.le(x, y) | self.le(y, x))
        )

    @axiom
    def classic_quorums_intersect(self):
        return forall(
            self.quorum_c,
            self.quorum_c,
            lambda q1, q2: exists(self.node, lambda n: self.member_c(n, q1) & self.member_c(n, q2)),
        )

    @axiom
    def a_classic_and_two_fast_quorums_intersect(self):
        return forall(
            self.quorum_c,
            self.quorum_f,
            self.quorum_f,
            lambda q, f1, f2: exists(
                self.node,
                lambda n: self.member_c(n, q) & self.member_f(n, f1) & self.member_f(n, f2),
            ),
        )

    # -- the guards the four ways to propose share ---------------------------------------------

    def voted_below(self, q, r, n, r1, v1):
        """`n`, a member of the classic quorum `q`, voted for `v1` in round `r1` below `r`."""
        return self.member_c(n, q) & ~self.le(r, r1) & self.vote(n, r1, v1)

    def may_propose(self, r, q):
        """`r` is a round with no proposal and no "any" message yet, that `q` has joined."""
        return (
            (r != self.none)
            & forall(self.value, lambda v1: ~self.proposal(r, v1))
            & ~self.any_msg(r)
            & forall(self.node, lambda n: implies(self.member_c(n, q), self.one_b(n, r)))
        )

    def highest_vote_below(self, r, q, maxr, v):
        """`maxr` is the highest round below `r` in which a member of `q` voted, for `v`."""
        return (
            (maxr != self.none)
            & exists(self.node, lambda n: self.voted_below(q, r, n, maxr, v))
            & forall(
                self.node,
                self.round,
                self.value,
                lambda n, r1, v1: implies(self.voted_below(q, r, n, r1, v1), self.le(r1, maxr)),
            )
        )

    def no_vote_below(self, r, q):
        return forall(
            self.node, self.round, self.value, lambda n, r1, v1: ~self.voted_below(q, r, n, r1, v1)
        )

    # -- the transitions -----------------------------------------------------------------------

    @action
    def send_1a(self, r: round) -> None:
        require(r != self.none)
        self.one_a.insert(r)

    @action
    def join_round(self, n: node, r: round) -> None:
        require((r != self.none) & self.one_a(r) & ~self.left_round(n, r))
        self.one_b.insert(n, r)
        self.left_round.update(lambda n1, r1: self.left_round(n1, r1) | (n1 == n) & ~self.le(r, r1))

    @action
    def propose_1(self, r: round, q: quorum_c, maxr: round, v: value, v2: value) -> None:
        require(self.may_propose(r, q) & self.highest_vote_below(r, q, maxr, v))
        require(
            exists(
                self.quorum_f,
                lambda f: forall(
                    self.node,
                    lambda n: (
                        ~(self.member_f(n, f) & self.member_c(n, q) & ~self.vote(n, maxr, v2))
                    ),
                ),
            )
        )
        self.proposal.insert(r, v2)

    @action
    def propose_2(self, r: round, q: quorum_c, maxr: round, v: value) -> None:
        require(self.may_propose(r, q) & self.highest_vote_below(r, q, maxr, v))
        require(
            forall(
                self.value,
                self.quorum_f,
                lambda v2, f: exists(
                    self.node,
                    lambda n: self.member_f(n, f) & self.member_c(n, q) & ~self.vote(n, maxr, v2),
                ),
            )
        )
        self.proposal.insert(r, v)

    @action
    def propose_3(self, r: round, q: quorum_c, v: value) -> None:
        require(self.may_propose(r, q) & self.no_vote_below(r, q) & self.fast(r))
        self.any_msg.insert(r)

    @action
    def propose_4(self, r: round, q: quorum_c, v: value) -> None:
        require(self.may_propose(r, q) & self.no_vote_below(r, q) & ~self.fast(r))
        self.proposal.insert(r, v)

    @action
    def cast_vote(self, n: node, v: value, r: round) -> None:
        require((r != self.none) & ~self.left_round(n, r))
        require(forall(self.value, lambda v1: ~self.vote(n, r, v1)))
        require(self.proposal(r, v) | self.any_msg(r))
        self.vote.insert(n, r, v)

    @action
    def decide_c(self, r: round, v: value, q: quorum_c) -> None:
        require((r != self.none) & ~self.fast(r))
        require(forall(self.node, lambda n: implies(self.member_c(n, q), self.vote(n, r, v))))
        self.decision.insert(r, v)

    @action
    def decide_f(self, r: round, v: value, q: quorum_f) -> None:
        require((r != self.none) & self.fast(r))
        require(forall(self.node, lambda n: implies(self.member_f(n, q), self.vote(n, r, v))))
        self.decision.insert(r, v)

    @invariant
    def agreement(self):
        return forall(
            self.round,
            self.value,
            self.round,
            self.value,
            lambda r1, v1, r2, v2: implies(self.decision(r1, v1) & self.decision(r2, v2), v1 == v2),
        )
