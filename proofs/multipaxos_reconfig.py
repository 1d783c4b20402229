"""An inductive invariant for `spec/multipaxos_reconfig.py`: Multi-Paxos's (`proofs/multipaxos.py`)
with every quorum taken in the configuration of its slot. It implies that no two replicas
commit different commands in a slot, for any number of acceptors, commands, ballots and slots.

The quorums here are majorities of configurations, counted: `prove` reads a set's size as a
function of the set with the majority lemma (two subsets of one configuration, each more than
half of it, share a member), which is all the argument needs of sizes. The rest is Paxos's
argument slot by slot, plus the facts of the α-reconfiguration: a slot's configuration comes
from the command committed in the slot before it (`configurations_come_from_commits`), a
proposal in a slot is made with that slot's configuration known, which is then unique
(`one_configuration_per_slot`), and a command voted by a majority of a committed slot's
configuration is the committed one (`commits_are_the_chosen_values`, what a new commit is
checked against).

"The slot just before s" is `~exists(m: p < m < s)`, which `prove` reads as a relation with
the universal axiom that nothing lies between (see `checker.symbolic.unbounded`); without that,
z3 wanders off building a function from pairs of slots to slots. The hints name, for the
obligations z3 finds hardest, the conjuncts the argument uses. `paxoscope prove
proofs/multipaxos_reconfig.py`: 110 obligations, about 30 s.
"""

from __future__ import annotations

from typing import ClassVar

from checker import conjunct, exists, forall, implies
from checker.lang import SymFormula, SymTerm
from proofs.multipaxos import MultiPaxosProof
from spec.multipaxos_reconfig import MultiPaxosReconfig


