"""Multi-Paxos as a spec: the protocol of `impl/`'s replicated log, slot by slot.

A leader runs phase 1 once for all slots: an acceptor's promise `max_bal` covers every slot, and
its 1b message reports, for every slot, its highest vote there (`msg_1b(a, b, s, mbal, mval)`,
one tuple per slot, all sent in the same step). Phase 2 then runs per slot: the leader of ballot
b proposes in slot s the value of the highest vote its quorum reported for s (or any value), and
acceptors vote per slot. A replica commits (s, v) when a quorum voted v in one ballot for s.

The property: no two replicas commit different commands in the same slot.
"""

from __future__ import annotations

from checker import (
    Function,
    MajorityQuorums,
    Message,
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


class MultiPaxos(Spec):
    """Multi-Paxos: one promise for all slots, per-slot votes, commit by quorum."""

    acceptors = Param(3, doc="number of acceptors (also the replicas that commit)")
    values = Param(2, doc="number of client commands")
    max_ballot = Param(1, doc="ballots are 0..max_ballot")
    slots = Param(2, doc="number of log slots")

    acceptor = Sort(acceptors, symmetric=True, labels="a")
    value = Sort(values, symmetric=True, bottom="None", labels="v")
    ballot = OrderedSort(max_ballot + 1, bottom=-1)
    slot = OrderedSort(slots)
    quorum = MajorityQuorums(acceptor)

    max_bal = Function(acceptor, ballot.or_bottom, init=ballot.bottom)
    max_vbal = Function(acceptor, slot, ballot.or_bottom, init=ballot.bottom)
    max_val = Function(acceptor, slot, value.or_bottom, init=value.bottom)

    msg_1a = Relation(ballot, message=Message(sender=0, to=acceptor))
    msg_1b = Relation(
        acceptor,
        ballot,
        slot,
        ballot.or_bottom,
        value.or_bottom,
        message=Message(sender=0, to=1),
    )
    msg_2a = Relation(ballot, slot, value, message=Message(sender=0, to=acceptor))
    msg_2b = Relation(acceptor, ballot, slot, value, message=Message(sender=0, to=acceptor))
    committed = Relation(slot, value)  # what replicas have committed (they learn alike)

    @action
    def phase1a(self, b: ballot) -> None:
        """The leader of ballot b asks every acceptor to promise b, for all slots at once."""
        self.msg_1a.insert(b)

    @action
    def phase1b(self, a: acceptor, b: ballot) -> None:
        """Acceptor a promises b and reports its highest vote in every slot."""
        require(self.msg_1a(b) & (b > self.max_bal(a)))
        self.max_bal[a] = b
        self.msg_1b.update(
            lambda n, c, s, mb, mv: (
                self.msg_1b(n, c, s, mb, mv)
                | ((n == a) & (c == b) & (mb == self.max_vbal(a, s)) & (mv == self.max_val(a, s)))
            )
        )

    @action
    def phase2a(self, b: ballot, s: slot, v: value) -> None:
        """The leader of ballot b proposes v in slot s, as its quorum's 1b reports allow."""
        require(~exists(self.value, lambda w: self.msg_2a(b, s, w)))
        require(exists(self.quorum, lambda q: self.shows_safe(q, b, s, v)))
        self.msg_2a.insert(b, s, v)

    def shows_safe(self, q: SymTerm, b: SymTerm, s: SymTerm, v: SymTerm) -> SymFormula:
        """Every member of q answered b, and v is the value of the highest vote they reported
        for slot s (or none of them voted in s)."""
        ballot, value, acceptor = self.ballot.or_bottom, self.value.or_bottom, self.acceptor

        def reported(a: SymTerm, mb: SymTerm, mv: SymTerm) -> SymFormula:
            return (
                self.quorum.member(a, q) & self.msg_1b(a, b, s, mb, mv) & (mb != self.ballot.bottom)
            )

        answered = forall(
            acceptor,
            lambda a: implies(
                self.quorum.member(a, q),
                exists(ballot, value, lambda mb, mv: self.msg_1b(a, b, s, mb, mv)),
            ),
        )
        no_votes = ~exists(acceptor, ballot, value, reported)
        highest = exists(
            acceptor,
            ballot,
            lambda a, mb: (
                reported(a, mb, v)
                & forall(
                    acceptor,
                    ballot,
                    value,
                    lambda a2, mb2, mv2: implies(reported(a2, mb2, mv2), mb >= mb2),
                )
            ),
        )
        return answered & (no_votes | highest)

    @action
    def phase2b(self, a: acceptor, b: ballot, s: slot, v: value) -> None:
        """Acceptor a votes for v in slot s at ballot b unless it promised a higher ballot."""
        require(self.msg_2a(b, s, v) & (b >= self.max_bal(a)))
        self.max_bal[a] = b
        self.max_vbal[a, s] = b
        self.max_val[a, s] = v
        self.msg_2b.insert(a, b, s, v)

    @action
    def commit(self, s: slot, b: ballot, v: value, q: quorum) -> None:
        """A replica learns that quorum q voted v for slot s in ballot b, and commits v in s.
        Replicas commit by the same rule, so one relation records what any of them committed."""
        require(
            forall(
                self.acceptor, lambda a: implies(self.quorum.member(a, q), self.msg_2b(a, b, s, v))
            )
        )
        self.committed.insert(s, v)

    @invariant
    def consistent_log(self) -> SymFormula:
        """No two replicas commit different commands in the same slot."""
        return forall(
            self.slot,
            self.value,
            self.value,
            lambda s, v1, v2: implies(self.committed(s, v1) & self.committed(s, v2), v1 == v2),
        )
