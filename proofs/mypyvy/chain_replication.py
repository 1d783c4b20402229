"""The inductive invariant of mypyvy's `examples/misc/chain_replication.pyv`: the chain is
ordered (client >= head >= middle >= tail, and head >= tail), every message in flight carries
a state no bigger than the client's, and no bigger than its sender's.

    paxoscope prove proofs/mypyvy/chain_replication.py
"""

from __future__ import annotations

from checker import conjunct, forall, implies
from checker.lang import SymFormula
from spec.mypyvy.chain_replication import ChainReplication


class ChainReplicationProof(ChainReplication):
    safety = ("the_chain_is_ordered",)

    @conjunct
    def client_is_ahead_of_head(self) -> SymFormula:
        ahead: SymFormula = self.le(self.state(self.head), self.state(self.client))
        return ahead

    @conjunct
    def head_is_ahead_of_middle(self) -> SymFormula:
        ahead: SymFormula = self.le(self.state(self.middle), self.state(self.head))
        return ahead

    @conjunct
    def middle_is_ahead_of_tail(self) -> SymFormula:
        ahead: SymFormula = self.le(self.state(self.tail), self.state(self.middle))
        return ahead

    @conjunct
    def head_is_ahead_of_tail(self) -> SymFormula:
        ahead: SymFormula = self.le(self.state(self.tail), self.state(self.head))
        return ahead

    @conjunct
    def messages_are_behind_the_client(self) -> SymFormula:
        return forall(
            self.node_id,
            self.node_id,
            self.node_state,
            lambda x, y, z: implies(self.msg(x, y, z), self.le(z, self.state(self.client))),
        )

    def behind_sender(self, sender: object) -> SymFormula:
        """Every message from `sender` carries a state no bigger than `sender`'s."""
        return forall(
            self.node_id,
            self.node_state,
            lambda y, z: implies(self.msg(sender, y, z), self.le(z, self.state(sender))),
        )

    @conjunct
    def client_messages_are_behind_the_client(self) -> SymFormula:
        return self.behind_sender(self.client)

    @conjunct
    def head_messages_are_behind_the_head(self) -> SymFormula:
        return self.behind_sender(self.head)

    @conjunct
    def middle_messages_are_behind_the_middle(self) -> SymFormula:
        return self.behind_sender(self.middle)
