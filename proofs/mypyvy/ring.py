"""The inductive invariant of mypyvy's `examples/misc/pd/ring.pyv`: the leader has the highest
id, a node's own id pending to it is the highest, and no id passes a node with a higher one.

    paxoscope prove proofs/mypyvy/ring.py
"""

from __future__ import annotations

from checker import conjunct, forall, implies
from checker.lang import SymFormula
from spec.mypyvy.ring import Ring


class RingProof(Ring):
    safety = ("one_leader",)

    @conjunct
    def leader_max(self) -> SymFormula:
        return forall(self.node, self.node, lambda ld, n: implies(self.leader(ld), self.le(n, ld)))

    @conjunct
    def self_pending_highest_id(self) -> SymFormula:
        return forall(
            self.node, self.node, lambda ld, n: implies(self.pending(ld, ld), self.le(n, ld))
        )

    @conjunct
    def no_bypass(self) -> SymFormula:
        return forall(
            self.node,
            self.node,
            self.node,
            lambda s, n, d: implies(self.pending(s, d) & self.btw(s, n, d), self.le(n, s)),
        )
