"""An inductive invariant for Lamport's message-level Paxos (`spec/paxos.py`) that implies
agreement for any number of acceptors, values and ballots.

Lamport's own `Inv` (the spec's `inv_*` invariants) is inductive too, but its `SafeAt` nests
`∀ ballot ∃ quorum ∀ acceptor` under `∃ quorum`: with the functions `max_bal`, `max_vbal` from
acceptors to ballots, z3 finds no end of terms to instantiate and times out. The invariant here
follows "Paxos Made EPR" instead: facts about single messages, plus one *choosable* conjunct
saying that a proposal in ballot b2 leaves, in every quorum, an acceptor that moved past any
lower ballot b1 without voting there for another value. Its only alternation is
`∀ ballots, values, quorum ∃ acceptor`; the cycle it closes with `max_bal: acceptor -> ballot`
is reported by `prove`, but z3 settles every obligation quickly.
"""

from __future__ import annotations

from typing import ClassVar

from checker import conjunct, exists, forall, implies
from checker.lang import SymFormula
from spec.paxos import Paxos


class PaxosProof(Paxos):
    """Agreement of Paxos, for all sizes."""

    safety = ("agreement",)
    # Outside EPR, z3 finishes when it is not handed conjuncts it does not need: agreement
    # follows from these three alone.
    hints: ClassVar[dict[str, tuple[str, ...]]] = {
        "agreement": ("choosable", "votes_are_proposed", "one_value_per_ballot")
    }

    @conjunct
    def one_value_per_ballot(self) -> SymFormula:
        """A ballot's leader sends at most one 2a message."""
        return forall(
            self.ballot,
            self.value,
            self.value,
            lambda b, v1, v2: implies(self.msg_2a(b, v1) & self.msg_2a(b, v2), v1 == v2),
        )

    @conjunct
    def votes_are_proposed(self) -> SymFormula:
        """A 2b message answers a 2a message."""
        return forall(
            self.acceptor,
            self.ballot,
            self.value,
            lambda a, b, v: implies(self.msg_2b(a, b, v), self.msg_2a(b, v)),
        )

    @conjunct
    def promises_cover_1bs(self) -> SymFormula:
        """An acceptor's promise is at least every ballot it answered with a 1b."""
        return forall(
            self.acceptor,
            self.ballot,
            self.ballot.or_bottom,
            self.value.or_bottom,
            lambda a, b, mb, mv: implies(self.msg_1b(a, b, mb, mv), b <= self.max_bal(a)),
        )

    @conjunct
    def last_vote_is_highest(self) -> SymFormula:
        """max_vbal is at least every ballot the acceptor voted in, and at most its promise."""
        return forall(
            self.acceptor,
            lambda a: (
                (self.max_vbal(a) <= self.max_bal(a))
                & forall(
                    self.ballot,
                    self.value,
                    lambda b, v: implies(self.msg_2b(a, b, v), b <= self.max_vbal(a)),
                )
            ),
        )

    @conjunct
    def last_vote_was_sent(self) -> SymFormula:
        """<<max_vbal, max_val>> is one of the acceptor's 2b messages (when it voted at all)."""
        return forall(
            self.acceptor,
            lambda a: implies(
                self.max_vbal(a) != self.ballot.bottom,
                self.msg_2b(a, self.max_vbal(a), self.max_val(a)),
            ),
        )

    @conjunct
    def one_b_reports_a_vote(self) -> SymFormula:
        """A 1b message's vote <<mb, mv>> was cast, below the 1b's ballot."""
        return forall(
            self.acceptor,
            self.ballot,
            self.ballot.or_bottom,
            self.value.or_bottom,
            lambda a, b, mb, mv: implies(
                self.msg_1b(a, b, mb, mv) & (mb != self.ballot.bottom),
                (mb < b) & self.msg_2b(a, mb, mv),
            ),
        )

    @conjunct
    def one_b_reports_the_highest_vote(self) -> SymFormula:
        """Between a 1b message's vote and its ballot, the acceptor did not vote."""
        return forall(
            self.acceptor,
            self.ballot,
            self.ballot.or_bottom,
            self.value.or_bottom,
            lambda a, b, mb, mv: implies(
                self.msg_1b(a, b, mb, mv),
                forall(
                    self.ballot,
                    self.value,
                    lambda c, w: implies((mb < c) & (c < b), ~self.msg_2b(a, c, w)),
                ),
            ),
        )

    @conjunct
    def choosable(self) -> SymFormula:
        """If ballot b2 proposes v2, then for every lower ballot b1 and other value v1, each
        quorum has an acceptor that promised past b1 without voting for v1 there."""
        return forall(
            self.ballot,
            self.ballot,
            self.value,
            self.value,
            self.quorum,
            lambda b1, b2, v1, v2, q: implies(
                (b1 < b2) & self.msg_2a(b2, v2) & (v1 != v2),
                exists(
                    self.acceptor,
                    lambda a: (
                        self.quorum.member(a, q) & (b1 < self.max_bal(a)) & ~self.msg_2b(a, b1, v1)
                    ),
                ),
            ),
        )
