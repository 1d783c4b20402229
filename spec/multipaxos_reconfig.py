"""Multi-Paxos that reconfigures itself through its log: Lamport's α-reconfiguration with α = 1.

`spec/multipaxos.py`, extended: every command also names the configuration (the set of
acceptors) that takes over after it, and the command chosen in slot s decides the configuration
of slot s + 1. A leader may propose in slot s, and a replica commit in it, only with a quorum (a
majority) of slot s's configuration, so only once slot s - 1 is committed: that is what keeps a
configuration from taking effect before it is chosen. The first slot's configuration is every
acceptor. The relation `config` records each slot's configuration once known; it is derived
from `committed` (it adds no states) and is what lets `prove` speak of "slot s's configuration"
as one atom (`proofs/multipaxos_reconfig.py`).

Commands are few, and each installs one fixed configuration (a rigid function, pinned by an
axiom): `v1` keeps every acceptor, `v2` shrinks the configuration to `a1` alone, a quorum that
shares no acceptor with the majority {a2, a3} of the first configuration. So a configuration
used too early splits the acceptors into disjoint quorums at once, and the mutant
`spec/mutants/multipaxos_reconfig_too_early.py` (which takes slot s's configuration from a
command merely proposed in slot s - 1) is caught.

The phases are MultiPaxos's (phase1a, phase1b, phase2b and shows_safe are inherited); phase2a
and commit add the configuration. The property is MultiPaxos's `consistent_log`.
"""

from __future__ import annotations

from checker import (
    Function,
    Message,
    OrderedSort,
    Param,
    Relation,
    Sort,
    Subsets,
    action,
    axiom,
    exists,
    forall,
    iff,
    implies,
    init,
    require,
)
from checker.lang import SymFormula, SymTerm
from spec.multipaxos import MultiPaxos


class MultiPaxosReconfig(MultiPaxos):
    """Multi-Paxos whose commands reconfigure the acceptors, taking effect one slot later."""

    expected_states = {"": 419_233}

    acceptors = Param(3, doc="number of acceptors")
    values = Param(2, doc="number of client commands (each installs a configuration)")
    max_ballot = Param(1, doc="ballots are 0..max_ballot")
    slots = Param(2, doc="number of log slots")

    # Not symmetric: configurations name acceptors, and commands name configurations.
    acceptor = Sort(acceptors, labels="a")
    value = Sort(values, bottom="None", labels="v")
    ballot = OrderedSort(max_ballot + 1, bottom=-1)
    slot = OrderedSort(slots)
    quorum = Subsets(acceptor)  # configurations, and the quorums chosen in them
    installs = Function(value, quorum, rigid=True)  # the configuration after a command

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
    committed = Relation(slot, value)
    # config(s, c): c is slot s's configuration, once known. Derived from `committed` (no
    # states of its own): every acceptor for the first slot, what the command committed in
    # the slot before installs for the others.
    config = Relation(slot, quorum)

    @init
    def first_configuration(self) -> None:
        """The first slot's configuration is what v1 installs: every acceptor."""
        self.config.insert(self.slot.first, self.installs(self.value[0]))

    @axiom
    def commands(self) -> SymFormula:
        """v1 keeps every acceptor; v2 (if there is one) leaves a1 alone; others keep all."""
        first = self.acceptor[0]
        return forall(
            self.value,
            self.acceptor,
            lambda v, a: iff(
                self.quorum.member(a, self.installs(v)),
                (v != self.value[1]) | (a == first),
            ),
        )

    def is_quorum(self, q: SymTerm, c: SymTerm) -> SymFormula:
        """q is a majority of configuration c."""
        return self.quorum.subset_of(q, c) & (self.quorum.size(q) * 2 > self.quorum.size(c))

    def before(self, p: SymTerm, s: SymTerm) -> SymFormula:
        """p is the slot just before s."""
        return (p < s) & ~exists(self.slot, lambda m: (p < m) & (m < s))

    def governs(self, c: SymTerm, s: SymTerm) -> SymFormula:
        """c is slot s's configuration (none yet: nothing is committed in the slot before)."""
        return self.config(s, c)

    def with_quorum_of(self, s: SymTerm, holds: object) -> SymFormula:
        """Some majority q of slot s's configuration satisfies `holds(q)`."""
        return exists(
            self.quorum,
            self.quorum,
            lambda c, q: self.governs(c, s) & self.is_quorum(q, c) & holds(q),  # type: ignore[operator]
        )

    @action
    def phase2a(self, b: ballot, s: slot, v: value) -> None:
        """The leader of ballot b proposes v in slot s, as a quorum of s's configuration allows."""
        require(~exists(self.value, lambda w: self.msg_2a(b, s, w)))
        require(self.with_quorum_of(s, lambda q: self.shows_safe(q, b, s, v)))
        self.msg_2a.insert(b, s, v)

    @action
    def commit(self, s: slot, b: ballot, v: value) -> None:  # type: ignore[override]
        """A replica learns that a quorum of slot s's configuration voted v in ballot b."""
        require(
            self.with_quorum_of(
                s,
                lambda q: forall(
                    self.acceptor,
                    lambda a: implies(self.quorum.member(a, q), self.msg_2b(a, b, s, v)),
                ),
            )
        )
        self.committed.insert(s, v)
        # What v installs governs the next slot.
        self.config.update(
            lambda t, c: self.config(t, c) | (self.before(s, t) & (c == self.installs(v)))
        )
