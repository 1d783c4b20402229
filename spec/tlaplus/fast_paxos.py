"""FastPaxos (SimplifiedFastPaxos): a simplified Fast Paxos with a unique coordinator (no phase 1),
from tlaplus/Examples.

TLA+ module: specifications/SimplifiedFastPaxos/FastPaxos.tla (EXTENDS Paxos.tla)
TLC model:   specifications/SimplifiedFastPaxos/FastPaxos.cfg (Replicas = {r1, r2, r3, r4},
             Values = {v1, v2, v3}, Ballots = {0, 1, 2, 3, 4}, FastBallots = {1, 3},
             Quorums = FastQuorums = the four 3-subsets of Replicas, INVARIANTS FastTypeOK
             FastNontriviality, PROPERTY PaxosConsistency, SYMMETRY PaxosSymmetry =
             Permutations(Values) \\union Permutations(Replicas)).
TLC's counts (manifest, under the cfg's SYMMETRY): 25,617 distinct states, depth 22. Without the
SYMMETRY line (TLC 2.19 on this machine, 30 min 29 s): 3,043,684 distinct states, depth 22
(36,868,401 generated).
Both are matched: `expected_states` is the unreduced count (what `check` compares by default),
`expected_symmetric_states` the manifest's (`check --symmetry`: replicas and values permuted,
144 permutations).

Encoding:
- Replicas and Values are symmetric sorts (TLC's SYMMETRY); `none` is the value sort's bottom.
  Ballots is the integer sort 0..max_ballot and FastBallots its odd ballots (the cfg's {1, 3});
  ClassicBallots are the even ones. Quorums are the majorities of the replicas, and FastQuorums
  is the same sort (with 4 replicas both are the cfg's four 3-subsets).
- FastNext never sends P1a or P1b messages (PaxosPrepare, PaxosPromise and PaxosAccept are not
  among its actions), so messages is three relations: p2a_any(ballot) for [type |-> "P2a",
  ballot |-> b, value |-> any], p2a(ballot, value) for the P2a messages with a proper value, and
  p2b(ballot, acceptor, value). SendMessage is an insert (re-sending is a stuttering step).
- Sets over M (the P2b messages of one ballot from the acceptors of a quorum q; every acceptor
  of q has exactly one, since FastPropose sends one per acceptor and ballot and classic P2b
  messages answer the single P2a of a classic ballot):
  `1 = Cardinality(V)` is "every acceptor of q voted v" for the decided value v;
  `1 < Cardinality(V)` is "two acceptors of q voted different values"; `v \\in V` is "some
  acceptor of q voted v"; IsMajorityValue(M, w) (Cardinality(M) \\div 2 < |{m : m.value = w}|,
  with |M| = |q|) is "some subset of `maj` members of q all voted w", `maj` being the quorum
  sort of subsets of size |q| \\div 2 + 1 (2 here).
- `\\E m \\in M : decision' = m.value` becomes an action parameter for the value.
- decision and cValue are individuals over Values \\union {none}; maxBallot, maxVBallot,
  maxValue are functions of the replica.
- FastTypeOK holds by construction; FastNontriviality is an invariant; PaxosConsistency
  ([][decision = none]_decision) is an action property. Liveness (the SF conjuncts) is not
  checked. TLC's cfg checks deadlock, but FastAny is always enabled (re-sending is a
  stuttering step), so no state is a deadlock; deadlock is not checked here.
"""

from checker import (
    Function,
    Individual,
    IntSort,
    MajorityQuorums,
    Param,
    Quorums,
    Relation,
    Sort,
    Spec,
    action,
    action_property,
    exists,
    forall,
    implies,
    invariant,
    ite,
    require,
)


