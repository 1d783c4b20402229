"""The inductive invariant of mypyvy's `examples/hybrid_reliable_broadcast_cisa.pyv`:
`sent_msg_proj` is the projection of `sent_msg`, a non-Byzantine node received only what was
sent to it, a node that is neither `fi` nor `fa` sends to all or to none, a non-Byzantine node
that sent without the initial message, or accepted, saw an a-quorum (a b-quorum) of senders
first, and an a-quorum of senders (its Byzantine members aside) means some non-Byzantine node
received the initial message.

`prove` reads `Subsets(node)` as an uninterpreted sort with membership; the invariant needs no
particular subset in it (every step picks one, and a counterexample to induction only needs
that one).

    paxoscope prove proofs/mypyvy/hybrid_reliable_broadcast_cisa.py
"""

from __future__ import annotations

from checker import conjunct, exists, forall, implies
from checker.lang import SymFormula
from spec.mypyvy.hybrid_reliable_broadcast_cisa import HybridReliableBroadcastCisa


class HybridReliableBroadcastCisaProof(HybridReliableBroadcastCisa):
    safety = ("unforgeability",)

    def not_byzantine(self, n: object) -> SymFormula:
        correct: SymFormula = ~self.member_fs(n) & ~self.member_fa(n)
        return correct

    def all_sent(self, sort: object, member: object) -> SymFormula:
        """Some quorum of `sort` (membership `member`) whose every member sent something."""
        q: SymFormula = exists(
            sort,
            lambda q: forall(
                self.node,
                lambda m: implies(member(m, q), self.sent_msg_proj(m)),  # type: ignore[operator]
            ),
        )
        return q

    @conjunct
    def unforgeable(self) -> SymFormula:
        return implies(
            exists(self.node, lambda n: self.not_byzantine(n) & self.accept(n)),
            exists(self.node, lambda m: self.not_byzantine(m) & self.rcv_init(m)),
        )

    @conjunct
    def projection_has_a_message(self) -> SymFormula:
        return forall(
            self.node,
            lambda n1: implies(
                self.sent_msg_proj(n1), exists(self.node, lambda n2: self.sent_msg(n1, n2))
            ),
        )

    @conjunct
    def message_is_in_projection(self) -> SymFormula:
        return forall(
            self.node,
            self.node,
            lambda n1, n2: implies(self.sent_msg(n1, n2), self.sent_msg_proj(n1)),
        )

    @conjunct
    def received_was_sent(self) -> SymFormula:
        return forall(
            self.node,
            self.node,
            lambda n1, n2: implies(
                self.not_byzantine(n2) & self.rcv_msg(n1, n2), self.sent_msg(n1, n2)
            ),
        )

    @conjunct
    def symmetric_senders_send_to_all(self) -> SymFormula:
        return forall(
            self.node,
            self.node,
            lambda n1, n2: implies(
                ~self.member_fi(n1) & ~self.member_fa(n1) & self.sent_msg_proj(n1),
                self.sent_msg(n1, n2),
            ),
        )

    @conjunct
    def sent_without_init_after_an_a_quorum(self) -> SymFormula:
        return forall(
            self.node,
            self.node,
            lambda n1, n2: implies(
                self.not_byzantine(n1) & self.sent_msg(n1, n2) & ~self.rcv_init(n1),
                self.all_sent(self.quorum_a, self.member_a),
            ),
        )

    @conjunct
    def accepted_after_a_b_quorum(self) -> SymFormula:
        return forall(
            self.node,
            lambda n1: implies(
                self.not_byzantine(n1) & self.accept(n1),
                self.all_sent(self.quorum_b, self.member_b),
            ),
        )

    @conjunct
    def a_quorum_of_senders_means_an_init(self) -> SymFormula:
        return implies(
            exists(
                self.quorum_a,
                lambda a: forall(
                    self.node,
                    lambda m: implies(
                        self.member_a(m, a) & self.not_byzantine(m), self.sent_msg_proj(m)
                    ),
                ),
            ),
            exists(self.node, lambda n: self.not_byzantine(n) & self.rcv_init(n)),
        )
