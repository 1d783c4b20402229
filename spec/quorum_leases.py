"""Quorum-lease reads (Moraru, Andersen, Kaminsky, "Paxos Quorum Leases", SoCC 2014) over a
replicated register, with real time and clocks that drift — the protocol `impl/paxos/leases.py`
runs, specified and checked before it was built.

Every replica **grants** leases to every replica (itself included). A holder asks at its clock's
time `t0` (`request`); a grantor answers (`grant`), counting the lease on its own clock from the
moment it grants (`granted = its clock + lease`), while the holder counts it from the moment it
asked, and shorter: `held = t0 + holder_lease`. A holder whose unexpired grants form a majority,
that has applied every write any grantor had voted for when it granted (`need`), and that has
no write it voted for and not yet applied (a *pending* write) reads its own state: no leader, no
round trip (`can_read`).

A **write** (the leader proposes the next version; the consensus beneath is abstracted to one
proposer) is committed — and acknowledged to its client — when a majority has accepted it and
every replica to which one of those acceptors' grants was active when it accepted (`reported`)
has accepted it too, or *received* it. An acceptor reports again (`refresh`: the leader's
Accept is resent) so that a holder that stopped answering stops delaying writes once its lease
has lapsed.

**Receipts.** The leader need not ask every replica for a vote: a majority of votes decides.
A replica it asks only to acknowledge receipt (`receive`: in the implementation, the replica
that forwarded the write, which then has no vote to make durable and answers its client
sooner) holds the write pending, so it reads nothing locally until it has applied it; its
receipt satisfies the holders' rule, but it is no vote: it counts towards no majority and
reports no grants, and a grant does not make the holder catch up to it.

**Time.** `now` is real time; each replica's `clock` runs on its own (`advance`), never more
than `drift` from real time (`tick` waits for the slowest): a bounded offset, which over a
lease's span is what a bounded rate error gives. A grantor's lease lasts `lease` on its clock;
the holder's must be `4 * drift` shorter (each of the two clocks may be `drift` early at one
end and late at the other), so the holder always stops reading before any grantor of its
majority stops reporting it.

**Linearizable reads** (`a_lease_read_sees_every_acknowledged_write`): a replica that may read
locally has applied every committed write. Reads are one step, so this is linearizability of a
register whose writes take effect at commit: a read returns the last write acknowledged before
it, or one committed meanwhile, and no read after it returns less (two holders cannot return
new then old: the second holder had accepted the write before it committed, so it is pending
there until applied).

Mutants (`spec/mutants/quorum_leases_*.py`), each caught by `check`: the holder counts the
grantor's full lease (a read served after the lease lapsed), a write that does not wait for the
holders, a holder that reads with a write pending, a holder that does not catch up to what its
grantors had voted for, a holder that reads with a write it only received pending, a leader
that counts receipts as votes.
"""

from __future__ import annotations

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
    exists,
    forall,
    implies,
    invariant,
    ite,
    maximum,
    minimum,
    require,
)
from checker.lang import SymFormula, SymTerm


