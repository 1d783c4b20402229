"""The inductive invariant of mypyvy's `examples/client_server_ae.pyv`: the safety property, and
the same of every response sent. Both are forall-exists formulas; their ∃ under a ∀ makes the
sort graph's edges node -> request and response -> request, which close no cycle: still EPR.

    paxoscope prove proofs/mypyvy/client_server_ae.py
"""

from __future__ import annotations

from checker import conjunct, exists, forall, implies
from checker.lang import SymFormula
from spec.mypyvy.client_server_ae import ClientServerAe


class ClientServerAeProof(ClientServerAe):
    safety = ("received_responses_match_a_request",)

    def answers_a_request(self, n: object, p: object) -> SymFormula:
        """`n` sent a request that `p` matches."""
        found: SymFormula = exists(
            self.request, lambda r: self.request_sent(n, r) & self.match(r, p)
        )
        return found

    @conjunct
    def received_match_a_request(self) -> SymFormula:
        return forall(
            self.node,
            self.response,
            lambda n, p: implies(self.response_received(n, p), self.answers_a_request(n, p)),
        )

    @conjunct
    def sent_match_a_request(self) -> SymFormula:
        return forall(
            self.node,
            self.response,
            lambda n, p: implies(self.response_sent(n, p), self.answers_a_request(n, p)),
        )
