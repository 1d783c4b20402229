"""Paxos liveness: a value is eventually chosen once one leader is stable — and the classic
livelock of two proposers pre-empting each other for ever when no leader becomes stable.

Liveness needs behaviours that go on for ever, so ballots cannot run out as they do in
`spec/paxos.py` (where `max_ballot` bounds them and every behaviour stops). Here ballots are
unbounded, represented by their *ranks*: Paxos only ever compares ballots, so a state needs only
the order of the ballots it mentions. After every step the ballots are renumbered 0, 1, 2, ...
in order (`compress`), so a proposer that starts "a ballot above every ballot seen" takes rank
max + 1, and the state space is finite while the ballots it stands for grow without bound. A
livelock is then a real cycle of the spec.

The protocol is Paxos with the messages folded into the acceptors' state (Lamport's abstract
Paxos): nodes n1, n2 are proposers (and with n3, acceptors; majorities of the three are the
quorums; `nodes=2` the one quorum is the pair). `start(p)` begins a ballot above every ballot seen (an idle proposer, or one whose
ballot was pre-empted); `promise(a, p)` is an acceptor's 1b to p's 1a; `propose(p, v)` is p's 2a
once a quorum has promised its ballot — v is the value of the highest vote among that quorum,
or any value if none voted (an acceptor that still promises p's ballot has not voted since it
promised, so its current vote is what its 1b reported); `accept(a, p)` is a's 2b for p's
proposal. A value is chosen when a quorum has voted for it in one ballot.

`PaxosLive`: n1 is the distinguished leader; `stabilize` makes it stable (from then on only it
starts ballots). Under weak fairness of every step (stabilizing included), `eventually_chosen`
holds. `spec/mutants/paxos_live_no_stable_leader.py` drops the fairness of `stabilize`:
then the two proposers may pre-empt each other for ever, a lasso.
"""

from __future__ import annotations

from checker import (
    WF,
    Function,
    Individual,
    IntSort,
    MajorityQuorums,
    Param,
    Sort,
    Spec,
    action,
    count,
    eventually,
    exists,
    forall,
    implies,
    invariant,
    ite,
    liveness,
    require,
)