class FastPaxos(Spec):
    expected_states = {"": 3043684}  # TLC without SYMMETRY
    expected_symmetric_states = {"": 25617}  # TLC with the cfg's SYMMETRY (the manifest's count)
    expected_depth = 22

    replicas = Param(4, doc="|Replicas|")
    values = Param(3, doc="|Values|")
    max_ballot = Param(4, doc="Ballots = 0..max_ballot; FastBallots are the odd ones")

    replica = Sort(replicas, symmetric=True, labels="r")
    value = Sort(values, symmetric=True, bottom="none", labels="v")
    ballot = IntSort(0, max_ballot)
    quorum = MajorityQuorums(replica)  # Quorums, and FastQuorums
    maj = Quorums(replica, (replicas // 2 + 1) // 2 + 1)  # majorities of a quorum

    decision = Individual(value.or_bottom, init=value.bottom)
    c_value = Individual(value.or_bottom, init=value.bottom)  # cValue
    max_ballot_of = Function(replica, ballot, init=0)  # maxBallot
    max_vballot = Function(replica, ballot, init=0)  # maxVBallot
    max_value = Function(replica, value.or_bottom, init=value.bottom)  # maxValue

    p2a_any = Relation(ballot)  # [type |-> "P2a", ballot, value |-> any]
    p2a = Relation(ballot, value)
    p2b = Relation(ballot, replica, value)  # ballot, acceptor, value

    def fast(self, b):
        return b % 2 == 1

    def all_answered(self, b, q):
        """\\A a \\in q : \\E m \\in M : m.acceptor = a."""
        return forall(
            self.replica,
            lambda a: implies(
                self.quorum.member(a, q), exists(self.value, lambda w: self.p2b(b, a, w))
            ),
        )

    def voted(self, b, q, v):
        """v \\in V: some acceptor of q sent a P2b of ballot b for v."""
        return exists(self.replica, lambda a: self.quorum.member(a, q) & self.p2b(b, a, v))

    def is_majority_value(self, b, q, w):
        return exists(
            self.maj,
            lambda s: forall(
                self.replica,
                lambda a: implies(
                    self.maj.member(a, s), self.quorum.member(a, q) & self.p2b(b, a, w)
                ),
            ),
        )

    @action
    def fast_any(self, f: ballot) -> None:
        require(self.fast(f))
        self.p2a_any.insert(f)

    @action
    def fast_propose(self, a: replica, b: ballot, v: value) -> None:
        require(self.p2a_any(b) & (self.max_ballot_of(a) <= b))
        require((self.max_value(a) == self.value.bottom) | (self.max_value(a) == v))
        require(~exists(self.value, lambda w: self.p2b(b, a, w)))
        self.max_ballot_of[a] = b
        self.max_vballot[a] = b
        self.max_value[a] = v
        self.p2b.insert(b, a, v)

    @action
    def fast_decide(self, b: ballot, q: quorum, v: value) -> None:
        require(self.fast(b) & self.all_answered(b, q))
        # 1 = Cardinality(V), and decision' is the value of a message of M: V = {v}
        require(self.voted(b, q, v))
        require(
            forall(
                self.replica,
                self.value,
                lambda a, w: implies(self.quorum.member(a, q) & self.p2b(b, a, w), w == v),
            )
        )
        self.decision = v

    @action
    def classic_accept(self, b: ballot, f: ballot, q: quorum, v: value) -> None:
        require(~self.fast(b) & self.fast(f) & (f < b))
        require((self.c_value == self.value.bottom) | (self.c_value == v))
        require(~self.p2a_any(b) & ~exists(self.value, lambda w: self.p2a(b, w)))
        require(self.all_answered(f, q))
        collision = exists(
            self.value,
            self.value,
            lambda w1, w2: (w1 != w2) & self.voted(f, q, w1) & self.voted(f, q, w2),
        )
        require(collision)
        require(
            ite(
                exists(self.value, lambda w: self.is_majority_value(f, q, w)),
                self.is_majority_value(f, q, v),
                self.voted(f, q, v),
            )
        )
        self.c_value = v
        self.p2a.insert(b, v)

    @action
    def classic_accepted(self, a: replica, b: ballot, v: value) -> None:
        require(self.p2a(b, v) & (self.max_ballot_of(a) <= b))
        self.max_ballot_of[a] = b
        self.max_vballot[a] = b
        self.max_value[a] = v
        self.p2b.insert(b, a, v)

    @action
    def classic_decide(self, b: ballot, q: quorum, v: value) -> None:
        require(~self.fast(b) & self.all_answered(b, q) & self.voted(b, q, v))
        self.decision = v

    # -- properties -------------------------------------------------------------------------
    @invariant
    def fast_nontriviality(self):
        return (self.decision == self.value.bottom) | exists(
            self.ballot,
            self.replica,
            self.value,
            lambda b, a, w: (w == self.decision) & self.p2b(b, a, w) & self.fast(b),
        )

    @action_property
    def paxos_consistency(self, post):
        """[][decision = none]_<<decision>>: a decision, once made, never changes."""
        return (self.decision == self.value.bottom) | (post.decision == self.decision)
