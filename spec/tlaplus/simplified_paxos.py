"""Paxos (SimplifiedFastPaxos): single-decree Paxos without explicit leaders or learners, from
tlaplus/Examples.

TLA+ module: specifications/SimplifiedFastPaxos/Paxos.tla
TLC model:   specifications/SimplifiedFastPaxos/Paxos.cfg (Replicas = {r1, r2, r3, r4},
             Values = {v1, v2, v3}, Ballots = {0, 1, 2}, Quorums = the four 3-subsets of
             Replicas, INVARIANTS PaxosTypeOK PaxosNontriviality, PROPERTY PaxosConsistency,
             SYMMETRY PaxosSymmetry = Permutations(Values) \\union Permutations(Replicas)).
TLC's counts (manifest, under the cfg's SYMMETRY): 1,207 distinct states, depth 22. Without the
SYMMETRY line (TLC 2.19 on this machine): 48,514 distinct states, depth 22 (491,173 generated).
Both are matched: `expected_states` is the unreduced count (what `check` compares by default),
`expected_symmetric_states` the manifest's (`check --symmetry`: replicas and values permuted,
144 permutations).

Encoding:
- Replicas and Values are symmetric sorts (TLC's SYMMETRY); `none` is the value sort's bottom.
  `any` is never sent by Paxos's actions (only FastPaxos's FastAny sends it), so it has no
  encoding here. Ballots is the integer sort 0..max_ballot; Quorums are the majorities of the
  replicas (with 4 replicas: exactly the cfg's four 3-subsets).
- messages (a set of records of four types) is four relations whose columns are the fields:
  p1a(ballot), p1b(ballot, acceptor, maxVBallot, maxValue), p2a(ballot, value),
  p2b(ballot, acceptor, value). SendMessage is an insert (sending an existing message is a
  stuttering step, as in TLC).
- An `\\E m \\in M : decision' = m.value` becomes an action parameter for the value.
- ForcedValue(M) is `(CHOOSE m \\in M : m.maxVBallot is maximal).maxValue`. Here: "v is the
  maxValue of some message of M whose maxVBallot is maximal". This is CHOOSE's value whenever
  the disjunct is evaluated: a p1b with maxVBallot = 0 carries none (no p2a of ballot 0 can be
  sent: p1b ballots are >= 1, so PaxosAccept's quorum of ballot 0 never answers), and a ballot
  b > 0 has at most one p2a (PaxosAccept's `\\A m \\in p2aMessages : m.ballot # b`), so all
  messages with the maximal maxVBallot carry the same maxValue.
- decision is an individual over Values \\union {none}; maxBallot, maxVBallot, maxValue are
  functions of the replica.
- PaxosTypeOK holds by construction (every variable is typed by its sort); PaxosNontriviality
  is an invariant; PaxosConsistency ([][decision = none]_decision) is an action property.
  Liveness (the SF conjunct of PaxosSpec) is not checked. TLC's cfg checks deadlock, but
  PaxosPrepare is always enabled (re-sending a message is a stuttering step), so no state is a
  deadlock; deadlock is not checked here.
"""

from checker import (
    Function,
    Individual,
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
    implies,
    invariant,
    require,
)


