"""An inductive invariant for `spec/multipaxos.py`: the conjuncts of `proofs/paxos.py`, slot by
slot, plus the link from commits to quorums of votes. It implies that no two replicas commit
different commands in a slot, for any number of acceptors, commands, ballots and slots.
"""

from __future__ import annotations

from typing import ClassVar

from checker import conjunct, exists, forall, implies
from checker.lang import SymFormula
from spec.multipaxos import MultiPaxos


class MultiPaxosProof(MultiPaxos):
    """A consistent log, for all sizes."""

    safety = ("consistent_log",)
    hints: ClassVar[dict[str, tuple[str, ...]]] = {
        "consistent_log": (
            "commits_are_chosen",
            "choosable",
            "votes_are_proposed",
            "one_value_per_ballot",
        )
    }

    @conjunct
    def one_value_per_ballot(self) -> SymFormula:
        """A leader proposes at most one command per slot and ballot."""
        return forall(
            self.ballot,
            self.slot,
            self.value,
            self.value,
            lambda b, s, v1, v2: implies(self.msg_2a(b, s, v1) & self.msg_2a(b, s, v2), v1 == v2),
        )

    @conjunct
    def votes_are_proposed(self) -> SymFormula:
        return forall(
            self.acceptor,
            self.ballot,
            self.slot,
            self.value,
            lambda a, b, s, v: implies(self.msg_2b(a, b, s, v), self.msg_2a(b, s, v)),
        )

    @conjunct
    def promises_cover_1bs(self) -> SymFormula:
        return forall(
            self.acceptor,
            self.ballot,
            self.slot,
            self.ballot.or_bottom,
            self.value.or_bottom,
            lambda a, b, s, mb, mv: implies(self.msg_1b(a, b, s, mb, mv), b <= self.max_bal(a)),
        )

    @conjunct
    def last_vote_is_highest(self) -> SymFormula:
        return forall(
            self.acceptor,
            self.slot,
            lambda a, s: (
                (self.max_vbal(a, s) <= self.max_bal(a))
                & forall(
                    self.ballot,
                    self.value,
                    lambda b, v: implies(self.msg_2b(a, b, s, v), b <= self.max_vbal(a, s)),
                )
            ),
        )

    @conjunct
    def last_vote_was_sent(self) -> SymFormula:
        return forall(
            self.acceptor,
            self.slot,
            lambda a, s: implies(
                self.max_vbal(a, s) != self.ballot.bottom,
                self.msg_2b(a, self.max_vbal(a, s), s, self.max_val(a, s)),
            ),
        )

    @conjunct
    def one_b_reports_a_vote(self) -> SymFormula:
        return forall(
            self.acceptor,
            self.ballot,
            self.slot,
            self.ballot.or_bottom,
            self.value.or_bottom,
            lambda a, b, s, mb, mv: implies(
                self.msg_1b(a, b, s, mb, mv) & (mb != self.ballot.bottom),
                (mb < b) & self.msg_2b(a, mb, s, mv),
            ),
        )

    @conjunct
    def one_b_reports_the_highest_vote(self) -> SymFormula:
        return forall(
            self.acceptor,
            self.ballot,
            self.slot,
            self.ballot.or_bottom,
            self.value.or_bottom,
            lambda a, b, s, mb, mv: implies(
                self.msg_1b(a, b, s, mb, mv),
                forall(
                    self.ballot,
                    self.value,
                    lambda c, w: implies((mb < c) & (c < b), ~self.msg_2b(a, c, s, w)),
                ),
            ),
        )

    @conjunct
    def choosable(self) -> SymFormula:
        """A proposal in ballot b2 for slot s leaves, in every quorum, an acceptor that promised
        past any lower ballot b1 without voting there for another command in s."""
        return forall(
            self.ballot,
            self.ballot,
            self.slot,
            self.value,
            self.value,
            self.quorum,
            lambda b1, b2, s, v1, v2, q: implies(
                (b1 < b2) & self.msg_2a(b2, s, v2) & (v1 != v2),
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
        """A committed command was voted by a quorum in one ballot."""
        return forall(
            self.slot,
            self.value,
            lambda s, v: implies(
                self.committed(s, v),
                exists(
                    self.ballot,
                    self.quorum,
                    lambda b, q: forall(
                        self.acceptor,
                        lambda a: implies(self.quorum.member(a, q), self.msg_2b(a, b, s, v)),
                    ),
                ),
            ),
        )
