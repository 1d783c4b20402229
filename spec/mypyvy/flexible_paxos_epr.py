"""Single-decree Flexible Paxos, ported from mypyvy's `examples/flexible_paxos_epr.pyv` (after
the Ivy model of Padon, Losa, Sagiv and Shoham, "Paxos Made EPR", OOPSLA 2017) without changes
of substance:

- rounds are an uninterpreted sort with a rigid relation `le` that the axioms make a total
  order, and a rigid round `none` (mypyvy's `immutable constant`) that no action uses as a
  round and `propose` uses as "no vote seen"; unlike ironfleet's `zero`, no axiom places it;
- the two kinds of quorums are uninterpreted sorts with rigid membership relations `member_1`
  (phase 1) and `member_2` (phase 2); the one axiom is Flexible Paxos's: every phase-1
  quorum meets every phase-2 quorum;
- every relation starts empty; `join_round` adds `n` to round `r` and makes it leave every
  round below `r` (mypyvy's `new(left_round(N, R)) <-> left_round(N, R) | N = n & !le(r, R)`,
  an `update`); `propose` takes `maxr`, `v` as parameters and its guard says they are the
  highest vote below `r` among the quorum's (or `none` when it has none), as mypyvy's does.

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


class FlexiblePaxosEpr(Spec):
    nodes = Param(2)
    rounds = Param(3)
    values = Param(2)
    quorums_1 = Param(1)
    quorums_2 = Param(1)
    node = Sort(nodes, labels="n")
    round = Sort(rounds, labels="r")
    value = Sort(values, labels="v")
    quorum_1 = Sort(quorums_1, labels="q")
    quorum_2 = Sort(quorums_2, labels="Q")

    none = Individual(round, rigid=True)
    le = Relation(round, round, rigid=True)
    member_1 = Relation(node, quorum_1, rigid=True)
    member_2 = Relation(node, quorum_2, rigid=True)

    one_a = Relation(round)
    one_b = Relation(node, round)
    left_round = Relation(node, round)
    proposal = Relation(round, value)
    vote = Relation(node, round, value)
    decision = Relation(round, value)

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
    def phase_1_and_phase_2_quorums_intersect(self):
        return forall(
            self.quorum_1,
            self.quorum_2,
            lambda q1, q2: exists(self.node, lambda n: self.member_1(n, q1) & self.member_2(n, q2)),
        )

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
    def propose(self, r: round, q: quorum_1, maxr: round, v: value) -> None:
        def voted_below_r(n, r1, v1):
            """`n`, a member of `q`, voted for `v1` in `r1` below `r`."""
            return self.member_1(n, q) & ~self.le(r, r1) & self.vote(n, r1, v1)

        node, round, value = self.node, self.round, self.value
        require(r != self.none)
        require(forall(value, lambda v1: ~self.proposal(r, v1)))
        require(forall(node, lambda n: implies(self.member_1(n, q), self.one_b(n, r))))
        require(
            (maxr == self.none)
            & forall(node, round, value, lambda n, r1, v1: ~voted_below_r(n, r1, v1))
            | (maxr != self.none)
            & exists(node, lambda n: voted_below_r(n, maxr, v))
            & forall(
                node,
                round,
                value,
                lambda n, r1, v1: implies(voted_below_r(n, r1, v1), self.le(r1, maxr)),
            )
        )
        self.proposal.insert(r, v)

    @action
    def cast_vote(self, n: node, v: value, r: round) -> None:
        require((r != self.none) & ~self.left_round(n, r) & self.proposal(r, v))
        self.vote.insert(n, r, v)

    @action
    def decide(self, r: round, v: value, q: quorum_2) -> None:
        require(r != self.none)
        require(forall(self.node, lambda n: implies(self.member_2(n, q), self.vote(n, r, v))))
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