class MultiPaxosReconfigProof(MultiPaxosReconfig, MultiPaxosProof):
    """A consistent log while the acceptors change, for all sizes."""

    safety = ("consistent_log",)
    hints: ClassVar[dict[str, tuple[str, ...]]] = {
        "consistent_log": ("commits_are_chosen", "commits_are_the_chosen_values"),
        "chosen_values_agree": (
            "choosable",
            "votes_are_proposed",
            "one_value_per_ballot",
            "quorums_have_members",
            "one_configuration_per_slot",
        ),
        "commits_are_the_chosen_values": (
            "commits_are_chosen",
            "choosable",
            "votes_are_proposed",
            "one_value_per_ballot",
            "quorums_have_members",
            "one_configuration_per_slot",
        ),
        "commit preserves commits_are_the_chosen_values": (
            "commits_are_the_chosen_values",
            "chosen_values_agree",
            "one_configuration_per_slot",
            "configurations_come_from_commits",
            "committed_slots_have_a_configuration",
        ),
        "commit preserves one_configuration_per_slot": (
            "one_configuration_per_slot",
            "configurations_come_from_commits",
            "commits_are_the_chosen_values",
        ),
        "commit preserves chosen_values_agree": (
            "chosen_values_agree",
            "commits_are_the_chosen_values",
            "proposals_know_their_configuration",
            "votes_are_proposed",
            "quorums_have_members",
            "configurations_come_from_commits",
        ),
        "commit preserves choosable": (
            "choosable",
            "proposals_know_their_configuration",
            "commits_are_the_chosen_values",
            "configurations_come_from_commits",
        ),
    }

    def voted(self, q: SymTerm, b: SymTerm, s: SymTerm, v: SymTerm) -> SymFormula:
        """Every member of q voted v in ballot b for slot s."""
        return forall(
            self.acceptor, lambda a: implies(self.quorum.member(a, q), self.msg_2b(a, b, s, v))
        )

    @conjunct
    def quorums_have_members(self) -> SymFormula:
        """A majority of a configuration is not empty (the majority lemma, with q1 = q2)."""
        return forall(
            self.quorum,
            self.quorum,
            lambda c, q: implies(
                self.is_quorum(q, c), exists(self.acceptor, lambda a: self.quorum.member(a, q))
            ),
        )

    @conjunct
    def chosen_values_agree(self) -> SymFormula:
        """Two commands each voted in some ballot by a quorum of slot s's configuration are one
        command (what makes a slot's configuration, and a commit, unique)."""
        return forall(
            self.slot,
            self.value,
            self.value,
            lambda s, v1, v2: implies(
                self.with_quorum_of(
                    s, lambda q: exists(self.ballot, lambda b: self.voted(q, b, s, v1))
                )
                & self.with_quorum_of(
                    s, lambda q: exists(self.ballot, lambda b: self.voted(q, b, s, v2))
                ),
                v1 == v2,
            ),
        )

    @conjunct
    def one_slot_before(self) -> SymFormula:
        """A slot has at most one slot just before it (a fact of the order, for z3)."""
        return forall(
            self.slot,
            self.slot,
            self.slot,
            lambda p1, p2, s: implies(self.before(p1, s) & self.before(p2, s), p1 == p2),
        )

    @conjunct
    def one_configuration_per_slot(self) -> SymFormula:
        """A slot has at most one configuration (its predecessor's commits agree)."""
        return forall(
            self.slot,
            self.quorum,
            self.quorum,
            lambda s, c1, c2: implies(self.governs(c1, s) & self.governs(c2, s), c1 == c2),
        )

    @conjunct
    def commits_are_the_chosen_values(self) -> SymFormula:
        """A command voted by a quorum of a committed slot's configuration is the committed
        one (chosen_values_agree and commits_are_chosen, composed once for z3)."""
        return forall(
            self.slot,
            self.value,
            self.value,
            self.quorum,
            self.quorum,
            self.ballot,
            lambda s, w, v, c, q, b: implies(
                self.committed(s, w)
                & self.governs(c, s)
                & self.is_quorum(q, c)
                & self.voted(q, b, s, v),
                v == w,
            ),
        )

    @conjunct
    def configurations_come_from_commits(self) -> SymFormula:
        """A slot's configuration is the first one, or what the command committed in the slot
        before it installs."""
        return forall(
            self.slot,
            self.quorum,
            lambda s, c: implies(
                self.config(s, c),
                ((s == self.slot.first) & (c == self.installs(self.value[0])))
                | exists(
                    self.slot,
                    self.value,
                    lambda p, v: self.before(p, s) & self.committed(p, v) & (self.installs(v) == c),
                ),
            ),
        )

    @conjunct
    def committed_slots_have_a_configuration(self) -> SymFormula:
        """A replica commits in a slot only with a majority of the slot's configuration."""
        return forall(
            self.slot,
            self.value,
            lambda s, w: implies(
                self.committed(s, w), exists(self.quorum, lambda c: self.config(s, c))
            ),
        )

    @conjunct
    def commits_are_in_order(self) -> SymFormula:
        """A slot is committed only after the slot before it."""
        return forall(
            self.slot,
            self.slot,
            self.value,
            lambda p, s, w: implies(
                self.committed(s, w) & self.before(p, s),
                exists(self.value, lambda v: self.committed(p, v)),
            ),
        )

    @conjunct
    def proposals_know_their_configuration(self) -> SymFormula:
        """A leader proposes in a slot only once the slot's configuration is known."""
        return forall(
            self.ballot,
            self.slot,
            self.value,
            lambda b, s, v: implies(
                self.msg_2a(b, s, v), exists(self.quorum, lambda c: self.governs(c, s))
            ),
        )

    @conjunct
    def choosable(self) -> SymFormula:
        """A proposal in ballot b2 for slot s leaves, in every quorum q of s's configuration
        c, an acceptor that promised past any lower ballot b1 without voting there for
        another command in s."""
        return forall(
            self.ballot,
            self.ballot,
            self.slot,
            self.value,
            self.value,
            self.quorum,
            self.quorum,
            lambda b1, b2, s, v1, v2, c, q: implies(
                (b1 < b2)
                & self.msg_2a(b2, s, v2)
                & (v1 != v2)
                & self.governs(c, s)
                & self.is_quorum(q, c),
                exists(
                    self.acceptor,
                    lambda a: (
                        self.quorum.member(a, q)
                        & (b1 < self.max_bal(a))
                        & ~self.msg_2b(a, b1, s, v1)
                    ),
                ),
            ),
        )

    @conjunct
    def commits_are_chosen(self) -> SymFormula:
        """A committed command was voted in one ballot by a quorum of its slot's
        configuration."""
        return forall(
            self.slot,
            self.value,
            lambda s, v: implies(
                self.committed(s, v),
                self.with_quorum_of(
                    s, lambda q: exists(self.ballot, lambda b: self.voted(q, b, s, v))
                ),
            ),
        )