class SimplifiedPaxos(Spec):
    expected_states = {"": 48514}  # TLC without SYMMETRY
    expected_symmetric_states = {"": 1207}  # TLC with the cfg's SYMMETRY (the manifest's count)
    expected_depth = 22

    replicas = Param(4, doc="|Replicas|")
    values = Param(3, doc="|Values|")
    max_ballot = Param(2, doc="Ballots = 0..max_ballot")

    replica = Sort(replicas, symmetric=True, labels="r")
    value = Sort(values, symmetric=True, bottom="none", labels="v")
    ballot = IntSort(0, max_ballot)
    quorum = MajorityQuorums(replica)

    decision = Individual(value.or_bottom, init=value.bottom)
    max_ballot_of = Function(replica, ballot, init=0)  # maxBallot
    max_vballot = Function(replica, ballot, init=0)  # maxVBallot
    max_value = Function(replica, value.or_bottom, init=value.bottom)  # maxValue

    p1a = Relation(ballot)
    p1b = Relation(
        ballot, replica, ballot, value.or_bottom
    )  # ballot, acceptor, maxVBallot, maxValue
    p2a = Relation(ballot, value)
    p2b = Relation(ballot, replica, value)  # ballot, acceptor, value

    def in_m1(self, q, b, a, mvb, mv):
        """The p1b message (b, a, mvb, mv) is in M == {m \\in p1bMessages : m.ballot = b /\\
        m.acceptor \\in q}."""
        return self.quorum.member(a, q) & self.p1b(b, a, mvb, mv)

    @action
    def paxos_prepare(self, b: ballot) -> None:
        require(b != 0)
        self.p1a.insert(b)

    @action
    def paxos_promise(self, a: replica, b: ballot) -> None:
        require(self.p1a(b) & (self.max_ballot_of(a) < b))
        self.p1b.insert(b, a, self.max_vballot(a), self.max_value(a))
        self.max_ballot_of[a] = b

    @action
    def paxos_accept(self, b: ballot, q: quorum, v: value) -> None:
        require(~exists(self.value, lambda w: self.p2a(b, w)))
        require(
            forall(
                self.replica,
                lambda a: implies(
                    self.quorum.member(a, q),
                    exists(
                        self.ballot, self.value.or_bottom, lambda mb, mv: self.p1b(b, a, mb, mv)
                    ),
                ),
            )
        )
        all_none = forall(
            self.replica,
            self.ballot,
            self.value.or_bottom,
            lambda a, mb, mv: implies(self.in_m1(q, b, a, mb, mv), mv == self.value.bottom),
        )
        forced = exists(
            self.replica,
            self.ballot,
            lambda a, mb: (
                self.in_m1(q, b, a, mb, v)
                & forall(
                    self.replica,
                    self.ballot,
                    self.value.or_bottom,
                    lambda a2, mb2, mv2: implies(self.in_m1(q, b, a2, mb2, mv2), mb2 <= mb),
                )
            ),
        )
        require(all_none | forced)
        self.p2a.insert(b, v)

    @action
    def paxos_accepted(self, a: replica, b: ballot, v: value) -> None:
        require(self.p2a(b, v) & (self.max_ballot_of(a) <= b))
        self.max_ballot_of[a] = b
        self.max_vballot[a] = b
        self.max_value[a] = v
        self.p2b.insert(b, a, v)

    @action
    def paxos_decide(self, b: ballot, q: quorum, v: value) -> None:
        require(
            forall(
                self.replica,
                lambda a: implies(
                    self.quorum.member(a, q), exists(self.value, lambda w: self.p2b(b, a, w))
                ),
            )
        )
        require(exists(self.replica, lambda a: self.quorum.member(a, q) & self.p2b(b, a, v)))
        self.decision = v

    # -- properties -------------------------------------------------------------------------
    @invariant
    def paxos_nontriviality(self):
        none = self.value.bottom
        decided_proposed = (self.decision == none) | exists(
            self.ballot, lambda b: self.p2a(b, self.decision)
        )
        p1b_ok = forall(
            self.ballot,
            self.replica,
            self.ballot,
            self.value.or_bottom,
            lambda b, a, mb, mv: implies(
                self.p1b(b, a, mb, mv),
                ((mv != none) | (mb == 0)) & ((mv == none) | (mb > 0)),
            ),
        )
        return decided_proposed & p1b_ok

    @action_property
    def paxos_consistency(self, post):
        """[][decision = none]_<<decision>>: a decision, once made, never changes."""
        return (self.decision == self.value.bottom) | (post.decision == self.decision)