class PaxosLive(Spec):
    values = Param(2, doc="number of proposable values")
    nodes = Param(3, doc="number of acceptors, the first two of which also propose")

    node = Sort(nodes, labels="n")  # n1, n2 propose; all accept
    value = Sort(values, bottom="None", labels="v")
    quorum = MajorityQuorums(node)
    role = Sort(3, labels=("proposer", "promised", "voted"))
    ballot = IntSort(-1, 8)  # a rank; -1: none. At most 7 ballots are ever mentioned at once
    rank = IntSort(0, 8)
    phase = Sort(3, labels=("idle", "one", "two"))
    flag = Sort(2, labels=("no", "yes"))

    # bal(proposer, p): p's ballot; bal(promised, a), bal(voted, a): acceptor a's promise and
    # vote (one function, so that renumbering reads every ballot at once)
    bal = Function(role, node, ballot, init=-1)
    voted_value = Function(node, value.or_bottom, init=value.bottom)
    stage = Function(node, phase, init=phase["idle"])
    proposal = Function(node, value.or_bottom, init=value.bottom)
    stable = Individual(flag, init=flag["no"])

    fairness = (
        WF("stabilize"),
        WF("start", per="p"),
        WF("promise", per="all"),
        WF("propose", per="p"),
        WF("accept", per="all"),
    )

    # -- reading ballots -----------------------------------------------------------------------

    def ballot_of(self, p):
        return self.bal(self.role["proposer"], p)

    def promised(self, a):
        return self.bal(self.role["promised"], a)

    def vote(self, a):
        return self.bal(self.role["voted"], a)

    def proposer(self, p):
        return (p == self.node[0]) | (p == self.node[1])

    def mentioned(self, r):
        return exists(self.role, self.node, lambda k, x: self.bal(k, x) == r)

    def compress(self) -> None:
        """Renumber the ballots 0, 1, 2, ... in order: each becomes the number of distinct
        ballots below it."""
        self.bal.update(
            lambda k, x: ite(
                self.bal(k, x) == -1,
                -1,
                count(self.rank, lambda r: (r < self.bal(k, x)) & self.mentioned(r)),
            )
        )

    def highest(self):
        return count(self.rank, lambda r: self.mentioned(r)) - 1

    # -- steps ---------------------------------------------------------------------------------

    @action
    def stabilize(self) -> None:
        """The leader n1 becomes stable: no other proposer starts a ballot from now on."""
        require(self.stable == self.flag["no"])
        self.stable = self.flag["yes"]

    @action
    def start(self, p: node) -> None:
        """p starts a ballot above every ballot seen (its 1a): when idle, or pre-empted."""
        require(self.proposer(p))
        require((self.stable == self.flag["no"]) | (p == self.node[0]))
        pre_empted = exists(self.node, lambda a: self.promised(a) > self.ballot_of(p))
        require((self.stage(p) == self.phase["idle"]) | pre_empted)
        self.bal[self.role["proposer"], p] = self.highest() + 1
        self.stage[p] = self.phase["one"]
        self.proposal[p] = self.value.bottom
        self.compress()

    @action
    def promise(self, a: node, p: node) -> None:
        """Acceptor a promises p's ballot, above any it promised (its 1b)."""
        require((self.stage(p) == self.phase["one"]) & (self.ballot_of(p) > self.promised(a)))
        self.bal[self.role["promised"], a] = self.ballot_of(p)
        self.compress()

    @action
    def propose(self, p: node, v: value) -> None:
        """p proposes v (its 2a): a quorum promised its ballot, and v is safe there."""
        require(self.stage(p) == self.phase["one"])
        require(exists(self.quorum, lambda q: self.safe(q, p, v)))
        self.stage[p] = self.phase["two"]
        self.proposal[p] = v

    def safe(self, q, p, v):
        member = lambda a: self.quorum.member(a, q)  # noqa: E731
        all_promised = forall(
            self.node, lambda a: implies(member(a), self.promised(a) == self.ballot_of(p))
        )
        none_voted = forall(self.node, lambda a: implies(member(a), self.vote(a) == -1))
        highest_is_v = exists(
            self.node,
            lambda a: (
                member(a)
                & (self.vote(a) != -1)
                & (self.voted_value(a) == v)
                & forall(self.node, lambda c: implies(member(c), self.vote(c) <= self.vote(a)))
            ),
        )
        return all_promised & (none_voted | highest_is_v)

    @action
    def accept(self, a: node, p: node) -> None:
        """Acceptor a votes for p's proposal (its 2b) unless it promised a higher ballot."""
        require((self.stage(p) == self.phase["two"]) & (self.ballot_of(p) >= self.promised(a)))
        require(self.vote(a) != self.ballot_of(p))
        self.bal[self.role["promised"], a] = self.ballot_of(p)
        self.bal[self.role["voted"], a] = self.ballot_of(p)
        self.voted_value[a] = self.proposal(p)
        self.compress()

    # -- properties ----------------------------------------------------------------------------

    def chosen(self, v):
        """A quorum voted for v in one ballot."""
        return exists(
            self.quorum,
            self.node,
            lambda q, x: (
                self.quorum.member(x, q)
                & forall(
                    self.node,
                    lambda a: implies(
                        self.quorum.member(a, q),
                        (self.vote(a) == self.vote(x))
                        & (self.vote(a) != -1)
                        & (self.voted_value(a) == v),
                    ),
                )
            ),
        )

    @invariant
    def agreement(self):
        return forall(
            self.value, self.value, lambda v, w: implies(self.chosen(v) & self.chosen(w), v == w)
        )

    @invariant
    def later_proposals_keep_the_chosen_value(self):
        """Paxos's key invariant: once v is chosen at a ballot, a proposal at a ballot at least
        as high is v."""
        return forall(
            self.value,
            self.node,
            self.node,
            lambda v, p, x: implies(
                self.chosen(v)
                & (self.stage(p) == self.phase["two"])
                & (self.vote(x) != -1)
                & (self.voted_value(x) == v)
                & (self.ballot_of(p) >= self.vote(x))
                & exists(
                    self.quorum,
                    lambda q: (
                        self.quorum.member(x, q)
                        & forall(
                            self.node,
                            lambda a: implies(
                                self.quorum.member(a, q),
                                (self.vote(a) == self.vote(x)) & (self.voted_value(a) == v),
                            ),
                        )
                    ),
                ),
                self.proposal(p) == v,
            ),
        )

    @liveness
    def eventually_chosen(self):
        """Some value is eventually chosen."""
        return eventually(exists(self.value, lambda v: self.chosen(v)))