class QuorumLeases(Spec):
    """A register read under quorum leases, its writes waiting for the lease holders."""

    # Ours (no other tool's to match): the reference engine agrees at "writes=2 drift=0 lease=1".
    expected_states = {
        "": 10_771_137,
        "writes=2 drift=0 lease=1": 336_213,
        "receipts=0": 1_193_877,  # the protocol before receipts
        "writes=2 receipts=0": 16_641_987,
    }

    replicas = Param(3, doc="replicas (each grants and holds leases)")
    writes = Param(1, doc="writes, in order: versions 1..writes")
    drift = Param(1, doc="a clock is never more than this from real time")
    lease = Param(5, doc="a grant's length on the grantor's clock")
    receipts = Param(1, doc="1: the leader may ask a replica only for a receipt; 0: votes only")

    replica = Sort(replicas, symmetric=True, labels="r")
    quorum = MajorityQuorums(replica)
    version = IntSort(0, writes)
    offset = IntSort(-drift, drift)
    span = IntSort(0, lease)

    # One holder: every replica grants it leases (its own is implicit: a write it accepted is
    # pending at it). Others holding leases too would only make writes wait for more replicas,
    # so checking one holder, any of them (symmetry), covers them all.
    holder = Individual(replica, rigid=True)

    # Time is kept relative, so that it needs no bound: a clock is its offset from real time,
    # and a lease, an asked-for moment, are what is left of them (or how long ago) on the clock
    # that counts them.
    off = Function(replica, offset, init=0)  # clock(r) - now
    asked = Individual(span, init=0)  # how long ago (on its clock) the holder last asked
    granted = Function(replica, span, init=0)  # g's lease to the holder, left on g's clock
    held = Function(replica, span, init=0)  # g's lease, what is left of it as the holder counts
    need = Individual(version, init=0)  # what the holder must apply before it reads

    proposed = Individual(version, init=0)  # the write in progress (or the last, committed)
    committed = Individual(version, init=0)  # acknowledged to its client
    accepted = Function(replica, version, init=0)
    received = Function(replica, version, init=0)  # the last write r received without a vote
    applied = Function(replica, version, init=0)
    reported = Relation(replica)  # a, accepting, had an active grant to the holder

    def holder_lease(self) -> SymTerm:
        """How long a holder counts a lease: shorter by what two drifting clocks can differ."""
        return self.lease - 4 * self.drift

    def grant_active(self, g: SymTerm) -> SymFormula:
        return self.granted(g) > 0

    def lease_valid(self, g: SymTerm) -> SymFormula:
        return (g == self.holder) | (self.held(g) > 0)

    def leased(self) -> SymFormula:
        """The holder's valid leases come from a majority."""
        return exists(
            self.quorum,
            lambda q: forall(
                self.replica, lambda g: implies(self.quorum.member(g, q), self.lease_valid(g))
            ),
        )

    def can_read(self) -> SymFormula:
        """The holder may answer a read from its own state: leased, caught up to what its
        grantors had voted for, and with no write pending."""
        h = self.holder
        return self.leased() & (self.applied(h) >= self.need) & ~self.pending(h)

    def pending(self, r: SymTerm) -> SymFormula:
        """r accepted or received a write it has not applied yet."""
        return (self.accepted(r) > self.applied(r)) | (self.received(r) > self.applied(r))

    def has_the_write(self, r: SymTerm) -> SymFormula:
        """r accepted or received the write in progress."""
        return (self.accepted(r) == self.proposed) | (self.received(r) == self.proposed)

    # --- time -------------------------------------------------------------------------------

    @action
    def tick(self) -> None:
        """Real time passes (clocks stand still); none may fall more than `drift` behind."""
        require(forall(self.replica, lambda r: self.off(r) > -self.drift))
        self.off.update(lambda r: self.off(r) - 1)

    @action
    def advance(self, r: replica) -> None:
        """r's clock moves on, never more than `drift` ahead of real time: what r counts runs
        down (or, for the holder's request, up to where it no longer matters)."""
        require(self.off(r) < self.drift)
        self.off[r] = self.off(r) + 1
        self.granted[r] = maximum(self.granted(r) - 1, 0)
        if_holder = r == self.holder
        worthless = maximum(self.holder_lease(), 0)  # asked this long ago, a grant adds nothing
        self.asked = ite(if_holder, minimum(self.asked + 1, worthless), self.asked)
        self.held.update(lambda g: ite(if_holder, maximum(self.held(g) - 1, 0), self.held(g)))

    # --- leases -----------------------------------------------------------------------------

    @action
    def request(self) -> None:
        """The holder asks every replica for a lease, noting when (on its clock)."""
        self.asked = 0

    @action
    def grant(self, g: replica) -> None:
        """g grants the holder a lease (answering its last request), telling it the last write
        g voted for: the holder must apply it before it reads, for it may have been
        acknowledged without the holder. g counts the lease from now, the holder from when it
        asked."""
        require(g != self.holder)
        self.granted[g] = self.lease
        self.held[g] = maximum(self.held(g), self.holder_lease() - self.asked)
        self.need = maximum(self.need, self.accepted(g))

    # --- writes -----------------------------------------------------------------------------

    def report(self, a: SymTerm) -> None:
        self.reported.update(lambda x: ite(x == a, self.grant_active(a), self.reported(x)))

    @action
    def propose(self) -> None:
        require((self.proposed == self.committed) & (self.proposed < self.writes))
        self.proposed = self.proposed + 1

    @action
    def accept(self, a: replica) -> None:
        """a accepts the write in progress, reporting the holders of its active grants."""
        require(self.accepted(a) < self.proposed)
        self.accepted[a] = self.proposed
        self.report(a)

    @action
    def receive(self, r: replica) -> None:
        """r receives the write in progress without voting for it (the leader asked it only to
        acknowledge receipt): pending at r, no vote and no report."""
        # (`receipts` is 0 or 1: with 0 no write in progress is at most writes * 0.)
        in_use = self.proposed <= self.writes * self.receipts
        require(in_use & (self.received(r) < self.proposed) & (self.accepted(r) < self.proposed))
        self.received[r] = self.proposed

    @action
    def refresh(self, a: replica) -> None:
        """The leader resends its Accept; a reports its grants as they are now."""
        require((self.accepted(a) == self.proposed) & (self.committed < self.proposed))
        self.report(a)

    def voted(self, a: SymTerm) -> SymFormula:
        """a's acknowledgment counts towards a majority: it accepted the write in progress."""
        return self.accepted(a) == self.proposed

    def waited_for(self, q: SymTerm) -> SymFormula:
        """Every member of q accepted the write, and the holder has it if one reported it."""
        return forall(
            self.replica,
            lambda a: implies(
                self.quorum.member(a, q),
                self.voted(a) & implies(self.reported(a), self.has_the_write(self.holder)),
            ),
        )

    @action
    def commit(self, q: quorum) -> None:
        """The write is decided and its client told."""
        require((self.committed < self.proposed) & self.waited_for(q))
        self.committed = self.proposed

    @action
    def apply(self, r: replica) -> None:
        """r learns that the next write committed and applies it."""
        require(self.applied(r) < self.committed)
        self.applied[r] = self.applied(r) + 1

    # --- properties -------------------------------------------------------------------------

    @invariant
    def a_lease_read_sees_every_acknowledged_write(self) -> SymFormula:
        return implies(self.can_read(), self.applied(self.holder) == self.committed)
